"""Site-wide views: the health check and the error pages.

The error pages are rendered without the request's context processors: when
the database is down, even asking who the user is would fail again.
"""

import sys

from django.conf import settings
from django.db import Error, connection, connections
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import get_template
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from core import icons
from core.outages import is_database_unavailable

RETRY_AFTER_SECONDS = 30


def _static_page(template_name, status):
    html = get_template(template_name).render(
        {"site_name": settings.INTIMACYHUB_SITE_NAME, "crisis_resources": settings.INTIMACYHUB_CRISIS_RESOURCES}
    )
    return HttpResponse(html, status=status)


def _drop_broken_connections():
    # The next request then reconnects: the site recovers by itself when the
    # database comes back, without waiting for the end-of-request cleanup.
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.in_atomic_block and not conn.is_usable():
            conn.close()


def database_unavailable():
    """Answer 503 with a calm static page and a Retry-After hint."""
    _drop_broken_connections()
    response = _static_page("503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: a database outage is a 503, anything else (a bug, bad SQL included) a friendly 500.

    Django has already logged the exception with its traceback (django.request).
    """
    exception = sys.exc_info()[1]
    if is_database_unavailable(exception):
        return database_unavailable()
    try:
        return _static_page("500.html", status=500)
    except Exception:  # the error page itself must never fail
        return HttpResponseServerError("Something went wrong on our side. Please try again shortly.")


@never_cache
def healthz(request):
    """Return 200 when the database answers, 503 when it is unavailable."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error as exc:
        if not is_database_unavailable(exc):
            raise  # a bug, not an outage: a 500, logged
        _drop_broken_connections()
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
@cache_control(max_age=24 * 60 * 60, public=True)
def web_manifest(request):
    """The web app manifest: the site's name, colours and icons (their hashed static addresses).

    A view rather than a static file so the name follows INTIMACYHUB_SITE_NAME;
    it reads settings only, never the database.
    """
    name = settings.INTIMACYHUB_SITE_NAME
    manifest = {
        "name": name,
        "short_name": name,
        "start_url": "/",
        "scope": "/",
        # A reading site: the browser's own address bar and back button stay.
        "display": "browser",
        "theme_color": icons.THEME_COLOUR,
        "background_color": icons.BACKGROUND_COLOUR,
        "icons": [
            *(
                {
                    "src": static(f"{icons.ICONS}/{icons.manifest_png(size)}"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                }
                for size in icons.MANIFEST_SIZES
            ),
            {"src": static(f"{icons.ICONS}/{icons.SVG}"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json", json_dumps_params={"indent": 2})
