"""The reader site's URLs, under the "articles" namespace.

The namespace is the one these pages have always had (`articles:detail`,
`articles:list`, ...): every template, test and the admin's share link
reverse those names, so moving the pages to the reader app renames nothing.
The condition pages keep theirs in reader/condition_urls.py.
"""

from django.urls import path, register_converter

from reader import feeds, previews, views


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):04d}"


class MonthConverter(YearConverter):
    """Two digits, so each month has one URL (/archive/2024/03/, never /3/)."""

    regex = "0[1-9]|1[0-2]"

    def to_url(self, value):
        return f"{int(value):02d}"


class UnicodeSlugConverter:
    """A slug that may hold letters of any script (tags allow them). Unlike
    `str` it refuses control characters: PostgreSQL cannot even compare a
    string containing NUL, so such a URL would be a 500, not a 404."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(YearConverter, "yyyy")
register_converter(UnicodeSlugConverter, "uslug")
register_converter(MonthConverter, "mm")

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/", views.ArticleListView.as_view(), name="list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("archive/<yyyy:year>/", views.ArchiveView.as_view(), name="archive_year"),
    path("archive/<yyyy:year>/<mm:month>/", views.ArchiveView.as_view(), name="archive_month"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author"),
    path("authors/<slug:slug>/reviewed/", views.ReviewedArticlesView.as_view(), name="author_reviewed"),
    path("tags/<uslug:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("quotes/", views.QuoteListView.as_view(), name="quotes"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("corrections/feed/", feeds.CorrectionsFeed(), name="corrections_feed"),
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    # Under /conditions/ but here: it has always been named
    # "articles:condition_feed".
    path("conditions/<slug:slug>/feed/", feeds.ConditionFeed(), name="condition_feed"),
    path("preview/<str:token>/", previews.SharePreviewView.as_view(), name="share_preview"),
]
