"""PostgreSQL search: stored weighted tsvectors, GIN indexes, ts_rank, ts_headline, pg_trgm.

Tables (created by articles/migrations/0003_search_index.py, before search
was its own app; search/migrations/ holds their changes from now on): `search_document` holds one
row per published or scheduled article:

- `vector`: the whole document, title (A), summary and condition names (B),
  body (C); GIN-indexed; decides what matches.
- `head`: title and summary/condition names only; GIN-indexed; the matches
  most likely to be what the reader meant are taken from it first.
- `rank_vector`: `head` plus the body's opening (C); what ts_rank scores, so
  ranking never reads a whole body.
- `snippet_source`: the text snippets are cut from.
- `terms`: the exact (unstemmed) vocabulary words the article contributes,
  GIN-indexed, so a correction is checked word by word against what
  readers can see now.

`search_term` is the vocabulary for "Did you mean", trigram-indexed: each
word with the number of indexed articles using it. Writers add to it
(`change_vocabulary`); a trigger on search_document takes a removed row's
words out of it, whatever removed the row (see articles/migrations/0006_search_visible_vocabulary.py).
"""

from django.db import connection

from core.replica import read_connection
from search.backends.base import SearchBackend, now_sql
from search.query import OPERATOR_WORDS, STOP_WORDS, words

# A correction is never one of these (a stop word would leave an empty query).
NEVER_SUGGESTED = sorted(STOP_WORDS | OPERATOR_WORDS)
# The most similar vocabulary words looked at per typed word; the first one
# that readers can see now is suggested.
CANDIDATES = 10

CONFIG = "english"
# ts_rank weights for D, C, B, A: a title word outweighs any amount of body.
RANK_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"
SNIPPET_WINDOW = 900
PHRASE_WINDOW = 5_000
MAX_ANCHORS = 8
HEADLINE_OPTIONS = 'StartSel="\ue000", StopSel="\ue001", MaxWords=30, MinWords=12, MaxFragments=1'


def _clause_sql(clause):
    # plainto_tsquery ANDs its words; phraseto_tsquery also checks their order.
    function = "phraseto_tsquery" if clause.is_phrase else "plainto_tsquery"
    return f"{function}('{CONFIG}', %s)", [" ".join(clause.words)]


def tsquery(parsed):
    """Return (sql, params) for the parsed query as one tsquery expression.

    Each word or phrase goes to plainto/phraseto_tsquery as a bound
    parameter, so nothing the reader types is ever read as tsquery syntax.
    """
    parts, params = [], []
    for group in parsed.groups:
        sqls = []
        for clause in group:
            sql, p = _clause_sql(clause)
            sqls.append(sql)
            params.extend(p)
        parts.append("(" + " || ".join(sqls) + ")")
    for clause in parsed.exclusions:
        sql, p = _clause_sql(clause)
        parts.append(f"!!{sql}")
        params.extend(p)
    return "(" + " && ".join(parts) + ")", params


def _filters(condition_id):
    now, now_params = now_sql()
    sql = f" AND d.published_at <= {now}"
    params = list(now_params)
    if condition_id is not None:
        sql += (
            " AND EXISTS (SELECT 1 FROM articles_articlecondition ac"
            " WHERE ac.article_id = d.article_id AND ac.condition_id = %s)"
        )
        params.append(condition_id)
    return sql, params


def _visible_sql(word_sql):
    """SQL true when an article readers can see now has exactly the word `word_sql` in its vocabulary."""
    f_sql, f_params = _filters(None)
    return f"EXISTS (SELECT 1 FROM search_document d WHERE d.terms @> ARRAY[{word_sql}]::text[] {f_sql})", f_params


