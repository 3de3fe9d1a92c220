"""Related posts: computed when articles are written, filtered when read.

Order: the posts an editor pinned (in the editor's order), then the posts
closest to this one. Closeness is a score:

    CONDITION_WEIGHT per shared condition + TAG_WEIGHT per shared tag
    + TEXT_WEIGHT x the overlap of title and summary words (0 to 1)

with newer posts first on ties. Text overlap is worth less than one tag, so
it only reorders posts that conditions and tags rank equal.

Stored, not live: `Article.related_ids` holds the RELATED_CANDIDATES best
candidates, best first. The article page reads them in one primary-key
query through `Article.objects.published()` and keeps the first few in the
stored order (`related_articles`), so the page does no scoring at all.

Why a stored list cannot leak: candidates are articles with status
"published", scheduled ones included (never drafts or articles in review,
never the article itself), and reading always filters through published().
A scheduled post therefore appears in lists at its time with nothing to
run, and a post that is unpublished or deleted disappears from every list
at once, before any list is recomputed. Storing a few more candidates than
the page shows leaves room for such gaps.

Keeping lists good (freshness is about quality, not safety):

- `refresh(ids)` recomputes and stores the lists of the given articles in a
  bounded number of queries: the terms of those articles, each term's pool,
  the pooled articles' terms and text, one UPDATE per batch of changes.
- `refresh_around(ids)` is what follows writes (articles/changes.py, on
  commit, for the services and the import): the articles themselves, then their new neighbours (the articles
  in their own lists, since relatedness is roughly symmetric, so a newly
  published post enters its closest neighbours' lists), the articles that
  pin them, and, for articles that are no longer candidates, every article
  whose stored list names them.
- `manage.py refresh_related` recomputes every list (nightly cron), for the
  rest: an older article's list gains a newly published post only if it is
  among that post's own closest neighbours, or at the next full refresh.

Candidates are bounded: for each of the article's conditions and tags (at
most MAX_TERMS of each), the CANDIDATES_PER_TERM newest published or
scheduled articles that share it. Those pools do not depend on the article,
so one refresh computes each once, and the whole site's candidates are a
few thousand articles. The scores are exact over those candidates for
conditions and tags; text overlap is added to the best SHORTLIST of them.
Related posts lean recent, which also suits readers.
"""

import heapq
import json
import re

from django.db import connection, transaction
from django.db.models import Value

from articles.models import Article, ArticleCondition, ArticleTag, RelatedArticle

CONDITION_WEIGHT = 3
TAG_WEIGHT = 1
TEXT_WEIGHT = 0.9
CANDIDATES_PER_TERM = 50
MAX_TERMS = 8
SHORTLIST = 40
# Stored per article; the page shows 4 and the rest cover withdrawn posts.
RELATED_CANDIDATES = 12
# Articles computed (and rows read or written) per batch, to bound memory
# and the size of each IN list.
BATCH = 2000
# Terms per UNION ALL of pool walks.
TERMS_PER_QUERY = 100

_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = frozenset(
    "and are but can for from has have her his how its not our out she that the their them they this "
    "was were what when who why will with you your about into than then there these those".split()
)


def candidates():
    """Return the articles that may be stored as related: published, scheduled ones included."""
    return Article.objects.published_or_scheduled()


def related_articles(article, *, limit=4):
    """Return up to `limit` of the article's stored related posts that readers may see, in stored order.

    One query (none when the list is empty). Anything withdrawn or not yet
    due since the list was stored is filtered out by published().
    """
    if not stored_ids(article):
        return []
    found = Article.objects.published().filter(pk__in=stored_ids(article)).for_listing().in_bulk()
    return in_stored_order(article, found, limit=limit)


def stored_ids(article):
    """The article's stored candidates, best first (never itself)."""
    return [pk for pk in article.related_ids[:RELATED_CANDIDATES] if pk != article.pk]


def in_stored_order(article, found, *, limit):
    """The first `limit` stored candidates among `found` ({id: article}, what readers may see), in stored order."""
    return [found[pk] for pk in stored_ids(article) if pk in found][:limit]


