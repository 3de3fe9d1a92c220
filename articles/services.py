"""Writes to articles, for every path: the admin form, admin actions, restores.

Each write here checks the role rules on the server (a hidden button is not a
permission), takes the optimistic lock on `Article.version` so that no edit is
silently overwritten, and records a revision (django-reversion) naming who did
it. Reads stay on the queryset (`Article.objects.published()`).
"""

import datetime as dt
import difflib
import secrets
from dataclasses import dataclass

import reversion
from django.contrib.auth.models import AbstractUser as User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from reversion.models import Revision, Version

from articles import changes
from articles.models import (
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleSlugRedirect,
    ArticleTag,
    Citation,
    RelatedArticle,
)

# The parts of an article a revision restores along with the article row.
CHILD_MODELS = (ArticleCondition, Citation, ArticleQuote, ArticleTag, RelatedArticle)
ARTICLE_PARTS = ("condition_links", "citations", "quote_links", "tag_links", "related_links")
# What a person edits; compared to say what changed and who may change it.
CONTENT_FIELDS = (
    "title", "slug", "summary", "body", "status", "published_at", "updated_at", "author_id",
    "reviewed_by", "reviewed_at", "content_notes",
)  # fmt: skip
REVIEW_FIELDS = frozenset({"reviewed_by", "reviewed_at"})
FIELD_LABELS = {"author_id": "author", "published_at": "publication date", "updated_at": "updated date"}

PUBLISH_REFUSED = "Only an editor may publish, schedule or unpublish an article."


class ArticleConflict(Exception):
    """Someone else saved the article after this edit started; nothing was written."""

    def __init__(self, *, current, expected_version):
        self.current = current
        self.expected_version = expected_version
        self.changes = changes_since(article=current, version=expected_version)
        self.saved_by = last_saved_by(article=current)
        super().__init__(
            f"{current} was changed by {self.saved_by or 'someone else'} while you were editing "
            f"(version {expected_version} became {current.version})."
        )


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str
    diff: list  # unified-diff lines for long text, else empty

    @property
    def label(self):
        return FIELD_LABELS.get(self.field, self.field.replace("_", " "))


# ---------------------------------------------------------------------------
# Who may do what. The admin asks these to show or hide things; the services
# below ask them again before writing.


def can_publish(user: User) -> bool:
    return user.has_perm("articles.publish_article")


def can_review(user: User) -> bool:
    return user.has_perm("articles.review_article")


def can_edit_content(user: User, article: Article | None = None) -> bool:
    """Return whether `user` may change the text and metadata of `article` (as stored)."""
    if not user.has_perm("articles.change_article"):
        return False
    if article is None or article.pk is None:
        return True
    if not user.has_perm("articles.edit_others_article") and article.created_by_id != user.pk:
        return False
    return can_publish(user) or article.status != Article.Status.PUBLISHED


def _check_may_change(by, current, changed, new):
    if not can_edit_content(by, current):
        if changed <= REVIEW_FIELDS and can_review(by):
            return
        if current.status == Article.Status.PUBLISHED and by.has_perm("articles.change_article"):
            raise PermissionDenied("This article is published; only an editor may change it now.")
        raise PermissionDenied("You may not change this article.")
    if not can_publish(by) and (new.status == Article.Status.PUBLISHED or "published_at" in changed):
        raise PermissionDenied(PUBLISH_REFUSED)
    if not can_review(by) and changed & REVIEW_FIELDS:
        raise PermissionDenied("Only a clinical reviewer or an editor may record a clinical review.")


def _comparable(value):
    # Revisions store datetimes as JSON, to the millisecond.
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def _changed_fields(before, after):
    return {name for name in CONTENT_FIELDS if _comparable(getattr(before, name)) != _comparable(getattr(after, name))}


# ---------------------------------------------------------------------------
# Slugs: an address readers have seen keeps working.


def describe_address_owner(article_id: int) -> str:
    """Name the article with this id for an error message, deleted or not."""
    article = Article.objects.filter(pk=article_id).only("title", "slug").first()
    if article is not None:
        return f"“{article.title}” (/articles/{article.slug}/)"
    version = Version.objects.get_for_object_reference(Article, article_id).first()
    title = f"“{version.object_repr}”" if version is not None else f"article #{article_id}"
    return f"{title}, which was deleted (recover it from “Recover deleted articles”)"


