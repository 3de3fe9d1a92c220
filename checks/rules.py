"""The rules as data: load a TOML rules file, validate every rule, compile its patterns.

A rules file holds `[guidelines.<key>]` tables (name, url) and `[[rule]]`
tables; `extends = "default"` at the top loads the shipped file first, so a
site's file only adds its own rules. Every problem is an ImproperlyConfigured
naming the file, the rule and what is wrong: a bad rule stops start-up, it
never surfaces as a 500 while an editor types.

Imports no app: only the standard library and Django's exception.
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DEFAULT_RULES_FILE = Path(__file__).resolve().parent / "rules.toml"
SEVERITIES = ("block", "warn", "info")
# The parts of an article a rule may be limited to (a field's name before ":").
FIELD_KINDS = ("title", "summary", "body", "note", "quote", "alt")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+")

# Kinds matched in the text by one combined regular expression.
MATCH_KINDS = ("phrases", "regex", "proximity", "requires-content-note")
# Built-in kinds: code in the engine, parameters and wording in the file.
BUILTIN_KINDS = (
    "reading-grade",
    "long-sentence",
    "long-paragraph",
    "image-alt",
    "link-text",
    "heading-levels",
    "table-header",
    "statistic-without-citation",
    "citation-unused",
    "citation-unknown",
    "citation-https",
)
KINDS = MATCH_KINDS + BUILTIN_KINDS

COMMON_KEYS = {"id", "kind", "severity", "message", "guideline", "fields", "must_match", "must_not_match"}
KIND_KEYS = {
    "phrases": {"phrases", "case_sensitive", "exempt_in_citations"},
    "regex": {"pattern", "case_sensitive", "exempt_in_citations"},
    "proximity": {"phrases", "pattern", "near", "near_pattern", "within", "case_sensitive", "exempt_in_citations"},
    "requires-content-note": {"phrases", "pattern", "note_pattern"},
    "reading-grade": set(),
    "long-sentence": {"max_words", "limit"},
    "long-paragraph": {"max_words"},
    "image-alt": {"phrases"},
    "link-text": {"phrases"},
    "heading-levels": set(),
    "table-header": set(),
    "statistic-without-citation": {"pattern"},
    "citation-unused": set(),
    "citation-unknown": set(),
    "citation-https": set(),
}
# Parameters a kind needs, with their type.
REQUIRED = {
    "proximity": ("within",),
    "requires-content-note": ("note_pattern",),
    "long-sentence": ("max_words",),
    "long-paragraph": ("max_words",),
    "statistic-without-citation": ("pattern",),
}
# Where a kind looks when its rule names no fields.
DEFAULT_FIELDS = {
    "reading-grade": ("body",),
    "long-sentence": ("body",),
    "long-paragraph": ("body",),
    "image-alt": ("body", "note", "alt"),
    "link-text": ("body", "note"),
    "heading-levels": ("body",),
    "table-header": ("body", "note"),
    "statistic-without-citation": ("body",),
    "citation-unknown": ("body",),
}
_BACKREFERENCE_RE = re.compile(r"\\[1-9]|\(\?P=|\(\?P<")


@dataclass(frozen=True)
class Guideline:
    name: str
    url: str


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: str
    message: str
    guideline: Guideline
    fields: tuple = FIELD_KINDS
    pattern: str = ""  # the trigger, as a regular expression (phrases are compiled to one)
    near_pattern: str = ""
    within: int = 0
    note_pattern: str = ""
    case_sensitive: bool = False
    exempt_in_citations: bool = False
    phrases: tuple = ()
    max_words: int = 0
    limit: int = 0
    must_match: tuple = ()
    must_not_match: tuple = ()
    source: str = ""  # the file it came from

    def applies_to(self, field_name):
        return field_name.partition(":")[0] in self.fields

    def with_severity(self, severity):
        return Rule(**{**self.__dict__, "severity": severity})


@dataclass(frozen=True)
class Example:
    """One of a rule's examples: a text in a field, with the article around it."""

    text: str
    field: str = ""
    content_notes: tuple = ()
    citations: tuple = ()  # dicts with key, url, excerpt


@dataclass
class _Problem:
    path: Path
    rule: str = ""
    messages: list = field(default_factory=list)


def phrases_pattern(phrases):
    """Return one regular expression matching any of `phrases` as whole words.

    Spaces match any run of white space (Markdown masked to spaces, line
    breaks), an apostrophe matches ’ too, a hyphen matches a space or none.
    """
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        words = []
        for char in phrase.strip():
            if char.isspace():
                if words and words[-1] != r"\s+":
                    words.append(r"\s+")
            elif char in "'’":
                words.append("['’]")
            elif char in "-‐‑":
                words.append(r"[-‐‑\s]?")
            else:
                words.append(re.escape(char))
        parts.append("".join(words))
    return r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)"


