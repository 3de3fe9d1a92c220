"""The admin index as a desk: what the signed-in person has to do today, a short list each.

Every list starts from `articles_visible_to()`, so a Writer sees only what
they may. The numbers come from one aggregate query over the articles and
one over the corrections; each list's few rows are one query more. That is
a fixed number of queries whatever the size of the site
(tests/articles/test_dashboard.py pins it).
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction, review_interval
from articles.roles import articles_visible_to

LIST_LENGTH = 5
SCHEDULED_DAYS = 7


@dataclass
class Panel:
    """One list on the desk: its heading, up to LIST_LENGTH rows, how many there are and where to see them all."""

    key: str
    title: str
    empty: str
    count: int = 0
    all_url: str = ""
    rows: list = field(default_factory=list)  # (title, change URL, note)


def _changelist(**filters):
    return reverse("admin:articles_article_changelist") + "?" + urlencode(filters)


def _article_rows(queryset, note):
    fields = ("pk", "title", "published_at", "modified", "reviewed_at", "check_blocking")
    return [
        (article.title, reverse("admin:articles_article_change", args=[article.pk]), note(article))
        for article in queryset.only(*fields)[:LIST_LENGTH]
    ]


def _date(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else f"{value}"


def desk_for(user):
    """Return the desk's panels for `user`, in the order an editor's day goes: write, review, publish, keep up."""
    articles = articles_visible_to(user, Article.objects.all())
    week_end = timezone.now() + dt.timedelta(days=SCHEDULED_DAYS)
    today = timezone.localdate()
    filters = {
        "drafts": Q(created_by=user.pk, status=Article.Status.DRAFT),
        "review": Q(status=Article.Status.REVIEW),
        "scheduled": Q(status=Article.Status.PUBLISHED, published_at__gt=Now(), published_at__lte=week_end),
        # Only articles readers see now or will: a draft not yet reviewed is not overdue.
        "overdue": Q(status=Article.Status.PUBLISHED)
        & (Q(reviewed_at__isnull=True) | Q(reviewed_at__lte=today - review_interval())),
        "blocking": Q(check_blocking__gt=0),
    }
    writes = user.has_perm("articles.add_article") or user.has_perm("articles.change_article")
    reviews = user.has_perm("articles.review_article")
    publishes = user.has_perm("articles.publish_article")
    shown = [
        key
        for key, show in (
            ("drafts", writes),
            ("review", reviews),
            ("scheduled", True),
            ("overdue", reviews or publishes),
            ("blocking", True),
        )
        if show
    ]
    counts = articles.aggregate(**{key: Count("pk", filter=filters[key]) for key in shown}) if shown else {}

    panels = []
    for key in shown:
        panel = _PANELS[key](articles.filter(filters[key]))
        panel.count = counts[key]
        panels.append(panel)
    if user.has_perm("articles.view_correction"):
        panels.append(_corrections(user))
    return panels


def _drafts(queryset):
    return Panel(
        key="drafts",
        title="My drafts",
        empty="No drafts of yours.",
        all_url=_changelist(status__exact=Article.Status.DRAFT, created_by="me"),
        rows=_article_rows(queryset.order_by("-modified", "-pk"), lambda a: f"edited {_date(a.modified)}"),
    )


def _review(queryset):
    return Panel(
        key="review",
        title="Waiting for my review",
        empty="Nothing is waiting for review.",
        all_url=_changelist(status__exact=Article.Status.REVIEW),
        # The longest waiting first.
        rows=_article_rows(queryset.order_by("modified", "pk"), lambda a: f"sent {_date(a.modified)}"),
    )


def _scheduled(queryset):
    return Panel(
        key="scheduled",
        title=f"Scheduled in the next {SCHEDULED_DAYS} days",
        empty="Nothing is scheduled this week.",
        all_url=_changelist(visible="week"),
        rows=_article_rows(queryset.order_by("published_at", "pk"), lambda a: f"out {_date(a.published_at)}"),
    )


def _overdue(queryset):
    return Panel(
        key="overdue",
        title="Clinical reviews overdue",
        empty="Every published article's clinical review is current.",
        all_url=_changelist(status__exact=Article.Status.PUBLISHED, review="due"),
        rows=_article_rows(
            queryset.order_by(F("reviewed_at").asc(nulls_first=True), "pk"),
            lambda a: f"last reviewed {a.reviewed_at}" if a.reviewed_at else "never reviewed",
        ),
    )


def _blocking(queryset):
    return Panel(
        key="blocking",
        title="Blocking check findings",
        empty="No article has a finding that blocks publication.",
        all_url=_changelist(checks="blocking"),
        rows=_article_rows(
            queryset.order_by("-modified", "-pk"),
            lambda a: f"{a.check_blocking} blocking" if a.check_blocking != 1 else "1 blocking",
        ),
    )


_PANELS = {"drafts": _drafts, "review": _review, "scheduled": _scheduled, "overdue": _overdue, "blocking": _blocking}


def _title_of(correction):
    return correction.article_title if correction.article_title is not None else "a deleted article"


def _corrections(user):
    logged = articles_visible_to(user, Correction.objects.all(), through="article")
    # The title by a subquery, not a join: a deleted article's log stays listed, without a link.
    title = Article.objects.filter(pk=OuterRef("article_id")).values("title")
    newest = logged.annotate(article_title=Subquery(title)).only("at", "kind", "note", "article_id")
    rows = [
        (
            f"{correction.get_kind_display()}: {_title_of(correction)}",
            reverse("admin:articles_article_change", args=[correction.article_id])
            if correction.article_title is not None
            else "",
            f"{_date(correction.at)}: {correction.note}",
        )
        for correction in newest.order_by("-at", "-id")[:LIST_LENGTH]
    ]
    return Panel(
        key="corrections",
        title="Recent corrections",
        empty="No correction or update has been logged.",
        count=logged.count(),
        all_url=reverse("admin:articles_correction_changelist"),
        rows=rows,
    )
