"""The admin, as IntimacyHub's newsroom: its name, and the tables nobody edits by hand kept out of the way.

Django's admin stays the base (permissions, history, inlines); `AdminConfig`
makes `IntimacyHubAdminSite` the default site, so every `@admin.register`
(ours, axes') lands on it and `admin.site.urls` serves it. Models are named
by label: this module imports no app.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.template.response import TemplateResponse
from django.urls import path

# Lists to look things up in, never to write in: sign-in records, old addresses
# (made by renames), citations (edited on their article). Out of the index and
# the sidebar, under "Maintenance"; their addresses and permissions are unchanged.
MAINTENANCE_MODELS = frozenset(
    {
        "axes.AccessAttempt",
        "axes.AccessLog",
        "axes.AccessFailureLog",
        "articles.ArticleSlugRedirect",
        "articles.Citation",
    }
)


class IntimacyHubAdminSite(admin.AdminSite):
    site_header = "IntimacyHub"
    site_title = "IntimacyHub"
    index_title = "IntimacyHub newsroom"

    def get_app_list(self, request, app_label=None):
        """Return the apps for the index and the sidebar without the maintenance tables.

        An app's own page (`app_label` given) still lists them, so the
        breadcrumbs of a maintenance table lead somewhere.
        """
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        kept = []
        for app in app_list:
            models = [model for model in app["models"] if _label(model) not in MAINTENANCE_MODELS]
            if models:
                kept.append({**app, "models": models})
        return kept

    def maintenance_models(self, request):
        """Return the maintenance tables this person may view, as the app list's model entries."""
        found = []
        for app in super().get_app_list(request):
            found += [model for model in app["models"] if _label(model) in MAINTENANCE_MODELS]
        return sorted(found, key=lambda model: model["name"])

    def get_urls(self):
        return [
            path("maintenance/", self.admin_view(self.maintenance_view), name="maintenance"),
            *super().get_urls(),
        ]

    def maintenance_view(self, request):
        context = {
            **self.each_context(request),
            "title": "Maintenance",
            "subtitle": None,
            "models": self.maintenance_models(request),
        }
        return TemplateResponse(request, "admin/maintenance.html", context)

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_maintenance": bool(self.maintenance_models(request))}
        return super().index(request, extra_context)


def _label(model_entry):
    return model_entry["model"]._meta.label


class AdminConfig(DjangoAdminConfig):
    default_site = "core.admin_site.IntimacyHubAdminSite"
