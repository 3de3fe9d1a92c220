"""The page cache: served to anonymous readers, never stale, never for staff.

These tests run with real commits (transaction=True): the generation changes
after a commit, as it does in production.
"""

import datetime as dt
import functools
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import OperationalError, connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone

from articles.content_file import import_content
from articles.models import Article, ArticleCondition, Tag
from articles.receivers import CONTENT_APPS, NOT_CONTENT
from core.cacheable import PAGE_NUMBER, cacheable
from pagecache import cache as pagecache
from pagecache.models import ContentGeneration
from reader.models import ArchiveAnchor
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    CitationFactory,
    ConditionFactory,
    CorrectionFactory,
    PersonFactory,
    QuoteFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture
def page_cache(settings):
    """Turn the page cache on, with an empty local-memory cache and a generation row."""
    settings.INTIMACYHUB_PAGE_CACHE = True
    settings.INTIMACYHUB_PAGE_CACHE_ALIAS = "default"
    settings.CACHES = {"default": {"BACKEND": LOCMEM, "LOCATION": "test-pages"}}
    caches["default"].clear()
    # Transactional tests empty every table; a write recreates the row.
    pagecache.content_changed()
    return caches["default"]


def cache_status(response):
    """Where the page came from, as the middleware tells this process (never the reader)."""
    return getattr(response, "page_cache_status", "")


def warm(client, url):
    """Request `url` twice and check that the second answer came from the cache."""
    first = client.get(url)
    assert first.status_code == 200, url
    second = client.get(url)
    assert cache_status(second) == "hit", (url, cache_status(first), cache_status(second))
    assert second.content == first.content
    return second.content.decode()


# ---------------------------------------------------------------------------
# Serving


def test_an_anonymous_reader_gets_the_page_from_the_cache_with_one_query(page_cache, client, django_assert_num_queries):
    article = ArticleFactory(title="Breathing through panic")
    first = client.get(article.get_absolute_url())
    assert cache_status(first) == "fwd=miss; stored"
    with django_assert_num_queries(1):
        second = client.get(article.get_absolute_url())
    assert cache_status(second) == "hit"
    assert second.status_code == 200
    assert second.content == first.content
    assert "Breathing through panic" in second.content.decode()


def public_pages(article):
    condition = article.condition_links.get().condition
    return [
        "/",
        "/articles/",
        "/articles/?page=1",
        article.get_absolute_url(),
        "/conditions/",
        condition.get_absolute_url(),
        "/quotes/",
        article.author.get_absolute_url(),
        "/tags/first-tag/",
        f"/archive/{article.published_at:%Y}/",
        "/feed/",
        "/feed/atom/",
        f"{condition.get_absolute_url()}feed/",
        "/corrections/",
        "/corrections/feed/",
        "/sitemap.xml",
        "/robots.txt",
    ]


def test_every_public_page_is_served_from_the_cache_with_one_query(page_cache, client, django_assert_num_queries):
    article = ArticleFactory()
    ArticleConditionFactory(article=article)
    article.quote_links.create(quote=QuoteFactory())
    article.tags.add(Tag.objects.create(name="first-tag", slug="first-tag"))
    CorrectionFactory(article=article)  # an empty list is never stored
    for url in public_pages(article):
        first = client.get(url)
        assert cache_status(first) == "fwd=miss; stored", url
        with django_assert_num_queries(1):
            second = client.get(url)
        assert cache_status(second) == "hit", url
        assert second.content == first.content


def test_a_cached_page_keeps_every_header(page_cache, client):
    article = ArticleFactory()
    miss = client.get(article.get_absolute_url())
    hit = client.get(article.get_absolute_url())
    assert cache_status(hit) == "hit"
    assert "default-src 'self'" in hit["Content-Security-Policy"]
    assert hit["X-Frame-Options"] == "DENY"
    assert hit["Content-Type"] == "text/html; charset=utf-8"
    without_status = {name: value for name, value in miss.items() if name != "Cache-Status"}
    assert {name: value for name, value in hit.items() if name != "Cache-Status"} == without_status


def test_anonymous_readers_get_no_cookie_from_a_miss_or_a_hit(page_cache, client):
    article = ArticleFactory()
    for _ in range(2):
        response = client.get(article.get_absolute_url())
        assert not response.cookies
        assert "Set-Cookie" not in response
    assert cache_status(response) == "hit"
    assert not client.cookies


def test_head_is_answered_from_a_cached_get_but_does_not_fill_the_cache(page_cache, client):
    article = ArticleFactory()
    assert cache_status(client.head("/")) == "fwd=miss"
    assert cache_status(client.get("/")) == "fwd=miss; stored"
    head = client.head(article.get_absolute_url())
    assert head.status_code == 200 and cache_status(head) == "fwd=miss"
    client.get(article.get_absolute_url())
    assert cache_status(client.head(article.get_absolute_url())) == "hit"


def test_post_is_never_answered_from_the_cache(page_cache, client):
    warm(client, "/")
    response = client.post("/")
    assert cache_status(response) == "fwd=bypass"
    assert response.status_code == 405


