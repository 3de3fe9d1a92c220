"""The JSON Lines content file: IntimacyHub's one interchange format.

The contract is docs/CONTENT_FORMAT.md (content format version 2, which the
benchmark corpora share; it says which v2 records and fields are still
refused and what this module adds). Import is all or nothing: every line is
validated, cross-references included, before anything is written, and the
writes happen in one transaction. Import is idempotent: records are matched
by slug, and an article whose content equals what is stored is not touched.
Export writes records in a canonical form (fields in the contract's order,
empty optional fields left out, datetimes in UTC), so export, import into an
empty database, export again gives the same bytes.
"""

import datetime as dt
import json
import multiprocessing
import os
import re
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

import reversion
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.text import slugify

from articles import changes, search
from articles.models import (
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleSlugRedirect,
    ArticleTag,
    Author,
    Citation,
    Quote,
    RelatedArticle,
    Tag,
)
from articles.services import describe_address_owner, history_queryset, record_baseline
from conditions.models import SLUG_PATTERN, Condition
from intimacyhub.rendering import RenderError, render_batch

# The models' own slug rule (the database checks the same pattern).
SLUG_RE = re.compile(SLUG_PATTERN)
CITATION_KEY_RE = re.compile(r"[^\]\s]{1,100}")
URL_RE = re.compile(r"https?://[^\s]+", re.IGNORECASE)
STATUSES = ("draft", "review", "published")
BATCH = 500
# Rendering Markdown is most of an import's work. From this many changed
# articles on, it runs in worker processes, a few chunks of RENDER_CHUNK
# ahead of the database writes that use it.
PARALLEL_FROM = 200
RENDER_CHUNK = 100

CONDITION_FIELDS = ("type", "slug", "name", "aliases", "summary", "body")
ARTICLE_FIELDS = (
    "type", "slug", "title", "summary", "body", "status", "published_at", "updated_at", "author",
    "reviewed_by", "reviewed_at", "tags", "content_notes", "conditions", "citations", "quotes", "related",
    "redirects", "owner",
)  # fmt: skip
CITATION_FIELDS = ("key", "source", "title", "url", "published", "excerpt")
CITATION_MAX = {"key": 100, "source": 300, "title": 500, "url": 2000, "published": 50, "excerpt": None}
QUOTE_FIELDS = ("text", "attribution", "source")


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


@dataclass
class ImportResult:
    created: dict = field(default_factory=lambda: {"condition": 0, "article": 0})
    updated: dict = field(default_factory=lambda: {"condition": 0, "article": 0})
    unchanged: dict = field(default_factory=lambda: {"condition": 0, "article": 0})
    renamed_conditions: set = field(default_factory=set)
    # Problems that do not stop the import (an owner with no account here).
    warnings: list = field(default_factory=list)

    def __str__(self):
        parts = []
        for kind in ("condition", "article"):
            parts.append(
                f"{kind}s: {self.created[kind]} created, {self.updated[kind]} updated, {self.unchanged[kind]} unchanged"
            )
        return "; ".join(parts)


# ---------------------------------------------------------------------------
# Validation


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

    def datetime(self, name, *, required=False):
        value = self.raw.get(name)
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

    def date(self, name):
        value = self.raw.get(name)
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
        "slug": v.slug(80),
        "name": v.field("name", max_length=120, required=True, allow_empty=False),
        "aliases": v.string_list("aliases", max_length=120),
        "summary": v.field("summary"),
        "body": v.field("body"),
    }


