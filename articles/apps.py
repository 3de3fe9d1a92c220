from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        # The page cache knows no content model: articles tell it when content
        # changes by itself and keep the data that lives for one generation.
        from articles import archive_anchors, receivers
        from articles.models import Article
        from pagecache import cache as pagecache

        receivers.connect()
        pagecache.register_next_change(Article.objects.next_publication_at)
        pagecache.generation_started.connect(archive_anchors.generation_started, dispatch_uid="archive-anchors")
