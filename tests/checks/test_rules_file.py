"""A malformed rules file or setting is a clear ImproperlyConfigured at start-up (issue 15)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from checks.config import active_rules
from checks.engine import Document, run_checks
from checks.rules import DEFAULT_RULES_FILE, apply_overrides, load_rules_file

ROOT = Path(__file__).resolve().parents[2]
GUIDELINE = '[guidelines.g]\nname = "A guideline"\nurl = "https://example.org/guide"\n'
RULE = """
[[rule]]
id = "{id}"
kind = "{kind}"
severity = "{severity}"
message = "Say it another way."
guideline = "g"
{extra}
"""


def rules_file(tmp_path, *rules, head=GUIDELINE):
    path = tmp_path / "rules.toml"
    body = "".join(
        RULE.format(
            id=r.get("id", "site/rule"),
            kind=r.get("kind", "phrases"),
            severity=r.get("severity", "warn"),
            extra=r.get("extra", 'phrases = ["frobnicate"]'),
        )
        for r in rules
    )
    path.write_text(head + body, encoding="utf-8")
    return path


def problem(path):
    with pytest.raises(ImproperlyConfigured) as caught:
        load_rules_file(path)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_a_valid_file_loads(tmp_path):
    [rule] = load_rules_file(rules_file(tmp_path, {}))
    assert (rule.id, rule.kind, rule.severity, rule.guideline.url) == (
        "site/rule",
        "phrases",
        "warn",
        "https://example.org/guide",
    )


def test_bad_toml_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nid = "unterminated\n')
    assert "not valid TOML" in problem(path) and "line 2" in problem(path)


def test_an_unknown_kind_names_the_rule(tmp_path):
    message = problem(rules_file(tmp_path, {"id": "site/odd", "kind": "vibes"}))
    assert "rule 'site/odd'" in message and "unknown kind 'vibes'" in message


def test_a_bad_regex_names_the_rule_and_the_error(tmp_path):
    message = problem(rules_file(tmp_path, {"id": "site/re", "kind": "regex", "extra": "pattern = '(unclosed'"}))
    assert "rule 'site/re'" in message and "not a valid regular expression" in message


def test_a_missing_field_is_named(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(GUIDELINE + '[[rule]]\nid = "site/x"\nkind = "phrases"\nphrases = ["a"]\nguideline = "g"\n')
    message = problem(path)
    assert "rule 'site/x'" in message and "missing field 'severity'" in message


def test_a_duplicate_id_is_named(tmp_path):
    message = problem(rules_file(tmp_path, {"id": "site/twice"}, {"id": "site/twice"}))
    assert "rule 'site/twice'" in message and "duplicate id" in message


def test_a_bad_severity_is_named(tmp_path):
    message = problem(rules_file(tmp_path, {"id": "site/loud", "severity": "panic"}))
    assert "rule 'site/loud'" in message and "severity must be one of block, warn, info" in message


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"extra": 'phrases = ["a"]\nguideline_url = "x"'}, "unknown field(s) for kind 'phrases': guideline_url"),
        ({"kind": "proximity", "extra": 'phrases = ["a"]\nnear = ["b"]'}, "needs 'within'"),
        ({"kind": "regex", "extra": "pattern = '(a)\\1'"}, "backreferences"),
        ({"kind": "regex", "extra": "pattern = 'a*'"}, "matches the empty string"),
        ({"extra": 'phrases = ["a"]\nfields = ["footer"]'}, "unknown field name(s) footer"),
        ({"id": "NoGroup"}, "id must look like 'group/name'"),
    ],
)
def test_other_mistakes_are_named_too(tmp_path, rule, expected):
    assert expected in problem(rules_file(tmp_path, rule))


def test_an_unknown_guideline_is_named(tmp_path):
    message = problem(rules_file(tmp_path, {}, head=""))
    assert "guideline 'g' is not one of the [guidelines] tables" in message


def test_a_site_file_extends_the_shipped_rules(tmp_path):
    path = rules_file(tmp_path, {"id": "house/no-jargon"}, head='extends = "default"\n' + GUIDELINE)
    site_rule = RULE.format(id="house/x", kind="phrases", severity="info", extra='phrases = ["x"]')
    (tmp_path / "uses-shipped.toml").write_text('extends = "default"\n' + site_rule.replace('"g"', '"mind"'))
    rules = load_rules_file(path)
    shipped = load_rules_file(DEFAULT_RULES_FILE)
    assert [r.id for r in rules] == [r.id for r in shipped] + ["house/no-jargon"]
    # A site's rule may name a shipped guideline.
    assert load_rules_file(tmp_path / "uses-shipped.toml")[-1].guideline.url.startswith("https://www.mind.org.uk/")


def test_a_site_file_may_not_reuse_a_shipped_id(tmp_path):
    path = rules_file(tmp_path, {"id": "language/derogatory-term"}, head='extends = "default"\n' + GUIDELINE)
    assert "duplicate id" in problem(path)


def test_overrides_switch_rules_off_and_change_severity():
    rules = load_rules_file(DEFAULT_RULES_FILE)
    changed = apply_overrides(rules, {"language/suffers-from": "off", "language/derogatory-term": "block"})
    by_id = {rule.id: rule for rule in changed}
    assert "language/suffers-from" not in by_id
    assert by_id["language/derogatory-term"].severity == "block"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"language/no-such-rule": "off"}, "unknown rule 'language/no-such-rule'"),
        ({"language/suffers-from": "loud"}, "'loud'"),
    ],
)
def test_a_bad_override_is_a_clear_error(overrides, expected):
    with pytest.raises(ImproperlyConfigured, match="INTIMACYHUB_CHECKS") as caught:
        apply_overrides(load_rules_file(DEFAULT_RULES_FILE), overrides)
    assert expected in str(caught.value)


def test_settings_reach_the_active_rules(settings):
    document = Document(fields={"body": "She suffers from anxiety. He was a psycho."})
    settings.INTIMACYHUB_CHECKS = {"language/suffers-from": "off", "language/derogatory-term": "block"}
    findings = {f.rule: f.severity for f in run_checks(document)}
    assert "language/suffers-from" not in findings
    assert findings["language/derogatory-term"] == "block"
    settings.INTIMACYHUB_CHECKS = {}
    assert {f.rule: f.severity for f in run_checks(document)}["language/suffers-from"] == "warn"


def test_a_bad_setting_stops_the_app_at_ready(settings, tmp_path):
    config = apps.get_app_config("checks")
    settings.INTIMACYHUB_CHECKS = {"language/no-such-rule": "off"}
    with pytest.raises(ImproperlyConfigured, match="unknown rule 'language/no-such-rule'"):
        config.ready()
    settings.INTIMACYHUB_CHECKS = {}
    settings.INTIMACYHUB_RULES_FILE = rules_file(tmp_path, {"severity": "panic"})
    with pytest.raises(ImproperlyConfigured, match="severity must be one of"):
        config.ready()
    settings.INTIMACYHUB_RULES_FILE = DEFAULT_RULES_FILE
    settings.INTIMACYHUB_READING_GRADE = 0
    with pytest.raises(ImproperlyConfigured, match="INTIMACYHUB_READING_GRADE"):
        active_rules()


def test_manage_py_check_fails_with_the_rule_and_the_problem(tmp_path):
    path = rules_file(tmp_path, {"id": "site/loud", "severity": "panic"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1", "INTIMACYHUB_RULES_FILE": str(path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Checks rules file {path}: rule 'site/loud': severity must be one of block, warn, info" in result.stderr
