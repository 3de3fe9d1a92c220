from django.conf import settings


def site(request):
    """Expose the site name and the crisis resources every page shows."""
    return {
        "site_name": settings.INTIMACYHUB_SITE_NAME,
        "crisis_resources": settings.INTIMACYHUB_CRISIS_RESOURCES,
    }
