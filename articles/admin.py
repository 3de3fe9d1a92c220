from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from articles.models import (
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleTag,
    Author,
    Citation,
    Quote,
    RelatedArticle,
    Tag,
)


class ArticleConditionInline(admin.TabularInline):
    model = ArticleCondition
    extra = 0
    autocomplete_fields = ["condition"]
    fields = ["position", "condition", "note"]


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 0
    fields = ["position", "key", "source", "title", "url", "published", "excerpt"]


class ArticleQuoteInline(admin.TabularInline):
    model = ArticleQuote
    extra = 0
    autocomplete_fields = ["quote"]


class ArticleTagInline(admin.TabularInline):
    model = ArticleTag
    extra = 0
    autocomplete_fields = ["tag"]


class RelatedArticleInline(admin.TabularInline):
    model = RelatedArticle
    fk_name = "article"
    extra = 0
    autocomplete_fields = ["related"]
    verbose_name = "pinned related article"


@admin.register(Article)
class ArticleAdmin(MarkdownxModelAdmin):
    list_display = ["title", "status", "published_at", "author"]
    list_filter = ["status", "author"]
    search_fields = ["title", "summary"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    inlines = [ArticleConditionInline, CitationInline, ArticleQuoteInline, ArticleTagInline, RelatedArticleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The rendered body depends on the citations saved just now.
        article = form.instance
        article.render()
        Article.objects.filter(pk=article.pk).update(body_html=article.body_html)


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
class CitationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "article", "key"]
    search_fields = ["source", "title", "excerpt"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
