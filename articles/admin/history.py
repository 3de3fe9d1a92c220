"""The article's extra views: reversion's history, revision and recover views under the role rules,
and the share-preview page."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from reversion.models import Version

from articles import services, share_links
from articles.admin.forms import conflict_message
from articles.models import Article


class ArticleHistoryViews:
    """Extra views for ArticleAdmin: share preview, restore a revision, recover a deleted article.

    Listed before VersionAdmin in ArticleAdmin's bases, so these override reversion's views.
    """

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))  # reversion's view lists any id's revisions
        return super().history_view(request, object_id, extra_context)

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
                request.build_absolute_uri(share_links.share_preview_url(article)) if article.preview_token else None
            ),
            "max_age_days": share_links.max_age().days,
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
                return _refused(request, exc)
            note = _left_out(skipped)
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
            except (PermissionDenied, ValidationError) as exc:
                return _refused(request, exc)
            note = _left_out(skipped)
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


def _refused(request, exc):
    """Show why the services refused a restore or a recovery, on the page it came from."""
    messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return HttpResponseRedirect(request.path)


def _left_out(skipped):
    return f" {skipped} link(s) pointed at things deleted since and were left out." if skipped else ""
