"""The read queries behind the reader's pages: what a view asks for, it asks here.

The busiest pages run precompiled SQL. The article page is the page readers
land on most, and it showed most of what an article links to: its author,
conditions, citations, quotes, tags, related posts, the recent posts, and
previous and next. Written as ordinary querysets that took ten queries and
about six milliseconds of ORM work a request. Here each query is still
written with the ORM (the visibility rule is still
`Article.objects.published()`), but compiled once per process
(`core.compiled`), so a request only runs SQL:

1. the article and its author, by slug (readers' path; staff previews load
   it through the ORM),
2. to 5. its condition links, citations, quotes and tags,
6. its corrections log, newest first,
7. one union of the few other articles the page links to: the recent
   posts, previous and next, and the stored related candidates
   (`Article.related_ids`), all through `published()`.

The home page's three queries (newest articles, conditions, the featured
quote) take no parameters at all; a condition page's own two (the condition,
its notes on the page's articles) take the slug and the page's ids. The
quotes page's articles, one query a page, come last.
"""

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Exists, F, OuterRef, Subquery

from articles.models import (
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleTag,
    Citation,
    Correction,
    Person,
    Quote,
    Tag,
)
from articles.related import RELATED_CANDIDATES, in_stored_order, stored_ids
from conditions.models import Condition
from core.compiled import CompiledQuery
from core.pagination import newer_than, older_than
from core.sql import sliced_for_union
from images.models import SHOWN_FIELDS, Image

RECENT_ARTICLES = 5
RELATED_ARTICLES = 4
# The page considers every stored related candidate, more than it shows, so
# candidates readers may not see (withdrawn since) leave no gap.
RELATED_SLOTS = RELATED_CANDIDATES

_ARTICLE_FIELDS = [f.attname for f in Article._meta.concrete_fields]
# The byline: "By NAME, CREDENTIALS" (the reviewer's part has its own fields below).
_AUTHOR_FIELDS = ["id", "name", "slug", "credentials"]
# After an article's own fields, every article row carries its author and its cover (a join, no more queries).
AUTHOR_AND_COVER = [*(f"author__{name}" for name in _AUTHOR_FIELDS), *(f"cover__{name}" for name in SHOWN_FIELDS)]
# The reviewer's part of the byline ("Clinically reviewed by NAME, CREDENTIALS").
_REVIEWER_FIELDS = ["id", "name", "slug", "credentials"]
# What a person's page shows of them: never the licence, whose number is staff data.
PUBLIC_PERSON_FIELDS = (
    "id", "name", "slug", "credentials", "job_title", "bio_html", "bio", "links", "photo",
    *(f"photo__{name}" for name in SHOWN_FIELDS),
)  # fmt: skip
_NEIGHBOUR_FIELDS = ["id", "slug", "title", "summary", "published_at"]


def _article_by_slug(slug):
    return (
        Article.objects.published()
        .filter(slug=slug)
        .values_list(
            *_ARTICLE_FIELDS,
            *(f"reviewed_by__{name}" for name in _REVIEWER_FIELDS),
            *AUTHOR_AND_COVER,
        )
    )


_ARTICLE = CompiledQuery(_article_by_slug, (str,))

_CONDITIONS = CompiledQuery(
    lambda pk: (
        ArticleCondition.objects.filter(article_id=pk)
        .order_by("position", "id")
        .values_list("id", "note_html", "condition__id", "condition__slug", "condition__name")
    ),
    (int,),
)
_CITATIONS = CompiledQuery(
    lambda pk: (
        Citation.objects.filter(article_id=pk)
        .order_by("position", "id")
        .values_list("id", "key", "source", "title", "url", "published", "excerpt")
    ),
    (int,),
)
_QUOTES = CompiledQuery(
    lambda pk: (
        ArticleQuote.objects.filter(article_id=pk)
        .order_by("position", "id")
        .values_list("id", "quote__id", "quote__text", "quote__attribution", "quote__source")
    ),
    (int,),
)
_TAGS = CompiledQuery(
    lambda pk: (
        ArticleTag.objects.filter(article_id=pk)
        .order_by("position", "id")
        .values_list("id", "tag__id", "tag__slug", "tag__name")
    ),
    (int,),
)

_CORRECTIONS = CompiledQuery(
    lambda pk: Correction.objects.filter(article_id=pk).order_by("-at", "-id").values_list("id", "at", "kind", "note"),
    (int,),
)


def _neighbour_rows(pk, *related):
    published = Article.objects.published()
    others = published.exclude(pk=pk).order_by("-published_at", "-id").values("pk")
    # The page's own date, read in the database: no date parameter to convert.
    when = Subquery(Article.objects.filter(pk=pk).values("published_at")[:1])
    walks = [
        sliced_for_union(others, RECENT_ARTICLES),
        # Previous and next in (published_at, id) order, seeking the date index.
        sliced_for_union(others.filter(older_than(when, pk)), 1),
        sliced_for_union(others.filter(newer_than(when, pk)).reverse(), 1),
    ]
    ids = [walk.values("pk") for walk in walks]
    ids.append(Article.objects.filter(pk__in=related).order_by().values("pk"))
    return (
        published.filter(pk__in=ids[0].union(*ids[1:], all=True))
        .exclude(pk=pk)
        .order_by()
        .values_list(*_NEIGHBOUR_FIELDS)
    )