def _validate_article(v):
    v.check_known(ARTICLE_FIELDS)
    status = v.raw.get("status", "draft")
    if status not in STATUSES:
        v.error("status", f"{status!r} is not one of {', '.join(STATUSES)}")
        status = "draft"
    record = {
        "slug": v.slug(200),
        "title": v.field("title", max_length=200, required=True, allow_empty=False),
        "summary": v.field("summary"),
        "body": v.field("body", required=True, allow_empty=False),
        "status": status,
        "published_at": v.datetime("published_at", required=status == "published"),
        "updated_at": v.datetime("updated_at"),
        "author": v.field("author", max_length=200).strip(),
        "reviewed_by": v.field("reviewed_by", max_length=200),
        "reviewed_at": v.date("reviewed_at"),
        "tags": v.string_list("tags", max_length=100),
        "content_notes": v.string_list("content_notes", max_length=100),
        "conditions": [],
        "citations": [],
        "quotes": [],
        "related": v.string_list("related", max_length=200),
        "redirects": v.string_list("redirects", max_length=200),
        "owner": v.field("owner", max_length=150),
    }
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
        slug = v.text(f"{label}.slug", item.get("slug"), max_length=80, required=True, allow_empty=False)
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
                f"{label}.attribution", item.get("attribution"), max_length=200, required=True, allow_empty=False
            ),
            "source": v.text(f"{label}.source", item.get("source"), max_length=300),
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
    """Read a content file (a binary stream) and return (conditions, articles).

    Each is a dict slug -> (line number, record). Raise ContentFileError
    listing every problem found in the file on its own.
    """
    problems = []
    conditions, articles = {}, {}
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
        else:
            problems.append(Problem(number, "type", f"{kind!r} is not a known type (condition or article)"))
            continue
        slug = record["slug"]
        if slug and slug in registry:
            problems.append(Problem(number, "slug", f"{slug!r} was already given on line {registry[slug][0]}"))
        elif slug:
            registry[slug] = (number, record)
    if problems:
        raise ContentFileError(problems)
    return conditions, articles


def _check_references(conditions, articles):
    problems = []
    known_conditions = set(conditions) | set(
        Condition.objects.filter(
            slug__in={c["slug"] for _, r in articles.values() for c in r["conditions"]} - set(conditions)
        ).values_list("slug", flat=True)
    )
    wanted_related = {s for _, r in articles.values() for s in r["related"]} - set(articles)
    known_articles = set(articles) | _existing_slugs(Article, wanted_related)
    quote_sources = {}
    for line, record in articles.values():
        for i, link in enumerate(record["conditions"]):
            if link["slug"] not in known_conditions:
                problems.append(
                    Problem(line, f"conditions[{i}].slug", f"no condition {link['slug']!r} in the file or the site")
                )
        for i, related in enumerate(record["related"]):
            if related not in known_articles:
                problems.append(Problem(line, f"related[{i}]", f"no article {related!r} in the file or the site"))
        for i, quote in enumerate(record["quotes"]):
            identity = (quote["text"], quote["attribution"])
            if identity in quote_sources and quote_sources[identity][1] != quote["source"]:
                problems.append(
                    Problem(
                        line,
                        f"quotes[{i}].source",
                        f"{quote['source']!r} differs from {quote_sources[identity][1]!r} given for the same "
                        f"quote on line {quote_sources[identity][0]}; a quote has one source site-wide",
                    )
                )
            quote_sources.setdefault(identity, (line, quote["source"]))
    problems.extend(_check_addresses(articles))
    problems.sort(key=lambda p: p.line)
    return problems


def _check_addresses(articles):
    """Check the file's slugs and old addresses against each other and the site: an address is one article's."""
    problems = []
    claimed = {}  # old slug -> (line, slug of the article that lists it)
    for slug, (line, record) in articles.items():
        for i, old in enumerate(record["redirects"]):
            if old in articles:
                problems.append(
                    Problem(
                        line,
                        f"redirects[{i}]",
                        f"{old!r} is the slug of the article on line {articles[old][0]}; "
                        "an old address may never be another article's address",
                    )
                )
            elif old in claimed:
                problems.append(
                    Problem(
                        line,
                        f"redirects[{i}]",
                        f"{old!r} is already an old address of {claimed[old][1]!r} on line {claimed[old][0]}; "
                        "an old address belongs to one article only",
                    )
                )
            else:
                claimed[old] = (line, slug)
    site_ids = _slug_ids(Article.objects, "slug", [*articles, *claimed])
    holders = _slug_ids(ArticleSlugRedirect.objects, "old_slug", [*articles, *claimed], value="article_id")
    for old, (line, slug) in claimed.items():
        if old in site_ids:
            title = Article.objects.filter(pk=site_ids[old]).values_list("title", flat=True).first()
            problems.append(
                Problem(
                    line,
                    f"redirects[{articles[slug][1]['redirects'].index(old)}]",
                    f"{old!r} is the address of “{title}” on the site; it cannot also be an old address of {slug!r}",
                )
            )
        elif old in holders and holders[old] != site_ids.get(slug):
            problems.append(
                Problem(
                    line,
                    f"redirects[{articles[slug][1]['redirects'].index(old)}]",
                    f"{old!r} is already an old address of {describe_address_owner(holders[old])} on the site, "
                    f"and stays reserved for it",
                )
            )
    for slug, (line, _record) in articles.items():
        if slug in holders and holders[slug] != site_ids.get(slug):
            problems.append(
                Problem(
                    line,
                    "slug",
                    f"{slug!r} was the address of {describe_address_owner(holders[slug])} and stays reserved "
                    "for it forever; choose another slug",
                )
            )
    return problems


