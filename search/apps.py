from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"

    def ready(self):
        # articles imports nothing from search: it sends signals, and search keeps its index by them.
        from search import receivers

        receivers.connect()
