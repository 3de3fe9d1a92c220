"""Autosave: the text an editor typed and has not saved yet, kept for that person only.

Defined here, imported by `articles.models`. An autosave is never part of
the article: no version, no revision, no reader surface reads it. The writes
are in `articles.services.autosave`; the admin's endpoint in
`articles.admin.autosave`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Autosave(models.Model):
    """One person's unsaved text for one article (or for the add form: key "new")."""

    NEW = "new"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # NULL for the add form's text. Not cascaded: a deletion's confirmation page
    # would list other people's autosaves; an orphan is never offered (its form
    # is gone) and expires with the rest.
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="autosaves",
    )
    # The article's id, or NEW: one autosave per person and form.
    key = models.CharField(max_length=20, editable=False)
    # The form's text fields by input name (services.autosave.AUTOSAVE_FIELDS and the condition notes).
    fields = models.JSONField(default=dict)
    # The article version the text was typed over (NULL for a new article).
    base_version = models.PositiveIntegerField(null=True, blank=True)
    saved_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="autosave_one_per_person_and_form"),
        ]

    def __str__(self):
        return f"Autosave of {self.key} for user {self.user_id} at {self.saved_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        self.key = str(self.article_id) if self.article_id else self.NEW
        super().save(*args, **kwargs)
