"""RSS 2.0 and Atom feeds of the newest published articles, site-wide and per condition."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from articles.models import Article, ArticleTag
from conditions.models import Condition

FEED_ITEMS = 20


class LatestArticlesFeed(Feed):
    description = "New articles on intimacy and mental health, with sources."

    def title(self):
        return settings.INTIMACYHUB_SITE_NAME

    def link(self):
        return reverse("articles:list")

    def items(self):
        return self.articles()[:FEED_ITEMS]

    def articles(self):
        return (
            Article.objects.published()
            .select_related("author")
            .prefetch_related(Prefetch("tag_links", ArticleTag.objects.select_related("tag")))
            .defer("body", "body_html")
        )

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
        return [link.tag.name for link in item.tag_links.all()]


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
        return self.articles().filter(condition_links__condition=obj)[:FEED_ITEMS]
