"""Deep `?page=N` archive pages seek from anchors and show exactly what skipping would."""

import datetime as dt
import re

import pytest

from articles.models import Article
from pagecache import cache as pagecache
from reader import archive_anchors
from reader.models import ArchiveAnchor
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def site(monkeypatch):
    monkeypatch.setattr(archive_anchors, "ANCHOR_EVERY", 5)
    # Ties on the date fall back to the id, as the order does.
    published = [ArticleFactory(published_at=NOON - dt.timedelta(hours=h // 2)) for h in range(40)]
    published.sort(key=lambda a: (a.published_at, a.pk), reverse=True)  # newest first, ties by id
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(status=Article.Status.REVIEW, published_at=NOON)
    scheduled = [ArticleFactory(published_at=NOON + dt.timedelta(days=d)) for d in (1, 2, 3)]  # oldest first
    pagecache._new_generation(using="default")  # what every content write's commit does
    return published, scheduled


def slugs_on(client, number):
    html = client.get(f"/articles/?page={number}").content.decode()
    return re.findall(r'<h2><a href="/articles/([^/"]+)/"', html)


def test_the_anchors_are_every_nth_published_article_with_scheduled_ones_first(site):
    published, scheduled = site
    order = [*reversed(scheduled), *published]
    anchors = list(ArchiveAnchor.objects.order_by("position").values_list("position", "article_id"))
    assert anchors == [(i, order[i].pk) for i in range(0, len(order), 5)]


def test_every_deep_page_equals_skipping_and_costs_two_queries(site, client, db_clock, django_assert_num_queries):
    published, scheduled = site
    db_clock(NOON + dt.timedelta(hours=1))  # none of the scheduled articles is out yet
    assert slugs_on(client, 4) == [a.slug for a in published[36:40]]
    for number in (2, 3, 4):
        assert slugs_on(client, number) == [a.slug for a in published[(number - 1) * 12 : number * 12]]
    with django_assert_num_queries(3) as queries:  # the anchor, the page, the footer's links
        client.get("/articles/?page=3")
    assert "archiveanchor" in queries.captured_queries[0]["sql"]
    # The first scheduled article comes out: every page shifts by one, with no write and no rebuild.
    db_clock(NOON + dt.timedelta(days=1, hours=1))
    visible = [scheduled[0], *published]
    for number in (2, 3, 4):
        assert slugs_on(client, number) == [a.slug for a in visible[(number - 1) * 12 : number * 12]]
    assert client.get("/articles/?page=5").status_code == 404


def test_anchors_of_an_older_generation_are_not_used(site):
    published, _scheduled = site
    assert archive_anchors.rows_at(24, 13) is not None
    ArchiveAnchor.objects.update(token=12345)
    assert archive_anchors.rows_at(24, 13) is None
    assert archive_anchors.rows_at(2, 13) is None  # near the start a plain skip is as cheap


def test_filtered_archives_do_not_use_the_anchors(site, client, django_assert_num_queries):
    published, _scheduled = site
    ArchiveAnchor.objects.update(token=12345)  # would give wrong pages if used
    author = published[0].author
    response = client.get(f"/articles/?author={author.slug}&page=1")
    assert response.status_code == 200
