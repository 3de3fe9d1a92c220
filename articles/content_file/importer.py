"""Import: a checked file written in one transaction, all or nothing, touching only what differs.

Records are matched by slug; an article whose canonical record equals what
export would write of the stored one is not touched. Writes are in bulk,
so what must follow a write (search rows, related lists, the page cache
generation, revisions) is asked for here, once for the file.
"""

import os
from contextlib import closing
from dataclasses import dataclass

import reversion
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from articles import changes, signals
from articles.content_file.exporter import article_record, condition_record, export_queryset
from articles.content_file.media import check_media, write_images
from articles.content_file.people import ensure_people, owner_link, user_ids, write_people
from articles.content_file.references import check_references
from articles.content_file.render_pool import render_articles
from articles.content_file.schema import BATCH, ContentFileError, ImportResult, Problem, canonical
from articles.content_file.shared_rows import ensure_quotes, ensure_tags
from articles.content_file.validate import parse
from articles.models import (
    ARTICLE_PART_MODELS,
    EDITORIAL_FIELDS,
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleSlugRedirect,
    ArticleTag,
    Citation,
    Correction,
    Quote,
    RelatedArticle,
)
from articles.services import history_queryset, record_baseline, report_findings, set_check_counts
from conditions.models import Condition
from images.models import Image

# What an editor writes of an article, stored as the record says under the
# same name; the slug is what matched the record to its row, the author and
# reviewer are people, looked up by name, and the cover an image, by slug.
COPIED_FIELDS = [name for name in EDITORIAL_FIELDS if name not in ("slug", "author", "reviewed_by", "cover")]


def import_content(stream, *, dry_run=False, workers=None, media=None):
    """Import a content file (a binary stream), all or nothing.

    Raise ContentFileError when the file has problems; nothing is written then.
    With `dry_run`, everything is checked and written inside a transaction
    that is rolled back, so database constraints are checked too. `workers`
    is how many processes render Markdown in a large import (default: one
    per CPU; 1 renders in this process); the result is the same either way.
    `media` is the folder the image records' files are in.
    """
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    conditions, articles, people, images = parse(stream)
    result = ImportResult()
    try:
        with transaction.atomic():
            plans, problems = check_media(images, media)
            problems = sorted(
                [*check_references(conditions, articles, people, images), *problems], key=lambda p: p.line
            )
            if problems:
                raise ContentFileError(problems)
            with reversion.create_revision():
                reversion.set_comment("Imported from a content file.")
                with signals.bulk_write():
                    write_images(plans, result, dry_run=dry_run)
                    write_people(people, result)
                    _write(conditions, articles, result, workers=workers, list_findings=dry_run)
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as exc:
        raise ContentFileError([Problem(0, "", f"the database refused the import: {exc}")]) from exc
    return result


