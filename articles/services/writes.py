"""Writes to articles, for every path: the admin form, admin actions, restores.

Each write here checks the role rules on the server (`policy.py`: a hidden
button is not a permission), takes the optimistic lock on `Article.version`
so that no edit is silently overwritten, and records a revision
(django-reversion, `history.py`) naming who did it. Reads stay on the
queryset (`Article.objects.published()`).
"""

import secrets

import reversion
from django.contrib.auth.models import AbstractUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from articles import changes
from articles.models import Article, ArticleSlugRedirect, Correction
from articles.services.autosave import autosave_discard
from articles.services.checks import enforce, gate_state
from articles.services.history import (
    changed_fields,
    changes_since,
    last_saved_by,
    record_baseline,
    record_revision,
    restore_children,
    snapshot,
)
from articles.services.policy import (
    MINOR,
    PUBLISH_REFUSED,
    can_edit_content,
    can_publish,
    check_disclosed,
    check_may_change,
    check_may_log,
    check_reviewer,
    has_disclosure,
)


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


@transaction.atomic
def article_save(
    *,
    article: Article,
    by: User,
    expected_version: int | None = None,
    comment: str = "Saved.",
    parts_follow: bool = False,
    change_kind: str = MINOR,
    change_note: str = "",
) -> Article:
    """Save `article` (new or changed) for `by`, refusing stale edits and forbidden changes.

    `expected_version` is the version the editor started from (default: the
    one on `article`). Raise ArticleConflict when someone saved since, and
    PermissionDenied when `by`'s role does not allow the change.

    The publish gate (services/checks.py) runs on the article as written,
    raising BlockingFindings; with `parts_follow` (the admin saves the
    parts next, then calls article_render()) it runs in article_render(),
    on the whole article.
    `change_kind` says what kind of change this is to a published article:
    "minor" (the default) logs nothing and leaves `updated_at` alone; a
    correction, clarification or clinical update needs `change_note`, is
    logged (`Correction`) and moves `updated_at` to now.
    """
    with reversion.create_revision():
        if article.pk is None:
            if not by.has_perm("articles.add_article"):
                raise PermissionDenied("You may not create articles.")
            blank = Article()
            check_may_change(by, blank, changed_fields(blank, article) - {"slug", "title", "body"}, article)
            check_reviewer(changed_fields(blank, article), article)
            check_disclosed(by, None, article)
            check_may_log(by, blank, set(), change_kind, change_note)
            _check_dated(article)
            article.updated_at = None  # only a logged change sets it
            check_slug_available(slug=article.slug)
            article.created_by = article.created_by or by
            article.version = 1
            article.render(citation_keys=[])  # parts come after; article_render() then
            article.save()
            changes.articles_written([article.pk])
            before = None
            autosave_discard(user=by, article=None)  # the add form's text is saved now
        else:
            current = _lock(article, expected_version)
            before = gate_state(current)
            # Before the save, so the page cache's receiver need not look the old state up.
            changes.articles_written([current.pk], visible_before=_visible([current]))
            changed = changed_fields(current, article)
            check_may_change(by, current, changed, article)
            check_reviewer(changed, article)
            check_disclosed(by, current, article)
            check_may_log(by, current, changed, change_kind, change_note)
            _check_dated(article)
            if "slug" in changed:
                _move_slug(current, article.slug)
            article.updated_at = current.updated_at
            if change_kind != MINOR:
                logged = Correction.objects.create(
                    article=current, at=timezone.now(), kind=change_kind, note=change_note.strip(), by=by
                )
                article.updated_at = logged.at
                comment = f"{comment} Logged a {logged.get_kind_display().lower()}: {logged.note}"
            # Never taken from the caller: these belong to the stored row.
            article.created_by_id = current.created_by_id
            article.owner_username = current.owner_username
            article.ever_published = current.ever_published
            article.preview_token = current.preview_token
            article.related_ids = current.related_ids  # derived, kept by articles/changes.py
            article.version = current.version + 1
            article.render()  # never store a body_html that lags behind the body
            article.save()
            autosave_discard(user=by, article=current)  # rolled back with the save if it is refused
        record_revision(article, by=by, comment=comment)
        if parts_follow:
            article._checks_pending = (before,)  # article_render() runs the gate
        else:
            enforce(article, before)
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
    # The editorial checks' counts, and the publish gate when a write asked for it.
    pending = article.__dict__.pop("_checks_pending", None)
    enforce(article, pending[0] if pending else None, gate=pending is not None)
    if reversion.is_active():
        # Re-serialize: the revision must hold the final body_html and children.
        reversion.add_to_revision(article)
    return article


def _set_status(article, *, by, expected_version, status, published_at, comment):
    with transaction.atomic(), reversion.create_revision():
        current = _lock(article, expected_version)
        if not can_edit_content(by, current) and not can_publish(by):
            raise PermissionDenied("You may not change this article.")
        check_disclosed(by, current, Article(status=status, disclosure=current.disclosure))
        before = gate_state(current)
        # Published: it enters the index and its neighbours' lists. Withdrawn:
        # it leaves them (readers stopped seeing it at once anyway).
        changes.articles_written([current.pk], visible_before=_visible([current]))
        current.status = status
        current.published_at = published_at(current)
        current.version += 1
        current.save(update_fields=["status", "published_at", "version", "modified"])
        enforce(current, before)
        record_revision(current, by=by, comment=comment)
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
            record_revision(stored, by=by, comment="Deleted.")
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


@transaction.atomic
def article_restore(
    *, article: Article, version: Version, by: User, expected_version: int | None = None
) -> tuple[Article, int]:
    """Make `article` as it was in `version` (body, metadata and children) as a new version.

    Return the number of links that could not be restored because what they
    pointed at no longer exists.
    """
    old = snapshot(version)
    if old.pk != article.pk:
        raise ValueError("That revision belongs to another article.")
    with reversion.create_revision():
        current = _lock(article, expected_version)
        old._checks_pending = (gate_state(current),)  # the gate runs in article_render()
        changes.articles_written([current.pk], visible_before=_visible([current]))
        # A disclosure, once declared, is not taken back by a revision from
        # before it; nor does a restore move the "updated" date (not a logged change).
        if not has_disclosure(old) and has_disclosure(current):
            old.disclosure = current.disclosure
        old.updated_at = current.updated_at
        changed = changed_fields(current, old)
        check_may_change(by, current, changed | {"title"}, old)
        check_reviewer(changed, old)
        check_disclosed(by, current, old)
        if "slug" in changed:
            _move_slug(current, old.slug)
        skipped = restore_children(version, current.pk)
        old.created_by_id = current.created_by_id
        old.owner_username = current.owner_username
        old.ever_published = current.ever_published  # an old revision may predate publication
        old.preview_token = current.preview_token
        old.version = current.version + 1
        old.save(force_update=True)
        article_render(article=old)
        when = timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M")
        record_revision(old, by=by, comment=f"Restored the revision of {when}.")
    return old, skipped


@transaction.atomic
def article_recover(*, version: Version, by: User) -> tuple[Article, int]:
    """Bring back a deleted article, with its children, as it was in `version`."""
    if not by.has_perm("articles.delete_article"):
        raise PermissionDenied("Only an editor may recover deleted articles.")
    old = snapshot(version)
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
        skipped = restore_children(version, old.pk)
        old._checks_pending = (None,)  # coming back published is publishing: the gate runs
        article_render(article=old)
        record_revision(old, by=by, comment="Recovered after deletion.")
    return old, skipped
