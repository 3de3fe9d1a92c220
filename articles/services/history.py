"""An article's history: its revisions (django-reversion), what changed between them, and putting one back.

Every write records a revision of the article with its parts (the writes
in `writes.py` say when); this module reads them: who saved last, what
changed since an edit started, what restoring a revision would change, and
the parts a restore puts back.
"""

import datetime as dt
import difflib
from dataclasses import dataclass

import reversion
from django.contrib.auth.models import AbstractUser as User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db.models import Prefetch
from django.utils import timezone
from reversion.models import Revision, Version

from articles.models import (
    ARTICLE_PART_MODELS,
    ARTICLE_PARTS,
    EDITORIAL_FIELDS,
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleTag,
    Citation,
    RelatedArticle,
)

# The parts of an article a revision restores along with the article row.
CHILD_MODELS = ARTICLE_PART_MODELS
# What a person edits, as stored on the row (the author's id, not the author):
# compared to say what changed and who may change it.
CONTENT_FIELDS = tuple(Article._meta.get_field(name).attname for name in EDITORIAL_FIELDS)
FIELD_LABELS = {
    "author_id": "author",
    "reviewed_by_id": "reviewed by",
    "published_at": "publication date",
    "updated_at": "updated date",
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str
    diff: list  # unified-diff lines for long text, else empty

    @property
    def label(self):
        return FIELD_LABELS.get(self.field, self.field.replace("_", " "))


def _comparable(value):
    # Revisions store datetimes as JSON, to the millisecond.
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def changed_fields(before, after):
    """Return the names in CONTENT_FIELDS whose values differ between two states of an article."""
    return {name for name in CONTENT_FIELDS if _comparable(getattr(before, name)) != _comparable(getattr(after, name))}


def history_queryset():
    """Articles with the parts a revision holds, fetched in a few queries."""
    return Article.objects.prefetch_related(
        "citations",
        Prefetch("condition_links", ArticleCondition.objects.select_related("condition")),
        Prefetch("quote_links", ArticleQuote.objects.select_related("quote")),
        Prefetch("tag_links", ArticleTag.objects.select_related("tag")),
        Prefetch("related_links", RelatedArticle.objects.select_related("related")),
    )


def record_baseline(*, article_ids: list[int]) -> None:
    """Record, as a revision of its own, the stored state of articles that have no revision yet.

    Articles made by an import or a fixture have no history; this keeps their
    state before the first change, so that change can be seen and undone. It
    writes the revision directly because an enclosing create_revision() block
    would merge it with the change itself.
    """
    content_type = ContentType.objects.get_for_model(Article)
    ids = [str(pk) for pk in article_ids]
    recorded = set(
        Version.objects.filter(content_type=content_type, object_id__in=ids).values_list("object_id", flat=True)
    )
    missing = [pk for pk in ids if pk not in recorded]
    if not missing:
        return
    revision = Revision.objects.create(date_created=timezone.now(), comment="State before the first recorded change.")
    versions = []
    for article in history_queryset().filter(pk__in=missing):
        for obj in [article, *(part for name in ARTICLE_PARTS for part in getattr(article, name).all())]:
            versions.append(
                Version(
                    revision=revision,
                    content_type=ContentType.objects.get_for_model(obj),
                    object_id=str(obj.pk),
                    db=obj._state.db,
                    format="json",
                    serialized_data=serializers.serialize("json", [obj]),
                    object_repr=str(obj),
                )
            )
    Version.objects.bulk_create(versions)


def record_revision(article, *, by, comment):
    """Add `article` to the revision being recorded, saying who did it and what."""
    reversion.set_user(by)
    reversion.set_comment(comment)
    reversion.add_to_revision(article)


def versions_of(article_id):
    return Version.objects.get_for_object_reference(Article, article_id).select_related("revision__user")


def last_saved_by(*, article: Article) -> User | None:
    version = versions_of(article.pk).first()
    return version.revision.user if version and version.revision.user else None


def snapshot(version):
    """Return the object as it was in `version`, unsaved."""
    return version._object_version.object


def changes_since(*, article: Article, version: int) -> list[FieldChange]:
    """Return what changed in `article` since it was at `version` (empty when unknown)."""
    # A cheap text match narrows the search; the decoded field confirms it.
    for stored in versions_of(article.pk).filter(serialized_data__contains=f'"version": {int(version)}'):
        if stored.field_dict.get("version") == version:
            return field_changes(before=snapshot(stored), after=article) + part_changes(
                before=parts_in_revision(stored, article.pk), after=stored_parts(article.pk)
            )
    return []


def changes_from_now(*, article: Article, version: Version) -> list[FieldChange]:
    """Return how the article as stored differs from `version` (what restoring it would change)."""
    return field_changes(before=article, after=snapshot(version)) + part_changes(
        before=stored_parts(article.pk), after=parts_in_revision(version, article.pk)
    )


def revision_changes(*, version: Version) -> list[FieldChange] | None:
    """Return what `version` changed from the article's revision before it (None for the first)."""
    previous = (
        Version.objects.get_for_object_reference(Article, version.object_id)
        .filter(pk__lt=version.pk)
        .select_related("revision")
        .first()
    )
    if previous is None:
        return None
    article_id = version.object_id
    return field_changes(before=snapshot(previous), after=snapshot(version)) + part_changes(
        before=parts_in_revision(previous, article_id), after=parts_in_revision(version, article_id)
    )


PART_LABELS = {
    ArticleCondition: "condition notes",
    Citation: "citations",
    ArticleQuote: "featured quotes",
    ArticleTag: "tags",
    RelatedArticle: "related articles",
}
_DERIVED_PART_FIELDS = {"id", "article_id", "note_html"}


def _part_key(values):
    return tuple(sorted((name, str(value)) for name, value in values.items() if name not in _DERIVED_PART_FIELDS))


def parts_in_revision(version, article_id):
    """Return model -> sorted part keys of the article's parts in `version`'s revision."""
    parts = {model: [] for model in CHILD_MODELS}
    for child in version.revision.version_set.select_related("content_type"):
        fields = child.field_dict
        if child._model in parts and str(fields.get("article_id")) == str(article_id):
            parts[child._model].append(_part_key(fields))
    return {model: sorted(keys) for model, keys in parts.items()}


def stored_parts(article_id):
    """Return model -> sorted part keys of the article's parts as stored now."""
    return {
        model: sorted(_part_key(values) for values in model.objects.filter(article_id=article_id).values())
        for model in CHILD_MODELS
    }


def part_changes(*, before: dict, after: dict) -> list[FieldChange]:
    """Say which kinds of parts (citations, notes…) differ, with their counts."""
    changes = []
    for model, label in PART_LABELS.items():
        if before[model] != after[model]:
            old, new = len(before[model]), len(after[model])
            edited = ", edited" if old == new else ""
            changes.append(FieldChange(label, f"{old}", f"{new}{edited}", []))
    return changes


def field_changes(*, before: Article, after: Article) -> list[FieldChange]:
    changes = []
    for name in CONTENT_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if _comparable(old) == _comparable(new):
            continue
        if name in ("author_id", "reviewed_by_id"):
            field = name.removesuffix("_id")
            old, new = (getattr(before, field) if old else ""), (getattr(after, field) if new else "")
        old, new = ("" if old is None else str(old)), ("" if new is None else str(new))
        diff = []
        if "\n" in old or "\n" in new or len(old) > 200 or len(new) > 200:
            diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1))[2:]
        changes.append(FieldChange(name, old, new, diff))
    return changes


def restore_children(version, article_id):
    """Put back the article's children as they were in `version`'s revision."""
    skipped = 0
    for model in CHILD_MODELS:
        model.objects.filter(article_id=article_id).delete()
    targets = {
        ArticleCondition: ("condition", "condition_id"),
        ArticleQuote: ("quote", "quote_id"),
        ArticleTag: ("tag", "tag_id"),
        RelatedArticle: ("related", "related_id"),
    }
    for child in version.revision.version_set.select_related("content_type"):
        model = child._model
        if model not in CHILD_MODELS or str(child.field_dict.get("article_id")) != str(article_id):
            continue
        obj = snapshot(child)
        if model in targets:
            name, attname = targets[model]
            target_model = model._meta.get_field(name).related_model
            if not target_model.objects.filter(pk=getattr(obj, attname)).exists():
                skipped += 1  # what it pointed at was deleted since
                continue
        obj.save(force_insert=True)
    return skipped
