"""Which pages the page cache may store, and the one URL each is stored under.

A view opts in by declaring the query parameters it reads and the values
each may take, as `page_cache_params = {"page": PAGE_NUMBER}` on a
class-based view or feed, or with `@cacheable(page=PAGE_NUMBER)` on a
function view. A view that declares nothing is never cached (search, the
admin, previews).

Why a request with any other parameter is served but never stored, rather
than stored with that parameter dropped from the key: a URL space anyone can
grow (`?v=1`, `?v=2`, ...) would fill the cache and evict the pages readers
actually read, and dropping a parameter is only safe if the view provably
ignores it, which nothing here can check. The same holds for a declared
parameter given twice, or with a value that is not its one spelling
(`page=02`): a second spelling of a page is served fresh, not stored
twice. Such requests cost what an uncached page costs, no more.

The key is built from the declared parameters in a fixed order, so `?tag=a&page=2`
and `?page=2&tag=a` are one entry; pages therefore never echo the request's
own query string (their links are built from the parameters the view read).

This module imports no app: the reader's views declare their pages with it.
"""

import functools
import re
from urllib.parse import urlencode

from django.urls import Resolver404, resolve

# The spellings of a declared parameter's value that may be stored.
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")
SLUG = re.compile(r"[-\w]{1,200}")


def cacheable(**params):
    """Declare a function view cacheable, keyed by these query parameters (name=compiled value pattern)."""

    def decorate(view):
        @functools.wraps(view)
        def cached_view(*args, **kwargs):
            return view(*args, **kwargs)

        cached_view.page_cache_params = params
        return cached_view

    return decorate


def declared_params(func):
    """The view's declared {parameter: pattern}, or None when it must never be cached."""
    return getattr(getattr(func, "view_class", func), "page_cache_params", None)


def cache_url(request):
    """Return the absolute URL this request's page is stored under, or None when it may not be stored."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    params = declared_params(match.func)
    if params is None:
        return None
    kept = []
    for name, values in request.GET.lists():
        pattern = params.get(name)
        if pattern is None or len(values) != 1 or not pattern.fullmatch(values[0]):
            return None
        kept.append((name, values[0]))
    query = urlencode(sorted(kept))
    return f"{request.scheme}://{request.get_host()}{request.path}" + (f"?{query}" if query else "")


# Query parameters pages read whose responses are never stored: keyset
# cursors (core/pagination.py), search (search/views.py) and the sign-in
# page's return address. Varnish keeps these and the declared ones and drops
# every other parameter before the request reaches Django
# (deploy/varnish/default.vcl; a test keeps its list equal to site_params()).
UNSTORED_PARAMS = frozenset({"after", "before", "q", "next"})


def declared_param_names(urlconf=None):
    """Every query parameter name some cacheable view of the URLconf declares."""
    from django.urls import get_resolver

    names = set()

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
            else:
                names.update(declared_params(pattern.callback) or ())

    walk(get_resolver(urlconf).url_patterns)
    return names


def site_params(urlconf=None):
    """The query parameter names the site reads: what Varnish must not drop."""
    return declared_param_names(urlconf) | UNSTORED_PARAMS
