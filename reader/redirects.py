"""Old addresses of articles: a published article's previous slugs answer with a 301."""

from django.http import Http404, HttpResponsePermanentRedirect

from articles.models import ArticleSlugRedirect
from articles.roles import articles_visible_to


class SlugRedirectMixin:
    """On a 404 for a slug that an article used to have, redirect permanently to its address now."""

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            redirect = ArticleSlugRedirect.objects.filter(old_slug=kwargs.get("slug", "")).first()
            if redirect is None:
                raise
            # Readers are sent on only to what they may see; staff to the previews their role allows.
            articles = articles_visible_to(request.user)
            article = articles.filter(pk=redirect.article_id).only("slug").first()
            if article is None:
                raise
            return HttpResponsePermanentRedirect(article.get_absolute_url())
