"""What the search index holds for an article, the same for both backends."""

import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from search.query import MAX_WORD_LENGTH, STOP_WORDS, words

# The body's opening (about 100 words) counts for ranking beside the title,
# summary and condition names; matching always uses the whole body. Small
# enough that PostgreSQL keeps the ranking vector inline, never in TOAST.
LEAD_CHARS = 600
# Snippets are cut from this much of the body.
SNIPPET_CHARS = 5000

_TAG_RE = re.compile(r"<[^>]*>")
_FOOTNOTE_RE = re.compile(r"<sup[^>]*>.*?</sup>", re.DOTALL)


def plain_text(body_html):
    """Return the readable text of rendered HTML (tags, footnote marks and entities removed)."""
    text = _FOOTNOTE_RE.sub("", body_html)
    text = _TAG_RE.sub(" ", text)
    return " ".join(html.unescape(text).split())


@dataclass(frozen=True)
class Document:
    article_id: int
    published_at: object
    title: str
    meta: str
    body: str

    @property
    def lead(self):
        # Cut at a space: half a word would enter the spelling vocabulary.
        return self.body[:LEAD_CHARS].rsplit(" ", 1)[0] if len(self.body) > LEAD_CHARS else self.body

    summary: str = ""

    @property
    def snippet_source(self):
        return f"{self.summary} {self.body}".strip()[:SNIPPET_CHARS]

    @cached_property
    def terms(self):
        """The document's vocabulary words, sorted: stored with its row, counted in search_term."""
        return sorted(vocabulary(self))


def documents(article_ids):
    """Yield a Document for each published (or scheduled) article among `article_ids`.

    Drafts and articles in review yield nothing: they are never indexed.
    """
    from articles.models import Article, ArticleCondition

    ids = list(article_ids)
    articles = (
        Article.objects.published_or_scheduled()
        .filter(id__in=ids, published_at__isnull=False)
        .only("id", "title", "summary", "body", "body_html", "published_at")
        .order_by("id")
    )
    names = {}
    links = ArticleCondition.objects.filter(article_id__in=ids).order_by("article_id", "position", "id")
    for article_id, name in links.values_list("article_id", "condition__name"):
        names.setdefault(article_id, []).append(name)
    for article in articles:
        meta = " ".join([article.summary, *names.get(article.id, [])])
        # body_html is derived on save; an article saved before rendering still has its Markdown.
        body = plain_text(article.body_html) if article.body_html else " ".join(article.body.split())
        yield Document(
            article.id, article.published_at, _scrub(article.title), _scrub(meta), _scrub(body), _scrub(article.summary)
        )


def _scrub(text):
    """Remove the private characters snippets use as highlight markers."""
    return text.replace("\ue000", "").replace("\ue001", "")


def vocabulary(document):
    """Return the set of words a document contributes to the "Did you mean" vocabulary.

    The title, summary, condition names and the body's opening: across a
    site that is nearly every word it uses, at a seventh of the cost of
    reading every body in full on each import. Stop words are left out: a
    query never searches them, so they could only ever be wrong corrections.
    """
    found = set()
    for text in (document.title, document.meta, document.lead):
        found.update(w for w in words(text) if 3 <= len(w) <= MAX_WORD_LENGTH and w.isalpha())
    return found - STOP_WORDS


def vocabulary_change(docs, previous):
    """Return how many more documents use each word once `docs` replace their `previous` vocabularies.

    `previous` maps article ids already indexed to the words their row
    holds; the result is a Counter whose entries may be negative.
    """
    change = Counter()
    for document in docs:
        change.update(document.terms)
        change.subtract(previous.get(document.article_id, ()))
    return Counter({word: n for word, n in change.items() if n})
