"""Drafts, articles in review and scheduled articles never reach readers, on any surface."""

import datetime as dt

import pytest

from articles import related
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    ArticleQuoteFactory,
    ArticleTagFactory,
    ConditionFactory,
    PersonFactory,
    QuoteFactory,
    RelatedArticleFactory,
    ReviewerFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

# Fixed times and a fixed database clock (`db_clock`), so that no run falls on
# a month boundary between the visible and the scheduled article.
VISIBLE_AT = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
NOW = VISIBLE_AT + dt.timedelta(minutes=30)


def surfaces(visible):
    year, month = visible.published_at.year, f"{visible.published_at.month:02d}"
    return [
        "/",
        "/articles/",
        "/articles/?condition=shared",
        "/articles/?tag=shared",
        "/articles/?author=shared",
        visible.get_absolute_url(),  # related, recent, previous and next
        f"/archive/{year}/",
        f"/archive/{year}/{month}/",
        "/conditions/shared/",
        "/tags/shared/",
        "/authors/shared/",
        "/authors/shared/reviewed/",
        "/quotes/",
        "/feed/",
        "/feed/atom/",
        "/conditions/shared/feed/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-tags.xml",
        "/sitemap-authors.xml",
    ]


def make_site(**hidden_fields):
    """One visible article and one hidden one that shares everything with it."""
    condition, tag, author = ConditionFactory(slug="shared"), TagFactory(slug="shared"), ReviewerFactory(slug="shared")
    quote = QuoteFactory(text="Shared words.")
    # The author reviewed them too: their list of reviewed articles must not show the hidden one either.
    visible = ArticleFactory(
        title="Visible piece", slug="visible-piece", author=author, reviewed_by=author, published_at=VISIBLE_AT
    )
    hidden = ArticleFactory(
        title="Hidden piece", slug="hidden-piece", author=author, reviewed_by=author, **hidden_fields
    )
    for article in (visible, hidden):
        ArticleConditionFactory(article=article, condition=condition)
        ArticleTagFactory(article=article, tag=tag)
        ArticleQuoteFactory(article=article, quote=quote)
    # Things only the hidden article has: their pages must not exist yet.
    ArticleTagFactory(article=hidden, tag=TagFactory(slug="hidden-only-tag"))
    ArticleQuoteFactory(article=hidden, quote=QuoteFactory(text="Words only the hidden piece has."))
    ArticleFactory(
        title="Hidden piece, too",
        slug="hidden-only-piece",
        author=PersonFactory(slug="hidden-only-author"),
        reviewed_by=ReviewerFactory(slug="hidden-only-reviewer"),
        **hidden_fields,
    )
    ArticleFactory(title="Other author's piece", author=author, published_at=VISIBLE_AT - dt.timedelta(days=1))
    RelatedArticleFactory(article=visible, related=hidden)
    # Stored as the services would: a scheduled article is in the list, hidden until its time.
    related.refresh_all()
    return visible, hidden


HIDDEN = {
    "draft": {"status": "draft", "published_at": VISIBLE_AT + dt.timedelta(minutes=1)},
    "review": {"status": "review", "published_at": VISIBLE_AT + dt.timedelta(minutes=1)},
    "scheduled": {"status": "published", "published_at": NOW + dt.timedelta(minutes=30)},
}


@pytest.fixture(autouse=True)
def _clock(db_clock):
    db_clock(NOW)


@pytest.mark.parametrize("state", HIDDEN)
def test_unpublished_articles_appear_on_no_surface(client, state):
    visible, hidden = make_site(**HIDDEN[state])
    for url in surfaces(visible):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "hidden-piece" not in body and "Hidden piece" not in body, url
        assert "hidden-only" not in body and "Words only the hidden piece has." not in body, url
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get("/tags/hidden-only-tag/").status_code == 404
    assert client.get("/authors/hidden-only-author/").status_code == 404
    assert client.get("/authors/hidden-only-reviewer/").status_code == 404
    assert client.get("/authors/hidden-only-reviewer/reviewed/").status_code == 404


@pytest.mark.parametrize("state", [*HIDDEN, "nobody"])
@pytest.mark.parametrize("kind", ["tag", "author"])
def test_the_archive_filter_for_a_name_with_nothing_published_is_a_404_that_does_not_name_it(
    client, settings, kind, state
):
    settings.DEBUG = False  # the page a reader gets, not the debug page that echoes the URL
    visible, _ = make_site(**HIDDEN["draft"])
    tag, author = TagFactory(slug="secret-name", name="Secret Tag"), PersonFactory(slug="secret-name", name="Ms Secret")
    if state != "nobody":
        ArticleTagFactory(article=ArticleFactory(author=author, **HIDDEN[state]), tag=tag)
    for url in [f"/articles/?{kind}=secret-name", f"/articles/?{kind}=secret-name&condition=shared"]:
        response = client.get(url)
        assert response.status_code == 404, url
        body = response.content.decode()
        assert "Secret" not in body and "secret-name" not in body, url
    assert client.get(f"/{kind}s/secret-name/").status_code == 404  # as its own page does
    assert client.get(f"/articles/?{kind}=shared").status_code == 200


def test_the_archive_filters_for_a_tag_and_author_answer_once_their_article_is_published(client, db_clock):
    visible, hidden = make_site(**HIDDEN["scheduled"])
    assert client.get("/articles/?tag=hidden-only-tag").status_code == 404
    assert client.get("/articles/?author=hidden-only-author").status_code == 404
    db_clock(hidden.published_at)
    assert client.get("/articles/?tag=hidden-only-tag").status_code == 200
    response = client.get("/articles/?author=hidden-only-author")
    assert response.status_code == 200 and "Hidden piece, too" in response.content.decode()


@pytest.mark.parametrize("state", HIDDEN)
def test_counts_do_not_include_unpublished_articles(client, state):
    visible, _ = make_site(**HIDDEN[state])
    quote = visible.quotes.get()
    for d in range(10):  # with the two visible ones, exactly one full page of 12
        article = ArticleFactory(published_at=VISIBLE_AT - dt.timedelta(days=d + 2))
        if d < 4:  # the visible article and these four: the quote's five, no more
            ArticleQuoteFactory(article=article, quote=quote)
    assert "the newest of several" not in client.get("/quotes/").content.decode()
    assert 'rel="next"' not in client.get("/articles/").content.decode()
    assert client.get("/articles/?page=2").status_code == 404


def test_a_scheduled_article_appears_everywhere_at_its_time(client, db_clock):
    visible, hidden = make_site(**HIDDEN["scheduled"])
    db_clock(hidden.published_at - dt.timedelta(microseconds=1))
    assert client.get(hidden.get_absolute_url()).status_code == 404

    db_clock(hidden.published_at)
    assert client.get(hidden.get_absolute_url()).status_code == 200
    for url in surfaces(visible):
        if url in ("/sitemap.xml", "/sitemap-tags.xml", "/sitemap-authors.xml"):
            continue  # no article links there
        assert "hidden-piece" in client.get(url).content.decode(), url
    assert "Words only the hidden piece has." in client.get("/quotes/").content.decode()
    assert client.get("/tags/hidden-only-tag/").status_code == 200
    assert "hidden-only-tag" in client.get("/sitemap-tags.xml").content.decode()
    assert "hidden-only-author" in client.get("/sitemap-authors.xml").content.decode()
