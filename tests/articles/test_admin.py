import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, Tag
from tests.admin_forms import admin_form_data
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    CitationFactory,
    ConditionFactory,
    QuoteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")
ADD = reverse("admin:articles_article_add")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def fresh(article):
    return Article.objects.get(pk=article.pk)


def test_the_list_shows_status_visibility_author_conditions_and_review(editor_client):
    article = ArticleFactory(title="Visible one", content_notes=["trauma"])
    ArticleConditionFactory(article=article, condition__name="Anxiety")
    ArticleFactory(title="Scheduled one", published_at=timezone.now() + dt.timedelta(days=1))
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    text = response.text
    for expected in ("Visible one", "Scheduled one", "visible to readers", "Anxiety", "Never reviewed"):
        assert expected in text
    visible = editor_client.get(CHANGELIST, {"visible": "scheduled"}).text
    assert "Scheduled one" in visible and "Visible one" not in visible
    noted = editor_client.get(CHANGELIST, {"content_note": "trauma"}).text
    assert "Visible one" in noted and "Scheduled one" not in noted


def test_the_review_filter_and_dashboard_count_never_reviewed_and_overdue(editor_client):
    today = timezone.localdate()
    ArticleFactory(title="Never", reviewed_at=None)
    ArticleFactory(title="Overdue", reviewed_at=today - dt.timedelta(days=400))
    ArticleFactory(title="Current", reviewed_at=today - dt.timedelta(days=10))
    overdue = editor_client.get(CHANGELIST, {"review": "overdue"}).text
    assert "Overdue" in overdue and "Current" not in overdue
    never = editor_client.get(CHANGELIST, {"review": "never"}).text
    assert ">Never<" in never and "Current" not in never
    dashboard = editor_client.get(reverse("admin:index"))
    assert 'review=never">Never reviewed</a></th><td>1</td>' in dashboard.text
    assert 'review=overdue">Review overdue</a></th><td>1</td>' in dashboard.text


def test_saving_the_form_goes_through_the_services(editor_client, editor):
    article = ArticleFactory(title="Old")
    data = admin_form_data(editor_client.get(change_url(article)), title="New")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = fresh(article)
    assert (stored.title, stored.version) == ("New", 2)
    assert services.last_saved_by(article=stored) == editor


def test_text_is_stored_with_the_newlines_of_the_content_file_not_the_browsers(editor_client):
    article = ArticleFactory(body="First line.\n\nSecond line.")
    ArticleConditionFactory(article=article, note="One.\nTwo.")
    form = editor_client.get(change_url(article))
    data = admin_form_data(form)
    # What a browser sends for the same textareas.
    data["body"] = data["body"].replace("\n", "\r\n")
    data["condition_links-0-note"] = "One.\r\nTwo.\rThree."
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = fresh(article)
    assert stored.body == "First line.\n\nSecond line."
    assert stored.condition_links.get().note == "One.\nTwo.\nThree."


def test_a_stale_form_is_refused_with_what_the_other_editor_changed(editor_client, editor):
    other = UserFactory(username="oona", role="Editor")
    article = ArticleFactory(title="Original")
    mine = admin_form_data(editor_client.get(change_url(article)), summary="My summary")

    theirs = fresh(article)
    theirs.title = "Their title"
    services.article_save(article=theirs, by=other)
    CitationFactory(article=article, key="new")  # saved with their edit, as the admin does

    response = editor_client.post(change_url(article), mine)
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "Not saved: oona saved this article" in errors
    assert "“Original” → “Their title”" in errors
    assert "<strong>citations</strong>: “0” → “1”" in errors
    assert fresh(article).title == "Their title" and fresh(article).summary == "A summary."

    # Saving again, having seen their change, is a deliberate choice and wins.
    again = admin_form_data(response, summary="My summary")
    assert editor_client.post(change_url(article), again).status_code == 302
    assert fresh(article).summary == "My summary"


def test_an_import_makes_an_open_form_stale(editor_client):
    import io
    import json

    from articles.content_file import import_content

    article = ArticleFactory(slug="imported", title="Before import")
    data = admin_form_data(editor_client.get(change_url(article)), title="Edited in the admin")
    record = {
        "type": "article", "slug": "imported", "title": "Changed by import", "body": "Text.", "status": "draft",
    }  # fmt: skip
    import_content(io.BytesIO((json.dumps(record) + "\n").encode()))
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "Not saved" in str(response.context["adminform"].form.non_field_errors())
    assert fresh(article).title == "Changed by import"


