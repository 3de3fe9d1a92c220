"""A full-page cache for anonymous readers that never serves stale content.

How a page is keyed
-------------------
Every cached page is stored under a key made of the request's absolute URL,
a fingerprint of the release (so a shared Redis never serves the previous
release's pages) and a *generation token*, read from the single
ContentGeneration row by primary key: one small query per cacheable request,
whichever worker answers it. After every content write readers can see
commits (articles/changes.py decides which do), the token is replaced by a
new random value (`content_changed()`), so the next request of every worker
process asks for a key nobody has stored yet. Nothing needs to reach the
other workers' local-memory caches, because the token lives in the database
they all read. Old entries are never served again; they age
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
Pages whose view does not declare itself cacheable, and requests with a
query parameter the view did not declare or a value not in its one spelling
(core/cacheable.py: the declarations, and why such requests are
served but not stored). Search declares nothing: what readers search for is
never stored, and its responses say no-store to every other cache too.
Requests other than GET and HEAD, and requests carrying any cookie or an
Authorization header: anonymous readers get no cookie from this site, so a
cookie means someone signed in (staff, with session and CSRF cookies) or a
state the site did not create, and is not worth guessing about. Responses
other than 200, streaming responses, responses that set a cookie, that say
Cache-Control private, no-store or no-cache (staff previews, admin pages,
health checks, empty lists), that vary on everything (Vary: *), that carry
a CSP nonce (a nonce reused by every reader would be no nonce) or that are
larger than INTIMACYHUB_PAGE_CACHE_MAX_BYTES (served, not stored). Headers
are stored with the page, so a cached hit carries the same CSP and security
headers; the middleware sits above the session, CSRF and CSP middleware so
it sees them. What they tell browsers and Varnish (Cache-Control, ETag,
X-Generation) and the 304s: pagecache/headers.py.

What a reader can learn from a response: nothing about other readers
--------------------------------------------------------------------
A hit is the stored response, headers and body, byte for byte what the miss
that stored it sent, and no header says hit or miss (no Cache-Status, Age or
X-Cache): "this page was served from the cache" would tell anyone that
someone else asked for it in the last minutes. Where the answer came from
is logged at DEBUG on this module's logger, with the path and never the
query string, and set on the response object as `page_cache_status` for
code in this process (tests, a log formatter); it never leaves the server.
There is deliberately no setting that puts a header back: staff bypass the
cache, so a staff-only header would always say bypass, and a debugging
switch left on in production would leak exactly what this prevents. What
remains is timing (a hit is faster), over a URL space bounded by the
published content: it can tell that some reader opened a public page
recently, never who, and never what anyone searched.

Memory
------
Every entry is at most INTIMACYHUB_PAGE_CACHE_MAX_BYTES of body. In local
memory a worker keeps at most INTIMACYHUB_PAGE_CACHE_ENTRIES entries and
culls the least recently used third when full; Redis is bounded by its own
maxmemory with allkeys-lru (deploy/redis/redis.conf). Since only declared
parameters with canonical values are stored, the number of distinct keys is
bounded by the published content, not by what readers type.

Cost of a cached hit: one primary-key query on a one-row table plus one cache read.
"""

import logging
import secrets
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.db.models import BooleanField, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import Now
from django.dispatch import Signal
from django.http import HttpResponse

from core.cacheable import cache_url
from core.compiled import CompiledQuery
from core.outages import is_database_unavailable
from core.replica import on_primary
from pagecache.headers import etag, matches, not_modified, private, shared
from pagecache.keys import deployment_fingerprint, page_key
from pagecache.models import ContentGeneration

logger = logging.getLogger(__name__)

UNCACHEABLE_DIRECTIVES = {"private", "no-store", "no-cache"}
SINGLETON = ContentGeneration.SINGLETON_ID

# Sent inside the new generation's transaction, holding the row's lock, with
# `token` and `using`: apps that keep data valid for one generation only (the
# archive's anchors) rebuild it here, connected in their AppConfig.ready().
generation_started = Signal()

# Callables (using) -> the next moment, after now, at which what readers see
# changes with no write (a scheduled publication), or None. Apps register one
# in their AppConfig.ready(); the cache itself knows no content model.
_next_change_sources = []


def register_next_change(source):
    """Have each new generation ask `source(using)` when content next changes by itself."""
    if source not in _next_change_sources:
        _next_change_sources.append(source)
    return source


def _next_change(using):
    moments = [moment for source in _next_change_sources if (moment := source(using)) is not None]
    return min(moments, default=None)


def content_changed(*, using=DEFAULT_DB_ALIAS):
    """Make every cached page stale as soon as the current transaction commits.

    Call it for a write readers can see that the post-write path does not
    already cover (articles/changes.py covers articles and their parts;
    articles/receivers.py calls this for the other content models).
    Outside a transaction it takes effect at once; several calls in one
    transaction change the token once, after every step registered with
    after_commit() has run.
    """
    with after_commit(using=using) as pending:
        pending.new_generation = True


class AfterCommit:
    """What follows the commit of one transaction: derived-data steps in order, then at most one new generation.

    A step is a callable returning whether what readers see changed. The new
    generation comes last so that no reader can cache, under the new token, a
    page built from derived data (a search row, a related list) the write has
    not updated yet.
    """

    def __init__(self, using):
        self.using = using
        self.steps = {}
        self.new_generation = False
        self.done = False

    def step(self, key, factory):
        """Return the step registered under `key`, making it with factory() the first time."""
        if key not in self.steps:
            self.steps[key] = factory()
        return self.steps[key]

    def __call__(self):
        # Registered by every caller (see after_commit()); the first to run does the work.
        if self.done:
            return
        self.done = True
        try:
            for step in self.steps.values():
                if step():
                    self.new_generation = True
        finally:
            # The content has committed: even if a step failed, readers must not keep the old pages.
            if self.new_generation:
                _new_generation(using=self.using)


