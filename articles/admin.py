import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from markdownx.admin import MarkdownxModelAdmin
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles import previews, services
from articles.models import (
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleSlugRedirect,
    ArticleTag,
    Author,
    Citation,
    Quote,
    RelatedArticle,
    Tag,
    review_interval,
)
from articles.roles import articles_visible_to
from intimacyhub.forms import UnixNewlinesForm
from intimacyhub.rendering import citation_keys_in

MARKDOWN_WIDGET = {MarkdownxField: {"widget": AdminMarkdownxWidget}}


# ---------------------------------------------------------------------------
# Inlines: the parts of an article, editable by whoever may edit its content.


class ArticlePartInline:
    """Let the article's role rules, not per-model permissions, decide who edits its parts."""

    extra = 0
    form = UnixNewlinesForm

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")

    def has_add_permission(self, request, obj=None):
        return services.can_edit_content(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return services.can_edit_content(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return services.can_edit_content(request.user, obj)


class ArticleConditionInline(ArticlePartInline, admin.StackedInline):
    model = ArticleCondition
    autocomplete_fields = ["condition"]
    fields = ["position", "condition", "note"]
    formfield_overrides = MARKDOWN_WIDGET
    verbose_name = "condition note"


class CitationFormSet(forms.BaseInlineFormSet):
    """Check that the body's `[^key]` references and the citations match each other."""

    check_references = True

    def clean(self):
        super().clean()
        if not self.check_references or any(self.errors):
            return
        keys = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            key = form.cleaned_data.get("key")
            if key:
                keys.append(key)
        referenced = citation_keys_in(self.instance.body)
        problems = []
        for key in referenced:
            if key not in keys:
                problems.append(
                    f"The body cites [^{key}] but no citation has the key “{key}”: "
                    "add a citation with that key, or correct the reference."
                )
        for key in keys:
            if key not in referenced:
                problems.append(
                    f"The citation “{key}” is never referenced: put [^{key}] where the body relies on it, "
                    "or remove the citation."
                )
        if problems:
            raise ValidationError(problems)


class CitationInline(ArticlePartInline, admin.StackedInline):
    model = Citation
    formset = CitationFormSet
    fields = ["position", "key", "source", "title", "url", "published", "excerpt"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Someone who may not edit the body (a clinical reviewer) cannot fix a mismatch.
        formset.check_references = services.can_edit_content(request.user, obj)
        return formset


class ArticleQuoteInline(ArticlePartInline, admin.TabularInline):
    model = ArticleQuote
    autocomplete_fields = ["quote"]
    fields = ["position", "quote"]
    verbose_name = "featured quote"


class ArticleTagInline(ArticlePartInline, admin.TabularInline):
    model = ArticleTag
    autocomplete_fields = ["tag"]
    fields = ["position", "tag"]


class RelatedArticleInline(ArticlePartInline, admin.TabularInline):
    model = RelatedArticle
    fk_name = "article"
    autocomplete_fields = ["related"]
    fields = ["position", "related"]
    verbose_name = "pinned related article"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "related":
            # A forged id of an article this person may not see is an invalid choice, not a pin.
            kwargs["queryset"] = articles_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# ---------------------------------------------------------------------------
# The article form: optimistic locking and validation with clear messages.


def conflict_message(conflict):
    """Return the HTML explaining a refused save: who saved, and what they changed."""
    current = conflict.current
    who = conflict.saved_by.get_username() if conflict.saved_by else "Someone else"
    when = timezone.localtime(current.modified).strftime("%Y-%m-%d %H:%M")
    if conflict.changes:
        items = format_html_join(
            "",
            "<li><strong>{}</strong>: {}</li>",
            (
                (
                    change.label,
                    format_html("<pre class='conflict-diff'>{}</pre>", "\n".join(change.diff))
                    if change.diff
                    else format_html("“{}” → “{}”", change.before, change.after),
                )
                for change in conflict.changes
            ),
        )
        changed = format_html("They changed:<ul>{}</ul>", items)
    else:
        changed = format_html(
            "Their version is on <a href='{}' target='_blank' rel='noopener'>the site preview</a>.",
            current.get_absolute_url(),
        )
    return format_html(
        "Not saved: {} saved this article at {} while you were editing (version {} is now {}). {} "
        "Your edits are still in the form below. Bring their changes into yours, or save again to "
        "replace their version with yours.",
        who,
        when,
        conflict.expected_version,
        current.version,
        changed,
    )


class ArticleAdminForm(UnixNewlinesForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    user = None  # set per request by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = [
            "title", "slug", "summary", "body", "status", "published_at", "updated_at", "author",
            "reviewed_by", "reviewed_at", "content_notes",
        ]  # fmt: skip
        error_messages = {
            "slug": {"unique": "Another article already uses this slug. Choose a different one."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Without it a save could not be checked against someone else's.
            self.fields["expected_version"].initial = self.instance.version
            self.fields["expected_version"].required = True
        if "status" in self.fields and self.user is not None and not services.can_publish(self.user):
            # A Writer's choices; a forged "published" fails validation as an invalid choice.
            self.fields["status"].choices = [
                (value, label) for value, label in Article.Status.choices if value != Article.Status.PUBLISHED
            ]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        try:
            services.check_slug_available(slug=slug, article=self.instance if self.instance.pk else None)
        except ValidationError as exc:
            if exc.code != "slug_taken":  # the unique check says that one
                raise
        return slug

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        published_at = cleaned.get("published_at", self.instance.published_at)
        if status == Article.Status.PUBLISHED and not published_at and "published_at" not in self.errors:
            self.add_error(
                "published_at" if "published_at" in self.fields else None,
                "A published article needs a publication date: set one (a future date schedules it), "
                "or save as draft and use the “Publish now” action.",
            )
        if self.instance.pk:
            expected = cleaned.get("expected_version")
            current = Article.objects.filter(pk=self.instance.pk).first()
            if current is not None and expected is not None and current.version != expected:
                conflict = services.ArticleConflict(current=current, expected_version=expected)
                # The form now carries the current version: a second, deliberate save wins.
                self.data = self.data.copy()
                self.data[self.add_prefix("expected_version")] = current.version
                raise ValidationError(conflict_message(conflict), code="conflict")
        return cleaned


# ---------------------------------------------------------------------------
# List filters


class ReviewDueFilter(admin.SimpleListFilter):
    title = "clinical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("never", "Never reviewed"),
            ("overdue", "Review overdue"),
            ("soon", "Due within 30 days"),
            ("current", "Reviewed and current"),
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


class VisibleFilter(admin.SimpleListFilter):
    title = "visible to readers"
    parameter_name = "visible"

    def lookups(self, request, model_admin):
        return [("yes", "Visible now"), ("scheduled", "Scheduled"), ("no", "Not visible")]

    def queryset(self, request, queryset):
        visible = Article.objects.published().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=visible)
        if self.value() == "scheduled":
            return queryset.published_or_scheduled().exclude(pk__in=visible)
        if self.value() == "no":
            return queryset.exclude(pk__in=visible)
        return queryset


# ---------------------------------------------------------------------------
# The article admin


@admin.register(Article)
class ArticleAdmin(VersionAdmin, MarkdownxModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title", "status", "visible_to_readers", "published_at", "author", "condition_names", "review_due",
    ]  # fmt: skip
    list_filter = [
        "status", VisibleFilter, ("conditions", admin.RelatedOnlyFieldListFilter), "author",
        ("tags", admin.RelatedOnlyFieldListFilter), ContentNoteFilter, ReviewDueFilter,
    ]  # fmt: skip
    list_select_related = ["author"]
    search_fields = ["title", "summary"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    inlines = [ArticleConditionInline, CitationInline, ArticleQuoteInline, ArticleTagInline, RelatedArticleInline]
    actions = ["publish_now", "unpublish", "send_to_review"]
    history_latest_first = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "expected_version"]}),
        ("Publishing", {"fields": ["status", "published_at", "updated_at", "author", "content_notes"]}),
        ("Clinical review", {"fields": ["reviewed_by", "reviewed_at", "review_due"]}),
        ("Sharing", {"fields": ["share_preview"]}),
    ]
    EDITABLE = ["title", "slug", "summary", "body", "status", "published_at", "updated_at", "author", "content_notes"]

    class Media:
        css = {"all": ["css/editorial-admin.css"]}

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

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))  # reversion's view lists any id's revisions
        return super().history_view(request, object_id, extra_context)

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
        readonly = ["review_due", "share_preview"]
        if obj is not None and not services.can_edit_content(user, obj):
            readonly += self.EDITABLE
        if not services.can_publish(user) and "published_at" not in readonly:
            readonly.append("published_at")
        if not services.can_review(user):
            readonly += ["reviewed_by", "reviewed_at"]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self._may_share(request, obj):
            fieldsets = [(name, options) for name, options in fieldsets if name != "Sharing"]
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

    # Extra views: share preview, restore a revision, recover a deleted article.

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/share/",
                self.admin_site.admin_view(self.share_view),
                name="articles_article_share",
            ),
        ]
        return urls + super().get_urls()

    def share_view(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if not self._may_share(request, article):
            raise PermissionDenied
        if request.method == "POST":
            services.article_rotate_preview_token(article=article, by=request.user)
            self.message_user(request, "New share link made; every earlier link for this article stops working.")
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"Share a preview of “{article}”",
            "share_url": (
                request.build_absolute_uri(previews.share_preview_url(article)) if article.preview_token else None
            ),
            "max_age_days": previews.max_age().days,
        }
        return TemplateResponse(request, "admin/articles/article/share.html", context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        version = get_object_or_404(
            Version.objects.get_for_object(article).select_related("revision__user"), pk=version_id
        )
        if request.method == "POST":
            if not self.has_change_permission(request, article):
                raise PermissionDenied
            try:
                _restored, skipped = services.article_restore(
                    article=article,
                    version=version,
                    by=request.user,
                    expected_version=int(request.POST.get("expected_version", "0")),
                )
            except services.ArticleConflict as conflict:
                messages.error(request, conflict_message(conflict))
                return HttpResponseRedirect(request.path)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
                return HttpResponseRedirect(request.path)
            note = f" {skipped} link(s) pointed at things deleted since and were left out." if skipped else ""
            self.message_user(request, f"Restored the revision; it is now the current version.{note}")
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "version": version,
            "title": f"Revision of “{article}”",
            "made": services.revision_changes(version=version),
            "changes": services.changes_from_now(article=article, version=version),
            "can_restore": self.has_change_permission(request, article)
            and services.can_edit_content(request.user, article),
        }
        return TemplateResponse(request, "admin/articles/article/revision.html", context)

    def recoverlist_view(self, request, extra_context=None):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_deleted(Article), pk=version_id)
        if request.method == "POST":
            try:
                article, skipped = services.article_recover(version=version, by=request.user)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
                return HttpResponseRedirect(request.path)
            note = f" {skipped} link(s) pointed at things deleted since and were left out." if skipped else ""
            self.message_user(request, f"Recovered “{article}”.{note}")
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "version": version,
            "snapshot": version._object_version.object,
            "title": f"Recover “{version.object_repr}”",
        }
        return TemplateResponse(request, "admin/articles/article/recover.html", context)


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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            kwargs["queryset"] = articles_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


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
