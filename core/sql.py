"""Workarounds for what one database's SQL cannot say, each written once.

It imports no app: it works on any model's querysets.
"""

from django.db import connections


def sliced_for_union(queryset, limit):
    """Return the first `limit` rows of the ordered `queryset` as a queryset that may be one branch of a UNION.

    Use it for "the newest N of each of these" in one query: each branch is
    an index walk that stops after `limit` rows, and the branches are joined
    with `union(..., all=True)`. Annotate and pick the columns on what it
    returns (`.annotate(...).values_list(...)`); the union itself is
    unordered.

    PostgreSQL runs `(SELECT ... ORDER BY ... LIMIT n) UNION ALL (...)` as
    written, so there the branch is the slice itself. It must stay so: wrapped
    in `pk IN (...)`, the planner may run the walk again for every row of the
    table when its statistics are stale (right after an import), minutes
    instead of milliseconds.

    SQLite refuses ORDER BY and LIMIT on a branch of a compound statement
    (Django's `supports_slicing_ordering_in_compound` is False there), so the
    slice moves into a subquery: the rows whose primary key is among the
    first `limit`, with no ordering of their own. SQLite runs that subquery
    once, as a list of keys.
    """
    using = queryset.db
    if connections[using].features.supports_slicing_ordering_in_compound:
        return queryset[:limit]
    return queryset.model._default_manager.using(using).filter(pk__in=queryset.values("pk")[:limit]).order_by()
