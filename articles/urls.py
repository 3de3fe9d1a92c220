from django.urls import path

from articles import previews, views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/", views.ArticleListView.as_view(), name="list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author"),
    path("tags/<str:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("quotes/", views.QuoteListView.as_view(), name="quotes"),
    path("preview/<str:token>/", previews.SharePreviewView.as_view(), name="share_preview"),
]
