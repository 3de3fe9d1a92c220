"""Archive anchors: `/articles/?page=N` at any depth in two short queries.

The archive's pages follow each other by keyset cursors (one index seek per
page), but a bare `?page=N` (a bookmark, a search engine's link, the
canonical URL of a deep page) says nothing about where page N starts. Counting
there means skipping (N - 1) x 12 keys: at 100,000 articles the last page
skipped 95,000 index entries on every request.

So every ANCHOR_EVERY-th article of the newest-first order is written down,
with its position, whenever content changes (`rebuild`, called with each new
content generation: pagecache/cache.py). A deep page starts from the
nearest anchor at or before it and skips fewer than ANCHOR_EVERY rows.

What keeps this exact:

- Anchors are computed over every article with status "published", scheduled
  ones included. Scheduled articles are dated in the future, so they are
  always the newest rows of that order; the S of them whose time has not
  come (counted by the database, at its clock, in the same query) are the
  first S rows. Page N of what readers see therefore starts at position
  (N - 1) x 12 + S of the anchored order, and a scheduled article coming out
  needs no rebuild.
- Anchors carry the content generation they were computed for and are only
  used while it is current, i.e. until the next content write commits
  (which rebuilds them). Otherwise, and for pages near the start, the plain
  skip over keys is used.
- The rows found are checked against the database's clock again; if any is
  not visible (which a consistent state cannot produce), the plain skip is
  used instead. Nothing readers may not see is ever shown.
"""

from django.db.models import BooleanField, Count, ExpressionWrapper, F, IntegerField, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, Mod, Now, RowNumber

from articles.models import Article
from core.compiled import CompiledQuery
from core.pagination import older_than
from pagecache.models import ContentGeneration
from reader.models import ArchiveAnchor
from reader.selectors import AUTHOR_AND_COVER, CARD_FIELDS, article_with_author

ANCHOR_EVERY = 24


def generation_started(sender, *, token, using, **kwargs):
    """Receiver of pagecache.cache.generation_started: anchors are valid for one generation."""
    rebuild(token, using=using)


def rebuild(token, *, using):
    """Write the anchors of the current order, for content generation `token`."""
    ranked = (
        Article.objects.using(using)
        .published_or_scheduled()
        .annotate(row=Window(RowNumber(), order_by=[F("published_at").desc(), F("id").desc()]))
        .annotate(offset=F("row") - 1, remainder=Mod(F("row") - 1, ANCHOR_EVERY))
        .filter(remainder=0)
        .values_list("offset", "published_at", "id")
    )
    anchors = [ArchiveAnchor(position=o, published_at=when, article_id=pk, token=token) for o, when, pk in ranked]
    ArchiveAnchor.objects.using(using).all().delete()
    ArchiveAnchor.objects.using(using).bulk_create(anchors)


def _anchor(offset):
    scheduled = Coalesce(
        Subquery(
            Article.objects.scheduled()
            .order_by()
            .annotate(group=Value(1))
            .values("group")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
    current = Subquery(ContentGeneration.objects.filter(id=ContentGeneration.SINGLETON_ID).values("token")[:1])
    return (
        ArchiveAnchor.objects.annotate(scheduled=scheduled)
        .filter(token=current, position__lte=offset + F("scheduled"))
        .order_by("-position")
        .values_list("position", "article_id", "scheduled")[:1]
    )


_ANCHOR = CompiledQuery(_anchor, (int,))
_ROWS = {}


def _rows_from(skip, limit):
    """The query for `limit` cards from `skip` rows past an anchor article (its id is the parameter)."""
    query = _ROWS.get((skip, limit))
    if query is None:

        def build(pk):
            when = Subquery(Article.objects.filter(pk=pk).values("published_at")[:1])
            visible = ExpressionWrapper(Q(published_at__lte=Now()), output_field=BooleanField())
            return (
                Article.objects.published_or_scheduled()
                .filter(older_than(when, pk, inclusive=True))
                .order_by("-published_at", "-id")
                .values_list(*CARD_FIELDS, *AUTHOR_AND_COVER, visible)[skip : skip + limit]
            )

        query = _ROWS[(skip, limit)] = CompiledQuery(build, (int,))
    return query


def rows_at(offset, limit, *, using="default"):
    """Return `limit` listing rows of the archive starting at `offset`, or None when anchors cannot tell.

    Two queries, both compiled once per process: the anchor (with the count
    of scheduled articles not out yet), then the rows from it.
    """
    if offset < ANCHOR_EVERY:
        return None
    found = _ANCHOR.rows(offset, using=using)
    if not found:
        return None
    position, pk, scheduled_count = found[0]
    skip = offset + scheduled_count - position
    if not 0 <= skip < ANCHOR_EVERY + limit:  # anchors written for another spacing
        return None
    rows = _rows_from(skip, limit).rows(pk, using=using)
    if not all(row[-1] for row in rows):
        return None
    return [article_with_author(CARD_FIELDS, row[:-1], using) for row in rows]
