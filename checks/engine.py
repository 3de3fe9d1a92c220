"""Run the editorial rules over a document: `run_checks(document) -> [Finding]`.

A Document is what an editor wrote, field by field ("title", "summary",
"body", "note:<condition slug>", "quote:<n>", "alt:<image slug>"), with the
article's content notes, citations and library images; `articles.editorial_checks`
builds one from an Article, and the admin's live endpoint can build one from
a form's data without saving. Every Finding's `start`/`end` are offsets in
its field's source text and `text == document.source(field)[start:end]`.

Speed: the text is walked once, word by word, and a text-matching rule
(phrases, regex, proximity, content-note triggers) is tried only where a
word starts with letters its matches can start with (checks.prefixes);
rules may overlap, and a rule costs nothing where its words are absent.

Imports no app.
"""

import bisect
import re

from checks import markdown_text, readability
from checks.config import active_rules
from checks.documents import Citation, Document, Finding  # noqa: F401 (the engine's API)

SEVERITY_ORDER = {"block": 0, "warn": 1, "info": 2}
MARKDOWN_FIELDS = ("body", "note")
_IMAGE_FILE_RE = re.compile(r"\S+\.(?:png|jpe?g|gif|webp|svg|avif|heic)", re.IGNORECASE)
# "Image of ...": a screen reader has already said it is an image.
_SAYS_IMAGE_OF_RE = re.compile(
    r"(?:an?\s+|the\s+)?(?:image|picture|photo(?:graph)?|graphic|screenshot)\s+(?:of|showing)\b", re.IGNORECASE
)
# A word's first three characters: the key of CompiledRules.by_prefix.
# (A lookahead: the three characters may run into the next word, "a p" of "a psycho".)
_WORD_START_RE = re.compile(r"\b(?=(\w.{0,2}))", re.DOTALL)
_OTHER_SPACE_RE = re.compile(r"[^\S ]")
_URL_TEXT_RE = re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE)


class _Field:
    """One field being checked: its parsed prose and the state the rules share."""

    def __init__(self, name, source, document):
        self.name = name
        self.source = source
        self.markdown = name.partition(":")[0] in MARKDOWN_FIELDS
        self.parsed = markdown_text.parse(source) if self.markdown else markdown_text.plain(source)
        self.prose = self.parsed.prose
        self._word_starts = None
        self._near = {}
        self._analysis = None
        self.exempt = _citation_quotes(self, document) if self.markdown and document.citations else []

    def analysis(self):
        if self._analysis is None:
            self._analysis = readability.analyse(self.prose, self.source)
        return self._analysis

    def word_starts(self):
        if self._word_starts is None:
            self._word_starts = [m.start() for m in readability.WORD_RE.finditer(self.prose)]
        return self._word_starts

    def near_spans(self, compiled, pattern):
        spans = self._near.get(pattern)
        if spans is None:
            spans = self._near[pattern] = [m.span() for m in compiled.near[pattern].finditer(self.prose)]
        return spans

    def is_exempt(self, start, end):
        return any(a < end and start < b for a, b in self.exempt)


def _citation_quotes(item, document):
    """Return the spans of the field that quote the article's own citations, sorted.

    A quotation in quotation marks followed by a reference to one of the
    article's citations, a block quote that carries such a reference (or is
    followed by a line that does), and any verbatim copy of a citation's
    excerpt. Language rules skip them; safe-messaging rules never do.
    """
    keys = {c.key for c in document.citations if c.key}
    source = item.source
    spans = []
    if keys:
        ref = r"\[\^(?P<key>[^\]\s]{1,100})\]"
        quoted = re.compile(r"(?:“[^”]{1,5000}”|\"[^\"\n]{1,5000}\"|‘[^’]{1,5000}’)[\s.,;:!?]{0,3}" + ref)
        for match in quoted.finditer(source):
            if match["key"] in keys:
                spans.append((match.start(), match.end()))
        block = re.compile(r"(?:^[ \t]*>[^\n]*(?:\n|\Z))+(?:[^\n]*\S[^\n]*)?", re.MULTILINE)
        for match in block.finditer(source):
            if any(m[1] in keys for m in markdown_text.CITATION_REF_RE.finditer(match.group())):
                spans.append(match.span())
    for citation in document.citations:
        excerpt = citation.excerpt.strip()
        if len(excerpt) < 20:
            continue
        start = source.find(excerpt)
        while start != -1:
            spans.append((start, start + len(excerpt)))
            start = source.find(excerpt, start + 1)
    return sorted(spans)


def _trim(text, start, end):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _finding(rule, item, start, end, message=None):
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        field=item.name,
        start=start,
        end=end,
        text=item.source[start:end],
        message=message or rule.message,
        guideline_name=rule.guideline.name,
        guideline_url=rule.guideline.url,
    )