@pytest.mark.parametrize(
    ("body", "keys", "message"),
    [
        ("Claim.[^missing]", ["a"], "The body cites [^missing] but no citation has the key “missing”"),
        ("Claim.[^a]", ["a", "unused"], "The citation “unused” is never referenced"),
    ],
)
def test_citation_references_and_citations_must_match(editor_client, body, keys, message):
    article = ArticleFactory(body="Claim.[^a]")
    for key in keys:
        CitationFactory(article=article, key=key)
    data = admin_form_data(editor_client.get(change_url(article)), body=body)
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert message in response.text
    assert fresh(article).body == "Claim.[^a]"


def test_published_without_a_date_is_refused_with_a_way_out(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    data = admin_form_data(editor_client.get(change_url(article)), status="published")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "A published article needs a publication date" in response.text
    assert fresh(article).status == Article.Status.DRAFT


def test_a_duplicate_slug_is_refused_clearly(editor_client):
    ArticleFactory(slug="taken")
    article = ArticleFactory(slug="mine")
    data = admin_form_data(editor_client.get(change_url(article)), slug="taken")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "Another article already uses this slug" in response.text


def test_the_change_form_links_a_draft_to_its_preview_on_the_site(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    response = editor_client.get(change_url(article))
    assert "View on site" in response.text
    shortcut = editor_client.get(response.context["original"].get_absolute_url())
    assert shortcut.status_code == 200
    assert "Preview: not published" in shortcut.text
    assert shortcut["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in shortcut["Cache-Control"]


def test_actions_publish_unpublish_and_send_to_review(editor_client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    live = ArticleFactory()
    editor_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [draft.pk]})
    assert Article.objects.published().filter(pk=draft.pk).exists()
    editor_client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [live.pk]})
    assert fresh(live).status == Article.Status.DRAFT
    editor_client.post(CHANGELIST, {"action": "send_to_review", "_selected_action": [live.pk]})
    assert fresh(live).status == Article.Status.REVIEW


def test_history_lists_who_and_the_revision_page_diffs_and_restores(editor_client, editor):
    article = ArticleFactory(title="First", body="One.[^a]\nTwo.")
    CitationFactory(article=article, key="a")
    url = change_url(article)
    editor_client.post(url, admin_form_data(editor_client.get(url)))
    changed = admin_form_data(editor_client.get(url), title="Second", body="One.[^a]\nTwo, changed.")
    assert editor_client.post(url, changed).status_code == 302
    history = editor_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert history.text.count("eda") >= 2
    newest = services.versions_of(article.pk).first()
    made = editor_client.get(reverse("admin:articles_article_revision", args=[article.pk, newest.pk]))
    assert "<td>First</td><td>Second</td>" in made.text  # what that save changed
    assert "this revision is the current version" in made.text
    oldest = services.versions_of(article.pk).last()
    revision_url = reverse("admin:articles_article_revision", args=[article.pk, oldest.pk])
    page = editor_client.get(revision_url)
    assert "+Two." in page.text and "-Two, changed." in page.text
    assert "<td>Second</td><td>First</td>" in page.text
    assert "This is the first recorded revision" in page.text
    assert '<th scope="row">citations</th>' not in page.text  # the same citation: not listed as a change

    response = editor_client.post(revision_url, {"expected_version": fresh(article).version})
    assert response.status_code == 302
    stored = fresh(article)
    assert (stored.title, stored.body, stored.version) == ("First", "One.[^a]\nTwo.", 4)


