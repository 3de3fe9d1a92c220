"""The Varnish configuration for this site, made from its settings (`manage.py varnish_vcl`).

The template is pagecache/varnish.vcl; what changes from one site to another
is filled in here: the app servers (one backend, or a round-robin director
over several), who may ban, the admin's address (DJANGO_ADMIN_URL), the
cookies that mean "signed in" (SESSION_COOKIE_NAME, CSRF_COOKIE_NAME, and
pagecache/replica.py's recent-write cookie) and the query parameters the
site's views read (core/cacheable.py). deploy/varnish/default.vcl is this
output for the default settings, and a test keeps it so.
"""

import ipaddress
import re
from pathlib import Path

from django.conf import settings

from core.cacheable import site_params
from pagecache.replica import RECENT_WRITE_COOKIE

TEMPLATE = Path(__file__).resolve().parent / "varnish.vcl"
DEFAULT_BACKENDS = ("127.0.0.1:8000",)
DEFAULT_BANNERS = ("127.0.0.1", "::1")
_HOST = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


class VclError(ValueError):
    pass


def parse_backend(text):
    """'host:port' (an IPv6 address in brackets) -> (host, port), or VclError saying what is wrong."""
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\[\]]+):(\d{1,5})", text.strip())
    if not match:
        raise VclError(f"backend {text!r}: give HOST:PORT, e.g. 10.0.0.5:8000 or [::1]:8000")
    host, port = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    if match.group(1):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise VclError(f"backend {text!r}: {host!r} is not an IPv6 address") from None
    elif not _HOST.fullmatch(host):
        raise VclError(f"backend {text!r}: {host!r} is not a host name or an IP address")
    if not 1 <= int(port) <= 65535:
        raise VclError(f"backend {text!r}: the port must be 1 to 65535")
    return host, int(port)


def _banner(text):
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise VclError(f"ban-from {text!r}: give an IP address or network, e.g. 10.0.0.5 or 10.0.0.0/24") from None
    if network.num_addresses == 1:
        return f'    "{network.network_address}";\n'
    return f'    "{network.network_address}"/{network.prefixlen};\n'


def _alternatives(names):
    return "|".join(re.escape(name) for name in sorted(set(names)))


def build_vcl(backends=DEFAULT_BACKENDS, banners=DEFAULT_BANNERS):
    """Return the VCL for these app servers and ban sources, with this site's settings."""
    if not backends:
        raise VclError("name at least one backend (HOST:PORT)")
    if not banners:
        raise VclError("name at least one address that may ban (the app servers)")
    servers = [parse_backend(backend) for backend in backends]
    timeouts = "    .connect_timeout = 2s;\n    .first_byte_timeout = 60s;\n"
    if len(servers) == 1:
        host, port = servers[0]
        blocks = f'backend default {{\n    .host = "{host}";\n    .port = "{port}";\n{timeouts}}}\n'
        imports = hint = ""
    else:
        blocks = "".join(
            f'backend app{n} {{\n    .host = "{host}";\n    .port = "{port}";\n{timeouts}}}\n\n'
            for n, (host, port) in enumerate(servers, 1)
        )
        blocks += "sub vcl_init {\n    new app = directors.round_robin();\n"
        blocks += "".join(f"    app.add_backend(app{n});\n" for n in range(1, len(servers) + 1)) + "}\n"
        imports = "import directors;\n"
        hint = "    set req.backend_hint = app.backend();\n"
    arguments = "".join(f" --backend {b}" for b in backends if tuple(backends) != DEFAULT_BACKENDS)
    arguments += "".join(f" --ban-from {b}" for b in banners if tuple(banners) != DEFAULT_BANNERS)
    values = {
        "arguments": arguments,
        "imports": imports,
        "backends": blocks,
        "banners": "".join(_banner(b) for b in banners),
        "backend_hint": hint,
        "admin": re.escape(settings.ADMIN_URL),
        "recent_write": RECENT_WRITE_COOKIE,
        "cookies": _alternatives([settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, RECENT_WRITE_COOKIE]),
        "params": _alternatives(site_params()),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    assert "{{" not in text, "pagecache/varnish.vcl names a value build_vcl() does not fill"
    return text
