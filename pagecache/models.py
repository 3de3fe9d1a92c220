from django.db import models


class ContentGeneration(models.Model):
    """The one row whose token changes whenever anything readers can see may have changed.

    Every cached page is keyed by this token (see pagecache/cache.py).
    Keeping it in the database shares it between all worker processes, and a
    change commits or rolls back with the content write it belongs to.
    """

    SINGLETON_ID = 1

    token = models.BigIntegerField()
    next_publication_at = models.DateTimeField(
        null=True, help_text="When the next scheduled article comes out; the generation must change then."
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Made by the intimacyhub app's first migration; the model moved here
        # without its table (migrations pagecache 0001, intimacyhub 0002).
        db_table = "intimacyhub_contentgeneration"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="content_generation_single_row"),
        ]

    def __str__(self):
        return f"content generation {self.token:x}"