def test_the_cache_is_off_unless_turned_on(client, settings):
    settings.INTIMACYHUB_PAGE_CACHE = False
    ArticleFactory()
    client.get("/")
    assert "Cache-Status" not in client.get("/")


def test_a_database_error_reading_the_generation_falls_back_to_the_view(page_cache, client, monkeypatch):
    def unavailable():
        raise OperationalError("the database went away")

    ArticleFactory(title="Still here")
    monkeypatch.setattr(pagecache, "generation_state", unavailable)
    response = client.get("/")
    assert response.status_code == 200 and "Still here" in response.content.decode()
    assert "Cache-Status" not in response


def test_bad_sql_reading_the_generation_is_logged_as_a_bug_and_the_page_still_served(
    page_cache, client, monkeypatch, caplog
):
    def broken():
        with connection.cursor() as cursor:
            cursor.execute("SELECT token FROM no_such_generation_table")

    ArticleFactory(title="Still here")
    monkeypatch.setattr(pagecache, "generation_state", broken)
    response = client.get("/")
    assert response.status_code == 200 and "Still here" in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "pagecache.cache" and r.exc_info]
    assert record.levelname == "ERROR" and "no_such_generation_table" in caplog.text


# ---------------------------------------------------------------------------
# Readers' privacy: no response tells whether someone else asked for a URL

# Headers caches use to say where an answer came from, or how long it was kept.
CACHE_TELLS = {"cache-status", "age", "x-cache", "x-cache-status", "x-cache-hits", "x-served-by", "cf-cache-status"}


def test_a_hit_sends_exactly_the_headers_of_the_miss_and_none_says_which(page_cache, client):
    article = ArticleFactory()
    ArticleConditionFactory(article=article)
    article.quote_links.create(quote=QuoteFactory())
    article.tags.add(Tag.objects.create(name="first-tag", slug="first-tag"))
    CorrectionFactory(article=article)  # an empty list is never stored
    for url in public_pages(article):
        miss = client.get(url)
        hit = client.get(url)
        head = client.head(url)
        assert (cache_status(miss), cache_status(hit), cache_status(head)) == ("fwd=miss; stored", "hit", "hit"), url
        assert hit.serialize_headers() == miss.serialize_headers(), url
        assert head.serialize_headers() == miss.serialize_headers(), url
        bypass = client.get(f"{url}{'&' if '?' in url else '?'}unknown=1")
        assert cache_status(bypass) == "fwd=bypass", url
        for response in (miss, hit, head, bypass):
            assert not CACHE_TELLS & {name.lower() for name in response.headers}, (url, dict(response.headers))


def test_the_first_request_for_a_page_and_a_hit_send_the_same_headers(page_cache, client):
    article = ArticleFactory()
    miss = client.get(article.get_absolute_url())
    hit = client.get(article.get_absolute_url())
    assert (cache_status(miss), cache_status(hit)) == ("fwd=miss; stored", "hit")
    assert hit.serialize_headers() == miss.serialize_headers()
    assert hit.content == miss.content


def test_search_results_are_never_stored_by_any_cache(page_cache, client):
    import search

    search.index_article(ArticleFactory(title="When a partner hurts you", body="What to do when my partner hurts me."))
    url = "/search/?q=my+partner+hurts+me"
    responses = [client.get(url), client.get(url)]
    for response in responses:
        assert response.status_code == 200
        assert "When a partner hurts you" in response.content.decode()
        assert cache_status(response) == "fwd=bypass"
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives
        assert not CACHE_TELLS & {name.lower() for name in response.headers}
    assert responses[1].serialize_headers() == responses[0].serialize_headers()
    assert not page_cache._cache  # nothing was stored, not even under another key


def test_where_a_page_came_from_is_logged_at_debug_without_the_query_string(page_cache, client, caplog):
    article = ArticleFactory()
    caplog.set_level(logging.DEBUG, logger="pagecache.cache")
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())
    client.get("/search/?q=my+partner+hurts+me")
    messages = [r.getMessage() for r in caplog.records if r.name == "pagecache.cache"]
    assert messages == [
        f"page cache fwd=miss; stored: {article.get_absolute_url()}",
        f"page cache hit: {article.get_absolute_url()}",
        "page cache fwd=bypass: /search/",
    ]
    assert "partner" not in caplog.text


# ---------------------------------------------------------------------------
# Bounded: only what a view reads is keyed, entries have a size cap


@pytest.fixture
def two_pages_of_everything():
    """13 articles sharing an author, a condition and a tag: every list has a page 2."""
    author = PersonFactory(slug="one-author")
    condition = ConditionFactory(slug="one-condition")
    tag = Tag.objects.create(name="one-tag", slug="one-tag")
    quotes = QuoteFactory.create_batch(21)
    year = timezone.now().year - 1
    for n in range(21):
        article = ArticleFactory(author=author, published_at=timezone.make_aware(dt.datetime(year, 3, 1 + n)))
        ArticleConditionFactory(article=article, condition=condition)
        article.tags.add(tag)
        article.quote_links.create(quote=quotes[n])
    return [
        "/articles/",
        "/articles/?condition=one-condition&tag=one-tag&author=one-author",
        "/authors/one-author/",
        "/tags/one-tag/",
        "/conditions/one-condition/",
        f"/archive/{year}/",
        f"/archive/{year}/03/",
        "/quotes/",
    ]


