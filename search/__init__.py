"""Search, its own app: the one entry point, whatever the database.

Readers' queries go through `search()`; the index is kept right with
`index_article()`, `index_articles()` and `remove_article()`. `articles`
knows nothing of search: it sends `articles.signals.index_requested` for
the articles a write changed (articles/changes.py after every service's
write commits, the import batch by batch) and `bulk_write` around an
import; this app's receivers (search/receivers.py, connected in
`SearchConfig.ready()`) call `index_articles()` and `bulk()`. The backend
is chosen by `connection.vendor` and implements `backends.base.SearchBackend`:
`backends/postgres.py` (weighted tsvector, GIN, pg_trgm) or
`backends/sqlite.py` (FTS5, bm25, a trigram vocabulary); views never know
which.

The app also owns the reader's search page (`views.py`, `urls.py`, the
"search" namespace at /search/; its template stays where the project keeps
the reader site's templates, templates/jinja2/search/results.html), the
`rebuild_search_index` command, and the search tables: created by
articles/migrations/0003_search_index.py and 0006_search_visible_vocabulary.py
before search was an app, owned in Django's state by
search/migrations/0001_initial.py, changed from now on in search/migrations/.

Only published articles are ever indexed, with their publication time, and
every query compares that time with the database's now, so a scheduled
article appears at its time with no job to run. Database triggers (see the
migrations) drop an article's row when it is deleted or leaves "published" by
any path, so the index can never show more than `published()` does.

"Did you mean" draws on `search_term`, the words of the indexed articles with
the number using each; each row keeps the exact words it contributes, so the
counts shrink when a row goes (a trigger, 0006_search_visible_vocabulary),
and a correction is offered only when an article readers can see at the
database's now has that exact word, and the corrected query finds something.
"""

import re
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Prefetch
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from search.documents import documents, vocabulary_change
from search.query import expand_synonyms, is_crisis, matching_conditions, parse

__all__ = ["bulk", "index_article", "index_articles", "rebuild", "remove_article", "search"]

PAGE_SIZE = 10
# At most this many matches are ranked and paged through (100 pages); a
# common word may match half the site, and ranking all of it on every
# request is what makes search slow at scale. The count says "more than".
MAX_RESULTS = 1000
# Suggest a spelling when a query finds fewer results than this.
SUGGEST_BELOW = 3
BATCH = 500

MARK_START, MARK_END = "\ue000", "\ue001"
_MARK_RE = re.compile(f"[{MARK_START}{MARK_END}]")


# One backend instance per database vendor, made on first use.
_backends = {}


def backend():
    """Return the search backend for the default database (a `backends.base.SearchBackend`)."""
    vendor = connection.vendor
    engine = _backends.get(vendor)
    if engine is None:
        # The vendor's module is imported only when that database is in use.
        if vendor == "postgresql":
            from search.backends.postgres import PostgresBackend as backend_class
        elif vendor == "sqlite":
            from search.backends.sqlite import SQLiteBackend as backend_class
        else:
            raise ImproperlyConfigured(
                f"Search supports PostgreSQL and SQLite, not {vendor}: set DATABASE_URL to a postgres:// URL,"
                " or leave it unset for SQLite."
            )
        engine = _backends[vendor] = backend_class()
    return engine


# ---------------------------------------------------------------------------
# Keeping the index right


def index_article(article):
    """Index (or un-index) one article as it now stands in the database."""
    index_articles([article.pk])


@dataclass
class _Deferred:
    vocabulary: Counter = field(default_factory=Counter)
    indexed: int = 0


_deferred = ContextVar("search_deferred", default=None)


@contextmanager
def bulk():
    """Defer the vocabulary and statistics writes of index_articles() to the end of the block.

    For a large import that indexes batch by batch. Each vocabulary word is a
    row whose count every batch would update again; inside one transaction
    those updates pile up as row versions every later update must walk past,
    so a 100,000-article import spent longer on them than on everything
    else. Added up here, each word is written once. Nothing is written if
    the block raises. Removals are counted at once by the database (a
    trigger), so inside the block a count may briefly fall below its true
    value; the sum at the end is right.
    """
    if _deferred.get() is not None:
        yield
        return
    deferred = _Deferred()
    token = _deferred.set(deferred)
    try:
        yield
    finally:
        _deferred.reset(token)
    _write_vocabulary(backend(), deferred.vocabulary, deferred.indexed)


def _write_vocabulary(engine, vocabulary, indexed):
    with transaction.atomic():
        engine.change_vocabulary(vocabulary)
        if indexed >= BATCH:
            # After a bulk change (an import), refresh the planner's statistics.
            engine.analyze()


def index_articles(article_ids):
    """Bring the index up to date for these articles: add, refresh or drop each.

    Published and scheduled articles are (re)indexed with their title,
    summary, condition names and body; any other id is removed. Efficient in
    bulk: a batch of 500 articles costs a handful of queries.
    """
    ids = sorted({int(i) for i in article_ids})
    engine = backend()
    vocabulary = Counter()
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            docs = list(documents(batch))
            # A removed row takes its words out of the vocabulary itself (a
            # trigger, as when an article is deleted or unpublished by any path).
            engine.remove([i for i in batch if i not in {d.article_id for d in docs}])
            if docs:
                previous = engine.stored_terms([d.article_id for d in docs])
                engine.upsert(docs)
                vocabulary.update(vocabulary_change(docs, previous))
        deferred = _deferred.get()
        if deferred is None:
            _write_vocabulary(engine, vocabulary, len(ids))
        else:
            deferred.vocabulary.update(vocabulary)
            deferred.indexed += len(ids)


