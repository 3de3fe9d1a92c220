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

import hashlib
import re

from django.conf import settings
from django.db import models

_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")
MARKDOWN_FIELDS = ("body", "note")


def covered_text(source, field, start, end):
    """Return the text an override of a finding at `start`-`end` of `field` covers."""
    if field.partition(":")[0] not in MARKDOWN_FIELDS:
        return source
    before = [m.end() for m in _PARAGRAPH_BREAK_RE.finditer(source, 0, start)]
    begin = before[-1] if before else 0
    after = _PARAGRAPH_BREAK_RE.search(source, end)
    return source[begin : after.start() if after else len(source)]


def cover_digest(rule, field, text, covered):
    """The digest an override keeps of what it covers (rule, field, matched words, their paragraph)."""
    return hashlib.sha256("\x00".join((rule, field, text, covered)).encode()).hexdigest()


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
