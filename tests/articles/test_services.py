import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleSlugRedirect
from tests.factories import ArticleFactory, CitationFactory, PersonFactory, ReviewerFactory, make_image

pytestmark = pytest.mark.django_db


def fresh(article):
    return Article.objects.get(pk=article.pk)


def test_a_save_bumps_the_version_and_records_who_saved(editor):
    article = ArticleFactory(title="Before")
    article.title = "After"
    services.article_save(article=article, by=editor)
    stored = fresh(article)
    assert (stored.title, stored.version) == ("After", 2)
    assert services.last_saved_by(article=stored) == editor


def test_a_stale_save_is_refused_and_says_what_the_other_person_changed(editor, roles):
    from tests.factories import UserFactory

    other = UserFactory(username="oona", role="Editor")
    article = ArticleFactory(title="Original", body="Line one.\nLine two.")
    mine, theirs = fresh(article), fresh(article)

    theirs.title, theirs.body = "Their title", "Line one.\nLine two, edited."
    services.article_save(article=theirs, by=other)

    mine.title = "My title"
    with pytest.raises(services.ArticleConflict) as info:
        services.article_save(article=mine, by=editor)
    conflict = info.value
    assert conflict.saved_by == other
    assert {c.field for c in conflict.changes} == {"title", "body"}
    title = next(c for c in conflict.changes if c.field == "title")
    assert (title.before, title.after) == ("Original", "Their title")
    body = next(c for c in conflict.changes if c.field == "body")
    assert "-Line two." in body.diff and "+Line two, edited." in body.diff
    assert fresh(article).title == "Their title"  # nothing overwritten