def test_no_page_repeats_a_parameter_it_does_not_read_in_its_links(page_cache, client, two_pages_of_everything):
    for url in two_pages_of_everything:
        separator = "&" if "?" in url else "?"
        for page in ("", "page=2&"):
            response = client.get(f"{url}{separator}{page}made_up=echo-me")
            assert response.status_code == 200, url
            html = response.content.decode()
            assert "echo-me" not in html and "made_up" not in html, (url, page)
            assert 'rel="next"' in html or 'rel="prev"' in html, url  # the links were there to check
    for url in ("/feed/", "/feed/atom/", "/conditions/one-condition/feed/", "/sitemap.xml", "/sitemap-articles.xml"):
        response = client.get(f"{url}?made_up=echo-me")
        assert response.status_code == 200, url
        assert b"echo-me" not in response.content, url


def test_a_filtered_list_links_to_its_filters_in_one_order_whatever_the_request_said(page_cache, client):
    author = PersonFactory(slug="one-author")
    tag = Tag.objects.create(name="one-tag", slug="one-tag")
    for _ in range(13):
        ArticleFactory(author=author).tags.add(tag)
    first = client.get("/articles/?author=one-author&tag=one-tag")
    second = client.get("/articles/?tag=one-tag&author=one-author")
    assert (cache_status(first), cache_status(second)) == ("fwd=miss; stored", "hit")
    assert 'href="/articles/?tag=one-tag&amp;author=one-author&amp;page=2&amp;after=' in first.content.decode()
    assert second.content == first.content


@pytest.mark.parametrize(
    "query",
    [
        "?v=1",
        "?utm_source=newsletter",
        "?page=2&v=1",
        "?page=02",
        "?page=2&page=2",
        "?page=",
        "?page",
        "?tag=",
        "?page=2&after=1700000000000000_1",
        "?page=2&before=garbage",
    ],
)
def test_a_parameter_the_view_does_not_declare_or_another_spelling_is_served_but_not_stored(page_cache, client, query):
    for _ in range(13):
        ArticleFactory()
    for _ in range(2):
        response = client.get(f"/articles/{query}")
        assert response.status_code in (200, 404)
        assert cache_status(response) == "fwd=bypass"
    assert not page_cache._cache


def test_an_empty_list_is_served_but_not_stored(page_cache, client):
    ArticleFactory()
    # A condition nothing published discusses yet: its filter is a real, empty list
    # (a tag or author with nothing published is a 404, tests/articles/test_visibility.py).
    condition = ConditionFactory(slug="quiet-condition")
    ArticleConditionFactory(article=ArticleFactory(status=Article.Status.DRAFT), condition=condition)
    for url in ("/archive/1234/", "/archive/1234/05/", "/articles/?condition=quiet-condition"):
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200
            assert cache_status(response) == "fwd=miss", url
    assert not page_cache._cache


def test_a_page_larger_than_the_cap_is_served_but_not_stored(page_cache, client, settings):
    article = ArticleFactory(body="A long paragraph. " * 2000)
    small = ArticleFactory(body="Short.")
    settings.INTIMACYHUB_PAGE_CACHE_MAX_BYTES = len(client.get(small.get_absolute_url()).content) + 1000
    page_cache.clear()
    for _ in range(2):
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200 and response.content.count(b"A long paragraph.") == 2000
        assert cache_status(response) == "fwd=miss; detail=too-large"
    warm(client, small.get_absolute_url())
    assert len(page_cache._cache) == 1


def real_pages_are_hits(client, urls, django_assert_num_queries):
    for url in urls:
        with django_assert_num_queries(1):
            response = client.get(url)
        assert response.status_code == 200, url
        assert cache_status(response) == "hit", url


FLOOD = 3000


def flood(client, article):
    """Thousands of made-up variants of real pages, as a crawler or an attacker sends them."""
    for n in range(FLOOD):
        variant = [f"/?v={n}", f"{article.get_absolute_url()}?v={n}", f"/articles/?page=1&v={n}"][n % 3]
        assert client.get(variant).status_code == 200
    for year in range(1000, 1100):  # empty archive years: real URLs, nothing to list
        assert client.get(f"/archive/{year}/").status_code == 200


def test_a_flood_of_variants_neither_evicts_the_real_pages_nor_grows_the_cache(
    page_cache, client, settings, django_assert_num_queries
):
    settings.CACHES = {"default": {"BACKEND": LOCMEM, "LOCATION": "flood", "OPTIONS": {"MAX_ENTRIES": 20}}}
    cache = caches["default"]
    cache.clear()
    article = ArticleFactory()
    real = ["/", "/articles/", article.get_absolute_url()]
    for url in real:
        warm(client, url)
    flood(client, article)
    real_pages_are_hits(client, real, django_assert_num_queries)
    assert len(cache._cache) == len(real)


