"""The key a page is stored under: the release, the content generation and the URL.

The release's fingerprint is part of every key, so a new release never
serves pages rendered by the previous one from a shared (Redis) cache.
"""

import functools
import hashlib
from pathlib import Path

from django.apps import apps
from django.conf import settings


@functools.cache
def deployment_fingerprint():
    """Return a digest of this release: templates, the project's code, pinned packages, static manifest.

    Part of every key, so that a new release never serves pages rendered by
    the previous one from a shared (Redis) cache: they could name static
    files that no longer exist.
    """
    base = Path(settings.BASE_DIR)
    roots = {Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])}
    roots |= {Path(app.path) for app in apps.get_app_configs()}
    # Installed packages count through requirements.txt, not file by file.
    roots = sorted(r for r in roots if r.is_relative_to(base) and "site-packages" not in r.parts)
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".xml", ".json"} and path.is_file():
                digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    for path in (base / "requirements.txt", Path(settings.STATIC_ROOT) / "staticfiles.json"):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_key(url, token):
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"page:{deployment_fingerprint()}:{token:x}:{digest}"
