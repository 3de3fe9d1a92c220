from django.conf import settings


def site(request):
    """Expose the site name, the crisis resources every page shows, and the
    page's canonical URL (views override it where the query string matters)."""
    return {
        "site_name": settings.INTIMACYHUB_SITE_NAME,
        "crisis_resources": settings.INTIMACYHUB_CRISIS_RESOURCES,
        "canonical_url": request.build_absolute_uri(request.path),
    }
