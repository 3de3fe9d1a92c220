"""The search tables as Django knows them: unmanaged, for ownership, not for queries.

The tables are raw SQL (tsvectors and GIN on PostgreSQL, FTS5 virtual tables
and triggers on SQLite) that Django's schema editor cannot describe, so the
backends read and write them in SQL. These models describe only the columns
both databases share, so that the tables have an owner in Django's state and
the search app's migrations can change them; `managed = False` keeps Django
from ever creating, altering or dropping them. The rest of each table
(vectors, snippet source, `terms`, FTS5 tables) is documented in
search/backends/postgres.py and sqlite.py.
"""

from django.db import models


class SearchDocument(models.Model):
    """One published or scheduled article in the index."""

    article_id = models.BigIntegerField(primary_key=True)
    published_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "search_document"

    def __str__(self):
        return f"search document of article {self.article_id}"


class SearchTerm(models.Model):
    """A word of the "Did you mean" vocabulary, with how many indexed articles use it."""

    # The primary key on PostgreSQL; on SQLite a unique column beside a rowid
    # the trigram index follows.
    word = models.TextField(primary_key=True)
    df = models.IntegerField(default=0)

    class Meta:
        managed = False
        db_table = "search_term"

    def __str__(self):
        return self.word
