"""The condition index and condition pages.

A condition page lists the published articles that discuss it. `conditions`
imports nothing from `articles`, so it reaches them through the reverse
relations (`condition.articles`, `condition.article_links`), whose managers
carry the article queryset's one visibility rule, `published()`.
"""

from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin

from conditions.models import Condition
from intimacyhub.pagination import KeysetPaginationMixin, parse_page_number

CONDITION_PAGE_SIZE = 12


class ConditionListView(ListView):
    model = Condition
    context_object_name = "conditions"

    def get_queryset(self):
        return Condition.objects.only("slug", "name", "summary")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Conditions",
            page_description="The conditions our articles discuss, from anxiety to trauma.",
            **kwargs,
        )


class ConditionDetailView(SingleObjectMixin, KeysetPaginationMixin, ListView):
    """A condition, then every published article that discusses it, with that article's note."""

    model = Condition
    template_name = "conditions/condition_detail.html"
    paginate_by = CONDITION_PAGE_SIZE

    def get(self, request, *args, **kwargs):
        self.object = self.get_object(queryset=Condition.objects.all())
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return self.object.articles.published().for_listing()

    def get_context_data(self, **kwargs):
        condition = self.object
        context = super().get_context_data(condition=condition, **kwargs)
        articles = context["object_list"]
        notes = dict(
            condition.article_links.filter(article__in=[a.pk for a in articles]).values_list("article_id", "note_html")
        )
        number = parse_page_number(self.request.GET.get("page"))
        context.update(
            entries=[(article, notes.get(article.pk, "")) for article in articles],
            page_title=condition.name if number == 1 else f"{condition.name}, page {number}",
            page_description=condition.summary or f"Articles about {condition.name.lower()}.",
            json_ld={
                "@context": "https://schema.org",
                "@type": "MedicalCondition",
                "name": condition.name,
                "alternateName": condition.aliases,
                "description": condition.summary,
                "url": self.request.build_absolute_uri(condition.get_absolute_url()),
            },
        )
        return context
