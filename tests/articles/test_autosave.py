"""Autosave: an editor's unsaved text, kept for them alone and never a write to the article (issue 17)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import services
from articles.admin.autosave import SAVED_COOKIE
from articles.models import Article, Autosave
from tests.admin_forms import admin_form_data
from tests.factories import ArticleConditionFactory, ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_URL = reverse("admin:articles_article_autosave_new")


def url(article):
    return reverse("admin:articles_article_autosave", args=[article.pk])


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def post(client, address, payload, **extra):
    return client.post(address, json.dumps(payload), content_type="application/json", **extra)


def draft(**kwargs):
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, **kwargs)


def keep(client, article, **fields):
    response = post(client, url(article) if article else NEW_URL, {"fields": fields, "base_version": 1})
    assert response.status_code == 200, response.content
    return response


def test_an_editor_keeps_and_reads_back_their_unsaved_text(editor_client, editor):
    article = ArticleFactory(title="Stored", body="Stored body.")
    keep(editor_client, article, title="Typed", body="Typed mid-sent", **{"condition_links-0-note": "A note."})
    got = editor_client.get(url(article)).json()["autosave"]
    assert got["fields"] == {"title": "Typed", "body": "Typed mid-sent", "condition_links-0-note": "A note."}
    assert got["base_version"] == 1
    keep(editor_client, article, title="Typed again")  # an upsert: one autosave per person and article
    assert Autosave.objects.filter(user=editor).count() == 1
    assert editor_client.get(url(article)).json()["autosave"]["fields"] == {"title": "Typed again"}


def test_the_add_form_has_an_autosave_of_its_own(writer_client, writer):
    keep(writer_client, None, title="A new piece", body="It begins")
    assert writer_client.get(NEW_URL).json()["autosave"]["fields"]["body"] == "It begins"
    assert Autosave.objects.get(user=writer).key == Autosave.NEW


def test_an_autosave_is_never_a_new_version_revision_or_published_change(editor_client, editor, client):
    article = ArticleFactory(title="What readers see", body="The published text.")
    services.article_save(article=Article.objects.get(pk=article.pk), by=editor)  # a baseline revision
    stored = Article.objects.get(pk=article.pk)
    versions, page = Version.objects.count(), client.get(stored.get_absolute_url())
    keep(editor_client, stored, title="Half-written headline", body="Unfinished words")
    after = Article.objects.get(pk=article.pk)
    assert (after.version, after.title, after.body, after.modified) == (
        stored.version,
        stored.title,
        stored.body,
        stored.modified,
    )
    assert Version.objects.count() == versions
    reader = client.get(stored.get_absolute_url())
    assert reader.status_code == page.status_code == 200
    assert "Half-written headline" not in reader.text and "Unfinished words" not in reader.text
    assert "What readers see" in reader.text


def test_another_editor_can_neither_read_nor_replace_my_autosave(editor_client, editor):
    other = Client()
    other.force_login(UserFactory(username="otto", role="Editor"))
    article = ArticleFactory()
    keep(editor_client, article, body="Mine alone.")
    assert other.get(url(article)).json() == {"autosave": None}
    keep(other, article, body="Theirs.")
    assert editor_client.get(url(article)).json()["autosave"]["fields"] == {"body": "Mine alone."}
    assert post(other, url(article), {"discard": True}).status_code == 200
    assert editor_client.get(url(article)).json()["autosave"]["fields"] == {"body": "Mine alone."}
    # Nor does the change form carry it.
    assert "Mine alone." not in other.get(change_url(article)).text


def test_a_writer_cannot_autosave_an_article_they_cannot_edit(writer_client, writer, editor):
    others_draft = draft(created_by=editor)
    own_published = ArticleFactory(created_by=writer)
    assert post(writer_client, url(others_draft), {"fields": {"body": "x"}}).status_code == 404  # hidden from them
    response = post(writer_client, url(own_published), {"fields": {"body": "x"}})
    assert response.status_code == 403 and "may not change" in response.json()["error"]
    assert writer_client.get(url(own_published)).status_code == 403
    assert not Autosave.objects.exists()
    own_draft = draft(created_by=writer)
    keep(writer_client, own_draft, body="Mine.")


def test_a_reviewer_has_no_autosave_and_the_form_offers_none(reviewer_client):
    article = draft()
    assert post(reviewer_client, url(article), {"fields": {"body": "x"}}).status_code == 403
    assert post(reviewer_client, NEW_URL, {"fields": {"body": "x"}}).status_code == 403
    assert 'id="autosave"' not in reviewer_client.get(change_url(article)).text
    assert not Autosave.objects.exists()


def test_the_endpoint_is_for_signed_in_staff_with_a_csrf_token(editor):
    article = draft()
    assert post(Client(), url(article), {"fields": {"body": "x"}}).status_code == 302  # to the sign-in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert post(strict, url(article), {"fields": {"body": "x"}}).status_code == 403
    assert not Autosave.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "JSON object"),
        (b"[1, 2]", "JSON object"),
        (b"\xff\xfe", "JSON object"),
        (json.dumps({"fields": "text"}).encode(), "object of the form"),
        (json.dumps({"fields": {"status": "published"}}).encode(), "not a text field"),
        (json.dumps({"fields": {"body": 3}}).encode(), "must be text"),
        (json.dumps({"fields": {"body": "a\x00b"}}).encode(), "never sends"),
        (b'{"fields": {"body": "half a pair \\ud800"}}', "never sends"),
        (b"[" * 200_000, "JSON object"),
        (json.dumps({"fields": {"body": "x"}, "base_version": "two"}).encode(), "version number"),
        (json.dumps({"fields": {"body": "x"}, "base_version": 10**30}).encode(), "version number"),
    ],
)
def test_bad_input_is_a_clear_400_never_a_500(editor_client, body, message):
    response = editor_client.post(url(draft()), body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Autosave.objects.exists()


def test_other_methods_are_refused(editor_client):
    assert editor_client.put(url(draft())).status_code == 405


def test_a_one_megabyte_body_is_kept_and_a_bigger_post_is_a_clear_413(editor_client):
    article = draft()
    body = ("Honest sentences are enough. " * 40_000)[: 1024 * 1024]
    keep(editor_client, article, body=body)
    assert editor_client.get(url(article)).json()["autosave"]["fields"]["body"] == body
    response = post(editor_client, url(article), {"fields": {"body": "x" * (3 * 1024 * 1024)}})
    assert response.status_code == 413
    assert "too large" in response.json()["error"] and "save the article" in response.json()["error"]
    assert editor_client.get(url(article)).json()["autosave"]["fields"]["body"] == body


def test_a_declared_length_over_the_limit_is_refused_unread(editor_client):
    response = editor_client.generic(
        "POST", url(draft()), b"{}", content_type="application/json", CONTENT_LENGTH=str(50 * 1024 * 1024)
    )
    assert response.status_code == 413


def test_saving_the_article_deletes_the_savers_autosave_only(editor_client, editor):
    other = UserFactory(username="otto", role="Editor")
    article = draft(title="Before")
    ArticleConditionFactory(article=article)
    services.autosave_store(user=other, article=article, fields={"body": "Theirs."}, base_version=1)
    keep(editor_client, article, title="After")
    data = admin_form_data(editor_client.get(change_url(article)), title="After")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302
    assert not Autosave.objects.filter(user=editor).exists()
    assert Autosave.objects.filter(user=other).exists()
    # The browser forgets its copy of this form on the next page.
    assert response.cookies[SAVED_COOKIE].value == f"{editor.pk}-{article.pk}"


def test_a_refused_save_keeps_the_autosave(editor, editor_client):
    article = draft(title="Before")
    keep(editor_client, article, title="Mine")
    services.article_save(article=Article.objects.get(pk=article.pk), by=UserFactory(username="otto", role="Editor"))
    data = admin_form_data(editor_client.get(change_url(article)), title="Mine", expected_version="1")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200 and "Not saved" in response.text
    assert 'data-bound="1"' in response.text  # the script counts every field as unsaved text
    assert Autosave.objects.filter(user=editor).exists()
    assert SAVED_COOKIE not in response.cookies


def test_adding_an_article_deletes_the_add_forms_autosave(editor_client, editor):
    keep(editor_client, None, title="Fresh")
    article = services.article_save(
        article=Article(title="Fresh", slug="fresh", body="Text.", status=Article.Status.DRAFT), by=editor
    )
    assert article.pk and not Autosave.objects.filter(user=editor).exists()


def test_an_expired_autosave_is_ignored_and_purged_on_the_next_write(editor_client, editor, settings):
    settings.INTIMACYHUB_AUTOSAVE_DAYS = 7
    article, other = draft(), draft()
    keep(editor_client, article, body="Old words.")
    Autosave.objects.update(saved_at=timezone.now() - dt.timedelta(days=7, minutes=1))
    assert editor_client.get(url(article)).json() == {"autosave": None}
    assert Autosave.objects.count() == 1
    keep(editor_client, other, body="New words.")
    assert list(Autosave.objects.values_list("key", flat=True)) == [str(other.pk)]


def test_an_autosave_inside_the_configured_time_is_offered(editor_client, settings):
    settings.INTIMACYHUB_AUTOSAVE_DAYS = 30
    article = draft()
    keep(editor_client, article, body="Words.")
    Autosave.objects.update(saved_at=timezone.now() - dt.timedelta(days=20))
    assert editor_client.get(url(article)).json()["autosave"]["fields"] == {"body": "Words."}


def test_the_forms_carry_what_the_script_needs(editor_client, editor):
    article = draft()
    page = editor_client.get(change_url(article)).text
    assert f'data-url="{url(article)}"' in page and f'data-user="{editor.pk}"' in page
    assert f'data-key="{article.pk}"' in page and 'data-version="1"' in page
    assert 'data-bound="0"' in page
    assert "js/autosave.js" in page
    add = editor_client.get(reverse("admin:articles_article_add")).text
    assert f'data-url="{NEW_URL}"' in add and 'data-key="new"' in add


def test_purge_autosaves_deletes_only_the_expired_ones(editor, settings):
    settings.INTIMACYHUB_AUTOSAVE_DAYS = 7
    old, fresh = draft(), draft()
    services.autosave_store(user=editor, article=old, fields={"body": "Old."}, base_version=1)
    services.autosave_store(user=editor, article=fresh, fields={"body": "Fresh."}, base_version=1)
    Autosave.objects.filter(key=str(old.pk)).update(saved_at=timezone.now() - dt.timedelta(days=8))
    out = io.StringIO()
    call_command("purge_autosaves", stdout=out)
    assert "Deleted 1 autosave(s) older than 7 day(s)." in out.getvalue()
    assert list(Autosave.objects.values_list("key", flat=True)) == [str(fresh.pk)]
