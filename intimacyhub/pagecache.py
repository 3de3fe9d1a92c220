"""A full-page cache for anonymous readers that never serves stale content.

How a page is keyed
-------------------
Every cached page is stored under a key made of the request's absolute URL,
a fingerprint of the release (so a shared Redis never serves the previous
release's pages) and a *generation token*, read from the single
ContentGeneration row by primary key: one small query per cacheable request,
whichever worker answers it. After every content write commits, the
token is replaced by a new random value (`content_changed()`), so the next
request of every worker process asks for a key nobody has stored yet. Nothing
needs to reach the other workers' local-memory caches, because the token lives
in the database they all read. Old entries are never served again; they age
out (TIMEOUT) or are culled.

A scheduled article (published, dated in the future) becomes visible when the
database's clock passes its date, without any write. The row therefore also
holds the date of the next scheduled publication, and the same query asks the
database whether that moment has passed. The first request that finds it has
starts a new generation (finding the following scheduled date) and is
rendered uncached, as is every request until the new token is committed: a
cached page cannot outlive the next scheduled publication, by the database's
own clock, the one `published()` compares with.

Why the token changes after the commit, not inside the transaction
------------------------------------------------------------------
Readers read the token before the view runs. If it changed inside the
writer's transaction, holding a lock on the row until commit, every other
writer would queue behind it, and two writers could deadlock. Changed right
after the commit, readers can only pair the *old* token with old or new
content, and those entries are never asked for again once the token moves;
the new token is only visible once the new content is. The write's own
request returns after the token has changed, so the next request sees it.
A rolled-back transaction (an import's dry run) leaves the cache alone.
Concurrent new generations are ordered by the row's lock, so the last one to
commit computes the next scheduled date after every write before it.

What is never cached
--------------------
Requests other than GET and HEAD, and requests carrying any cookie or an
Authorization header: anonymous readers get no cookie from this site, so a
cookie means someone signed in (staff, with session and CSRF cookies) or a
state the site did not create, and is not worth guessing about. Responses
other than 200, streaming responses, responses that set a cookie, that say
Cache-Control private, no-store or no-cache (staff previews, admin pages,
health checks), that vary on everything (Vary: *) or that carry a CSP nonce
(a nonce reused by every reader would be no nonce). Headers are stored with
the page, so a cached hit carries the same CSP and security headers; the
middleware sits above the session, CSRF and CSP middleware so it sees them.
No Cache-Control is added: browsers and proxies keep nothing, so the only
copies are the ones this module can make stale.

Cost of a cached hit: one primary-key query on a one-row table plus one cache read.
"""

import functools
import hashlib
import logging
import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.http import HttpResponse

from articles import archive_anchors
from articles.models import Article
from intimacyhub.compiled import CompiledQuery
from intimacyhub.models import ContentGeneration
from intimacyhub.outages import is_database_unavailable

logger = logging.getLogger(__name__)

CACHE_STATUS = "Cache-Status"
CACHE_NAME = "IntimacyHub"
UNCACHEABLE_DIRECTIVES = {"private", "no-store", "no-cache"}
SINGLETON = ContentGeneration.SINGLETON_ID


