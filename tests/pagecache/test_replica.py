"""Readers on a real PostgreSQL streaming replica: who reads where, lag and a replica that is down.

The fixture makes a second PostgreSQL 15 cluster from the test server of
.ci/with-postgres (`pg_basebackup -R`: a hot standby streaming from it, on a
unix socket of its own), and adds it as the `replica` database, as
DATABASE_REPLICA_URL would. Requests go through Django's test client; each
test counts the queries each database received.
"""

import contextlib
import copy
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.db import connections
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.share_links import share_preview_url
from core.replica import REPLICA, read_alias, reads_from
from pagecache import cache as pagecache
from pagecache import replica as replica_module
from search import index_articles
from tests.factories import ArticleFactory
from tests.pagecache.test_varnish import free_port
from tests.test_app_servers import GUNICORN, ROOT, Browser, _database_url, _wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases=["default", REPLICA])]


def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    if found:
        return Path(found[-1]).parent
    binary = shutil.which("pg_basebackup")
    if binary is None:
        pytest.fail("pg_basebackup is missing (apt-get install -y postgresql)")
    return Path(binary).parent


def _as_pg(*command):
    if os.getuid() == 0:
        command = ("runuser", "-u", "postgres", "--", *command)
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)


class Cluster:
    """The replica's cluster: start, stop, pause and resume replay."""

    def __init__(self, directory):
        self.directory = directory
        self.bin = _pg_bin()

    def start(self):
        # Every statement in server.log: the app server test reads there what the replica was asked.
        options = f"-c listen_addresses='' -c unix_socket_directories={self.directory} -c fsync=off"
        options += " -c log_statement=all"
        _as_pg(
            str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-l", str(self.directory / "server.log"),
            "-w", "-t", "60", "start", "-o", options,
        )  # fmt: skip

    def stop(self):
        if REPLICA in connections.settings:
            connections[REPLICA].close()
        _as_pg(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop")

    def log(self):
        return (self.directory / "server.log").read_text(errors="replace")

    def url(self):
        name = connections["default"].settings_dict["NAME"]
        return f"postgres://postgres@{urllib.parse.quote(str(self.directory), safe='')}/{name}"

    def sql(self, statement):
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall()


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    primary = connections["default"].settings_dict
    if primary["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("the replica tests need PostgreSQL; run them through `make test-postgres`")
    directory = Path(tempfile.mkdtemp(prefix="intimacyhub-replica-"))
    directory.chmod(0o755)
    if os.getuid() == 0:
        shutil.chown(directory, "postgres")
    cluster = Cluster(directory)
    _as_pg(
        str(cluster.bin / "pg_basebackup"), "-h", primary["HOST"], "-p", str(primary["PORT"] or 5432),
        "-U", primary["USER"] or "postgres", "-D", str(directory / "data"), "-R", "-X", "stream", "-c", "fast",
    )  # fmt: skip
    cluster.start()
    settings_dict = copy.deepcopy(primary)
    settings_dict.update(HOST=str(directory), PORT="", CONN_MAX_AGE=0)
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA] = settings_dict
    try:
        yield cluster
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        try:
            cluster.stop()
        except subprocess.CalledProcessError:
            pass  # a test left it stopped
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def caught_up(replica):
    """Wait (at most 30 s) until the replica has replayed everything the primary wrote so far."""

    def wait():
        with connections["default"].cursor() as cursor:
            # The insert position: with synchronous_commit off (.ci/with-postgres) a commit
            # record may not be written yet, and the standby receives it once it is.
            cursor.execute("SELECT pg_current_wal_insert_lsn()")
            (target,) = cursor.fetchone()
        deadline = time.monotonic() + 30
        while not replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]:
            assert time.monotonic() < deadline, "the replica did not catch up within 30 s"
            time.sleep(0.01)

    return wait


@pytest.fixture(autouse=True)
def _replica_healthy(replica):
    replica_module._replica_down_until = 0.0
    yield
    replica_module._replica_down_until = 0.0
    if replica.sql("SELECT pg_is_wal_replay_paused()")[0][0]:
        replica.sql("SELECT pg_wal_replay_resume()")


def get(client, url, replica_up=True):
    """GET url; return the response and the SQL each database received (none for a replica that is down)."""
    with contextlib.ExitStack() as stack:
        primary = stack.enter_context(CaptureQueriesContext(connections["default"]))
        # Capturing connects: not to a replica that is down.
        on_replica = stack.enter_context(CaptureQueriesContext(connections[REPLICA])) if replica_up else None
        response = client.get(url)
    return (
        response,
        [q["sql"] for q in primary.captured_queries],
        [q["sql"] for q in on_replica.captured_queries] if on_replica else [],
    )


def touches_articles(queries):
    return any('"articles_article"' in sql for sql in queries)


