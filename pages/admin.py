from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin
from reversion.admin import VersionAdmin

from core.forms import UnixNewlinesForm
from pages.models import Page


@admin.register(Page)
class PageAdmin(VersionAdmin, MarkdownxModelAdmin):
    """Editors write the site's pages; every save is a revision that History can show and restore."""

    list_display = ["title", "slug", "in_footer", "footer_order", "modified"]
    list_editable = ["in_footer", "footer_order"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    form = UnixNewlinesForm
    fields = ["title", "slug", "body", "in_footer", "footer_order"]
