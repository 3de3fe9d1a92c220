"""Autosave in the article admin: the staff-only JSON endpoint and what the form's script needs.

static/js/autosave.js (a static file: the CSP allows no inline script) posts
the form's text every few seconds while it changes, keeps a copy in the
browser's localStorage for when the server cannot be reached, and on opening
the form offers back a newer copy. The endpoint answers only its caller's
own autosave (`articles.services.autosave`):

- GET: {"autosave": {"fields", "base_version", "saved_at"} or null}
- POST (JSON, CSRF header): {"fields": {...}, "base_version": N} keeps the
  text; {"discard": true} deletes it. Bodies over AUTOSAVE_MAX_BYTES are a 413
  with a message; malformed ones a 400; an article this person may not edit
  a 403 (one they may not see a 404).

After a successful save the response sets a short-lived cookie naming the
form, so the script clears that form's localStorage copy on the next page
(the changelist, after "Save").
"""

import json

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse

from articles import services
from articles.models import Autosave

SAVED_COOKIE = "intimacyhub_autosave_saved"


def _error(message, status):
    return JsonResponse({"error": message}, status=status)


def autosave_json(autosave):
    if autosave is None:
        return None
    return {
        "fields": autosave.fields,
        "base_version": autosave.base_version,
        "saved_at": autosave.saved_at.isoformat(),
    }


class ArticleAutosaveViews:
    """ArticleAdmin's autosave: the endpoint, the form's data, the cookie after a save."""

    # A 1 MB body (with its title, summary and notes) fits well; JSON escapes may double some text.
    AUTOSAVE_MAX_BYTES = 2 * 1024 * 1024
    TOO_BIG = "The text is too large to keep as a draft copy on the server (over 2 MB): save the article to keep it."

    def get_urls(self):
        urls = [
            path("autosave/", self.admin_site.admin_view(self.autosave_view), name="articles_article_autosave_new"),
            path(
                "<path:object_id>/autosave/",
                self.admin_site.admin_view(self.autosave_view),
                name="articles_article_autosave",
            ),
        ]
        return urls + super().get_urls()

    def autosave_view(self, request, object_id=None):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        article = self.get_object(request, unquote(object_id)) if object_id else None  # 404 if hidden
        try:
            if request.method == "GET":
                return JsonResponse(
                    {"autosave": autosave_json(services.autosave_for(user=request.user, article=article))}
                )
            payload = self._payload(request)
            if isinstance(payload, JsonResponse):
                return payload
            if payload.get("discard") is True:
                services.check_may_autosave(request.user, article)
                services.autosave_discard(user=request.user, article=article)
                return JsonResponse({"autosave": None})
            base_version = payload.get("base_version")
            if base_version is not None and (type(base_version) is not int or not 0 < base_version < 2**31):
                return _error("“base_version” must be the article's version number.", 400)
            autosave = services.autosave_store(
                user=request.user, article=article, fields=payload.get("fields"), base_version=base_version
            )
        except PermissionDenied as exc:
            return _error(str(exc) or "You may not do that.", 403)
        except ValidationError as exc:
            return _error(" ".join(exc.messages), 400)
        return JsonResponse({"autosave": {"saved_at": autosave.saved_at.isoformat()}})

    def _payload(self, request):
        try:
            if int(request.META.get("CONTENT_LENGTH") or 0) > self.AUTOSAVE_MAX_BYTES:
                return _error(self.TOO_BIG, 413)
            body = request.body
        except RequestDataTooBig:
            return _error(self.TOO_BIG, 413)
        except ValueError:
            return _error("Bad request: the length of the body is not a number.", 400)
        if len(body) > self.AUTOSAVE_MAX_BYTES:
            return _error(self.TOO_BIG, 413)
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return _error("Bad request: the body must be a JSON object.", 400)
        if not isinstance(payload, dict):
            return _error("Bad request: the body must be a JSON object.", 400)
        return payload

    def autosave_context(self, request, obj):
        """What the form's script needs, or None when this person has no text of theirs to keep here."""
        if obj is None:
            if not self.has_add_permission(request):
                return None
            url = reverse("admin:articles_article_autosave_new")
        else:
            if not services.can_edit_content(request.user, obj):
                return None
            url = reverse("admin:articles_article_autosave", args=[obj.pk])
        return {
            "url": url,
            "user": request.user.pk,
            "key": str(obj.pk) if obj is not None else Autosave.NEW,
            "version": obj.version if obj is not None else "",
            "modified": obj.modified.isoformat() if obj is not None else "",
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["autosave"] = self.autosave_context(request, obj)
        if context["autosave"] is not None:
            # Sent back with errors: the form holds text that is not stored yet.
            context["autosave"]["bound"] = int(context["adminform"].form.is_bound)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _saved(self, request, obj, response, key):
        # Read (and deleted) by static/js/autosave.js: the form's browser copy is saved now.
        response.set_cookie(
            SAVED_COOKIE, f"{request.user.pk}-{key}", max_age=24 * 60 * 60, samesite="Lax", secure=request.is_secure()
        )
        return response

    def response_add(self, request, obj, post_url_continue=None):
        return self._saved(request, obj, super().response_add(request, obj, post_url_continue), Autosave.NEW)

    def response_change(self, request, obj):
        return self._saved(request, obj, super().response_change(request, obj), str(obj.pk))
