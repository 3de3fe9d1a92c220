"""What a reader typed, made safe and understood, before any database sees it.

Both backends receive the same parsed query, so `"phrase"`, `-exclude` and
`or` mean the same thing on PostgreSQL and on SQLite, and no operator of
either engine (tsquery's `& | ! <-> :*`, FTS5's `NEAR AND OR NOT ^ *`) can
reach it from the search box: only words travel, as bound parameters or as
quoted FTS5 strings.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings

# A query is cut to this many characters before it is parsed; the longest
# real queries are a sentence. Documented in the README.
MAX_QUERY_LENGTH = 200
# At most this many clauses reach the database, and no word longer than
# MAX_WORD_LENGTH (no English word is; a longer one is noise or an attack).
MAX_CLAUSES = 12
MAX_WORD_LENGTH = 40

# PostgreSQL's English stop words (snowball english.stop), so that SQLite,
# whose FTS5 keeps every word, treats "the" exactly as PostgreSQL does.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now
    """.split()
)

# Words that are operators to one of the engines: `or` to our parser, AND OR
# NOT NEAR to FTS5 (harmless inside the quoted strings every word travels in,
# but never offered as a correction all the same).
OPERATOR_WORDS = frozenset({"or", "and", "not", "near"})

_WORD_RE = re.compile(r"[^\W_]+")
# A clause: optional minus, then a quoted phrase (closing quote optional) or a run of non-space characters.
_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def fold(text):
    """Return `text` lower-cased with accents removed ("Café" -> "cafe")."""
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


def words(text):
    """Return the folded words of `text`, as both search backends split it."""
    return _WORD_RE.findall(fold(text))


def clean(text):
    """Return `text` without control and format characters, cut to MAX_QUERY_LENGTH.

    NUL bytes, right-to-left marks and other invisible characters are
    replaced by spaces; the cut happens first so a huge query costs nothing.
    """
    text = (text or "")[: MAX_QUERY_LENGTH * 2]
    text = "".join(" " if unicodedata.category(ch) in _INVISIBLE else ch for ch in text)
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


@dataclass(frozen=True)
class Clause:
    """One word, or a phrase of several, that must (or, negated, must not) appear."""

    words: tuple
    negated: bool = False
    # Synonyms match as all their words, in any order: cheaper than a phrase
    # (no positions to check) and just as telling for a condition's name.
    loose: bool = False

    @property
    def is_phrase(self):
        return len(self.words) > 1 and not self.loose

    def text(self):
        inner = " ".join(self.words)
        inner = f'"{inner}"' if self.is_phrase else inner
        return f"-{inner}" if self.negated else inner


@dataclass
class ParsedQuery:
    """A query as a conjunction of groups; each group is a disjunction of clauses.

    `rows` in each group are alternatives (the reader's `or`, or synonyms);
    every positive group must match and no negated clause may.
    """

    text: str
    groups: list = field(default_factory=list)
    exclusions: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.groups

    def positive_words(self):
        return [w for group in self.groups for clause in group for w in clause.words]

    def text_with(self, replacements):
        """Return the query as text with words replaced, for a "Did you mean" link."""
        parts = []
        for group in self.groups:
            alternatives = []
            for clause in group[: group_size(group)]:
                alternatives.append(Clause(tuple(replacements.get(w, w) for w in clause.words)).text())
            parts.append(" or ".join(alternatives))
        parts.extend(c.text() for c in self.exclusions)
        return " ".join(parts)


def group_size(group):
    """The number of clauses the reader typed in a group (synonyms are appended after them)."""
    return getattr(group, "typed", len(group))


class Group(list):
    typed = 0


