"""Queries compiled once, run with fresh parameters, give what the ORM gives."""

import datetime as dt

import pytest

from articles.models import Article
from core.compiled import CompiledQuery
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

BY_SLUG = CompiledQuery(
    lambda slug: Article.objects.filter(slug=slug).values_list("id", "published_at", "content_notes"), (str,)
)
BY_ID = CompiledQuery(lambda pk: Article.objects.filter(pk__gte=pk).order_by("id").values_list("slug"), (int,))


def test_rows_equal_the_orms_with_each_new_parameter():
    first = ArticleFactory(content_notes=["grief"], published_at=dt.datetime(2024, 2, 29, 12, 30, 15, 5, tzinfo=dt.UTC))
    second = ArticleFactory(content_notes=[])
    for article in (first, second):
        expected = list(Article.objects.filter(slug=article.slug).values_list("id", "published_at", "content_notes"))
        # Converted as the ORM converts: an aware datetime, a list from JSON.
        assert BY_SLUG.rows(article.slug) == expected
    assert BY_SLUG.rows(first.slug)[0][1] == first.published_at
    assert BY_SLUG.rows("no-such-article") == []
    assert BY_ID.rows(second.pk) == [(second.slug,)]


def test_parameters_of_the_wrong_type_or_number_are_refused():
    with pytest.raises(TypeError):
        BY_ID.rows("1")
    with pytest.raises(TypeError):
        BY_ID.rows(1, 2)


def test_a_parameter_missing_from_the_sql_fails_loudly():
    dropped = CompiledQuery(lambda slug: Article.objects.values_list("id"), (str,))
    with pytest.raises(ValueError, match="did not survive"):
        dropped.rows("x")


def test_a_parameter_is_never_taken_for_sql():
    ArticleFactory(slug="plain")
    assert BY_SLUG.rows("plain' OR '1'='1") == []
