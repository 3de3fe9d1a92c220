"""SQLite search: an FTS5 table ranked by bm25, and a trigram-indexed vocabulary.

Tables (created by articles/migrations/0003_search_index.py, before search
was its own app; search/migrations/ holds their changes from now on):

- `search_fts`, an FTS5 table whose rowid is the article id, with columns
  title, meta (summary and condition names), lead (the body's opening) and
  body; Porter stemming, accents removed.
- `search_document` (article_id, published_at, terms): the publication
  times, so the visibility check reads an index of future dates, not each
  match; and the exact (unstemmed) vocabulary words each article
  contributes, a JSON array, indexed word by word by `search_exact` (an
  FTS5 table over that column, no stemming) so that a correction is checked
  as the exact word against what readers can see now.
- `search_term` (word, df) and `search_term_trigram`, an FTS5 trigram index
  over it, for "Did you mean": each word with the number of indexed
  articles using it. Writers add to it (`change_vocabulary`); a trigger
  takes a deleted search_document row's words out of it, whatever deleted
  the row (see articles/migrations/0006_search_visible_vocabulary.py).
"""

import json

from django.db import connection

from core.replica import read_connection
from search.backends.base import SearchBackend, now_sql
from search.query import OPERATOR_WORDS, STOP_WORDS

# A correction is never one of these (a stop word would leave an empty query).
NEVER_SUGGESTED = STOP_WORDS | OPERATOR_WORDS

# bm25 weights per column: title, meta, lead, body.
BM25 = "bm25(search_fts, 10.0, 4.0, 1.0, 0.0)"


def _string(words):
    # Words are letters and digits only (query.words), so they cannot close the string.
    return '"' + " ".join(words).replace('"', '""') + '"'


def _clause(clause):
    if clause.loose and len(clause.words) > 1:
        return "(" + " AND ".join(_string([w]) for w in clause.words) + ")"
    return _string(clause.words)


def match_expression(parsed, *, columns=""):
    """Return the FTS5 query for a parsed query; every word travels inside a quoted string."""
    groups = []
    for group in parsed.groups:
        alternatives = [_clause(c) for c in group]
        groups.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    positive = " AND ".join(groups)
    if columns:
        positive = f"{columns} : ({positive})"
    if parsed.exclusions:
        return f"({positive}) NOT (" + " OR ".join(_string(c.words) for c in parsed.exclusions) + ")"
    return positive


def _filters(condition_id):
    # Scheduled articles are few: exclude them by the index on published_at,
    # rather than reading a publication time for every match.
    now, now_params = now_sql()
    sql = f" AND search_fts.rowid NOT IN (SELECT article_id FROM search_document WHERE published_at > {now})"
    params = list(now_params)
    if condition_id is not None:
        sql += (
            " AND EXISTS (SELECT 1 FROM articles_articlecondition ac"
            " WHERE ac.article_id = search_fts.rowid AND ac.condition_id = %s)"
        )
        params.append(condition_id)
    return sql, params


def _trigrams(word):
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a, b):
    """pg_trgm's similarity: shared trigrams over all trigrams, words padded with spaces."""
    x, y = _trigrams(a), _trigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def _visible_sql(word_sql):
    """SQL true when an article readers can see now has exactly the word `word_sql` in its vocabulary.

    `word_sql` must give letters only (as every vocabulary word is), so
    quoting it makes an FTS5 string that no operator can come out of.
    """
    now, now_params = now_sql()
    sql = (
        "EXISTS (SELECT 1 FROM search_exact WHERE search_exact MATCH '\"' || " + word_sql + " || '\"'"
        f" AND search_exact.rowid NOT IN (SELECT article_id FROM search_document WHERE published_at > {now}))"
    )
    return sql, list(now_params)