def remove_article(article_id):
    """Drop one article from the index (its row goes with it on delete anyway)."""
    backend().remove([article_id])


def index_condition_articles(condition_id):
    """Re-index the articles filed under a condition, after its name changed."""
    from articles.models import ArticleCondition

    index_articles(ArticleCondition.objects.filter(condition_id=condition_id).values_list("article_id", flat=True))


def rebuild():
    """Rebuild the whole index and vocabulary from the articles; return the number indexed."""
    from articles.models import Article

    engine = backend()
    with transaction.atomic():
        engine.clear()
        ids = list(Article.objects.published_or_scheduled().order_by("id").values_list("id", flat=True))
        index_articles(ids)
        engine.optimize()
    return engine.count()


# ---------------------------------------------------------------------------
# Reading


@dataclass
class Hit:
    article: object
    snippet: str


@dataclass
class Results:
    query: str
    page: object = None
    hits: list = field(default_factory=list)
    total: int = 0
    capped: bool = False
    conditions: list = field(default_factory=list)
    condition: object = None
    unknown_condition: bool = False
    suggestion: str = ""
    crisis: bool = False
    message: str = ""


def highlight(snippet):
    """Return safe HTML: the snippet escaped, then only our own markers turned into <mark>."""
    html = escape(snippet)
    depth, out = 0, []
    for part in re.split(f"([{MARK_START}{MARK_END}])", html):
        if part == MARK_START:
            if depth == 0:
                out.append("<mark>")
            depth += 1
        elif part == MARK_END:
            depth = max(0, depth - 1)
            if depth == 0:
                out.append("</mark>")
        else:
            out.append(part)
    if depth:
        out.append("</mark>")
    # Safe: the text was escaped above; only the <mark> tags are ours.
    return mark_safe("".join(out))


def search(text, *, page=1, condition=""):
    """Search published articles; return a Results for the template.

    `text` is anything a reader can type (it is cleaned and cut to
    query.MAX_QUERY_LENGTH first), `page` anything from the URL, `condition`
    a condition slug to filter by (an unknown one is reported, not an error).
    """
    from articles.models import Article, ArticleCondition
    from conditions.models import Condition

    parsed = parse(text)
    results = Results(query=parsed.text, crisis=is_crisis(text))
    if not parsed.text:
        results.message = "Type a word or two to search the articles, for example “anxiety” or “trust”."
        return results
    if parsed.is_empty:
        results.message = (
            "Those words are too common to search on their own. "
            "Try a more specific word, such as a feeling, a condition or a topic."
        )
        return results

    conditions = list(Condition.objects.only("id", "slug", "name", "aliases"))
    if condition:
        results.condition = next((c for c in conditions if c.slug == condition), None)
        results.unknown_condition = results.condition is None
    results.conditions = matching_conditions(parsed, conditions)
    expand_synonyms(parsed, [(c.name, c.aliases or []) for c in conditions])
    engine = backend()
    condition_id = results.condition.id if results.condition else None
    if results.unknown_condition:
        ranked, capped = [], False
    else:
        ranked, capped = engine.ranked_ids(parsed, condition_id=condition_id, limit=MAX_RESULTS)
    results.total, results.capped = len(ranked), capped
    results.page = Paginator(ranked, PAGE_SIZE).get_page(page)
    page_ids = list(results.page.object_list)
    if page_ids:
        snippet_sql, snippet_params = engine.snippet_sql(parsed, '"articles_article"."id"')
        articles = (
            Article.objects.published()
            .filter(id__in=page_ids)
            .only("id", "slug", "title", "summary", "published_at")
            .annotate(snippet=RawSQL(snippet_sql, snippet_params))
            # Rank order is applied below; the model's date ordering would make
            # SQLite walk the whole date index instead of looking up ten ids.
            .order_by()
            .prefetch_related(
                Prefetch(
                    "condition_links",
                    ArticleCondition.objects.select_related("condition").only(
                        "article_id", "position", "condition__slug", "condition__name"
                    ),
                )
            )
        )
        by_id = {a.id: a for a in articles}
        results.hits = [Hit(by_id[i], highlight(by_id[i].snippet or by_id[i].summary)) for i in page_ids if i in by_id]
    if results.total < SUGGEST_BELOW and not results.unknown_condition:
        results.suggestion = _suggestion(engine, parsed, conditions)
    return results


def _suggestion(engine, parsed, conditions):
    """Return a corrected query that finds published articles, or "".

    The backend only proposes words that an article readers can see now
    contains, never a stop word or an operator; and the corrected query must
    itself find something, so "Did you mean" never hints at a draft's words.
    """
    typed = parse(parsed.text)
    candidates = [w for w in dict.fromkeys(typed.positive_words()) if w.isalpha() and len(w) >= 3]
    corrections = engine.corrections(candidates[:6])
    if not corrections:
        return ""
    text = typed.text_with(corrections)
    corrected = parse(text)
    if corrected.is_empty:
        # Nothing left to search (as when every word corrected is a stop word).
        return ""
    expand_synonyms(corrected, [(c.name, c.aliases or []) for c in conditions])
    return text if engine.exists(corrected) else ""
