"""The first letters a regular expression's matches can start with.

Python's `re` tries every alternative of a combined pattern at every position
(measured: one alternation of the 14 text-matching rules over 1 MB took 2.4 s,
the 14 separate passes 2.2 s), so the engine does not scan with one big
alternation. Instead, each rule's pattern is read once here (with the
standard library's own parser) for the lower-case starts, up to six
characters, one of which begins every match; the engine walks the text's words once and tries a
rule only where a word starts with one of them (white space read as a
plain space). A pattern whose start cannot
be known (it may begin with any letter, or with punctuation) returns None,
and its rule runs as its own pass over the text: slower, never wrong.

Imports no app.
"""

import re
import re._constants as sre
import re._parser as sre_parse

LENGTH = 6
_LIMIT = 4000


class _Unknown(Exception):
    pass


def _chars(items):
    chars = set()
    for op, value in items:
        if op is sre.LITERAL:
            chars.add(chr(value).lower())
        elif op is sre.CATEGORY and value is sre.CATEGORY_SPACE:
            chars.add(" ")  # the engine reads every white space character as a plain space
        else:
            return None
    return chars if len(chars) <= 40 else None


def _prefixes(items, length):
    """Return strings (lower case, at most `length` long) one of which starts every match of `items`.

    A string shorter than `length` means the match may go on with anything.
    """
    if not items or length == 0:
        return {""}
    op, value = items[0]
    rest = items[1:]
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return _prefixes(rest, length)  # zero-width: skipping it keeps the set a necessary condition
    if op is sre.LITERAL:
        return {chr(value).lower() + tail for tail in _prefixes(rest, length - 1)}
    if op is sre.IN:
        chars = _chars(value)
        if chars is None:
            return {""}
        tails = _prefixes(rest, length - 1)
        found = {char + tail for char in chars for tail in tails}
    elif op is sre.SUBPATTERN:
        found = _prefixes(list(value[-1]) + rest, length)
    elif op is sre.BRANCH:
        found = set()
        for alternative in value[1]:
            found |= _prefixes(list(alternative) + rest, length)
    elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, item = value
        found = _prefixes(rest, length) if low == 0 else set()
        if high == 1:
            found |= _prefixes(list(item) + rest, length)  # an optional part: then the rest
        elif high != 0:
            found |= _prefixes(list(item), length)  # what follows one copy is not known
    else:
        return {""}
    if len(found) > _LIMIT:
        raise _Unknown
    return found


def leading_prefixes(pattern):
    """Return the lower-case starts (2 to 6 characters) one of which begins every match of `pattern`, or None."""
    try:
        found = _prefixes(list(sre_parse.parse(pattern).data), LENGTH)
    except _Unknown:
        return None
    if any(len(prefix) < 2 or not re.match(r"\w", prefix) for prefix in found):
        return None
    return frozenset(found)


def gated(pattern):
    """Return `pattern` behind a lookahead of the characters its matches can start with, when they are known.

    The lookahead lets the regex engine skip every other position at once.
    """
    found = leading_prefixes(pattern)
    if found is None:
        return pattern
    chars = {char for prefix in found for char in (prefix[0], prefix[0].upper())}
    return "(?=[" + "".join(re.escape(char) for char in sorted(chars)) + "])(?:" + pattern + ")"
