"""The publish gate of the editorial checks, by role and path, and its overrides (issue 15)."""

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.editorial_checks import check_article, finding_digest
from articles.models import Article, CheckOverride
from tests.admin_forms import admin_form_data
from tests.factories import ArticleConditionFactory, ArticleFactory, ConditionFactory, PersonFactory

pytestmark = pytest.mark.django_db
HARMFUL = "He committed suicide last year.\n\nAnother paragraph about support."
SAFE = "He died by suicide last year.\n\nAnother paragraph about support."
NOTES = ["suicide or self-harm"]
CHANGELIST = reverse("admin:articles_article_changelist")


def fresh(article):
    return Article.objects.get(pk=article.pk)


def draft(body=HARMFUL, **kwargs):
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, body=body, content_notes=NOTES, **kwargs)


def blocking_digest(article):
    checked = check_article(fresh(article))
    [finding] = checked.blocking
    return finding_digest(checked.document, finding)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


# The services


def test_publishing_an_article_with_a_blocking_finding_is_refused_naming_it(editor):
    article = draft()
    with pytest.raises(services.BlockingFindings) as info:
        services.article_publish(article=article, by=editor)
    assert "committed suicide" in str(info.value) and "safe-messaging/committed-suicide" in str(info.value)
    stored = fresh(article)
    assert (stored.status, stored.version) == (Article.Status.DRAFT, 1)  # nothing written


def test_the_same_article_without_the_finding_publishes(editor):
    article = draft(body=SAFE)
    services.article_publish(article=article, by=editor)
    assert fresh(article).status == Article.Status.PUBLISHED
    assert (fresh(article).check_blocking, fresh(article).check_findings) == (0, 0)


def test_scheduling_through_a_save_is_refused_too(editor):
    article = draft()
    article.status, article.published_at = Article.Status.PUBLISHED, timezone.now() + dt.timedelta(days=2)
    with pytest.raises(services.BlockingFindings):
        services.article_save(article=article, by=editor)
    assert fresh(article).status == Article.Status.DRAFT


def test_a_published_article_cannot_take_a_blocking_finding_in(editor):
    article = ArticleFactory(body=SAFE, content_notes=NOTES)
    article.body = HARMFUL
    with pytest.raises(services.BlockingFindings):
        services.article_save(article=article, by=editor)
    assert fresh(article).body == SAFE


def test_a_write_that_changes_no_checked_text_is_not_held_up_by_old_findings(reviewer):
    # Published before the checks existed: recording its review must still work.
    article = ArticleFactory(body=HARMFUL, content_notes=NOTES)
    dr_r = PersonFactory(name="Dr R", is_reviewer=True)
    article.reviewed_by, article.reviewed_at = dr_r, timezone.localdate()
    services.article_save(article=article, by=reviewer)
    assert fresh(article).reviewed_by == dr_r
    assert fresh(article).check_blocking == 1  # counted by the write


def test_a_writer_may_send_to_review_with_blocking_findings(writer):
    article = draft(created_by=writer)
    services.article_send_to_review(article=article, by=writer)
    stored = fresh(article)
    assert stored.status == Article.Status.REVIEW and stored.check_blocking == 1


def test_a_writer_may_not_override(writer):
    article = draft(created_by=writer)
    with pytest.raises(PermissionDenied):
        services.check_override_record(article=article, digest=blocking_digest(article), reason="Quoted.", by=writer)
    assert not CheckOverride.objects.exists()


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_an_editor_or_a_clinical_reviewer_overrides_with_a_reason_then_it_publishes(role, request, editor):
    user = request.getfixturevalue(role)
    article = draft()
    with pytest.raises(ValidationError):
        services.check_override_record(article=article, digest=blocking_digest(article), reason="  ", by=user)
    services.check_override_record(
        article=article, digest=blocking_digest(article), reason="The survivor's own words.", by=user
    )
    override = CheckOverride.objects.get()
    assert (override.rule, override.field, override.text, override.created_by) == (
        "safe-messaging/committed-suicide", "body", "committed suicide", user,
    )  # fmt: skip
    assert fresh(article).check_blocking == 0 and fresh(article).check_findings == 1  # the reading grade (warn)
    # In the article's history, saying who and why.
    latest = services.versions_of(article.pk).first()
    assert latest.revision.user == user and "The survivor's own words." in latest.revision.comment
    services.article_publish(article=fresh(article), by=editor)
    assert fresh(article).status == Article.Status.PUBLISHED


def test_an_override_lapses_when_the_text_it_covers_changes(editor):
    article = draft()
    services.check_override_record(article=article, digest=blocking_digest(article), reason="Quoted.", by=editor)
    # Another paragraph changes: the override still covers its own.
    article = fresh(article)
    article.body = HARMFUL.replace("support", "help")
    services.article_save(article=article, by=editor)
    assert fresh(article).check_blocking == 0
    # Its own paragraph changes: it blocks again.
    article = fresh(article)
    article.body = HARMFUL.replace("last year", "in 2019")
    services.article_save(article=article, by=editor)
    assert fresh(article).check_blocking == 1
    with pytest.raises(services.BlockingFindings):
        services.article_publish(article=fresh(article), by=editor)


