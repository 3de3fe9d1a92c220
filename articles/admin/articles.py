"""The article admin: lists, permissions by role, and writes through the services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from markdownx.admin import MarkdownxModelAdmin
from reversion.admin import VersionAdmin

from articles import services
from articles.admin.autosave import ArticleAutosaveViews
from articles.admin.checks import ArticleChecksViews, ChecksFilter
from articles.admin.filters import ContentNoteFilter, CreatedByFilter, ReviewDueFilter, VisibleFilter
from articles.admin.forms import ArticleAdminForm, conflict_message
from articles.admin.history import ArticleHistoryViews
from articles.admin.inlines import (
    ArticleConditionInline,
    ArticleQuoteInline,
    ArticleTagInline,
    CitationInline,
    RelatedArticleInline,
)
from articles.models import EDITORIAL_FIELDS, Article, ArticleCondition
from articles.roles import articles_visible_to

CHANGE_FIELDSET = "What kind of change is this?"


@admin.register(Article)
class ArticleAdmin(ArticleAutosaveViews, ArticleChecksViews, ArticleHistoryViews, VersionAdmin, MarkdownxModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title", "status", "visible_to_readers", "published_at", "author", "condition_names", "review_due",
        "open_findings",
    ]  # fmt: skip
    list_filter = [
        "status", VisibleFilter, ("conditions", admin.RelatedOnlyFieldListFilter), "author",
        ("tags", admin.RelatedOnlyFieldListFilter), ContentNoteFilter, ReviewDueFilter, ChecksFilter, CreatedByFilter,
    ]  # fmt: skip
    list_select_related = ["author"]
    search_fields = ["title", "summary"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author", "reviewed_by", "cover"]
    inlines = [ArticleConditionInline, CitationInline, ArticleQuoteInline, ArticleTagInline, RelatedArticleInline]
    actions = ["publish_now", "unpublish", "send_to_review"]
    history_latest_first = True
    fieldsets = [
        # The writing first; what the article is published as, and its parts (the inlines), below.
        ("Writing", {"fields": ["title", "summary", "body", "cover", "expected_version"]}),
        (
            "Publishing",
            {"fields": ["slug", "status", "published_at", "updated_at", "author", "content_notes", "disclosure"]},
        ),
        ("Clinical review", {"fields": ["reviewed_by", "reviewed_at", "review_due"]}),
        # Asked on every save of a published article by whoever may log one (services.kinds_for).
        (CHANGE_FIELDSET, {"fields": ["change_kind", "change_note"]}),
        ("Corrections log", {"fields": ["corrections_log"]}),
        ("Sharing", {"fields": ["share_preview"]}),
    ]
    # What an editor of the article's content may change; the review fields are the reviewer's.
    EDITABLE = [name for name in EDITORIAL_FIELDS if name not in services.REVIEW_FIELDS]
    REVIEW = [name for name in EDITORIAL_FIELDS if name in services.REVIEW_FIELDS]

    class Media:
        css = {"all": ["css/editorial-admin.css", "css/autosave.css"]}
        # Static files: the CSP allows no inline script.
        js = [
            "js/editorial-checks.js",  # the Checks panel's live update
            "js/article-writing.js",  # word count and reading time, the preview region, Tab out of the editor
            "js/autosave.js",  # autosave and the restore offer (articles/admin/autosave.py)
        ]

    def get_queryset(self, request):
        # Every admin view of articles starts here (the list, the forms, the
        # history, actions, autocomplete): the role rule decides what exists.
        return (
            articles_visible_to(request.user, super().get_queryset(request))
            .annotate(visible=Exists(Article.objects.published().filter(pk=OuterRef("pk"))))
            .prefetch_related(Prefetch("condition_links", ArticleCondition.objects.select_related("condition")))
        )

    def get_object(self, request, object_id, from_field=None):
        """Return the article, or raise Http404 for one that does not exist or this person may not see.

        Django would redirect to the admin index with "doesn't exist"; a
        forged address of a hidden draft gets a plain 404 like any other.
        """
        article = super().get_object(request, object_id, from_field)
        if article is None:
            raise Http404("No such article.")
        return article

    # Permissions: the role rules live in services; the admin asks them.

    def has_change_permission(self, request, obj=None):
        user = request.user
        if services.can_review(user) and user.has_perm("articles.view_article"):
            return True  # a reviewer's form offers only the review fields
        return services.can_edit_content(user, obj)

    def has_publish_permission(self, request):
        return services.can_publish(request.user)

    def has_edit_permission(self, request):
        return services.can_edit_content(request.user)

    def get_readonly_fields(self, request, obj=None):
        user = request.user
        # The "updated" date follows the log; the log itself is append-only.
        readonly = ["review_due", "share_preview", "updated_at", "corrections_log"]
        if obj is not None and not services.can_edit_content(user, obj):
            readonly += self.EDITABLE
        if not services.can_publish(user) and "published_at" not in readonly:
            readonly.append("published_at")
        if not services.can_review(user):
            readonly += self.REVIEW
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self._may_share(request, obj):
            fieldsets = [(name, options) for name, options in fieldsets if name != "Sharing"]
        if obj is None or services.kinds_for(request.user, obj) == [services.MINOR]:
            fieldsets = [(name, options) for name, options in fieldsets if name != CHANGE_FIELDSET]
        if obj is None:
            fieldsets = [(name, options) for name, options in fieldsets if name != "Corrections log"]
        return fieldsets

    @staticmethod
    def _may_share(request, article):
        return services.can_edit_content(request.user, article) or services.can_publish(request.user)

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and not services.can_edit_content(request.user, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    # Columns

    @admin.display(boolean=True, description="visible to readers", ordering="visible")
    def visible_to_readers(self, obj):
        return obj.visible

    @admin.display(description="conditions")
    def condition_names(self, obj):
        return ", ".join(link.condition.name for link in obj.condition_links.all())

    @admin.display(description="review due", ordering="reviewed_at")
    def review_due(self, obj):
        if obj.pk is None:
            return "—"
        if obj.reviewed_at is None:
            return "Never reviewed"
        due = obj.review_due
        return f"{due:%Y-%m-%d} (overdue)" if obj.is_review_overdue() else f"{due:%Y-%m-%d}"

    @admin.display(description="logged changes")
    def corrections_log(self, obj):
        if obj.pk is None:
            return "—"
        logged = obj.corrections.select_related("by").order_by("-at", "-id")
        if not logged:
            return "Nothing logged yet. The log is append-only: a logged change is never edited or removed."
        return format_html(
            "<ul class='corrections-log'>{}</ul>",
            format_html_join(
                "",
                "<li>{} {}: {} <span class='help'>({})</span></li>",
                (
                    (
                        correction.verb,
                        timezone.localtime(correction.at).strftime("%Y-%m-%d %H:%M"),
                        correction.note,
                        correction.by.get_username() if correction.by else "imported",
                    )
                    for correction in logged
                ),
            ),
        )

    @admin.display(description="share preview")
    def share_preview(self, obj):
        url = reverse("admin:articles_article_share", args=[obj.pk])
        return format_html("<a href='{}'>Share a preview link with a reviewer without an account</a>", url)

    # Writes go through the services.

    def save_model(self, request, obj, form, change):
        services.article_save(
            article=obj,
            by=request.user,
            expected_version=form.cleaned_data.get("expected_version") if change else None,
            parts_follow=True,  # save_related() saves them, then article_render() runs the publish gate
            change_kind=form.cleaned_data.get("change_kind") or services.MINOR,
            change_note=form.cleaned_data.get("change_note") or "",
        )

    def save_formset(self, request, form, formset, change):
        ordered = any(f.name == "position" for f in formset.model._meta.fields)
        if ordered:
            # A row added without a position goes after the others, not first.
            for i, part_form in enumerate(formset.extra_forms):
                if part_form.has_changed() and "position" not in part_form.changed_data:
                    part_form.instance.position = 1_000_000 + i
        super().save_formset(request, form, formset, change)
        if ordered:
            # Keep the editor's order compact: 0, 1, 2… following the numbers given.
            parts = formset.model.objects.filter(article=form.instance).order_by("position", "id")
            for position, part in enumerate(parts):
                if part.position != position:
                    formset.model.objects.filter(pk=part.pk).update(position=position)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The rendered body depends on the citations saved just now.
        services.article_render(article=form.instance)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ArticleConflict:
            # Someone saved between this form's check and its write; nothing was
            # written, and their save has committed. Handle the request again:
            # the form's own check now finds the conflict and shows it with the
            # editor's text still in the form, as the message promises.
            pass
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ArticleConflict as conflict:
            # Lost the race again, to a third save: refuse with a message.
            messages.error(request, conflict_message(conflict))
            return HttpResponseRedirect(request.path)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # What cascades is the article's own parts (citations, links, old
        # addresses); permission to delete the article is what counts.
        if self.has_delete_permission(request):
            perms_needed = set()
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.article_delete(article=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(article=article, by=request.user)

    def changelist_view(self, request, extra_context=None):
        # Not inside reversion's revision: every action records its own
        # through the services (and a deletion must record its own first).
        context = {"has_change_permission": self.has_change_permission(request)}
        context.update(extra_context or {})
        return MarkdownxModelAdmin.changelist_view(self, request, context)

    # Actions

    def _apply(self, request, queryset, service, done):
        ok, refused = 0, []
        for article in queryset:
            try:
                service(article=article, by=request.user, expected_version=article.version)
                ok += 1
            except (PermissionDenied, services.ArticleConflict) as exc:
                refused.append(f"“{article}”: {exc}")
        if ok:
            self.message_user(request, f"{ok} article(s) {done}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, f"Not changed: {line}", messages.ERROR)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        self._apply(request, queryset, services.article_publish, "published")

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._apply(request, queryset, services.article_unpublish, "unpublished")

    @admin.action(description="Send to review", permissions=["edit"])
    def send_to_review(self, request, queryset):
        self._apply(request, queryset, services.article_send_to_review, "sent to review")
