"""What a search backend does: the interface the entry point (search/__init__.py) calls.

Each database's backend subclasses `SearchBackend` and implements every
method; Python refuses to instantiate one that misses any. The backends
keep their vendor's SQL and imports to themselves: the entry point parses
the query (search/query.py) and builds the documents (search/documents.py)
once, for both, and never writes SQL itself.

Both backends read the database's now wherever visibility matters, so a
scheduled article appears at its time, and both keep `search_term` (the
"Did you mean" vocabulary) counting the indexed articles that use each word.
"""

from abc import ABC, abstractmethod

from django.db import connection


def now_sql():
    """Return (sql, params) for the database's now, as published() computes it (tests may move it)."""
    from django.db.models.functions import Now

    from articles.models import Article

    compiler = Article.objects.none().query.get_compiler(connection=connection)
    return compiler.compile(Now())


class SearchBackend(ABC):
    """One database's search index: reading it for readers, writing it for the entry point."""

    vendor = ""

    # Reading

    @abstractmethod
    def ranked_ids(self, parsed, *, condition_id=None, limit):
        """Return (article ids best first, at most `limit`; whether more than `limit` matched).

        Only articles readers can see now, optionally only those filed under `condition_id`.
        """

    @abstractmethod
    def exists(self, parsed):
        """Return whether any article readers can see now matches `parsed`."""

    @abstractmethod
    def snippet_sql(self, parsed, article_column):
        """Return (sql, params): a subquery giving the snippet for the article in `article_column`.

        Matched words are between the private characters \\ue000 and \\ue001.
        """

    @abstractmethod
    def corrections(self, words):
        """Return {word: suggestion} for the words readers cannot find.

        A suggestion is only ever a word that an article readers can see now
        has, exactly.
        """

    # Writing

    @abstractmethod
    def stored_terms(self, article_ids):
        """Return {article id: its vocabulary words} for those of `article_ids` that are indexed."""

    @abstractmethod
    def upsert(self, docs):
        """Write the rows of these Documents (search/documents.py), replacing any they had."""

    @abstractmethod
    def remove(self, article_ids):
        """Drop these articles' rows; their words leave the vocabulary (a trigger does it)."""

    @abstractmethod
    def change_vocabulary(self, change):
        """Add `change` (word: documents more or fewer, possibly negative) to the vocabulary counts.

        A word whose count falls to zero or below is deleted.
        """

    @abstractmethod
    def clear(self):
        """Empty the index and the vocabulary."""

    @abstractmethod
    def analyze(self):
        """Refresh the planner's statistics (and pending index entries) after a bulk write."""

    @abstractmethod
    def optimize(self):
        """Compact the index after a rebuild."""

    @abstractmethod
    def count(self):
        """Return the number of articles indexed."""