def _slug_ids(queryset, field_name, slugs, *, value="id"):
    """Return {slug: value} for the rows of `queryset` whose `field_name` is one of `slugs`."""
    found = {}
    slugs = list(slugs)
    for start in range(0, len(slugs), BATCH):
        found.update(
            queryset.filter(**{f"{field_name}__in": slugs[start : start + BATCH]}).values_list(field_name, value)
        )
    return found


def _existing_slugs(model, slugs):
    found = set()
    slugs = list(slugs)
    for start in range(0, len(slugs), BATCH):
        found.update(model.objects.filter(slug__in=slugs[start : start + BATCH]).values_list("slug", flat=True))
    return found


# ---------------------------------------------------------------------------
# Export


def _iso(value):
    return value.astimezone(dt.UTC).isoformat() if value else None


def _compact(record, fields):
    """Keep `fields` in order, dropping empty optional values."""
    return {name: record[name] for name in fields if name in record and record[name] not in (None, "", [])}


def condition_record(condition):
    return _compact(
        {
            "type": "condition",
            "slug": condition.slug,
            "name": condition.name,
            "aliases": list(condition.aliases or []),
            "summary": condition.summary,
            "body": condition.body,
        },
        CONDITION_FIELDS,
    )


def article_record(article):
    """Return the content-file record for an article fetched with `export_queryset()`."""
    record = {
        "type": "article",
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "status": article.status,
        "published_at": _iso(article.published_at),
        "updated_at": _iso(article.updated_at),
        "author": article.author.name if article.author else "",
        "reviewed_by": article.reviewed_by,
        "reviewed_at": article.reviewed_at.isoformat() if article.reviewed_at else None,
        "tags": [link.tag.name for link in article.tag_links.all()],
        "content_notes": list(article.content_notes or []),
        "conditions": [
            _compact({"slug": link.condition.slug, "note": link.note}, ("slug", "note"))
            for link in article.condition_links.all()
        ],
        "citations": [
            _compact({name: getattr(c, name) for name in CITATION_FIELDS}, CITATION_FIELDS)
            for c in article.citations.all()
        ],
        "quotes": [
            _compact(
                {"text": link.quote.text, "attribution": link.quote.attribution, "source": link.quote.source},
                QUOTE_FIELDS,
            )
            for link in article.quote_links.all()
        ],
        "related": [link.related.slug for link in article.related_links.all()],
        "redirects": [redirect.old_slug for redirect in article.slug_redirects.all()],
        "owner": article.owner_login or article.owner_username,
    }
    return _compact(record, ARTICLE_FIELDS)


def export_queryset():
    return (
        Article.objects.select_related("author")
        .annotate(owner_login=F(f"created_by__{get_user_model().USERNAME_FIELD}"))
        .prefetch_related(
            Prefetch("slug_redirects", ArticleSlugRedirect.objects.only("article_id", "old_slug").order_by("old_slug")),
            "citations",
            Prefetch("tag_links", ArticleTag.objects.select_related("tag")),
            Prefetch(
                "condition_links",
                ArticleCondition.objects.select_related("condition").only(
                    "article_id", "position", "note", "condition__slug"
                ),
            ),
            Prefetch("quote_links", ArticleQuote.objects.select_related("quote")),
            Prefetch(
                "related_links",
                RelatedArticle.objects.select_related("related").only("article_id", "position", "related__slug"),
            ),
        )
        .order_by("slug")
    )