def check_slug_available(*, slug: str, article: Article | None = None) -> None:
    """Raise ValidationError when `slug` is, or was, another article's address.

    Old addresses stay reserved after their article is deleted: a reader's
    bookmark must never lead to different writing.
    """
    others = Article.objects.filter(slug=slug)
    if article is not None and article.pk:
        others = others.exclude(pk=article.pk)
    if others.exists():
        raise ValidationError(
            f"Another article already uses the address “{slug}”. Choose a different slug.", code="slug_taken"
        )
    # No join: the row of a deleted article's address has no article to join.
    redirect = ArticleSlugRedirect.objects.filter(old_slug=slug).first()
    if redirect is not None and (article is None or redirect.article_id != article.pk):
        raise ValidationError(
            f"“{slug}” was the address of {describe_address_owner(redirect.article_id)} and stays reserved "
            "for it forever. Choose a different slug.",
            code="slug_redirects",
        )


def _move_slug(current, new_slug):
    check_slug_available(slug=new_slug, article=current)
    # Taking back an old address: it is live again, no longer a redirect.
    ArticleSlugRedirect.objects.filter(old_slug=new_slug, article=current).delete()
    # Once published, always reserved: unpublishing and renaming, then
    # publishing again, still leads readers of the first address here.
    if current.ever_published or current.status == Article.Status.PUBLISHED:
        ArticleSlugRedirect.objects.get_or_create(old_slug=current.slug, defaults={"article": current})


# ---------------------------------------------------------------------------
# Writes


def _visible(articles):
    """The ids of these articles (as stored) readers can see now or will at their time."""
    return [a.pk for a in articles if a.status == Article.Status.PUBLISHED]


def _check_dated(article):
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        raise ValidationError("A published article needs a publication date.", code="published_without_date")


def _lock(article, expected_version):
    current = Article.objects.select_for_update().get(pk=article.pk)
    if expected_version is None:
        expected_version = article.version
    if current.version != expected_version:
        raise ArticleConflict(current=current, expected_version=expected_version)
    record_baseline(article_ids=[current.pk])
    return current


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


def _record(article, *, by, comment):
    reversion.set_user(by)
    reversion.set_comment(comment)
    reversion.add_to_revision(article)


@transaction.atomic
def article_save(
    *, article: Article, by: User, expected_version: int | None = None, comment: str = "Saved."
) -> Article:
    """Save `article` (new or changed) for `by`, refusing stale edits and forbidden changes.

    `expected_version` is the version the editor started from (default: the
    one on `article`). Raise ArticleConflict when someone saved since, and
    PermissionDenied when `by`'s role does not allow the change.
    """
    with reversion.create_revision():
        if article.pk is None:
            if not by.has_perm("articles.add_article"):
                raise PermissionDenied("You may not create articles.")
            blank = Article()
            _check_may_change(by, blank, _changed_fields(blank, article) - {"slug", "title", "body"}, article)
            _check_dated(article)
            check_slug_available(slug=article.slug)
            article.created_by = article.created_by or by
            article.version = 1
            article.render(citation_keys=[])  # parts come after; article_render() then
            article.save()
            changes.articles_written([article.pk])
        else:
            current = _lock(article, expected_version)
            # Before the save, so the page cache's receiver need not look the old state up.
            changes.articles_written([current.pk], visible_before=_visible([current]))
            changed = _changed_fields(current, article)
            _check_may_change(by, current, changed, article)
            _check_dated(article)
            if "slug" in changed:
                _move_slug(current, article.slug)
            # Never taken from the caller: these belong to the stored row.
            article.created_by_id = current.created_by_id
            article.owner_username = current.owner_username
            article.ever_published = current.ever_published
            article.preview_token = current.preview_token
            article.related_ids = current.related_ids  # derived, kept by articles/changes.py
            article.version = current.version + 1
            article.render()  # never store a body_html that lags behind the body
            article.save()
        _record(article, by=by, comment=comment)
    # The search row, related lists and page cache follow on commit, once,
    # with the links saved after this (the admin's inlines) and the
    # article_render() that follows them in the same transaction.
    return article


