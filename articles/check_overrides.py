"""CheckOverride: a Clinical reviewer's or an Editor's recorded decision that a blocking finding may go out.

An override names one finding by its rule, its field and the words it
matched, and holds a digest of the text it covers: the finding's paragraph
(the whole field for a title, summary or quote). When that text changes the
digest no longer matches and the override lapses: the finding blocks again
until someone looks at it anew. Recording one is a write through the services
(`articles.services.checks.check_override_record`), which records it in the
article's history (a revision saying who overrode what, and why).

Defined here, imported by `articles.models`, so the models module stays one concern.
"""

from django.conf import settings
from django.db import models

# What an override covers and its digest (`cover_digest`, `covered_text`) are
# computed where no Django app is loaded too (an import's worker processes):
# they live in articles.check_documents.


class CheckOverride(models.Model):
    # Outlives a deletion, as an article's old addresses do: a record of a decision, back with a recovery.
    article = models.ForeignKey(
        "articles.Article", on_delete=models.DO_NOTHING, db_constraint=False, related_name="check_overrides"
    )
    rule = models.CharField(max_length=100)
    field = models.CharField(max_length=250)
    text = models.TextField(help_text="The words the finding matched when the override was recorded.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the rule, field, words and their paragraph.")
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "-created", "-id"]
        indexes = [models.Index(fields=["article", "digest"], name="check_override_digest_idx")]

    def __str__(self):
        return f"{self.rule} on {self.field}: “{self.text}”"