def test_the_production_local_memory_cache_is_bounded_in_entries_and_entry_size():
    backend, options, max_bytes = settings_for(DJANGO_DEBUG="0", detail=True)[1:]
    assert backend == LOCMEM
    assert options == {"MAX_ENTRIES": 1000, "CULL_FREQUENCY": 3}
    assert max_bytes == 512 * 1024
    assert settings_for(DJANGO_DEBUG="0", INTIMACYHUB_PAGE_CACHE_ENTRIES="50", detail=True)[2]["MAX_ENTRIES"] == 50


# ---------------------------------------------------------------------------
# Never stale: every kind of write shows on the next request


@pytest.fixture
def newer_article():
    """A visible article newer than the factory's default, so only the write can change the key."""
    return ArticleFactory(published_at=timezone.now() - dt.timedelta(hours=1))


def test_publishing_a_draft_shows_on_the_next_request(page_cache, client, newer_article):
    article = ArticleFactory(title="A quiet draft", status=Article.Status.DRAFT)
    assert "A quiet draft" not in warm(client, "/")
    assert "A quiet draft" not in warm(client, "/articles/")
    assert "A quiet draft" not in warm(client, "/feed/")
    assert client.get(article.get_absolute_url()).status_code == 404
    article.status = Article.Status.PUBLISHED
    article.save()
    assert "A quiet draft" in client.get("/").content.decode()
    assert "A quiet draft" in client.get("/articles/").content.decode()
    assert "A quiet draft" in client.get("/feed/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 200


def test_editing_an_article_shows_on_the_next_request(page_cache, client):
    article = ArticleFactory(title="Old title")
    other = ArticleFactory()
    assert "Old title" in warm(client, article.get_absolute_url())
    assert "Old title" in warm(client, other.get_absolute_url())
    article.title = "New title"
    article.save()
    for url in (article.get_absolute_url(), other.get_absolute_url(), "/"):
        html = client.get(url).content.decode()
        assert "New title" in html and "Old title" not in html, url


def test_unpublishing_an_article_shows_on_the_next_request(page_cache, client, newer_article):
    article = ArticleFactory(title="Soon withdrawn")
    warm(client, article.get_absolute_url())
    assert "Soon withdrawn" in warm(client, "/")
    article.status = Article.Status.DRAFT
    article.save()
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Soon withdrawn" not in client.get("/").content.decode()


def test_deleting_an_article_shows_on_the_next_request(page_cache, client, newer_article):
    article = ArticleFactory(title="Soon deleted")
    CitationFactory(article=article)
    url = article.get_absolute_url()
    warm(client, url)
    assert "Soon deleted" in warm(client, "/articles/")
    article.delete()
    assert client.get(url).status_code == 404
    assert "Soon deleted" not in client.get("/articles/").content.decode()


def edit_condition(article):
    condition = article.condition_links.get().condition
    condition.name = "Renamed condition"
    condition.save()
    return "Renamed condition", [condition.get_absolute_url(), "/conditions/"]


def edit_quote(article):
    quote = article.quote_links.get().quote
    quote.text = "A changed quote."
    quote.save()
    return "A changed quote.", ["/quotes/"]


def edit_citation(article):
    citation = article.citations.get()
    citation.source = "A corrected source"
    citation.save()
    return "A corrected source", []


def rename_tag(article):
    tag = article.tags.get()
    tag.name = "renamed-tag-name"
    tag.save()
    return "renamed-tag-name", [tag.get_absolute_url()]


def rename_author(article):
    article.author.name = "Dr Renamed Author"
    article.author.save()
    return "Dr Renamed Author", [article.author.get_absolute_url()]


def link_a_condition(article):
    condition = ConditionFactory(name="Newly linked condition")
    ArticleConditionFactory(article=article, condition=condition)
    return "Newly linked condition", []


def tag_through_the_relation(article):
    article.tags.add(Tag.objects.create(name="added-through-m2m", slug="added-through-m2m"))
    return "added-through-m2m", []


@pytest.mark.parametrize(
    "change",
    [edit_condition, edit_quote, edit_citation, rename_tag, rename_author, link_a_condition, tag_through_the_relation],
)
def test_a_change_to_anything_an_article_shows_appears_on_the_next_request(page_cache, client, change):
    article = ArticleFactory()
    ArticleConditionFactory(article=article)
    article.quote_links.create(quote=QuoteFactory())
    CitationFactory(article=article)
    article.tags.add(Tag.objects.create(name="first-tag", slug="first-tag"))
    urls = [article.get_absolute_url(), "/conditions/", "/quotes/", "/tags/first-tag/"]
    urls.append(article.author.get_absolute_url())
    before = {url: warm(client, url) for url in urls}
    expected, also_on = change(article)
    assert expected not in before[article.get_absolute_url()]
    assert expected in client.get(article.get_absolute_url()).content.decode()
    for url in also_on:
        assert expected in client.get(url).content.decode(), url


def test_removing_a_link_shows_on_the_next_request(page_cache, client):
    link = ArticleConditionFactory(condition=ConditionFactory(name="Unlinked condition"))
    assert "Unlinked condition" in warm(client, link.article.get_absolute_url())
    ArticleCondition.objects.get(pk=link.pk).delete()
    assert "Unlinked condition" not in client.get(link.article.get_absolute_url()).content.decode()


def test_an_import_shows_on_the_next_request_though_bulk_writes_send_no_signals(page_cache, client):
    ArticleFactory()
    assert "Imported in bulk" not in warm(client, "/articles/")
    record = {
        "type": "article",
        "slug": "imported-in-bulk",
        "title": "Imported in bulk",
        "body": "Text.",
        "status": "published",
        "published_at": "2020-01-01T00:00:00+00:00",
    }
    import_content(io.BytesIO(json.dumps(record).encode() + b"\n"))
    assert "Imported in bulk" in client.get("/articles/").content.decode()


def test_a_dry_run_import_leaves_the_cache_alone(page_cache, client):
    token = ContentGeneration.objects.get().token
    record = {"type": "condition", "slug": "dry", "name": "Dry run"}
    import_content(io.BytesIO(json.dumps(record).encode() + b"\n"), dry_run=True)
    assert ContentGeneration.objects.get().token == token


def test_a_rolled_back_write_leaves_the_cache_alone(page_cache, client):
    article = ArticleFactory()
    warm(client, "/")
    token = ContentGeneration.objects.get().token
    with pytest.raises(RuntimeError), transaction.atomic():
        article.title = "Never committed"
        article.save()
        raise RuntimeError
    assert ContentGeneration.objects.get().token == token
    assert cache_status(client.get("/")) == "hit"


def test_many_writes_in_one_transaction_change_the_generation_once(page_cache):
    article = ArticleFactory()
    token = ContentGeneration.objects.get().token
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for n in range(3):
            article.title = f"Edit {n}"
            article.save()
            CitationFactory(article=article)
    new_tokens = [q["sql"] for q in queries.captured_queries if 'SET "token"' in q["sql"]]
    assert len(new_tokens) == 1
    assert ContentGeneration.objects.get().token != token


def test_an_editors_autosave_starts_no_generation_and_keeps_every_cached_page(page_cache, client):
    # Written every few seconds while someone types: a new generation each
    # time would empty the cache (and re-index the article) all day long.
    from articles import services
    from tests.factories import UserFactory

    article = ArticleFactory(title="Published words")
    editor = UserFactory(username="eda", is_superuser=True)
    warm(client, "/")
    warm(client, article.get_absolute_url())
    token = ContentGeneration.objects.get().token
    services.autosave_store(user=editor, article=article, fields={"title": "Half a headl"}, base_version=1)
    services.autosave_store(user=editor, article=None, fields={"title": "A new piece"}, base_version=None)
    services.autosave_discard(user=editor, article=article)
    assert ContentGeneration.objects.get().token == token
    assert cache_status(client.get("/")) == "hit"
    assert cache_status(client.get(article.get_absolute_url())) == "hit"


def test_every_content_model_has_the_receiver():
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            for signal in (post_save, post_delete, m2m_changed):
                assert signal.has_listeners(model) != (model._meta.label in NOT_CONTENT), (model, signal)
    for signal in (post_save, post_delete, m2m_changed):
        # Derived tables are rebuilt by a new generation: a receiver would loop.
        assert not signal.has_listeners(ArchiveAnchor), signal


# ---------------------------------------------------------------------------
# Scheduled articles


def test_a_scheduled_article_appears_at_its_time_although_pages_are_cached(page_cache, client, db_clock):
    ArticleFactory(title="Already out")
    at = timezone.now() + dt.timedelta(days=2)
    scheduled = ArticleFactory(title="Scheduled piece", published_at=at)
    db_clock(at - dt.timedelta(minutes=1))
    assert "Scheduled piece" not in warm(client, "/")
    assert "Scheduled piece" not in warm(client, "/articles/")
    assert client.get(scheduled.get_absolute_url()).status_code == 404

    db_clock(at + dt.timedelta(seconds=1))
    assert "Scheduled piece" in client.get("/").content.decode()
    assert "Scheduled piece" in client.get("/articles/").content.decode()
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    # ...and the new state is cached in turn.
    assert "Scheduled piece" in warm(client, "/")


def test_scheduled_articles_come_out_one_after_another_with_no_write_between(page_cache, client, db_clock):
    first_at = timezone.now() + dt.timedelta(days=1)
    second_at = first_at + dt.timedelta(hours=3)
    ArticleFactory(title="First scheduled", published_at=first_at)
    ArticleFactory(title="Second scheduled", published_at=second_at)
    db_clock(first_at + dt.timedelta(seconds=1))
    html = client.get("/").content.decode()
    assert "First scheduled" in html and "Second scheduled" not in html
    warm(client, "/")
    db_clock(second_at)
    assert "Second scheduled" in client.get("/").content.decode()


# ---------------------------------------------------------------------------
# Who is never served from the cache, and what is never stored


def test_staff_bypass_the_cache_and_their_pages_are_not_stored(page_cache, client):
    article = ArticleFactory(title="Seen by everyone")
    draft = ArticleFactory(title="Seen by editors", status=Article.Status.DRAFT)
    warm(client, article.get_absolute_url())
    staff = User.objects.create_user("editor", password="pw-editor-123", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for url in (article.get_absolute_url(), draft.get_absolute_url(), "/articles/"):
        response = client.get(url)
        assert response.status_code == 200
        assert cache_status(response) == "fwd=bypass", url
    assert b"Preview: not published" in client.get(draft.get_absolute_url()).content
    client.logout()
    client.cookies.clear()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert cache_status(client.get("/articles/")) == "fwd=miss; stored"


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "anything"])
def test_a_request_with_a_cookie_bypasses_the_cache(page_cache, client, cookie):
    warm(client, "/")
    client.cookies[cookie] = "value"
    assert cache_status(client.get("/")) == "fwd=bypass"


