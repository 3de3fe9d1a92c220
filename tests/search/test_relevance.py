"""What readers find: the same behaviour on SQLite and PostgreSQL."""

import pytest

import search
from tests.factories import ConditionFactory
from tests.search.conftest import titles

pytestmark = pytest.mark.django_db


def test_a_title_match_outranks_a_body_only_match(publish):
    publish("Notes on sleep", body="Loneliness, loneliness, loneliness: it keeps coming back to loneliness.")
    publish("Loneliness", body="A short piece.")
    publish("Grief", body="Nothing about it.")
    assert titles("loneliness") == ["Loneliness", "Notes on sleep"]


def test_a_summary_match_outranks_a_body_only_match(publish):
    publish("First", body="We talk about burnout here.")
    publish("Second", summary="Burnout at work", body="A short piece.")
    assert titles("burnout") == ["Second", "First"]


def test_every_word_must_match(publish):
    publish("Trust and touch", body="Touch builds trust.")
    publish("Trust alone", body="Only one of them.")
    assert titles("trust touch") == ["Trust and touch"]


def test_a_quoted_phrase_matches_only_those_words_in_that_order(publish):
    publish("In order", body="Couples therapy can help.")
    publish("Out of order", body="Therapy for couples can help.")
    assert titles('"couples therapy"') == ["In order"]
    assert sorted(titles("couples therapy")) == ["In order", "Out of order"]


def test_a_minus_sign_excludes_a_word(publish):
    publish("Sleep and mood", body="Sleep matters for mood.")
    publish("Sleep and medication", body="Sleep and medication interact.")
    assert titles("sleep -medication") == ["Sleep and mood"]
    assert titles('sleep -"and medication"') == ["Sleep and mood"]


def test_or_finds_either_word(publish):
    publish("Panic", body="About panic.")
    publish("Worry", body="About worry.")
    publish("Other", body="About something else.")
    assert sorted(titles("panic or worry")) == ["Panic", "Worry"]
    assert sorted(titles("panic OR worry")) == ["Panic", "Worry"]


def test_english_stemming_finds_other_forms_of_a_word(publish):
    publish("Plural", body="Relationships change over time.")
    assert titles("relationship") == ["Plural"]
    assert titles("relationships") == ["Plural"]


def test_case_and_accents_are_ignored(publish):
    publish("Cafe talk", body="A naïve question at the Café.")
    assert titles("CAFE naive") == ["Cafe talk"]
    assert titles("café NAÏVE") == ["Cafe talk"]


def test_a_condition_alias_finds_articles_using_the_full_name(publish, ptsd):
    publish("Full name", body="Living with post-traumatic stress disorder.")
    publish("Short name", body="Living with PTSD.")
    publish("Elsewhere", body="Living with something else.")
    assert sorted(titles("ptsd")) == ["Full name", "Short name"]
    assert sorted(titles("post-traumatic stress disorder")) == ["Full name", "Short name"]
    assert sorted(titles("post traumatic stress disorder")) == ["Full name", "Short name"]


def test_articles_filed_under_a_condition_are_found_by_its_name(publish, ptsd):
    publish("Filed", body="No names in the body.", conditions=[ptsd])
    assert titles("traumatic") == ["Filed"]


def test_conditions_named_by_the_query_are_shown_first(publish, ptsd):
    ConditionFactory(slug="anxiety", name="Anxiety", aliases=["GAD"])
    results = search.search("ptsd and sleep")
    assert [c.slug for c in results.conditions] == ["ptsd"]
    assert [c.slug for c in search.search("anxieties").conditions] == ["anxiety"]


def test_a_misspelled_word_gets_a_suggestion_from_the_sites_vocabulary(publish):
    publish("Living with depression", body="Depression is common.")
    results = search.search("depresion")
    assert results.total == 0
    assert results.suggestion == "depression"


def test_only_misspelled_words_are_corrected_and_the_query_keeps_its_shape(publish):
    publish("Living with depression", body="Depression and sleep.")
    assert search.search("sleep depresion").suggestion == "sleep depression"


def test_no_suggestion_when_the_query_finds_enough(publish):
    for n in range(3):
        publish(f"Depression {n}", body="Depression.")
    assert search.search("depression").suggestion == ""


def test_results_are_paged_ten_at_a_time_with_a_count(publish):
    for n in range(23):
        publish(f"Resilience {n:02}", body="Resilience.")
    first = search.search("resilience")
    assert first.total == 23 and len(first.hits) == 10 and first.page.paginator.num_pages == 3
    third = search.search("resilience", page="3")
    assert len(third.hits) == 3
    seen = {h.article.title for p in (1, 2, 3) for h in search.search("resilience", page=p).hits}
    assert len(seen) == 23


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "", "1.5", "last"])
def test_any_page_value_gives_a_page(publish, page):
    for n in range(12):
        publish(f"Resilience {n:02}", body="Resilience.")
    assert search.search("resilience", page=page).hits


def test_the_condition_filter_keeps_only_articles_filed_under_it(publish, ptsd):
    other = ConditionFactory(slug="grief", name="Grief")
    publish("Sleep and trauma", body="Sleep.", conditions=[ptsd])
    publish("Sleep and grief", body="Sleep.", conditions=[other])
    assert titles("sleep", condition="ptsd") == ["Sleep and trauma"]
    unknown = search.search("sleep", condition="no-such-thing")
    assert unknown.unknown_condition and unknown.total == 0


def test_crisis_words_are_recognised_whatever_their_spelling(settings):
    settings.INTIMACYHUB_CRISIS_QUERY_TERMS = ["want to die", "self harm", "suicide"]
    for query in ("I want to die", "SELF-HARM", "self   harm", "Suicide", "suicide prevention"):
        assert search.search(query).crisis, query
    for query in ("anxiety", "dieting", "selfish harmony", ""):
        assert not search.search(query).crisis, query


def test_empty_and_stop_word_queries_get_a_helpful_message():
    assert "Type a word" in search.search("").message
    assert "too common" in search.search("the and of").message
    assert "too common" in search.search("-anxiety").message
