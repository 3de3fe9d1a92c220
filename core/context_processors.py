from django.conf import settings
from django.templatetags.static import static

# The link-preview card of a page without an image of its own (static/img/LICENSE.md).
DEFAULT_SOCIAL_IMAGE = "img/social-default.png"
DEFAULT_SOCIAL_IMAGE_ALT = "IntimacyHub: calm, sourced writing on intimacy and mental health"


def site(request):
    """Expose the site name and the crisis resources every page shows.

    With Jinja2, Django applies context processors after the view's context,
    so nothing here may share a name with what a view sets.
    """
    return {
        "site_name": settings.INTIMACYHUB_SITE_NAME,
        "crisis_resources": settings.INTIMACYHUB_CRISIS_RESOURCES,
        # Views set `social_image` for a page with its own (an article's cover).
        "default_social_image": {
            "url": request.build_absolute_uri(static(DEFAULT_SOCIAL_IMAGE)),
            "width": 1200,  # images/artwork.py draws it this size
            "height": 630,
            "alt": DEFAULT_SOCIAL_IMAGE_ALT,
        },
    }