def test_a_request_with_credentials_bypasses_the_cache(page_cache, client):
    warm(client, "/")
    assert cache_status(client.get("/", HTTP_AUTHORIZATION="Basic ZWQ6cHc=")) == "fwd=bypass"


def never_cache_this(response):
    response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    return response


def private(response):
    response["Cache-Control"] = "private"
    return response


def no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def sets_a_cookie(response):
    response.set_cookie("csrftoken", "secret")
    return response


def varies_on_everything(response):
    response["Vary"] = "*"
    return response


def uses_a_csp_nonce(response):
    response["Content-Security-Policy"] = "script-src 'self' 'nonce-abc123'"
    return response


def middleware_only(request):
    raise AssertionError("the tests below call the middleware with their own view")


# The URL configuration of the tests that call the middleware directly: only
# the declarations are read from it (core/cacheable.py).
urlpatterns = [
    path("page/", cacheable()(middleware_only)),
    path("p/", cacheable(page=PAGE_NUMBER)(middleware_only)),
    path("undeclared/", middleware_only),
]


@pytest.fixture
def declared_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.mark.parametrize(
    "make_response",
    [
        lambda: never_cache_this(HttpResponse("preview")),
        lambda: private(HttpResponse("preview")),
        lambda: no_store(HttpResponse("preview")),
        lambda: sets_a_cookie(HttpResponse("page")),
        lambda: varies_on_everything(HttpResponse("page")),
        lambda: uses_a_csp_nonce(HttpResponse("page")),
        lambda: HttpResponse("not found", status=404),
        lambda: HttpResponse("error", status=500),
        lambda: HttpResponseRedirect("/elsewhere/"),
        lambda: StreamingHttpResponse(iter([b"streamed"])),
    ],
    ids=[
        "never_cache",
        "private",
        "no-store",
        "set-cookie",
        "vary-star",
        "csp-nonce",
        "404",
        "500",
        "redirect",
        "streaming",
    ],
)
def test_responses_that_must_not_be_shared_are_never_stored(page_cache, declared_urls, rf, make_response):
    calls = []

    def view(request):
        calls.append(request)
        return make_response()

    middleware = pagecache.PageCacheMiddleware(view)
    middleware(rf.get("/page/"))
    middleware(rf.get("/page/"))
    assert len(calls) == 2


