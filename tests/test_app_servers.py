"""Two app servers, one PostgreSQL, one Redis, one Varnish in front of both.

Two gunicorn servers (production settings, one worker each, loopback ports)
run against this test run's PostgreSQL database and a throwaway
redis-server (the page cache), behind a varnishd with the shipped VCL and a
round-robin director over both. What one server writes the other serves on
the next request, and so does Varnish; a session made on one is good on the
other; sign-in failures counted on one lock the pair out on the other; a
share-preview link made on one opens on the other and dies on both when
revoked. PostgreSQL only: SQLite is one file on one machine.
"""

import http.client
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.db import connections

from articles.models import Article
from pagecache.vcl import build_vcl
from tests.factories import ArticleFactory, UserFactory
from tests.pagecache.test_cache import redis_server
from tests.pagecache.test_varnish import VARNISHD, _missing, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
PASSWORD = "a long enough password 7"


class Browser:
    """One HTTP client with its own cookies, which it sends to whichever server it asks."""

    def __init__(self):
        self.cookies = {}

    def request(self, port, method, path, form=None):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, text
        finally:
            connection.close()

    def get(self, port, path):
        return self.request(port, "GET", path)

    def post(self, port, path, form):
        """POST a form with the CSRF token of the page at `path` (asked from the same server)."""
        status, page = self.get(port, path)
        assert status == 200, (status, path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(port, "POST", path, {"csrfmiddlewaretoken": token, **form})

    def sign_in(self, port, username, password=PASSWORD):
        return self.post(port, "/admin/login/?next=/admin/", {"username": username, "password": password})


def _database_url():
    primary = connections["default"].settings_dict
    host = urllib.parse.quote(primary["HOST"], safe="")
    port = f":{primary['PORT']}" if primary["PORT"] else ""
    return f"postgres://{primary['USER'] or 'postgres'}@{host}{port}/{primary['NAME']}"


def _wait_for(port, process, log):
    deadline = time.monotonic() + 60
    while True:
        try:
            if Browser().get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"a server on port {port} did not start: {log.read_text()[-3000:]}")
        time.sleep(0.1)


@pytest.fixture
def site(tmp_path):
    """Yield (port of server A, port of server B, port of Varnish in front of both)."""
    if not GUNICORN.exists():
        pytest.fail(f"gunicorn is missing ({GUNICORN}): pip install -r requirements.txt")
    if not VARNISHD.exists():
        _missing(f"varnishd is missing ({VARNISHD}): apt-get install -y varnish (.ci/run does it)")
    ports = [free_port(), free_port()]
    http_port, ban_port = free_port(), free_port()
    processes = []
    varnish_dir = Path(tempfile.mkdtemp(prefix="intimacyhub-varnish-"))
    varnish_dir.chmod(0o755)
    with redis_server(tmp_path) as (redis_url, _redis):
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "INTIMACYHUB_"))} | {
            "DJANGO_SETTINGS_MODULE": "tests.app_server_settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "INTIMACYHUB_PAGE_CACHE": "1",
            "INTIMACYHUB_VARNISH_URLS": f"http://127.0.0.1:{ban_port}",
            "INTIMACYHUB_LOGIN_FAILURE_LIMIT": "2",
            "PYTHONUNBUFFERED": "1",
        }
        try:
            for name, port in zip("ab", ports, strict=True):
                log = tmp_path / f"gunicorn-{name}.log"
                command = [str(GUNICORN), "intimacyhub.wsgi:application", "--workers", "1", "--bind"]
                command += [f"127.0.0.1:{port}", "--error-logfile", "-", "--no-control-socket"]
                processes.append(
                    (subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT), log)
                )
            vcl = varnish_dir / "two.vcl"
            vcl.write_text(build_vcl([f"127.0.0.1:{port}" for port in ports]))
            varnish_log = varnish_dir / "varnishd.log"
            varnish = subprocess.Popen(
                [str(VARNISHD), "-F", "-n", str(varnish_dir / "varnish"), "-f", str(vcl), "-s", "malloc,32m"]
                + ["-a", f"http=127.0.0.1:{http_port}", "-a", f"ban=127.0.0.1:{ban_port}"],
                stdout=varnish_log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            processes.append((varnish, varnish_log))
            for (process, log), port in zip(processes, [*ports, http_port], strict=True):
                _wait_for(port, process, log)
            yield ports[0], ports[1], http_port
        finally:
            for process, _log in processes:
                process.terminate()
            for process, _log in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            shutil.rmtree(varnish_dir, ignore_errors=True)


def account(**fields):
    user = UserFactory(**fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def editor_account(roles):
    return account(username="eda", role="Editor")


def test_two_app_servers_share_content_sessions_throttling_and_previews(site, editor_account):
    a, b, varnish = site
    article = ArticleFactory(title="Shared between servers")
    draft = ArticleFactory(title="A draft to share", status=Article.Status.DRAFT)
    url = article.get_absolute_url()
    reader = Browser()
    for port in (a, b, varnish, varnish, varnish):
        status, page = reader.get(port, url)
        assert status == 200 and "Shared between servers" in page

    # A session made on A is good on B, for a staff page.
    editor = Browser()
    status, _ = editor.sign_in(a, "eda")
    assert status == 302 and "sessionid" in editor.cookies
    status, page = editor.get(b, "/admin/")
    assert status == 200 and "eda" in page

    # A write through B (unpublish) is gone through A and through Varnish on the next request.
    status, _ = editor.post(
        b, "/admin/articles/article/", {"action": "unpublish", "_selected_action": str(article.pk), "index": "0"}
    )
    assert status == 302
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
    assert reader.get(a, url)[0] == 404
    assert reader.get(varnish, url)[0] == 404
    assert reader.get(varnish, url)[0] == 404  # and from the other backend

    # A share-preview link made on A opens on B; revoked on B, it dies on A.
    share = f"/admin/articles/article/{draft.pk}/share/"
    status, _ = editor.post(a, share, {})
    assert status == 302
    status, page = editor.get(b, share)
    link = urllib.parse.urlsplit(re.search(r'(https?://[^"<\s]+/preview/[^"<\s]+)', page).group(1)).path
    status, page = Browser().get(b, link)
    assert status == 200 and "A draft to share" in page
    assert editor.post(b, share, {})[0] == 302
    assert Browser().get(a, link)[0] == 404

    # Sign-in failures are counted across servers (limit 2 here): one on A and one on B lock the
    # name and address out, on A too, right password or not.
    account(username="target")
    intruder = Browser()
    assert intruder.sign_in(a, "target", "wrong password")[0] == 200
    assert intruder.sign_in(b, "target", "wrong password")[0] == 429
    assert intruder.sign_in(a, "target")[0] == 429
    assert "sessionid" not in intruder.cookies
