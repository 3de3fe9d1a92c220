"""The disclosure gate: nobody publishes or schedules, and no Writer sends to review, an undisclosed article.

Checked in the services, so the admin form, its actions, restores and forged
POSTs all obey; imports may carry articles without a disclosure.
"""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import services
from articles.content_file import import_content
from articles.models import Article
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")
CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def fresh(article):
    return Article.objects.get(pk=article.pk)


def undisclosed_draft(**kwargs):
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, disclosure=None, **kwargs)


# ---------------------------------------------------------------- services, by role


def test_nobody_publishes_an_undisclosed_article_not_even_an_editor(editor):
    article = undisclosed_draft()
    with pytest.raises(PermissionDenied, match="no disclosure"):
        services.article_publish(article=article, by=editor)
    assert fresh(article).status == Article.Status.DRAFT


def test_an_editor_cannot_schedule_an_undisclosed_article_through_a_save(editor):
    article = undisclosed_draft()
    attempt = fresh(article)
    attempt.status, attempt.published_at = Article.Status.PUBLISHED, timezone.now() + dt.timedelta(days=2)
    with pytest.raises(PermissionDenied, match="no disclosure"):
        services.article_save(article=attempt, by=editor)
    assert fresh(article).status == Article.Status.DRAFT


def test_none_is_a_disclosure_and_publishing_then_works(editor):
    article = undisclosed_draft()
    attempt = fresh(article)
    attempt.disclosure = "None"
    services.article_save(article=attempt, by=editor)
    services.article_publish(article=fresh(article), by=editor)
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_a_writer_cannot_send_an_undisclosed_draft_to_review(writer):
    article = undisclosed_draft(created_by=writer)
    with pytest.raises(PermissionDenied, match="sending it to review"):
        services.article_send_to_review(article=article, by=writer)
    attempt = fresh(article)
    attempt.status = Article.Status.REVIEW
    with pytest.raises(PermissionDenied, match="sending it to review"):
        services.article_save(article=attempt, by=writer)
    assert fresh(article).status == Article.Status.DRAFT
    attempt = fresh(article)
    attempt.disclosure = "The author is paid by a clinic mentioned in this article."
    services.article_save(article=attempt, by=writer)
    services.article_send_to_review(article=fresh(article), by=writer)
    assert fresh(article).status == Article.Status.REVIEW


def test_a_published_article_keeps_its_disclosure(editor):
    article = ArticleFactory(disclosure="None")
    attempt = fresh(article)
    attempt.disclosure = None
    with pytest.raises(PermissionDenied, match="no disclosure"):
        services.article_save(article=attempt, by=editor)
    assert fresh(article).disclosure == "None"


def test_an_imported_undisclosed_published_article_can_still_be_edited(editor):
    article = ArticleFactory(disclosure=None)
    attempt = fresh(article)
    attempt.title = "Fixed a typo"
    services.article_save(article=attempt, by=editor)
    assert fresh(article).title == "Fixed a typo"


def test_restoring_a_revision_from_before_the_disclosure_keeps_it(editor):
    article = undisclosed_draft()
    services.article_save(article=fresh(article), by=editor)  # a revision without a disclosure
    first = Version.objects.get_for_object(article).first()
    attempt = fresh(article)
    attempt.disclosure = "None"
    services.article_save(article=attempt, by=editor)
    services.article_publish(article=fresh(article), by=editor)
    services.article_restore(article=fresh(article), version=first, by=editor)
    restored = fresh(article)
    # The old revision was a draft: restoring it unpublishes, but never un-declares.
    assert restored.disclosure == "None"


def test_restoring_a_published_revision_onto_an_undisclosed_draft_is_refused(editor):
    article = ArticleFactory(disclosure=None)
    services.article_save(article=fresh(article), by=editor)
    published_revision = Version.objects.get_for_object(article).first()
    services.article_unpublish(article=fresh(article), by=editor)
    with pytest.raises(PermissionDenied, match="no disclosure"):
        services.article_restore(article=fresh(article), version=published_revision, by=editor)
    assert fresh(article).status == Article.Status.DRAFT


def test_imports_may_carry_undisclosed_published_articles():
    line = (
        '{"type": "article", "slug": "imported", "title": "Imported", "body": "Text.", "status": "published", '
        '"published_at": "2024-01-01T00:00:00+00:00"}\n'
    )
    import_content(io.BytesIO(line.encode()))
    article = Article.objects.get(slug="imported")
    assert article.disclosure is None and Article.objects.published().filter(pk=article.pk).exists()


# ---------------------------------------------------------------- the admin: form, actions, forged POSTs


def test_the_publish_action_refuses_an_undisclosed_article_with_a_message(editor_client):
    article = undisclosed_draft()
    response = editor_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [article.pk]}, follow=True)
    assert "no disclosure" in response.text
    assert fresh(article).status == Article.Status.DRAFT


def test_the_send_to_review_action_refuses_a_writers_undisclosed_draft(writer_client, writer):
    article = undisclosed_draft(created_by=writer)
    writer_client.post(CHANGELIST, {"action": "send_to_review", "_selected_action": [article.pk]})
    assert fresh(article).status == Article.Status.DRAFT


def test_an_editors_form_says_why_it_will_not_schedule_and_keeps_the_text(editor_client):
    article = undisclosed_draft()
    data = admin_form_data(
        editor_client.get(change_url(article)),
        status="published", published_at_0="2031-01-01", published_at_1="09:00", title="Kept title",
    )  # fmt: skip
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "no disclosure" in str(response.context["adminform"].form.errors["disclosure"])
    assert "Kept title" in response.text
    assert fresh(article).status == Article.Status.DRAFT


def test_a_writers_forged_post_to_review_without_a_disclosure_is_refused(writer_client, writer):
    article = undisclosed_draft(created_by=writer)
    data = admin_form_data(writer_client.get(change_url(article)), status="review", disclosure="   ")
    response = writer_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "sending it to review" in str(response.context["adminform"].form.errors)
    assert fresh(article).status == Article.Status.DRAFT


def test_a_blank_disclosure_is_stored_as_not_declared(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, disclosure="Funded by X.")
    data = admin_form_data(editor_client.get(change_url(article)), disclosure="  ")
    assert editor_client.post(change_url(article), data).status_code == 302
    assert fresh(article).disclosure is None
