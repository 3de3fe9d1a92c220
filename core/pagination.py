"""Pagination for long, newest-first lists that stays fast deep into the archive.

Every reader-facing article list is ordered newest first by
(`published_at`, `id`). `?page=N` URLs are part of the product, but
`OFFSET 120000` makes the database read and throw away 120,000 rows, so:

- The "Older" and "Newer" links carry a keyset cursor (`after=` / `before=`,
  the sort key of the last / first row shown) next to `page=N`. Following
  them costs one index seek, however deep the page.
- A bare `?page=N` (typed, bookmarked, from a search engine) still works: it
  skips N-1 pages over the primary keys only (an index-only scan, no rows
  read), then loads the 12 rows by key.
- There is no total ("page 3 of 8,334"): counting every row on every request
  is an O(n) cost readers do not need. A page past the end is a 404, and so
  are `?page=0`, `-1`, `abc` or a twenty-digit number (rejected before any
  query), never a 500.

The module lives in the utility package, which imports no app: the keyset
predicates are the one way any list or query here (the reader's pages, its
archive anchors, an article's previous and next) says "older" or "newer".
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404, QueryDict
from django.utils.cache import patch_cache_control

from core.cacheable import PAGE_NUMBER

# A cursor is "<microseconds since the epoch>_<id>".
_CURSOR_RE = re.compile(r"([0-9]{1,17})_([0-9]{1,18})")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_PAGE_DIGITS = 9


def encode_cursor(obj):
    delta = obj.published_at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}_{obj.pk}"


def decode_cursor(value):
    """Return `(published_at, pk)` for a well-formed cursor, else None."""
    match = _CURSOR_RE.fullmatch(value or "")
    if not match:
        return None
    try:
        when = _EPOCH + dt.timedelta(microseconds=int(match[1]))
    except OverflowError:
        return None
    return when, int(match[2])


def older_than(when, pk, *, inclusive=False):
    """Rows after (`when`, `pk`) in newest-first order; with `inclusive`, that row too.

    The plain range on `published_at` comes first so the database can seek the
    (status, published_at, id) index; the OR only settles ties on `when`.
    `when` may be an expression (a subquery for the row's own date), so a
    compiled query need not take a date parameter.
    """
    same_date = Q(pk__lte=pk) if inclusive else Q(pk__lt=pk)
    return Q(published_at__lte=when) & (Q(published_at__lt=when) | same_date)


def newer_than(when, pk):
    """Rows before (`when`, `pk`) in newest-first order."""
    return Q(published_at__gte=when) & (Q(published_at__gt=when) | Q(pk__gt=pk))


def parse_page_number(value):
    """Return the page number asked for, or raise Http404 for anything that is not one."""
    if value is None or value == "":
        return 1
    if not value.isascii() or not value.isdigit() or len(value) > _MAX_PAGE_DIGITS:
        raise Http404("No such page.")
    number = int(value)
    if number < 1:
        raise Http404("No such page.")
    return number


@dataclass
class KeysetPage:
    """The slice of Django's Page that templates use, without a total: counting
    100,000 rows on every request is the cost this module exists to avoid."""

    object_list: list
    number: int
    has_next_page: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self.has_next_page

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()


class KeysetPaginationMixin:
    """Paginate a ListView whose queryset is ordered by (-published_at, -id).

    One query a page: it fetches one row more than it shows to learn whether
    there is a next page, and a page past the end is a 404.

    The page cache stores `?page=N` pages, not the cursor links' (`after=`,
    `before=`): a cursor can name any instant, so those URLs are too many to
    store, and each costs one index seek. An empty list is not stored either:
    any year of the archive or mix of filters gives one, and it costs one
    query that finds nothing.
    """

    paginate_by = 12
    page_cache_params = {"page": PAGE_NUMBER}

    def paginate_queryset(self, queryset, page_size):
        params = self.request.GET
        number = parse_page_number(params.get("page"))
        after, before = decode_cursor(params.get("after")), decode_cursor(params.get("before"))
        if before and number > 1:
            when, pk = before
            newer = queryset.filter(newer_than(when, pk))
            shown = list(newer.reverse()[:page_size])[::-1]
            has_next = True  # the cursor's own row is older than these
        elif after and number > 1:
            when, pk = after
            rows = list(queryset.filter(older_than(when, pk))[: page_size + 1])
            shown, has_next = rows[:page_size], len(rows) > page_size
        elif number > 1:
            rows = self.rows_at(queryset, (number - 1) * page_size, page_size + 1)
            shown, has_next = rows[:page_size], len(rows) > page_size
        else:
            rows = list(queryset[: page_size + 1])
            shown, has_next = rows[:page_size], len(rows) > page_size
        if number > 1 and not shown:
            raise Http404("No such page.")
        page = KeysetPage(shown, number, has_next)
        return None, page, page.object_list, page.has_other_pages()

    def rows_at(self, queryset, offset, limit):
        """Return `limit` rows of `queryset` from `offset`: skip over keys only, then load those rows."""
        pks = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
        by_pk = queryset.filter(pk__in=pks).in_bulk()
        return [by_pk[pk] for pk in pks if pk in by_pk]

    def link_params(self):
        """The query parameters, other than the page, that this page's links and canonical URL carry."""
        return {}

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        page = context.get("page_obj")
        if page is not None and not page.object_list:
            patch_cache_control(response, no_cache=True)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        if page is not None:
            context["previous_page_url"] = self._page_url(page, older=False) if page.has_previous() else ""
            context["next_page_url"] = self._page_url(page, older=True) if page.has_next() else ""
            context.setdefault("canonical_url", self._canonical_url(page))
        return context

    def _base_params(self):
        # Built from what the view read, never copied from the request: a
        # link must not repeat a parameter a reader (or a flood) made up.
        params = QueryDict(mutable=True)
        params.update(self.link_params())
        return params

    def _page_url(self, page, *, older):
        params = self._base_params()
        target = page.number + 1 if older else page.number - 1
        if target > 1:
            params["page"] = str(target)
            edge = page.object_list[-1] if older else page.object_list[0]
            params["after" if older else "before"] = encode_cursor(edge)
        query = params.urlencode()
        return f"{self.request.path}?{query}" if query else self.request.path

    def _canonical_url(self, page):
        params = self._base_params()
        if page.number > 1:
            params["page"] = str(page.number)
        query = params.urlencode()
        return self.request.build_absolute_uri(f"{self.request.path}?{query}" if query else self.request.path)
