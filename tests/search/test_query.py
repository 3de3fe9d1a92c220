"""Parsing what readers type, with no database."""

from hypothesis import given
from hypothesis import strategies as st

from search.query import Clause, expand_synonyms, parse


def typed(text):
    parsed = parse(text)
    return [[c.text() for c in group] for group in parsed.groups], [c.text() for c in parsed.exclusions]


def test_words_phrases_exclusions_and_or():
    assert typed('Trust "couples therapy" -medication panic or worry') == (
        [["trust"], ['"couples therapy"'], ["panic", "worry"]],
        ["-medication"],
    )


def test_stop_words_are_dropped_but_kept_inside_phrases():
    assert typed('the trust of "want to die"') == ([["trust"], ['"want to die"']], [])


def test_hyphenated_words_are_phrases_not_exclusions():
    assert typed("self-harm") == ([['"self harm"']], [])


def test_operators_of_either_engine_are_just_separators():
    assert typed("trust:* & touch | !sleep <-> NEAR(a b) AND NOT ^x") == (
        [["trust"], ["touch"], ["sleep"], ['"near a"'], ["b"], ["x"]],
        [],
    )


def test_synonyms_are_added_to_the_group_that_names_a_condition():
    parsed = expand_synonyms(parse("ptsd sleep"), [("Post-traumatic stress disorder", ["PTSD"])])
    assert parsed.groups[0] == [Clause(("ptsd",)), Clause(("post", "traumatic", "stress", "disorder"), loose=True)]
    parsed = expand_synonyms(parse("post traumatic stress disorder"), [("Post-traumatic stress disorder", ["PTSD"])])
    full_name = Clause(("post", "traumatic", "stress", "disorder"), loose=True)
    assert parsed.groups == [[full_name, Clause(("ptsd",), loose=True)]]


@given(st.text(max_size=500))
def test_parsing_never_fails_and_yields_only_plain_words(text):
    parsed = parse(text)
    for group in parsed.groups:
        for clause in group:
            assert clause.words and all(w.isalnum() for w in clause.words)
