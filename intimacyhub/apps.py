from django.apps import AppConfig


class IntimacyHubConfig(AppConfig):
    """The site itself: middleware, error pages and the page cache's content generation.

    It imports no app: the apps subscribe to it (articles/apps.py, reader/apps.py).
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "intimacyhub"
    verbose_name = "IntimacyHub site"
