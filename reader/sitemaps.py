"""The sitemap: every page readers may see, and nothing else."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse

from articles.models import Article, Person, Tag
from conditions.models import Condition
from pages.sitemaps import PageSitemap


class StaticSitemap(Sitemap):
    def items(self):
        return ["articles:home", "articles:list", "conditions:list", "articles:quotes", "articles:corrections"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    # Rendering is the cost (about 0.13 ms a URL), so keep each file quick to serve.
    limit = 2_000

    def items(self):
        return Article.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, item):
        return item.updated_at or item.published_at

    def get_latest_lastmod(self):
        # Django's default loads every article to find the newest change, and
        # even a database MAX over "updated, else published" reads every row.
        # Each URL in the section carries its own lastmod; the index does not.
        return None


class ConditionSitemap(Sitemap):
    def items(self):
        return Condition.objects.only("slug", "modified")

    def lastmod(self, item):
        return item.modified

    def get_latest_lastmod(self):
        return Condition.objects.aggregate(latest=Max("modified"))["latest"]


class TagSitemap(Sitemap):
    def items(self):
        published = Article.objects.published().filter(tag_links__tag=OuterRef("pk"))
        return Tag.objects.filter(Exists(published)).only("slug")


class AuthorSitemap(Sitemap):
    def items(self):
        # Everyone with a page: something published that they wrote or reviewed.
        published = Article.objects.published()
        wrote = Exists(published.filter(author=OuterRef("pk")))
        reviewed = Exists(published.filter(reviewed_by=OuterRef("pk")))
        return Person.objects.filter(wrote | reviewed).only("slug")


sitemaps = {
    "pages": StaticSitemap,
    "articles": ArticleSitemap,
    "conditions": ConditionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "site": PageSitemap,
}
