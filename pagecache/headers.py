"""What pages the page cache may store tell browsers and Varnish, and the 304s.

Without Varnish (INTIMACYHUB_VARNISH_URLS empty) no Cache-Control is added:
browsers and proxies keep nothing, so the only copies are the ones
pagecache/cache.py can make stale. With it, exactly the pages the page cache
may store say `public, max-age=0, s-maxage=N` (N at most
INTIMACYHUB_SHARED_MAX_AGE and never past the next scheduled publication,
read by the same query as the generation) and carry `X-Generation`, which
pagecache/varnish.py bans on; every other response says `private` unless it
said more (no-store, never_cache).

Conditional requests: a stored page carries an ETag, a digest of its body. A
matching If-None-Match is answered 304 from the stored entry without
rendering, and a page a write left unchanged still matches after it.
"""

import hashlib

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils.http import parse_etags

from pagecache.varnish import generation_header


def etag(content):
    # A digest of the body: a page that a write did not change still revalidates (304) under the new generation.
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def matches(request, etag):
    """Whether the request's If-None-Match names `etag` (weak comparison, as RFC 9110 asks for GET and HEAD)."""
    header = request.headers.get("If-None-Match")
    if not header or not etag:
        return False
    wanted = parse_etags(header)
    return "*" in wanted or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in wanted}


def not_modified(response):
    """A 304 carrying what RFC 9110 asks to repeat from the 200 it stands for."""
    not_modified = HttpResponseNotModified()
    for name in ("ETag", "Vary", "Content-Location"):
        if name in response:
            not_modified[name] = response[name]
    return not_modified


def _shared_seconds(until_next):
    """How long Varnish may keep a page: INTIMACYHUB_SHARED_MAX_AGE, never past the next scheduled publication."""
    bound = settings.INTIMACYHUB_SHARED_MAX_AGE
    return bound if until_next is None else min(bound, int(until_next))


def _share(response, token, until_next):
    """Let Varnish keep this page for at most _shared_seconds(); browsers revalidate every time."""
    seconds = _shared_seconds(until_next)
    if seconds < 1:
        return _keep_private(response)
    response["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
    response["X-Generation"] = generation_header(token)
    return response


def _keep_private(response):
    """Say `private` on what Varnish (and any shared cache) must pass, unless the view said more already."""
    if "Cache-Control" not in response:
        response["Cache-Control"] = "private"
    return response


def shared(response, token, until_next):
    """Cache-Control for Varnish when it is configured; otherwise the page says nothing, as before."""
    return _share(response, token, until_next) if settings.INTIMACYHUB_VARNISH_URLS else response


def private(response):
    return _keep_private(response) if settings.INTIMACYHUB_VARNISH_URLS else response
