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


def env_example_secret_key():
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("DJANGO_SECRET_KEY="):
            return line.partition("=")[2]
    raise AssertionError(".env.example sets no DJANGO_SECRET_KEY")


def test_the_env_example_placeholder_is_long_enough_to_pass_the_length_rule():
    # Why the placeholder needs its own check: length alone would let it through.
    assert len(env_example_secret_key()) >= 32


@pytest.mark.parametrize("spelling", [str, str.upper, lambda key: f'"{key}"', lambda key: f" {key} "])
def test_production_refuses_the_placeholder_key_that_env_example_ships(spelling):
    result = django_check(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=spelling(env_example_secret_key()), DJANGO_ALLOWED_HOSTS="example.org"
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak for production: it is a placeholder" in result.stderr


def test_development_accepts_the_placeholder_key():
    assert django_check(DJANGO_DEBUG="1", DJANGO_SECRET_KEY=env_example_secret_key()).returncode == 0


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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INTIMACYHUB_TRUSTED_PROXIES", "-1"),
        ("INTIMACYHUB_TRUSTED_PROXIES", "one"),
        ("INTIMACYHUB_LOGIN_FAILURE_LIMIT", "0"),
    ],
)
def test_a_malformed_sign_in_setting_is_an_error_not_a_guess(name, value):
    result = django_check(DJANGO_DEBUG="1", **{name: value})
    assert result.returncode != 0
    assert f"{name} must be a whole number" in result.stderr


def _settings_of(code, **env):
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings as s; {code}"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
        | {"DJANGO_SETTINGS_MODULE": "intimacyhub.settings", "DJANGO_DEBUG": "1"}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_database_replica_url_adds_a_replica_that_tests_mirror_to_the_primary():
    result = _settings_of(
        "r = s.DATABASES['replica']; print(r['ENGINE'], r['HOST'], r['NAME'], r['TEST']['MIRROR'], "
        "r['OPTIONS']['connect_timeout'], s.INTIMACYHUB_READ_OWN_WRITES)",
        DATABASE_URL="postgres://u:p@10.0.0.1:5432/db",
        DATABASE_REPLICA_URL="postgres://u:p@10.0.0.2:5432/db",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "10.0.0.2", "db", "default", "2", "5"]


def test_without_a_replica_url_there_is_only_the_primary():
    result = _settings_of("print(sorted(s.DATABASES))", DATABASE_URL="postgres://u:p@10.0.0.1:5432/db")
    assert result.stdout.strip() == "['default']"


@pytest.mark.parametrize(
    ("primary", "replica", "message"),
    [
        ("", "postgres://u:p@10.0.0.2:5432/db", "DATABASE_REPLICA_URL needs DATABASE_URL to be PostgreSQL"),
        ("postgres://u:p@10.0.0.1:5432/db", "sqlite:////tmp/x.sqlite3", "DATABASE_REPLICA_URL must be a postgres"),
    ],
)
def test_a_replica_needs_postgresql_on_both_sides(primary, replica, message):
    env = {"DATABASE_REPLICA_URL": replica} | ({"DATABASE_URL": primary} if primary else {})
    result = _settings_of("print(s.DATABASES)", **env)
    assert result.returncode != 0 and message in result.stderr
