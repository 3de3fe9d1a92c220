"""The search index follows articles' writes: receivers of articles.signals, connected in SearchConfig.ready()."""

import search
from articles import signals


def index_requested(sender, *, ids, **kwargs):
    # Looked up on the package at call time, so one entry point does the work.
    search.index_articles(ids)


def bulk_write_started(sender, **kwargs):
    return search.bulk()


def connect():
    signals.index_requested.connect(index_requested, dispatch_uid="search-index-requested")
    signals.bulk_write_started.connect(bulk_write_started, dispatch_uid="search-bulk-write")
