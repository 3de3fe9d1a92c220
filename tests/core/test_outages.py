"""An outage is a calm 503; a bug, bad SQL included, is a 500 with its traceback in the log."""

import logging
import sqlite3
from types import SimpleNamespace

import psycopg
import pytest
from django.db import (
    DatabaseError,
    Error,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    connection,
)
from django.db.backends.utils import CursorWrapper
from django.db.utils import DatabaseErrorWrapper
from django.test import Client

from articles.models import Article, ArticleQuerySet
from core.outages import is_database_unavailable
from tests.factories import ArticleFactory


def as_django_raises(driver_module, driver_error):
    """Return the exception Django raises for `driver_error`, wrapped as its backends wrap it."""
    wrapper = SimpleNamespace(Database=driver_module, errors_occurred=False)
    try:
        with DatabaseErrorWrapper(wrapper):
            raise driver_error
    except Error as exc:
        return exc
    raise AssertionError("not wrapped")


def pg(sqlstate, message="boom"):
    return as_django_raises(psycopg, psycopg.errors.lookup(sqlstate)(message))


def sqlite_error(run):
    """Run `run(tmp_connection)` and return the Django exception its sqlite3 error becomes."""
    try:
        run()
    except sqlite3.Error as exc:
        return as_django_raises(sqlite3, exc)
    raise AssertionError("no error")


