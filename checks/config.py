"""The site's active rules: the rules file, INTIMACYHUB_CHECKS and INTIMACYHUB_READING_GRADE.

Loaded once per process (at start-up, by ChecksConfig.ready()) and again
after a test changes one of those settings.
"""

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from checks.compiled import CompiledRules
from checks.rules import DEFAULT_RULES_FILE, apply_overrides, load_rules_file

SETTINGS = ("INTIMACYHUB_RULES_FILE", "INTIMACYHUB_CHECKS", "INTIMACYHUB_READING_GRADE")
_lock = threading.Lock()
_active = None


def load_active_rules():
    """Load, validate and compile the rules the settings ask for; raise ImproperlyConfigured if anything is wrong."""
    path = getattr(settings, "INTIMACYHUB_RULES_FILE", None) or DEFAULT_RULES_FILE
    rules = load_rules_file(path)
    rules = apply_overrides(rules, getattr(settings, "INTIMACYHUB_CHECKS", None) or {})
    grade = getattr(settings, "INTIMACYHUB_READING_GRADE", 8)
    if isinstance(grade, bool) or not isinstance(grade, int | float) or not 1 <= grade <= 18:
        raise ImproperlyConfigured(f"INTIMACYHUB_READING_GRADE must be a school grade from 1 to 18, not {grade!r}")
    return CompiledRules(rules, reading_grade=grade)


def active_rules():
    global _active
    if _active is None:
        with _lock:
            if _active is None:
                _active = load_active_rules()
    return _active


def forget_rules(*, setting=None, **kwargs):
    global _active
    if setting in SETTINGS:
        _active = None
