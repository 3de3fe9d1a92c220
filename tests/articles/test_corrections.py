"""The corrections log, by role: what an Editor, a Clinical reviewer and a Writer may log on a save."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import services
from articles.models import Article, Correction
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=30)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def fresh(article):
    return Article.objects.get(pk=article.pk)


# ---------------------------------------------------------------- services


def test_a_minor_save_logs_nothing_and_keeps_the_updated_date(editor):
    article = ArticleFactory(updated_at=LONG_AGO)
    attempt = fresh(article)
    attempt.body = "A typo fixed."
    services.article_save(article=attempt, by=editor)
    assert not Correction.objects.exists()
    assert fresh(article).updated_at == LONG_AGO


def test_a_correction_is_logged_with_its_note_and_moves_the_updated_date(editor):
    article = ArticleFactory(updated_at=LONG_AGO)
    attempt = fresh(article)
    attempt.body = "The dose is 50 mg."
    before = timezone.now()
    services.article_save(article=attempt, by=editor, change_kind="correction", change_note=" We gave the wrong dose. ")
    logged = Correction.objects.get()
    assert (logged.article_id, logged.kind, logged.note, logged.by) == (
        article.pk,
        "correction",
        "We gave the wrong dose.",
        editor,
    )
    assert logged.at >= before
    assert fresh(article).updated_at == logged.at
    assert (
        "Logged a correction: We gave the wrong dose."
        in Version.objects.get_for_object(article).first().revision.comment
    )


@pytest.mark.parametrize("note", ["", "   "])
def test_a_logged_change_needs_a_note(editor, note):
    article = ArticleFactory()
    with pytest.raises(ValidationError, match="public note"):
        services.article_save(article=fresh(article), by=editor, change_kind="clarification", change_note=note)
    assert not Correction.objects.exists() and fresh(article).version == 1


def test_an_unknown_kind_is_refused(editor):
    article = ArticleFactory()
    with pytest.raises(ValidationError, match="not a kind"):
        services.article_save(article=fresh(article), by=editor, change_kind="retraction", change_note="Gone.")


def test_changes_to_an_unpublished_article_are_not_logged(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    with pytest.raises(ValidationError, match="published"):
        services.article_save(article=fresh(article), by=editor, change_kind="correction", change_note="Fixed.")
    assert not Correction.objects.exists()


def test_a_writer_can_never_log_a_change(writer):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.article_save(article=fresh(draft), by=writer, change_kind="correction", change_note="Mine.")
    published = ArticleFactory(created_by=writer)
    with pytest.raises(PermissionDenied):
        services.article_save(article=fresh(published), by=writer, change_kind="correction", change_note="Mine.")
    assert not Correction.objects.exists()


def test_a_reviewer_logs_a_clinical_update_when_recording_a_review(reviewer):
    article = ArticleFactory(reviewed_at=dt.date(2024, 1, 1), updated_at=LONG_AGO)
    attempt = fresh(article)
    attempt.reviewed_by, attempt.reviewed_at = ReviewerFactory(name="Dr Rhea Ng"), dt.date(2026, 11, 1)
    services.article_save(
        article=attempt, by=reviewer, change_kind="clinical-update", change_note="Updated to the 2026 guideline."
    )
    logged = Correction.objects.get()
    assert (logged.kind, logged.by) == ("clinical-update", reviewer)
    assert fresh(article).updated_at == logged.at


def test_a_reviewer_may_not_log_a_correction_nor_an_update_without_a_review(reviewer):
    article = ArticleFactory(reviewed_at=dt.date(2024, 1, 1))
    attempt = fresh(article)
    attempt.reviewed_at = dt.date(2026, 11, 1)
    with pytest.raises(PermissionDenied, match="Only an editor"):
        services.article_save(article=attempt, by=reviewer, change_kind="correction", change_note="Fixed.")
    with pytest.raises(PermissionDenied, match="with a review"):
        services.article_save(article=fresh(article), by=reviewer, change_kind="clinical-update", change_note="X.")
    assert not Correction.objects.exists()


def test_restoring_a_revision_never_removes_or_changes_a_logged_correction(editor):
    article = ArticleFactory(body="Wrong dose.")
    services.article_save(article=fresh(article), by=editor)
    before_correction = Version.objects.get_for_object(article).first()
    attempt = fresh(article)
    attempt.body = "Right dose."
    services.article_save(article=attempt, by=editor, change_kind="correction", change_note="Dose fixed.")
    corrected_at = fresh(article).updated_at
    services.article_restore(article=fresh(article), version=before_correction, by=editor)
    restored = fresh(article)
    assert restored.body == "Wrong dose."
    assert list(Correction.objects.values_list("note", flat=True)) == ["Dose fixed."]
    assert restored.updated_at == corrected_at  # a restore is not a logged change either


def test_the_log_outlives_a_deletion_and_comes_back_with_a_recovery(editor):
    article = ArticleFactory()
    services.article_save(article=fresh(article), by=editor, change_kind="correction", change_note="Fixed.")
    services.article_delete(article=fresh(article), by=editor)
    deleted = Version.objects.get_deleted(Article).first()
    services.article_recover(version=deleted, by=editor)
    assert list(fresh(article).corrections.values_list("note", flat=True)) == ["Fixed."]


# ---------------------------------------------------------------- the admin's save flow


def test_an_editor_is_asked_what_kind_of_change_and_the_default_is_minor(editor_client):
    article = ArticleFactory()
    page = editor_client.get(change_url(article))
    form = page.context["adminform"].form
    assert [kind for kind, _ in form.fields["change_kind"].choices] == [
        "minor", "correction", "clarification", "clinical-update",
    ]  # fmt: skip
    assert form["change_kind"].value() == "minor"
    assert "What kind of change is this?" in page.text
    assert editor_client.post(change_url(article), admin_form_data(page, title="Typo")).status_code == 302
    assert not Correction.objects.exists()


def test_the_question_is_not_asked_on_drafts(editor_client):
    page = editor_client.get(change_url(ArticleFactory(status=Article.Status.DRAFT, published_at=None)))
    assert "change_kind" not in page.context["adminform"].form.fields


def test_an_editor_logs_a_correction_from_the_form(editor_client, editor):
    article = ArticleFactory(updated_at=LONG_AGO)
    page = editor_client.get(change_url(article))
    data = admin_form_data(page, body="The dose is 50 mg.", change_kind="correction", change_note="Wrong dose.")
    assert editor_client.post(change_url(article), data).status_code == 302
    logged = Correction.objects.get()
    assert (logged.kind, logged.note, logged.by) == ("correction", "Wrong dose.", editor)
    assert fresh(article).updated_at == logged.at
    page = editor_client.get(change_url(article))
    assert "Corrected" in page.text and "Wrong dose." in page.text  # the log, read-only


def test_the_form_keeps_the_text_when_the_note_is_missing(editor_client):
    article = ArticleFactory()
    data = admin_form_data(editor_client.get(change_url(article)), body="Kept body.", change_kind="clarification")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "public note" in str(response.context["adminform"].form.errors["change_note"])
    assert "Kept body." in response.text
    assert not Correction.objects.exists()


def test_a_reviewers_form_logs_a_clinical_update_but_a_forged_correction_is_refused(reviewer_client, reviewer):
    article = ArticleFactory(reviewed_at=dt.date(2024, 1, 1))
    page = reviewer_client.get(change_url(article))
    forged = admin_form_data(page, reviewed_at="2026-11-01", change_kind="correction", change_note="Forged.")
    response = reviewer_client.post(change_url(article), forged)
    assert response.status_code == 200 and not Correction.objects.exists()
    data = admin_form_data(page, reviewed_at="2026-11-01", change_kind="clinical-update", change_note="New guideline.")
    assert reviewer_client.post(change_url(article), data).status_code == 302
    assert list(Correction.objects.values_list("kind", "by")) == [("clinical-update", reviewer.pk)]


def test_a_writers_forged_change_kind_logs_nothing(writer_client, writer):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    data = admin_form_data(writer_client.get(change_url(article)), change_kind="correction", change_note="Forged.")
    writer_client.post(change_url(article), data)
    assert not Correction.objects.exists()


def test_nobody_edits_or_deletes_a_logged_correction_in_the_admin(editor_client, editor):
    article = ArticleFactory()
    services.article_save(article=fresh(article), by=editor, change_kind="correction", change_note="Fixed.")
    correction = Correction.objects.get()
    change = reverse("admin:articles_correction_change", args=[correction.pk])
    delete = reverse("admin:articles_correction_delete", args=[correction.pk])
    assert editor_client.post(change, {"note": "Rewritten.", "kind": "correction"}).status_code == 403
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403
    assert editor_client.post(reverse("admin:articles_correction_add"), {"note": "New."}).status_code == 403
    assert Correction.objects.get().note == "Fixed."
