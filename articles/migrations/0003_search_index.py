"""The search index: tables, indexes and triggers, per database vendor.

PostgreSQL: pg_trgm (a trusted extension: the database owner may create it),
`search_document` with GIN-indexed tsvectors, and `search_term`, the
vocabulary for "Did you mean", trigram-indexed. SQLite: FTS5 tables.

On both, triggers on articles_article drop an article's search row when the
article is deleted or stops being published, by whatever path (even
QuerySet.update() or delete()), and keep its publication time current, so
the index can never show more than `Article.objects.published()`. Adding
and refreshing rows is done by explicit calls (search.index_articles).

These tables now belong to the search app, which took them over in Django's
state without touching them (search/migrations/0001_initial.py); this
migration stays because existing databases applied it. Later changes to the
search tables go in search/migrations/.
"""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE TABLE search_document (
        article_id bigint PRIMARY KEY,
        published_at timestamptz NOT NULL,
        head tsvector NOT NULL,
        rank_vector tsvector NOT NULL,
        vector tsvector NOT NULL,
        snippet_source text NOT NULL
    )
    """,
    # lz4 (when the server has it) makes reading a whole document's vector,
    # as phrase matching must, several times cheaper than the default pglz.
    """
    DO $$ BEGIN
        ALTER TABLE search_document ALTER COLUMN vector SET COMPRESSION lz4;
        ALTER TABLE search_document ALTER COLUMN snippet_source SET COMPRESSION lz4;
    EXCEPTION WHEN OTHERS THEN NULL;
    END $$
    """,
    "CREATE INDEX search_document_head_gin ON search_document USING gin (head)",
    "CREATE INDEX search_document_vector_gin ON search_document USING gin (vector)",
    "CREATE TABLE search_term (word text PRIMARY KEY, df integer NOT NULL DEFAULT 0)",
    "CREATE INDEX search_term_word_trgm ON search_term USING gin (word gin_trgm_ops)",
    """
    CREATE FUNCTION search_document_follow_article() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM search_document WHERE article_id = OLD.id;
        ELSIF NEW.status <> 'published' OR NEW.published_at IS NULL THEN
            DELETE FROM search_document WHERE article_id = NEW.id;
        ELSE
            UPDATE search_document SET published_at = NEW.published_at
            WHERE article_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER search_document_follow_article_update
    AFTER UPDATE OF status, published_at ON articles_article FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION search_document_follow_article()
    """,
    """
    CREATE FUNCTION search_document_follow_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE search_document;
        RETURN NULL;
    END
    $$
    """,
    # TRUNCATE fires no row triggers (Django's test flush truncates).
    """
    CREATE TRIGGER search_document_follow_article_truncate
    AFTER TRUNCATE ON articles_article FOR EACH STATEMENT
    EXECUTE FUNCTION search_document_follow_truncate()
    """,
    """
    CREATE TRIGGER search_document_follow_article_delete
    AFTER DELETE ON articles_article FOR EACH ROW
    EXECUTE FUNCTION search_document_follow_article()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS search_document_follow_article_truncate ON articles_article",
    "DROP FUNCTION IF EXISTS search_document_follow_truncate()",
    "DROP TRIGGER IF EXISTS search_document_follow_article_delete ON articles_article",
    "DROP TRIGGER IF EXISTS search_document_follow_article_update ON articles_article",
    "DROP FUNCTION IF EXISTS search_document_follow_article()",
    "DROP TABLE IF EXISTS search_term",
    "DROP TABLE IF EXISTS search_document",
]

# Triggers on articles_article itself. SQLite drops them whenever Django
# rebuilds that table (adding a NOT NULL column does), so a later migration
# that rebuilds it runs these again (0004_article_related_ids).
SQLITE_ARTICLE_TRIGGERS = [
    """
    CREATE TRIGGER search_follow_article_delete AFTER DELETE ON articles_article BEGIN
        DELETE FROM search_fts WHERE rowid = old.id;
        DELETE FROM search_document WHERE article_id = old.id;
    END
    """,
    """
    CREATE TRIGGER search_follow_article_unpublish AFTER UPDATE OF status, published_at ON articles_article
    WHEN new.status <> 'published' OR new.published_at IS NULL BEGIN
        DELETE FROM search_fts WHERE rowid = new.id;
        DELETE FROM search_document WHERE article_id = new.id;
    END
    """,
    """
    CREATE TRIGGER search_follow_article_reschedule AFTER UPDATE OF published_at ON articles_article
    WHEN new.status = 'published' AND new.published_at IS NOT old.published_at BEGIN
        UPDATE search_document SET published_at = new.published_at WHERE article_id = new.id;
    END
    """,
]

SQLITE = [
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        title, meta, lead, body,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    # Publication times beside the FTS table: reading them there would read each row's body.
    "CREATE TABLE search_document (article_id INTEGER PRIMARY KEY, published_at TEXT NOT NULL)",
    "CREATE INDEX search_document_published_at ON search_document (published_at)",
    "CREATE TABLE search_term (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE, df INTEGER NOT NULL DEFAULT 0)",
    "CREATE VIRTUAL TABLE search_term_trigram USING fts5(word, content='search_term', content_rowid='id', tokenize='trigram')",
    """
    CREATE TRIGGER search_term_trigram_insert AFTER INSERT ON search_term BEGIN
        INSERT INTO search_term_trigram (rowid, word) VALUES (new.id, new.word);
    END
    """,
    *SQLITE_ARTICLE_TRIGGERS,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_follow_article_reschedule",
    "DROP TRIGGER IF EXISTS search_follow_article_unpublish",
    "DROP TRIGGER IF EXISTS search_follow_article_delete",
    "DROP TRIGGER IF EXISTS search_term_trigram_insert",
    "DROP TABLE IF EXISTS search_term_trigram",
    "DROP TABLE IF EXISTS search_term",
    "DROP TABLE IF EXISTS search_document",
    "DROP TABLE IF EXISTS search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"Search supports PostgreSQL and SQLite, not {schema_editor.connection.vendor}.")
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    # After the admin's migration: on SQLite, a migration that rebuilds
    # articles_article (as adding a foreign key does) drops the triggers
    # below, so any such later migration must create them again
    # (SQLITE_ARTICLE_TRIGGERS; 0004_article_related_ids does).
    dependencies = [
        ("articles", "0002_admin_roles_history_redirects"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
