"""The condition pages' URLs, under the "conditions" namespace.

They are the reader's pages but keep the namespace they have always had
(`conditions:list`, `conditions:detail`): every template, test and bookmark
reverses those names, and one URL module can hold only one app_name.
"""

from django.urls import path

from reader import condition_views

app_name = "conditions"

urlpatterns = [
    path("", condition_views.ConditionListView.as_view(), name="list"),
    path("<slug:slug>/", condition_views.ConditionDetailView.as_view(), name="detail"),
]