def _write(conditions, articles, result, *, workers=1, list_findings=False):
    # Saved one by one: the page cache's receiver re-indexes the articles
    # of a renamed condition after the commit, before the new generation.
    condition_ids = _write_conditions(conditions, result)
    changed, stored, users = _changed_articles(articles, result)
    if not changed:
        return
    needed_conditions = {c["slug"] for r in changed.values() for c in r["conditions"]} - set(condition_ids)
    condition_ids.update(Condition.objects.filter(slug__in=needed_conditions).values_list("slug", "id"))
    authors = ensure_people(
        {r["author"] for r in changed.values() if r["author"]},
        reviewers={r["reviewed_by"] for r in changed.values() if r["reviewed_by"]},
    )
    tags = ensure_tags([t for r in changed.values() for t in r["tags"]])
    quotes = ensure_quotes([q for r in changed.values() for q in r["quotes"]])
    covers = dict(Image.objects.filter(slug__in={r["cover"] for r in changed.values()}).values_list("slug", "id"))

    existing = {slug: stored[slug].id for slug in changed if slug in stored}
    now = timezone.now()
    article_ids, notes_html, counted = {}, {}, {}  # counted: slug -> the checks' Counted (check_documents)
    new_objects, updated_objects = [], []

    def write_new():
        # New articles are written batch by batch as their Markdown arrives,
        # with their links, search rows and the checks' counts, while the next batch renders.
        set_check_counts(new_objects, counted)
        Article.objects.bulk_create(new_objects)
        batch = {a.slug: a.id for a in new_objects}
        article_ids.update(batch)
        _write_children({slug: changed[slug] for slug in batch}, article_ids, condition_ids, tags, quotes, notes_html)
        signals.request_index(batch.values())
        new_objects.clear()

    with closing(render_articles(changed, articles, workers=workers, listed=list_findings)) as rendered:
        for slug, record, body_html, note_html, checks in rendered:
            created_by_id, owner_username = owner_link(record["owner"], users)
            article = Article(
                id=existing.get(slug),
                slug=slug,
                **{name: record[name] for name in COPIED_FIELDS},
                updated_at=record["updated_at"],
                author_id=authors.get(record["author"]),
                reviewed_by_id=authors.get(record["reviewed_by"]),
                cover_id=covers.get(record["cover"]),
                body_html=body_html,
                created_by_id=created_by_id,
                owner_username=owner_username,
                # Published once, or it would have no old addresses: its address stays reserved.
                ever_published=(slug in stored and stored[slug].ever_published)
                or record["status"] == Article.Status.PUBLISHED
                or bool(record["redirects"]),
                created=now,
                modified=now,
            )
            notes_html[slug], counted[slug] = note_html, checks
            (updated_objects if article.id else new_objects).append(article)
            if len(new_objects) >= BATCH:
                write_new()
    if new_objects:
        write_new()
    overridden = set_check_counts(updated_objects, counted)
    if updated_objects:
        update_fields = [
            *COPIED_FIELDS,
            "updated_at",
            "author",
            "reviewed_by",
            "cover",
            "body_html",
            "created_by",
            "owner_username",
            "ever_published",
            "modified",
            "check_findings",
            "check_blocking",
        ]
        record_baseline(article_ids=[a.id for a in updated_objects])
        visible_before = []
        for start in range(0, len(updated_objects), BATCH):
            chunk = [a.id for a in updated_objects[start : start + BATCH]]
            visible_before += Article.objects.published_or_scheduled().filter(id__in=chunk).values_list("id", flat=True)
        # Bulk writes send no model signals: what follows them is asked for here, once for the file.
        changes.articles_written([a.id for a in updated_objects], visible_before=visible_before, indexed=True)
        Article.objects.bulk_update(updated_objects, update_fields, batch_size=BATCH)
        ids = [a.id for a in updated_objects]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            Article.objects.filter(id__in=chunk).update(version=F("version") + 1)
            for model in ARTICLE_PART_MODELS:
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
    # The log is append-only, as on the site: only the changes the site lacks are added.
    Correction.objects.bulk_create(
        [
            Correction(article_id=article_ids[slug], **correction)
            for slug, record in changed.items()
            for correction in record["corrections"]
            if slug not in stored or _correction_key(correction) not in stored[slug].corrections
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
        signals.request_index(updated_ids)
    changes.articles_written((article_ids[slug] for slug in changed), indexed=True)
    # Never refused for a finding (an import is how a site moves, not how it writes): counted, listed in a dry run.
    report_findings(result, {slug: (article_ids[slug], counted[slug]) for slug in changed}, overridden)


def _write_conditions(conditions, result):
    stored = {c.slug: c for c in Condition.objects.filter(slug__in=list(conditions))}
    ids = {}
    for slug, (_line, record) in conditions.items():
        condition = stored.get(slug)
        if condition is not None and condition_record(condition) == canonical(record, "condition"):
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
    corrections: tuple  # its logged changes as (at, kind, note), oldest first


def _correction_key(correction):
    return (correction["at"], correction["kind"], correction["note"])


def _changed_articles(articles, result):
    """Return (slug -> record, slug -> _Stored, username -> user id) for the articles that are new or differ.

    An article's old addresses are only ever added to (they are reserved
    forever), and a record without `owner` keeps the owner stored (a v1
    file must not take writers' drafts away from them), nor without `cover` the
    cover it has (a v1 file knows no images); the records
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
                corrections=tuple((c.at, c.kind, c.note) for c in article.corrections.all()),
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
                cover=record["cover"] or before.record.get("cover", ""),
                corrections=_merged_corrections(before.corrections, record["corrections"]),
            )
    users = user_ids({r["owner"] for r in merged.values() if r["owner"]})
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
        elif before.record != canonical(record, "article") or owner_link(record["owner"], users) != (
            before.created_by_id,
            before.owner_username,
        ):
            result.updated["article"] += 1
            changed[slug] = record
        else:
            result.unchanged["article"] += 1
    return changed, stored, users


def _merged_corrections(stored, listed):
    """The site's logged changes with the file's new ones, oldest first: a file never removes one."""
    known = set(stored)
    merged = [{"at": at, "kind": kind, "note": note} for at, kind, note in stored]
    merged += [c for c in listed if _correction_key(c) not in known]
    merged.sort(key=lambda c: c["at"])  # stable: the site's order among equal times
    return merged


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
