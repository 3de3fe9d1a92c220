"""Inlines: the parts of an article, editable by whoever may edit its content."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from articles import services
from articles.models import ArticleCondition, ArticleQuote, ArticleTag, Citation, RelatedArticle
from articles.roles import articles_visible_to
from core.forms import UnixNewlinesForm
from core.rendering import citation_keys_in

MARKDOWN_WIDGET = {MarkdownxField: {"widget": AdminMarkdownxWidget}}


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
