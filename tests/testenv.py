"""Loaded by pytest before Django (see `-p tests.testenv` in pyproject.toml).

Tests run with the development settings' conveniences (no HTTPS redirect, a
development secret key); production settings are tested in subprocesses.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
