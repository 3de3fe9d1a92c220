"""What follows a write (articles/changes.py): once per write, after the commit, only for what readers see.

These tests run with real commits (transaction=True), as production does:
everything here happens in on_commit callbacks.
"""

import datetime as dt
import io
import json
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import search
from articles import related, services
from articles.content_file import import_content
from articles.models import Article, Tag
from articles.related import lists as related_lists
from pagecache import cache as pagecache
from pagecache.models import ContentGeneration
from reader import archive_anchors
from reader.models import ArchiveAnchor
from tests.admin_forms import admin_form_data
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    ArticleTagFactory,
    CitationFactory,
    ConditionFactory,
    PersonFactory,
    QuoteFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def fresh(article):
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def site():
    """Published articles sharing a condition and a tag, their lists computed, a generation started."""
    condition, tag = ConditionFactory(), TagFactory()
    articles = []
    for days in range(1, 5):
        article = ArticleFactory(published_at=timezone.now() - dt.timedelta(days=days))
        ArticleConditionFactory(article=article, condition=condition)
        ArticleTagFactory(article=article, tag=tag)
        articles.append(article)
    draft = ArticleFactory(title="A quiet draft", status=Article.Status.DRAFT, published_at=None)
    ArticleConditionFactory(article=draft, condition=condition)
    CitationFactory(article=draft, key="k")
    related.refresh_all()
    search.rebuild()
    pagecache.content_changed()
    return articles, draft


def snapshot():
    """What readers' pages are built from, beside the articles themselves."""
    return (
        ContentGeneration.objects.get().token,
        list(ArchiveAnchor.objects.order_by("position").values_list("position", "article_id", "token")),
        dict(Article.objects.values_list("pk", "related_ids")),
    )


@contextmanager
def counting():
    """Count the follow-up steps of the writes in the block: index, related refresh, list scan, generation."""
    with (
        mock.patch.object(search, "index_articles", wraps=search.index_articles) as index,
        mock.patch.object(related, "refresh_around", wraps=related.refresh_around) as refresh,
        mock.patch.object(related_lists, "lists_naming", wraps=related_lists.lists_naming) as scan,
        mock.patch.object(archive_anchors, "rebuild", wraps=archive_anchors.rebuild) as anchors,
        mock.patch.object(pagecache, "_new_generation", wraps=pagecache._new_generation) as generation,
    ):
        yield {"index": index, "refresh": refresh, "scan": scan, "anchors": anchors, "generation": generation}


def counts(calls):
    return {name: mock_.call_count for name, mock_ in calls.items()}


# ---------------------------------------------------------------------------
# One admin save, each follow-up once


def test_one_admin_save_of_a_published_article_indexes_and_refreshes_once(site, editor_client):
    article = site[0][0]
    ArticleConditionFactory(article=article)
    CitationFactory(article=article, key="a")
    data = admin_form_data(editor_client.get(change_url(article)), title="A new title", body="Claim.[^a]")
    data["citations-0-source"] = "A corrected source"  # the inlines change too
    with counting() as calls:
        response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert counts(calls) == {"index": 1, "refresh": 1, "scan": 1, "anchors": 1, "generation": 1}
    assert calls["index"].call_args.args[0] == {article.pk}
    assert calls["refresh"].call_args.args[0] == {article.pk}
    assert [hit.article.title for hit in search.search("new title").hits] == ["A new title"]


