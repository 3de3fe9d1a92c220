"""Related posts: what to read next, in two queries whatever the size of the site.

Order: the posts an editor pinned (in the editor's order), then the posts
closest to this one. Closeness is a score:

    CONDITION_WEIGHT per shared condition + TAG_WEIGHT per shared tag
    + TEXT_WEIGHT x the overlap of title and summary words (0 to 1)

with newer posts first on ties. The article itself and anything readers may
not see (drafts, review, scheduled) never appear: every candidate comes from
`Article.objects.published()`.

Why a live query and not a precomputed table: a table would have to be
rebuilt whenever anything is published, unpublished, retagged or reaches its
scheduled time, and a stale row is exactly how a withdrawn article leaks. The
live query cannot go stale, and it is bounded instead:

1. Candidates are, for each of the article's conditions and tags (at most
   MAX_TERMS of each), the CANDIDATES_PER_TERM newest published articles
   that share it. Each of those is an index walk that stops after a few
   hundred rows however many articles share the condition, so the work does
   not grow with the site (at 100,000 articles a condition is shared by
   about 9,000).
2. The database scores those candidates (correlated counts over the unique
   (article, condition) and (article, tag) indexes) and returns the
   SHORTLIST best by conditions and tags.
3. Python adds the title and summary overlap to the shortlist and keeps the
   best. Text overlap is worth less than one tag, so it only reorders posts
   that conditions and tags already rank close together.

The trade-off: an old post sharing a condition is found only if it is among
that condition's newest CANDIDATES_PER_TERM, so related posts lean recent,
which also suits readers.
"""

import re

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from articles.models import LISTING_FIELDS, Article, ArticleCondition, ArticleTag, RelatedArticle

CONDITION_WEIGHT = 3
TAG_WEIGHT = 1
TEXT_WEIGHT = 0.9
CANDIDATES_PER_TERM = 50
MAX_TERMS = 8
SHORTLIST = 40

_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = frozenset(
    "and are but can for from has have her his how its not our out she that the their them they this "
    "was were what when who why will with you your about into than then there these those".split()
)


def related_articles(article, *, limit=4):
    """Return up to `limit` published articles related to `article`, best first.

    Uses `article.condition_links` and `article.tag_links`, so prefetch them
    (the article page does) to keep this to two queries.
    """
    pinned = [
        link.related
        # Exists, not `related__in=published()`: a correlated check of the few
        # pinned rows instead of a semi-join against every published article.
        for link in RelatedArticle.objects.filter(
            Exists(Article.objects.published().filter(pk=OuterRef("related_id"))), article=article
        )
        .select_related("related__author")
        .only(*(f"related__{name}" for name in LISTING_FIELDS), "article_id")
        .order_by("position", "id")[:limit]
    ]
    wanted = limit - len(pinned)
    if wanted <= 0:
        return pinned
    condition_ids = [link.condition_id for link in article.condition_links.all()][:MAX_TERMS]
    tag_ids = [link.tag_id for link in article.tag_links.all()][:MAX_TERMS]
    if not condition_ids and not tag_ids:
        return pinned
    exclude = {article.pk, *(a.pk for a in pinned)}
    scored = _shortlist(condition_ids, tag_ids, exclude)
    own_words = _words(article)
    scored.sort(
        key=lambda c: (c.shared_score + TEXT_WEIGHT * _overlap(own_words, _words(c)), c.published_at, c.pk),
        reverse=True,
    )
    return pinned + scored[:wanted]


def _shortlist(condition_ids, tag_ids, exclude):
    published = Article.objects.published()
    newest = [published.filter(condition_links__condition_id=pk) for pk in condition_ids]
    newest += [published.filter(tag_links__tag_id=pk) for pk in tag_ids]
    # One UNION ALL of small index walks, so the database starts from the few
    # hundred candidates rather than filtering every article. Each sliced
    # walk is wrapped in `pk IN (...)` because SQLite refuses LIMIT directly
    # inside a compound statement.
    walks = [
        Article.objects.filter(pk__in=qs.values("pk")[:CANDIDATES_PER_TERM]).order_by().values("pk") for qs in newest
    ]
    candidates = walks[0].union(*walks[1:], all=True)
    return list(
        published.filter(pk__in=candidates)
        .exclude(pk__in=exclude)
        .annotate(
            shared_conditions=_shared(ArticleCondition, "condition_id__in", condition_ids),
            shared_tags=_shared(ArticleTag, "tag_id__in", tag_ids),
        )
        .annotate(
            shared_score=CONDITION_WEIGHT * Coalesce("shared_conditions", 0) + TAG_WEIGHT * Coalesce("shared_tags", 0)
        )
        .for_listing()
        .order_by("-shared_score", "-published_at", "-id")[:SHORTLIST]
    )


def _shared(link_model, lookup, ids):
    if not ids:
        return Value(0, output_field=IntegerField())
    counts = (
        link_model.objects.filter(article_id=OuterRef("pk"), **{lookup: ids})
        .order_by()
        .values("article_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counts, output_field=IntegerField())


def _words(article):
    return {w for w in _WORD_RE.findall(f"{article.title} {article.summary}".lower()) if w not in _STOPWORDS}


def _overlap(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
