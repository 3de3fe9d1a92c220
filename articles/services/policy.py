"""Who may do what: the role rules, for every path.

The admin asks these to show or hide things; the writes (`writes.py`) ask
them again before writing, so a forged request is refused, not merely hidden.
"""

from django.contrib.auth.models import AbstractUser as User
from django.core.exceptions import PermissionDenied, ValidationError

from articles.models import Article, Person

# What only a clinical reviewer or an editor may set.
REVIEW_FIELDS = frozenset({"reviewed_by", "reviewed_at"})
# The same, as stored on the row (the reviewer's id), which is what writes compare.
_REVIEW_COLUMNS = frozenset(Article._meta.get_field(name).attname for name in REVIEW_FIELDS)

PUBLISH_REFUSED = "Only an editor may publish, schedule or unpublish an article."


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
