from django.urls import path

from pages import views

app_name = "pages"

# Included last by the site's URL configuration: every other address wins,
# and a page's slug may not be one of them (see pages/models.py).
urlpatterns = [
    path("<slug:slug>/", views.PageView.as_view(), name="detail"),
]
