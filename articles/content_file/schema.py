"""The content file's shape: its record types and fields, their limits, and the canonical record.

The field lists are the contract's order, which export keeps. Length limits
are the models' own where a field is stored in one (what the database would
refuse anyway, said with the line and field instead).
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from articles.models import Article, ArticleSlugRedirect, Citation, Correction, Person, Quote, Tag
from conditions.models import SLUG_PATTERN, Condition
from images.models import Image

# The models' own slug rule (the database checks the same pattern).
SLUG_RE = re.compile(SLUG_PATTERN)
CITATION_KEY_RE = re.compile(r"[^\]\s]{1,100}")
URL_RE = re.compile(r"https?://[^\s]+", re.IGNORECASE)
STATUSES = ("draft", "review", "published")
BATCH = 500

CONDITION_FIELDS = ("type", "slug", "name", "aliases", "summary", "body")
ARTICLE_FIELDS = (
    "type", "slug", "title", "summary", "body", "status", "published_at", "updated_at", "author",
    "reviewed_by", "reviewed_at", "tags", "content_notes", "conditions", "citations", "quotes", "related",
    "redirects", "owner", "disclosure", "cover", "corrections",
)  # fmt: skip
PERSON_FIELDS = ("type", "slug", "name", "credentials", "job_title", "bio", "photo", "links", "reviewer", "license")
IMAGE_FIELDS = ("type", "slug", "file", "sha256", "alt", "decorative", "caption", "credit")
# The licence object, as the contract spells it; stored as Person.licence_*.
LICENSE_FIELDS = ("type", "jurisdiction", "number", "verified_at")
CITATION_FIELDS = ("key", "source", "title", "url", "published", "excerpt")
QUOTE_FIELDS = ("text", "attribution", "source")
CORRECTION_FIELDS = ("at", "kind", "note")
CORRECTION_KINDS = tuple(Correction.Kind.values)


def _max_length(model, name):
    return model._meta.get_field(name).max_length


# The longest value each field may have: the model field's max_length where
# the value is stored in one. Aliases and content notes are strings in a
# JSON list, which no model field limits; the file's limit is its own.
CONDITION_MAX = {
    "slug": _max_length(Condition, "slug"),
    "name": _max_length(Condition, "name"),
    "alias": 120,
}
ARTICLE_MAX = {
    "slug": _max_length(Article, "slug"),
    "title": _max_length(Article, "title"),
    "author": _max_length(Person, "name"),
    "reviewed_by": _max_length(Person, "name"),
    "tag": _max_length(Tag, "name"),
    "content_note": 100,
    "related": _max_length(Article, "slug"),
    "redirect": _max_length(ArticleSlugRedirect, "old_slug"),
    "owner": _max_length(Article, "owner_username"),
    "correction_note": _max_length(Correction, "note"),
}
PERSON_MAX = {name: _max_length(Person, name) for name in ("slug", "name", "credentials", "job_title")} | {
    f"license.{name}": _max_length(Person, f"licence_{name}") for name in ("type", "jurisdiction", "number")
}
IMAGE_MAX = {name: _max_length(Image, name) for name in ("slug", "alt", "caption", "credit")}
CITATION_MAX = {name: _max_length(Citation, name) for name in CITATION_FIELDS}  # excerpt: a TextField, None
QUOTE_MAX = {"attribution": _max_length(Quote, "attribution"), "source": _max_length(Quote, "source")}


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self):
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ContentFileError(Exception):
    """The file cannot be imported; `problems` says where and why."""

    def __init__(self, problems):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:50])
        more = f"\n… and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s); nothing was imported.\n{shown}{more}")


KINDS = ("condition", "image", "person", "article")


@dataclass
class ImportResult:
    created: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    renamed_conditions: set = field(default_factory=set)
    # Problems that do not stop the import (an owner with no account here);
    # in a dry run, the editorial checks' open findings too.
    warnings: list = field(default_factory=list)
    # Articles written with open findings of the editorial checks, and with open blocking ones.
    with_findings: int = 0
    with_blocking: int = 0

    def findings_summary(self):
        """One line on the editorial checks' findings of the articles written ("" when there are none)."""
        if not self.with_findings:
            return ""
        return (
            f"{self.with_findings} article(s) have open findings of the editorial checks, {self.with_blocking} "
            "blocking publication; `manage.py check_content` lists them"
        )

    def __str__(self):
        parts = []
        for kind in KINDS:
            if kind == "image" and not any(counts[kind] for counts in (self.created, self.updated, self.unchanged)):
                continue  # a file without images (every v1 file) reads as it always did
            label = "people" if kind == "person" else f"{kind}s"
            counts = f"{self.created[kind]} created, {self.updated[kind]} updated, {self.unchanged[kind]} unchanged"
            parts.append(f"{label}: {counts}")
        return "; ".join(parts)


def iso(value):
    return value.astimezone(dt.UTC).isoformat() if value else None


def compact(record, fields):
    """Keep `fields` in order, dropping empty optional values."""
    return {name: record[name] for name in fields if name in record and record[name] not in (None, "", [])}


def canonical(record, kind):
    """Return the record as export would write it, to compare with what is stored."""
    record = dict(record, type=kind)
    if kind == "condition":
        return compact(record, CONDITION_FIELDS)
    if kind == "image":
        record["decorative"] = record["decorative"] or None  # false is the default, left out
        return compact(record, IMAGE_FIELDS)
    if kind == "person":
        record["reviewer"] = record["reviewer"] or None  # false is the default, left out
        if record["license"]:
            license_ = dict(record["license"])
            license_["verified_at"] = license_["verified_at"].isoformat() if license_["verified_at"] else None
            record["license"] = compact(license_, LICENSE_FIELDS)
        return compact(record, PERSON_FIELDS)
    record["published_at"] = iso(record["published_at"])
    record["updated_at"] = iso(record["updated_at"])
    record["reviewed_at"] = record["reviewed_at"].isoformat() if record["reviewed_at"] else None
    record["conditions"] = [compact(c, ("slug", "note")) for c in record["conditions"]]
    record["citations"] = [compact(c, CITATION_FIELDS) for c in record["citations"]]
    record["quotes"] = [compact(q, QUOTE_FIELDS) for q in record["quotes"]]
    record["redirects"] = sorted(record["redirects"])
    record["corrections"] = [correction_record(c) for c in record["corrections"]]
    return compact(record, ARTICLE_FIELDS)


def correction_record(correction):
    """Return a logged change as the file writes it: {at, kind, note}, `at` in UTC."""
    return {"at": iso(correction["at"]), "kind": correction["kind"], "note": correction["note"]}