def test_publish_now_makes_a_draft_visible_at_once(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    services.article_publish(article=article, by=editor)
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert fresh(article).version == 2


def test_publish_now_brings_a_scheduled_article_forward(editor):
    article = ArticleFactory(published_at=timezone.now() + dt.timedelta(days=3))
    services.article_publish(article=article, by=editor)
    assert fresh(article).published_at <= timezone.now()


def test_unpublish_takes_an_article_off_the_site(editor, client):
    article = ArticleFactory()
    services.article_unpublish(article=article, by=editor)
    assert fresh(article).status == Article.Status.DRAFT
    assert client.get(article.get_absolute_url()).status_code == 404


def test_actions_refuse_a_stale_version_too(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    stale_version = article.version
    services.article_send_to_review(article=fresh(article), by=editor)
    with pytest.raises(services.ArticleConflict):
        services.article_publish(article=article, by=editor, expected_version=stale_version)
    assert fresh(article).status == Article.Status.REVIEW


def test_send_to_review_refuses_a_published_article(editor):
    article = ArticleFactory()
    with pytest.raises(PermissionDenied, match="unpublish it first"):
        services.article_send_to_review(article=article, by=editor)


def test_a_scheduled_article_appears_exactly_at_its_time(editor, client, db_clock):
    at = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    article.status, article.published_at = Article.Status.PUBLISHED, at
    services.article_save(article=article, by=editor)

    db_clock(at - dt.timedelta(seconds=1))
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.title not in client.get(reverse("articles:list")).text

    db_clock(at)
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert article.title in client.get(reverse("articles:list")).text


def test_renaming_a_published_article_keeps_the_old_address_with_a_301(editor, client):
    article = ArticleFactory(slug="first-name")
    article.slug = "second-name"
    services.article_save(article=article, by=editor)
    article.slug = "third-name"
    services.article_save(article=article, by=editor)

    for old in ("first-name", "second-name"):
        response = client.get(reverse("articles:detail", kwargs={"slug": old}))
        assert response.status_code == 301
        assert response["Location"] == "/articles/third-name/"
    assert client.get("/articles/third-name/").status_code == 200


def test_taking_back_an_old_slug_makes_it_live_again(editor, client):
    article = ArticleFactory(slug="first-name")
    article.slug = "second-name"
    services.article_save(article=article, by=editor)
    article.slug = "first-name"
    services.article_save(article=article, by=editor)
    assert list(ArticleSlugRedirect.objects.values_list("old_slug", flat=True)) == ["second-name"]
    assert client.get("/articles/first-name/").status_code == 200
    assert client.get("/articles/second-name/")["Location"] == "/articles/first-name/"


def test_renaming_a_draft_leaves_no_redirect(editor):
    article = ArticleFactory(slug="draft-name", status=Article.Status.DRAFT)
    article.slug = "better-name"
    services.article_save(article=article, by=editor)
    assert not ArticleSlugRedirect.objects.exists()


def test_an_old_address_cannot_be_given_to_another_article(editor):
    article = ArticleFactory(slug="taken-once", title="First holder")
    article.slug = "moved"
    services.article_save(article=article, by=editor)
    other = ArticleFactory(slug="other")
    other.slug = "taken-once"
    with pytest.raises(ValidationError, match=r"was the address of “First holder” \(/articles/moved/\) and stays"):
        services.article_save(article=other, by=editor)


def test_a_redirect_does_not_reveal_an_unpublished_article(editor, client):
    article = ArticleFactory(slug="was-public")
    article.slug = "now-hidden"
    services.article_save(article=article, by=editor)
    services.article_unpublish(article=fresh(article), by=editor)
    assert client.get("/articles/was-public/").status_code == 404


def test_restoring_a_revision_brings_back_text_and_citations(editor):
    article = ArticleFactory(title="First", body="Claim.[^a]")
    CitationFactory(article=article, key="a", source="Source A")
    services.article_save(article=fresh(article), by=editor)
    first = services.versions_of(article.pk).first()

    changed = fresh(article)
    changed.title, changed.body = "Second", "No claim."
    services.article_save(article=changed, by=editor)
    changed.citations.all().delete()

    restored, skipped = services.article_restore(article=fresh(article), version=first, by=editor)
    stored = fresh(article)
    assert (stored.title, stored.body, skipped) == ("First", "Claim.[^a]", 0)
    assert [c.source for c in stored.citations.all()] == ["Source A"]
    assert 'href="#cite-1"' in stored.body_html
    assert stored.version == 4  # restoring is a new version, never an old number again


def test_a_deleted_article_can_be_recovered_with_its_parts(editor):
    article = ArticleFactory(title="Gone", body="Claim.[^a]")
    CitationFactory(article=article, key="a", source="Source A")
    article_id = article.pk
    services.article_delete(article=article, by=editor)
    assert not Article.objects.filter(pk=article_id).exists()

    from reversion.models import Version

    version = Version.objects.get_deleted(Article).get(object_id=str(article_id))
    recovered, _skipped = services.article_recover(version=version, by=editor)
    stored = Article.objects.get(pk=article_id)
    assert stored.title == "Gone"
    assert [c.source for c in stored.citations.all()] == ["Source A"]


def test_review_is_due_a_configurable_interval_after_the_last_one(settings):
    today = dt.date(2026, 6, 1)
    never = ArticleFactory(reviewed_at=None)
    overdue = ArticleFactory(reviewed_at=dt.date(2025, 5, 31))
    current = ArticleFactory(reviewed_at=dt.date(2025, 6, 2))
    assert current.review_due == dt.date(2026, 6, 2)
    assert never.review_due is None and never.is_review_overdue(today=today)
    assert overdue.is_review_overdue(today=today) and not current.is_review_overdue(today=today)
    assert set(Article.objects.review_overdue(today=today)) == {never, overdue}

    settings.INTIMACYHUB_REVIEW_INTERVAL_DAYS = 30
    assert set(Article.objects.review_overdue(today=today)) == {never, overdue, current}


def test_publishing_without_a_date_is_refused_before_the_database(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    article.status = Article.Status.PUBLISHED
    with pytest.raises(ValidationError, match="needs a publication date"):
        services.article_save(article=article, by=editor)


def test_an_import_that_changes_an_article_keeps_both_states_in_its_history(editor):
    import io
    import json

    from articles.content_file import import_content

    article = ArticleFactory(slug="imported", title="Written in the admin")
    record = {"type": "article", "slug": "imported", "title": "From the import", "body": "Text.", "status": "draft"}
    import_content(io.BytesIO((json.dumps(record) + "\n").encode()))
    versions = list(services.versions_of(article.pk))
    assert [v.field_dict["title"] for v in versions] == ["From the import", "Written in the admin"]
    assert versions[0].revision.get_comment() == "Imported from a content file."

    services.article_restore(article=fresh(article), version=versions[1], by=editor)
    assert fresh(article).title == "Written in the admin" and fresh(article).version == 3


def test_an_old_address_redirects_in_a_fixed_number_of_queries(editor, client, django_assert_num_queries):
    article = ArticleFactory(slug="old-name")
    article.slug = "new-name"
    services.article_save(article=article, by=editor)
    # the failed lookup, the redirect, the article
    with django_assert_num_queries(3):
        assert client.get("/articles/old-name/").status_code == 301


def test_a_saved_body_is_rendered_with_the_articles_citations(editor):
    article = ArticleFactory(body="Old.")
    CitationFactory(article=article, key="k")
    article.body = "New claim.[^k]"
    services.article_save(article=article, by=editor)
    assert 'New claim.<sup class="citation-ref" id="cite-ref-1-1">' in fresh(article).body_html


def test_unpublishing_renaming_and_republishing_keeps_the_first_address(editor, client):
    article = ArticleFactory(slug="first-public-name")
    article = services.article_unpublish(article=fresh(article), by=editor)
    article.slug = "quiet-rename"
    services.article_save(article=article, by=editor)
    services.article_publish(article=fresh(article), by=editor)

    response = client.get("/articles/first-public-name/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/quiet-rename/"


def test_an_address_given_up_while_unpublished_is_still_refused_to_another_article(editor):
    article = ArticleFactory(slug="seen-by-readers", title="The first one")
    article = services.article_unpublish(article=fresh(article), by=editor)
    article.slug = "renamed-in-draft"
    services.article_save(article=article, by=editor)
    other = ArticleFactory(slug="other")
    other.slug = "seen-by-readers"
    with pytest.raises(ValidationError, match="was the address of “The first one”"):
        services.article_save(article=other, by=editor)


def test_a_deleted_articles_addresses_stay_reserved_and_come_back_with_it(editor, client):
    from reversion.models import Version

    article = ArticleFactory(slug="old-name", title="Deleted one")
    article.slug = "last-name"
    services.article_save(article=article, by=editor)
    article_id = article.pk
    services.article_delete(article=fresh(article), by=editor)

    assert client.get("/articles/old-name/").status_code == 404
    for taken in ("old-name", "last-name"):
        newcomer = ArticleFactory.build(slug=taken, status=Article.Status.DRAFT, published_at=None, author=None)
        with pytest.raises(ValidationError, match="“Deleted one”, which was deleted"):
            services.article_save(article=newcomer, by=editor)

    version = Version.objects.get_deleted(Article).get(object_id=str(article_id))
    recovered, _ = services.article_recover(version=version, by=editor)
    assert recovered.slug == "last-name"
    assert client.get("/articles/last-name/").status_code == 200
    assert client.get("/articles/old-name/")["Location"] == "/articles/last-name/"
    assert list(ArticleSlugRedirect.objects.values_list("old_slug", flat=True)) == ["old-name"]


def test_a_deleted_draft_that_was_never_published_frees_its_address(editor):
    article = ArticleFactory(slug="never-seen", status=Article.Status.DRAFT, published_at=None)
    article_id = article.pk
    services.article_delete(article=fresh(article), by=editor)
    newcomer = ArticleFactory.build(slug="never-seen", status=Article.Status.DRAFT, published_at=None, author=None)
    services.article_save(article=newcomer, by=editor)
    assert Article.objects.get(slug="never-seen").pk != article_id


def test_what_changed_names_every_field_an_editor_can_set_in_the_forms_order(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, reviewed_by=None, content_notes=[])
    services.article_save(article=fresh(article), by=editor)
    started = fresh(article).version
    changed = fresh(article)
    changed.title, changed.slug, changed.summary, changed.body = "New", "new-name", "New summary.", "New body."
    changed.status = Article.Status.REVIEW
    changed.published_at = timezone.now() - dt.timedelta(days=3)
    changed.updated_at = timezone.now()
    changed.author = PersonFactory()
    changed.reviewed_by, changed.reviewed_at, changed.content_notes = ReviewerFactory(), dt.date(2025, 1, 2), ["grief"]
    changed.disclosure = "Funded by a grant from the Example Trust."
    changed.cover = make_image()
    services.article_save(article=changed, by=editor)
    changes = services.changes_since(article=fresh(article), version=started)
    editable = [f.attname for f in Article._meta.concrete_fields if f.editable and not f.primary_key]
    assert sorted(c.field for c in changes) == sorted(editable)
    assert [c.field for c in changes][:2] == ["title", "slug"]
