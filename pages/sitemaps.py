from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from pages.models import Page


class PageSitemap(Sitemap):
    """The site's own pages: every one is public (there are no draft pages)."""

    def items(self):
        return Page.objects.only("slug", "modified")

    def lastmod(self, item):
        return item.modified

    def get_latest_lastmod(self):
        return Page.objects.aggregate(latest=Max("modified"))["latest"]
