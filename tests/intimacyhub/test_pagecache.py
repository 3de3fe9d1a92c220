"""The page cache: served to anonymous readers, never stale, never for staff.

These tests run with real commits (transaction=True): the generation changes
after a commit, as it does in production.
"""

import datetime as dt
import functools
import io
import json
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
from django.utils import timezone

from articles.content_file import import_content
from articles.models import Article, ArticleCondition, Tag
from intimacyhub import pagecache
from intimacyhub.models import ContentGeneration
from intimacyhub.receivers import CONTENT_APPS, DERIVED_MODELS
from tests.factories import ArticleConditionFactory, ArticleFactory, CitationFactory, ConditionFactory, QuoteFactory

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
    return response.get("Cache-Status", "")


def warm(client, url):
    """Request `url` twice and check that the second answer came from the cache."""
    first = client.get(url)
    assert first.status_code == 200, url
    second = client.get(url)
    assert cache_status(second) == "IntimacyHub; hit", (url, cache_status(first), cache_status(second))
    assert second.content == first.content
    return second.content.decode()


# ---------------------------------------------------------------------------
# Serving


def test_an_anonymous_reader_gets_the_page_from_the_cache_with_one_query(page_cache, client, django_assert_num_queries):
    article = ArticleFactory(title="Breathing through panic")
    first = client.get(article.get_absolute_url())
    assert cache_status(first) == "IntimacyHub; fwd=miss; stored"
    with django_assert_num_queries(1):
        second = client.get(article.get_absolute_url())
    assert cache_status(second) == "IntimacyHub; hit"
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
        "/sitemap.xml",
        "/robots.txt",
    ]


def test_every_public_page_is_served_from_the_cache_with_one_query(page_cache, client, django_assert_num_queries):
    article = ArticleFactory()
    ArticleConditionFactory(article=article)
    article.quote_links.create(quote=QuoteFactory())
    article.tags.add(Tag.objects.create(name="first-tag", slug="first-tag"))
    for url in public_pages(article):
        first = client.get(url)
        assert cache_status(first) == "IntimacyHub; fwd=miss; stored", url
        with django_assert_num_queries(1):
            second = client.get(url)
        assert cache_status(second) == "IntimacyHub; hit", url
        assert second.content == first.content


def test_a_cached_page_keeps_every_header(page_cache, client):
    article = ArticleFactory()
    miss = client.get(article.get_absolute_url())
    hit = client.get(article.get_absolute_url())
    assert cache_status(hit) == "IntimacyHub; hit"
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
    assert cache_status(response) == "IntimacyHub; hit"
    assert not client.cookies


def test_head_is_answered_from_a_cached_get_but_does_not_fill_the_cache(page_cache, client):
    article = ArticleFactory()
    assert cache_status(client.head("/")) == "IntimacyHub; fwd=miss"
    assert cache_status(client.get("/")) == "IntimacyHub; fwd=miss; stored"
    head = client.head(article.get_absolute_url())
    assert head.status_code == 200 and cache_status(head) == "IntimacyHub; fwd=miss"
    client.get(article.get_absolute_url())
    assert cache_status(client.head(article.get_absolute_url())) == "IntimacyHub; hit"


def test_post_is_never_answered_from_the_cache(page_cache, client):
    warm(client, "/")
    response = client.post("/")
    assert cache_status(response) == "IntimacyHub; fwd=bypass"
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
    monkeypatch.setattr(pagecache, "current_generation", unavailable)
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
    monkeypatch.setattr(pagecache, "current_generation", broken)
    response = client.get("/")
    assert response.status_code == 200 and "Still here" in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "intimacyhub.pagecache" and r.exc_info]
    assert record.levelname == "ERROR" and "no_such_generation_table" in caplog.text


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
    assert cache_status(client.get("/")) == "IntimacyHub; hit"


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


def test_every_content_model_has_the_receiver():
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            for signal in (post_save, post_delete, m2m_changed):
                # Derived tables are rebuilt by a new generation: a receiver would loop.
                assert signal.has_listeners(model) == (model._meta.label not in DERIVED_MODELS), (model, signal)


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
        assert cache_status(response) == "IntimacyHub; fwd=bypass", url
    assert b"Preview: not published" in client.get(draft.get_absolute_url()).content
    client.logout()
    client.cookies.clear()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert cache_status(client.get("/articles/")) == "IntimacyHub; fwd=miss; stored"


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "anything"])
def test_a_request_with_a_cookie_bypasses_the_cache(page_cache, client, cookie):
    warm(client, "/")
    client.cookies[cookie] = "value"
    assert cache_status(client.get("/")) == "IntimacyHub; fwd=bypass"


def test_a_request_with_credentials_bypasses_the_cache(page_cache, client):
    warm(client, "/")
    assert cache_status(client.get("/", HTTP_AUTHORIZATION="Basic ZWQ6cHc=")) == "IntimacyHub; fwd=bypass"


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
def test_responses_that_must_not_be_shared_are_never_stored(page_cache, rf, make_response):
    calls = []

    def view(request):
        calls.append(request)
        return make_response()

    middleware = pagecache.PageCacheMiddleware(view)
    middleware(rf.get("/page/"))
    middleware(rf.get("/page/"))
    assert len(calls) == 2


def test_a_plain_page_is_stored_by_the_same_middleware(page_cache, rf):
    calls = []

    def view(request):
        calls.append(request)
        return HttpResponse("page")

    middleware = pagecache.PageCacheMiddleware(view)
    middleware(rf.get("/page/"))
    assert middleware(rf.get("/page/")).content == b"page"
    assert len(calls) == 1


def test_a_page_that_varies_on_a_header_is_only_served_for_the_same_value(page_cache, rf):
    def view(request):
        response = HttpResponse(f"page in {request.headers['Accept-Language']}")
        response["Vary"] = "Accept-Language"
        return response

    middleware = pagecache.PageCacheMiddleware(view)
    middleware(rf.get("/page/", HTTP_ACCEPT_LANGUAGE="en"))
    assert cache_status(middleware(rf.get("/page/", HTTP_ACCEPT_LANGUAGE="en"))) == "IntimacyHub; hit"
    assert middleware(rf.get("/page/", HTTP_ACCEPT_LANGUAGE="fr")).content == b"page in fr"


def test_different_hosts_and_query_strings_are_different_pages(page_cache, rf, settings):
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
            assert cache_status(response) == "IntimacyHub; fwd=miss; stored"


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
    assert cache_status(response) == "IntimacyHub; fwd=miss; stored"


# ---------------------------------------------------------------------------
# Settings


def settings_for(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "INTIMACYHUB_", "REDIS_URL"))}
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.INTIMACYHUB_PAGE_CACHE, s.CACHES['default']['BACKEND']]))"
    )
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


@contextmanager
def redis_server(directory):
    """Run a redis-server on a unix socket in `directory`, with no persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install -y redis-server; .ci/run does it)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    import redis

    socket = directory / "redis.sock"
    process = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"]
        + ["--save", "", "--appendonly", "no", "--dir", str(directory)],
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
    assert cache_status(response) == "IntimacyHub; fwd=miss; stored"
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
    assert cache_status(response) == "IntimacyHub; fwd=miss"
    assert "page cache read failed" in caplog.text
