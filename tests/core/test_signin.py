"""Sign-in throttling behind a reverse proxy, through the real admin login view."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import RequestFactory

from core.signin import client_ip_address

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "the-right-pass-phrase"
PROXY = "10.0.0.2"
EDITOR_AT = "192.0.2.44"
ATTACKER_AT = "203.0.113.9"


@pytest.fixture
def editor_account():
    return User.objects.create_user("editor", password=PASSWORD, is_staff=True)


def sign_in(client, password, *, remote_addr, forwarded_for=None, username="editor"):
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    client.cookies.clear()
    return client.post(LOGIN, {"username": username, "password": password}, **meta)


def recorded_addresses():
    return set(AccessAttempt.objects.values_list("ip_address", flat=True))


def test_with_no_trusted_proxy_a_spoofed_forwarded_for_is_ignored(client, settings, editor_account):
    settings.INTIMACYHUB_TRUSTED_PROXIES = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker claims a different address each time, and the editor's too.
        sign_in(client, "wrong", remote_addr=ATTACKER_AT, forwarded_for=f"198.51.100.{n}, {EDITOR_AT}")
    assert recorded_addresses() == {ATTACKER_AT}
    assert sign_in(client, PASSWORD, remote_addr=ATTACKER_AT, forwarded_for="198.51.100.200").status_code == 429
    assert sign_in(client, PASSWORD, remote_addr=EDITOR_AT).status_code == 302


def test_behind_one_trusted_proxy_the_address_it_saw_is_used(client, settings, editor_account):
    settings.INTIMACYHUB_TRUSTED_PROXIES = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        # Whatever the attacker puts on the left, the proxy appends what it saw.
        sign_in(client, "wrong", remote_addr=PROXY, forwarded_for=f"198.51.100.{n}, {EDITOR_AT}, {ATTACKER_AT}")
    assert recorded_addresses() == {ATTACKER_AT}
    locked = sign_in(client, PASSWORD, remote_addr=PROXY, forwarded_for=f"{EDITOR_AT}, {ATTACKER_AT}")
    assert locked.status_code == 429
    # The editor comes through the same proxy, and so shares its address, but not the lock.
    assert sign_in(client, PASSWORD, remote_addr=PROXY, forwarded_for=EDITOR_AT).status_code == 302


def test_an_attacker_at_one_address_cannot_lock_out_the_editor_at_another(client, settings, editor_account):
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        sign_in(client, "wrong", remote_addr=ATTACKER_AT)
    assert sign_in(client, PASSWORD, remote_addr=ATTACKER_AT).status_code == 429
    assert sign_in(client, PASSWORD, remote_addr=EDITOR_AT).status_code == 302


def test_many_addresses_guessing_one_username_are_stopped(client, settings, editor_account):
    settings.INTIMACYHUB_LOGIN_ACCOUNT_FAILURE_LIMIT = 6
    # Each address stays under the per-address limit of 5; together they reach 6.
    for host in range(1, 4):
        for _ in range(2):
            assert sign_in(client, "wrong", remote_addr=f"203.0.113.{host}").status_code == 200
    # Even the right password from an address new to this account is refused now.
    refused = sign_in(client, PASSWORD, remote_addr="203.0.113.4")
    assert refused.status_code == 429
    assert "too many failed sign-ins from different places" in refused.text
    assert "_auth_user_id" not in client.session
    # Refused attempts are not counted: the attacker cannot keep the lock shut with them.
    for host in range(5, 25):
        assert sign_in(client, "wrong", remote_addr=f"203.0.113.{host}").status_code == 429
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 6


def test_the_editor_still_signs_in_from_an_address_they_used_before(client, settings, editor_account):
    settings.INTIMACYHUB_LOGIN_ACCOUNT_FAILURE_LIMIT = 6
    assert sign_in(client, PASSWORD, remote_addr=EDITOR_AT).status_code == 302
    for host in range(1, 7):
        sign_in(client, "wrong", remote_addr=f"203.0.113.{host}")
    assert sign_in(client, PASSWORD, remote_addr="203.0.113.99").status_code == 429
    assert sign_in(client, PASSWORD, remote_addr=EDITOR_AT).status_code == 302


def test_the_account_wide_limit_applies_to_one_username_only(client, settings, editor_account):
    settings.INTIMACYHUB_LOGIN_ACCOUNT_FAILURE_LIMIT = 3
    User.objects.create_user("writer", password=PASSWORD, is_staff=True)
    for host in range(1, 4):
        sign_in(client, "wrong", remote_addr=f"203.0.113.{host}")
    assert sign_in(client, PASSWORD, remote_addr="203.0.113.50").status_code == 429
    assert sign_in(client, PASSWORD, remote_addr="203.0.113.50", username="writer").status_code == 302


def test_the_per_address_lockout_says_so(client, settings, editor_account):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "wrong", remote_addr=ATTACKER_AT)
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account from this address" in response.text


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "forwarded_for", "expected"),
    [
        (0, "192.0.2.1", None, "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (1, PROXY, "203.0.113.5", "203.0.113.5"),
        (1, PROXY, "1.1.1.1, 203.0.113.5", "203.0.113.5"),
        (1, PROXY, " 1.1.1.1 ,203.0.113.5 ", "203.0.113.5"),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
        (2, PROXY, "1.1.1.1, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        # Shorter than the configured chain: not through our proxies; the socket's address.
        (2, PROXY, "203.0.113.5", PROXY),
        (1, PROXY, None, PROXY),
        (1, PROXY, "", PROXY),
        (1, PROXY, "unknown", PROXY),
        (1, PROXY, "203.0.113.5:4711", PROXY),
        (0, "", None, None),
        (0, "not-an-address", None, None),
    ],
)
def test_the_client_address_is_taken_from_the_trusted_end_of_the_chain(
    settings, proxies, remote_addr, forwarded_for, expected
):
    settings.INTIMACYHUB_TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert client_ip_address(RequestFactory().get("/", **meta)) == expected