def _scan(compiled, item):
    """Yield (rule, start, end) for every text-matching rule's matches in the field's prose."""
    prose = item.prose
    keys = prose.lower()
    if len(keys) != len(prose):  # a character that lengthens when lowered: keys from the text as typed
        keys = prose
    keys = _OTHER_SPACE_RE.sub(" ", keys)
    applies = [rule.applies_to(item.name) for rule in compiled.matching]
    single = compiled.single
    last_end = [-1] * len(compiled.matching)
    found = []
    get, get_short = compiled.by_prefix.get, compiled.by_short_prefix.get
    for word in _WORD_START_RE.finditer(keys):
        key = word.group(1)
        entries = get(key)
        short = get_short(key[:2])
        if short:
            entries = [*entries, *short] if entries else short
        elif not entries:
            continue
        position = word.start()
        for index, starts in entries:
            if applies[index] and last_end[index] <= position and keys.startswith(starts, position):
                match = single[index].match(prose, position)
                if match:
                    last_end[index] = match.end()
                    found.append((index, match.start(), match.end()))
    for index in compiled.unindexed:
        if applies[index]:
            found += [(index, *match.span()) for match in single[index].finditer(prose)]
    for index, start, end in found:
        start, end = _trim(prose, start, end)
        if start < end:
            yield compiled.matching[index], start, end


def _near(compiled, item, rule, start, end):
    spans = item.near_spans(compiled, rule.near_pattern)
    if not spans:
        return False
    words = item.word_starts()

    def word_range(a, b):
        return bisect.bisect_left(words, a), bisect.bisect_left(words, b) - 1

    first, last = word_range(start, end)
    for a, b in spans:
        near_first, near_last = word_range(a, b)
        if near_first <= last and first <= near_last:
            return True
        gap = near_first - last - 1 if near_first > last else first - near_last - 1
        if gap <= rule.within:
            return True
    return False


def _match_rules(compiled, document, items):
    findings = []
    triggers = {}
    for item in items:
        for rule, start, end in _scan(compiled, item):
            if rule.kind == "requires-content-note":
                triggers.setdefault(rule.id, (rule, item, start, end))
                continue
            if rule.exempt_in_citations and item.exempt and item.is_exempt(start, end):
                continue
            if rule.kind == "proximity" and not _near(compiled, item, rule, start, end):
                continue
            findings.append(_finding(rule, item, start, end))
    for rule_id, (rule, item, start, end) in triggers.items():
        if not any(compiled.note[rule_id].search(note) for note in document.content_notes):
            findings.append(_finding(rule, item, start, end))
    return findings


def _reading_grade(compiled, rule, item):
    result = readability.grades(item.analysis().sentences)
    target = compiled.reading_grade
    # SMOG is defined on samples of 30 sentences or more; below that only Flesch-Kincaid counts.
    smog_counts = result.sentences >= 30
    if result.hardest is None or (result.flesch_kincaid <= target and not (smog_counts and result.smog > target)):
        return []
    message = (
        f"Reading grade {result.flesch_kincaid:g} (Flesch-Kincaid), SMOG {result.smog:g}; target {target:g}. "
        f"{rule.message} The hardest sentence is highlighted."
    )
    return [_finding(rule, item, result.hardest.start, result.hardest.end, message)]


def _long_sentences(rule, item):
    long = [s for s in item.analysis().sentences if s.words > rule.max_words]
    long = sorted(long, key=lambda s: -s.words)[: rule.limit or len(long)]
    return [
        _finding(rule, item, s.start, s.end, f"{s.words} words (over {rule.max_words}). {rule.message}")
        for s in sorted(long, key=lambda s: s.start)
    ]


def _long_paragraphs(rule, item):
    return [
        _finding(rule, item, p.start, p.end, f"{p.words} words (over {rule.max_words}). {rule.message}")
        for p in item.analysis().paragraphs
        if p.words > rule.max_words
    ]


def _says_nothing(rule, alt):
    return alt.casefold() in rule.phrases or _IMAGE_FILE_RE.fullmatch(alt) or _SAYS_IMAGE_OF_RE.match(alt)


def _image_alt(rule, item, document):
    if item.name.partition(":")[0] == "alt":
        # A library image's own alt text (decorative images have none to check).
        alt = item.source.strip()
        if alt and _says_nothing(rule, alt):
            start = item.source.index(alt)
            return [_finding(rule, item, start, start + len(alt))]
        return []
    found = []
    for image in item.parsed.images:
        alt = item.source[image.alt_start : image.alt_end].strip()
        if not alt and image.src.startswith("image:"):
            own = document.images.get(image.src[len("image:") :])
            if own is not None:
                continue  # an empty alt takes the library image's own (or "" for a decorative one)
        if not alt or _says_nothing(rule, alt):
            found.append(_finding(rule, item, image.start, image.end))
    return found


