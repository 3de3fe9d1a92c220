"""Build a checks Document from an Article: where `articles` meets the checks engine.

The engine (`checks/`) imports no app; `articles` imports it, here and in
the services (the publish gate) and the admin (the Checks panel).

Fields, in the order findings are listed: "title", "summary", "body",
"note:<condition slug>" for each condition note, "quote:<n>" for the n-th
featured quote (from 1), and "alt:<image slug>" for library images once
articles have them (none today). Citations and content notes come along, so
the content-note, sources and citation-quote rules can read them.
"""

from django.db.models import Prefetch

from articles.models import Article, ArticleCondition, ArticleQuote
from checks.engine import Citation, Document

PREFETCH = (
    "citations",
    Prefetch("condition_links", queryset=ArticleCondition.objects.select_related("condition")),
    Prefetch("quote_links", queryset=ArticleQuote.objects.select_related("quote")),
)


def document_for_article(article):
    """Return the Document of `article` (prefetch PREFETCH when checking many)."""
    fields = {"title": article.title, "summary": article.summary, "body": article.body}
    for link in article.condition_links.all():
        if link.note:
            fields[f"note:{link.condition.slug}"] = link.note
    for number, link in enumerate(article.quote_links.all(), start=1):
        fields[f"quote:{number}"] = link.quote.text
    return Document(
        fields=fields,
        content_notes=tuple(note for note in article.content_notes or () if isinstance(note, str)),
        citations=tuple(Citation(key=c.key, url=c.url, excerpt=c.excerpt) for c in article.citations.all()),
    )


def articles_to_check(*, slugs=(), status=None):
    """Return the articles `check_content` reads, in slug order, with what their documents need."""
    queryset = Article.objects.prefetch_related(*PREFETCH).order_by("slug")
    if slugs:
        queryset = queryset.filter(slug__in=slugs)
    if status:
        queryset = queryset.filter(status=status)
    return queryset
