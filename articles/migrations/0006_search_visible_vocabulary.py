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

import html
import json
import re
import unicodedata

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


# How the index computed an article's vocabulary words when this migration
# was written (then articles/search/documents.py and query.py), frozen here:
# a migration must give the same result whatever the code becomes, and
# articles imports nothing from the search app.
_STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now
    """.split()
)
_WORD_RE = re.compile(r"[^\W_]+")
_TAG_RE = re.compile(r"<[^>]*>")
_FOOTNOTE_RE = re.compile(r"<sup[^>]*>.*?</sup>", re.DOTALL)
_LEAD_CHARS = 600
_MAX_WORD_LENGTH = 40


def _words(text):
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORD_RE.findall(text.casefold())


def _scrub(text):
    return text.replace("\ue000", "").replace("\ue001", "")


def _plain_text(body_html):
    text = _TAG_RE.sub(" ", _FOOTNOTE_RE.sub("", body_html))
    return " ".join(html.unescape(text).split())


def _vocabulary(apps, article_ids):
    """Return [(article id, its sorted vocabulary words)] for the published articles among `article_ids`."""
    Article = apps.get_model("articles", "Article")
    ArticleCondition = apps.get_model("articles", "ArticleCondition")
    names = {}
    links = ArticleCondition.objects.filter(article_id__in=article_ids).order_by("article_id", "position", "id")
    for article_id, name in links.values_list("article_id", "condition__name"):
        names.setdefault(article_id, []).append(name)
    articles = (
        Article.objects.filter(id__in=article_ids, status="published", published_at__isnull=False)
        .order_by("id")
        .values_list("id", "title", "summary", "body", "body_html")
    )
    found = []
    for article_id, title, summary, body, body_html in articles:
        meta = _scrub(" ".join([summary, *names.get(article_id, [])]))
        body = _scrub(_plain_text(body_html) if body_html else " ".join(body.split()))
        lead = body[:_LEAD_CHARS].rsplit(" ", 1)[0] if len(body) > _LEAD_CHARS else body
        words = set()
        for text in (_scrub(title), meta, lead):
            words.update(w for w in _words(text) if 3 <= len(w) <= _MAX_WORD_LENGTH and w.isalpha())
        found.append((article_id, sorted(words - _STOP_WORDS)))
    return found


def _fill_terms(apps, schema_editor):
    """Re-index the vocabulary words of every article already in the index."""
    postgres = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT article_id FROM search_document ORDER BY article_id")
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), BATCH):
            docs = _vocabulary(apps, ids[start : start + BATCH])
            if not docs:
                continue
            if postgres:
                cursor.execute(
                    "UPDATE search_document d SET terms = string_to_array(v.terms, ' ')"
                    " FROM unnest(%s::bigint[], %s::text[]) AS v(id, terms) WHERE d.article_id = v.id",
                    [[article_id for article_id, _terms in docs], [" ".join(terms) for _id, terms in docs]],
                )
            else:
                cursor.executemany(
                    "UPDATE search_document SET terms = %s WHERE article_id = %s",
                    [(json.dumps(terms, ensure_ascii=False), article_id) for article_id, terms in docs],
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
    _fill_terms(apps, schema_editor)
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
