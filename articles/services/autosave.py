"""Autosaves: an editor's unsaved text, kept for that person only (issue 17).

An autosave is never a write to the article: no version, no revision, no
derived data, nothing a reader or another editor sees. `article_save()`
deletes the saver's autosave of that article (`autosave_discard`). Autosaves
older than `INTIMACYHUB_AUTOSAVE_DAYS` are ignored when read and purged, for
everyone, by the next `autosave_store()` (and by `manage.py purge_autosaves`,
for a site where nobody has typed for a while).
"""

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles.models import Article, Autosave
from articles.services.policy import can_edit_content

# The article form's text inputs an autosave keeps (the other editorial
# fields are choices and dates, not typing), and the condition notes' inputs.
AUTOSAVE_FIELDS = ("title", "slug", "summary", "body", "content_notes", "disclosure")
_CONDITION_NOTE = re.compile(r"condition_links-\d{1,4}-note")
MAX_FIELDS = len(AUTOSAVE_FIELDS) + 200


def autosave_cutoff() -> dt.datetime:
    """Return the moment before which an autosave has expired."""
    return timezone.now() - dt.timedelta(days=settings.INTIMACYHUB_AUTOSAVE_DAYS)


def _encodes(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_autosave_fields(fields) -> dict[str, str]:
    """Return `fields` (input name -> text) when it is an autosave's content; raise ValidationError otherwise."""
    if not isinstance(fields, dict) or len(fields) > MAX_FIELDS:
        raise ValidationError("An autosave is an object of the form's text fields.", code="autosave_shape")
    for name, value in fields.items():
        if name not in AUTOSAVE_FIELDS and not _CONDITION_NOTE.fullmatch(name):
            raise ValidationError(f"“{name[:60]}” is not a text field of the article form.", code="autosave_field")
        if not isinstance(value, str):
            raise ValidationError(f"The value of “{name}” must be text.", code="autosave_value")
        # PostgreSQL's jsonb refuses NUL, and no database stores half a surrogate pair; no form sends either.
        if "\x00" in value or not value.isascii() and not _encodes(value):
            raise ValidationError(f"The value of “{name}” holds characters a form never sends.", code="autosave_value")
    return dict(fields)


def check_may_autosave(user: User, article: Article | None) -> None:
    """Raise PermissionDenied unless `user` may keep unsaved text of `article` (None: a new article)."""
    if article is None:
        if not user.has_perm("articles.add_article"):
            raise PermissionDenied("You may not create articles.")
    elif not can_edit_content(user, article):
        raise PermissionDenied("You may not change this article, so there is nothing to autosave.")


def autosave_store(*, user: User, article: Article | None, fields: dict, base_version: int | None) -> Autosave:
    """Keep `user`'s unsaved text of `article` (None: the add form), replacing their previous autosave of it."""
    check_may_autosave(user, article)
    fields = clean_autosave_fields(fields)
    autosave_purge()
    autosave, _created = Autosave.objects.update_or_create(
        user=user,
        key=str(article.pk) if article is not None else Autosave.NEW,
        defaults={
            "article": article,
            "fields": fields,
            "base_version": base_version if article is not None else None,
            "saved_at": timezone.now(),
        },
    )
    return autosave


def autosave_for(*, user: User, article: Article | None) -> Autosave | None:
    """Return `user`'s own unexpired autosave of `article` (None: the add form), if any."""
    check_may_autosave(user, article)
    key = str(article.pk) if article is not None else Autosave.NEW
    return Autosave.objects.filter(user=user, key=key, saved_at__gte=autosave_cutoff()).first()


def autosave_purge() -> int:
    """Delete every expired autosave, of everyone; return how many."""
    return Autosave.objects.filter(saved_at__lt=autosave_cutoff()).delete()[0]


def autosave_discard(*, user: User, article: Article | None) -> None:
    """Delete `user`'s autosave of `article` (None: the add form's)."""
    key = str(article.pk) if article is not None else Autosave.NEW
    Autosave.objects.filter(user=user, key=key).delete()
