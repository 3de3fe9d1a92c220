"""The condition index and condition pages.

A condition page lists the published articles that discuss it. `conditions`
imports nothing from `articles`, so it reaches them through the reverse
relations (`condition.articles`, `condition.article_links`), whose managers
carry the article queryset's one visibility rule, `published()`.
"""

from django.http import Http404
from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin

from conditions.models import Condition
from intimacyhub.compiled import CompiledQuery
from intimacyhub.pagination import KeysetPaginationMixin, parse_page_number

CONDITION_PAGE_SIZE = 12

# The condition page's lookups, compiled once (see intimacyhub/compiled.py).
_CONDITION_FIELDS = [f.attname for f in Condition._meta.concrete_fields]
_CONDITION = CompiledQuery(lambda slug: Condition.objects.filter(slug=slug).values_list(*_CONDITION_FIELDS), (str,))


def _notes(condition_id, *article_ids):
    links = Condition._meta.get_field("article_links").related_model.objects
    return links.filter(condition_id=condition_id, article_id__in=article_ids).values_list("article_id", "note_html")


_NOTES = CompiledQuery(_notes, (int,) * (1 + CONDITION_PAGE_SIZE))


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
    paginate_by = CONDITION_PAGE_SIZE

    def get(self, request, *args, **kwargs):
        rows = _CONDITION.rows(kwargs["slug"])
        if not rows:
            raise Http404("No such condition.")
        self.object = Condition.from_db("default", _CONDITION_FIELDS, rows[0])
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return self.object.articles.published().for_listing()

    def get_context_data(self, **kwargs):
        condition = self.object
        context = super().get_context_data(condition=condition, **kwargs)
        articles = context["object_list"]
        ids = [a.pk for a in articles][:CONDITION_PAGE_SIZE]
        notes = dict(_NOTES.rows(condition.pk, *ids, *[0] * (CONDITION_PAGE_SIZE - len(ids))))  # 0: no article
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
