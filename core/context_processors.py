from django.conf import settings


def site(request):
    """Expose the site name and the crisis resources every page shows.

    With Jinja2, Django applies context processors after the view's context,
    so nothing here may share a name with what a view sets.
    """
    return {
        "site_name": settings.INTIMACYHUB_SITE_NAME,
        "crisis_resources": settings.INTIMACYHUB_CRISIS_RESOURCES,
    }
