"""The engine on whole documents: offsets through Markdown, citations, content notes, readability."""

import pytest

from checks import readability
from checks.compiled import CompiledRules
from checks.engine import Citation, Document, run_checks
from checks.rules import DEFAULT_RULES_FILE, load_rules_file

COMPILED = CompiledRules(load_rules_file(DEFAULT_RULES_FILE))
NOTES = ("suicide or self-harm",)


def check(body, **document):
    document = Document(fields={"body": body, **document.pop("fields", {})}, **document)
    findings = run_checks(document, rules=COMPILED)
    for finding in findings:
        assert document.source(finding.field)[finding.start : finding.end] == finding.text
    return findings


def rules_of(findings):
    return {f.rule for f in findings}


def test_offsets_point_into_the_source_through_markdown_syntax():
    body = "## Über uns\n\n> Sie hat **committed** _suicide_, “sagte” er.[^a]\n\n- [crazy](https://x.org) ünd psycho"
    findings = check(body, content_notes=NOTES, citations=(Citation(key="a"),))
    by_rule = {f.rule: f for f in findings}
    assert by_rule["safe-messaging/committed-suicide"].text == "committed** _suicide"
    assert by_rule["language/derogatory-term"].text in {"crazy", "psycho"}
    assert {f.text for f in findings if f.rule == "language/derogatory-term"} == {"crazy", "psycho"}


def test_offsets_count_characters_not_bytes_after_non_ascii_text():
    body = "Ça va 🙂 — naïve café. My ex was a psycho."
    [finding] = [f for f in check(body) if f.rule == "language/derogatory-term"]
    assert (finding.start, finding.end) == (body.index("psycho"), body.index("psycho") + len("psycho"))


def test_a_character_that_lengthens_when_lowered_does_not_shift_offsets():
    body = "İstanbul: he committed suicide there."
    [finding] = [f for f in check(body, content_notes=NOTES) if f.rule == "safe-messaging/committed-suicide"]
    assert finding.text == "committed suicide"


def test_a_link_target_and_code_are_not_prose():
    body = "See [the study](https://example.org/crazy-psycho) and `crazy_flag`.\n\n```\ninsane = True\n```"
    assert "language/derogatory-term" not in rules_of(check(body))


def test_words_the_issue_names_as_fine_are_not_flagged():
    body = (
        "Bipolar disorder and obsessive-compulsive disorder (OCD) are treatable. People with bipolar disorder "
        "may have a manic episode; antipsychotic medication and psychotherapy help. A psychotic episode is not "
        "a character flaw. Schizophrenia is a medical condition."
    )
    assert not {r for r in rules_of(check(body)) if r.startswith("language/")}


def test_a_quote_of_the_articles_own_citation_is_exempt_from_language_rules_only():
    body = "The 1999 report said: “patients suffering from psychosis are lunatics who committed suicide”[^r]."
    findings = rules_of(check(body, content_notes=NOTES, citations=(Citation(key="r"),)))
    assert "language/derogatory-term" not in findings
    assert "language/suffers-from" not in findings
    assert "safe-messaging/committed-suicide" in findings  # safe messaging has no exemption


def test_a_quote_followed_by_an_unknown_reference_is_not_exempt():
    body = "The report said: “they are lunatics”[^nope]."
    assert "language/derogatory-term" in rules_of(check(body, citations=(Citation(key="r"),)))


def test_a_block_quote_carrying_a_citation_reference_and_a_citation_excerpt_are_exempt():
    excerpt = "Participants who were crazy about exercise slept better."
    body = f"> Many sufferers improved.[^r]\n\nAs one study put it, {excerpt}\n\nMy ex was a psycho."
    findings = check(body, citations=(Citation(key="r", excerpt=excerpt),))
    assert [f.text for f in findings if f.rule.startswith("language/")] == ["psycho"]


def test_featured_quotes_and_titles_are_checked_too():
    findings = check("", fields={"title": "Why I committed suicide twice", "quote:1": "He was a lunatic."})
    assert {(f.rule, f.field) for f in findings} >= {
        ("safe-messaging/committed-suicide", "title"),
        ("language/derogatory-term", "quote:1"),
    }


