from django.apps import AppConfig


class ReaderConfig(AppConfig):
    """The public site: pages, feeds, sitemaps, previews and the archive's anchors.

    It owns no content, only data derived from it for one content generation
    (the archive anchors), which it rebuilds when the page cache starts a
    new generation.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "reader"
    verbose_name = "Reader site"

    def ready(self):
        from pagecache import cache as pagecache
        from reader import archive_anchors

        pagecache.generation_started.connect(archive_anchors.generation_started, dispatch_uid="archive-anchors")
