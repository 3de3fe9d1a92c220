"""The editorial roles, as Django groups: what each may do is here, in one place.

Writer, Editor and Clinical reviewer. The per-article rules (a Writer edits
only their own, unpublished articles) are in `articles.services`; these
permissions are the coarse part Django checks first. `manage.py setup_roles`
applies this idempotently: a group ends with exactly these permissions.

Which articles someone may *see* is `articles_visible_to()`, the one rule
every staff surface starts from: the admin's lists, forms, history and
autocomplete, and the staff preview on the reader site.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from articles.models import Article

WRITER, EDITOR, REVIEWER = "Writer", "Editor", "Clinical reviewer"

_ARTICLE_MODELS = ["article", "person", "tag", "quote", "citation", "articleslugredirect"]
# The corrections log is read-only for every role (articles.admin.others.CorrectionAdmin).
_VIEW_ALL = [f"articles.view_{m}" for m in [*_ARTICLE_MODELS, "correction"]] + [
    "conditions.view_condition",
    "pages.view_page",
    "images.view_image",
]

ROLES = {
    WRITER: _VIEW_ALL
    + [
        "articles.add_article",
        "articles.change_article",
        "articles.add_tag",
        "articles.add_quote",
        # Writers bring images to the library; changing or deleting one changes every page that shows it.
        "images.add_image",
    ],
    EDITOR: _VIEW_ALL
    + [f"articles.{action}_{m}" for m in _ARTICLE_MODELS for action in ("add", "change", "delete")]
    + [
        "articles.publish_article",
        "articles.edit_others_article",
        "articles.review_article",
        "images.add_image",
        "images.change_image",
        "images.delete_image",
        "conditions.add_condition",
        "conditions.change_condition",
        "conditions.delete_condition",
        # The site's own pages (About, Editorial policy, ...) speak for the publication.
        "pages.add_page",
        "pages.change_page",
        "pages.delete_page",
    ],
    REVIEWER: _VIEW_ALL + ["articles.review_article"],
}


def _permission(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def setup_roles():
    """Create or update the role groups so each has exactly its permissions; return them by name."""
    groups = {}
    for name, permissions in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([_permission(p) for p in permissions])
        groups[name] = group
    return groups


# Any one of these lets someone read every article, drafts included: Editors
# (publish, edit others') and Clinical reviewers (review).
_SEES_EVERY_ARTICLE = ("articles.publish_article", "articles.edit_others_article", "articles.review_article")
# Any one of these makes someone a Writer of their own articles.
_WRITES_ARTICLES = ("articles.add_article", "articles.change_article")


def sees_every_article(user) -> bool:
    """Return whether `user` may see every article, unpublished ones included."""
    return user.is_active and (user.is_superuser or any(user.has_perm(p) for p in _SEES_EVERY_ARTICLE))


def articles_visible_to(user, queryset=None, *, through=""):
    """Return `queryset` (every article by default) narrowed to what `user` may see.

    Superusers, Editors and Clinical reviewers see everything; a Writer sees
    published articles and the ones they created; anyone else, staff without
    a role included, sees what readers see (`Article.objects.published()`).
    With `through="article"`, `queryset` holds rows of a model that points at
    an article (citations, old slugs), narrowed to those of visible articles.
    """
    if queryset is None:
        queryset = Article.objects.all()
    if sees_every_article(user):
        return queryset
    prefix = f"{through}__" if through else ""
    visible = Q(**{f"{prefix}pk__in": Article.objects.published().values("pk")})
    if user.is_active and user.pk is not None and any(user.has_perm(p) for p in _WRITES_ARTICLES):
        visible |= Q(**{f"{prefix}created_by": user.pk})
    return queryset.filter(visible)


def may_upload_images(user):
    """Whether someone may upload images for articles: those who write them (Writers, Editors, superusers).

    A Clinical reviewer reads and signs off; they add nothing to the site's storage.
    """
    return (
        user.is_active
        and user.is_staff
        and (user.has_perm("articles.add_article") or user.has_perm("articles.change_article"))
    )