def test_a_deleted_article_is_recovered_from_the_admin(editor_client):
    article = ArticleFactory(title="Deleted by mistake", body="Claim.[^a]")
    CitationFactory(article=article, key="a")
    article_id = article.pk
    response = editor_client.post(reverse("admin:articles_article_delete", args=[article_id]), {"post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=article_id).exists()

    listing = editor_client.get(reverse("admin:articles_article_recoverlist"))
    assert "Deleted by mistake" in listing.text
    from reversion.models import Version

    version = Version.objects.get_deleted(Article).get(object_id=str(article_id))
    response = editor_client.post(reverse("admin:articles_article_recover", args=[version.pk]))
    assert response.status_code == 302
    stored = Article.objects.get(pk=article_id)
    assert stored.title == "Deleted by mistake" and stored.citations.count() == 1


def test_the_editors_get_markdownx_on_bodies_and_condition_notes(editor_client):
    article = ArticleFactory()
    ArticleConditionFactory(article=article)
    text = editor_client.get(change_url(article)).text
    assert 'name="body"' in text and 'name="condition_links-0-note"' in text
    assert text.count("markdownx-editor") >= 2
    assert "markdownx/js/markdownx" in text


def test_inline_rows_keep_the_editors_order_and_new_rows_go_last(editor_client):
    article = ArticleFactory(body="One[^a] two[^b] three[^c]")
    CitationFactory(article=article, key="a", position=0)
    CitationFactory(article=article, key="b", position=1)
    data = admin_form_data(editor_client.get(change_url(article)))
    data["citations-0-position"] = "5"  # move "a" after "b"
    data.update({"citations-TOTAL_FORMS": "3", "citations-2-key": "c", "citations-2-source": "New source"})
    data["citations-2-position"] = "0"  # the default a new row shows, untouched
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = fresh(article)
    assert [(c.key, c.position) for c in stored.citations.all()] == [("b", 0), ("a", 1), ("c", 2)]
    # The references are numbered in the new order.
    assert 'One<sup class="citation-ref" id="cite-ref-2-1"><a href="#cite-2">[2]</a></sup>' in stored.body_html
    assert 'two<sup class="citation-ref" id="cite-ref-1-1"><a href="#cite-1">[1]</a></sup>' in stored.body_html


@pytest.mark.parametrize(
    ("model_name", "field_name", "make", "label"),
    [
        ("articlequote", "quote", lambda: QuoteFactory(text="Be here now."), "Be here now."),
        ("articlecondition", "condition", lambda: ConditionFactory(name="Vaginismus"), "Vaginismus"),
        ("articletag", "tag", lambda: Tag.objects.create(name="Consent", slug="consent"), "Consent"),
        ("relatedarticle", "related", lambda: ArticleFactory(title="Touch and trust"), "Touch and trust"),
    ],
)
def test_writers_pick_quotes_conditions_tags_and_related_articles_by_autocomplete(
    writer_client, model_name, field_name, make, label
):
    make()
    params = {"app_label": "articles", "model_name": model_name, "field_name": field_name, "term": label[:4]}
    response = writer_client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    assert any(label in result["text"] for result in response.json()["results"])


def test_a_change_without_the_version_it_started_from_is_refused(editor_client):
    article = ArticleFactory(title="Kept")
    data = admin_form_data(editor_client.get(change_url(article)), title="Unchecked")
    del data["expected_version"]
    assert editor_client.post(change_url(article), data).status_code == 200
    assert fresh(article).title == "Kept"


def test_articles_deleted_in_bulk_can_each_be_recovered(editor_client):
    from reversion.models import Version

    articles = [ArticleFactory(title=f"Bulk {i}") for i in range(2)]
    ids = [a.pk for a in articles]
    response = editor_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk__in=ids).exists()
    deleted = Version.objects.get_deleted(Article)
    assert {v.field_dict["title"] for v in deleted} == {"Bulk 0", "Bulk 1"}
    editor_client.post(reverse("admin:articles_article_recover", args=[deleted.get(object_id=str(ids[0])).pk]))
    assert list(Article.objects.values_list("title", flat=True)) == ["Bulk 0"]


def test_condition_bodies_are_edited_with_the_live_preview_too(editor_client):
    condition = ConditionFactory()
    page = editor_client.get(reverse("admin:conditions_condition_change", args=[condition.pk]))
    assert page.status_code == 200
    assert 'name="body"' in page.text and "markdownx-editor" in page.text


def test_the_form_names_the_article_that_keeps_an_old_address(editor_client, editor):
    holder = ArticleFactory(slug="kept-address", title="The holder")
    holder = services.article_unpublish(article=holder, by=editor)
    holder.slug = "holder-now"
    services.article_save(article=holder, by=editor)
    article = ArticleFactory(slug="mine")
    data = admin_form_data(editor_client.get(change_url(article)), slug="kept-address")
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "was the address of “The holder” (/articles/holder-now/)" in response.text
    assert fresh(article).slug == "mine"


def test_old_addresses_are_listed_read_only_deleted_articles_included(editor_client, editor):
    from articles.models import ArticleSlugRedirect

    article = ArticleFactory(slug="gone-address", title="Gone")
    article_id = article.pk
    services.article_delete(article=article, by=editor)
    redirect = ArticleSlugRedirect.objects.get(old_slug="gone-address")
    listing = editor_client.get(reverse("admin:articles_articleslugredirect_changelist"))
    assert "gone-address" in listing.text and f"deleted article #{article_id}" in listing.text
    change = reverse("admin:articles_articleslugredirect_change", args=[redirect.pk])
    assert editor_client.post(change, {"old_slug": "freed", "article": ArticleFactory().pk}).status_code == 403
    delete = reverse("admin:articles_articleslugredirect_delete", args=[redirect.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403
    assert ArticleSlugRedirect.objects.filter(old_slug="gone-address").exists()