def test_a_stale_override_is_refused(editor):
    article = draft()
    digest = blocking_digest(article)
    Article.objects.filter(pk=article.pk).update(body=SAFE)
    with pytest.raises(ValidationError, match="no longer open"):
        services.check_override_record(article=article, digest=digest, reason="Quoted.", by=editor)


def test_restoring_a_revision_that_would_publish_a_blocking_finding_is_refused(editor):
    article = ArticleFactory(body=SAFE, content_notes=NOTES)
    services.article_save(article=article, by=editor)  # a revision of the safe text
    # Stored harmful text from before the checks; the revision to restore has it.
    Article.objects.filter(pk=article.pk).update(body=HARMFUL)
    services.article_save(article=fresh(article), by=editor, comment="unchanged")  # not held up: nothing changed
    harmful = services.versions_of(article.pk).first()
    current = fresh(article)
    current.body = SAFE
    services.article_save(article=current, by=editor)
    with pytest.raises(services.BlockingFindings):
        services.article_restore(article=fresh(article), version=harmful, by=editor)
    assert fresh(article).body == SAFE


def test_a_blocking_finding_in_a_condition_note_counts(editor):
    article = draft(body=SAFE)
    ArticleConditionFactory(
        article=article, condition=ConditionFactory(slug="grief"), note="After a failed suicide attempt."
    )
    with pytest.raises(services.BlockingFindings, match="condition note grief"):
        services.article_publish(article=article, by=editor)


# The admin: actions, the form, forged posts, restores


def test_the_publish_action_refuses_it_with_the_findings(editor_client):
    article = draft()
    response = editor_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [article.pk]}, follow=True)
    assert "committed suicide" in response.text and "Not changed" in response.text
    assert fresh(article).status == Article.Status.DRAFT


def test_the_form_refuses_it_and_keeps_the_editors_text(editor_client):
    article = draft(body=SAFE)
    url = change_url(article)
    data = admin_form_data(
        editor_client.get(url), body=HARMFUL + "\n\nMy new words.", status="published",
        published_at_0="2024-01-02", published_at_1="10:00:00",
    )  # fmt: skip
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "blocking finding" in response.text and "My new words." in response.text
    assert fresh(article).status == Article.Status.DRAFT and fresh(article).body == SAFE


def test_a_forged_post_by_a_writer_cannot_publish(writer_client, writer):
    article = draft(created_by=writer)
    url = change_url(article)
    data = admin_form_data(writer_client.get(url), status="published", published_at_0="2024-01-02")
    response = writer_client.post(url, data)
    assert response.status_code in (200, 403)
    assert fresh(article).status == Article.Status.DRAFT


def test_the_form_lets_a_note_fixed_in_the_same_save_through(editor_client):
    article = draft(body=SAFE)
    link = ArticleConditionFactory(
        article=article, condition=ConditionFactory(slug="grief"), note="After a failed suicide attempt."
    )
    url = change_url(article)
    data = admin_form_data(
        editor_client.get(url), status="published", published_at_0="2024-01-02", published_at_1="10:00:00"
    )
    data["condition_links-0-note"] = "A suicide attempt."
    assert editor_client.post(url, data).status_code == 302
    assert fresh(article).status == Article.Status.PUBLISHED
    link.refresh_from_db()
    assert link.note == "A suicide attempt."


# Imports are never blocked; the counts of existing rows


def test_import_dry_run_reports_findings_as_warnings_and_a_real_import_stores_the_counts(tmp_path):
    record = {
        "type": "article", "slug": "harmful", "title": "A story", "body": HARMFUL, "status": "published",
        "published_at": "2024-03-01T10:00:00+02:00", "content_notes": NOTES,
    }  # fmt: skip
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    err = io.StringIO()
    call_command("import_content", str(source), "--dry-run", stdout=io.StringIO(), stderr=err)
    assert "harmful: body 3-20: block: safe-messaging/committed-suicide: “committed suicide”" in err.getvalue()
    assert not Article.objects.exists()
    call_command("import_content", str(source), stdout=io.StringIO(), stderr=io.StringIO())
    stored = Article.objects.get(slug="harmful")
    assert stored.status == Article.Status.PUBLISHED  # an import moves a site; it is not refused
    assert (stored.check_blocking, stored.check_findings) == (1, 2)


def test_check_content_store_fills_the_counts_of_rows_written_before_the_checks():
    article = draft()
    Article.objects.filter(pk=article.pk).update(check_blocking=None, check_findings=None)
    try:
        call_command("check_content", "--store", stdout=io.StringIO(), stderr=io.StringIO())
    except SystemExit:
        pass  # 1: a blocking finding exists
    assert (fresh(article).check_blocking, fresh(article).check_findings) == (1, 2)
