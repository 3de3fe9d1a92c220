from django.db import models


class ArchiveAnchor(models.Model):
    """Every ANCHOR_EVERY-th article of the archive's newest-first order, so a
    deep `?page=N` seeks from the nearest anchor instead of skipping rows.

    Rebuilt whenever a content generation starts (reader/archive_anchors.py);
    valid only while `token` is the current content generation's. Not
    content: nothing else reads it, and writing it makes no page stale.
    """

    position = models.PositiveIntegerField(primary_key=True)
    published_at = models.DateTimeField()
    article_id = models.BigIntegerField()
    token = models.BigIntegerField()

    class Meta:
        # The table the articles app created (articles 0005): it moved with
        # its rows (reader 0001, articles 0008).
        db_table = "articles_archiveanchor"

    def __str__(self):
        return f"archive anchor {self.position}"