def test_the_content_note_rule_blocks_once_at_the_first_mention():
    findings = check("Suicide is preventable. Suicide prevention works.", fields={"summary": "On suicide."})
    notes = [f for f in findings if f.rule == "safe-messaging/content-note-suicide"]
    assert [(f.field, f.text, f.severity) for f in notes] == [("body", "Suicide", "block")]
    assert not [f for f in check("Suicide is preventable.", content_notes=NOTES) if "content-note" in f.rule]


def test_the_self_harm_note_is_separate_from_the_suicide_note():
    findings = check("Self-harm is a way of coping.", content_notes=("suicide",))
    assert "safe-messaging/content-note-self-harm" in rules_of(findings)


def test_a_reference_at_a_paragraphs_end_cites_its_statistics():
    # The reference is masked out of the paragraph's prose; it still counts.
    assert "sources/statistic-without-citation" not in rules_of(
        check("One in five adults is affected.[^a]\n\nNext.", citations=(Citation(key="a"),))
    )
    assert "sources/statistic-without-citation" in rules_of(
        check("One in five adults is affected.\n\nNext.[^a]", citations=(Citation(key="a"),))
    )


def test_findings_are_in_field_order_then_by_position():
    findings = check(
        "He was a psycho. He committed suicide.",
        fields={"title": "Crazy"},
        content_notes=NOTES,
    )
    assert [f.field for f in findings][:1] == ["body"]  # "body" comes first: it is the first field given
    positions = [(f.field, f.start) for f in findings if f.field == "body"]
    assert positions == sorted(positions)


def test_an_empty_alt_text_takes_a_library_images_own():
    assert "accessibility/image-alt" not in rules_of(check("![](image:couple)", images={"couple": "Two people"}))
    assert "accessibility/image-alt" in rules_of(check("![](image:missing)"))


def test_the_reading_grade_uses_the_target_from_the_compiled_rules():
    body = "We help people. " * 5 + "Psychotherapeutic interventions demonstrate considerable effectiveness."
    strict = CompiledRules(load_rules_file(DEFAULT_RULES_FILE), reading_grade=1)
    lenient = CompiledRules(load_rules_file(DEFAULT_RULES_FILE), reading_grade=18)
    document = Document(fields={"body": body})
    assert "plain-language/reading-grade" in rules_of(run_checks(document, rules=strict))
    assert "plain-language/reading-grade" not in rules_of(run_checks(document, rules=lenient))
    [finding] = [f for f in run_checks(document, rules=strict) if f.rule == "plain-language/reading-grade"]
    assert finding.text == "Psychotherapeutic interventions demonstrate considerable effectiveness."


def test_grades_agree_with_textstat_on_plain_prose():
    import textstat

    text = (
        "Intimacy can help to reduce symptoms of anxiety and depression. People who feel close to someone "
        "often sleep better. Talking openly with a partner builds trust over time. Consent matters in every "
        "relationship, and it can be withdrawn at any moment."
    )
    ours = readability.grades(readability.analyse(text).sentences)
    assert ours.flesch_kincaid == pytest.approx(textstat.flesch_kincaid_grade(text), abs=0.6)
    assert ours.smog == pytest.approx(textstat.smog_index(text), abs=0.6)


def test_syllables_never_reach_for_the_network(monkeypatch):
    import nltk
    import textstat.backend.counts._count_syllables as counting
    from textstat.backend.utils._get_cmudict import get_cmudict as textstats_own

    def refuse(*args, **kwargs):
        raise AssertionError("textstat tried to download the CMU dictionary")

    # As in a fresh process: textstat's own loader, nothing counted yet.
    textstats_own.cache_clear()
    monkeypatch.setattr(counting, "get_cmudict", textstats_own)
    monkeypatch.setattr(readability, "_textstat", None)
    monkeypatch.setattr(readability, "_syllables", {})
    monkeypatch.setattr(readability, "_polysyllabic", {})
    monkeypatch.setattr(nltk, "download", refuse)
    grades = readability.grades(readability.analyse("Extraordinary circumstances require patience.").sentences)
    assert grades.flesch_kincaid > 10
    assert readability.syllable_count("extraordinary") == 6


def test_a_match_right_after_a_one_letter_word_is_found():
    # Words are looked up by their first three characters, which here run into the next word ("a p").
    assert [f.text for f in check("I was a psycho, a schizo.") if f.rule == "language/derogatory-term"] == [
        "psycho",
        "schizo",
    ]
