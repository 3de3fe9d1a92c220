import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from articles import services
from articles.models import Article
from articles.roles import ROLES, setup_roles
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")
ADD = reverse("admin:articles_article_add")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def fresh(article):
    return Article.objects.get(pk=article.pk)


def new_article_data(**overrides):
    data = {
        "title": "A writer's draft", "slug": "a-writers-draft", "summary": "", "body": "Text.", "status": "draft",
        "updated_at_0": "", "updated_at_1": "", "author": "", "content_notes": "[]", "expected_version": "",
    }  # fmt: skip
    for prefix in ("condition_links", "citations", "quote_links", "tag_links", "related_links"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def test_setup_roles_is_idempotent_and_resets_drifted_permissions(roles):
    writer = Group.objects.get(name="Writer")
    writer.permissions.add(*Group.objects.get(name="Editor").permissions.all())
    call_command("setup_roles", stdout=io.StringIO())
    setup_roles()
    assert Group.objects.filter(name__in=ROLES).count() == 3
    codenames = set(writer.permissions.values_list("codename", flat=True))
    assert "publish_article" not in codenames and "delete_article" not in codenames
    assert {"add_article", "change_article"} <= codenames


# Writer


def test_a_writer_creates_a_draft_they_own(writer_client, writer):
    response = writer_client.post(ADD, new_article_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="a-writers-draft")
    assert article.created_by == writer and article.status == Article.Status.DRAFT


def test_a_writer_forging_status_published_is_refused(writer_client):
    data = new_article_data(status="published", published_at_0="2020-01-01", published_at_1="10:00")
    response = writer_client.post(ADD, data)
    assert response.status_code == 200
    assert "published is not one of the available choices" in str(response.context["adminform"].form.errors)
    assert not Article.objects.exists()


def test_a_writer_forging_a_publication_date_on_their_draft_changes_nothing(writer_client, writer):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    data = admin_form_data(writer_client.get(change_url(article)))
    data.update({"published_at_0": "2020-01-01", "published_at_1": "10:00", "reviewed_at": "2026-01-01"})
    assert writer_client.post(change_url(article), data).status_code == 302
    stored = fresh(article)
    assert stored.published_at is None and stored.reviewed_at is None


def test_the_service_refuses_a_writer_publishing_scheduling_or_reviewing(writer):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    me = ReviewerFactory(name="Me")
    for change in ({"status": "published"}, {"published_at": "2030-01-01T00:00Z"}, {"reviewed_by": me}):
        attempt = fresh(article)
        for name, value in change.items():
            setattr(attempt, name, value)
        with pytest.raises(PermissionDenied):
            services.article_save(article=attempt, by=writer)
    with pytest.raises(PermissionDenied):
        services.article_publish(article=article, by=writer)
    assert fresh(article).version == 1


def test_a_writer_edits_their_own_draft_and_sends_it_to_review(writer_client, writer):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    data = admin_form_data(writer_client.get(change_url(article)), title="Better title")
    assert writer_client.post(change_url(article), data).status_code == 302
    writer_client.post(CHANGELIST, {"action": "send_to_review", "_selected_action": [article.pk]})
    stored = fresh(article)
    assert (stored.title, stored.status) == ("Better title", Article.Status.REVIEW)


def test_a_writer_cannot_edit_someone_elses_article(writer_client, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=editor, title="Theirs")
    page = writer_client.get(change_url(article))
    assert page.status_code == 404 and "Theirs" not in page.text  # another's draft: not even to read
    forged = new_article_data(title="Mine now", slug=article.slug, expected_version=article.version)
    assert writer_client.post(change_url(article), forged).status_code == 404
    published = ArticleFactory(created_by=editor, title="Theirs, live")
    page = writer_client.get(change_url(published))
    assert page.status_code == 200 and 'name="title"' not in page.text  # view only
    forged = new_article_data(title="Mine now", slug=published.slug, expected_version=published.version)
    assert writer_client.post(change_url(published), forged).status_code == 403
    writer_client.post(CHANGELIST, {"action": "send_to_review", "_selected_action": [article.pk]})
    assert fresh(article).title == "Theirs" and fresh(article).status == Article.Status.DRAFT


def test_a_writer_cannot_edit_their_article_once_published(writer_client, writer):
    article = ArticleFactory(created_by=writer, title="Live")
    forged = new_article_data(title="Changed", slug=article.slug, expected_version=article.version)
    assert writer_client.post(change_url(article), forged).status_code == 403
    with pytest.raises(PermissionDenied, match="only an editor"):
        attempt = fresh(article)
        attempt.title = "Changed"
        services.article_save(article=attempt, by=writer)
    assert fresh(article).title == "Live"


def test_a_writer_cannot_publish_unpublish_or_delete(writer_client, writer):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    live = ArticleFactory(created_by=writer)
    writer_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [draft.pk]})
    writer_client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [live.pk]})
    writer_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [live.pk], "post": "yes"})
    assert fresh(draft).status == Article.Status.DRAFT and fresh(live).status == Article.Status.PUBLISHED
    delete_url = reverse("admin:articles_article_delete", args=[draft.pk])
    assert writer_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Article.objects.count() == 2
    actions = writer_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert {name for name, _label in actions} == {"", "send_to_review"}


