import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def django_check(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = django_check(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("key", ["short", "dev-only-insecure-key-never-use-in-production"])
def test_production_refuses_a_weak_or_development_key(key):
    result = django_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_production_starts_with_a_real_key():
    result = django_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr


def test_development_runs_without_a_key():
    assert django_check(DJANGO_DEBUG="1").returncode == 0


def test_database_url_selects_postgresql(settings):
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'])"],
        cwd=ROOT,
        env=os.environ
        | {
            "DJANGO_SETTINGS_MODULE": "intimacyhub.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_a_malformed_boolean_setting_is_an_error_not_a_guess():
    result = django_check(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr
