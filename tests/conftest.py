import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE_CORPUS = ROOT / "bench" / "make_corpus.py"


def pytest_collection_modifyitems(config, items):
    # A PostgreSQL run that silently fell back to SQLite would prove nothing.
    if os.environ.get("INTIMACYHUB_TEST_DB") == "postgres" and not os.environ.get("DATABASE_URL", "").startswith(
        ("postgres://", "postgresql://")
    ):
        raise pytest.UsageError("INTIMACYHUB_TEST_DB=postgres but DATABASE_URL is not a PostgreSQL URL")


@pytest.fixture(autouse=True)
def _postgres_only(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.fail("this test needs PostgreSQL; run it through `make test-postgres`")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    # Stored images (the library, uploads) never land in the project's media folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def corpus_1000(tmp_path_factory):
    """A deterministic 1,000-article content file from the benchmark generator."""
    path = tmp_path_factory.mktemp("corpus") / "corpus-1000.jsonl"
    with path.open("wb") as out:
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--articles", "1000", "--seed", "3"], stdout=out, check=True)
    return path


@pytest.fixture
def db_clock(monkeypatch):
    """Set the database's idea of now, which published() compares against."""
    from django.db.models.functions import Now

    from core.compiled import forget_compiled

    def set_clock(when):
        def as_sql(self, compiler, connection, **extra):
            return "%s", [when]

        for name in ("as_sql", "as_sqlite", "as_postgresql", "as_mysql", "as_oracle"):
            monkeypatch.setattr(Now, name, as_sql, raising=False)
        forget_compiled()  # queries compiled once per process hold the old clock

    yield set_clock
    monkeypatch.undo()
    forget_compiled()


@pytest.fixture
def roles(db):
    from articles.roles import setup_roles

    return setup_roles()


@pytest.fixture
def writer(roles):
    from tests.factories import UserFactory

    return UserFactory(username="wren", role="Writer")


@pytest.fixture
def editor(roles):
    from tests.factories import UserFactory

    return UserFactory(username="eda", role="Editor")


@pytest.fixture
def reviewer(roles):
    from tests.factories import UserFactory

    return UserFactory(username="rhea", role="Clinical reviewer")


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def writer_client(writer):
    return _client_for(writer)


@pytest.fixture
def editor_client(editor):
    return _client_for(editor)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_for(reviewer)