def test_a_plain_page_is_stored_by_the_same_middleware(page_cache, declared_urls, rf):
    calls = []

    def view(request):
        calls.append(request)
        return HttpResponse("page")

    middleware = pagecache.PageCacheMiddleware(view)
    middleware(rf.get("/page/"))
    assert middleware(rf.get("/page/")).content == b"page"
    assert len(calls) == 1


def test_a_page_that_varies_on_a_header_is_only_served_for_the_same_value(page_cache, declared_urls, rf):
    def view(request):
        response = HttpResponse(f"page in {request.headers['Accept-Language']}")
        response["Vary"] = "Accept-Language"
        return response

    middleware = pagecache.PageCacheMiddleware(view)
    middleware(rf.get("/page/", HTTP_ACCEPT_LANGUAGE="en"))
    assert cache_status(middleware(rf.get("/page/", HTTP_ACCEPT_LANGUAGE="en"))) == "hit"
    assert middleware(rf.get("/page/", HTTP_ACCEPT_LANGUAGE="fr")).content == b"page in fr"


def test_different_hosts_and_query_strings_are_different_pages(page_cache, declared_urls, rf, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    middleware = pagecache.PageCacheMiddleware(lambda request: HttpResponse(request.build_absolute_uri()))
    for url, host in [("/p/", "a.example"), ("/p/", "b.example"), ("/p/?page=2", "a.example")]:
        middleware(rf.get(url, HTTP_HOST=host))
        assert middleware(rf.get(url, HTTP_HOST=host)).content == f"http://{host}{url}".encode()


def test_a_new_release_does_not_reuse_the_previous_releases_pages(settings, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("<p>version one</p>")
    settings.BASE_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates]}]
    pagecache.deployment_fingerprint.cache_clear()
    try:
        first = pagecache.deployment_fingerprint()
        (templates / "page.html").write_text("<p>version two</p>")
        pagecache.deployment_fingerprint.cache_clear()
        assert pagecache.deployment_fingerprint() != first
    finally:
        pagecache.deployment_fingerprint.cache_clear()


