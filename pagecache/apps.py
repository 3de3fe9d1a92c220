from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    """The full-page cache and the content generation it is keyed by.

    It knows no content model: apps register when content next changes by
    itself and subscribe to `generation_started` (articles/apps.py).
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "pagecache"
    verbose_name = "Page cache"