class PostgresBackend(SearchBackend):
    """Weighted tsvectors, GIN, ts_rank and ts_headline, pg_trgm for "Did you mean"."""

    vendor = "postgresql"

    def ranked_ids(self, parsed, *, condition_id=None, limit):
        """Return (ids best first, whether more than `limit` matched)."""
        q_sql, q_params = tsquery(parsed)
        f_sql, f_params = _filters(condition_id)
        rank = f"ts_rank('{RANK_WEIGHTS}', d.rank_vector, q.query)"
        # A match in the title, summary or condition names is a match of the
        # whole document too, unless the query excludes words: then check those.
        head = "d.head @@ q.query" + (" AND d.vector @@ q.query" if parsed.exclusions else "")
        # Each branch stops after limit + 1 rows, so at most 2 * (limit + 1) are ever ranked,
        # whether the query matches ten articles or ninety thousand; and when the
        # title/summary/condition matches alone fill the list, body-only matches
        # (which rank below them) are not looked for at all, sparing the scan of
        # a common word's whole posting list. The tsquery comes from a
        # materialized CTE on purpose: the planner then cannot see that a word is
        # common and pick a sequential scan that reads every document's vector;
        # the GIN bitmap scans never read them.
        # Checking a phrase means reading each candidate's whole vector (the GIN
        # index knows words, not their order), so in bodies phrases are looked
        # for among the newest PHRASE_WINDOW articles; titles, summaries and
        # condition names are searched for phrases across the whole site.
        window, window_params = "", []
        if any(c.is_phrase for g in parsed.groups for c in g) or any(c.is_phrase for c in parsed.exclusions):
            window = (
                "AND d.article_id >= (SELECT coalesce(min(article_id), 0) FROM"
                " (SELECT article_id FROM search_document ORDER BY article_id DESC LIMIT %s) newest)"
            )
            window_params = [PHRASE_WINDOW]
        sql = f"""
            WITH q AS MATERIALIZED (SELECT {q_sql} AS query),
            head AS MATERIALIZED (
                SELECT d.article_id, d.published_at, {rank} AS rank FROM search_document d, q
                WHERE {head} {f_sql} LIMIT %s
            ),
            body AS MATERIALIZED (
                SELECT d.article_id, d.published_at, {rank} AS rank FROM search_document d, q
                WHERE (SELECT count(*) FROM head) <= %s AND d.vector @@ q.query {window} {f_sql} LIMIT %s
            )
            SELECT article_id FROM (SELECT * FROM head UNION SELECT * FROM body) c
            ORDER BY rank DESC, published_at DESC, article_id DESC
            LIMIT %s
        """
        params = [*q_params, *f_params, limit + 1, limit, *window_params, *f_params, limit + 1, limit + 1]
        with read_connection().cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        return ids[:limit], len(ids) > limit

    def exists(self, parsed):
        q_sql, q_params = tsquery(parsed)
        f_sql, f_params = _filters(None)
        with read_connection().cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM search_document d WHERE d.vector @@ {q_sql} {f_sql} LIMIT 1", [*q_params, *f_params]
            )
            return cursor.fetchone() is not None

    def snippet_sql(self, parsed, article_column):
        """Return (sql, params): a subquery giving the snippet for the article in `article_column`.

        Matched words are between \ue000 and \ue001. ts_headline parses all the
        text it is given, so it gets a window of SNIPPET_WINDOW characters from
        just before the first place one of the query's words (or a word sharing
        its stem) appears, not the whole text.
        """
        q_sql, q_params = tsquery(parsed)
        stems = sorted({w[: max(5, len(w) - 2)] for w in parsed.positive_words()})[:MAX_ANCHORS]
        positions = ", ".join(["strpos(lower(s.snippet_source), %s)"] * len(stems))
        start = f"coalesce((SELECT min(p) FROM unnest(ARRAY[{positions}]::int[]) AS p WHERE p > 0), 1)"
        sql = (
            f"(SELECT ts_headline('{CONFIG}', substr(s.snippet_source, greatest(1, {start} - %s), %s), {q_sql}, %s)"
            f" FROM search_document s WHERE s.article_id = {article_column})"
        )
        return sql, [*stems, SNIPPET_WINDOW // 4, SNIPPET_WINDOW, *q_params, HEADLINE_OPTIONS]

    def corrections(self, words):
        """Return {word: suggestion} for the words readers cannot find, by trigram similarity.

        A word is corrected only when no visible article has it, and a
        suggestion is only ever a word that a visible article has, checked as
        the exact word: the vocabulary also counts scheduled articles, and a
        word sharing its stem with a visible one proves nothing.
        """
        if not words:
            return {}
        typed_sql, typed_params = _visible_sql("%s")
        found_sql, found_params = _visible_sql("c.word")
        # One branch per word, each with the word as a constant so the trigram
        # index is used. The candidates come out best first, and the outer
        # filter keeps that order, so the first visible one is the suggestion.
        branch = (
            "(SELECT %s::text, c.word FROM ("
            "   SELECT t.word FROM search_term t"
            "   WHERE t.word %% %s AND t.df > 0 AND NOT (t.word = ANY(%s::text[]))"
            "   ORDER BY similarity(t.word, %s) DESC, t.df DESC, t.word LIMIT %s"
            f" ) c WHERE NOT {typed_sql} AND {found_sql} LIMIT 1)"
        )
        params = []
        for word in words:
            params += [word, word, NEVER_SUGGESTED, word, CANDIDATES, word, *typed_params, *found_params]
        with read_connection().cursor() as cursor:
            cursor.execute(" UNION ALL ".join([branch] * len(words)), params)
            return dict(cursor.fetchall())

    def stored_terms(self, article_ids):
        """Return {article id: its vocabulary words} for those of `article_ids` that are indexed."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT article_id, terms FROM search_document WHERE article_id = ANY(%s)", [list(article_ids)]
            )
            return dict(cursor.fetchall())

    def upsert(self, docs):
        # One statement for the whole batch: a statement per article costs a
        # parse, a plan and a round trip each, about a tenth of an import's
        # indexing time. Python splits words exactly as for queries (and as SQLite
        # does), so PostgreSQL's parser never reads tags, URLs or hyphenated compounds.
        columns = (
            [d.article_id for d in docs],
            [d.published_at for d in docs],
            [" ".join(words(d.title)) for d in docs],
            [" ".join(words(d.meta)) for d in docs],
            [" ".join(words(d.lead)) for d in docs],
            [" ".join(words(d.body)) for d in docs],
            [d.snippet_source for d in docs],
            # Words are letters only, so a space separates them unambiguously.
            [" ".join(d.terms) for d in docs],
        )
        sql = f"""
            INSERT INTO search_document (article_id, published_at, head, rank_vector, vector, snippet_source, terms)
            SELECT d.id, d.published_at, h.head,
                   h.head || setweight(to_tsvector('{CONFIG}', d.lead), 'C'),
                   h.head || setweight(to_tsvector('{CONFIG}', d.body), 'C'),
                   d.snippet, string_to_array(d.terms, ' ')
            FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                        %s::text[])
                 AS d(id, published_at, title, meta, lead, body, snippet, terms)
            CROSS JOIN LATERAL (SELECT setweight(to_tsvector('{CONFIG}', d.title), 'A')
                                       || setweight(to_tsvector('{CONFIG}', d.meta), 'B') AS head) h
            ON CONFLICT (article_id) DO UPDATE SET
                published_at = EXCLUDED.published_at, head = EXCLUDED.head, rank_vector = EXCLUDED.rank_vector,
                vector = EXCLUDED.vector, snippet_source = EXCLUDED.snippet_source, terms = EXCLUDED.terms
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, list(columns))

    def remove(self, article_ids):
        # The search_document_forget_terms trigger takes their words out of the vocabulary.
        if article_ids:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_document WHERE article_id = ANY(%s)", [list(article_ids)])

    def change_vocabulary(self, change):
        """Add `change` (word: documents more or fewer, possibly negative) to the vocabulary counts.

        A word whose count falls to zero or below is no longer used by any
        indexed article and is deleted.
        """
        if change:
            words = sorted(change)
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO search_term (word, df) SELECT * FROM unnest(%s::text[], %s::int[])"
                    " ON CONFLICT (word) DO UPDATE SET df = search_term.df + EXCLUDED.df",
                    [words, [change[w] for w in words]],
                )
                cursor.execute("DELETE FROM search_term WHERE word = ANY(%s::text[]) AND df <= 0", [words])

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE search_document, search_term")

    def analyze(self):
        with connection.cursor() as cursor:
            # After a bulk write, GIN indexes hold new entries in an unsorted
            # pending list that every search scans until autovacuum merges it.
            cursor.execute(
                "SELECT gin_clean_pending_list(index::regclass) FROM unnest(ARRAY["
                "'search_document_head_gin', 'search_document_vector_gin', 'search_document_terms_gin',"
                " 'search_term_word_trgm']) AS index"
            )
            cursor.execute("ANALYZE search_document")
            cursor.execute("ANALYZE search_term")

    def optimize(self):
        self.analyze()

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_document")
            return cursor.fetchone()[0]