@transaction.atomic
def article_render(*, article: Article) -> Article:
    """Render the body with the article's citations as stored, and record the result."""
    article.render()
    Article.objects.filter(pk=article.pk).update(body_html=article.body_html)
    # Index it with the condition names its links now give it and recompute
    # related posts with its conditions, tags and pins: on commit, once for
    # the whole save (article_save() asked for the same).
    changes.articles_written([article.pk])
    if reversion.is_active():
        # Re-serialize: the revision must hold the final body_html and children.
        reversion.add_to_revision(article)
    return article


def _set_status(article, *, by, expected_version, status, published_at, comment):
    with transaction.atomic(), reversion.create_revision():
        current = _lock(article, expected_version)
        if not can_edit_content(by, current) and not can_publish(by):
            raise PermissionDenied("You may not change this article.")
        # Published: it enters the index and its neighbours' lists. Withdrawn:
        # it leaves them (readers stopped seeing it at once anyway).
        changes.articles_written([current.pk], visible_before=_visible([current]))
        current.status = status
        current.published_at = published_at(current)
        current.version += 1
        current.save(update_fields=["status", "published_at", "version", "modified"])
        _record(current, by=by, comment=comment)
    return current


def article_publish(*, article: Article, by: User, expected_version: int | None = None) -> Article:
    """Publish now: visible to readers at once (an earlier, past date is kept)."""
    if not can_publish(by):
        raise PermissionDenied(PUBLISH_REFUSED)
    now = timezone.now()

    def date(current):
        if current.status == Article.Status.PUBLISHED and current.published_at and current.published_at <= now:
            return current.published_at
        return now

    return _set_status(
        article, by=by, expected_version=expected_version, status=Article.Status.PUBLISHED,
        published_at=date, comment="Published.",
    )  # fmt: skip


def article_unpublish(*, article: Article, by: User, expected_version: int | None = None) -> Article:
    """Take an article off every public surface; it goes back to draft."""
    if not can_publish(by):
        raise PermissionDenied(PUBLISH_REFUSED)
    return _set_status(
        article, by=by, expected_version=expected_version, status=Article.Status.DRAFT,
        published_at=lambda current: current.published_at, comment="Unpublished.",
    )  # fmt: skip


def article_send_to_review(*, article: Article, by: User, expected_version: int | None = None) -> Article:
    """Mark a draft as ready for review (a Writer may do this for their own drafts)."""
    with transaction.atomic():
        current = Article.objects.get(pk=article.pk)
        if current.status == Article.Status.PUBLISHED:
            raise PermissionDenied("This article is published; unpublish it first to send it back to review.")
        if not can_edit_content(by, current):
            raise PermissionDenied("You may not change this article.")
        return _set_status(
            article, by=by, expected_version=expected_version, status=Article.Status.REVIEW,
            published_at=lambda current: current.published_at, comment="Sent to review.",
        )  # fmt: skip


def article_delete(*, article: Article, by: User) -> None:
    """Delete an article, first recording a revision so it can be recovered."""
    if not by.has_perm("articles.delete_article"):
        raise PermissionDenied("Only an editor may delete articles.")
    if reversion.is_active():
        # A revision saved by an outer block would be dropped with the deleted row.
        raise RuntimeError("article_delete() records its own revision; call it outside create_revision().")
    with transaction.atomic():
        record_baseline(article_ids=[article.pk])
        stored = Article.objects.get(pk=article.pk)
        with reversion.create_revision():
            _record(stored, by=by, comment="Deleted.")
        changes.articles_written([stored.pk], visible_before=_visible([stored]))
        if stored.ever_published or stored.status == Article.Status.PUBLISHED:
            # Its address stays reserved, as its old ones do (their rows outlive it).
            ArticleSlugRedirect.objects.get_or_create(old_slug=stored.slug, defaults={"article_id": stored.pk})
        article.delete()


def article_rotate_preview_token(*, article: Article, by: User) -> Article:
    """Give the article a new share-preview token, revoking every link made before."""
    if not can_edit_content(by, article) and not can_publish(by):
        raise PermissionDenied("You may not share this article.")
    article.preview_token = secrets.token_urlsafe(32)
    Article.objects.filter(pk=article.pk).update(preview_token=article.preview_token)
    return article


