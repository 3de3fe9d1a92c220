"""List filters for the article and person lists."""

import datetime as dt

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from articles.dashboard import SCHEDULED_DAYS
from articles.models import Article, Person, review_interval


class ReviewDueFilter(admin.SimpleListFilter):
    title = "clinical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("never", "Never reviewed"),
            ("overdue", "Review overdue"),
            ("soon", "Due within 30 days"),
            ("current", "Reviewed and current"),
            ("due", "Never reviewed or overdue"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        cutoff = today - review_interval()
        if self.value() == "never":
            return queryset.filter(reviewed_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(reviewed_at__lte=cutoff)
        if self.value() == "soon":
            return queryset.filter(reviewed_at__gt=cutoff, reviewed_at__lte=cutoff + dt.timedelta(days=30))
        if self.value() == "current":
            return queryset.filter(reviewed_at__gt=cutoff)
        if self.value() == "due":
            return queryset.filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__lte=cutoff))
        return queryset


class ContentNoteFilter(admin.SimpleListFilter):
    title = "content note"
    parameter_name = "content_note"

    def lookups(self, request, model_admin):
        notes = set()
        for values in model_admin.get_queryset(request).values_list("content_notes", flat=True):
            notes.update(values or [])
        return [(note, note) for note in sorted(notes)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # JSON containment is not available on SQLite; the notes lists are short.
        ids = [pk for pk, notes in queryset.values_list("pk", "content_notes") if self.value() in (notes or [])]
        return queryset.filter(pk__in=ids)


class CreatedByFilter(admin.SimpleListFilter):
    """The articles the signed-in person created (a Writer's own, the desk's "My drafts")."""

    title = "created by"
    parameter_name = "created_by"

    def lookups(self, request, model_admin):
        return [("me", "Me")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(created_by=request.user.pk)
        return queryset


class VisibleFilter(admin.SimpleListFilter):
    title = "visible to readers"
    parameter_name = "visible"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Visible now"),
            ("scheduled", "Scheduled"),
            ("week", f"Scheduled in the next {SCHEDULED_DAYS} days"),
            ("no", "Not visible"),
        ]

    def queryset(self, request, queryset):
        visible = Article.objects.published().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=visible)
        if self.value() == "scheduled":
            return queryset.published_or_scheduled().exclude(pk__in=visible)
        if self.value() == "week":
            week_end = timezone.now() + dt.timedelta(days=SCHEDULED_DAYS)
            return queryset.scheduled().filter(published_at__lte=week_end)
        if self.value() == "no":
            return queryset.exclude(pk__in=visible)
        return queryset


class LicenceVerificationFilter(admin.SimpleListFilter):
    """Reviewers whose licence an editor has never checked, or not within INTIMACYHUB_LICENCE_VERIFY_MONTHS."""

    title = "licence verification"
    parameter_name = "licence"

    def lookups(self, request, model_admin):
        return [("never", "Never verified"), ("stale", "Verified too long ago"), ("due", "Never or too long ago")]

    def queryset(self, request, queryset):
        due = Person.objects.licence_unverified().values("pk")
        if self.value() == "never":
            return queryset.filter(pk__in=due, licence_verified_at__isnull=True)
        if self.value() == "stale":
            return queryset.filter(pk__in=due, licence_verified_at__isnull=False)
        if self.value() == "due":
            return queryset.filter(pk__in=due)
        return queryset
