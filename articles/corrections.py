"""Correction: the public log of what changed in a published article and why.

Defined here, imported by `articles.models`, so the models module stays one
concern a screen.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.links import url


class Correction(models.Model):
    """A logged change to a published article, shown to readers: the public record of what changed and why.

    Append-only for everyone: no form edits or deletes one, and it is not
    part of the article's revisions, so restoring an old revision never
    removes or changes it. Deleting the article keeps its log (the row
    outlives it, as its old addresses do) so recovering it brings the log
    back; readers only ever see the log of published articles.
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        CLINICAL_UPDATE = "clinical-update", "Clinical update"

    # How readers read each kind: "Corrected on DATE: NOTE".
    VERBS = {"correction": "Corrected", "clarification": "Clarified", "clinical-update": "Clinically updated"}
    NOTE_MAX_LENGTH = 500

    article = models.ForeignKey(
        "articles.Article", on_delete=models.DO_NOTHING, db_constraint=False, related_name="corrections"
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, help_text="Public: what changed and why.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="correction_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["correction", "clarification", "clinical-update"]),
                name="correction_kind_valid",
            ),
            models.CheckConstraint(condition=~models.Q(note=""), name="correction_note_not_empty"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.article_id} at {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return url("articles:corrections")

    @property
    def verb(self):
        return self.VERBS.get(self.kind, "Updated")