# ---------------------------------------------------------------------------
# History


def versions_of(article_id):
    return Version.objects.get_for_object_reference(Article, article_id).select_related("revision__user")


def last_saved_by(*, article: Article) -> User | None:
    version = versions_of(article.pk).first()
    return version.revision.user if version and version.revision.user else None


def _snapshot(version):
    return version._object_version.object


def changes_since(*, article: Article, version: int) -> list[FieldChange]:
    """Return what changed in `article` since it was at `version` (empty when unknown)."""
    # A cheap text match narrows the search; the decoded field confirms it.
    for stored in versions_of(article.pk).filter(serialized_data__contains=f'"version": {int(version)}'):
        if stored.field_dict.get("version") == version:
            return field_changes(before=_snapshot(stored), after=article) + part_changes(
                before=parts_in_revision(stored, article.pk), after=stored_parts(article.pk)
            )
    return []


def changes_from_now(*, article: Article, version: Version) -> list[FieldChange]:
    """Return how the article as stored differs from `version` (what restoring it would change)."""
    return field_changes(before=article, after=_snapshot(version)) + part_changes(
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
    return field_changes(before=_snapshot(previous), after=_snapshot(version)) + part_changes(
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
        if name == "author_id":
            old, new = (before.author if old else ""), (after.author if new else "")
        old, new = ("" if old is None else str(old)), ("" if new is None else str(new))
        diff = []
        if "\n" in old or "\n" in new or len(old) > 200 or len(new) > 200:
            diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1))[2:]
        changes.append(FieldChange(name, old, new, diff))
    return changes


def _restore_children(version, article_id):
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
        obj = _snapshot(child)
        if model in targets:
            name, attname = targets[model]
            target_model = model._meta.get_field(name).related_model
            if not target_model.objects.filter(pk=getattr(obj, attname)).exists():
                skipped += 1  # what it pointed at was deleted since
                continue
        obj.save(force_insert=True)
    return skipped


@transaction.atomic
def article_restore(
    *, article: Article, version: Version, by: User, expected_version: int | None = None
) -> tuple[Article, int]:
    """Make `article` as it was in `version` (body, metadata and children) as a new version.

    Return the number of links that could not be restored because what they
    pointed at no longer exists.
    """
    old = _snapshot(version)
    if old.pk != article.pk:
        raise ValueError("That revision belongs to another article.")
    with reversion.create_revision():
        current = _lock(article, expected_version)
        changes.articles_written([current.pk], visible_before=_visible([current]))
        changed = _changed_fields(current, old)
        _check_may_change(by, current, changed | {"title"}, old)
        if "slug" in changed:
            _move_slug(current, old.slug)
        skipped = _restore_children(version, current.pk)
        old.created_by_id = current.created_by_id
        old.owner_username = current.owner_username
        old.ever_published = current.ever_published  # an old revision may predate publication
        old.preview_token = current.preview_token
        old.version = current.version + 1
        old.save(force_update=True)
        article_render(article=old)
        when = timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M")
        _record(old, by=by, comment=f"Restored the revision of {when}.")
    return old, skipped


@transaction.atomic
def article_recover(*, version: Version, by: User) -> tuple[Article, int]:
    """Bring back a deleted article, with its children, as it was in `version`."""
    if not by.has_perm("articles.delete_article"):
        raise PermissionDenied("Only an editor may recover deleted articles.")
    old = _snapshot(version)
    if Article.objects.filter(pk=old.pk).exists():
        raise ValidationError("That article was not deleted.")
    check_slug_available(slug=old.slug, article=old)
    with reversion.create_revision():
        old.version += 1
        old.preview_token = ""  # share links given out before the deletion stay dead
        # Its addresses were kept for it; the one it comes back under is live again.
        if ArticleSlugRedirect.objects.filter(old_slug=old.slug, article_id=old.pk).delete()[0]:
            old.ever_published = True
        old.save(force_insert=True)
        skipped = _restore_children(version, old.pk)
        article_render(article=old)
        _record(old, by=by, comment="Recovered after deletion.")
    return old, skipped
