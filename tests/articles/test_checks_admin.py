"""The Checks panel, its live endpoint, the override page and the list's column and filter (issue 15)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import Article, CheckOverride
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, CitationFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:articles_article_changelist")
NOTES = ["suicide or self-harm"]


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def live_url(article):
    return reverse("admin:articles_article_checks", args=[article.pk])


def draft(**kwargs):
    kwargs = {"status": Article.Status.DRAFT, "published_at": None, "content_notes": NOTES, **kwargs}
    return ArticleFactory(**kwargs)


def test_the_panel_shows_the_last_saves_findings_grouped_with_the_words_marked_and_escaped(editor_client):
    article = draft(body="<b>Kim</b> committed suicide.\n\nShe felt *so* crazy that day.")
    page = editor_client.get(change_url(article)).text
    assert 'id="checks-panel"' in page
    assert "Blocks publication (1)" in page and "Warnings (" in page
    assert "<mark>committed suicide</mark>" in page
    assert "&lt;b&gt;Kim&lt;/b&gt; <mark>committed suicide</mark>" in page  # editor input, escaped
    assert "<b>Kim</b>" not in page
    assert 'href="https://afsp.org/safereporting/"' in page
    assert "Override a blocking finding" in page  # an editor may


def test_a_writer_sees_the_findings_but_no_override_link(writer_client, writer):
    article = draft(body="He committed suicide.", created_by=writer)
    page = writer_client.get(change_url(article)).text
    assert "<mark>committed suicide</mark>" in page and "Override a blocking finding" not in page
    assert writer_client.get(reverse("admin:articles_article_checks_override", args=[article.pk])).status_code == 403


def test_the_live_endpoint_checks_the_unsaved_form_and_saves_nothing(editor_client):
    article = draft(body="Safe text.")
    CitationFactory(article=article, key="a", url="https://example.org/a")
    data = admin_form_data(editor_client.get(change_url(article)), body="😀 He committed suicide.[^a]")
    data["condition_links-TOTAL_FORMS"] = "1"
    data["condition_links-0-note"] = "After a failed suicide attempt."
    response = editor_client.post(live_url(article), data)
    assert response.status_code == 200
    payload = response.json()
    assert payload["blocking"] == 2
    [block] = [group for group in payload["groups"] if group["severity"] == "block"]
    by_field = {f["field"]: f for f in block["findings"]}
    body = by_field["body"]
    assert (body["start"], body["end"], body["words"]) == (5, 22, "committed suicide")
    assert (body["start_utf16"], body["end_utf16"]) == (6, 23)  # the emoji is two UTF-16 units
    assert by_field["note:(no condition)"]["words"] == "failed suicide attempt"
    assert Article.objects.get(pk=article.pk).body == "Safe text."


def test_the_live_endpoint_is_post_only_staff_only_and_hides_what_the_user_may_not_see(
    client, writer_client, editor_client
):
    other = draft(body="Someone else's draft.")  # a Writer does not see others' drafts
    assert writer_client.post(live_url(other), {"body": "x"}).status_code == 404
    assert editor_client.get(live_url(other)).status_code == 405
    response = client.post(live_url(other), {"body": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    non_staff = UserFactory(username="reader", is_staff=False)
    client.force_login(non_staff)
    assert client.post(live_url(other), {"body": "x"}).status_code == 302


def test_the_live_endpoint_refuses_csrf_less_posts(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(live_url(draft()), {"body": "x"}).status_code == 403


def test_the_live_endpoint_takes_a_one_megabyte_body_and_refuses_a_huge_one_clearly(editor_client):
    article = draft()
    body = ("Support helps people recover. " * 35000)[:1_000_000]
    response = editor_client.post(live_url(article), {"body": body})
    assert response.status_code == 200
    huge = editor_client.post(live_url(article), {"body": "x" * 6_000_000})
    assert huge.status_code in (400, 413)
    assert huge.status_code == 400 or "too large" in huge.json()["error"]


def test_the_live_endpoint_for_a_new_article(writer_client):
    response = writer_client.post(reverse("admin:articles_article_checks_new"), {"title": "He committed suicide"})
    assert response.status_code == 200 and response.json()["blocking"] >= 1


def test_the_override_page_records_one_with_a_reason(reviewer_client, reviewer):
    article = draft(body="He committed suicide.")
    url = reverse("admin:articles_article_checks_override", args=[article.pk])
    page = reviewer_client.get(url)
    assert "<mark>committed suicide</mark>" in page.text
    digest = page.context["checks"]["groups"][0]["findings"][0]["digest"]
    assert reviewer_client.post(url, {"digest": digest, "reason": ""}).status_code == 302
    assert not CheckOverride.objects.exists()
    response = reviewer_client.post(url, {"digest": digest, "reason": "A survivor's own words, quoted."})
    assert response.status_code == 302
    assert CheckOverride.objects.get().created_by == reviewer
    page = reviewer_client.get(change_url(article)).text
    assert "Overridden (1)" in page and "A survivor&#x27;s own words, quoted." in page


def test_the_list_shows_the_stored_counts_and_filters_blocking_articles_with_plain_queries(
    editor_client, editor, django_assert_max_num_queries
):
    harmful = draft(title="Harmful", body="He committed suicide.")
    clean = draft(title="Clean", body="Support helps.")
    unchecked = draft(title="Unchecked", body="Support helps.")
    for article in (harmful, clean):
        services.article_save(article=article, by=editor)
    page = editor_client.get(CHANGELIST).text
    cells = re.findall(r'<td class="field-open_findings">([^<]*)</td>', page)
    assert sorted(cells) == ["0", "2 (1 blocking)", "not checked yet"]  # the reading grade warns too
    with django_assert_max_num_queries(30):
        filtered = editor_client.get(CHANGELIST, {"checks": "blocking"})
    titles = {a.title for a in filtered.context["cl"].result_list}
    assert titles == {"Harmful"}
    assert {a.title for a in editor_client.get(CHANGELIST, {"checks": "unchecked"}).context["cl"].result_list} == {
        unchecked.title
    }
