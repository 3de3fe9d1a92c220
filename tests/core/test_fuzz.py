"""No reader input makes a public page answer 500 (hypothesis over paths and query strings)."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ArticleConditionFactory, ArticleFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/articles/",
    "/articles/{slug}/",
    "/archive/2024/",
    "/archive/2024/03/",
    "/conditions/",
    "/conditions/{slug}/",
    "/conditions/{slug}/feed/",
    "/tags/{slug}/",
    "/authors/{slug}/",
    "/authors/{slug}/reviewed/",
    "/quotes/",
    "/feed/",
    "/feed/atom/",
    "/search/",
    "/sitemap.xml",
    "/robots.txt",
]
PARAMS = ["page", "q", "condition", "tag", "author", "after", "before", "cursor"]
NASTY = st.sampled_from(
    ["0", "-1", "abc", "99999999999999999999", "%", "%zz", "%00", "\x00", "'; DROP TABLE x;--", ":* & | ! <-> (",
     '"', "NEAR AND OR NOT ^", "\u202e\u200f", "🙂" * 50, "a" * 3000, " ".join(["word"] * 500)]
)  # fmt: skip
VALUES = st.one_of(NASTY, st.text(max_size=300))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def site():
    article = ArticleFactory(slug="a-real-article")
    ArticleConditionFactory(article=article)
    return Client(raise_request_exception=False)


@SETTINGS
@given(page=st.sampled_from(PAGES), params=st.dictionaries(st.sampled_from(PARAMS), VALUES, max_size=3))
def test_query_parameters_never_cause_a_500(site, page, params):
    response = site.get(page.format(slug="a-real-article"), params)
    assert response.status_code < 500, (page, params)


@SETTINGS
@given(page=st.sampled_from(PAGES), raw=st.text(alphabet="%0123456789abcdefgz=&+;?#", max_size=60))
def test_raw_and_broken_percent_encoding_never_causes_a_500(site, page, raw):
    response = site.get(page.format(slug="a-real-article"), QUERY_STRING=raw)
    assert response.status_code < 500, (page, raw)


@SETTINGS
@given(page=st.sampled_from([p for p in PAGES if "{slug}" in p]), slug=VALUES)
def test_any_slug_in_a_path_never_causes_a_500(site, page, slug):
    from urllib.parse import quote

    response = site.get(page.replace("{slug}", quote(slug, safe="")))
    assert response.status_code < 500, (page, slug)