def published(title, caught_up):
    article = ArticleFactory(title=title)
    pagecache.content_changed()
    caught_up()
    return article


def test_the_replica_streams_from_the_primary(replica, caught_up):
    assert replica.sql("SELECT pg_is_in_recovery()")[0][0] is True
    published("Streamed", caught_up)
    assert Article.objects.using(REPLICA).filter(title="Streamed").exists()


def test_anonymous_readers_read_from_a_caught_up_replica(client, caught_up):
    article = published("Read on the replica", caught_up)
    response, primary, on_replica = get(client, article.get_absolute_url())
    assert response.status_code == 200 and "Read on the replica" in response.content.decode()
    assert touches_articles(on_replica)
    # The primary only answered the content generation's token.
    assert not touches_articles(primary)
    assert all('"intimacyhub_contentgeneration"' in sql for sql in primary)


def test_the_home_page_and_lists_read_from_the_replica_too(client, caught_up):
    published("Listed", caught_up)
    for url in ("/", "/articles/"):
        response, primary, on_replica = get(client, url)
        assert response.status_code == 200 and "Listed" in response.content.decode()
        assert touches_articles(on_replica) and not touches_articles(primary)


def test_a_replica_behind_the_generation_sends_readers_to_the_primary(client, replica, caught_up):
    published("Already there", caught_up)
    replica.sql("SELECT pg_wal_replay_pause()")
    article = ArticleFactory(title="Published during the lag")
    pagecache.content_changed()
    response, primary, on_replica = get(client, article.get_absolute_url())
    # The replica has not replayed the new generation: it is not used, and the new article is there.
    assert response.status_code == 200 and "Published during the lag" in response.content.decode()
    assert touches_articles(primary) and not touches_articles(on_replica)
    response, primary, on_replica = get(client, "/")
    assert "Published during the lag" in response.content.decode() and not touches_articles(on_replica)

    replica.sql("SELECT pg_wal_replay_resume()")
    caught_up()
    response, primary, on_replica = get(client, article.get_absolute_url())
    assert response.status_code == 200 and "Published during the lag" in response.content.decode()
    assert touches_articles(on_replica) and not touches_articles(primary)


def test_the_page_cache_reads_the_generation_from_the_primary(replica, caught_up):
    published("Token", caught_up)
    replica.sql("SELECT pg_wal_replay_pause()")
    pagecache.content_changed()
    with reads_from(REPLICA):
        assert read_alias() == REPLICA
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            token, _ = pagecache.generation_state()
    assert not on_replica.captured_queries
    assert token == pagecache.ContentGeneration.objects.using("default").get().token


def test_a_share_preview_link_reads_from_the_primary(client, replica, caught_up):
    # A new link (or a revoked one) changes no content generation: a lagging
    # replica would refuse the new link, or honour the revoked one.
    draft = ArticleFactory(title="Draft for a reviewer", status=Article.Status.DRAFT)
    pagecache.content_changed()
    caught_up()
    replica.sql("SELECT pg_wal_replay_pause()")
    draft.preview_token = "n" * 43
    Article.objects.filter(pk=draft.pk).update(preview_token=draft.preview_token)
    response, primary, on_replica = get(client, share_preview_url(draft))
    assert response.status_code == 200 and "Draft for a reviewer" in response.content.decode()
    assert not on_replica


def test_search_reads_from_a_caught_up_replica_and_from_the_primary_while_it_lags(client, replica, caught_up):
    article = ArticleFactory(title="Searched for")
    index_articles([article.pk])  # as the services do after a write
    published("Not this one", caught_up)
    response, primary, on_replica = get(client, "/search/?q=searched")
    assert response.status_code == 200 and article.get_absolute_url() in response.content.decode()
    assert any("search_document" in sql for sql in on_replica) and touches_articles(on_replica)
    # The primary only answered the content generation's token.
    assert all('"intimacyhub_contentgeneration"' in sql for sql in primary)
    # A typo: "Did you mean" reads the vocabulary there too.
    response, primary, on_replica = get(client, "/search/?q=serched")
    assert response.status_code == 200 and "searched" in response.content.decode()
    assert any("search_term" in sql for sql in on_replica) and not any("search_term" in sql for sql in primary)

    replica.sql("SELECT pg_wal_replay_pause()")
    late = ArticleFactory(title="Searchable during the lag")
    index_articles([late.pk])
    pagecache.content_changed()
    response, primary, on_replica = get(client, "/search/?q=searchable")
    assert response.status_code == 200 and late.get_absolute_url() in response.content.decode()
    assert any("search_document" in sql for sql in primary) and not touches_articles(on_replica)


