"""Tell every Varnish in front to drop the pages of other content generations.

Pages Django lets Varnish share carry the generation they were built from
(`X-Generation`, removed by the VCL before a reader sees it). When a new
generation commits, `ban_other_generations()` sends
`BAN / X-Generation: <token>` to each INTIMACYHUB_VARNISH_URLS and waits for
its 200, so the write's own request returns only once no Varnish will serve
an older page: the next request, whoever sends it, misses and reaches Django.

The ban goes out after the token commits, never inside its transaction: a
fetch that started after the ban then reaches Django after the commit and
reads the new token. A fetch that started before it and is inserted after it
(Varnish does not test bans against objects inserted after them) is caught by
the page cache middleware, which shares a page only if the generation it read
before rendering is still current after. What is left is the instant between
that check and Varnish storing the response: the same ban goes out again
INTIMACYHUB_VARNISH_REBAN seconds later (1), from a timer thread, unless this
process has banned for a newer generation since (whose own repeat covers it).

A Varnish that cannot be reached or refuses the ban never fails the write:
the failure is logged (ERROR, on this module's logger) and its pages expire
within INTIMACYHUB_SHARED_MAX_AGE seconds.
"""

import http.client
import logging
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def generation_header(token):
    """The value of X-Generation for pages built under `token` (the VCL accepts 1 to 16 hex digits)."""
    return f"{token:x}"


def ban_other_generations(token):
    """Ban, in every configured Varnish, every page not built under `token`; return how many acknowledged."""
    acknowledged = 0
    for url in settings.INTIMACYHUB_VARNISH_URLS:
        if _ban(url, generation_header(token)):
            acknowledged += 1
    return acknowledged


def _ban(url, generation):
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=settings.INTIMACYHUB_VARNISH_TIMEOUT)
    try:
        connection.request("BAN", parts.path or "/", headers={"X-Generation": generation})
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException) as exc:
        logger.error(
            "Varnish ban failed at %s (%s); its pages expire within %s s",
            url,
            exc,
            settings.INTIMACYHUB_SHARED_MAX_AGE,
        )
        return False
    finally:
        connection.close()
    if response.status != 200:
        logger.error(
            "Varnish at %s refused the ban (%s %s); its pages expire within %s s",
            url,
            response.status,
            response.reason,
            settings.INTIMACYHUB_SHARED_MAX_AGE,
        )
        return False
    return True


_latest = {"token": None}
_latest_lock = threading.Lock()


def ban_and_repeat(token):
    """Ban now and once more after INTIMACYHUB_VARNISH_REBAN seconds; return the first ban's acknowledgements."""
    with _latest_lock:
        _latest["token"] = token
    acknowledged = ban_other_generations(token)
    timer = threading.Timer(settings.INTIMACYHUB_VARNISH_REBAN, _repeat, args=(token,))
    timer.daemon = True
    timer.start()
    return acknowledged


def _repeat(token):
    with _latest_lock:
        if _latest["token"] != token:
            return  # a newer generation was banned since; its repeat covers this one
    ban_other_generations(token)


def generation_started(sender, *, token, using, **kwargs):
    """Receiver of pagecache.cache.generation_started: ban once the new token has committed."""
    if settings.INTIMACYHUB_VARNISH_URLS:
        transaction.on_commit(lambda: ban_and_repeat(token), using=using)
