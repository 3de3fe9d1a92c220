"""The editorial checks in the admin: the Checks panel, its live endpoint, overrides, the list's column and filter.

- The panel (templates/admin/articles/article/includes/checks_panel.html)
  lists the findings of the article as last saved, grouped by severity, the
  matched words marked in their context, with the rule's message, its
  guideline and the overrides that cover a finding. It needs no JavaScript.
- static/js/editorial-checks.js (a static file: the site's CSP allows no
  inline script) posts the change form's unsaved data to `checks_view` as
  the editor types (debounced) and redraws the panel from its JSON.
- Overriding a blocking finding has a page of its own (`override_view`),
  open to Clinical reviewers and Editors; the services record it.
- The list shows the counts the services store on each article and filters
  on them: plain queries, no checks run per row.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from articles import services
from articles.editorial_checks import check_article, check_document, document_from_form, finding_context, utf16_offset
from articles.services.checks import label

SEVERITY_LABELS = {"block": "Blocks publication", "warn": "Warnings", "info": "Suggestions"}


def finding_item(document, finding, digest=None):
    """A finding as the panel (template and JSON) shows it."""
    before, words, after = finding_context(document, finding)
    source = document.source(finding.field)
    return {
        **finding.as_dict(),
        "field_label": label(finding.field),
        "before": before,
        "words": words,
        "after": after,
        # Offsets in JavaScript's units (UTF-16), to select the words in the field's textarea.
        "start_utf16": utf16_offset(source, finding.start),
        "end_utf16": utf16_offset(source, finding.end),
        "digest": digest or "",
    }


def panel_data(checked):
    """Return the panel's content for a Checked document (JSON-ready)."""
    document = checked.document
    return {
        "open": len(checked.open),
        "blocking": len(checked.blocking),
        "groups": [
            {
                "severity": severity,
                "label": SEVERITY_LABELS[severity],
                "findings": [finding_item(document, f, checked.digests.get(f)) for f in findings],
            }
            for severity, findings in checked.by_severity()
        ],
        "overridden": [
            {
                **finding_item(document, finding),
                "override_by": override.created_by.get_username() if override.created_by else "someone",
                "override_at": override.created.strftime("%Y-%m-%d %H:%M"),
                "override_reason": override.reason,
            }
            for finding, override in checked.overridden
        ],
    }


class ChecksFilter(admin.SimpleListFilter):
    title = "editorial checks"
    parameter_name = "checks"

    def lookups(self, request, model_admin):
        return [
            ("blocking", "Has blocking findings"),
            ("open", "Has open findings"),
            ("clear", "No open findings"),
            ("unchecked", "Not checked yet"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "blocking":
            return queryset.filter(check_blocking__gt=0)
        if self.value() == "open":
            return queryset.filter(check_findings__gt=0)
        if self.value() == "clear":
            return queryset.filter(check_findings=0)
        if self.value() == "unchecked":
            return queryset.filter(check_findings__isnull=True)
        return queryset


class ArticleChecksViews:
    """ArticleAdmin's checks: the panel's context, the live endpoint, the override page, the list column."""

    @admin.display(description="open findings", ordering="check_blocking")
    def open_findings(self, obj):
        if obj.check_findings is None:
            return "not checked yet"
        if obj.check_blocking:
            return f"{obj.check_findings} ({obj.check_blocking} blocking)"
        return str(obj.check_findings)

    def get_urls(self):
        urls = [
            path("checks/", self.admin_site.admin_view(self.checks_view), name="articles_article_checks_new"),
            path(
                "<path:object_id>/checks/", self.admin_site.admin_view(self.checks_view), name="articles_article_checks"
            ),
            path(
                "<path:object_id>/checks/override/",
                self.admin_site.admin_view(self.override_view),
                name="articles_article_checks_override",
            ),
        ]
        return urls + super().get_urls()

    def checks_context(self, request, article):
        checked = check_article(article) if article is not None else None
        live_url = (
            reverse("admin:articles_article_checks", args=[article.pk])
            if article is not None
            else reverse("admin:articles_article_checks_new")
        )
        return {
            "checks": panel_data(checked) if checked is not None else None,
            "checks_live_url": live_url,
            "checks_override_url": (
                reverse("admin:articles_article_checks_override", args=[article.pk])
                if article is not None and services.can_override(request.user)
                else ""
            ),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id)) if object_id else None
        context = {**self.checks_context(request, article), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def add_view(self, request, form_url="", extra_context=None):
        context = {**self.checks_context(request, None), **(extra_context or {})}
        return super().add_view(request, form_url, context)

    @staticmethod
    def _too_big():
        return JsonResponse(
            {"error": "The text is too large to check as you type; the checks run when you save."}, status=413
        )

    def checks_view(self, request, object_id=None):
        """POST the change form's unsaved data; answer the panel's content as JSON (nothing is saved)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id)) if object_id else None  # 404 if hidden
        if article is None and not self.has_add_permission(request):
            raise PermissionDenied
        try:
            if int(request.META.get("CONTENT_LENGTH") or 0) > self.LIVE_CHECK_MAX_BYTES:
                return self._too_big()
            data = request.POST
        except RequestDataTooBig:
            return self._too_big()
        except ValueError:
            return JsonResponse({"error": "Bad request."}, status=400)
        document = document_from_form(data, article)
        checked = check_document(document, article.check_overrides.select_related("created_by") if article else ())
        return JsonResponse(panel_data(checked))

    LIVE_CHECK_MAX_BYTES = 5 * 1024 * 1024

    def override_view(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if not services.can_override(request.user):
            raise PermissionDenied
        if request.method == "POST":
            try:
                services.check_override_record(
                    article=article,
                    digest=request.POST.get("digest", ""),
                    reason=request.POST.get("reason", ""),
                    by=request.user,
                )
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
                return HttpResponseRedirect(request.path)
            self.message_user(request, "Override recorded in the article's history.")
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        checked = check_article(article)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"Override a blocking finding of “{article}”",
            "checks": panel_data(checked),
        }
        return TemplateResponse(request, "admin/articles/article/checks_override.html", context)