def test_one_admin_save_of_a_draft_touches_nothing_readers_see(site, editor_client):
    _articles, draft = site
    data = admin_form_data(editor_client.get(change_url(draft)), title="Still a draft", body="Claim.[^k]")
    data["citations-0-source"] = "A corrected source"
    data["condition_links-0-note"] = "A new note."
    before = snapshot()
    with counting() as calls:
        response = editor_client.post(change_url(draft), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert fresh(draft).title == "Still a draft"
    assert counts(calls) == {"index": 0, "refresh": 0, "scan": 0, "anchors": 0, "generation": 0}
    assert snapshot() == before


# ---------------------------------------------------------------------------
# Drafts through the services and other paths


def test_saving_a_draft_through_the_services_touches_nothing_readers_see(site, editor, writer):
    _articles, draft = site
    before = snapshot()
    with counting() as calls:
        draft.title = "Edited draft"
        draft = services.article_save(article=draft, by=editor)
        draft = services.article_send_to_review(article=draft, by=editor)
        new = services.article_save(article=Article(slug="brand-new", title="New", body="Text."), by=writer)
        services.article_render(article=new)
        services.article_delete(article=new, by=editor)
    assert counts(calls) == {"index": 0, "refresh": 0, "scan": 0, "anchors": 0, "generation": 0}
    assert snapshot() == before


def test_a_part_of_a_draft_changes_no_generation_but_a_part_of_a_published_article_does(site):
    articles, draft = site
    token = ContentGeneration.objects.get().token
    citation = draft.citations.get()
    citation.source = "Draft source"
    citation.save()
    ArticleTagFactory(article=draft, tag=Tag.objects.get())
    draft.condition_links.all().delete()
    assert ContentGeneration.objects.get().token == token
    CitationFactory(article=articles[0])
    assert ContentGeneration.objects.get().token != token


@pytest.mark.parametrize(
    "change",
    [
        lambda: PersonFactory(),
        lambda: QuoteFactory(),
        lambda: TagFactory(),
        lambda: ConditionFactory(),
    ],
    ids=["author", "quote", "tag", "condition"],
)
def test_conditions_quotes_tags_and_authors_always_start_a_generation(site, change):
    token = ContentGeneration.objects.get().token
    change()
    assert ContentGeneration.objects.get().token != token


# ---------------------------------------------------------------------------
# What readers see still changes the generation


def test_publishing_editing_unpublishing_and_deleting_through_the_services_start_a_generation(site, editor):
    _articles, draft = site

    def step(write):
        token = ContentGeneration.objects.get().token
        with counting() as calls:
            result = write()
        assert ContentGeneration.objects.get().token != token
        assert counts(calls)["index"] == counts(calls)["refresh"] == counts(calls)["generation"] == 1
        return result

    draft = step(lambda: services.article_publish(article=draft, by=editor))
    assert [hit.article.pk for hit in search.search("quiet draft").hits] == [draft.pk]
    draft.slug = "a-new-address"
    draft = step(lambda: services.article_save(article=draft, by=editor))
    draft = step(lambda: services.article_unpublish(article=draft, by=editor))
    assert search.search("quiet draft").total == 0
    step(lambda: services.article_delete(article=site[0][1], by=editor))


def test_scheduling_counts_as_visible(site, editor):
    _articles, draft = site
    token = ContentGeneration.objects.get().token
    draft.status, draft.published_at = Article.Status.PUBLISHED, timezone.now() + dt.timedelta(days=3)
    services.article_save(article=draft, by=editor)
    generation = ContentGeneration.objects.get()
    assert generation.token != token
    assert generation.next_publication_at == draft.published_at


def test_an_import_of_drafts_only_keeps_the_generation_and_one_of_a_published_article_starts_one(site):
    token = ContentGeneration.objects.get().token
    record = {"type": "article", "slug": "imported-draft", "title": "Imported draft", "body": "Text."}
    import_content(io.BytesIO(json.dumps(record).encode() + b"\n"))
    assert ContentGeneration.objects.get().token == token
    published = dict(record, status="published", published_at="2020-01-01T00:00:00+00:00")
    with counting() as calls:
        import_content(io.BytesIO(json.dumps(published).encode() + b"\n"))
    assert ContentGeneration.objects.get().token != token
    # Indexed by the import itself, in its transaction; the rest once, after it.
    assert counts(calls) == {"index": 1, "refresh": 1, "scan": 1, "anchors": 1, "generation": 1}


# ---------------------------------------------------------------------------
# The new generation comes after the index it depends on


@contextmanager
def found_at_each_new_generation(query):
    """Record what a search for `query` finds at the moment each new generation starts."""
    seen = []
    original = pagecache._new_generation

    def new_generation(*, using):
        seen.append([hit.article.title for hit in search.search(query).hits])
        original(using=using)

    with mock.patch.object(pagecache, "_new_generation", new_generation):
        yield seen


def test_a_condition_rename_starts_the_new_generation_after_the_index_is_updated(site):
    condition = fresh(site[0][0]).condition_links.get().condition
    with found_at_each_new_generation("dermatillomania") as seen:
        condition.name = "Dermatillomania"
        condition.save()
    # Once, and already finding the four published articles filed under it (not the draft).
    assert len(seen) == 1 and sorted(seen[0]) == sorted(a.title for a in site[0])


def test_rebuild_search_index_starts_the_new_generation_after_the_index_is_rebuilt(site):
    title = site[0][0].title
    search.backend().clear()
    with found_at_each_new_generation(title) as seen:
        call_command("rebuild_search_index", stdout=io.StringIO())
    assert len(seen) == 1 and title in seen[0]


def test_a_bulk_write_refreshes_the_planner_statistics_before_the_related_lists(site, monkeypatch):
    # The related-posts walks were planned from the statistics of the tables
    # before an import filled them; refreshed first, they are planned for what is there.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles import changes

    monkeypatch.setattr(changes, "BULK", 2)
    articles, _draft = site
    ids = [a.pk for a in articles[:2]]
    with CaptureQueriesContext(connection) as bulk:
        changes.articles_written(ids)
    with CaptureQueriesContext(connection) as single:
        changes.articles_written(ids[:1])
    analyzed = [q["sql"] for q in bulk.captured_queries if q["sql"].startswith("ANALYZE articles_article")]
    assert len(analyzed) == (1 if connection.vendor == "postgresql" else 0)
    assert not [q for q in single.captured_queries if q["sql"].startswith("ANALYZE")]
