"""Which database a request's reads go to: the primary, or the read replica.

With DATABASE_REPLICA_URL set, settings add a `replica` database: a
PostgreSQL streaming replica of the primary (`default`). Writes always go to
the primary. Reads go where the current request said they may
(`reads_from()`; pagecache/replica.py decides per request: only anonymous
readers' GET and HEAD requests, and only while the replica has replayed the
content generation readers' pages are keyed by). Everything else, including
management commands, tests and any read inside a transaction on the primary,
reads from the primary.

Two paths lead here: Django's ORM asks `ReplicaRouter`, and the queries
compiled once per process (core/compiled.py) ask `read_alias()` when they
are run with the default alias, as do the search backends' raw cursors
(`read_connection()`).

This module imports no app: it only knows the alias to use.
"""

import contextvars
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

_reads = contextvars.ContextVar("intimacyhub_reads_from", default=PRIMARY)


def replica_configured():
    return REPLICA in connections.settings


def read_alias(using=DEFAULT_DB_ALIAS):
    """The alias a read meant for `using` goes to: the replica only for `default` inside reads_from(REPLICA)."""
    if using != DEFAULT_DB_ALIAS:
        return using
    alias = _reads.get()
    # A read after a write in the same transaction must see that write.
    if alias != PRIMARY and connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return alias


@contextmanager
def reads_from(alias):
    """Within the block, reads meant for `default` go to `alias` (PRIMARY or REPLICA)."""
    token = _reads.set(alias)
    try:
        yield
    finally:
        _reads.reset(token)


def read_connection():
    """The connection a raw read goes to (search's ranked ids, "Did you mean"): the replica only where allowed."""
    return connections[read_alias()]


def replica_reads(view):
    """Mark a view the page cache never stores whose reads a caught-up replica may still answer (search).

    pagecache/replica.py lets a replica answer the pages the page cache may
    store (their freshness is the content generation's) and the views marked
    here: their reads are of the same content, written in the same
    transactions, so a replica that has replayed the generation has them too.
    """
    view.replica_reads = True
    return view


def on_primary():
    """Within the block every read goes to the primary (the content generation, freshness checks)."""
    return reads_from(PRIMARY)


class ReplicaRouter:
    """Django's database router: reads as read_alias() says, writes and migrations on the primary only."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is read-only: it gets the schema by replication.
        return db == PRIMARY
