from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from markdownx.views import MarkdownifyView

from articles.roles import may_upload_images
from core.cacheable import PAGE_NUMBER, cacheable
from core.uploads import SafeImageUploadView
from core.views import healthz, web_manifest
from reader.sitemaps import sitemaps
from reader.views import RobotsView

# django-markdownx's own URLs are open to anyone; the editor's preview and
# uploads are for signed-in staff only, and uploads accept raster images only.
markdownx_urls = [
    path(
        "upload/",
        staff_member_required(SafeImageUploadView.as_view(may_upload=may_upload_images)),
        name="markdownx_upload",
    ),
    path("markdownify/", staff_member_required(MarkdownifyView.as_view()), name="markdownx_markdownify"),
]

handler500 = "core.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("markdownx/", include(markdownx_urls)),
    path("conditions/", include("reader.condition_urls")),
    path(
        "sitemap.xml",
        cacheable()(sitemap_views.index),
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cacheable(p=PAGE_NUMBER)(sitemap_views.sitemap),
        {"sitemaps": sitemaps},
        name="sitemap_section",
    ),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    # /favicon.ico and /apple-touch-icon.png are WhiteNoise's (WHITENOISE_ROOT), answered before any view.
    path("site.webmanifest", web_manifest, name="web_manifest"),
    path("search/", include("search.urls")),
    path("", include("reader.urls")),
    # Last: the site's own pages (/about/, /privacy/) take only addresses nothing else answers.
    path("", include("pages.urls")),
]

# Development only (static() is empty without DEBUG): in production the web
# server serves MEDIA_ROOT, which holds only re-encoded images.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
