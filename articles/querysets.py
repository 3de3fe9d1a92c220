"""How articles are asked for: the visibility rules and what the page cache and the admin need to know.

`published()` is the one rule for what readers see; `published_or_scheduled()`
the one for what derived data covers. Imported by `articles.models`, which
sets it as Article's manager.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from images.models import SHOWN_FIELDS

LISTING_FIELDS = (
    "slug", "title", "summary", "published_at", "updated_at", "author__name", "author__slug",
    *(f"cover__{name}" for name in SHOWN_FIELDS),
)  # fmt: skip


class ArticleQuerySet(models.QuerySet):
    def published_or_scheduled(self):
        """Return published articles, scheduled ones included: the second visibility rule.

        Not what readers see now (that is published()), but what they will
        see with no write: derived data (the search index, related lists,
        archive anchors) is kept for these, so a scheduled article appears
        at its time with everything it needs already in place.
        """
        return self.filter(status=self.model.Status.PUBLISHED)

    def scheduled(self):
        """Return published articles whose time has not come: published() gains them at their date."""
        return self.published_or_scheduled().filter(published_at__gt=Now())

    def next_publication_at(self, using=None):
        """Return when the next scheduled article comes out, or None (the page cache asks, pagecache.py)."""
        queryset = self.using(using) if using else self
        return queryset.scheduled().order_by("published_at").values_list("published_at", flat=True).first()

    def published(self):
        """Return what readers may see: published, and dated now or earlier.

        This is the one visibility rule. A scheduled article (published with a
        future date) becomes visible at its time with no job to run, because
        the comparison happens in the database on every query.
        """
        return self.filter(status=self.model.Status.PUBLISHED, published_at__lte=Now())

    def for_listing(self):
        """Load what an article card shows (title, summary, dates, author, cover), not the bodies."""
        return self.select_related("author", "cover").only(*LISTING_FIELDS)

    def next_review_lapse_at(self, using=None):
        """Return when the next current clinical review lapses, or None (the page cache asks, like publications).

        Only reviews an article page claims count: a named reviewer, on an
        article readers see now or will at its time. A review lapses at the
        start of its due day in the site's time zone (Article.review_current()).
        """
        queryset = self.using(using) if using else self
        interval = review_interval()
        first = (
            queryset.published_or_scheduled()
            .filter(reviewed_by__isnull=False, reviewed_at__gt=timezone.localdate() - interval)
            .order_by("reviewed_at")
            .values_list("reviewed_at", flat=True)
            .first()
        )
        if first is None:
            return None
        return timezone.make_aware(dt.datetime.combine(first + interval, dt.time.min))

    def review_overdue(self, *, today=None):
        """Return articles never clinically reviewed, or whose review is due by `today`."""
        today = today or timezone.localdate()
        return self.filter(models.Q(reviewed_at__isnull=True) | models.Q(reviewed_at__lte=today - review_interval()))


def review_interval():
    """How long a clinical review stays current (settings.INTIMACYHUB_REVIEW_INTERVAL_DAYS)."""
    return dt.timedelta(days=settings.INTIMACYHUB_REVIEW_INTERVAL_DAYS)
