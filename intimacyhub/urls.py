from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.urls import include, path
from markdownx.views import MarkdownifyView

from intimacyhub.uploads import SafeImageUploadView

# django-markdownx's own URLs are open to anyone; the editor's preview and
# uploads are for signed-in staff only, and uploads accept raster images only.
markdownx_urls = [
    path("upload/", staff_member_required(SafeImageUploadView.as_view()), name="markdownx_upload"),
    path("markdownify/", staff_member_required(MarkdownifyView.as_view()), name="markdownx_markdownify"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("markdownx/", include(markdownx_urls)),
    path("conditions/", include("conditions.urls")),
    path("", include("articles.urls")),
]

# Development only (static() is empty without DEBUG): in production the web
# server serves MEDIA_ROOT, which holds only re-encoded images.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
