from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from conditions.models import Condition
from core.forms import UnixNewlinesForm


@admin.register(Condition)
class ConditionAdmin(MarkdownxModelAdmin):
    list_display = ["name", "slug", "modified"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    form = UnixNewlinesForm
