from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        # The page cache knows no content model: articles tell it when content
        # changes, by a write or by itself (a scheduled article's time).
        from articles import image_uses, receivers
        from articles.models import Article
        from pagecache import cache as pagecache

        receivers.connect()
        image_uses.connect()
        pagecache.register_next_change(Article.objects.next_publication_at)
        # A page stops claiming a clinical review the moment it lapses.
        pagecache.register_next_change(Article.objects.next_review_lapse_at)
