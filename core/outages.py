"""Tell a database outage from a bug.

Only a database that cannot be reached or cannot serve right now is an
outage: the site answers a calm 503 with Retry-After and recovers by itself.
Everything else (bad SQL, a missing table, a violated constraint, a value the
column refuses) is a bug in this code or its deployment: it must be a 500,
logged with its traceback, never hidden behind "we'll be back shortly".

Django wraps the driver's exception (`raise django.db.X from driver_error`),
so the driver's own codes are read from the exception's cause: psycopg's
SQLSTATE, sqlite3's result code. Only when neither is there (an exception
raised by Django itself, or a driver error without a code) does the message
decide.
"""

import re
import sqlite3

from django.db import Error, InterfaceError, connections

# PostgreSQL SQLSTATEs (Appendix A of its manual). Class 08: connection
# exception; class 53: insufficient resources (disk full, out of memory, too
# many connections); 57P01-57P03: the server is shutting down, crashed or
# cannot accept connections yet; 57P05: the server closed an idle session.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53")
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57P05"})

# SQLite primary result codes: busy and locked (another writer held on past
# the timeout), I/O error, disk full, cannot open the file.
_UNAVAILABLE_SQLITE_CODES = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN}
)

# For exceptions that carry no code. Whole phrases, so that bad SQL that
# happens to mention a "connection" column is not mistaken for an outage.
_UNAVAILABLE_MESSAGE_RE = re.compile(
    r"could not connect|connection (?:refused|failed|timed out|timeout|is (?:lost|closed|bad)|already closed"
    r"|reset)|connection to server|server closed the connection|terminating connection|timeout expired"
    r"|the database system is (?:shutting down|starting up|in recovery mode|not accepting)"
    r"|too many (?:connections|clients)|database is locked|database table is locked|unable to open database"
    r"|disk i/o error|database or disk is full|closed database",
    re.IGNORECASE,
)


def _causes(exception):
    """Yield `exception` and what it was raised from, innermost last."""
    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        yield exception
        exception = exception.__cause__ or exception.__context__


def _connection_lost():
    """Return whether an open connection has been found broken by its driver."""
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        # psycopg marks a connection `broken` when the server or the network
        # dropped it; sqlite3 connections have neither attribute.
        if raw is not None and (getattr(raw, "broken", False) or getattr(raw, "closed", False) is True):
            return True
    return False


def is_database_unavailable(exception: BaseException) -> bool:
    """Return whether `exception` means the database is unreachable or unavailable, not that the code is wrong."""
    if not isinstance(exception, Error):  # InterfaceError is an Error, not a DatabaseError (PEP 249)
        return False
    coded = False
    for error in _causes(exception):
        if isinstance(error, InterfaceError) or type(error).__name__ == "InterfaceError":
            return True  # Django's and the drivers': the connection is closed or unusable
        sqlstate = getattr(error, "sqlstate", None)
        if sqlstate:
            coded = True
            if sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in _UNAVAILABLE_SQLSTATES:
                return True
        sqlite_code = getattr(error, "sqlite_errorcode", None)
        if sqlite_code is not None:
            coded = True
            if sqlite_code & 0xFF in _UNAVAILABLE_SQLITE_CODES:  # the low byte is the primary code
                return True
    if _connection_lost():
        return True
    if coded:
        return False
    return any(_UNAVAILABLE_MESSAGE_RE.search(str(error)) for error in _causes(exception))