def _error(path, rule_id, problem):
    where = f"rule {rule_id!r}" if rule_id else "the file"
    return ImproperlyConfigured(f"Checks rules file {path}: {where}: {problem}")


def _compile(path, rule_id, name, pattern, case_sensitive=False):
    if not isinstance(pattern, str) or not pattern:
        raise _error(path, rule_id, f"{name} must be a non-empty string")
    if _BACKREFERENCE_RE.search(pattern):
        raise _error(path, rule_id, f"{name} may not use named groups or backreferences (rules are combined)")
    try:
        re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise _error(path, rule_id, f"{name} is not a valid regular expression: {exc}") from exc
    if re.compile(pattern).match(""):
        raise _error(path, rule_id, f"{name} matches the empty string")
    return pattern


def _string_list(path, rule_id, name, value):
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise _error(path, rule_id, f"{name} must be a non-empty list of non-empty strings")
    return tuple(value)


def _examples(path, rule_id, name, value):
    if not isinstance(value, list):
        raise _error(path, rule_id, f"{name} must be a list")
    examples = []
    for item in value:
        if isinstance(item, str):
            examples.append(Example(text=item))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise _error(path, rule_id, f"each of {name} is a string or a table with a text")
        unknown = set(item) - {"text", "field", "content_notes", "citations"}
        if unknown:
            raise _error(path, rule_id, f"{name}: unknown example key(s) {', '.join(sorted(unknown))}")
        examples.append(
            Example(
                text=item["text"],
                field=item.get("field", ""),
                content_notes=tuple(item.get("content_notes", ())),
                citations=tuple(item.get("citations", ())),
            )
        )
    return tuple(examples)