def sqlite_locked(tmp_path):
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        return sqlite_error(lambda: sqlite3.connect(path, timeout=0).execute("INSERT INTO t VALUES (1)"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def sqlite_memory_error(sql):
    return sqlite_error(lambda: sqlite3.connect(":memory:").execute(sql))


OUTAGES = {
    "PostgreSQL terminating connection (57P01, pg_ctl stop)": lambda tmp: pg("57P01"),
    "PostgreSQL crash shutdown (57P02)": lambda tmp: pg("57P02"),
    "PostgreSQL cannot connect now (57P03, starting up)": lambda tmp: pg("57P03"),
    "PostgreSQL connection failure (08006)": lambda tmp: pg("08006"),
    "PostgreSQL could not establish a connection (08001)": lambda tmp: pg("08001"),
    "PostgreSQL too many connections (53300)": lambda tmp: pg("53300"),
    "PostgreSQL disk full (53100)": lambda tmp: pg("53100"),
    "psycopg connection refused (no SQLSTATE)": lambda tmp: as_django_raises(
        psycopg,
        psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        ),
    ),
    "psycopg connect timeout (no SQLSTATE)": lambda tmp: as_django_raises(
        psycopg, psycopg.OperationalError("connection timeout expired")
    ),
    "psycopg connection lost mid-query (no SQLSTATE)": lambda tmp: as_django_raises(
        psycopg, psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")
    ),
    "psycopg connection closed (InterfaceError)": lambda tmp: as_django_raises(
        psycopg, psycopg.InterfaceError("the connection is closed")
    ),
    "Django InterfaceError": lambda tmp: InterfaceError("connection already closed"),
    "Django OperationalError without a cause": lambda tmp: OperationalError("connection to server on socket failed"),
    "SQLite database is locked": sqlite_locked,
    "SQLite unable to open the file": lambda tmp: sqlite_error(
        lambda: sqlite3.connect(tmp / "no" / "such" / "dir.sqlite3")
    ),
    "SQLite closed database": lambda tmp: sqlite_error(
        lambda: (lambda c: (c.close(), c.execute("SELECT 1")))(sqlite3.connect(":memory:"))
    ),
}

BUGS = {
    "PostgreSQL undefined table (42P01)": lambda tmp: pg("42P01", 'relation "connection" does not exist'),
    "PostgreSQL syntax error (42601)": lambda tmp: pg("42601"),
    "PostgreSQL unique violation (23505)": lambda tmp: pg("23505"),
    "PostgreSQL value out of range (22003, DataError)": lambda tmp: pg("22003"),
    "PostgreSQL division by zero (22012)": lambda tmp: pg("22012"),
    "PostgreSQL statement cancelled (57014)": lambda tmp: pg("57014"),
    "PostgreSQL aborted transaction (25P02)": lambda tmp: pg("25P02"),
    "SQLite no such table": lambda tmp: sqlite_memory_error("SELECT * FROM no_such_table"),
    "SQLite syntax error": lambda tmp: sqlite_memory_error("SELEC 1"),
    "SQLite unique constraint": lambda tmp: sqlite_error(
        lambda: sqlite3.connect(":memory:").executescript(
            "CREATE TABLE t (x UNIQUE); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1);"
        )
    ),
    "SQLite bad parameter": lambda tmp: sqlite_error(lambda: sqlite3.connect(":memory:").execute("SELECT ?", ({},))),
    "Django ProgrammingError without a cause": lambda tmp: ProgrammingError('column "connection_id" does not exist'),
    "Django IntegrityError without a cause": lambda tmp: IntegrityError("NOT NULL constraint failed"),
    "not a database error at all": lambda tmp: ValueError("connection refused"),
}


@pytest.mark.parametrize("name", OUTAGES)
def test_an_unreachable_or_unavailable_database_is_an_outage(name, tmp_path):
    assert is_database_unavailable(OUTAGES[name](tmp_path))


@pytest.mark.parametrize("name", BUGS)
def test_bad_sql_constraints_values_and_other_bugs_are_not_outages(name, tmp_path):
    assert not is_database_unavailable(BUGS[name](tmp_path))


# ---------------------------------------------------------------------------
# Through the site, with real SQL on the test database


BAD_SQL = ["SELECT * FROM no_such_table", "SELEC 1"]


def run_sql(sql):
    def published(self):
        with connection.cursor() as cursor:
            cursor.execute(sql)
        raise AssertionError("the SQL ran")

    return published


def server_errors(caplog):
    return [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR and r.exc_info]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("sql", BAD_SQL)
def test_bad_sql_in_a_page_is_a_500_logged_with_its_traceback(monkeypatch, settings, caplog, sql, debug):
    settings.DEBUG = debug
    monkeypatch.setattr(ArticleQuerySet, "published", run_sql(sql))
    response = Client(raise_request_exception=False).get("/articles/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "back shortly" not in response.content.decode()
    [record] = server_errors(caplog)
    assert record.getMessage() == "Internal Server Error: /articles/"
    assert isinstance(record.exc_info[1], DatabaseError)
    assert "Traceback" in caplog.text and sql.split()[-1] in caplog.text


@pytest.mark.django_db
def test_an_integrity_error_in_a_page_is_a_500_not_an_outage(monkeypatch, settings, caplog):
    settings.DEBUG = False
    existing = ArticleFactory()

    def published(self):
        Article.objects.create(title="Twin", slug=existing.slug, body="x")
        raise AssertionError("the duplicate was saved")

    monkeypatch.setattr(ArticleQuerySet, "published", published)
    response = Client(raise_request_exception=False).get("/articles/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    [record] = server_errors(caplog)
    assert isinstance(record.exc_info[1], IntegrityError)


@pytest.mark.django_db
def test_an_outage_is_still_a_503_and_logged_as_one(monkeypatch, settings, caplog, tmp_path):
    settings.DEBUG = False

    def published(self):
        raise OUTAGES["PostgreSQL terminating connection (57P01, pg_ctl stop)"](tmp_path)

    monkeypatch.setattr(ArticleQuerySet, "published", published)
    response = Client(raise_request_exception=False).get("/articles/")
    assert response.status_code == 503
    assert "back shortly" in response.content.decode()
    assert not server_errors(caplog)


@pytest.mark.django_db
def test_healthz_with_bad_sql_is_a_500_not_unavailable(monkeypatch, caplog):
    execute = CursorWrapper.execute
    monkeypatch.setattr(CursorWrapper, "execute", lambda self, sql, params=None: execute(self, "SELEC 1"))
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 500
    [record] = server_errors(caplog)
    assert record.getMessage() == "Internal Server Error: /healthz"


@pytest.mark.django_db
def test_healthz_answers_503_in_an_outage(monkeypatch, tmp_path):
    def execute(self, sql, params=None):
        raise OUTAGES["PostgreSQL connection failure (08006)"](tmp_path)

    monkeypatch.setattr(CursorWrapper, "execute", execute)
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}