# ---------------------------------------------------------------------------
# Several worker processes, each with its own local-memory cache


def test_a_write_reaches_every_workers_own_cache(page_cache, client, settings):
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "test-pages"},
        "worker-a": {"BACKEND": LOCMEM, "LOCATION": "worker-a"},
        "worker-b": {"BACKEND": LOCMEM, "LOCATION": "worker-b"},
    }
    article = ArticleFactory(title="Version one")
    url = article.get_absolute_url()
    for worker in ("worker-a", "worker-b"):
        caches[worker].clear()
        settings.INTIMACYHUB_PAGE_CACHE_ALIAS = worker
        assert "Version one" in warm(client, url)
        assert "Version one" in warm(client, "/")

    # Written while worker B serves; nobody touches worker A's cache.
    article.title = "Version two"
    article.save()

    for worker in ("worker-a", "worker-b"):
        settings.INTIMACYHUB_PAGE_CACHE_ALIAS = worker
        for page in (url, "/"):
            response = client.get(page)
            assert "Version two" in response.content.decode(), (worker, page)
            assert cache_status(response) == "fwd=miss; stored"


@pytest.mark.postgres
def test_a_write_made_by_another_process_reaches_this_process_cache(page_cache, client):
    article = ArticleFactory(title="Before the other process")
    url = article.get_absolute_url()
    assert "Before the other process" in warm(client, url)
    db = connection.settings_dict
    quote = functools.partial(urllib.parse.quote, safe="")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    database_url = f"postgres://{quote(db['USER'])}{password}@{quote(db['HOST'])}{port}/{quote(db['NAME'])}"
    edit = (
        "from articles.models import Article; "
        f"a = Article.objects.get(pk={article.pk}); a.title = 'After the other process'; a.save()"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", edit],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": database_url, "DJANGO_DEBUG": "1"},
        check=True,
        capture_output=True,
        timeout=60,
    )
    response = client.get(url)
    assert "After the other process" in response.content.decode()
    assert cache_status(response) == "fwd=miss; stored"


# ---------------------------------------------------------------------------
# Settings


def settings_for(detail=False, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "INTIMACYHUB_", "REDIS_URL"))}
    values = "s.INTIMACYHUB_PAGE_CACHE, s.CACHES['default']['BACKEND']"
    if detail:
        values += ", s.CACHES['default'].get('OPTIONS'), s.INTIMACYHUB_PAGE_CACHE_MAX_BYTES"
    code = f"import json; from django.conf import settings as s; print(json.dumps([{values}]))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "intimacyhub.settings", "DJANGO_SECRET_KEY": "k" * 50} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DJANGO_DEBUG": "0"}, [True, LOCMEM]),
        ({"DJANGO_DEBUG": "0", "INTIMACYHUB_PAGE_CACHE": "0"}, [False, LOCMEM]),
        ({"DJANGO_DEBUG": "1"}, [False, LOCMEM]),
        ({"DJANGO_DEBUG": "1", "INTIMACYHUB_PAGE_CACHE": "1"}, [True, LOCMEM]),
        ({"DJANGO_DEBUG": "0", "REDIS_URL": "redis://127.0.0.1:6379/0"}, [True, REDIS]),
    ],
)
def test_the_cache_is_on_in_production_and_uses_redis_when_redis_url_is_set(env, expected):
    assert settings_for(**env) == expected


# ---------------------------------------------------------------------------
# Redis, against a real throwaway redis-server


REDIS_CONF = ROOT / "deploy" / "redis" / "redis.conf"


