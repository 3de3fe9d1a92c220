from django.apps import AppConfig


class PagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pages"
    verbose_name = "Editorial pages"

    def ready(self):
        from pages import receivers

        receivers.connect()