def compute(article_ids, *, pools=None):
    """Return {article id: related ids, best first} for the given articles, storing nothing."""
    pools = pools or _Pools()
    result = {}
    for batch in _batches(sorted(set(article_ids))):
        result.update(pools.rank(_Targets(batch)))
    return result


@transaction.atomic
def refresh(article_ids, *, pools=None):
    """Recompute and store the lists of the given articles; return how many changed.

    The page cache is the caller's to make stale when lists changed (a raw
    UPDATE sends no signals): articles/changes.py does after a write,
    `manage.py refresh_related` after its run.
    """
    pools = pools or _Pools()
    changed = 0
    for batch in _batches(sorted(set(article_ids))):
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
    pools = _Pools()
    changed = refresh(ids, pools=pools)
    neighbours, still_candidates = set(), set()
    for batch in _batches(sorted(ids)):
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


def _batches(ids):
    batch = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _words(title, summary):
    return frozenset(w for w in _WORD_RE.findall(f"{title} {summary}".lower()) if w not in _STOPWORDS)


def _overlap(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


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
            self.words[pk] = _words(title, summary)
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


class _Pools:
    """Each term's newest candidates, and what scoring needs of them, loaded once per refresh.

    Terms are ("c", condition id) and ("t", tag id). Pooled articles are
    numbered by age (slot 0 the oldest), so "newer first" is an integer
    comparison and a candidate's data is a list index; each has bitmasks of
    the pooled terms it has, so counting shared conditions and tags is two
    ANDs.
    """

    def __init__(self):
        self.members = {}  # term -> frozenset of article ids
        self.bit = {}  # term -> bit in the masks
        self.info = {}  # article id -> [published_at, words, condition mask, tag mask]
        self._pool = {}  # term -> frozenset of slots
        self._by_slot = []  # slot -> article id, oldest first
        self._condition_masks, self._tag_masks, self._words = [], [], []  # by slot

    def rank(self, targets):
        """Return {article id: related ids} for a _Targets batch."""
        wanted = {("c", t) for ids in targets.conditions.values() for t in ids[:MAX_TERMS]}
        wanted |= {("t", t) for ids in targets.tags.values() for t in ids[:MAX_TERMS]}
        self._load(wanted - set(self.members))
        return {pk: self._rank_one(pk, targets) for pk in targets.ids}

    def _rank_one(self, pk, targets):
        pinned = targets.pinned.get(pk, [])[:RELATED_CANDIDATES]
        wanted = RELATED_CANDIDATES - len(pinned)
        conditions = targets.conditions.get(pk, [])[:MAX_TERMS]
        tags = targets.tags.get(pk, [])[:MAX_TERMS]
        if wanted <= 0 or not (conditions or tags):
            return pinned
        terms = [("c", t) for t in conditions] + [("t", t) for t in tags]
        slots = frozenset().union(*(self._pool[term] for term in terms))
        condition_mask = sum(1 << self.bit[("c", t)] for t in conditions)
        tag_mask = sum(1 << self.bit[("t", t)] for t in tags)
        cm, tm, size = self._condition_masks, self._tag_masks, len(self._by_slot)
        # One integer per candidate, compared in C: the shared score, then
        # newer first. At most len(pinned) + 1 of the best are excluded below.
        best = heapq.nlargest(
            SHORTLIST + 1 + len(pinned),
            [
                (CONDITION_WEIGHT * (cm[c] & condition_mask).bit_count() + TAG_WEIGHT * (tm[c] & tag_mask).bit_count())
                * size
                + c
                for c in slots
            ],
        )
        excluded = {pk, *pinned}
        shortlist = []
        for key in best:
            shared, slot = divmod(key, size)
            if self._by_slot[slot] not in excluded:
                shortlist.append((shared, slot))
        shortlist = shortlist[:SHORTLIST]
        if not shortlist:
            return pinned
        # Text overlap is worth less than one tag: it reorders only within a
        # shared score, so only scores that can reach the list need it.
        cutoff = shortlist[min(wanted, len(shortlist)) - 1][0]
        own_words, words = targets.words[pk], self._words
        ranked = sorted(
            (
                (shared + TEXT_WEIGHT * _overlap(own_words, words[slot]), slot)
                for shared, slot in shortlist
                if shared >= cutoff
            ),
            reverse=True,
        )
        return pinned + [self._by_slot[slot] for _score, slot in ranked[:wanted]]

    def _load(self, terms):
        if not terms:
            return
        terms = sorted(terms)
        members = {term: set() for term in terms}
        for start in range(0, len(terms), TERMS_PER_QUERY):
            for term, article_id in _pool_rows(terms[start : start + TERMS_PER_QUERY]):
                members[term].add(article_id)
        for term in terms:
            self.bit[term] = len(self.bit)
            self.members[term] = frozenset(members[term])
        pooled_before = sorted(self.info)
        new = sorted(set().union(*members.values()) - set(self.info))
        for batch in _batches(new):
            rows = Article.objects.filter(pk__in=batch).values_list("pk", "published_at", "title", "summary")
            for pk, published_at, title, summary in rows:
                self.info[pk] = [published_at, _words(title, summary), 0, 0]
        # Newly pooled articles need every pooled term; the others only the new terms.
        self._load_masks(new, terms=list(self.bit))
        self._load_masks(pooled_before, terms=terms)
        self._by_slot = sorted(self.info, key=lambda c: (self.info[c][0], c))
        slot = {c: i for i, c in enumerate(self._by_slot)}
        self._pool = {term: frozenset(slot[c] for c in ids) for term, ids in self.members.items()}
        self._words = [self.info[c][1] for c in self._by_slot]
        self._condition_masks = [self.info[c][2] for c in self._by_slot]
        self._tag_masks = [self.info[c][3] for c in self._by_slot]

    def _load_masks(self, ids, *, terms):
        condition_bits = {t: self.bit[("c", t)] for kind, t in terms if kind == "c"}
        tag_bits = {t: self.bit[("t", t)] for kind, t in terms if kind == "t"}
        for batch in _batches(ids):
            for model, field, bits, slot in (
                (ArticleCondition, "condition_id", condition_bits, 2),
                (ArticleTag, "tag_id", tag_bits, 3),
            ):
                if not bits:
                    continue
                rows = model.objects.filter(article_id__in=batch, **{f"{field}__in": list(bits)})
                for article_id, term in rows.values_list("article_id", field):
                    self.info[article_id][slot] |= 1 << bits[term]


def _pool_rows(terms):
    """Yield (term, article id) for each term's CANDIDATES_PER_TERM newest candidates, in one query."""
    walks = []
    for kind, term_id in terms:
        link = "condition_links__condition_id" if kind == "c" else "tag_links__tag_id"
        newest = candidates().filter(**{link: term_id}).order_by("-published_at", "-id")
        # The walk is an index scan that stops after CANDIDATES_PER_TERM matches.
        if connection.features.supports_slicing_ordering_in_compound:
            # PostgreSQL: each branch is the sliced walk itself. Wrapped in
            # `pk IN (...)`, the planner may run the walk again for every
            # article when its statistics are stale (right after an import):
            # minutes instead of milliseconds.
            walk = newest.annotate(kind=Value(kind), term=Value(term_id)).values_list("kind", "term", "pk")
            walks.append(walk[:CANDIDATES_PER_TERM])
        else:
            # SQLite refuses LIMIT directly inside a compound statement.
            walks.append(
                Article.objects.filter(pk__in=newest.values("pk")[:CANDIDATES_PER_TERM])
                .order_by()
                .annotate(kind=Value(kind), term=Value(term_id))
                .values_list("kind", "term", "pk")
            )
    query = walks[0].union(*walks[1:], all=True) if len(walks) > 1 else walks[0]
    for kind, term_id, article_id in query:
        yield (kind, term_id), article_id
