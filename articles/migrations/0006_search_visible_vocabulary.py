"""The "Did you mean" vocabulary: only words readers can see now, and it shrinks.

Each search_document row gets `terms`, the exact (unstemmed) vocabulary
words its article contributes: a GIN-indexed text[] on PostgreSQL; on SQLite
a JSON array, indexed word by word by `search_exact`, an FTS5 table without
stemming over that column. A correction is checked against them, as the
exact word, among the articles published at the database's now.

A trigger on search_document takes a deleted row's words out of
search_term (deleting the words no article uses any more), whatever deleted
the row: `remove()`, or the triggers of 0003_search_index when an article is
deleted or leaves "published". Writers change the counts of the rows they
insert or update themselves (search.index_articles).

These tables now belong to the search app, which took them over in Django's
state without touching them (search/migrations/0001_initial.py); this
migration stays because existing databases applied it. Later changes to the
search tables go in search/migrations/.

Existing databases: `terms` is filled by re-indexing the rows already in the
index, and search_term is recomputed from them (dropping the stop words and
the words of articles that have left the index, which it used to keep).
"""

import json

from django.db import migrations

BATCH = 500

POSTGRES_SCHEMA = [
    "ALTER TABLE search_document ADD COLUMN terms text[] NOT NULL DEFAULT '{}'",
]
POSTGRES_AFTER_FILL = [
    "CREATE INDEX search_document_terms_gin ON search_document USING gin (terms)",
    """
    CREATE FUNCTION search_document_forget_terms() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- A count may go below zero for a moment inside search.bulk(), whose
        -- additions are written at its end; a word is deleted only when it reaches 0.
        INSERT INTO search_term (word, df)
        SELECT word, -count(*)::int FROM removed, unnest(removed.terms) AS word GROUP BY word ORDER BY word
        ON CONFLICT (word) DO UPDATE SET df = search_term.df + EXCLUDED.df;
        DELETE FROM search_term WHERE df = 0 AND word IN (SELECT unnest(terms) FROM removed);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER search_document_forget_terms AFTER DELETE ON search_document
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION search_document_forget_terms()
    """,
    # TRUNCATE fires no delete triggers: emptying the index empties the vocabulary.
    """
    CREATE OR REPLACE FUNCTION search_document_follow_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE search_document, search_term;
        RETURN NULL;
    END
    $$
    """,
    "TRUNCATE search_term",
    "INSERT INTO search_term (word, df) SELECT word, count(*) FROM search_document, unnest(terms) AS word GROUP BY word",
    "ANALYZE search_document",
    "ANALYZE search_term",
]
POSTGRES_REVERSE = [
    """
    CREATE OR REPLACE FUNCTION search_document_follow_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE search_document;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS search_document_forget_terms ON search_document",
    "DROP FUNCTION IF EXISTS search_document_forget_terms()",
    "DROP INDEX IF EXISTS search_document_terms_gin",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS terms",
]

SQLITE_SCHEMA = [
    "ALTER TABLE search_document ADD COLUMN terms TEXT NOT NULL DEFAULT '[]'",
]
SQLITE_AFTER_FILL = [
    # External content: the words are stored once, in search_document; the
    # JSON punctuation separates them for the tokenizer.
    """
    CREATE VIRTUAL TABLE search_exact USING fts5(
        terms, content='search_document', content_rowid='article_id',
        tokenize='unicode61 remove_diacritics 0'
    )
    """,
    "INSERT INTO search_exact (search_exact) VALUES ('rebuild')",
    """
    CREATE TRIGGER search_document_terms_insert AFTER INSERT ON search_document BEGIN
        INSERT INTO search_exact (rowid, terms) VALUES (new.article_id, new.terms);
    END
    """,
    """
    CREATE TRIGGER search_document_terms_update AFTER UPDATE OF terms ON search_document BEGIN
        INSERT INTO search_exact (search_exact, rowid, terms) VALUES ('delete', old.article_id, old.terms);
        INSERT INTO search_exact (rowid, terms) VALUES (new.article_id, new.terms);
    END
    """,
    # A count may go below zero for a moment inside search.bulk(), whose
    # additions are written at its end; a word is deleted only when it reaches 0.
    """
    CREATE TRIGGER search_document_forget_terms AFTER DELETE ON search_document BEGIN
        INSERT INTO search_exact (search_exact, rowid, terms) VALUES ('delete', old.article_id, old.terms);
        INSERT INTO search_term (word, df) SELECT value, -1 FROM json_each(old.terms) WHERE true
            ON CONFLICT (word) DO UPDATE SET df = df - 1;
        DELETE FROM search_term WHERE df = 0 AND word IN (SELECT value FROM json_each(old.terms));
    END
    """,
    "DELETE FROM search_term",
    "INSERT INTO search_term_trigram (search_term_trigram) VALUES ('delete-all')",
    """
    CREATE TRIGGER search_term_trigram_delete AFTER DELETE ON search_term BEGIN
        INSERT INTO search_term_trigram (search_term_trigram, rowid, word) VALUES ('delete', old.id, old.word);
    END
    """,
    """
    INSERT INTO search_term (word, df)
    SELECT value, count(*) FROM search_document, json_each(search_document.terms) GROUP BY value
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_term_trigram_delete",
    "DROP TRIGGER IF EXISTS search_document_forget_terms",
    "DROP TRIGGER IF EXISTS search_document_terms_update",
    "DROP TRIGGER IF EXISTS search_document_terms_insert",
    "DROP TABLE IF EXISTS search_exact",
    "ALTER TABLE search_document DROP COLUMN terms",
]


def _fill_terms(schema_editor):
    """Re-index the vocabulary words of every article already in the index."""
    from search.documents import documents

    postgres = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT article_id FROM search_document ORDER BY article_id")
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), BATCH):
            docs = list(documents(ids[start : start + BATCH]))
            if not docs:
                continue
            if postgres:
                cursor.execute(
                    "UPDATE search_document d SET terms = string_to_array(v.terms, ' ')"
                    " FROM unnest(%s::bigint[], %s::text[]) AS v(id, terms) WHERE d.article_id = v.id",
                    [[doc.article_id for doc in docs], [" ".join(doc.terms) for doc in docs]],
                )
            else:
                cursor.executemany(
                    "UPDATE search_document SET terms = %s WHERE article_id = %s",
                    [(json.dumps(doc.terms, ensure_ascii=False), doc.article_id) for doc in docs],
                )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema, after_fill = POSTGRES_SCHEMA, POSTGRES_AFTER_FILL
    elif vendor == "sqlite":
        schema, after_fill = SQLITE_SCHEMA, SQLITE_AFTER_FILL
    else:
        raise RuntimeError(f"Search supports PostgreSQL and SQLite, not {vendor}.")
    for statement in schema:
        schema_editor.execute(statement, params=None)
    _fill_terms(schema_editor)
    for statement in after_fill:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_archive_anchors"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
