"""The article page's one query for its links equals the plain ORM definitions."""

import datetime as dt

import pytest

from articles.models import Article
from reader import selectors
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def expected(article):
    others = list(Article.objects.published().exclude(pk=article.pk).order_by("-published_at", "-id"))
    older = newer = None
    if article.published_at:
        key = (article.published_at, article.pk)
        older = next((a for a in others if (a.published_at, a.pk) < key), None)
        newer = next((a for a in reversed(others) if (a.published_at, a.pk) > key), None)
    return [a.pk for a in others[:5]], older and older.pk, newer and newer.pk


def actual(article):
    found = selectors.neighbours(article)
    older, newer = found["older_article"], found["newer_article"]
    return [a.pk for a in found["recent_articles"]], older and older.pk, newer and newer.pk


def test_previous_next_and_recent_with_ties_drafts_and_scheduled_articles():
    # Three articles at the very same time: order falls back to the id.
    tied = [ArticleFactory(published_at=NOON) for _ in range(3)]
    spread = [ArticleFactory(published_at=NOON - dt.timedelta(days=d)) for d in (1, 2, 3, 40)]
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(status=Article.Status.REVIEW, published_at=NOON - dt.timedelta(days=1))
    scheduled = ArticleFactory(published_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
    for article in [*tied, *spread]:
        assert actual(article) == expected(article), article.title
    middle = tied[1]
    assert actual(middle)[1:] == (tied[0].pk, tied[2].pk)
    # The newest published article has no next: the scheduled one is not out yet.
    assert actual(tied[2])[2] is None
    # A staff preview of the scheduled article: recent posts and a previous one, no next.
    assert actual(scheduled) == expected(scheduled)


def test_a_draft_preview_has_recent_posts_but_no_previous_or_next():
    published = [ArticleFactory(published_at=NOON - dt.timedelta(days=d)) for d in range(7)]
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert actual(draft) == ([a.pk for a in published[:5]], None, None)


def test_related_keeps_stored_order_and_only_what_readers_may_see():
    article = ArticleFactory(published_at=NOON)
    visible = [ArticleFactory(published_at=NOON - dt.timedelta(days=d)) for d in (9, 3, 5, 7, 8)]
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    scheduled = ArticleFactory(published_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
    article.related_ids = [draft.pk, visible[0].pk, article.pk, scheduled.pk, visible[1].pk, 999999, visible[2].pk]
    article.related_ids += [v.pk for v in visible[3:]]
    related = selectors.neighbours(article)["related_articles"]
    assert [a.pk for a in related] == [v.pk for v in visible[:4]]