@contextmanager
def export_snapshot():
    """Run the block in one transaction that reads a single moment of the database and locks out no writer.

    PostgreSQL: a read-only REPEATABLE READ transaction, so every query of
    the export sees the snapshot its first query took. SQLite: a deferred
    transaction (the settings make every other one IMMEDIATE, which would
    hold the write lock for the whole export); in WAL mode a reader keeps
    its snapshot while writers commit beside it. Inside a transaction
    already (tests), it is a savepoint and reads what that transaction sees.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()  # a new connection would reset the mode from the settings
        mode, connection.transaction_mode = connection.transaction_mode, "DEFERRED"
        try:
            with transaction.atomic():
                yield
        finally:
            connection.transaction_mode = mode
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def dumps(record):
    return json.dumps(record, ensure_ascii=False) + "\n"


def export(out):
    """Write every condition and article to the text stream `out`, by slug."""
    count = 0
    for condition in Condition.objects.order_by("slug"):
        out.write(dumps(condition_record(condition)))
        count += 1
    for article in export_queryset().iterator(chunk_size=1000):
        out.write(dumps(article_record(article)))
        count += 1
    return count


# ---------------------------------------------------------------------------
# Import


def _canonical(record, kind):
    """Return the record as export would write it, to compare with what is stored."""
    record = dict(record, type=kind)
    if kind == "condition":
        return _compact(record, CONDITION_FIELDS)
    record["published_at"] = _iso(record["published_at"])
    record["updated_at"] = _iso(record["updated_at"])
    record["reviewed_at"] = record["reviewed_at"].isoformat() if record["reviewed_at"] else None
    record["conditions"] = [_compact(c, ("slug", "note")) for c in record["conditions"]]
    record["citations"] = [_compact(c, CITATION_FIELDS) for c in record["citations"]]
    record["quotes"] = [_compact(q, QUOTE_FIELDS) for q in record["quotes"]]
    record["redirects"] = sorted(record["redirects"])
    return _compact(record, ARTICLE_FIELDS)


def import_content(stream, *, dry_run=False, workers=None):
    """Import a content file (a binary stream), all or nothing.

    Raise ContentFileError when the file has problems; nothing is written then.
    With `dry_run`, everything is checked and written inside a transaction
    that is rolled back, so database constraints are checked too. `workers`
    is how many processes render Markdown in a large import (default: one
    per CPU; 1 renders in this process); the result is the same either way.
    """
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    conditions, articles = parse(stream)
    result = ImportResult()
    try:
        with transaction.atomic():
            problems = _check_references(conditions, articles)
            if problems:
                raise ContentFileError(problems)
            with reversion.create_revision():
                reversion.set_comment("Imported from a content file.")
                with search.bulk():
                    _write(conditions, articles, result, workers=workers)
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as exc:
        raise ContentFileError([Problem(0, "", f"the database refused the import: {exc}")]) from exc
    return result


def _write(conditions, articles, result, *, workers=1):
    # Saved one by one: the page cache's receiver re-indexes the articles
    # of a renamed condition after the commit, before the new generation.
    condition_ids = _write_conditions(conditions, result)
    changed, stored, users = _changed_articles(articles, result)
    if not changed:
        return
    needed_conditions = {c["slug"] for r in changed.values() for c in r["conditions"]} - set(condition_ids)
    condition_ids.update(Condition.objects.filter(slug__in=needed_conditions).values_list("slug", "id"))
    authors = _ensure_authors({r["author"] for r in changed.values() if r["author"]})
    tags = _ensure_tags([t for r in changed.values() for t in r["tags"]])
    quotes = _ensure_quotes([q for r in changed.values() for q in r["quotes"]])

    existing = {slug: stored[slug].id for slug in changed if slug in stored}
    now = timezone.now()
    article_ids, notes_html = {}, {}
    new_objects, updated_objects = [], []

    def write_new():
        # New articles are written batch by batch as their Markdown arrives,
        # with their links and search rows, while the next batch renders.
        Article.objects.bulk_create(new_objects)
        batch = {a.slug: a.id for a in new_objects}
        article_ids.update(batch)
        _write_children({slug: changed[slug] for slug in batch}, article_ids, condition_ids, tags, quotes, notes_html)
        search.index_articles(batch.values())
        new_objects.clear()

    with closing(_render(changed, articles, workers=workers)) as rendered:
        for slug, record, body_html, note_html in rendered:
            created_by_id, owner_username = _owner_link(record["owner"], users)
            article = Article(
                id=existing.get(slug),
                slug=slug,
                title=record["title"],
                summary=record["summary"],
                body=record["body"],
                body_html=body_html,
                status=record["status"],
                published_at=record["published_at"],
                updated_at=record["updated_at"],
                author_id=authors.get(record["author"]),
                reviewed_by=record["reviewed_by"],
                reviewed_at=record["reviewed_at"],
                content_notes=record["content_notes"],
                created_by_id=created_by_id,
                owner_username=owner_username,
                # Published once, or it would have no old addresses: its address stays reserved.
                ever_published=(slug in stored and stored[slug].ever_published)
                or record["status"] == Article.Status.PUBLISHED
                or bool(record["redirects"]),
                created=now,
                modified=now,
            )
            notes_html[slug] = note_html
            (updated_objects if article.id else new_objects).append(article)
            if len(new_objects) >= BATCH:
                write_new()
    if new_objects:
        write_new()
    if updated_objects:
        update_fields = [
            "title", "summary", "body", "body_html", "status", "published_at", "updated_at", "author",
            "reviewed_by", "reviewed_at", "content_notes", "created_by", "owner_username", "ever_published",
            "modified",
        ]  # fmt: skip
        record_baseline(article_ids=[a.id for a in updated_objects])
        visible_before = []
        for start in range(0, len(updated_objects), BATCH):
            chunk = [a.id for a in updated_objects[start : start + BATCH]]
            visible_before += Article.objects.published_or_scheduled().filter(id__in=chunk).values_list("id", flat=True)
        # Bulk writes send no signals: what follows them is asked for here, once for the file.
        changes.articles_written([a.id for a in updated_objects], visible_before=visible_before, indexed=True)
        Article.objects.bulk_update(updated_objects, update_fields, batch_size=BATCH)
        ids = [a.id for a in updated_objects]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            Article.objects.filter(id__in=chunk).update(version=F("version") + 1)
            for model in (ArticleCondition, Citation, ArticleQuote, ArticleTag, RelatedArticle):
                model.objects.filter(article_id__in=chunk).delete()
        article_ids.update((a.slug, a.id) for a in updated_objects)
        updated = {a.slug: changed[a.slug] for a in updated_objects}
        _write_children(updated, article_ids, condition_ids, tags, quotes, notes_html)

    wanted = {s for r in changed.values() for s in r["related"]} - set(article_ids)
    wanted_list = list(wanted)
    for start in range(0, len(wanted_list), BATCH):
        article_ids.update(
            Article.objects.filter(slug__in=wanted_list[start : start + BATCH]).values_list("slug", "id")
        )
    _write_related(changed, article_ids)
    ArticleSlugRedirect.objects.bulk_create(
        [
            ArticleSlugRedirect(old_slug=old, article_id=article_ids[slug])
            for slug, record in changed.items()
            for old in record["redirects"]
            if slug not in stored or old not in stored[slug].redirects
        ],
        batch_size=BATCH,
    )
    # An updated article keeps a revision, as an admin save does, so the
    # import shows in its history and can be undone. A new one needs none
    # yet: its first edit records the imported state (services.record_baseline).
    updated_ids = [a.id for a in updated_objects]
    for start in range(0, len(updated_ids), BATCH):
        for article in history_queryset().filter(id__in=updated_ids[start : start + BATCH]):
            reversion.add_to_revision(article)
    # New articles were indexed batch by batch above. Related lists and the
    # page cache follow on commit (never after a dry run's rollback).
    if updated_ids:
        search.index_articles(updated_ids)
    changes.articles_written((article_ids[slug] for slug in changed), indexed=True)


def _render(changed, articles, *, workers):
    """Yield (slug, record, body_html, [note_html, ...]) for each changed article, in order.

    With more than one worker and enough articles, the Markdown is rendered
    in worker processes, up to three chunks per worker ahead of the caller;
    the HTML is the same as rendering here. A text that cannot be rendered is
    reported with its line and field, and nothing is imported.
    """
    items = list(changed.items())
    chunks = [items[start : start + RENDER_CHUNK] for start in range(0, len(items), RENDER_CHUNK)]

    def texts(chunk):
        return [
            text
            for _slug, record in chunk
            for text in [
                (record["body"], [c["key"] for c in record["citations"]]),
                *((c["note"], None) for c in record["conditions"]),
            ]
        ]

    def unpack(chunk, rendered):
        position = 0
        for slug, record in chunk:
            count = 1 + len(record["conditions"])
            yield slug, record, rendered[position], rendered[position + 1 : position + count]
            position += count

    def failed(chunk, error):
        position = 0
        for slug, record in chunk:
            if error.index < position + 1 + len(record["conditions"]):
                offset = error.index - position
                name = "body" if offset == 0 else f"conditions[{offset - 1}].note"
                return ContentFileError([Problem(articles[slug][0], name, f"cannot be rendered ({error.message})")])
            position += 1 + len(record["conditions"])
        return ContentFileError([Problem(0, "", f"cannot be rendered ({error.message})")])

    if workers <= 1 or len(items) < PARALLEL_FROM:
        for chunk in chunks:
            try:
                rendered = render_batch(texts(chunk))
            except RenderError as error:
                raise failed(chunk, error) from None
            yield from unpack(chunk, rendered)
        return
    # Spawned, not forked: a worker must not inherit this process's database connection.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = deque()
        remaining = iter(chunks)
        try:
            for chunk in remaining:
                pending.append((chunk, pool.submit(render_batch, texts(chunk))))
                if len(pending) >= 3 * workers:
                    break
            while pending:
                chunk, future = pending.popleft()
                following = next(remaining, None)
                if following is not None:
                    pending.append((following, pool.submit(render_batch, texts(following))))
                try:
                    rendered = future.result()
                except RenderError as error:
                    raise failed(chunk, error) from None
                yield from unpack(chunk, rendered)
        finally:
            for _chunk, future in pending:
                future.cancel()


def _write_conditions(conditions, result):
    stored = {c.slug: c for c in Condition.objects.filter(slug__in=list(conditions))}
    ids = {}
    for slug, (_line, record) in conditions.items():
        condition = stored.get(slug)
        if condition is not None and condition_record(condition) == _canonical(record, "condition"):
            result.unchanged["condition"] += 1
        else:
            if condition is None:
                condition = Condition(slug=slug)
                result.created["condition"] += 1
            else:
                result.updated["condition"] += 1
                if condition.name != record["name"]:
                    result.renamed_conditions.add(slug)
            for name in ("name", "aliases", "summary", "body"):
                setattr(condition, name, record[name])
            condition.save()
        ids[slug] = condition.id
    return ids


@dataclass(frozen=True, slots=True)
class _Stored:
    """What an import needs of an article already on the site, beyond its record."""

    id: int
    record: dict
    created_by_id: int | None
    owner_username: str
    ever_published: bool
    redirects: frozenset


def _changed_articles(articles, result):
    """Return (slug -> record, slug -> _Stored, username -> user id) for the articles that are new or differ.

    An article's old addresses are only ever added to (they are reserved
    forever), and a record without `owner` keeps the owner stored (a v1
    file must not take writers' drafts away from them); the records
    returned for updated articles say so.
    """
    slugs = list(articles)
    stored = {}
    for start in range(0, len(slugs), BATCH):
        # Lock the rows first: an admin save waits for the import, then finds
        # its version stale instead of being overwritten (or overwriting).
        list(Article.objects.select_for_update().filter(slug__in=slugs[start : start + BATCH]).values_list("id"))
        for article in export_queryset().filter(slug__in=slugs[start : start + BATCH]):
            stored[article.slug] = _Stored(
                id=article.id,
                record=article_record(article),
                created_by_id=article.created_by_id,
                owner_username=article.owner_username,
                ever_published=article.ever_published,
                redirects=frozenset(r.old_slug for r in article.slug_redirects.all()),
            )
    merged = {}
    for slug, (_line, record) in articles.items():
        before = stored.get(slug)
        if before is None:
            merged[slug] = record
        else:
            merged[slug] = dict(
                record,
                redirects=sorted(before.redirects | set(record["redirects"])),
                owner=record["owner"] or before.record.get("owner", ""),
            )
    users = _user_ids({r["owner"] for r in merged.values() if r["owner"]})
    for line, record in articles.values():
        if record["owner"] and record["owner"] not in users:
            result.warnings.append(
                Problem(
                    line,
                    "owner",
                    f"no account {record['owner']!r} on this site: the article is kept with no owner "
                    "(editors may edit it) and the name is kept for the next export; an import links it "
                    "once the account exists",
                )
            )
    changed = {}
    for slug, record in merged.items():
        before = stored.get(slug)
        if before is None:
            result.created["article"] += 1
            changed[slug] = record
        elif before.record != _canonical(record, "article") or _owner_link(record["owner"], users) != (
            before.created_by_id,
            before.owner_username,
        ):
            result.updated["article"] += 1
            changed[slug] = record
        else:
            result.unchanged["article"] += 1
    return changed, stored, users


def _user_ids(usernames):
    User = get_user_model()
    name = User.USERNAME_FIELD
    found = {}
    usernames = list(usernames)
    for start in range(0, len(usernames), BATCH):
        found.update(User.objects.filter(**{f"{name}__in": usernames[start : start + BATCH]}).values_list(name, "pk"))
    return found


def _owner_link(owner, users):
    """Return (created_by_id, owner_username) for an article owned by the username `owner`."""
    if owner in users:
        return users[owner], ""
    return None, owner


def _ensure_authors(names):
    authors = dict(Author.objects.filter(name__in=names).values_list("name", "id"))
    missing = sorted(names - set(authors))
    if missing:
        taken = set(Author.objects.values_list("slug", flat=True))
        new = []
        for name in missing:
            base = slugify(name)[:190] or "author"
            slug, n = base, 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            taken.add(slug)
            new.append(Author(name=name, slug=slug))
        Author.objects.bulk_create(new)
        authors.update(Author.objects.filter(name__in=missing).values_list("name", "id"))
    return authors


def _ensure_tags(names):
    """Return tag slug -> id, creating tags as needed; the first spelling seen names a new tag."""
    wanted = {}
    for name in names:
        wanted.setdefault(slugify(name, allow_unicode=True), name)
    tags = dict(Tag.objects.filter(slug__in=list(wanted)).values_list("slug", "id"))
    missing = [Tag(slug=slug, name=name) for slug, name in wanted.items() if slug not in tags]
    if missing:
        Tag.objects.bulk_create(missing)
        tags.update(Tag.objects.filter(slug__in=[t.slug for t in missing]).values_list("slug", "id"))
    return tags


def _ensure_quotes(quotes):
    """Return fingerprint -> id, creating quotes and updating their source as needed."""
    wanted = {}
    for quote in quotes:
        wanted.setdefault(Quote.fingerprint_for(quote["text"], quote["attribution"]), quote)
    stored = {}
    keys = list(wanted)
    for start in range(0, len(keys), BATCH):
        stored.update({q.fingerprint: q for q in Quote.objects.filter(fingerprint__in=keys[start : start + BATCH])})
    missing = []
    for fingerprint, quote in wanted.items():
        if fingerprint not in stored:
            missing.append(Quote(fingerprint=fingerprint, **quote))
        elif stored[fingerprint].source != quote["source"]:
            stored[fingerprint].source = quote["source"]
            stored[fingerprint].save(update_fields=["source"])
    Quote.objects.bulk_create(missing)
    ids = {fingerprint: q.id for fingerprint, q in stored.items()}
    ids.update(Quote.objects.filter(fingerprint__in=[q.fingerprint for q in missing]).values_list("fingerprint", "id"))
    return ids


def _write_children(records, article_ids, condition_ids, tags, quotes, notes_html):
    """Write the condition links, citations, quotes and tags of these articles (not their related posts)."""
    condition_links, citations, quote_links, tag_links = [], [], [], []
    for slug, record in records.items():
        article_id = article_ids[slug]
        for position, link in enumerate(record["conditions"]):
            condition_links.append(
                ArticleCondition(
                    article_id=article_id,
                    condition_id=condition_ids[link["slug"]],
                    position=position,
                    note=link["note"],
                    note_html=notes_html[slug][position],
                )
            )
        for position, citation in enumerate(record["citations"]):
            citations.append(Citation(article_id=article_id, position=position, **citation))
        for position, quote in enumerate(record["quotes"]):
            fingerprint = Quote.fingerprint_for(quote["text"], quote["attribution"])
            quote_links.append(ArticleQuote(article_id=article_id, quote_id=quotes[fingerprint], position=position))
        for position, name in enumerate(record["tags"]):
            tag_id = tags[slugify(name, allow_unicode=True)]
            tag_links.append(ArticleTag(article_id=article_id, tag_id=tag_id, position=position))
    for model, objects in (
        (ArticleCondition, condition_links),
        (Citation, citations),
        (ArticleQuote, quote_links),
        (ArticleTag, tag_links),
    ):
        model.objects.bulk_create(objects, batch_size=BATCH)


def _write_related(records, article_ids):
    """Write the pinned related posts; after every article of the import has an id."""
    related_links = [
        RelatedArticle(article_id=article_ids[slug], related_id=article_ids[related], position=position)
        for slug, record in records.items()
        for position, related in enumerate(record["related"])
    ]
    RelatedArticle.objects.bulk_create(related_links, batch_size=BATCH)