def pending_after_commit(*, using=DEFAULT_DB_ALIAS):
    """Return the current transaction's AfterCommit if one is registered, else None."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return None
    # The pending callbacks, minus those of savepoints rolled back since; the
    # latest registration is at or near the end.
    pending = next(
        (func for _sids, func, _robust in reversed(connection.run_on_commit) if isinstance(func, AfterCommit)), None
    )
    return None if pending is None or pending.done else pending


@contextmanager
def after_commit(*, using=DEFAULT_DB_ALIAS):
    """Yield the current transaction's AfterCommit, registered once with on_commit.

    Outside a transaction, the AfterCommit runs when the block ends. Inside
    one, every caller gets the same object until the commit, so each step and
    the new generation run once per transaction; a rolled-back transaction
    (an import's dry run) runs nothing. Each call registers the object again
    (it runs once, at the first registration): the registrations made inside
    a savepoint that rolls back are dropped, and the others still run it.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        pending = AfterCommit(using)
        yield pending
        pending()
        return
    pending = pending_after_commit(using=using) or AfterCommit(using)
    transaction.on_commit(pending, using=using)
    yield pending


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
        generations.filter(id=SINGLETON).update(next_publication_at=_next_change(using))
        generation_started.send(sender=ContentGeneration, token=token, using=using)


def current_generation():
    """Return the token cached pages are keyed by now, or None when no page may be cached.

    None before the first write and when a scheduled article's time has come;
    a new generation is started then, for the requests that follow.
    """
    return generation_state()[0]


def generation_state():
    """Return (token or None as current_generation() says, seconds until the next scheduled publication or None)."""
    # Compiled once per process: this runs on every cached hit. Always from
    # the primary: a lagging replica would hand out a token older than its
    # pages' content (pagecache/replica.py).
    with on_primary():
        rows = _GENERATION.rows(using=DEFAULT_DB_ALIAS)
    row = rows[0] if rows else None
    if row is None or row[1]:
        _new_generation(using=DEFAULT_DB_ALIAS)
        return None, None
    until_next = row[2]
    return row[0], (None if until_next is None else until_next.total_seconds())


def _generation_query():
    # Now() is the database's clock, the one published() compares with.
    due = ExpressionWrapper(Q(next_publication_at__lte=Now()), output_field=BooleanField())
    until_next = ExpressionWrapper(F("next_publication_at") - Now(), output_field=DurationField())
    rows = ContentGeneration.objects.filter(id=SINGLETON).annotate(due=due, until_next=until_next)
    return rows.values_list("token", "due", "until_next")


_GENERATION = CompiledQuery(_generation_query, ())


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
        "etag": response.get("ETag"),
        "headers": list(response.items()),
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
        url = cache_url(request) if _cacheable_request(request) else None
        if url is None:
            return self._done(request, private(self.get_response(request)), "fwd=bypass")
        try:
            token, until_next = generation_state()
        except Error as exc:
            if not is_database_unavailable(exc):
                # A bug, not an outage: said loudly, though the page is still served.
                logger.error("page cache generation lookup failed; serving uncached", exc_info=True)
            # In an outage the view meets it too and answers with the 503 page.
            return private(self.get_response(request))
        if token is None:
            return self._done(request, private(self.get_response(request)), "fwd=bypass")

        cache = caches[settings.INTIMACYHUB_PAGE_CACHE_ALIAS]
        key = page_key(url, token)
        entry = self._read(cache, key)
        if entry is not None and all(request.headers.get(name) == value for name, value in entry["vary"].items()):
            response = _response(entry)
            if matches(request, entry.get("etag")):
                # Revalidation costs one query and one cache read: nothing is rendered.
                response = not_modified(response)
            return self._done(request, shared(response, token, until_next), "hit")

        response = self.get_response(request)
        if request.method != "GET" or not _cacheable_response(request, response):
            return self._done(request, private(response), "fwd=miss")
        if len(response.content) > settings.INTIMACYHUB_PAGE_CACHE_MAX_BYTES:
            return self._done(request, private(response), "fwd=miss; detail=too-large")
        if "ETag" not in response:
            response["ETag"] = etag(response.content)
        stored = self._write(cache, key, _entry(request, response))
        status = "fwd=miss; stored" if stored else "fwd=miss"
        if settings.INTIMACYHUB_VARNISH_URLS:
            # A write that committed while this page rendered may already have
            # banned its generation in Varnish, which does not test bans
            # against objects stored after them: such a page is not shared.
            try:
                current, until_next_now = generation_state()
            except Error:
                current = None
            if current != token:
                return self._done(request, private(response), status + "; detail=generation-moved")
            until_next = until_next_now
        if matches(request, response["ETag"]):
            response = not_modified(response)
        return self._done(request, shared(response, token, until_next), status)

    @staticmethod
    def _done(request, response, status):
        # For the logs and this process only: a header would tell every
        # reader whether someone else asked for this URL (see above).
        response.page_cache_status = status
        logger.debug("page cache %s: %s", status, request.path)
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