def content_changed(*, using=DEFAULT_DB_ALIAS):
    """Make every cached page stale as soon as the current transaction commits.

    Call it from any write that sends no model signal (bulk_create,
    bulk_update, QuerySet.update()); intimacyhub/receivers.py calls it for
    every other write to the content apps. Outside a transaction it takes
    effect at once; several calls in one transaction change the token once.
    """
    connection = connections[using]
    # The pending callbacks, minus those of savepoints rolled back since: one is enough.
    if any(_is_new_generation(func) for _savepoints, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(functools.partial(_new_generation, using=using), using=using)


def _is_new_generation(func):
    return isinstance(func, functools.partial) and func.func is _new_generation


def _new_generation(*, using):
    generations = ContentGeneration.objects.using(using)
    with transaction.atomic(using=using):
        generations.bulk_create([ContentGeneration(id=SINGLETON, token=0)], ignore_conflicts=True)
        # A random token rather than a counter: a restored backup or a
        # recreated row can never bring back a key pages were stored under.
        # This first UPDATE takes the row's lock, so the query below already
        # sees every write committed before a concurrent new generation.
        token = secrets.randbits(63)
        generations.filter(id=SINGLETON).update(token=token, changed_at=Now())
        upcoming = Article.objects.using(using).scheduled().order_by("published_at")
        generations.filter(id=SINGLETON).update(
            next_publication_at=upcoming.values_list("published_at", flat=True).first()
        )
        # Deep archive pages seek from anchors valid for this generation only.
        archive_anchors.rebuild(token, using=using)


def current_generation():
    """Return the token cached pages are keyed by now, or None when no page may be cached.

    None before the first write and when a scheduled article's time has come;
    a new generation is started then, for the requests that follow.
    """
    # Compiled once per process: this runs on every cached hit.
    rows = _GENERATION.rows()
    row = rows[0] if rows else None
    if row is None or row[1]:
        _new_generation(using=DEFAULT_DB_ALIAS)
        return None
    return row[0]


def _generation_query():
    # Now() is the database's clock, the one published() compares with.
    due = ExpressionWrapper(Q(next_publication_at__lte=Now()), output_field=BooleanField())
    return ContentGeneration.objects.filter(id=SINGLETON).annotate(due=due).values_list("token", "due")


_GENERATION = CompiledQuery(_generation_query, ())


@functools.cache
def deployment_fingerprint():
    """Return a digest of this release: templates, the project's code, pinned packages, static manifest.

    Part of every key, so that a new release never serves pages rendered by
    the previous one from a shared (Redis) cache: they could name static
    files that no longer exist.
    """
    base = Path(settings.BASE_DIR)
    roots = {Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])}
    roots |= {Path(app.path) for app in apps.get_app_configs()}
    # Installed packages count through requirements.txt, not file by file.
    roots = sorted(r for r in roots if r.is_relative_to(base) and "site-packages" not in r.parts)
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".xml", ".json"} and path.is_file():
                digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    for path in (base / "requirements.txt", Path(settings.STATIC_ROOT) / "staticfiles.json"):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_key(request, token):
    url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"page:{deployment_fingerprint()}:{token:x}:{url}"


def _cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("HTTP_COOKIE")
        and not request.META.get("HTTP_AUTHORIZATION")
    )


def _vary_headers(response):
    return [name.strip().lower() for name in response.get("Vary", "").split(",") if name.strip()]


def _cacheable_response(request, response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    directives = {d.split("=", 1)[0].strip().lower() for d in response.get("Cache-Control", "").split(",")}
    if directives & UNCACHEABLE_DIRECTIVES or "*" in _vary_headers(response):
        return False
    if "nonce-" in response.get("Content-Security-Policy", ""):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _entry(request, response):
    return {
        "headers": [(name, value) for name, value in response.items() if name != CACHE_STATUS],
        "content": response.content,
        # The request's values for every header the page varies on; a hit needs the same values.
        "vary": {name: request.headers.get(name) for name in _vary_headers(response)},
    }


def _response(entry):
    return HttpResponse(entry["content"], headers=dict(entry["headers"]))


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the cache; see this module's docstring.

    Off unless settings.INTIMACYHUB_PAGE_CACHE is true (the default in
    production). A cache or database failure never fails the request: the
    page is then rendered as if there were no cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        if settings.INTIMACYHUB_PAGE_CACHE:
            deployment_fingerprint()  # read the release's files when a worker starts, not during a request

    def __call__(self, request):
        if not settings.INTIMACYHUB_PAGE_CACHE:
            return self.get_response(request)
        if not _cacheable_request(request):
            return self._mark(self.get_response(request), "fwd=bypass")
        try:
            token = current_generation()
        except Error as exc:
            if not is_database_unavailable(exc):
                # A bug, not an outage: said loudly, though the page is still served.
                logger.error("page cache generation lookup failed; serving uncached", exc_info=True)
            # In an outage the view meets it too and answers with the 503 page.
            return self.get_response(request)
        if token is None:
            return self._mark(self.get_response(request), "fwd=bypass")

        cache = caches[settings.INTIMACYHUB_PAGE_CACHE_ALIAS]
        key = page_key(request, token)
        entry = self._read(cache, key)
        if entry is not None and all(request.headers.get(name) == value for name, value in entry["vary"].items()):
            return self._mark(_response(entry), "hit")

        response = self.get_response(request)
        if request.method == "GET" and _cacheable_response(request, response):
            stored = self._write(cache, key, _entry(request, response))
            return self._mark(response, "fwd=miss; stored" if stored else "fwd=miss")
        return self._mark(response, "fwd=miss")

    @staticmethod
    def _mark(response, status):
        response[CACHE_STATUS] = f"{CACHE_NAME}; {status}"
        return response

    @staticmethod
    def _read(cache, key):
        # Backends raise their own errors (redis.ConnectionError, ...): a cache
        # outage costs speed, never the page.
        try:
            return cache.get(key)
        except Exception:
            logger.warning("page cache read failed; serving uncached", exc_info=True)
            return None

    @staticmethod
    def _write(cache, key, entry):
        try:
            cache.set(key, entry, timeout=settings.INTIMACYHUB_PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("page cache write failed", exc_info=True)
            return False
        return True
