from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    """The full-page cache and the content generation it is keyed by.

    It knows no content model: apps register when content next changes by
    itself (articles/apps.py) and subscribe to `generation_started` (reader/apps.py).
    Varnish in front is told of every new generation (pagecache/varnish.py).
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from pagecache import cache, varnish

        cache.generation_started.connect(varnish.generation_started, dispatch_uid="varnish-ban")