@contextmanager
def redis_server(directory, *options):
    """Run a redis-server with the project's deploy/redis/redis.conf, on a unix socket in `directory`."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install -y redis-server; .ci/run does it)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    import redis

    socket = directory / "redis.sock"
    process = subprocess.Popen(
        [binary, str(REDIS_CONF), "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"]
        + ["--dir", str(directory), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"unix://{socket}"
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.exceptions.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def shared_redis(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _process):
        yield url


def use_redis(settings, url):
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": url, "OPTIONS": {"socket_timeout": 0.5}}}
    caches["default"].clear()


@pytest.mark.redis
def test_pages_are_cached_in_redis_and_never_stale(page_cache, client, settings, shared_redis):
    import redis

    use_redis(settings, shared_redis)
    article = ArticleFactory(title="Stored in Redis")
    assert "Stored in Redis" in warm(client, article.get_absolute_url())
    assert redis.Redis.from_url(shared_redis).keys("*page:*")
    article.title = "Changed under Redis"
    article.save()
    response = client.get(article.get_absolute_url())
    assert "Changed under Redis" in response.content.decode()
    assert cache_status(response) == "fwd=miss; stored"
    assert not response.cookies


@pytest.mark.redis
def test_a_redis_outage_costs_speed_not_the_page(page_cache, client, settings, tmp_path, caplog):
    with redis_server(tmp_path) as (url, process):
        use_redis(settings, url)
        ArticleFactory(title="Served anyway")
        warm(client, "/")
        process.terminate()
        process.wait(timeout=10)
        response = client.get("/")
    assert response.status_code == 200
    assert "Served anyway" in response.content.decode()
    assert cache_status(response) == "fwd=miss"
    assert "page cache read failed" in caplog.text


@pytest.mark.redis
def test_the_shipped_redis_config_bounds_memory_and_evicts_least_recently_used_keys(shared_redis):
    import redis

    config = redis.Redis.from_url(shared_redis).config_get("maxmemory*")
    assert config["maxmemory"] == str(256 * 1024 * 1024)
    assert config["maxmemory-policy"] == "allkeys-lru"


@pytest.mark.redis
def test_redis_stays_within_maxmemory_and_keeps_accepting_pages(page_cache, settings, tmp_path):
    import redis

    # The shipped policy at a size a test can fill: 4 MB, then 600 pages of 20 KB.
    with redis_server(tmp_path, "--maxmemory", "4mb") as (url, _process):
        use_redis(settings, url)
        cache = caches["default"]
        for n in range(600):
            cache.set(f"page:{n}", {"content": os.urandom(20_000)}, timeout=600)
        assert cache.get("page:599") is not None  # the newest write landed: nothing refused it
        info = redis.Redis.from_url(url).info()
    assert info["evicted_keys"] > 0
    # Redis evicts before each write, so it may exceed the bound by the one page just written.
    assert info["used_memory"] <= 4 * 1024 * 1024 + 64 * 1024
    assert info["db0"]["keys"] < 600


@pytest.mark.redis
def test_a_flood_of_variants_leaves_redis_and_the_real_pages_alone(
    page_cache, client, settings, shared_redis, django_assert_num_queries
):
    import redis

    use_redis(settings, shared_redis)
    article = ArticleFactory()
    real = ["/", "/articles/", article.get_absolute_url()]
    for url in real:
        warm(client, url)
    keys = redis.Redis.from_url(shared_redis).dbsize()
    flood(client, article)
    real_pages_are_hits(client, real, django_assert_num_queries)
    assert redis.Redis.from_url(shared_redis).dbsize() == keys == len(real)


# ---------------------------------------------------------------------------
# Clinical reviews lapse at their time, like scheduled articles come out


def test_a_cached_article_stops_claiming_its_review_at_the_exact_lapse(page_cache, client, db_clock, monkeypatch):
    from articles.models import review_interval
    from tests.factories import ReviewerFactory

    due = timezone.localdate() + dt.timedelta(days=1)
    reviewer = ReviewerFactory(name="Dr Ines Okafor", credentials="MD")
    article = ArticleFactory(reviewed_by=reviewer, reviewed_at=due - review_interval())
    lapse = timezone.make_aware(dt.datetime.combine(due, dt.time.min))

    def at(moment):
        # Both clocks: the database's (the generation's due check) and Python's (the page's date).
        db_clock(moment)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    at(lapse - dt.timedelta(seconds=1))  # the day before, its last second
    html = warm(client, article.get_absolute_url())
    assert "Clinically reviewed by" in html and '"reviewedBy"' in html

    at(lapse)  # on the day it is due
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Clinically reviewed by" not in html and '"reviewedBy"' not in html
    assert "A new clinical review is due." in html and '"lastReviewed"' in html
    html = warm(client, article.get_absolute_url())
    assert "Clinically reviewed by" not in html

    at(lapse + dt.timedelta(days=3))  # and after
    assert "Clinically reviewed by" not in client.get(article.get_absolute_url()).content.decode()


def test_a_change_to_a_person_shows_on_their_page_and_bylines_on_the_next_request(page_cache, client):
    from tests.factories import ReviewerFactory

    reviewer = ReviewerFactory(name="Dr Ines Okafor", slug="ines", credentials="MD", job_title="Psychiatrist")
    article = ArticleFactory(reviewed_by=reviewer, reviewed_at=timezone.localdate())
    assert "Psychiatrist" in warm(client, "/authors/ines/")
    assert ", MD on" in warm(client, article.get_absolute_url())
    reviewer.credentials, reviewer.job_title = "MD, PhD", "Consultant psychiatrist"
    reviewer.save()
    assert "Consultant psychiatrist" in client.get("/authors/ines/").content.decode()
    assert ", MD, PhD on" in client.get(article.get_absolute_url()).content.decode()
