"""Candidates and their scoring: each term's pool of newest candidates, loaded once per refresh.

A term is one of an article's conditions or tags; its pool is the
CANDIDATES_PER_TERM newest published or scheduled articles that share it,
read for many terms in one query. `Pools.rank()` scores a batch of
articles against the pools of their terms.
"""

import heapq
import re

from django.db.models import Value

from articles.models import Article, ArticleCondition, ArticleTag
from articles.related.reading import RELATED_CANDIDATES
from core.sql import sliced_for_union

CONDITION_WEIGHT = 3
TAG_WEIGHT = 1
TEXT_WEIGHT = 0.9
CANDIDATES_PER_TERM = 50
MAX_TERMS = 8
SHORTLIST = 40
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


def batches(ids):
    """Yield `ids` in lists of at most BATCH."""
    batch = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def words_of(title, summary):
    """Return the words of a title and summary that text overlap compares (no stopwords, no short words)."""
    return frozenset(w for w in _WORD_RE.findall(f"{title} {summary}".lower()) if w not in _STOPWORDS)


def _overlap(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class Pools:
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
        """Return {article id: related ids} for a batch of targets (`lists._Targets`)."""
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
        for batch in batches(new):
            rows = Article.objects.filter(pk__in=batch).values_list("pk", "published_at", "title", "summary")
            for pk, published_at, title, summary in rows:
                self.info[pk] = [published_at, words_of(title, summary), 0, 0]
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
        for batch in batches(ids):
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
        walk = sliced_for_union(newest, CANDIDATES_PER_TERM)
        walks.append(walk.annotate(kind=Value(kind), term=Value(term_id)).values_list("kind", "term", "pk"))
    query = walks[0].union(*walks[1:], all=True) if len(walks) > 1 else walks[0]
    for kind, term_id, article_id in query:
        yield (kind, term_id), article_id
