"""A reader searches with a typo, takes the suggestion, and sees the matching words highlighted."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_misspelt_search_suggests_the_right_word_and_highlights_it_in_the_results(page, reader_site):
    page.goto("/articles/")
    page.get_by_label("Search articles").fill("partnr")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=partnr$"))

    suggestion = page.locator(".suggestion")
    expect(suggestion).to_contain_text("Did you mean")
    suggestion.get_by_role("link", name="partner").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=partner$"))
    expect(page.get_by_label("Search the articles")).to_have_value("partner")

    hits = page.locator("article.search-hit")
    expect(hits.first.locator("h2 a")).to_have_text("Talking with a partner about anxiety")
    marks = hits.first.locator(".snippet mark")
    expect(marks.first).to_be_visible()
    assert {text.lower() for text in marks.all_inner_texts()} == {"partner"}
    expect(page.get_by_role("link", name="Still a draft")).to_have_count(0)

    hits.first.locator("h2 a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Talking with a partner about anxiety")
