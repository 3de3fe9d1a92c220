"""The article form laid out for writing: title, summary and body first, named sections below (issue 17)."""

import re

import pytest
from django.urls import reverse

from articles.models import WORDS_PER_MINUTE
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")


def headings(html):
    """The form's section headings (fieldsets and inlines), in page order."""
    return [
        re.sub(r"<[^>]+>|\s+", " ", heading).strip()
        for heading in re.findall(r'<h2 id="[^"]*" class="(?:fieldset|inline)-heading">(.*?)</h2>', html, re.S)
    ]


def test_the_writing_comes_first_and_the_article_parts_follow_in_named_sections(editor_client):
    html = editor_client.get(ADD).text
    assert headings(html)[:3] == ["Writing", "Publishing", "Clinical review"]
    for section in ("Condition notes", "Citations", "Featured quotes", "Article tags"):
        assert section in headings(html)
    fields = [html.index(f'id="id_{name}"') for name in ("title", "summary", "body", "slug", "status", "reviewed_by")]
    assert fields == sorted(fields), "the fields must appear (and tab) in this order"
    assert html.index('id="id_body"') < html.index('id="checks-panel"') < html.index('id="condition_links-group"')


def test_the_body_carries_the_sites_reading_speed_for_the_live_count(editor_client):
    html = editor_client.get(ADD).text
    body = re.search(r"<textarea [^>]*id=\"id_body\"[^>]*>", html).group(0)
    assert f'data-words-per-minute="{WORDS_PER_MINUTE}"' in body
    assert '<script src="/static/js/article-writing.js"></script>' in html


def test_the_publication_date_and_time_boxes_are_named(editor_client):
    html = editor_client.get(ADD).text
    assert re.search(r'<input [^>]*aria-label="Publication date"[^>]*id="id_published_at_0"', html)
    assert re.search(r'<input [^>]*aria-label="Publication time"[^>]*id="id_published_at_1"', html)


def test_a_reviewers_form_shows_the_body_without_an_editor(reviewer_client):
    article = ArticleFactory(body="Read, not written here.")
    html = reviewer_client.get(reverse("admin:articles_article_change", args=[article.pk])).text
    assert headings(html)[0] == "Writing"
    assert 'id="id_body"' not in html
    assert "Read, not written here." in html
