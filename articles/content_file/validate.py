"""Validation of the file on its own: every line checked and turned into a canonical record.

`parse()` reads the whole file and reports every problem it finds, each with
its line and field; references to conditions and articles that may already
be on the site are checked by references.py.
"""

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from articles.content_file.media import validate_image
from articles.content_file.people_in_file import people_in_file
from articles.content_file.schema import (
    ARTICLE_FIELDS,
    ARTICLE_MAX,
    CITATION_FIELDS,
    CITATION_KEY_RE,
    CITATION_MAX,
    CONDITION_FIELDS,
    CONDITION_MAX,
    CORRECTION_FIELDS,
    CORRECTION_KINDS,
    IMAGE_MAX,
    LICENSE_FIELDS,
    PERSON_FIELDS,
    PERSON_MAX,
    QUOTE_FIELDS,
    QUOTE_MAX,
    SLUG_RE,
    STATUSES,
    URL_RE,
    ContentFileError,
    Problem,
)
from articles.models import MAX_LINK_LENGTH, MAX_PROFILE_LINKS, validate_profile_links


class _LineValidator:
    """Check one decoded JSON object and turn it into a canonical record."""

    def __init__(self, line, raw, problems):
        self.line = line
        self.raw = raw
        self.problems = problems

    def error(self, field_name, message):
        self.problems.append(Problem(self.line, field_name, message))

    def check_known(self, allowed):
        for name in self.raw:
            if name not in allowed:
                self.error(name, f"unknown field (allowed: {', '.join(allowed)})")

    def text(self, name, value, *, max_length=None, required=False, allow_empty=True):
        if value is None:
            if required:
                self.error(name, "is required")
            return ""
        if not isinstance(value, str):
            self.error(name, f"must be a string, not {type(value).__name__}")
            return ""
        if "\x00" in value:
            self.error(name, "contains a NUL character")
            return ""
        if required and not allow_empty and not value.strip():
            self.error(name, "must not be empty")
        if max_length is not None and len(value) > max_length:
            self.error(name, f"is {len(value)} characters long; at most {max_length} allowed")
        return value

    def field(self, name, *, max_length=None, required=False, allow_empty=True):
        if required and name not in self.raw:
            self.error(name, "is required")
            return ""
        return self.text(name, self.raw.get(name), max_length=max_length, required=required, allow_empty=allow_empty)

    def slug(self, max_length):
        value = self.field("slug", max_length=max_length, required=True, allow_empty=False)
        if value and not SLUG_RE.fullmatch(value):
            self.error("slug", f"{value!r} is not a slug: lowercase letters and digits joined by single hyphens")
        return value

    def string_list(self, name, *, max_length=None):
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(name, f"must be a list of strings, not {type(value).__name__}")
            return []
        result = []
        for i, item in enumerate(value):
            item = self.text(f"{name}[{i}]", item, max_length=max_length, required=True, allow_empty=False)
            if item:
                result.append(item)
        return result

    def object_list(self, name):
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(name, f"must be a list of objects, not {type(value).__name__}")
            return []
        result = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.error(f"{name}[{i}]", f"must be an object, not {type(item).__name__}")
            else:
                result.append((f"{name}[{i}]", item))
        return result

    def datetime(self, name, *, required=False, value=None):
        value = self.raw.get(name) if value is None else value
        if value is None:
            if required:
                self.error(name, "is required when status is published")
            return None
        if not isinstance(value, str):
            self.error(name, "must be an ISO 8601 datetime string with an offset")
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            self.error(name, f"{value!r} is not an ISO 8601 datetime (e.g. 2024-05-01T09:30:00+00:00)")
            return None
        if parsed.tzinfo is None:
            self.error(name, f"{value!r} has no UTC offset (add +00:00 or Z)")
            return None
        return parsed.astimezone(dt.UTC)

    def date(self, name, value=None):
        value = self.raw.get(name) if value is None else value
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(name, "must be an ISO 8601 date string")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(name, f"{value!r} is not an ISO 8601 date (e.g. 2024-05-01)")
            return None


def _validate_condition(v):
    v.check_known(CONDITION_FIELDS)
    return {
        "slug": v.slug(CONDITION_MAX["slug"]),
        "name": v.field("name", max_length=CONDITION_MAX["name"], required=True, allow_empty=False),
        "aliases": v.string_list("aliases", max_length=CONDITION_MAX["alias"]),
        "summary": v.field("summary"),
        "body": v.field("body"),
    }


