"""The production settings for app servers started by tests/test_app_servers.py.

Everything is intimacyhub/settings.py with DJANGO_DEBUG off, except that
static files are not looked up in a collectstatic manifest: the tests do not
run collectstatic into the checkout (which other test runs share).
"""

from intimacyhub.settings import *  # noqa: F403
from intimacyhub.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
