from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.urls import include, path
from markdownx.views import ImageUploadView, MarkdownifyView

# django-markdownx's own URLs are open to anyone; the editor's preview and
# uploads are for signed-in staff only.
markdownx_urls = [
    path("upload/", staff_member_required(ImageUploadView.as_view()), name="markdownx_upload"),
    path("markdownify/", staff_member_required(MarkdownifyView.as_view()), name="markdownx_markdownify"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("markdownx/", include(markdownx_urls)),
    path("conditions/", include("conditions.urls")),
    path("search/", include("articles.search.urls")),
    path("", include("articles.urls")),
]
