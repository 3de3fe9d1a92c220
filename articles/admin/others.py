"""The small admins: people, tags, quotes, and the read-only lists (old addresses, citations, corrections)."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery

from articles.admin.filters import LicenceVerificationFilter
from articles.admin.forms import PersonAdminForm
from articles.models import Article, ArticleSlugRedirect, Citation, Correction, Person, Quote, Tag
from articles.roles import articles_visible_to


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list to look things up in: rows are made and changed elsewhere, under their article's rules."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArticleSlugRedirect)
class ArticleSlugRedirectAdmin(ReadOnlyAdmin):
    """Old addresses, to look up. They are made by renames and imports and reserved forever:
    editing one here could hand it to another article, deleting one would break readers' links."""

    list_display = ["old_slug", "leads_to", "created"]
    search_fields = ["old_slug"]

    def get_queryset(self, request):
        # Only the addresses of articles this person may see (articles.roles); the
        # title by a subquery, not a join: a deleted article's addresses stay listed.
        title = Article.objects.filter(pk=OuterRef("article_id")).values("title")
        queryset = articles_visible_to(request.user, super().get_queryset(request), through="article")
        return queryset.annotate(article_title=Subquery(title))

    @admin.display(description="article", ordering="article_title")
    def leads_to(self, obj):
        return obj.article_title if obj.article_title is not None else f"(deleted article #{obj.article_id})"


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """People who write and review. Only Editors add, change or delete them (articles.roles)."""

    form = PersonAdminForm
    list_display = ["name", "credentials", "job_title", "is_reviewer", "licence_verified_at"]
    list_filter = ["is_reviewer", LicenceVerificationFilter]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["photo"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "credentials", "job_title", "photo", "bio", "links"]}),
        (
            "Clinical review",
            {
                "fields": [
                    "is_reviewer",
                    "licence_type",
                    "licence_jurisdiction",
                    "licence_number",
                    "licence_verified_at",
                ],
                "description": "The licence number is for staff only: readers never see it.",
            },
        ),
    ]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "attribution", "source"]
    search_fields = ["text", "attribution"]


@admin.register(Citation)
class CitationAdmin(ReadOnlyAdmin):
    """Find sources across articles; citations are edited on their article, under its version."""

    list_display = ["__str__", "source", "article", "key"]
    search_fields = ["source", "title", "excerpt"]
    list_select_related = ["article"]

    def get_queryset(self, request):
        return articles_visible_to(request.user, super().get_queryset(request), through="article")


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    """The public log of corrections and updates, site-wide. Append-only for everyone: a logged change
    is made by saving its article (services.article_save) and is never edited or removed, here or by
    restoring an old revision; a mistake in a note is put right by logging another change."""

    list_display = ["at", "kind", "note", "article", "by"]
    list_filter = ["kind"]
    search_fields = ["note"]
    date_hierarchy = "at"
    list_select_related = ["article", "by"]

    def get_queryset(self, request):
        return articles_visible_to(request.user, super().get_queryset(request), through="article")
