"""Anonymous readers read from the replica, and only from one that has caught up.

With a `replica` database configured (DATABASE_REPLICA_URL; core/replica.py
routes the queries), this middleware decides for each request where its
reads go. The replica serves a request only when all of these hold:

- it is a GET or HEAD: every write and everything a POST reads is on the primary;
- its view is declared cacheable (core/cacheable.py), or marked
  `core.replica.replica_reads` (search: never stored, but it reads the same
  content, indexed in the same transactions): the content generation's
  check below guarantees their freshness. Share previews (whose links change
  with no new generation, so a lagging replica would refuse a new link or
  honour a revoked one), the admin and the rest read from the primary;
- it carries no session cookie and no Authorization header: staff, writers
  and everyone signed in read from the primary, and so see their own writes;
- it carries no valid "recent write" cookie: a signed, timestamped cookie set
  on the response to every unsafe request of someone signed in (a publish,
  a sign-out), valid for INTIMACYHUB_READ_OWN_WRITES seconds (5). Readers
  never write, so they never get one;
- the replica has replayed the content generation: the token read from the
  primary equals the token read from the replica. The page cache keys pages
  by the primary's token (pagecache/cache.py reads it on the primary), and
  the token changes only after the content write it follows has committed.
  A replica showing the same token has therefore replayed every content
  write before it, so a page it builds is right for the token it is stored
  under; a replica behind the token (lag, replay paused) sends the request
  to the primary. The check costs two primary-key reads of a one-row table,
  and only on requests the page cache did not answer (this middleware sits
  below it).
- the replica answered the last time: a replica that cannot be reached is
  not asked again for INTIMACYHUB_REPLICA_RETRY_SECONDS (5) in this
  process, and a request whose replica read fails is answered again from
  the primary. Readers never see a 5xx because of the replica.
"""

import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.urls import Resolver404, resolve

from core.cacheable import declared_params
from core.compiled import CompiledQuery
from core.replica import PRIMARY, REPLICA, on_primary, reads_from, replica_configured
from pagecache.models import ContentGeneration

logger = logging.getLogger(__name__)

RECENT_WRITE_COOKIE = "ih_wrote"
_SALT = "intimacyhub.replica.recent-write"
_SAFE_METHODS = ("GET", "HEAD")

_TOKEN = CompiledQuery(
    lambda: ContentGeneration.objects.filter(id=ContentGeneration.SINGLETON_ID).values_list("token"), ()
)

# Per process: when the replica may be asked again after a failure (time.monotonic()).
_replica_down_until = 0.0


def _token(alias):
    rows = _TOKEN.rows(using=alias)
    return rows[0][0] if rows else None


def replica_caught_up():
    """Whether the replica has replayed the primary's current content generation."""
    with on_primary():
        primary = _token(DEFAULT_DB_ALIAS)
    return primary is not None and _token(REPLICA) == primary


def _mark_replica_down():
    global _replica_down_until
    _replica_down_until = time.monotonic() + settings.INTIMACYHUB_REPLICA_RETRY


def _recently_wrote(request):
    if RECENT_WRITE_COOKIE not in request.COOKIES:
        return False
    value = request.get_signed_cookie(
        RECENT_WRITE_COOKIE, default=None, salt=_SALT, max_age=settings.INTIMACYHUB_READ_OWN_WRITES
    )
    return value is not None


def _declared_page(request):
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return declared_params(match.func) is not None or getattr(match.func, "replica_reads", False)


def _may_read_replica(request):
    return (
        request.method in _SAFE_METHODS
        and _declared_page(request)
        and not request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        and not request.META.get("HTTP_AUTHORIZATION")
        and not _recently_wrote(request)
        and time.monotonic() >= _replica_down_until
    )


def _choose(request):
    if not replica_configured() or not _may_read_replica(request):
        return PRIMARY
    try:
        return REPLICA if replica_caught_up() else PRIMARY
    except DatabaseError:
        # The primary's own outage shows up in the view, which answers 503.
        if not connections[PRIMARY].is_usable():
            return PRIMARY
        logger.warning("read replica unreachable; readers use the primary", exc_info=True)
        _mark_replica_down()
        return PRIMARY


class ReadReplicaMiddleware:
    """Route each request's reads as this module's docstring says; a no-op without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = _choose(request)
        request.reads_from = alias
        if alias == REPLICA:
            replica = connections[REPLICA]
            with reads_from(REPLICA):
                response = self.get_response(request)
            if response.status_code >= 500 and replica.errors_occurred:
                # The replica failed under this request: answer it again from the primary.
                logger.warning("read replica failed during a request; answered from the primary")
                _mark_replica_down()
                request.reads_from = PRIMARY
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if (
            request.method not in _SAFE_METHODS
            and request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            and response.status_code < 500
            and replica_configured()
        ):
            # Whoever just wrote reads from the primary for a few seconds, signed in or not.
            response.set_signed_cookie(
                RECENT_WRITE_COOKIE,
                "1",
                salt=_SALT,
                max_age=settings.INTIMACYHUB_READ_OWN_WRITES,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
