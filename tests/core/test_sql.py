"""The first rows of each of several ordered walks, in one UNION ALL, on either database."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Value
from django.utils import timezone

from articles.models import Article
from core.sql import sliced_for_union
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def newest(queryset):
    return queryset.order_by("-published_at", "-id")


def test_a_union_of_sliced_walks_holds_each_walks_first_rows_only():
    now = timezone.now()
    a = [ArticleFactory(title=f"A {i}", published_at=now - dt.timedelta(days=i)) for i in range(4)]
    b = [ArticleFactory(title=f"B {i}", published_at=now - dt.timedelta(days=i, hours=1)) for i in range(4)]
    walks = [
        sliced_for_union(newest(Article.objects.filter(title__startswith=prefix)), 2)
        .annotate(walk=Value(prefix))
        .values_list("walk", "pk")
        for prefix in ("A", "B")
    ]
    rows = walks[0].union(walks[1], all=True)
    assert sorted(rows) == sorted([("A", a[0].pk), ("A", a[1].pk), ("B", b[0].pk), ("B", b[1].pk)])


def test_a_single_walk_is_its_first_rows():
    now = timezone.now()
    articles = [ArticleFactory(published_at=now - dt.timedelta(days=i)) for i in range(3)]
    assert sorted(sliced_for_union(newest(Article.objects.all()), 2).values_list("pk", flat=True)) == sorted(
        [articles[0].pk, articles[1].pk]
    )


def test_postgresql_runs_each_walk_itself_and_sqlite_a_list_of_its_keys():
    walks = [sliced_for_union(newest(Article.objects.filter(title=title)), 2).values_list("pk") for title in "AB"]
    sql = str(walks[0].union(walks[1], all=True).query)
    assert sql.count("LIMIT 2") == 2
    if connection.vendor == "postgresql":
        # Wrapped in `pk IN (...)`, PostgreSQL may run the walk again for
        # every row when its statistics are stale: each branch is the walk.
        assert " IN (SELECT " not in sql
    else:
        # SQLite refuses LIMIT on a branch of a compound statement.
        assert sql.count(" IN (SELECT ") == 2
