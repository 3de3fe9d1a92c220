"""The search page: what it shows, and that no input can break it."""

import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search
from articles.models import Article
from search import query

pytestmark = pytest.mark.django_db

URL = reverse("search:results")


def test_results_show_title_date_conditions_and_a_highlighted_snippet(client, publish, ptsd):
    article = publish("Touch and trust", body="Gentle touch rebuilds trust after trauma.", conditions=[ptsd])
    html = client.get(URL, {"q": "rebuilds"}).content.decode()
    assert article.title in html and article.get_absolute_url() in html
    assert f'datetime="{article.published_at:%Y-%m-%d}' in html
    assert "Post-traumatic stress disorder" in html
    assert "<mark>rebuilds</mark>" in html
    assert "1 article found" in html


def test_highlighting_cannot_inject_markup(client, publish):
    article = publish("Safe", body="Markup <script>alert('x')</script> and <b>bold</b> \ue000 tricks \ue001 here.")
    # Indexed before it was rendered, the raw Markdown is the text, markup and all.
    Article.objects.filter(pk=article.pk).update(body_html="")
    search.index_article(article)
    html = client.get(URL, {"q": "alert bold tricks"}).content.decode()
    assert "<script>alert" not in html and "<b>bold" not in html
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.DOTALL).group(1)
    assert "<mark>" in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0
    assert snippet.count("<mark>") == snippet.count("</mark>")


def test_the_query_is_escaped_where_it_is_shown(client, publish):
    publish("Trust", body="Trust.")
    html = client.get(URL, {"q": '"><script>alert(1)</script> trust'}).content.decode()
    assert "<script>alert(1)" not in html


def test_a_crisis_query_shows_the_crisis_box_above_the_results(client, publish):
    publish("Coping", body="Coping when you want to die.")
    html = client.get(URL, {"q": "want to die"}).content.decode()
    assert "Help is available right now" in html
    assert html.index("Help is available right now") < html.index("Coping")
    assert "988" in html
    assert "Help is available right now" not in client.get(URL, {"q": "coping"}).content.decode()


def test_a_typo_gets_a_did_you_mean_link(client, publish):
    publish("Insomnia", body="Insomnia and intimacy.")
    html = client.get(URL, {"q": "insomia"}).content.decode()
    assert "Did you mean" in html and f'href="{URL}?q=insomnia"' in html


def test_an_empty_query_asks_for_words(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert b"Type a word" in response.content


def test_pagination_links_keep_the_query_and_the_condition(client, publish, ptsd):
    for n in range(12):
        publish(f"Resilience {n:02}", body="Resilience.", conditions=[ptsd])
    html = client.get(URL, {"q": "resilience", "condition": "ptsd"}).content.decode()
    assert "?q=resilience&amp;condition=ptsd&amp;page=2" in html


def test_the_search_page_query_count_is_fixed(client, publish, ptsd, django_assert_num_queries):
    for n in range(12):
        publish(f"Resilience {n:02}", body="Resilience.", conditions=[ptsd])
    # conditions, ranked ids (+ the window on SQLite), articles with snippets, their conditions,
    # the footer's links to the site's pages
    from django.db import connection

    expected = 6 if connection.vendor == "sqlite" else 5
    with django_assert_num_queries(expected):
        assert client.get(URL, {"q": "resilience"}).status_code == 200
    with django_assert_num_queries(expected):
        assert client.get(URL, {"q": "resilience", "page": "2", "condition": "ptsd"}).status_code == 200


BAD_QUERIES = [
    "",
    " ",
    "x" * 10_000,
    " ".join(["anxiety"] * 500),
    "a" * 3000,
    "trust\x00touch",
    "\x00",
    "%ff%fe",
    "trust:* & touch | !sleep <-> (a",
    '"unterminated phrase',
    '""',
    '"" - -- ---',
    "NEAR(trust touch) AND OR NOT ^trust",
    "trust* ^touch {title}: body:x",
    "'; DROP TABLE articles_article; --",
    "1' OR '1'='1",
    "%_\\",
    "😀 trust 🧠",
    "\u202etrust\u200f\u200e",
    "ثقة",
    "-",
    "or",
    "trust or",
    "or trust",
    "-trust",
    "\ue000trust\ue001",
]


@pytest.mark.parametrize("q", BAD_QUERIES)
def test_any_query_gives_a_page(client, publish, q):
    publish("Trust", body="Trust and touch.")
    response = client.get(URL, {"q": q, "page": "2"})
    assert response.status_code == 200


def test_invalid_percent_encoding_and_odd_parameters_give_a_page(client, publish):
    publish("Trust", body="Trust and touch.")
    for raw in ("q=%ff%fe%00", "q=%", "q=trust&page=%ff", "q=trust&condition=%00", "q=trust&page=1e9", "q[]=x"):
        assert client.get(f"{URL}?{raw}").status_code == 200, raw


def test_long_queries_are_cut_to_the_documented_limit():
    parsed = query.parse("anxiety " * 2000)
    assert len(parsed.text) <= query.MAX_QUERY_LENGTH
    parsed = query.parse(" ".join(f"word{n}" for n in range(500)))
    assert len(parsed.groups) <= query.MAX_CLAUSES


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(max_size=300) | st.sampled_from(BAD_QUERIES),
    page=st.text(max_size=20),
    condition=st.text(max_size=100),
)
def test_no_input_makes_the_search_page_fail(client, q, page, condition):
    response = client.get(URL, {"q": q, "page": page, "condition": condition})
    assert response.status_code in (200, 400)


def test_the_query_count_of_a_misspelled_search_is_fixed(client, publish, django_assert_num_queries):
    from django.db import connection

    publish("Insomnia", body="Insomnia and intimacy.")
    # conditions, ranked ids (+ window), vocabulary lookups (SQLite: known words, then one per unknown), check,
    # the footer's links to the site's pages
    expected = 7 if connection.vendor == "sqlite" else 5
    with django_assert_num_queries(expected):
        assert b"Did you mean" in client.get(URL, {"q": "insomia"}).content