def _validate_person(v):
    v.check_known(PERSON_FIELDS)
    name = v.field("name", max_length=PERSON_MAX["name"], required=True, allow_empty=False)
    if name and name != name.strip():
        v.error("name", "starts or ends with spaces (articles name people by their trimmed name)")
    record = {
        "slug": v.slug(PERSON_MAX["slug"]),
        "name": name,
        "credentials": v.field("credentials", max_length=PERSON_MAX["credentials"]),
        "job_title": v.field("job_title", max_length=PERSON_MAX["job_title"]),
        "bio": v.field("bio"),
        "photo": v.field("photo", max_length=IMAGE_MAX["slug"]),  # an image slug: references.py
        "links": v.string_list("links", max_length=MAX_LINK_LENGTH),
        "reviewer": False,
        "license": None,
    }
    for i, link in enumerate(record["links"]):
        try:
            validate_profile_links([link])
        except ValidationError:
            v.error(f"links[{i}]", f"{link!r} is not an http(s) address")
    if len(record["links"]) > MAX_PROFILE_LINKS:
        v.error("links", f"has {len(record['links'])} links; at most {MAX_PROFILE_LINKS} allowed")
    if len(set(record["links"])) != len(record["links"]):
        v.error("links", "lists the same address twice")
    reviewer = v.raw.get("reviewer", False)
    if not isinstance(reviewer, bool):
        v.error("reviewer", f"must be true or false, not {type(reviewer).__name__}")
    else:
        record["reviewer"] = reviewer
    license_ = v.raw.get("license")
    if license_ is not None and not isinstance(license_, dict):
        v.error("license", f"must be an object, not {type(license_).__name__}")
    elif license_ is not None:
        for key in license_:
            if key not in LICENSE_FIELDS:
                v.error(f"license.{key}", f"unknown field (allowed: {', '.join(LICENSE_FIELDS)})")
        values = {
            key: v.text(
                f"license.{key}",
                license_.get(key),
                max_length=PERSON_MAX[f"license.{key}"],
                required=key == "type",
                allow_empty=key != "type",
            )
            for key in ("type", "jurisdiction", "number")
        }
        record["license"] = {**values, "verified_at": v.date("license.verified_at", license_.get("verified_at"))}
    return record