def parse(text):
    """Parse a reader's query into a ParsedQuery (possibly empty: only stop words, or nothing)."""
    text = clean(text)
    query = ParsedQuery(text=text)
    pending_or = False
    for match in _TOKEN_RE.finditer(text):
        quoted = match.group(2) is not None
        negated = bool(match.group(1) if quoted else match.group(3))
        raw = match.group(2) if quoted else match.group(4)
        if not quoted and raw.lower() == "or" and not negated:
            pending_or = bool(query.groups)
            continue
        found = [w for w in words(raw) if len(w) <= MAX_WORD_LENGTH]
        if not quoted and len(found) == 1 and found[0] in STOP_WORDS:
            pending_or = False
            continue
        if not found or all(w in STOP_WORDS for w in found):
            pending_or = False
            continue
        # A hyphenated or quoted run of words is a phrase ("self-harm" -> "self harm").
        clause = Clause(tuple(found), negated)
        if negated:
            if clause not in query.exclusions:
                query.exclusions.append(clause)
        elif pending_or and query.groups:
            if clause not in query.groups[-1]:
                query.groups[-1].append(clause)
                query.groups[-1].typed += 1
        elif not any(clause in g for g in query.groups):
            group = Group([clause])
            group.typed = 1
            query.groups.append(group)
        pending_or = False
    del query.groups[MAX_CLAUSES:]
    del query.exclusions[max(0, MAX_CLAUSES - len(query.groups)) :]
    return query


# ---------------------------------------------------------------------------
# Synonyms and matching conditions


def _key(text):
    return tuple(w for w in words(text) if w not in STOP_WORDS)


def expand_synonyms(query, conditions):
    """Add each condition's other names to the groups that name it (in place).

    `conditions` is an iterable of (name, aliases). A reader's words that
    spell a name or an alias, as one clause or as consecutive single words,
    also match every other name of that condition.
    """
    names = {}
    for name, aliases in conditions:
        forms = [f for f in [name, *aliases] if _key(f)]
        for form in forms:
            names.setdefault(_key(form), []).extend(tuple(words(other)) for other in forms if other != form)
    if not names or not query.groups:
        return query
    longest = max(len(k) for k in names)
    groups, i = [], 0
    while i < len(query.groups):
        merged = None
        for size in range(min(longest, len(query.groups) - i), 0, -1):
            window = query.groups[i : i + size]
            if any(group_size(g) != 1 for g in window):
                continue
            key = tuple(w for g in window for w in g[0].words if w not in STOP_WORDS)
            if key in names:
                if size == 1:
                    merged = window[0]
                else:
                    merged = Group([Clause(tuple(w for g in window for w in g[0].words), loose=True)])
                    merged.typed = 1
                for other in names[key]:
                    clause = Clause(other, loose=True)
                    if clause not in merged:
                        merged.append(clause)
                i += size
                break
        if merged is None:
            merged = query.groups[i]
            i += 1
        groups.append(merged)
    query.groups = groups
    return query


def matching_conditions(query, conditions):
    """Return the conditions (objects with `name` and `aliases`) the query names."""
    typed = set()
    for group in query.groups:
        for clause in group[: group_size(group)]:
            typed.add(clause.words)
            typed.update((w,) for w in clause.words)
    typed_words = {_singular(w) for key in typed for w in key}
    found = []
    for condition in conditions:
        for form in [condition.name, *condition.aliases]:
            key = _key(form)
            significant = [w for w in key if len(w) >= 4 and w not in GENERIC_WORDS]
            if key and (key in typed or any(_singular(w) in typed_words for w in significant)):
                found.append(condition)
                break
    return found


GENERIC_WORDS = frozenset({"disorder", "disorders", "concerns", "chronic", "loss"})


def _singular(word):
    """A rough English singular, enough to match "anxieties" to "Anxiety" (not a stemmer)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


# ---------------------------------------------------------------------------
# Crisis intent


def is_crisis(text):
    """Return True when the query suggests the reader may be in danger.

    Matching is on whole folded words, so "self-harm", "Self harm" and
    "SELF  HARM" all count; the phrases are INTIMACYHUB_CRISIS_QUERY_TERMS.
    """
    haystack = " " + " ".join(words(clean(text))) + " "
    for term in settings.INTIMACYHUB_CRISIS_QUERY_TERMS:
        needle = " ".join(words(term))
        if needle and f" {needle} " in haystack:
            return True
    return False
