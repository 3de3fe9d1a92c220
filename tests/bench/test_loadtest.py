"""The load test's judgement (bench/loadtest.py): how a save is classified, how history is checked.

The load itself runs in `make loadtest`; these check, fast, that its verdicts
are right: against the admin's real answers, and against histories that lose
an edit in each way one can be lost.
"""

import sys
from pathlib import Path

import pytest
from django.urls import reverse

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory, UserFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))  # bench scripts import their siblings
import loadtest  # noqa: E402

pytestmark = pytest.mark.django_db


def change_path(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def save_as_a_browser(client, article, marker):
    """Open the change form, append `marker` to the body and submit it as bench/loadtest.py does."""
    path = change_path(article)
    form = loadtest.Form(client.get(path).text, "article_form")
    body = form.get("body").rstrip() + f"\r\n\r\nEdited under load {marker}."
    form.set("body", body)
    form.set("_continue", "Save and continue editing")
    data, content_type = form.encode()
    answer = client.post(path, data, content_type=content_type)
    location = answer.headers.get("Location")
    page = client.get(path).text if answer.status_code == 302 else answer.text
    return loadtest.classify_save(status=answer.status_code, location=location, change_path=path, page=page), body


def test_a_browser_like_save_lands_with_exactly_the_text_submitted(editor_client):
    article = ArticleFactory(body="First paragraph.\n\nSecond paragraph.")
    (outcome, _how), body = save_as_a_browser(editor_client, article, "[t:eda:1]")
    assert outcome == "landed"
    stored = Article.objects.get(pk=article.pk)
    assert stored.version == 2
    assert stored.body.replace("\r\n", "\n") == body.replace("\r\n", "\n")


def test_a_stale_form_is_classified_as_refused_and_nothing_is_written(editor_client):
    article = ArticleFactory()
    path = change_path(article)
    form = loadtest.Form(editor_client.get(path).text, "article_form")
    theirs = Article.objects.get(pk=article.pk)
    theirs.title = "Their title"
    services.article_save(article=theirs, by=UserFactory(username="oona", role="Editor"))
    form.set("body", "Mine [t:eda:2]")
    form.set("_continue", "Save and continue editing")
    data, content_type = form.encode()
    answer = editor_client.post(path, data, content_type=content_type)
    verdict = loadtest.classify_save(status=answer.status_code, location=None, change_path=path, page=answer.text)
    assert verdict == ("refused", "conflict: the form was stale")
    assert "[t:eda:2]" not in Article.objects.get(pk=article.pk).body


def test_a_form_refused_for_another_reason_is_an_error(editor_client):
    article = ArticleFactory()
    path = change_path(article)
    form = loadtest.Form(editor_client.get(path).text, "article_form")
    form.set("title", "")
    data, content_type = form.encode()
    answer = editor_client.post(path, data, content_type=content_type)
    outcome, how = loadtest.classify_save(status=answer.status_code, location=None, change_path=path, page=answer.text)
    assert outcome == "error" and "without a conflict" in how


@pytest.mark.parametrize(
    ("status", "location", "page", "outcome"),
    [
        (302, "/admin/articles/article/7/change/", '<li class="error">Not saved: eda saved this article', "refused"),
        (302, "/admin/articles/article/7/change/", "<p>no message</p>", "error"),
        (302, "/admin/login/?next=/admin/", "", "error"),
        (403, None, "Forbidden", "error"),
        (500, None, "Server Error", "error"),
    ],
)
def test_only_a_success_or_a_conflict_message_counts_as_an_answer(status, location, page, outcome):
    verdict = loadtest.classify_save(status=status, location=location, change_path="/admin/articles/article/7/change/",
                                     page=page)  # fmt: skip
    assert verdict[0] == outcome


# ---------------------------------------------------------------------------
# History


def attempt(marker, outcome, expected_version, body=None, editor="editor1", article=1):
    return {"editor": editor, "article": article, "marker": marker, "outcome": outcome,
            "expected_version": expected_version, "body": body}  # fmt: skip


def revision(version, body, user="editor1"):
    return {"version": version, "body": body, "user": user, "comment": "Saved."}


def clean_run():
    """Two saves landed one after the other; a third, from the first one's version, was refused."""
    attempts = [
        attempt("[a]", "landed", 1, "Text [a]"),
        attempt("[b]", "landed", 2, "Text [a] [b]", editor="editor2"),
        attempt("[c]", "refused", 1, "Text [c]"),
    ]
    history = {
        "articles": {
            "1": {
                "version": 3,
                "body": "Text [a] [b]",
                "revisions": [revision(1, "Text"), revision(2, "Text [a]"), revision(3, "Text [a] [b]", "editor2")],
            }
        },
        "elsewhere": [],
    }
    return attempts, history


def test_a_history_holding_every_landed_edit_and_no_refused_one_passes():
    attempts, history = clean_run()
    assert loadtest.verify_history(attempts=attempts, initial_versions={1: 1}, history=history) == []


def test_two_saves_landing_from_one_version_is_a_lost_edit():
    attempts, history = clean_run()
    attempts[1]["expected_version"] = 1  # both started from version 1: the second overwrote the first
    problems = loadtest.verify_history(attempts=attempts, initial_versions={1: 1}, history=history)
    assert any("all started from version 1 and all landed" in p for p in problems)


def test_a_landed_edit_missing_from_history_or_the_body_is_reported():
    attempts, history = clean_run()
    stored = history["articles"]["1"]
    stored["revisions"][1]["body"] = "Text"
    stored["body"] = "Text [b]"
    problems = loadtest.verify_history(attempts=attempts, initial_versions={1: 1}, history=history)
    assert "article 1: [a] landed but no revision holds it" in problems
    assert "article 1: [a] landed, then disappeared from the body" in problems
    assert "article 1: the body is not the last landed edit ([b])" in problems


def test_a_refused_edit_found_stored_is_reported():
    attempts, history = clean_run()
    history["articles"]["1"]["revisions"].append(revision(4, "Text [a] [b] [c]"))
    problems = loadtest.verify_history(attempts=attempts, initial_versions={1: 1}, history=history)
    assert "[c] was refused, yet it is stored" in problems
    assert "article 1: 3 revisions after version 1, 2 landed saves" in problems


def test_a_marker_stored_elsewhere_and_a_missing_article_are_reported():
    attempts, history = clean_run()
    history["elsewhere"] = ["article 9 (its body)"]
    problems = loadtest.verify_history(attempts=attempts, initial_versions={1: 1, 2: 1}, history=history)
    assert "a marker of this run is stored outside the edited articles: article 9 (its body)" in problems
    assert "article 2 is gone" in problems


def test_line_endings_and_surrounding_space_do_not_count_as_a_different_body():
    attempts, history = clean_run()
    attempts[1]["body"] = "Text [a]\r\n [b]\r\n"
    history["articles"]["1"]["body"] = "Text [a]\n [b]"
    assert loadtest.verify_history(attempts=attempts, initial_versions={1: 1}, history=history) == []


# ---------------------------------------------------------------------------
# Readers


def test_readers_get_the_mix_of_pages_and_failures_are_counted_by_kind():
    urls = {
        "article": ["/articles/a/", "/articles/b/"],
        "archive": ["/articles/?page=2"],
        "condition": ["/conditions/"],
    }
    paths = loadtest.reader_paths(urls, ["anxiety", "self-harm"], length=10)
    kinds = [loadtest.page_kind(p) for p in paths]
    assert (kinds.count("article"), kinds.count("archive"), kinds.count("condition"), kinds.count("search")) == (
        4, 2, 2, 2,
    )  # fmt: skip
    summary = loadtest.server_side(
        [
            (200, 0.01, "GET", "/articles/a/", ""),
            (502, 0.02, "GET", "/search/", "q=x"),
            (302, 0.5, "POST", "/admin/x/", ""),
        ]
    )
    assert summary["search"]["failed_examples"] == ["502 /search/?q=x"]
    assert summary["admin"]["failed"] == summary["article"]["failed"] == 0