class SQLiteBackend(SearchBackend):
    """FTS5 ranked by bm25, snippets from FTS5, a trigram FTS5 vocabulary for "Did you mean"."""

    vendor = "sqlite"

    def ranked_ids(self, parsed, *, condition_id=None, limit):
        """Return (ids best first, whether more than `limit` matched).

        When more than `limit` articles match, only the newest `limit` matches
        are ranked: finding where they start walks the index newest first and
        stops there, so a word found in half the site costs what a rarer one does.
        """
        expression = match_expression(parsed)
        f_sql, f_params = _filters(condition_id)
        with read_connection().cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM search_fts WHERE search_fts MATCH %s {f_sql} ORDER BY rowid DESC LIMIT 1 OFFSET %s",
                [expression, *f_params, limit],
            )
            row = cursor.fetchone()
            window, window_params = ("AND search_fts.rowid > %s", [row[0]]) if row else ("", [])
            cursor.execute(
                f"SELECT rowid FROM search_fts WHERE search_fts MATCH %s {window} {f_sql}"
                f" ORDER BY {BM25}, rowid DESC LIMIT %s",
                [expression, *window_params, *f_params, limit],
            )
            ids = [row[0] for row in cursor.fetchall()]
        return ids, row is not None

    def exists(self, parsed):
        f_sql, f_params = _filters(None)
        with read_connection().cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM search_fts WHERE search_fts MATCH %s {f_sql} LIMIT 1",
                [match_expression(parsed), *f_params],
            )
            return cursor.fetchone() is not None

    def snippet_sql(self, parsed, article_column):
        """Return (sql, params): a subquery giving the snippet for the article in `article_column`.

        The snippet is cut from the body, or from the summary and condition
        names when the body has no match; matched words are between \ue000 and \ue001.
        """
        sql = (
            "(SELECT CASE WHEN instr(body, char(57344)) OR NOT instr(meta, char(57344)) THEN body ELSE meta END"
            " FROM (SELECT snippet(search_fts, 3, char(57344), char(57345), ' … ', 30) AS body,"
            " snippet(search_fts, 1, char(57344), char(57345), ' … ', 30) AS meta"
            f" FROM search_fts WHERE search_fts MATCH %s AND search_fts.rowid = {article_column}))"
        )
        return sql, [match_expression(parsed)]

    def corrections(self, words):
        """Return {word: suggestion} for the words readers cannot find, by trigram similarity.

        A word is corrected only when no visible article has it, and a
        suggestion is only ever a word that a visible article has, checked as
        the exact word: the vocabulary also counts scheduled articles, and a
        word sharing its stem with a visible one proves nothing.
        """
        words = [w for w in words if w.isalpha() and len(w) >= 3]
        if not words:
            return {}
        found = {}
        typed_sql, typed_params = _visible_sql("%s")
        candidate_sql, candidate_params = _visible_sql("t.word")
        with read_connection().cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join([f"SELECT %s WHERE {typed_sql}"] * len(words)),
                [p for word in words for p in (word, word, *typed_params)],
            )
            known = {row[0] for row in cursor.fetchall()}
            for word in words:
                if word in known:
                    continue
                grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
                cursor.execute(
                    f"SELECT t.word, t.df, {candidate_sql} FROM search_term_trigram"
                    " JOIN search_term t ON t.id = search_term_trigram.rowid"
                    " WHERE search_term_trigram MATCH %s AND length(t.word) BETWEEN %s AND %s AND t.df > 0"
                    " ORDER BY search_term_trigram.rank LIMIT 40",
                    [*candidate_params, " OR ".join(f'"{g}"' for g in grams), len(word) - 3, len(word) + 3],
                )
                scored = [
                    (similarity(word, w), df, w)
                    for w, df, visible in cursor.fetchall()
                    if visible and w not in NEVER_SUGGESTED
                ]
                scored = [s for s in scored if s[0] >= 0.3]
                if scored:
                    found[word] = max(scored, key=lambda s: (s[0], s[1], [-ord(c) for c in s[2]]))[2]
        return found

    def stored_terms(self, article_ids):
        """Return {article id: its vocabulary words} for those of `article_ids` that are indexed."""
        ids, found = list(article_ids), {}
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT article_id, terms FROM search_document WHERE article_id IN ({placeholders})", chunk
                )
                found.update((article_id, json.loads(terms)) for article_id, terms in cursor.fetchall())
        return found

    def upsert(self, docs):
        from articles.models import Article

        field = Article._meta.get_field("published_at")
        ids = [d.article_id for d in docs]
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk)
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, meta, lead, body) VALUES (%s, %s, %s, %s, %s)",
                [(d.article_id, d.title, d.meta, d.lead, d.body) for d in docs],
            )
            # Updated in place, not deleted and inserted: a deleted row's words leave the vocabulary.
            cursor.executemany(
                "INSERT INTO search_document (article_id, published_at, terms) VALUES (%s, %s, %s)"
                " ON CONFLICT (article_id) DO UPDATE SET published_at = excluded.published_at, terms = excluded.terms",
                [
                    (
                        d.article_id,
                        field.get_db_prep_value(d.published_at, connection),
                        json.dumps(d.terms, ensure_ascii=False),
                    )
                    for d in docs
                ],
            )

    def remove(self, article_ids):
        # The search_document_forget_terms trigger takes their words out of the vocabulary.
        ids = list(article_ids)
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({placeholders})", chunk)
                cursor.execute(f"DELETE FROM search_document WHERE article_id IN ({placeholders})", chunk)

    def change_vocabulary(self, change):
        """Add `change` (word: documents more or fewer, possibly negative) to the vocabulary counts.

        A word whose count falls to zero or below is no longer used by any
        indexed article and is deleted.
        """
        if change:
            items = list(change.items())
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO search_term (word, df) VALUES (%s, %s)"
                    " ON CONFLICT (word) DO UPDATE SET df = df + excluded.df",
                    items,
                )
                touched = [word for word, _n in items]
                for start in range(0, len(touched), 500):
                    chunk = touched[start : start + 500]
                    placeholders = ", ".join(["%s"] * len(chunk))
                    cursor.execute(f"DELETE FROM search_term WHERE df <= 0 AND word IN ({placeholders})", chunk)

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
            # Row by row through the triggers, which keep search_exact's index consistent.
            cursor.execute("DELETE FROM search_document")
            cursor.execute("DELETE FROM search_term")
            cursor.execute("INSERT INTO search_term_trigram (search_term_trigram) VALUES ('delete-all')")

    def analyze(self):
        with connection.cursor() as cursor:
            # Without statistics SQLite looks a page of ids up through the
            # (status, published_at) index, reading every published article,
            # instead of by primary key; a sampled ANALYZE takes milliseconds.
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE articles_article")
            cursor.execute("ANALYZE search_document")

    def optimize(self):
        self.analyze()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            cursor.execute("INSERT INTO search_term_trigram (search_term_trigram) VALUES ('optimize')")
            cursor.execute("INSERT INTO search_exact (search_exact) VALUES ('optimize')")

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_fts")
            return cursor.fetchone()[0]
