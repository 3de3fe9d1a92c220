"""Who may do what: the role rules, for every path.

The admin asks these to show or hide things; the writes (`writes.py`) ask
them again before writing, so a forged request is refused, not merely hidden.
"""

from django.contrib.auth.models import AbstractUser as User
from django.core.exceptions import PermissionDenied, ValidationError

from articles.models import Article, Correction, Person

# What only a clinical reviewer or an editor may set.
REVIEW_FIELDS = frozenset({"reviewed_by", "reviewed_at"})
# The same, as stored on the row (the reviewer's id), which is what writes compare.
_REVIEW_COLUMNS = frozenset(Article._meta.get_field(name).attname for name in REVIEW_FIELDS)

PUBLISH_REFUSED = "Only an editor may publish, schedule or unpublish an article."
DISCLOSURE_REFUSED = (
    "This article has no disclosure. Declare its funding and conflicts of interest (write “None” when there "
    "are none) before {action}."
)
# The kind of every save that logs nothing.
MINOR = "minor"


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


def check_may_change(by, current, changed, new):
    """Raise PermissionDenied unless `by` may change the fields `changed` of `current` into `new`."""
    if not can_edit_content(by, current):
        if changed <= _REVIEW_COLUMNS and can_review(by):
            return
        if current.status == Article.Status.PUBLISHED and by.has_perm("articles.change_article"):
            raise PermissionDenied("This article is published; only an editor may change it now.")
        raise PermissionDenied("You may not change this article.")
    if not can_publish(by) and (new.status == Article.Status.PUBLISHED or "published_at" in changed):
        raise PermissionDenied(PUBLISH_REFUSED)
    if not can_review(by) and changed & _REVIEW_COLUMNS:
        raise PermissionDenied("Only a clinical reviewer or an editor may record a clinical review.")


def check_reviewer(changed, new):
    """Raise ValidationError when `new` names as its clinical reviewer someone who is not a reviewer."""
    if "reviewed_by_id" not in changed or new.reviewed_by_id is None:
        return
    person = Person.objects.filter(pk=new.reviewed_by_id).only("name", "is_reviewer").first()
    if person is None:
        raise ValidationError({"reviewed_by": "That person no longer exists."}, code="reviewer_missing")
    if not person.is_reviewer:
        raise ValidationError(
            {"reviewed_by": f"{person.name} is not a clinical reviewer. An editor can mark them as one on their page."},
            code="not_a_reviewer",
        )


def has_disclosure(article: Article) -> bool:
    return bool(article.disclosure and article.disclosure.strip())


def check_disclosed(by: User, current: Article | None, new: Article) -> None:
    """Raise PermissionDenied when this write would publish, schedule or send to review an undisclosed article.

    Nobody publishes or schedules an article without a disclosure, and a
    Writer does not send one to review without it. The rule is on the
    change: an article already published without one (an import may carry
    it) may still be edited, but its disclosure, once given, is not removed.
    """
    if has_disclosure(new):
        return
    was = current.status if current is not None else None
    removed = current is not None and has_disclosure(current)
    if new.status == Article.Status.PUBLISHED and (was != new.status or removed):
        raise PermissionDenied(DISCLOSURE_REFUSED.format(action="publishing or scheduling it"))
    if new.status == Article.Status.REVIEW and not can_publish(by) and (was != new.status or removed):
        raise PermissionDenied(DISCLOSURE_REFUSED.format(action="sending it to review"))


def kinds_for(by: User, article: Article) -> list[str]:
    """Return the kinds of change `by` may log when saving `article` (as stored): none but minor, often.

    Only changes to a published article (scheduled ones included) are
    logged. An Editor may log any kind; a Clinical reviewer a clinical
    update, when recording a review; a Writer nothing.
    """
    if article.pk is None or article.status != Article.Status.PUBLISHED:
        return [MINOR]
    if can_publish(by) and can_edit_content(by, article):
        return [MINOR, *Correction.Kind.values]
    if can_review(by):
        return [MINOR, Correction.Kind.CLINICAL_UPDATE]
    return [MINOR]


def check_may_log(by: User, current: Article, changed: set, kind: str, note: str) -> None:
    """Raise PermissionDenied or ValidationError unless `by` may log a change of `kind` with `note` on `current`."""
    if kind == MINOR:
        return
    if kind not in Correction.Kind.values:
        raise ValidationError(f"{kind!r} is not a kind of change.", code="change_kind")
    if kind not in kinds_for(by, current):
        if current.status != Article.Status.PUBLISHED:
            raise ValidationError("Only changes to a published article are logged.", code="change_kind")
        raise PermissionDenied(
            "Only an editor may log a correction or clarification; a clinical reviewer "
            "may log a clinical update when recording a review."
        )
    if not can_publish(by) and "reviewed_at" not in changed:
        raise PermissionDenied("A clinical update is logged with a review: set the new “reviewed at” date.")
    if not note.strip():
        raise ValidationError("A logged change needs a short public note saying what changed.", code="change_note")
    if len(note) > Correction.NOTE_MAX_LENGTH:
        raise ValidationError(
            f"The note is {len(note)} characters long; at most {Correction.NOTE_MAX_LENGTH}.", code="change_note"
        )
