"""An article's checks Document from plain values, the digest an override keeps, and an import's counts.

Needs no Django settings, apps or database, so an import's worker
processes (spawned, with none of these) can check the articles they render. The
Article adapter (`articles.editorial_checks.document_for_article`) and the
import (`articles.import_worker`) both build their Document with
`article_document()`, so what the site checks and what an import counts
cannot drift apart.
"""

import hashlib
import re
from dataclasses import dataclass

from checks.documents import Citation, Document
from checks.engine import run_checks

_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")
MARKDOWN_FIELDS = ("body", "note")


def article_document(*, title, summary, body, notes=(), quotes=(), content_notes=(), citations=(), images=None):
    """Return the Document the checks read of an article.

    `notes` are (condition slug, note) in the article's order (an empty note
    is not checked), `quotes` the featured quotes' texts in order,
    `citations` (key, url, excerpt) in order, `images` {library image slug:
    its alt text ("" when decorative)} for the images the article shows.
    Fields: "title", "summary", "body", "note:<condition slug>", "quote:<n>"
    (from 1), "alt:<image slug>" (an image's alt text, when it has one).
    """
    fields = {"title": title, "summary": summary, "body": body}
    for slug, note in notes:
        if note:
            fields[f"note:{slug}"] = note
    for number, text in enumerate(quotes, start=1):
        fields[f"quote:{number}"] = text
    images = dict(images or {})
    for slug, alt in images.items():
        if alt:
            fields[f"alt:{slug}"] = alt
    return Document(
        images=images,
        fields=fields,
        content_notes=tuple(note for note in content_notes or () if isinstance(note, str)),
        citations=tuple(Citation(key=key, url=url, excerpt=excerpt) for key, url, excerpt in citations),
    )


# ---------------------------------------------------------------------------
# What an override covers (articles/check_overrides.py says why)


def covered_text(source, field, start, end):
    """Return the text an override of a finding at `start`-`end` of `field` covers."""
    if field.partition(":")[0] not in MARKDOWN_FIELDS:
        return source
    before = [m.end() for m in _PARAGRAPH_BREAK_RE.finditer(source, 0, start)]
    begin = before[-1] if before else 0
    after = _PARAGRAPH_BREAK_RE.search(source, end)
    return source[begin : after.start() if after else len(source)]


def cover_digest(rule, field, text, covered):
    """The digest an override keeps of what it covers (rule, field, matched words, their paragraph)."""
    return hashlib.sha256("\x00".join((rule, field, text, covered)).encode()).hexdigest()


def finding_digest(document, finding):
    source = document.source(finding.field)
    return cover_digest(
        finding.rule, finding.field, finding.text, covered_text(source, finding.field, finding.start, finding.end)
    )


# ---------------------------------------------------------------------------
# An import's counts


@dataclass(frozen=True, slots=True)
class Counted:
    """What an import keeps of one article's findings, before its overrides are applied.

    Overrides cover blocking findings only, so the digests of those are
    enough to count what stays open once the article's overrides are known.
    """

    findings: int  # every finding
    blocking: tuple = ()  # the digest of each blocking finding
    listed: tuple = ()  # (Finding, digest) for every finding, only when asked for (a dry run lists them)

    def open_counts(self, overridden=None):
        """Return (open findings, open blocking findings) once the digests `overridden` are set aside."""
        overridden = overridden or ()
        blocking = sum(digest not in overridden for digest in self.blocking)
        return self.findings - (len(self.blocking) - blocking), blocking


def count_findings(document, *, rules=None, listed=False):
    """Run the checks on `document`; return its Counted."""
    findings = run_checks(document, rules=rules)
    digests = [finding_digest(document, f) if listed or f.severity == "block" else None for f in findings]
    return Counted(
        findings=len(findings),
        blocking=tuple(d for f, d in zip(findings, digests, strict=True) if f.severity == "block"),
        listed=tuple(zip(findings, digests, strict=True)) if listed else (),
    )
