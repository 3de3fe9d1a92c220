"""The page a share-preview link opens (links are made and read by articles/share_links.py).

It is the reader's article page for the one article the link names, marked as
a preview, never cached and never indexed.
"""

from django.http import Http404

from articles.models import Article
from articles.share_links import article_id_for
from reader.views import ArticleDetailView


class SharePreviewView(ArticleDetailView):
    """The reader's article page for the one article the link names, whatever its status."""

    page_cache_params = None  # a private page: never looked up in, nor stored in, the page cache

    def readable_articles(self):
        # Only the linked article, whatever its status; the page's lists of
        # other articles still come from published_articles().
        return Article.objects.filter(pk=self.article_id)

    def get_queryset(self):
        # The link, not the visitor's role, is what grants access here.
        return self.readable_articles().select_related("author", "reviewed_by", "cover")

    def get(self, request, *args, **kwargs):
        self.article_id = article_id_for(kwargs["token"])
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        article = queryset.filter(pk=self.article_id).first()
        if article is None:
            raise Http404("No such article.")
        return article

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The banner tells the truth: a link may outlive the article's publication.
        context["is_preview"] = not Article.objects.published().filter(pk=self.object.pk).exists()
        return context

    def is_private(self, context):
        # Whatever the article's status, the link's page is private.
        return True
