"""`url()`: Django's reverse(), remembered per process.

Pages link to dozens of articles, conditions and tags, and reverse() costs
tens of microseconds each time. The URL patterns do not change while a
process runs; the script prefix and URL configuration are part of the key
all the same, so a test's override_settings(ROOT_URLCONF=...) is respected.
"""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse


@functools.lru_cache(maxsize=16384)
def _reverse(prefix, urlconf, name, args):
    return reverse(name, urlconf=urlconf, args=args)


def url(name, *args):
    """`url("articles:detail", slug)` is `reverse("articles:detail", args=[slug])`."""
    return _reverse(get_script_prefix(), get_urlconf(), name, args)
