# Varnish 7 in front of IntimacyHub's gunicorn (README, "Scaling out").
# Made by `manage.py varnish_vcl{{arguments}}` from this site's settings
# (admin address, cookie names, the query parameters its views read).
#
#   varnishd -F -a http=:6081 -a ban=127.0.0.1:6089 -f deploy/varnish/default.vcl -s malloc,256m
#
# Django decides what may be shared: a reader page the page cache may store
# answers `Cache-Control: public, max-age=0, s-maxage=N` with the content
# generation it was built from in `X-Generation`; everything else is private
# and passes. After every content write commits, Django sends
# `BAN / X-Generation: <new token>` to the `ban` socket and waits for the 200:
# every object of another generation is dropped (obj.http only, so the ban
# lurker can test objects in the background). If Varnish cannot be reached,
# pages expire within N seconds (INTIMACYHUB_SHARED_MAX_AGE, 60).

vcl 4.1;

import std;
{{imports}}
{{backends}}
# Who may ban: the app servers (`--ban-from`). Bans are accepted only on the
# `ban` socket (bound to loopback in the command above; to a private address
# when the app servers run elsewhere), so a TLS terminator on this host
# forwarding readers' requests to the `http` socket can never relay one.
acl banners {
{{banners}}}

sub vcl_recv {
{{backend_hint}}    if (req.method == "BAN") {
        if (local.socket != "ban" || client.ip !~ banners) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.X-Generation !~ "^[0-9a-f]{1,16}$") {
            return (synth(400, "X-Generation must be the new generation token in hex"));
        }
        ban("obj.http.X-Generation != " + req.http.X-Generation);
        return (synth(200, "Banned"));
    }
    if (local.socket == "ban") {
        return (synth(404, "Not found"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The admin (DJANGO_ADMIN_URL) is staff-only: untouched, never cached.
    if (req.url ~ "^/{{admin}}" || req.http.Authorization) {
        return (pass);
    }
    # Signed in (Django's session and CSRF cookies), or wrote in the last seconds
    # ({{recent_write}}: pagecache/replica.py reads from the primary then): untouched, never cached.
    if (req.http.Cookie ~ "(^|;)\s*({{cookies}})=") {
        return (pass);
    }
    # Any other cookie is someone else's (analytics on the same domain): the site reads none.
    unset req.http.Cookie;

    # The cache key: query parameters the site never reads are dropped (utm_*,
    # fbclid, gclid and any other name), before the request reaches Django,
    # so `?utm_source=...` variants and floods of junk share one object. The
    # list is every parameter a view declares in core/cacheable.py plus those
    # read but never stored (core.cacheable.UNSTORED_PARAMS); a test keeps it
    # equal to the declarations. What remains is sorted.
    if (req.url ~ "\?") {
        set req.http.X-Query = regsub(req.url, "^[^?]*\?", "&");
        set req.http.X-Query = regsuball(req.http.X-Query, "&(?!(?:{{params}})=)[^&]*", "");
        set req.url = regsub(req.url, "\?.*$", "");
        if (req.http.X-Query != "") {
            set req.url = std.querysort(req.url + "?" + regsub(req.http.X-Query, "^&", ""));
        }
        unset req.http.X-Query;
    }
    return (hash);
}

sub vcl_backend_response {
    # Only what Django marked as shareable, with the generation it belongs to.
    if (beresp.http.Cache-Control ~ "(^|,)\s*public\s*(,|$)"
        && beresp.http.Cache-Control ~ "s-maxage=[1-9]"
        && beresp.http.X-Generation
        && !beresp.http.Set-Cookie) {
        # Never serve an expired page while refetching: s-maxage ends at the
        # next scheduled publication. Keep it for revalidation (If-None-Match
        # to Django, answered 304 without a render when it is unchanged).
        set beresp.grace = 0s;
        set beresp.keep = 10m;
        return (deliver);
    }
    # Everything else passes (hit-for-miss: concurrent requests are not queued behind one another).
    set beresp.uncacheable = true;
    set beresp.ttl = 10s;
    set beresp.grace = 0s;
    return (deliver);
}

sub vcl_deliver {
    # The generation is for bans only; Age, Via and X-Varnish would tell a
    # reader that someone else asked for this page recently.
    unset resp.http.X-Generation;
    unset resp.http.Age;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}
