"""Rules made ready to run: patterns compiled once, text-matching rules indexed by their first letters.

Imports no app.
"""

import re

from checks.prefixes import gated, leading_prefixes
from checks.rules import MATCH_KINDS


class CompiledRules:
    """A list of rules made ready to run.

    The text-matching rules are indexed by the letters their matches start
    with (checks.prefixes), so one walk over the words of a text finds every
    place any of them can match; a rule whose start cannot be known gets a
    pass of its own.
    """

    def __init__(self, rules, *, reading_grade=8):
        self.rules = list(rules)
        self.reading_grade = reading_grade
        self.matching = [rule for rule in self.rules if rule.kind in MATCH_KINDS]
        self.builtin = [rule for rule in self.rules if rule.kind not in MATCH_KINDS]
        self.single = [re.compile(r.pattern, 0 if r.case_sensitive else re.IGNORECASE) for r in self.matching]
        # A word's first three characters (or two, for rules whose matches may
        # start with a two-letter word and a space: "a ", "so ") ->
        # [(rule index, the starts its matches may have)].
        self.by_prefix = {}
        self.by_short_prefix = {}
        self.unindexed = []
        for index, rule in enumerate(self.matching):
            starts = leading_prefixes(rule.pattern)
            if starts is None:
                self.unindexed.append(index)
                continue
            length = 3 if min(map(len, starts)) >= 3 else 2
            table = self.by_prefix if length == 3 else self.by_short_prefix
            for key in sorted({start[:length] for start in starts}):
                group = tuple(sorted(start for start in starts if start.startswith(key)))
                table.setdefault(key, []).append((index, group))
        self.near = {
            r.near_pattern: re.compile(gated(r.near_pattern), re.IGNORECASE) for r in self.matching if r.near_pattern
        }
        self.note = {r.id: re.compile(r.note_pattern, re.IGNORECASE) for r in self.matching if r.note_pattern}
        self.statistic = {r.id: re.compile(gated(r.pattern), re.IGNORECASE) for r in self.builtin if r.pattern}
