from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin
from reversion.admin import VersionAdmin

from conditions.models import Condition


@admin.register(Condition)
class ConditionAdmin(VersionAdmin, MarkdownxModelAdmin):
    list_display = ["name", "slug", "modified"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
