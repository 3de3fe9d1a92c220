import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_gives_no_warnings_in_production_mode():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-key-" + "z" * 20,
        "DJANGO_ALLOWED_HOSTS": "example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers_on_public_pages(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    ["//evil.com", "https://evil.com", "/\\evil.com", "javascript:alert(1)", "\\\\evil.com", "http:evil.com"],
)
def test_login_never_redirects_off_the_site(client, target):
    User.objects.create_user("editor", password="a-long-pass-phrase", is_staff=True)
    response = client.post(
        f"/admin/login/?next={target}",
        {"username": "editor", "password": "a-long-pass-phrase", "next": target},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_the_admin_path_comes_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {
        "DJANGO_DEBUG": "1",
        "DJANGO_ADMIN_URL": "/staff/desk/",
        "DJANGO_SETTINGS_MODULE": "intimacyhub.settings",
    }
    code = "import django; django.setup(); from django.urls import reverse; print(reverse('admin:index'))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "/staff/desk/", result.stderr


def test_a_malformed_admin_path_is_refused_at_start_up():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {
        "DJANGO_DEBUG": "1",
        "DJANGO_ADMIN_URL": "//evil.example/",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "DJANGO_ADMIN_URL must be a path" in result.stderr


@pytest.mark.django_db
def test_admin_sign_in_is_throttled_after_repeated_failures(client, settings):
    User.objects.create_user("editor", password="the-right-pass-phrase", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    assert client.post("/admin/login/", {"username": "editor", "password": "wrong"}).status_code == 429
    # Locked out: even the right password is refused now.
    locked = client.post("/admin/login/", {"username": "editor", "password": "the-right-pass-phrase"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, settings):
    User.objects.create_user("editor", password="the-right-pass-phrase", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    assert client.post("/admin/login/", {"username": "editor", "password": "the-right-pass-phrase"}).status_code == 302
