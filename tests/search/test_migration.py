"""An existing search index migrates to a vocabulary of visible words (0006_search_visible_vocabulary)."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import search
from articles.models import Article
from tests.factories import ConditionFactory

BEFORE = ("articles", "0005_archive_anchors")
AFTER = ("articles", "0006_search_visible_vocabulary")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def vocabulary():
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, df FROM search_term ORDER BY word")
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_an_existing_index_gets_its_words_and_a_vocabulary_readers_can_see(publish):
    publish("Closeness", body="Closeness matters.")
    withdrawn = publish("Quixotry", body="Closeness and quixotry.")
    try:
        migrate(BEFORE)
        # What the old code left behind: words of a withdrawn article, stop words, inflated counts.
        Article.objects.filter(pk=withdrawn.pk).update(status=Article.Status.DRAFT)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE search_term SET df = 7 WHERE word = 'closeness'")
            cursor.execute("INSERT INTO search_term (word, df) VALUES ('the', 4)")
        assert "quixotry" in vocabulary()
        migrate(AFTER)
        assert vocabulary() == {"closeness": 1, "matters": 1}
        assert search.search("closenes").suggestion == "closeness"
        assert search.search("quixotri").suggestion == ""
        # The triggers work on the migrated index (the models need the later migrations too).
        migrate_to_latest()
        Article.objects.filter(status=Article.Status.PUBLISHED).delete()
        assert vocabulary() == {}
    finally:
        migrate_to_latest()


def stored_terms():
    with connection.cursor() as cursor:
        cursor.execute("SELECT article_id, terms FROM search_document ORDER BY article_id")
        rows = cursor.fetchall()
    return {pk: sorted(json.loads(terms) if isinstance(terms, str) else terms) for pk, terms in rows}


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_row_the_words_the_index_writes(publish):
    # 0006 computes the words with its own frozen copy of the index's rules
    # (articles imports nothing from search); on the day it was frozen they
    # are the words the search app writes, for every kind of text an article has.
    anxiety = ConditionFactory(name="Généralised Anxiety")
    long_body = " ".join(f"Théme{chr(97 + n // 26)}{chr(97 + n % 26)} about über-closeness_{n}." for n in range(60))
    publish(
        "Café talks: the **first** date",
        body=long_body + "[^a]",
        summary="Nervous in 2026? Ünderstandable, covid19.",
        conditions=[anxiety],
    )
    publish("Short", body="<b>Bold</b> &amp; brave, naïve\ue000marker words.")
    search.rebuild()
    expected = stored_terms()
    assert all(expected.values()) and "generalised" in expected[min(expected)]
    try:
        migrate(BEFORE)
        migrate(AFTER)
        assert stored_terms() == expected
    finally:
        migrate_to_latest()
