"""Sign-in throttling (django-axes), made right behind a reverse proxy.

Two limits, both over the cool-off window (AXES_COOLOFF_TIME, an hour):

- per username *and* address (axes' own): AXES_FAILURE_LIMIT failures lock
  that pair out. An attacker at one address locks out only themselves: the
  editor signing in from anywhere else is unaffected.
- per username across all addresses (here): once an account has
  INTIMACYHUB_LOGIN_ACCOUNT_FAILURE_LIMIT failures, sign-ins for it are refused
  from addresses that have never signed in as that user, so guessing one
  password from many addresses is bounded too. Addresses the user has signed
  in from before (axes' AccessLog) are still let through, each under its own
  per-pair limit: a botnet can slow the editor down only when they travel,
  never lock them out at their usual desk.

The address is the client's, not the proxy's: see `client_ip_address`.
"""

import datetime as dt
import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib import admin
from django.db.models import Sum
from django.shortcuts import render

# An address that signed in as a user within this long counts as theirs.
KNOWN_ADDRESS_DAYS = 90


def _valid_ip(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip_address(request):
    """Return the address of whoever connected to the outermost trusted proxy.

    With INTIMACYHUB_TRUSTED_PROXIES = N, the last N hops were our own proxies:
    REMOTE_ADDR is the nearest, and each appended the address it saw to
    X-Forwarded-For. The client is therefore the N-th entry from the right;
    anything further left was written by the client and is ignored, so it
    cannot be spoofed. With N = 0 the header is not read at all. A header too
    short for N means the request did not come through the proxies as
    configured: then REMOTE_ADDR, the one address we know, is used.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    hops = settings.INTIMACYHUB_TRUSTED_PROXIES
    if hops == 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote
    return _valid_ip(forwarded[-hops]) or remote


def account_failures(username, *, since):
    """Count failed sign-ins for one username from every address since a moment."""
    total = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def is_known_address(username, ip_address, *, now):
    return AccessLog.objects.filter(
        username=username,
        ip_address=ip_address,
        attempt_time__gte=now - dt.timedelta(days=KNOWN_ADDRESS_DAYS),
    ).exists()


class ThrottledHandler(AxesDatabaseHandler):
    """axes' database handler plus the per-username limit across addresses."""

    def is_locked(self, request, credentials=None):
        if super().is_locked(request, credentials):
            request.intimacyhub_lockout = "address"
            return True
        username = get_client_username(request, credentials)
        if not username:
            return False
        now = request.axes_attempt_time
        if (
            account_failures(username, since=now - get_cool_off(request))
            < settings.INTIMACYHUB_LOGIN_ACCOUNT_FAILURE_LIMIT
        ):
            return False
        if is_known_address(username, request.axes_ip_address, now=now):
            return False
        request.intimacyhub_lockout = "account"
        return True


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets: which limit it hit and what to do."""
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in paused",
        "account_wide": getattr(request, "intimacyhub_lockout", "address") == "account",
        "cooloff_minutes": int(get_cool_off(request).total_seconds() // 60),
    }
    return render(request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