def _link_text(rule, item):
    found = []
    for link in item.parsed.links:
        words = item.source[link.text_start : link.text_end].strip(" \t*_`").casefold()
        if not words or words.rstrip(".:!…") in rule.phrases or _URL_TEXT_RE.fullmatch(words):
            start, end = (link.text_start, link.text_end) if words else (link.start, link.end)
            start, end = _trim(item.source, start, end)
            found.append(_finding(rule, item, start, end))
    return found


def _heading_levels(rule, item):
    found = []
    previous = 1  # the page's title is the h1; the body starts at h2
    for heading in item.parsed.headings:
        if heading.level > previous + 1:
            start, end = _trim(item.source, heading.start, heading.end)
            message = f"A level-{heading.level} heading after level {previous}. {rule.message}"
            found.append(_finding(rule, item, start, end, message))
        previous = heading.level
    return found


def _tables(rule, item):
    return [
        _finding(rule, item, *_trim(item.source, table.start, table.end))
        for table in item.parsed.tables
        if not table.has_header
    ]


def _statistics(compiled, rule, item):
    ref_starts = [start for start, _end, _key in item.parsed.refs]
    paragraphs = item.analysis().paragraphs
    starts = [paragraph.start for paragraph in paragraphs]
    found = []
    for match in compiled.statistic[rule.id].finditer(item.prose):
        number = bisect.bisect_right(starts, match.start()) - 1
        if number < 0:
            continue
        # A reference at the paragraph's very end is masked out of its prose: look up to the next one.
        limit = starts[number + 1] if number + 1 < len(starts) else len(item.prose)
        index = bisect.bisect_left(ref_starts, starts[number])
        if index < len(ref_starts) and ref_starts[index] < limit:
            continue  # the paragraph cites a source
        found.append(_finding(rule, item, *_trim(item.prose, *match.span())))
    return found


def _citation_fields(rule, document, items):
    body = next((item for item in items if item.name == "body"), None)
    cited = {key for _start, _end, key in body.parsed.refs} if body else set()
    found = []
    if rule.kind == "citation-unknown":
        keys = {c.key for c in document.citations if c.key}
        for item in items:
            if rule.applies_to(item.name):
                found += [_finding(rule, item, a, b) for a, b, key in item.parsed.refs if key not in keys]
        return found
    for number, citation in enumerate(document.citations, start=1):
        if rule.kind == "citation-unused" and citation.key and citation.key not in cited:
            found.append(_document_finding(rule, f"citation:{number}:key", citation.key))
        if rule.kind == "citation-https" and citation.url and not citation.url.lower().startswith("https://"):
            found.append(_document_finding(rule, f"citation:{number}:url", citation.url))
    return found


def _document_finding(rule, name, text):
    return Finding(
        rule.id, rule.severity, name, 0, len(text), text, rule.message, rule.guideline.name, rule.guideline.url
    )


def _builtin_rules(compiled, document, items):
    findings = []
    for rule in compiled.builtin:
        if rule.kind.startswith("citation-"):
            findings += _citation_fields(rule, document, items)
            continue
        for item in items:
            if not rule.applies_to(item.name):
                continue
            if rule.kind == "reading-grade":
                findings += _reading_grade(compiled, rule, item)
            elif rule.kind == "long-sentence":
                findings += _long_sentences(rule, item)
            elif rule.kind == "long-paragraph":
                findings += _long_paragraphs(rule, item)
            elif rule.kind == "image-alt":
                findings += _image_alt(rule, item, document)
            elif rule.kind == "link-text":
                findings += _link_text(rule, item)
            elif rule.kind == "heading-levels":
                findings += _heading_levels(rule, item)
            elif rule.kind == "table-header":
                findings += _tables(rule, item)
            elif rule.kind == "statistic-without-citation":
                findings += _statistics(compiled, rule, item)
    return findings


def run_checks(document, *, rules=None):
    """Return the findings of `rules` (the site's active rules by default) on `document`, in reading order."""
    if rules is None:
        rules = active_rules()
    items = [_Field(name, source or "", document) for name, source in document.fields.items()]
    findings = _match_rules(rules, document, items) + _builtin_rules(rules, document, items)
    order = {name: position for position, name in enumerate(document.fields)}
    findings.sort(key=lambda f: (order.get(f.field, len(order)), f.field, f.start, f.end, f.rule))
    return findings


def has_blocking(findings):
    return any(f.severity == "block" for f in findings)
