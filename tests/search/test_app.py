"""The search app's shape: a backend interface both databases implement, and the signals articles sends."""

import io
import json
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

import search
from articles import signals
from articles.content_file import import_content
from search.backends.base import SearchBackend
from search.backends.postgres import PostgresBackend
from search.backends.sqlite import SQLiteBackend
from tests.search.conftest import titles


@pytest.mark.parametrize("backend_class", [PostgresBackend, SQLiteBackend])
def test_each_backend_implements_every_method_of_the_interface(backend_class):
    assert issubclass(backend_class, SearchBackend)
    assert {"ranked_ids", "corrections", "upsert", "change_vocabulary"} <= SearchBackend.__abstractmethods__
    backend = backend_class()  # refused by Python if any abstract method were missing
    for name in SearchBackend.__abstractmethods__:
        assert getattr(type(backend), name) is not getattr(SearchBackend, name), name


def test_a_backend_missing_a_method_cannot_be_made():
    class Partial(SearchBackend):
        def ranked_ids(self, parsed, *, condition_id=None, limit):
            return [], False

    with pytest.raises(TypeError, match="abstract"):
        Partial()


@pytest.mark.django_db
def test_the_backend_is_chosen_by_the_database_vendor_and_made_once():
    engine = search.backend()
    assert engine.vendor == connections["default"].vendor
    assert search.backend() is engine


def test_an_unknown_database_is_a_clear_configuration_error(monkeypatch):
    monkeypatch.setattr(connections["default"], "vendor", "oracle")
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL and SQLite, not oracle"):
        search.backend()


# ---------------------------------------------------------------------------
# What articles sends, search receives


@pytest.mark.django_db
def test_an_index_request_from_articles_indexes_through_the_search_entry_point(publish):
    article = publish("Oxytocin", body="Hugs release oxytocin.")
    search.backend().clear()
    with mock.patch.object(search, "index_articles", wraps=search.index_articles) as index:
        signals.request_index([article.pk])
    index.assert_called_once_with([article.pk])
    assert titles("oxytocin") == ["Oxytocin"]


def _lines(*records):
    return io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode())


def _article(slug, body):
    return {
        "type": "article", "slug": slug, "title": slug.title(), "body": body,
        "status": "published", "published_at": "2024-03-01T10:00:00+00:00",
    }  # fmt: skip


def recording(order, name, real):
    def record(*args, **kwargs):
        order.append(name)
        return real(*args, **kwargs)

    return record


@pytest.mark.django_db
def test_an_import_writes_the_vocabulary_once_after_all_its_articles_are_indexed():
    import_content(_lines(_article("kept", "Mourning takes time.")))
    engine = search.backend()
    order = []
    with (
        mock.patch.object(search, "index_articles", side_effect=recording(order, "index", search.index_articles)),
        mock.patch.object(engine, "change_vocabulary", side_effect=recording(order, "words", engine.change_vocabulary)),
    ):
        # A changed article and a new one: indexed in two calls, the words written once, at the end.
        import_content(_lines(_article("kept", "Healing takes time."), _article("fresh", "Quixotry.")))
    assert order == ["index", "index", "words"]
    assert titles("healing") == ["Kept"] and titles("quixotry") == ["Fresh"]
    assert search.search("quixotri").suggestion == "quixotry"


@pytest.mark.django_db
def test_an_import_that_fails_after_indexing_writes_no_deferred_vocabulary():
    engine = search.backend()
    with (
        mock.patch.object(search, "index_articles", wraps=search.index_articles) as index,
        mock.patch.object(engine, "change_vocabulary") as words,
        mock.patch("articles.changes.articles_written", side_effect=RuntimeError("refused")),
        pytest.raises(RuntimeError),
    ):
        import_content(_lines(_article("fresh", "Quixotry.")))
    assert index.call_count == 1
    words.assert_not_called()
