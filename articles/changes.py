"""What follows a write to articles: the one post-write path.

Derived data (search rows, stored related lists, the page cache's content
generation and with it the archive anchors) follows every write here, once
per transaction, after it commits, and only for what readers can see. Every
service calls `articles_written()` for the articles it wrote, and the import
once for a whole file; the admin's save (the form, then the inlines, then
the re-render) is one transaction, so it indexes and refreshes once.

"Visible" means published, scheduled articles included, before or after the
write: a scheduled article appears without any write, so the derived data
must already be right for it. A write that touches only articles readers
could see neither before nor after (a draft, an article in review) updates
nothing and keeps every cached page.

The steps run in one AfterCommit (pagecache/cache.py), which starts
the new generation after them: a reader can never cache, under the new
token, a page built from the old index or lists. The search rows are the
search app's: this module asks for them with `articles.signals.index_requested`,
whose receiver indexes synchronously, first, inside this step.
"""

from django.db import DEFAULT_DB_ALIAS, transaction

from articles import signals
from articles.models import Article
from pagecache import cache as pagecache

STEP = "articles"


class ArticlesWritten:
    """The articles written in one transaction, and what must follow for them on commit."""

    def __init__(self, using):
        self.using = using
        self.derived = set()  # written through a service: index them and refresh related lists
        self.indexed = set()  # their search rows were written by the caller, in the transaction
        self.reindex = set()  # search rows only (a condition they are filed under was renamed)
        self.touched = set()  # written some other way: a new generation if visible, nothing derived
        self.visible_before = set()
        self.known_before = set()  # ids whose state before the transaction is recorded

    def ids(self):
        return self.derived | self.reindex | self.touched

    def before(self, article_id, *, visible):
        """Record whether readers could see an article before its first write in this transaction."""
        if article_id in self.known_before:
            return
        self.known_before.add(article_id)
        if visible:
            self.visible_before.add(article_id)

    def __call__(self):
        ids = self.ids()
        if not ids:
            return False
        visible = self.visible_before | set(
            Article.objects.using(self.using).published_or_scheduled().filter(pk__in=ids).values_list("pk", flat=True)
        )
        if not visible:
            return False
        # Imported here: related imports the page cache, which imports the models.
        from articles import related

        with transaction.atomic(using=self.using):
            index = ((self.derived - self.indexed) | self.reindex) & visible
            if index:
                # The search app indexes them (articles imports no search code).
                signals.request_index(index)
            if self.derived & visible:
                if len(self.derived) >= BULK:
                    _analyze(self.using)
                related.refresh_around(self.derived & visible)
        return True


# After a write of this many articles (an import) the planner's statistics are refreshed
# before related lists are computed: autovacuum analyzes a table only a while after a bulk
# insert, and until then PostgreSQL may plan each related-posts walk as if the tables were
# as small as they were (a nested loop over every article per condition and tag).
BULK = 500


def _analyze(using):
    connection = transaction.get_connection(using)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_article, articles_articlecondition, articles_articletag")


def _step(after):
    return after.step(STEP, lambda: ArticlesWritten(after.using))


def articles_written(ids, *, visible_before=(), indexed=False, using=DEFAULT_DB_ALIAS):
    """Have search, related posts and the page cache follow these articles' write, once, after the commit.

    `ids` are the articles written (deleted ones included); `visible_before`
    those among them readers could see before the write (published,
    scheduled ones included): an article that was visible and is no longer
    must still leave the index, the lists and the cached pages. Articles
    readers can see neither before nor after change nothing. `indexed`: the
    caller wrote their search rows itself, inside the transaction (the
    import does, batch by batch).
    """
    ids = {int(pk) for pk in ids}
    visible_before = {int(pk) for pk in visible_before}
    with pagecache.after_commit(using=using) as after:
        step = _step(after)
        for pk in ids:
            step.before(pk, visible=pk in visible_before)
        step.derived |= ids
        if indexed:
            step.indexed |= ids


def articles_touched(ids, *, visible_before=(), using=DEFAULT_DB_ALIAS):
    """Start a new generation after the commit if any of these articles is visible (a raw write, a signal)."""
    with pagecache.after_commit(using=using) as after:
        step = _step(after)
        for pk in visible_before:
            step.before(int(pk), visible=True)
        step.touched |= {int(pk) for pk in ids}


def visible_as_stored(article, *, deleting=False, using=DEFAULT_DB_ALIAS):
    """Return whether readers could see `article` as stored, before a save or delete of it.

    At most one primary-key query, and none when the services already said
    in this transaction (they know, having locked the row) or when the
    article is saved as published (it is visible after the write whatever
    it was before: False is returned).
    """
    if article.pk is None:
        return False
    if not deleting and article.status == Article.Status.PUBLISHED:
        return False
    after = pagecache.pending_after_commit(using=using)
    step = after.steps.get(STEP) if after is not None else None
    if step is not None and article.pk in step.known_before:
        return article.pk in step.visible_before
    stored = Article.objects.using(using).filter(pk=article.pk).values_list("status", flat=True).first()
    return stored == Article.Status.PUBLISHED


def conditions_renamed(article_ids, *, using=DEFAULT_DB_ALIAS):
    """Re-index articles filed under a renamed condition after the commit, then start a new generation."""
    with pagecache.after_commit(using=using) as after:
        _step(after).reindex |= {int(pk) for pk in article_ids}
        after.new_generation = True
