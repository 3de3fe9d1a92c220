import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.factories import ArticleConditionFactory, ArticleFactory, CitationFactory, QuoteFactory

pytestmark = pytest.mark.django_db


def test_published_article_is_served_with_its_citations_conditions_and_quotes(client):
    article = ArticleFactory(body="Claim.[^k1]")
    CitationFactory(article=article, key="k1", source="The Source", excerpt="The passage.")
    ArticleConditionFactory(article=article)
    article.quote_links.create(quote=QuoteFactory(text="Stay.", attribution="A Poet"))
    article.render()
    article.save()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#cite-1"' in html and 'id="cite-1"' in html and "The passage." in html
    assert "Stay." in html and "A Poet" in html
    assert "If you are in crisis" in html


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "draft"},
        {"status": "review"},
        {"status": "published", "published_at": timezone.now() + dt.timedelta(days=1)},
    ],
)
def test_readers_never_see_unpublished_articles(client, fields):
    article = ArticleFactory(**fields)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.title not in client.get("/").content.decode()
    assert article.title not in client.get("/articles/").content.decode()


def test_staff_preview_a_draft_under_a_banner_that_is_never_cached(client):
    article = ArticleFactory(status="draft")
    staff = User.objects.create_user("editor", password="pw-editor-123", is_staff=True)
    client.force_login(staff)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert b"Preview: not published" in response.content
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_article_page_query_count_does_not_grow_with_citations(client, django_assert_num_queries):
    article = ArticleFactory()
    for _ in range(5):
        CitationFactory(article=article)
        ArticleConditionFactory(article=article)
    ArticleFactory.create_batch(8)
    with django_assert_num_queries(6):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_anonymous_readers_get_no_cookies(client):
    article = ArticleFactory()
    for url in ("/", "/articles/", article.get_absolute_url(), "/conditions/", "/quotes/"):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, url
