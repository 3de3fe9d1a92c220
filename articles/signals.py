"""What articles tell the apps that keep data derived from them (search, today).

`articles` imports no such app: it sends these signals from its one
post-write path (changes.py) and from the import, and each app connects its
receivers in its `AppConfig.ready()`, as Wagtail's search app does. Sending
is synchronous, so a receiver runs where the sender stands: inside the
transaction, in the order the sender chose (the index before the related
lists, both before the new cache generation).
"""

from contextlib import ExitStack, contextmanager

from django.dispatch import Signal

# Sent with `ids`, the articles whose derived rows must be brought up to date
# now: added, refreshed, or dropped when readers can no longer see them.
index_requested = Signal()

# Sent at the start of a bulk write (an import); each receiver returns a
# context manager that spans the write (search defers its vocabulary to its
# end). Use `bulk_write()`, which enters them all.
bulk_write_started = Signal()


def request_index(ids):
    """Have the apps that index articles bring these articles' rows up to date, now."""
    index_requested.send(sender=__name__, ids=ids)


@contextmanager
def bulk_write():
    """Span a bulk write: receivers may defer work to its end, and drop it if the block raises."""
    with ExitStack() as stack:
        for _receiver, context in bulk_write_started.send(sender=__name__):
            stack.enter_context(context)
        yield
