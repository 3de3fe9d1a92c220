from django.apps import AppConfig


class IntimacyHubConfig(AppConfig):
    """The site itself: middleware, error pages and the page cache's content generation."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "intimacyhub"
    verbose_name = "IntimacyHub site"

    def ready(self):
        from intimacyhub import receivers

        receivers.connect()