def _positive_int(path, rule_id, name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _error(path, rule_id, f"{name} must be a positive whole number")
    return value


def _rule(path, data, guidelines, position):
    if not isinstance(data, dict):
        raise _error(path, f"#{position}", "each [[rule]] must be a table")
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not ID_RE.fullmatch(rule_id):
        shown = rule_id if isinstance(rule_id, str) else f"#{position}"
        raise _error(path, shown, "id must look like 'group/name' (lower case, digits and hyphens)")
    for key in ("kind", "severity", "message", "guideline"):
        if key not in data:
            raise _error(path, rule_id, f"missing field {key!r}")
    kind = data["kind"]
    if kind not in KINDS:
        raise _error(path, rule_id, f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    unknown = set(data) - COMMON_KEYS - KIND_KEYS[kind]
    if unknown:
        raise _error(path, rule_id, f"unknown field(s) for kind {kind!r}: {', '.join(sorted(unknown))}")
    if data["severity"] not in SEVERITIES:
        raise _error(path, rule_id, f"severity must be one of {', '.join(SEVERITIES)}, not {data['severity']!r}")
    if not isinstance(data["message"], str) or not data["message"].strip():
        raise _error(path, rule_id, "message must be a non-empty string")
    guideline = guidelines.get(data["guideline"]) if isinstance(data["guideline"], str) else None
    if guideline is None:
        raise _error(path, rule_id, f"guideline {data['guideline']!r} is not one of the [guidelines] tables")
    for key in REQUIRED.get(kind, ()):
        if key not in data:
            raise _error(path, rule_id, f"kind {kind!r} needs {key!r}")
    values = {"case_sensitive": bool(data.get("case_sensitive", False))}
    if kind in DEFAULT_FIELDS:
        values["fields"] = DEFAULT_FIELDS[kind]
    if "fields" in data:
        fields = _string_list(path, rule_id, "fields", data["fields"])
        bad = [f for f in fields if f not in FIELD_KINDS]
        if bad:
            raise _error(path, rule_id, f"unknown field name(s) {', '.join(bad)} (known: {', '.join(FIELD_KINDS)})")
        values["fields"] = fields
    if kind in MATCH_KINDS:
        if ("phrases" in data) == ("pattern" in data):
            raise _error(path, rule_id, f"kind {kind!r} needs either 'phrases' or 'pattern', not both")
        if "phrases" in data:
            values["pattern"] = phrases_pattern(_string_list(path, rule_id, "phrases", data["phrases"]))
        else:
            values["pattern"] = _compile(path, rule_id, "pattern", data["pattern"], values["case_sensitive"])
        values["exempt_in_citations"] = bool(data.get("exempt_in_citations", False))
    if kind == "proximity":
        if ("near" in data) == ("near_pattern" in data):
            raise _error(path, rule_id, "kind 'proximity' needs either 'near' or 'near_pattern', not both")
        if "near" in data:
            values["near_pattern"] = phrases_pattern(_string_list(path, rule_id, "near", data["near"]))
        else:
            values["near_pattern"] = _compile(path, rule_id, "near_pattern", data["near_pattern"])
        values["within"] = _positive_int(path, rule_id, "within", data["within"])
    if kind == "requires-content-note":
        values["note_pattern"] = _compile(path, rule_id, "note_pattern", data["note_pattern"])
    if kind == "statistic-without-citation":
        values["pattern"] = _compile(path, rule_id, "pattern", data["pattern"])
    if kind in ("image-alt", "link-text") and "phrases" in data:
        values["phrases"] = tuple(p.casefold() for p in _string_list(path, rule_id, "phrases", data["phrases"]))
    for key in ("max_words", "limit"):
        if key in data:
            values[key] = _positive_int(path, rule_id, key, data[key])
    return Rule(
        id=rule_id,
        kind=kind,
        severity=data["severity"],
        message=data["message"].strip(),
        guideline=guideline,
        must_match=_examples(path, rule_id, "must_match", data.get("must_match", [])),
        must_not_match=_examples(path, rule_id, "must_not_match", data.get("must_not_match", [])),
        source=str(path),
        **values,
    )


def load_rules_file(path, *, _seen=()):
    """Return the rules of the TOML file at `path` (and of the file it extends), in order."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except OSError as exc:
        raise ImproperlyConfigured(f"Checks rules file {path}: cannot be read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ImproperlyConfigured(f"Checks rules file {path}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"extends", "guidelines", "rule"}
    if unknown:
        raise _error(
            path, "", f"unknown top-level key(s) {', '.join(sorted(unknown))} (known: extends, guidelines, rule)"
        )
    rules, guidelines = [], {}
    if "extends" in data:
        if data["extends"] != "default":
            raise _error(path, "", 'extends may only be "default" (the shipped rules file)')
        if path.resolve() == DEFAULT_RULES_FILE or DEFAULT_RULES_FILE in _seen:
            raise _error(path, "", "the default rules file cannot extend itself")
        rules = load_rules_file(DEFAULT_RULES_FILE, _seen=(*_seen, path.resolve()))
        guidelines = _guidelines_of(DEFAULT_RULES_FILE)
    tables = data.get("guidelines", {})
    if not isinstance(tables, dict):
        raise _error(path, "", "[guidelines] must be a table of tables")
    for key, table in tables.items():
        if (
            not isinstance(table, dict)
            or set(table) != {"name", "url"}
            or not all(isinstance(v, str) and v for v in table.values())
        ):
            raise _error(path, "", f"guideline {key!r} needs exactly a name and a url")
        if not table["url"].startswith("https://"):
            raise _error(path, "", f"guideline {key!r}: url must start with https://")
        guidelines[key] = Guideline(name=table["name"], url=table["url"])
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise _error(path, "", "rules are [[rule]] tables")
    seen = {rule.id for rule in rules}
    for position, entry in enumerate(entries, start=1):
        rule = _rule(path, entry, guidelines, position)
        if rule.id in seen:
            raise _error(path, rule.id, "duplicate id (each rule id must be unique, the extended file's included)")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def _guidelines_of(path):
    with Path(path).open("rb") as stream:
        tables = tomllib.load(stream).get("guidelines", {})
    return {key: Guideline(name=t["name"], url=t["url"]) for key, t in tables.items()}


def apply_overrides(rules, overrides, *, setting="INTIMACYHUB_CHECKS"):
    """Return `rules` with each override ("off" or a severity) applied; an unknown id is an error."""
    if not isinstance(overrides, dict):
        raise ImproperlyConfigured(f"{setting} must be a dict of rule id to 'off', 'block', 'warn' or 'info'")
    known = {rule.id for rule in rules}
    for rule_id, value in overrides.items():
        if rule_id not in known:
            raise ImproperlyConfigured(f"{setting}: unknown rule {rule_id!r} (the rules file has no such id)")
        if value != "off" and value not in SEVERITIES:
            raise ImproperlyConfigured(
                f"{setting}: rule {rule_id!r}: {value!r} is not 'off', 'block', 'warn' or 'info'"
            )
    return [
        rule.with_severity(overrides[rule.id]) if rule.id in overrides else rule
        for rule in rules
        if overrides.get(rule.id) != "off"
    ]
