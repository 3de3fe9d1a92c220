"""The corrections log on the reader site: the article's log, /corrections/, its feed, JSON-LD, visibility."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory, CorrectionFactory
from tests.reader.test_views import html_of, json_ld_of

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(n):
    return NOW - dt.timedelta(days=n)


def hidden_articles():
    """A draft, an article back to draft after publication, and one scheduled for next week: none public."""
    return [
        ArticleFactory(title="Draft", status=Article.Status.DRAFT, published_at=None),
        ArticleFactory(title="Withdrawn", status=Article.Status.DRAFT, published_at=days_ago(5)),
        ArticleFactory(title="Scheduled", published_at=NOW + dt.timedelta(days=7)),
    ]


# ---------------------------------------------------------------- the article page


def test_the_article_page_says_its_disclosure_or_that_none_was_recorded(client):
    declared = ArticleFactory(disclosure="The author consults for a therapy app.")
    undeclared = ArticleFactory(disclosure=None)
    html = html_of(client.get(declared.get_absolute_url()))
    assert re.search(
        r'<p class="disclosure"><strong>Disclosure:</strong> The author consults for a therapy app.</p>', html
    )
    assert '<p class="disclosure">No disclosure recorded.</p>' in html_of(client.get(undeclared.get_absolute_url()))


def test_the_article_shows_its_log_at_the_end_newest_first(client):
    article = ArticleFactory()
    CorrectionFactory(article=article, at=days_ago(10), note="The old note.")
    CorrectionFactory(article=article, at=days_ago(2), kind="clarification", note="The new note.")
    CorrectionFactory(article=article, at=days_ago(1), kind="clinical-update", note="The newest note.")
    html = html_of(client.get(article.get_absolute_url()))
    log = html[html.index('id="corrections"') :]
    entries = re.findall(r"<li>(\w[\w ]*) on <time[^>]*>([^<]*)</time>: ([^<]*)</li>", log)
    assert [(verb, note) for verb, _date, note in entries] == [
        ("Clinically updated", "The newest note."),
        ("Clarified", "The new note."),
        ("Corrected", "The old note."),
    ]
    assert entries[2][1] == timezone.localtime(days_ago(10)).strftime("%B %-d, %Y")
    assert html.index('id="corrections"') > html.index('class="prose"')


def test_an_article_with_no_log_shows_no_log(client):
    html = html_of(client.get(ArticleFactory().get_absolute_url()))
    assert 'id="corrections"' not in html


def test_the_json_ld_carries_correction_comments(client):
    article = ArticleFactory()
    correction = CorrectionFactory(article=article, at=days_ago(1), note="Wrong dose given.")
    data = json_ld_of(html_of(client.get(article.get_absolute_url())))
    entity = data.get("mainEntity", data)
    assert entity["correction"] == [
        {"@type": "CorrectionComment", "text": "Wrong dose given.", "datePublished": correction.at.isoformat()}
    ]
    assert "correction" not in json_ld_of(html_of(client.get(ArticleFactory().get_absolute_url())))


def test_a_logged_correction_moves_the_updated_date_readers_see(client, editor):
    article = ArticleFactory(updated_at=None)
    stored = Article.objects.get(pk=article.pk)
    services.article_save(article=stored, by=editor, change_kind="correction", change_note="Fixed the dose.")
    html = html_of(client.get(article.get_absolute_url()))
    assert "Updated <time" in html and "Fixed the dose." in html


# ---------------------------------------------------------------- /corrections/ and its feed


def test_corrections_lists_every_logged_change_newest_first_with_its_article(client):
    one, two = ArticleFactory(title="First piece"), ArticleFactory(title="Second piece")
    CorrectionFactory(article=one, at=days_ago(3), note="Older fix.")
    CorrectionFactory(article=two, at=days_ago(1), kind="clarification", note="Newer clarification.")
    html = html_of(client.get("/corrections/"))
    assert html.index("Newer clarification.") < html.index("Older fix.")
    assert f'<a href="{two.get_absolute_url()}#corrections">Second piece</a>' in html
    assert "Clarified on" in html and "Corrected on" in html
    feed_link = 'type="application/rss+xml" title="Corrections and updates (RSS)" href="/corrections/feed/">'
    assert f'<link rel="alternate" {feed_link}' in html


def test_corrections_are_keyset_paginated(client):
    article = ArticleFactory()
    for n in range(25):
        CorrectionFactory(article=article, at=days_ago(n + 1), note=f"Fix number {n}.")
    first = html_of(client.get("/corrections/"))
    assert "Fix number 19." in first and "Fix number 20." not in first
    next_url = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "after=" in next_url
    second = html_of(client.get(next_url))
    assert "Fix number 20." in second and "Fix number 24." in second and "Fix number 19." not in second
    assert "Fix number 24." in html_of(client.get("/corrections/?page=2"))
    assert client.get("/corrections/?page=3").status_code == 404
    assert client.get("/corrections/?page=abc").status_code == 404


def test_an_empty_log_is_a_calm_page(client):
    assert "Nothing has been corrected or updated yet." in html_of(client.get("/corrections/"))


def test_the_feed_has_one_item_per_logged_change_newest_first(client):
    article = ArticleFactory(title="A piece")
    CorrectionFactory(article=article, at=days_ago(2), note="Older <b>fix</b>.")
    CorrectionFactory(article=article, at=days_ago(1), kind="clinical-update", note="Newer update.")
    response = client.get("/corrections/feed/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Clinically updated: A piece", "Corrected: A piece"]
    assert items[1].findtext("description") == "Older &lt;b&gt;fix&lt;/b&gt;."
    assert items[0].findtext("link") == f"http://testserver{article.get_absolute_url()}#corrections"


def test_hidden_articles_corrections_are_never_public(client):
    visible = ArticleFactory(title="Visible")
    CorrectionFactory(article=visible, note="A public note.")
    for article in hidden_articles():
        CorrectionFactory(article=article, note=f"Secret note of {article.title}.")
    for url in ["/corrections/", "/corrections/feed/", "/corrections/?page=1", "/sitemap-pages.xml"]:
        body = client.get(url).content.decode()
        assert "Secret note" not in body, url
    assert "A public note." in client.get("/corrections/").content.decode()
    assert "A public note." in client.get("/corrections/feed/").content.decode()


def test_the_sitemap_lists_the_corrections_page(client):
    assert "http://testserver/corrections/" in client.get("/sitemap-pages.xml").content.decode()


# ---------------------------------------------------------------- the page cache


@pytest.mark.django_db(transaction=True)
def test_a_new_correction_shows_on_the_next_request_with_the_page_cache_on(settings, client, editor):
    from django.core.cache import caches

    from pagecache import cache as pagecache

    settings.INTIMACYHUB_PAGE_CACHE = True
    settings.INTIMACYHUB_PAGE_CACHE_ALIAS = "default"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fix"}}
    caches["default"].clear()
    pagecache.content_changed()
    article = ArticleFactory()
    CorrectionFactory(article=article, note="Earlier fix.")  # an empty list is never stored
    urls = [article.get_absolute_url(), "/corrections/", "/corrections/feed/"]
    for url in urls:
        client.get(url)
        assert getattr(client.get(url), "page_cache_status", "") == "hit", url
    stored = Article.objects.get(pk=article.pk)
    services.article_save(article=stored, by=editor, change_kind="correction", change_note="Fresh fix.")
    for url in urls:
        assert "Fresh fix." in client.get(url).content.decode(), url