_NEIGHBOURS = CompiledQuery(_neighbour_rows, (int,) * (1 + RELATED_SLOTS))


def published_article(slug, *, using=DEFAULT_DB_ALIAS):
    """Return the published article with this slug, its author and reviewer loaded, or None."""
    rows = _ARTICLE.rows(slug, using=using)
    if not rows:
        return None
    row = rows[0]
    count = len(_ARTICLE_FIELDS)
    reviewer_row = row[count : count + len(_REVIEWER_FIELDS)]
    article = article_with_author(_ARTICLE_FIELDS, row[:count] + row[count + len(_REVIEWER_FIELDS) :], using)
    reviewer = Person.from_db(using, _REVIEWER_FIELDS, reviewer_row) if reviewer_row[0] is not None else None
    Article.reviewed_by.field.set_cached_value(article, reviewer)
    return article


def article_with_author(fields, row, using):
    """An Article from `row`: its `fields`, then its author and cover (AUTHOR_AND_COVER)."""
    article = Article.from_db(using, fields, row[: len(fields)])
    author_row = row[len(fields) : len(fields) + len(_AUTHOR_FIELDS)]
    author = Person.from_db(using, _AUTHOR_FIELDS, author_row) if author_row[0] is not None else None
    Article.author.field.set_cached_value(article, author)
    cover_row = row[len(fields) + len(_AUTHOR_FIELDS) :]
    cover = Image.from_db(using, SHOWN_FIELDS, cover_row) if cover_row[0] is not None else None
    Article.cover.field.set_cached_value(article, cover)
    return article


def article_parts(article, *, using=DEFAULT_DB_ALIAS):
    """Return the article's condition links, citations, quote links and tag links, in order."""
    pk = article.pk
    conditions = []
    for link_id, note_html, condition_id, slug, name in _CONDITIONS.rows(pk, using=using):
        link = ArticleCondition(id=link_id, article_id=pk, condition_id=condition_id, note_html=note_html)
        link.condition = Condition(id=condition_id, slug=slug, name=name)
        conditions.append(link)
    citations = [
        Citation(id=c[0], article_id=pk, key=c[1], source=c[2], title=c[3], url=c[4], published=c[5], excerpt=c[6])
        for c in _CITATIONS.rows(pk, using=using)
    ]
    quotes = []
    for link_id, quote_id, text, attribution, source in _QUOTES.rows(pk, using=using):
        link = ArticleQuote(id=link_id, article_id=pk, quote_id=quote_id)
        link.quote = Quote(id=quote_id, text=text, attribution=attribution, source=source)
        quotes.append(link)
    tags = []
    for link_id, tag_id, slug, name in _TAGS.rows(pk, using=using):
        link = ArticleTag(id=link_id, article_id=pk, tag_id=tag_id)
        link.tag = Tag(id=tag_id, slug=slug, name=name)
        tags.append(link)
    return {"condition_links": conditions, "citations": citations, "quote_links": quotes, "tag_links": tags}


def article_corrections(article, *, using=DEFAULT_DB_ALIAS):
    """Return the article's logged changes, newest first (the article is one readers may see, or a preview)."""
    pk = article.pk
    return [
        Correction(id=row[0], article_id=pk, at=row[1], kind=row[2], note=row[3])
        for row in _CORRECTIONS.rows(pk, using=using)
    ]


def neighbours(article, *, using=DEFAULT_DB_ALIAS):
    """Return the page's links to other articles, from one query.

    `recent_articles` (the newest RECENT_ARTICLES), `older_article` and
    `newer_article` (previous and next by publication), and
    `related_articles` (the first RELATED_ARTICLES stored candidates readers
    may see, in stored order). The query returns the union of those few
    published rows; each role is then picked out in Python. That is exact:
    the union holds the true newest few, the true previous and next, and
    every visible candidate, and no other row can outrank them.
    """
    related_ids = stored_ids(article)
    slots = related_ids + [0] * (RELATED_SLOTS - len(related_ids))  # 0 is no article's id
    rows = [Article.from_db(using, _NEIGHBOUR_FIELDS, row) for row in _NEIGHBOURS.rows(article.pk, *slots, using=using)]
    rows.sort(key=lambda a: (a.published_at, a.pk), reverse=True)
    context = {"recent_articles": rows[:RECENT_ARTICLES], "older_article": None, "newer_article": None}
    if article.published_at:
        key = (article.published_at, article.pk)
        context["older_article"] = next((a for a in rows if (a.published_at, a.pk) < key), None)
        context["newer_article"] = next((a for a in reversed(rows) if (a.published_at, a.pk) > key), None)
    context["related_articles"] = in_stored_order(article, {a.pk: a for a in rows}, limit=RELATED_ARTICLES)
    return context


