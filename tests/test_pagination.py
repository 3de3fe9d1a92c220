import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from core.pagination import decode_cursor, encode_cursor, newer_than, older_than, parse_page_number
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_a_cursor_round_trips_to_the_microsecond():
    article = ArticleFactory(published_at=dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=dt.UTC))
    assert decode_cursor(encode_cursor(article)) == (article.published_at, article.pk)


@pytest.mark.parametrize("value", [None, "", "abc", "1_", "_1", "1-1", "-1_1", "1_1_1", "9" * 18 + "_1", "١_١"])
def test_malformed_cursors_are_ignored(value):
    assert decode_cursor(value) is None


@pytest.mark.parametrize(("value", "number"), [(None, 1), ("", 1), ("1", 1), ("7", 7), ("007", 7)])
def test_page_numbers(value, number):
    assert parse_page_number(value) == number


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.0", " 1", "99999999999999999999", "٣", "1e3"])
def test_bad_page_numbers_are_404(value):
    with pytest.raises(Http404):
        parse_page_number(value)


def test_the_keyset_predicates_split_the_newest_first_order_at_a_row():
    when = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    same_day = [ArticleFactory(published_at=when) for _ in range(3)]
    older = ArticleFactory(published_at=when - dt.timedelta(days=1))
    newer = ArticleFactory(published_at=when + dt.timedelta(days=1))
    middle = same_day[1]
    order = list(Article.objects.order_by("-published_at", "-id").values_list("pk", flat=True))
    at = order.index(middle.pk)

    def pks(predicate):
        return list(Article.objects.filter(predicate).order_by("-published_at", "-id").values_list("pk", flat=True))

    assert pks(older_than(when, middle.pk)) == order[at + 1 :]
    assert pks(older_than(when, middle.pk, inclusive=True)) == order[at:]
    assert pks(newer_than(when, middle.pk)) == order[:at]
    assert order[0] == newer.pk and order[-1] == older.pk


def test_deep_pages_followed_by_cursor_skip_no_rows(client):
    for d in range(40):
        ArticleFactory(published_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=d))
    url = "/articles/?page=3"
    first = client.get("/articles/?page=2")
    next_url = html.unescape(re.search(r'<a rel="next" href="([^"]+)"', first.content.decode()).group(1))
    assert "page=3" in next_url
    with CaptureQueriesContext(connection) as by_cursor:
        client.get(next_url)
    with CaptureQueriesContext(connection) as by_number:
        client.get(url)
    # Following the link: one seek, no OFFSET at all (and the footer's links to the site's pages).
    assert len(by_cursor) == 1 + 1
    assert not any("OFFSET" in q["sql"].upper() for q in by_cursor.captured_queries)
    # A bare page number, with no archive anchors written (the test's writes
    # never commit): the anchor lookup finds none, then the plain way skips
    # over keys only and loads the page by key.
    assert len(by_number) == 3 + 1  # and the footer's links
    assert "archiveanchor" in by_number.captured_queries[0]["sql"]
    offset_sql = [q["sql"] for q in by_number.captured_queries if "OFFSET" in q["sql"].upper()]
    assert len(offset_sql) == 1 and '"body' not in offset_sql[0] and '"title"' not in offset_sql[0]
