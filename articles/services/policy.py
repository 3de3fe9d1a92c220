"""Who may do what: the role rules, for every path.

The admin asks these to show or hide things; the writes (`writes.py`) ask
them again before writing, so a forged request is refused, not merely hidden.
"""

from django.contrib.auth.models import AbstractUser as User
from django.core.exceptions import PermissionDenied

from articles.models import Article

# What only a clinical reviewer or an editor may set.
REVIEW_FIELDS = frozenset({"reviewed_by", "reviewed_at"})

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
        if changed <= REVIEW_FIELDS and can_review(by):
            return
        if current.status == Article.Status.PUBLISHED and by.has_perm("articles.change_article"):
            raise PermissionDenied("This article is published; only an editor may change it now.")
        raise PermissionDenied("You may not change this article.")
    if not can_publish(by) and (new.status == Article.Status.PUBLISHED or "published_at" in changed):
        raise PermissionDenied(PUBLISH_REFUSED)
    if not can_review(by) and changed & REVIEW_FIELDS:
        raise PermissionDenied("Only a clinical reviewer or an editor may record a clinical review.")