# Editor


def test_an_editor_schedules_edits_others_and_deletes(editor_client, writer):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    data = admin_form_data(
        editor_client.get(change_url(article)), status="published", published_at_0="2031-01-01", published_at_1="09:00"
    )
    assert editor_client.post(change_url(article), data).status_code == 302
    stored = fresh(article)
    assert stored.status == Article.Status.PUBLISHED and stored.published_at.year == 2031
    assert not Article.objects.published().filter(pk=article.pk).exists()  # scheduled, not yet visible
    delete_url = reverse("admin:articles_article_delete", args=[article.pk])
    assert editor_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()


# Clinical reviewer


def test_a_reviewer_records_a_review_and_nothing_else(reviewer_client, reviewer):
    article = ArticleFactory(title="Reviewed", reviewed_by=None, reviewed_at=None)
    rhea = ReviewerFactory(name="Dr Rhea Ng")
    page = reviewer_client.get(change_url(article))
    form = page.context["adminform"].form
    # The article is published: the reviewer may log a clinical update with the review (and nothing else).
    assert set(form.fields) == {"reviewed_by", "reviewed_at", "expected_version", "change_kind", "change_note"}
    assert [kind for kind, _label in form.fields["change_kind"].choices] == ["minor", "clinical-update"]
    assert "Share a preview link" not in page.text
    data = admin_form_data(page, reviewed_by=str(rhea.pk), reviewed_at="2026-11-01")
    data["title"] = "Forged title"
    data["status"] = "draft"
    assert reviewer_client.post(change_url(article), data).status_code == 302
    stored = fresh(article)
    assert (stored.reviewed_by, str(stored.reviewed_at)) == (rhea, "2026-11-01")
    assert stored.title == "Reviewed" and stored.status == Article.Status.PUBLISHED


def test_a_reviewer_can_read_drafts_but_not_publish_create_or_change_text(reviewer_client, reviewer):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert reviewer_client.get(change_url(draft)).status_code == 200
    assert reviewer_client.get(draft.get_absolute_url()).status_code == 200
    assert reviewer_client.get(ADD).status_code == 403
    reviewer_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [draft.pk]})
    assert fresh(draft).status == Article.Status.DRAFT
    attempt = fresh(draft)
    attempt.body = "Rewritten."
    with pytest.raises(PermissionDenied):
        services.article_save(article=attempt, by=reviewer)
    with pytest.raises(PermissionDenied):
        services.article_publish(article=draft, by=reviewer)


def test_a_reviewer_reads_history_but_cannot_restore(reviewer_client, editor):
    article = ArticleFactory(title="Current")
    old = fresh(article)
    old.title = "Newer"
    services.article_save(article=old, by=editor)
    first = services.versions_of(article.pk).last()
    assert reviewer_client.get(reverse("admin:articles_article_history", args=[article.pk])).status_code == 200
    revision_url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    page = reviewer_client.get(revision_url)
    assert page.status_code == 200 and "Restore this revision" not in page.text
    reviewer_client.post(revision_url, {"expected_version": 2})
    assert fresh(article).title == "Newer"


def test_only_editors_see_and_recover_deleted_articles(writer_client, reviewer_client, editor_client):
    recover_list = reverse("admin:articles_article_recoverlist")
    assert writer_client.get(recover_list).status_code == 403
    assert reviewer_client.get(recover_list).status_code == 403
    assert editor_client.get(recover_list).status_code == 200


def test_even_an_unchanged_save_of_someone_elses_article_is_refused(writer, editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=editor)
    with pytest.raises(PermissionDenied):
        services.article_save(article=fresh(article), by=writer)
    assert fresh(article).version == 1