def _validate_article(v):
    v.check_known(ARTICLE_FIELDS)
    status = v.raw.get("status", "draft")
    if status not in STATUSES:
        v.error("status", f"{status!r} is not one of {', '.join(STATUSES)}")
        status = "draft"
    record = {
        "slug": v.slug(ARTICLE_MAX["slug"]),
        "title": v.field("title", max_length=ARTICLE_MAX["title"], required=True, allow_empty=False),
        "summary": v.field("summary"),
        "body": v.field("body", required=True, allow_empty=False),
        "status": status,
        "published_at": v.datetime("published_at", required=status == "published"),
        "updated_at": v.datetime("updated_at"),
        "author": v.field("author", max_length=ARTICLE_MAX["author"]).strip(),
        "reviewed_by": v.field("reviewed_by", max_length=ARTICLE_MAX["reviewed_by"]).strip(),
        "reviewed_at": v.date("reviewed_at"),
        "tags": v.string_list("tags", max_length=ARTICLE_MAX["tag"]),
        "content_notes": v.string_list("content_notes", max_length=ARTICLE_MAX["content_note"]),
        "conditions": [],
        "citations": [],
        "quotes": [],
        "related": v.string_list("related", max_length=ARTICLE_MAX["related"]),
        "redirects": v.string_list("redirects", max_length=ARTICLE_MAX["redirect"]),
        "owner": v.field("owner", max_length=ARTICLE_MAX["owner"]),
        "disclosure": None,
        "cover": v.field("cover", max_length=IMAGE_MAX["slug"]),  # an image slug: references.py
        "corrections": [],
    }
    if v.raw.get("disclosure") is not None:
        # Absent (or null) is "not declared"; an empty declaration is neither.
        disclosure = v.field("disclosure", required=True, allow_empty=False)
        record["disclosure"] = disclosure if disclosure.strip() else None
    seen_corrections = set()
    for label, item in v.object_list("corrections"):
        for name in item:
            if name not in CORRECTION_FIELDS:
                v.error(f"{label}.{name}", f"unknown field (allowed: {', '.join(CORRECTION_FIELDS)})")
        at = None
        if item.get("at") is None:
            v.error(f"{label}.at", "is required")
        else:
            at = v.datetime(f"{label}.at", value=item["at"])
        kind = item.get("kind")
        if kind not in CORRECTION_KINDS:
            v.error(f"{label}.kind", f"{kind!r} is not one of {', '.join(CORRECTION_KINDS)}")
        note = v.text(
            f"{label}.note", item.get("note"), max_length=ARTICLE_MAX["correction_note"], required=True,
            allow_empty=False,
        )  # fmt: skip
        if at is None or kind not in CORRECTION_KINDS or not note.strip():
            continue
        if record["corrections"] and at < record["corrections"][-1]["at"]:
            v.error(f"{label}.at", "is earlier than the change before it: list corrections oldest first")
        if (at, kind, note) in seen_corrections:
            v.error(label, "is listed twice")
        seen_corrections.add((at, kind, note))
        record["corrections"].append({"at": at, "kind": kind, "note": note})
    tag_slugs = set()
    for i, tag in enumerate(record["tags"]):
        tag_slug = slugify(tag, allow_unicode=True)
        if not tag_slug:
            v.error(f"tags[{i}]", f"{tag!r} has no letters or digits to make a tag page address from")
        elif tag_slug in tag_slugs:
            v.error(f"tags[{i}]", f"{tag!r} repeats a tag already given")
        tag_slugs.add(tag_slug)
    for label, item in v.object_list("conditions"):
        for name in item:
            if name not in ("slug", "note"):
                v.error(f"{label}.{name}", "unknown field (allowed: slug, note)")
        slug = v.text(
            f"{label}.slug", item.get("slug"), max_length=CONDITION_MAX["slug"], required=True, allow_empty=False
        )
        if slug in {c["slug"] for c in record["conditions"]}:
            v.error(f"{label}.slug", f"condition {slug!r} is listed twice")
        record["conditions"].append({"slug": slug, "note": v.text(f"{label}.note", item.get("note"))})
    keys = set()
    for label, item in v.object_list("citations"):
        for name in item:
            if name not in CITATION_FIELDS:
                v.error(f"{label}.{name}", f"unknown field (allowed: {', '.join(CITATION_FIELDS)})")
        citation = {}
        for name in CITATION_FIELDS:
            citation[name] = v.text(
                f"{label}.{name}",
                item.get(name),
                max_length=CITATION_MAX[name],
                required=name == "source",
                allow_empty=name != "source",
            )
        if citation["key"]:
            if not CITATION_KEY_RE.fullmatch(citation["key"]):
                v.error(f"{label}.key", f"{citation['key']!r} may not contain spaces or ']'")
            if citation["key"] in keys:
                v.error(f"{label}.key", f"key {citation['key']!r} is used by another citation of this article")
            keys.add(citation["key"])
        if citation["url"] and not URL_RE.fullmatch(citation["url"]):
            v.error(f"{label}.url", f"{citation['url']!r} is not an http(s) address")
        record["citations"].append(citation)
    seen_quotes = set()
    for label, item in v.object_list("quotes"):
        for name in item:
            if name not in QUOTE_FIELDS:
                v.error(f"{label}.{name}", f"unknown field (allowed: {', '.join(QUOTE_FIELDS)})")
        quote = {
            "text": v.text(f"{label}.text", item.get("text"), required=True, allow_empty=False),
            "attribution": v.text(
                f"{label}.attribution",
                item.get("attribution"),
                max_length=QUOTE_MAX["attribution"],
                required=True,
                allow_empty=False,
            ),
            "source": v.text(f"{label}.source", item.get("source"), max_length=QUOTE_MAX["source"]),
        }
        identity = (quote["text"], quote["attribution"])
        if identity in seen_quotes:
            v.error(label, "the same quote is featured twice")
        seen_quotes.add(identity)
        record["quotes"].append(quote)
    if len(set(record["related"])) != len(record["related"]):
        v.error("related", "lists the same article twice")
    if record["slug"] and record["slug"] in record["related"]:
        v.error("related", "an article cannot be related to itself")
    seen_old = set()
    for i, old in enumerate(record["redirects"]):
        if not SLUG_RE.fullmatch(old):
            v.error(f"redirects[{i}]", f"{old!r} is not a slug: lowercase letters and digits joined by single hyphens")
        elif old == record["slug"]:
            v.error(f"redirects[{i}]", "is the article's own slug, not an old address")
        elif old in seen_old:
            v.error(f"redirects[{i}]", f"{old!r} is listed twice")
        seen_old.add(old)
    return record


def parse(stream):
    """Read a content file (a binary stream) and return (conditions, articles, people, images).

    Each is a dict slug -> (line number, record). Raise ContentFileError
    listing every problem found in the file on its own.
    """
    problems = []
    conditions, articles, people, images = {}, {}, {}, {}
    for number, raw_line in enumerate(stream, start=1):
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(number, "", f"is not valid UTF-8 ({exc.reason} at byte {exc.start})"))
            continue
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(number, "", f"is not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(number, "", f"must be a JSON object, not {type(raw).__name__}"))
            continue
        kind = raw.get("type")
        validator = _LineValidator(number, raw, problems)
        if kind == "condition":
            record, registry = _validate_condition(validator), conditions
        elif kind == "article":
            record, registry = _validate_article(validator), articles
        elif kind == "person":
            record, registry = _validate_person(validator), people
        elif kind == "image":
            record, registry = validate_image(validator), images
        else:
            problems.append(
                Problem(number, "type", f"{kind!r} is not a known type (condition, image, person or article)")
            )
            continue
        slug = record["slug"]
        if slug and slug in registry:
            problems.append(Problem(number, "slug", f"{slug!r} was already given on line {registry[slug][0]}"))
        elif slug:
            registry[slug] = (number, record)
    problems.extend(people_in_file(people, articles))
    if problems:
        problems.sort(key=lambda p: p.line)
        raise ContentFileError(problems)
    return conditions, articles, people, images
