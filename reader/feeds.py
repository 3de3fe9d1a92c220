"""RSS 2.0 and Atom feeds of the newest published articles, site-wide and per condition."""

import io

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import http_date

from articles.models import Article, ArticleTag
from conditions.models import Condition
from reader.selectors import published_corrections

FEED_ITEMS = 20


class LatestArticlesFeed(Feed):
    description = "New articles on intimacy and mental health, with sources."
    page_cache_params = {}  # feeds read no query parameter (see core/cacheable.py)

    def __call__(self, request, *args, **kwargs):
        # Django's Feed, but the XML is written to a buffer and handed to the
        # response once: the feed generator's hundreds of small writes to
        # the response each cost an encode and a list append.
        try:
            obj = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404("Feed object does not exist.") from exc
        feedgen = self.get_feed(obj, request)
        buffer = io.StringIO()
        feedgen.write(buffer, "utf-8")
        response = HttpResponse(buffer.getvalue(), content_type=feedgen.content_type)
        response.headers["Last-Modified"] = http_date(feedgen.latest_post_date().timestamp())
        return response

    def title(self):
        return settings.INTIMACYHUB_SITE_NAME

    def link(self):
        return reverse("articles:list")

    def items(self):
        return self.with_tags(self.articles()[:FEED_ITEMS])

    def articles(self):
        return Article.objects.published().for_listing()

    def with_tags(self, articles):
        """The articles, each with `tag_names` in the article's order, from one more query."""
        articles = list(articles)
        names = {a.pk: [] for a in articles}
        for article_id, name in (
            ArticleTag.objects.filter(article_id__in=list(names))
            .order_by("position", "id")
            .values_list("article_id", "tag__name")
        ):
            names[article_id].append(name)
        for article in articles:
            article.tag_names = names[article.pk]
        return articles

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Feed readers treat descriptions as HTML; the summary is plain text.
        return escape(item.summary)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at or item.published_at

    def item_author_name(self, item):
        return item.author.name if item.author else None

    def item_categories(self, item):
        return item.tag_names


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class ConditionFeed(LatestArticlesFeed):
    """The newest published articles that discuss one condition."""

    def get_object(self, request, slug):
        return get_object_or_404(Condition, slug=slug)

    def title(self, obj):
        return f"{obj.name} · {settings.INTIMACYHUB_SITE_NAME}"

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return escape(f"New articles about {obj.name.lower()}.")

    def items(self, obj):
        return self.with_tags(self.articles().filter(condition_links__condition=obj)[:FEED_ITEMS])


class CorrectionsFeed(LatestArticlesFeed):
    """The newest logged corrections, clarifications and clinical updates of published articles."""

    description = "Corrections, clarifications and clinical updates to our articles, newest first."

    def title(self):
        return f"Corrections and updates · {settings.INTIMACYHUB_SITE_NAME}"

    def link(self):
        return reverse("articles:corrections")

    def items(self):
        return published_corrections()[:FEED_ITEMS]

    def item_title(self, item):
        return f"{item.verb}: {item.article.title}"

    def item_description(self, item):
        return escape(item.note)

    def item_link(self, item):
        return item.article.get_absolute_url() + "#corrections"

    def item_guid(self, item):
        return f"correction-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.at

    def item_updateddate(self, item):
        return item.at

    def item_author_name(self, item):
        return None

    def item_categories(self, item):
        return [item.get_kind_display()]
