"""The condition index and condition pages.

A condition page lists the published articles that discuss it, each with
the article's note on the condition. They live in the reader app, not in
`conditions`, because they list articles: `conditions` is the taxonomy and
imports nothing from `articles`.
"""

from django.http import Http404
from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin

from conditions.models import Condition
from core.pagination import KeysetPaginationMixin, parse_page_number
from reader import selectors


class ConditionListView(ListView):
    model = Condition
    context_object_name = "conditions"
    page_cache_params = {}

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
    paginate_by = selectors.CONDITION_PAGE_SIZE

    def get(self, request, *args, **kwargs):
        self.object = selectors.condition(kwargs["slug"])
        if self.object is None:
            raise Http404("No such condition.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return self.object.articles.published().for_listing()

    def get_context_data(self, **kwargs):
        condition = self.object
        context = super().get_context_data(condition=condition, **kwargs)
        articles = context["object_list"]
        notes = selectors.condition_notes(condition, articles)
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
