"""A reader finds their way around in a real browser: by mouse, by keyboard, and with JavaScript off."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import WIDTHS

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reader_goes_from_home_to_an_article_a_related_post_a_condition_and_the_archive(page, reader_site):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Intimacy and mental health, with sources")

    page.get_by_role("link", name="Talking with a partner about anxiety").first.click()
    expect(page).to_have_url(re.compile(r"/articles/talking-about-anxiety/$"))
    prose = page.locator(".prose")
    expect(prose.locator("table th").first).to_have_text("What you might say")
    expect(prose.locator("sup.citation-ref a")).to_have_attribute("href", "#cite-1")
    expect(page.locator(".pull-quote blockquote")).to_contain_text("Being heard is its own kind of rest.")

    page.get_by_role("region", name="Related posts").get_by_role("link", name="When worry comes to bed").click()
    expect(page).to_have_url(re.compile(r"/articles/when-worry-comes-to-bed/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("When worry comes to bed")

    page.locator(".conditions").get_by_role("link", name="Anxiety").click()
    expect(page).to_have_url(re.compile(r"/conditions/anxiety/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anxiety")
    expect(page.locator(".crisis-box")).to_be_visible()

    # The condition's "see all": its articles in the Recent Posts archive.
    page.get_by_role("link", name="Browse and search these in the archive").click()
    expect(page).to_have_url(re.compile(r"/articles/\?condition=anxiety$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Recent Posts")
    expect(page.locator("article.card")).to_have_count(12)

    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Older →").click()
    expect(page.locator(".pagination")).to_contain_text("Page 2")
    expect(page.locator("article.card")).to_have_count(4)
    expect(page.get_by_role("link", name="Anxiety note 14")).to_be_visible()
    expect(page.get_by_role("link", name="Still a draft")).to_have_count(0)


def test_see_all_on_the_home_page_leads_to_the_recent_posts_archive_and_its_second_page(page, reader_site):
    page.goto("/")
    page.get_by_role("link", name="See All").click()
    expect(page).to_have_url(re.compile(r"/articles/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Recent Posts")
    page.get_by_role("link", name="Older →").click()
    expect(page).to_have_title(re.compile(r"^Recent Posts, page 2"))
    expect(page.locator("article.card")).to_have_count(4)
    page.get_by_role("link", name="← Newer").click()
    expect(page.locator("article.card")).to_have_count(12)


def _focused(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName.toLowerCase(), text: (el.textContent || '').trim(), id: el.id,
                    inMain: !!el.closest('main'), outline: getComputedStyle(el).outlineStyle};
        }"""
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_users_get_a_visible_skip_link_that_moves_focus_to_the_content(width, page, reader_site):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/articles/talking-about-anxiety/")
    skip = page.get_by_role("link", name="Skip to content")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    on_screen = box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width
    assert on_screen, f"skip link is off-screen when focused: {box}"
    assert _focused(page)["outline"] != "none", "the focused skip link shows no focus ring"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main")).to_be_focused()

    # The next Tab lands inside the content, past the header's links.
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["inMain"], f"focus left the content after the skip link: {focused}"
    assert focused["text"] == "Sam Rivera", focused


def test_tab_order_follows_the_page_from_the_header_into_the_content(page, reader_site):
    page.goto("/")
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["outline"] != "none", f"no visible focus on {focused}"
        order.append(focused["text"])
    assert order[:7] == [
        "Skip to content",
        "IntimacyHub",
        "Articles",
        "Conditions",
        "Quotes",
        "Search",
        "Get help now",
    ]
    # After the header: the content, top to bottom (the featured quote's article, then the cards).
    assert order[7] == "Talking with a partner about anxiety"
    assert order[8] == "Talking with a partner about anxiety"
    assert order[9] == "When worry comes to bed"

    # "Get help now" takes a keyboard user straight to the crisis resources.
    page.goto("/")
    for _ in range(7):
        page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Get help now")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#crisis$"))
    expect(page.locator("#crisis")).to_be_in_viewport()


def test_every_public_page_works_with_javascript_disabled(new_context, public_pages):
    page = new_context(java_script_enabled=False).new_page()
    for path, status in public_pages:
        response = page.goto(path)
        assert response.status == status, path
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # The stylesheet loaded and applies: the header is laid out as a flex row.
        assert page.locator(".site-header .wrap").evaluate("el => getComputedStyle(el).display") == "flex", path
        expect(page.get_by_role("link", name="Skip to content")).to_have_count(1)

    # Links and forms are plain HTML: following them needs no script.
    page.goto("/")
    page.get_by_role("link", name="Talking with a partner about anxiety").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Talking with a partner about anxiety")
    page.get_by_role("link", name="See All").click()
    page.get_by_role("link", name="Older →").click()
    expect(page.locator("article.card")).to_have_count(4)
    page.get_by_role("search").get_by_role("searchbox").fill("worry")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=worry$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
