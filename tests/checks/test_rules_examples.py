"""Every rule of the shipped rules file, run on its own examples (issue 15).

The examples live beside each rule in checks/rules.toml: a rule added there is
tested here without a line of Python.
"""

import pytest

from checks.compiled import CompiledRules
from checks.engine import Citation, Document, run_checks
from checks.rules import DEFAULT_RULES_FILE, load_rules_file

RULES = load_rules_file(DEFAULT_RULES_FILE)
COMPILED = CompiledRules(RULES)


def _document(rule, example):
    field = example.field or ("body" if rule.applies_to("body") else rule.fields[0])
    return Document(
        fields={field: example.text},
        content_notes=example.content_notes,
        citations=tuple(Citation(**citation) for citation in example.citations),
    )


def _cases(attribute):
    return [
        pytest.param(rule, example, id=f"{rule.id}:{number}")
        for rule in RULES
        for number, example in enumerate(getattr(rule, attribute), start=1)
    ]


def assert_offsets_point_at_the_text(document, findings):
    for finding in findings:
        assert document.source(finding.field)[finding.start : finding.end] == finding.text, finding
        assert finding.text.strip() == finding.text


@pytest.mark.parametrize(("rule", "example"), _cases("must_match"))
def test_the_rule_finds_its_must_match_example(rule, example):
    document = _document(rule, example)
    findings = run_checks(document, rules=COMPILED)
    assert [f for f in findings if f.rule == rule.id], f"{rule.id} missed {example.text!r}"
    assert_offsets_point_at_the_text(document, findings)


@pytest.mark.parametrize(("rule", "example"), _cases("must_not_match"))
def test_the_rule_passes_its_must_not_match_example(rule, example):
    document = _document(rule, example)
    findings = run_checks(document, rules=COMPILED)
    assert not [f for f in findings if f.rule == rule.id], f"{rule.id} flagged {example.text!r}"
    assert_offsets_point_at_the_text(document, findings)


def test_every_rule_has_examples_both_ways():
    missing = [rule.id for rule in RULES if not rule.must_match or not rule.must_not_match]
    assert not missing


def test_the_shipped_rules_cover_every_group_the_issue_names():
    groups = {rule.id.split("/")[0] for rule in RULES}
    assert groups == {"safe-messaging", "language", "plain-language", "accessibility", "sources"}


def test_every_guideline_is_a_public_https_page_with_a_name():
    for rule in RULES:
        assert rule.guideline.url.startswith("https://"), rule.id
        assert rule.guideline.name.strip(), rule.id


def test_language_rules_and_only_they_are_exempt_in_citations():
    exempt = {rule.id for rule in RULES if rule.exempt_in_citations}
    assert exempt == {rule.id for rule in RULES if rule.id.startswith("language/")}


def test_every_shipped_text_rule_is_indexed_by_its_first_letters():
    # A rule without known first letters costs a pass of its own over the text.
    assert COMPILED.unindexed == []
