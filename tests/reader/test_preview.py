import time

import pytest
from django.core import signing
from django.urls import reverse

from articles import services, share_links
from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def shared(article, editor):
    services.article_rotate_preview_token(article=article, by=editor)
    return share_links.share_preview_url(article)


def test_the_admin_makes_a_share_link_that_works_without_an_account(editor_client, client):
    article = ArticleFactory(title="A draft for review", status=Article.Status.DRAFT, published_at=None)
    share_page = reverse("admin:articles_article_share", args=[article.pk])
    assert share_page in editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).text
    assert editor_client.get(share_page).context["share_url"] is None
    editor_client.post(share_page)
    link = editor_client.get(share_page).context["share_url"]
    assert link.startswith("http://testserver/preview/")

    response = client.get(link)
    assert response.status_code == 200
    assert "A draft for review" in response.text
    assert "Preview: not published" in response.text
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert client.get(article.get_absolute_url()).status_code == 404  # the link opens only itself


def test_a_link_shows_only_its_own_article(editor, client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    other = ArticleFactory(status=Article.Status.DRAFT, published_at=None, title="Someone else's draft")
    services.article_rotate_preview_token(article=other, by=editor)
    link = shared(article, editor)
    assert "Someone else's draft" not in client.get(link).text
    # The article id is signed: pointing the same token at another article breaks the signature.
    payload = signing.loads(link.split("/")[2], salt=share_links.SALT)
    forged = signing.dumps({"a": other.pk, "t": payload["t"]}, salt="not-the-salt", compress=True)
    assert client.get(reverse("articles:share_preview", kwargs={"token": forged})).status_code == 404


def test_a_link_expires_after_seven_days(editor, client, monkeypatch):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 7 * 24 * 3600 + 60)
    almost_week_old = shared(article, editor)
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 7 * 24 * 3600 - 60)
    week_old = share_links.share_preview_url(article)
    monkeypatch.setattr(signing.time, "time", real_time)
    assert client.get(almost_week_old).status_code == 200
    assert client.get(week_old).status_code == 404


def test_rotating_the_token_revokes_every_earlier_link(editor, editor_client, client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    old_link = shared(article, editor)
    assert client.get(old_link).status_code == 200
    editor_client.post(reverse("admin:articles_article_share", args=[article.pk]))
    assert client.get(old_link).status_code == 404
    new_link = editor_client.get(reverse("admin:articles_article_share", args=[article.pk])).context["share_url"]
    assert client.get(new_link).status_code == 200


def test_a_tampered_or_tokenless_link_is_refused(client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert client.get(reverse("articles:share_preview", kwargs={"token": "nonsense"})).status_code == 404
    unsigned = signing.dumps({"a": article.pk, "t": ""}, salt=share_links.SALT)
    assert client.get(reverse("articles:share_preview", kwargs={"token": unsigned})).status_code == 404


def test_only_people_who_may_edit_the_article_make_links(writer_client, reviewer_client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=editor)
    share_page = reverse("admin:articles_article_share", args=[article.pk])
    assert writer_client.post(share_page).status_code == 404  # another's draft does not exist for a writer
    assert reviewer_client.post(share_page).status_code == 403
    assert Article.objects.get(pk=article.pk).preview_token == ""


def test_a_share_preview_page_takes_a_fixed_number_of_queries(editor, client, django_assert_num_queries):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    link = shared(article, editor)
    # token check, the article, its conditions, citations, quotes, tags and corrections log,
    # is it published, the other articles the page links to, the footer's links to the site's pages
    with django_assert_num_queries(10):
        assert client.get(link).status_code == 200


def test_a_link_to_an_article_published_since_shows_no_banner_but_stays_private(editor, client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    link = shared(article, editor)
    services.article_publish(article=article, by=editor)
    response = client.get(link)
    assert response.status_code == 200
    assert "Preview: not published" not in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
