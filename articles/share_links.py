"""Share-preview links: let a reviewer without an account read one unpublished article.

A link is the article's id and its current `preview_token`, signed with the
site's secret and a timestamp. It is good for a week; rotating the token (from
the admin) revokes every link made before at once. The page is the reader's
article page, marked as a preview, never cached and never indexed.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from articles.models import Article
from articles.views import ArticleDetailView

SALT = "articles.share-preview"


def max_age():
    return dt.timedelta(seconds=settings.INTIMACYHUB_SHARE_PREVIEW_MAX_AGE)


def share_preview_url(article):
    """Return the path of a new share-preview link for `article` (which must have a token)."""
    if not article.preview_token:
        raise ValueError("Make a preview token first (services.article_rotate_preview_token).")
    token = signing.dumps({"a": article.pk, "t": article.preview_token}, salt=SALT, compress=True)
    return reverse("articles:share_preview", kwargs={"token": token})


def article_id_for(token):
    """Return the article id a link is for; raise Http404 if forged, expired or revoked."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age())
        article_id, preview_token = int(payload["a"]), str(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise Http404("This preview link is not valid or has expired.") from exc
    if not preview_token or not Article.objects.filter(pk=article_id, preview_token=preview_token).exists():
        raise Http404("This preview link was revoked.")
    return article_id


class SharePreviewView(ArticleDetailView):
    """The reader's article page for the one article the link names, whatever its status."""

    page_cache_params = None  # a private page: never looked up in, nor stored in, the page cache

    def readable_articles(self):
        # Only the linked article, whatever its status; the page's lists of
        # other articles still come from published_articles().
        return Article.objects.filter(pk=self.article_id)

    def get_queryset(self):
        # The link, not the visitor's role, is what grants access here.
        return self.readable_articles().select_related("author")

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

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # Whatever the article's status, the link's page is private.
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