HOME_ARTICLES = 6
CARD_FIELDS = ["id", "slug", "title", "summary", "published_at", "updated_at"]

_HOME_ARTICLES = CompiledQuery(
    lambda: Article.objects.published().values_list(*CARD_FIELDS, *AUTHOR_AND_COVER)[:HOME_ARTICLES],
    (),
)
_CONDITIONS_INDEX = CompiledQuery(lambda: Condition.objects.values_list("id", "slug", "name", "summary"), ())


def _featured_quote():
    # The first quote of the newest published article that features any.
    newest_quoting = Article.objects.published().filter(Exists(ArticleQuote.objects.filter(article=OuterRef("pk"))))
    return (
        ArticleQuote.objects.filter(article=Subquery(newest_quoting.values("pk")[:1]))
        .order_by("position", "id")
        .values_list("quote__text", "quote__attribution", "quote__source", "article__slug", "article__title")[:1]
    )


_FEATURED_QUOTE = CompiledQuery(_featured_quote, ())


def home(*, using=DEFAULT_DB_ALIAS):
    """Return the home page's `articles` (cards), `conditions` and `featured_quote`."""
    articles = [article_with_author(CARD_FIELDS, row, using) for row in _HOME_ARTICLES.rows(using=using)]
    fields = ["id", "slug", "name", "summary"]
    conditions = [Condition.from_db(using, fields, row) for row in _CONDITIONS_INDEX.rows(using=using)]
    featured = None
    for text, attribution, source, slug, title in _FEATURED_QUOTE.rows(using=using):
        featured = ArticleQuote()
        featured.quote = Quote(text=text, attribution=attribution, source=source)
        featured.article = Article(slug=slug, title=title)
    return {"articles": articles, "conditions": conditions, "featured_quote": featured}


CONDITION_PAGE_SIZE = 12
_CONDITION_FIELDS = [f.attname for f in Condition._meta.concrete_fields]
_CONDITION = CompiledQuery(lambda slug: Condition.objects.filter(slug=slug).values_list(*_CONDITION_FIELDS), (str,))
_CONDITION_NOTES = CompiledQuery(
    lambda condition_id, *article_ids: ArticleCondition.objects.filter(
        condition_id=condition_id, article_id__in=article_ids
    ).values_list("article_id", "note_html"),
    (int,) * (1 + CONDITION_PAGE_SIZE),
)


def condition(slug, *, using=DEFAULT_DB_ALIAS):
    """Return the condition with this slug, or None."""
    rows = _CONDITION.rows(slug, using=using)
    return Condition.from_db(using, _CONDITION_FIELDS, rows[0]) if rows else None


def condition_notes(condition, articles, *, using=DEFAULT_DB_ALIAS):
    """Map the pk of each of `articles` (a condition page's, at most CONDITION_PAGE_SIZE) to its note on `condition`."""
    ids = [a.pk for a in articles][:CONDITION_PAGE_SIZE]
    slots = ids + [0] * (CONDITION_PAGE_SIZE - len(ids))  # 0 is no article's id
    return dict(_CONDITION_NOTES.rows(condition.pk, *slots, using=using))


ARTICLES_PER_QUOTE = 5


def newest_featuring(quotes):
    """Map each quote's pk to (its newest ARTICLES_PER_QUOTE published articles, whether there are more).

    One query for the page, however many articles feature a quote: for each
    quote an index walk that stops after ARTICLES_PER_QUOTE + 1 articles,
    joined with UNION ALL (core/sql.py says how each database takes it).
    """
    if not quotes:
        return {}
    published = Article.objects.published()
    walks = [
        sliced_for_union(published.filter(quote_links__quote=quote), ARTICLES_PER_QUOTE + 1).values("pk")
        for quote in quotes
    ]
    # An article among one quote's newest that also features another quote
    # shows up for both; for the other quote it is older than that quote's
    # own newest few, so it never displaces them.
    links = (
        ArticleQuote.objects.filter(
            quote__in=[quote.pk for quote in quotes], article__in=walks[0].union(*walks[1:], all=True)
        )
        .select_related("article")
        .only("quote_id", "article__slug", "article__title", "article__published_at")
        .order_by("quote_id", "-article__published_at", "-article_id")
    )
    featuring = {}
    for link in links:
        featuring.setdefault(link.quote_id, []).append(link.article)
    return {
        pk: (articles[:ARTICLES_PER_QUOTE], len(articles) > ARTICLES_PER_QUOTE) for pk, articles in featuring.items()
    }


def published_corrections():
    """Every logged change of an article readers may see now, newest first, with its article's address and title.

    Ordered by (`at`, `id`) and exposed as `published_at` too, the key the
    keyset pagination (core/pagination.py) walks: a change of a
    draft, an unpublished or a not-yet-due scheduled article never shows.
    """
    return (
        Correction.objects.filter(Exists(Article.objects.published().filter(pk=OuterRef("article_id"))))
        .annotate(published_at=F("at"))
        .select_related("article")
        .only("id", "at", "kind", "note", "article__slug", "article__title")
        .order_by("-published_at", "-id")
    )
