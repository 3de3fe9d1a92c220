"""Computing and storing each article's related list, and finding the lists that name an article.

`refresh()` recomputes the lists of the given articles in a bounded number
of queries; `refresh_around()` is what follows writes (articles/changes.py);
`refresh_all()` is `manage.py refresh_related`. The scoring is `pools.py`'s.
"""

import json

from django.db import connection, transaction

from articles.models import Article, ArticleCondition, ArticleTag, RelatedArticle
from articles.related.pools import Pools, batches, candidates, words_of


def compute(article_ids, *, pools=None):
    """Return {article id: related ids, best first} for the given articles, storing nothing."""
    pools = pools or Pools()
    result = {}
    for batch in batches(sorted(set(article_ids))):
        result.update(pools.rank(_Targets(batch)))
    return result


@transaction.atomic
def refresh(article_ids, *, pools=None):
    """Recompute and store the lists of the given articles; return how many changed.

    The page cache is the caller's to make stale when lists changed (a raw
    UPDATE sends no signals): articles/changes.py does after a write,
    `manage.py refresh_related` after its run.
    """
    pools = pools or Pools()
    changed = 0
    for batch in batches(sorted(set(article_ids))):
        targets = _Targets(batch)
        lists = pools.rank(targets)
        changed += _store({pk: ids for pk, ids in lists.items() if targets.stored[pk] != ids})
    return changed


def refresh_all():
    """Recompute every article's list; return how many changed."""
    return refresh(list(Article.objects.values_list("pk", flat=True)))


@transaction.atomic
def refresh_around(article_ids):
    """Refresh the lists of these just-written articles, and of the articles their change affects most.

    Their own lists first; then the articles now in those lists (a newly
    published post enters its closest neighbours' lists), the articles that
    pin them, and, for those no longer candidates (unpublished, in review,
    deleted), every article whose stored list names them. Return the number
    of lists that changed.
    """
    ids = set(article_ids)
    if not ids:
        return 0
    pools = Pools()
    changed = refresh(ids, pools=pools)
    neighbours, still_candidates = set(), set()
    for batch in batches(sorted(ids)):
        for pk, status, related_ids in Article.objects.filter(pk__in=batch).values_list("pk", "status", "related_ids"):
            neighbours.update(related_ids)
            if status == Article.Status.PUBLISHED:
                still_candidates.add(pk)
        neighbours.update(RelatedArticle.objects.filter(related_id__in=batch).values_list("article_id", flat=True))
    neighbours.update(lists_naming(ids - still_candidates))
    return changed + refresh(neighbours - ids, pools=pools)


def lists_naming(article_ids):
    """Return the ids of articles whose stored list contains any of `article_ids`.

    One scan of the stored lists (jsonb_array_elements on PostgreSQL,
    json_each on SQLite), whatever the number of ids. Needed only when
    articles stop being candidates, which is rare; an index would cost every
    refresh more than it saves here.
    """
    ids = sorted({int(pk) for pk in article_ids})
    if not ids:
        return set()
    table = connection.ops.quote_name(Article._meta.db_table)
    found = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(ids) <= 100:
            # Containment, one test per id: about 80 ms at 100,000 articles.
            cursor.execute(
                f"SELECT id FROM {table} WHERE related_ids @> ANY(%s::jsonb[])", [[json.dumps([pk]) for pk in ids]]
            )
            found.update(pk for (pk,) in cursor.fetchall())
        elif connection.vendor == "postgresql":
            # Every list's elements, hash-joined to the ids (`= ANY(%s)` would
            # compare each element with every id): one scan, however many ids.
            cursor.execute(
                f"SELECT DISTINCT a.id FROM {table} a "
                "CROSS JOIN LATERAL jsonb_array_elements_text(a.related_ids) AS e(v) "
                "JOIN unnest(%s::bigint[]) AS w(id) ON w.id = e.v::bigint",
                [ids],
            )
            found.update(pk for (pk,) in cursor.fetchall())
        else:
            for start in range(0, len(ids), 10_000):
                chunk = ids[start : start + 10_000]
                cursor.execute(
                    f"SELECT DISTINCT a.id FROM {table} a, json_each(a.related_ids) j "
                    f"WHERE j.value IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
                found.update(pk for (pk,) in cursor.fetchall())
    return found


def _store(lists):
    """Write {article id: list}; return how many rows were written.

    One statement a batch (bulk_update's CASE per row is several times
    slower). On PostgreSQL, rows another transaction holds locked are
    skipped, not waited for: that is an editor saving that article (or an
    import), whose own write recomputes its list, and two saves refreshing
    each other's neighbours must not deadlock. Rows this transaction locked
    itself are written as usual.
    """
    if not lists:
        return 0
    table = connection.ops.quote_name(Article._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids = sorted(lists)
            cursor.execute(
                f"UPDATE {table} AS a SET related_ids = v.ids::jsonb "
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, ids) WHERE a.id = v.id AND a.id IN "
                f"(SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE SKIP LOCKED)",
                [ids, [json.dumps(lists[pk]) for pk in ids], ids],
            )
            return cursor.rowcount
        cursor.executemany(
            f"UPDATE {table} SET related_ids = %s WHERE id = %s",
            [(json.dumps(ids), pk) for pk, ids in lists.items()],
        )
        return len(lists)


def _terms_by_article(model, term_field, article_ids):
    """Return article id -> its term ids in the editor's order (position, id)."""
    terms = {}
    rows = (
        model.objects.filter(article_id__in=article_ids)
        .order_by("article_id", "position", "id")
        .values_list("article_id", term_field)
    )
    for article_id, term_id in rows:
        terms.setdefault(article_id, []).append(term_id)
    return terms


class _Targets:
    """What scoring needs of a batch of articles: their terms, pins, words and stored lists."""

    def __init__(self, ids):
        rows = Article.objects.filter(pk__in=ids).values_list("pk", "title", "summary", "related_ids")
        self.ids, self.words, self.stored = [], {}, {}
        for pk, title, summary, stored in rows:
            self.ids.append(pk)
            self.words[pk] = words_of(title, summary)
            self.stored[pk] = stored
        self.conditions = _terms_by_article(ArticleCondition, "condition_id", self.ids)
        self.tags = _terms_by_article(ArticleTag, "tag_id", self.ids)
        self.pinned = {}
        pins = (
            RelatedArticle.objects.filter(article_id__in=self.ids, related__in=candidates())
            .order_by("article_id", "position", "id")
            .values_list("article_id", "related_id")
        )
        for article_id, related_id in pins:
            self.pinned.setdefault(article_id, []).append(related_id)