def test_signed_in_requests_and_writes_read_from_the_primary(client, caught_up):
    article = published("Staff read", caught_up)
    client.force_login(User.objects.create_user("staffer", is_staff=True))
    response, primary, on_replica = get(client, article.get_absolute_url())
    assert response.status_code == 200
    assert not on_replica and touches_articles(primary)


def test_whoever_wrote_reads_from_the_primary_for_a_few_seconds(client, settings, caught_up, monkeypatch):
    settings.INTIMACYHUB_READ_OWN_WRITES = 5
    article = published("After my write", caught_up)
    client.force_login(User.objects.create_user("writer", is_staff=True))
    response = client.post("/admin/logout/")
    assert response.status_code in (200, 302)
    cookie = response.cookies[replica_module.RECENT_WRITE_COOKIE]
    assert cookie["max-age"] == 5 and cookie["httponly"]
    assert settings.SESSION_COOKIE_NAME not in client.cookies or not client.cookies[settings.SESSION_COOKIE_NAME].value
    response, primary, on_replica = get(client, article.get_absolute_url())
    assert response.status_code == 200 and not on_replica

    # Once the cookie's time is up (its signature is dated), the replica again.
    signed_at = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: signed_at + 6)
    response, primary, on_replica = get(client, article.get_absolute_url())
    assert response.status_code == 200 and touches_articles(on_replica)


def test_a_forged_recent_write_cookie_is_ignored(client, caught_up):
    article = published("Forged", caught_up)
    client.cookies[replica_module.RECENT_WRITE_COOKIE] = "1"
    response, primary, on_replica = get(client, article.get_absolute_url())
    assert response.status_code == 200 and touches_articles(on_replica)


def test_readers_never_get_the_recent_write_cookie(client, caught_up):
    published("Reader", caught_up)
    response = client.post("/search/", {"q": "panic"})
    assert replica_module.RECENT_WRITE_COOKIE not in response.cookies


def test_a_replica_that_is_down_sends_readers_to_the_primary_without_an_error(client, replica, caught_up, caplog):
    article = published("Still served", caught_up)
    replica.stop()
    try:
        response, primary, _ = get(client, article.get_absolute_url(), replica_up=False)
        assert response.status_code == 200 and "Still served" in response.content.decode()
        assert touches_articles(primary)
        assert "read replica unreachable" in caplog.text
        # Not asked again for a while: no reader waits on it.
        caplog.clear()
        response, primary, _ = get(client, article.get_absolute_url(), replica_up=False)
        assert response.status_code == 200 and "read replica unreachable" not in caplog.text
    finally:
        replica.start()


def test_a_replica_failing_in_the_middle_of_a_request_is_answered_from_the_primary(
    client, replica, caught_up, monkeypatch, caplog
):
    article = published("Answered again", caught_up)
    # The replica was up when the request chose it, and is gone when the view reads.
    monkeypatch.setattr(replica_module, "replica_caught_up", lambda: True)
    replica.stop()
    try:
        response, primary, _ = get(client, article.get_absolute_url(), replica_up=False)
        assert response.status_code == 200 and "Answered again" in response.content.decode()
        assert touches_articles(primary)
        assert "read replica failed during a request" in caplog.text
    finally:
        replica.start()


def test_an_app_server_given_database_replica_url_serves_readers_from_the_replica(replica, caught_up, tmp_path):
    article = published("Served from the replica by gunicorn", caught_up)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "INTIMACYHUB_"))} | {
        "DJANGO_SETTINGS_MODULE": "tests.app_server_settings",
        "DATABASE_URL": _database_url(),
        "DATABASE_REPLICA_URL": replica.url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "INTIMACYHUB_PAGE_CACHE": "0",  # every request renders: each one asks a database
    }
    log = tmp_path / "gunicorn.log"
    command = [str(GUNICORN), "intimacyhub.wsgi:application", "--workers", "1"]
    command += ["--bind", f"127.0.0.1:{port}", "--error-logfile", "-", "--no-control-socket"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    reader = Browser()
    try:
        _wait_for(port, server, log)
        status, page = reader.get(port, article.get_absolute_url())
        assert status == 200 and "Served from the replica by gunicorn" in page
        assert f"'{article.slug}'" in replica.log()

        replica.sql("SELECT pg_wal_replay_pause()")
        lagging = ArticleFactory(title="Published while the replica lags")
        pagecache.content_changed()
        status, page = reader.get(port, lagging.get_absolute_url())
        assert status == 200 and "Published while the replica lags" in page
        assert f"'{lagging.slug}'" not in replica.log()
        replica.sql("SELECT pg_wal_replay_resume()")

        replica.stop()
        try:
            for _ in range(2):
                status, page = reader.get(port, article.get_absolute_url())
                assert status == 200 and "Served from the replica by gunicorn" in page
        finally:
            replica.start()
    finally:
        server.terminate()
        server.wait(timeout=20)
