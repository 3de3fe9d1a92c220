"""Export: every condition, image, person and article as canonical records, read from one moment of the database.

Records are written in the contract's field order, empty optional fields
left out, datetimes in UTC, so export, import into an empty database, export
again gives the same bytes. The importer compares what is stored through
`article_record()` and `condition_record()` too.
"""

import itertools
import json
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Prefetch

from articles.content_file.media import export_images
from articles.content_file.schema import (
    ARTICLE_FIELDS,
    CITATION_FIELDS,
    CONDITION_FIELDS,
    LICENSE_FIELDS,
    PERSON_FIELDS,
    QUOTE_FIELDS,
    compact,
    correction_record,
    iso,
)
from articles.models import (
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleSlugRedirect,
    ArticleTag,
    Correction,
    Person,
    RelatedArticle,
)
from conditions.models import Condition


def condition_record(condition):
    return compact(
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


def person_record(person):
    """Return the content-file record for a person, licence number included.

    An export is staff data (a backup): it carries the licence number that
    no public page shows.
    """
    license_ = None
    if person.licence_type or person.licence_jurisdiction or person.licence_number or person.licence_verified_at:
        license_ = compact(
            {
                "type": person.licence_type,
                "jurisdiction": person.licence_jurisdiction,
                "number": person.licence_number,
                "verified_at": person.licence_verified_at.isoformat() if person.licence_verified_at else None,
            },
            LICENSE_FIELDS,
        )
    return compact(
        {
            "type": "person",
            "slug": person.slug,
            "name": person.name,
            "credentials": person.credentials,
            "job_title": person.job_title,
            "bio": person.bio,
            "photo": person.photo.slug if person.photo else None,
            "links": list(person.links or []),
            "reviewer": person.is_reviewer or None,
            "license": license_,
        },
        PERSON_FIELDS,
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
        "published_at": iso(article.published_at),
        "updated_at": iso(article.updated_at),
        "author": article.author.name if article.author else "",
        "reviewed_by": article.reviewed_by.name if article.reviewed_by else "",
        "reviewed_at": article.reviewed_at.isoformat() if article.reviewed_at else None,
        "tags": [link.tag.name for link in article.tag_links.all()],
        "content_notes": list(article.content_notes or []),
        "conditions": [
            compact({"slug": link.condition.slug, "note": link.note}, ("slug", "note"))
            for link in article.condition_links.all()
        ],
        "citations": [
            compact({name: getattr(c, name) for name in CITATION_FIELDS}, CITATION_FIELDS)
            for c in article.citations.all()
        ],
        "quotes": [
            compact(
                {"text": link.quote.text, "attribution": link.quote.attribution, "source": link.quote.source},
                QUOTE_FIELDS,
            )
            for link in article.quote_links.all()
        ],
        "related": [link.related.slug for link in article.related_links.all()],
        "redirects": [redirect.old_slug for redirect in article.slug_redirects.all()],
        "owner": article.owner_login or article.owner_username,
        "disclosure": article.disclosure,
        "cover": article.cover.slug if article.cover else None,
        "corrections": [
            correction_record({"at": c.at, "kind": c.kind, "note": c.note}) for c in article.corrections.all()
        ],
    }
    return compact(record, ARTICLE_FIELDS)


def export_queryset():
    return (
        Article.objects.select_related("author", "reviewed_by", "cover")
        .annotate(owner_login=F(f"created_by__{get_user_model().USERNAME_FIELD}"))
        .prefetch_related(
            Prefetch("slug_redirects", ArticleSlugRedirect.objects.only("article_id", "old_slug").order_by("old_slug")),
            "citations",
            # Oldest first, as the file lists them.
            Prefetch("corrections", Correction.objects.only("article_id", "at", "kind", "note").order_by("at", "id")),
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


def export(out, *, media=None):
    """Write every condition, image, person and article to the text stream `out`, each kind by slug.

    The images' originals are copied into the folder `media`; raise
    MediaFolderRequired, before writing anything, when the site has images
    and `media` is None.
    """
    count = 0
    images = export_images(media)
    first_image = next(images, None)  # checks for the folder before a line is written
    for condition in Condition.objects.order_by("slug"):
        out.write(dumps(condition_record(condition)))
        count += 1
    for record in itertools.chain([first_image] if first_image else [], images):
        out.write(dumps(record))
        count += 1
    for person in Person.objects.select_related("photo").order_by("slug"):
        out.write(dumps(person_record(person)))
        count += 1
    for article in export_queryset().iterator(chunk_size=1000):
        out.write(dumps(article_record(article)))
        count += 1
    return count
