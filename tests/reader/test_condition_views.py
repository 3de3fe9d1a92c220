import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from tests.factories import ArticleConditionFactory, ArticleFactory, ConditionFactory

pytestmark = pytest.mark.django_db


def test_condition_index_lists_every_condition(client):
    ConditionFactory(name="Anxiety", summary="Worry.")
    ConditionFactory(name="Grief")
    html = client.get("/conditions/").content.decode()
    assert re.findall(r"<h2><a [^>]+>([^<]+)</a>", html) == ["Anxiety", "Grief"]
    assert "Worry." in html


def test_condition_page_lists_its_published_articles_with_their_notes(client):
    condition = ConditionFactory(
        slug="ptsd", name="Post-traumatic stress disorder", aliases=["PTSD"], summary="After trauma.", body="**Body**."
    )
    older = ArticleFactory(title="Older", published_at=timezone.now() - dt.timedelta(days=3))
    newer = ArticleFactory(title="Newer")
    ArticleConditionFactory(article=older, condition=condition, note="Older *note*.")
    ArticleConditionFactory(article=newer, condition=condition, note="Newer note.")
    ArticleConditionFactory(article=ArticleFactory(title="Unpublished", status="draft"), condition=condition)
    ArticleFactory(title="Unrelated")

    html = client.get("/conditions/ptsd/").content.decode()
    assert "<h1>Post-traumatic stress disorder</h1>" in html
    assert "Also called: PTSD" in html and "After trauma." in html and "<strong>Body</strong>" in html
    assert re.findall(r'<h3><a href="[^"]+">([^<]+)</a>', html) == ["Newer", "Older"]
    assert "<p>Older <em>note</em>.</p>" in html and "Newer note." in html
    assert "Unpublished" not in html and "Unrelated" not in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    assert data["@type"] == "MedicalCondition" and data["alternateName"] == ["PTSD"]


def test_condition_pages_always_show_the_crisis_box(client):
    ConditionFactory(slug="grief")
    html = client.get("/conditions/grief/").content.decode()
    assert 'class="crisis-box"' in html and "988" in html


def test_condition_page_is_paginated_and_rejects_bad_pages(client):
    condition = ConditionFactory(slug="grief")
    for d in range(14):
        ArticleConditionFactory(
            article=ArticleFactory(published_at=timezone.now() - dt.timedelta(days=d + 1)), condition=condition
        )
    assert 'rel="next"' in client.get("/conditions/grief/").content.decode()
    assert len(re.findall("<h3>", client.get("/conditions/grief/?page=2").content.decode())) == 2
    for page in ("0", "-1", "abc", "99999999999999999999", "3"):
        assert client.get("/conditions/grief/", {"page": page}).status_code == 404


def test_unknown_condition_is_a_404(client):
    assert client.get("/conditions/nope/").status_code == 404


def test_condition_page_query_count_does_not_grow(client, django_assert_num_queries):
    condition = ConditionFactory(slug="grief")

    def grow(n):
        for _ in range(n):
            article = ArticleFactory()
            ArticleConditionFactory(article=article, condition=condition)
            ArticleConditionFactory(article=article)

    grow(3)
    with django_assert_num_queries(3 + 1):  # condition, page, notes; the footer's links
        client.get("/conditions/grief/")
    grow(15)
    with django_assert_num_queries(3 + 1):  # condition, page, notes; the footer's links
        client.get("/conditions/grief/")
