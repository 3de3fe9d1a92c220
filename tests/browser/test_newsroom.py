"""The newsroom in a real browser: IntimacyHub's admin, each role's desk, the article form laid out for writing
(preview beside the editor or below it, live word count, Tab out of the editor); axe finds nothing serious on
the desk or the form, light or dark, phone or desktop (issue 17)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import SCHEMES, WIDTHS
from tests.browser.test_accessibility import HEIGHTS, describe
from tests.browser.test_checks_panel import axe_on
from tests.browser.test_editor_journeys import PASSWORD, newsroom, sign_in  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(newsroom):  # noqa: F811
    """The newsroom with a Clinical reviewer, and an article for each of the desk's lists."""
    from articles.models import Article
    from articles.roles import REVIEWER
    from tests.factories import ArticleFactory, CorrectionFactory

    rhea = get_user_model().objects.create_user("rhea", password=PASSWORD, is_staff=True)
    rhea.groups.add(newsroom.users["edith"].groups.model.objects.get(name=REVIEWER))
    wren = newsroom.users["wren"]
    ArticleFactory(title="Wren's unfinished draft", status=Article.Status.DRAFT, published_at=None, created_by=wren)
    ArticleFactory(title="Ready for a second pair of eyes", status=Article.Status.REVIEW, published_at=None,
                   created_by=wren)  # fmt: skip
    ArticleFactory(title="Out on Friday", published_at=timezone.now() + dt.timedelta(days=2))
    ArticleFactory(title="Never clinically reviewed")
    CorrectionFactory(article=ArticleFactory(title="Fixed dose"), note="We gave the wrong dose; it is 50 mg.")
    return newsroom


def test_the_admin_is_intimacyhubs(page, desk):
    sign_in(page, "edith")
    expect(page.locator("#site-name")).to_have_text("IntimacyHub")
    expect(page).to_have_title("IntimacyHub newsroom | IntimacyHub")
    expect(page.get_by_text("Django administration")).to_have_count(0)
    # The reader site's accent colour, not Django's blue-grey.
    assert page.evaluate("getComputedStyle(document.getElementById('header')).backgroundColor") == "rgb(29, 91, 121)"
    expect(page.get_by_role("link", name="Access attempts")).to_have_count(0)
    page.get_by_role("link", name="Maintenance").click()
    expect(page.get_by_role("link", name="Article slug redirects")).to_be_visible()


@pytest.mark.parametrize(
    ("username", "sees", "does_not_see"),
    [
        ("wren", {"My drafts": "Wren's unfinished draft"}, ["Waiting for my review", "Clinical reviews overdue"]),
        (
            "edith",
            {
                "Waiting for my review": "Ready for a second pair of eyes",
                "Scheduled in the next 7 days": "Out on Friday",
                "Clinical reviews overdue": "Never clinically reviewed",
                "Recent corrections": "Fixed dose",
            },
            [],
        ),
        (
            "rhea",
            {
                "Waiting for my review": "Ready for a second pair of eyes",
                "Clinical reviews overdue": "Never clinically reviewed",
            },
            ["My drafts"],
        ),
    ],
)
def test_each_role_sees_its_lists_on_the_desk(new_context, desk, username, sees, does_not_see):
    page = new_context().new_page()
    sign_in(page, username)
    for heading, title in sees.items():
        panel = page.locator("section.desk-panel", has=page.get_by_role("heading", name=heading))
        expect(panel.get_by_role("link", name=title)).to_be_visible()
    for heading in does_not_see:
        expect(page.get_by_role("heading", name=heading)).to_have_count(0)
    if username == "wren":
        page.get_by_role("link", name="Wren's unfinished draft").click()
        expect(page.locator("#id_title")).to_have_value("Wren's unfinished draft")


def boxes(page):
    return page.locator("#id_body").bounding_box(), page.locator(".field-body .markdownx-preview").bounding_box()


def test_the_preview_sits_beside_the_editor_on_a_wide_screen_and_follows_the_typing(new_context, desk):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, "wren")
    page.goto(reverse("admin:articles_article_add"))
    page.locator("#id_body").press_sequentially("A **bold** start")
    preview = page.get_by_role("region", name="Preview of body")
    expect(preview.locator("strong")).to_have_text("bold")
    page.locator("#id_body").press_sequentially(" and a [link](https://example.org/).")
    expect(preview.get_by_role("link", name="link")).to_be_visible()
    editor, shown = boxes(page)
    assert shown["x"] >= editor["x"] + editor["width"], (editor, shown)  # to the right
    assert abs(shown["y"] - editor["y"]) < 5  # on the same line
    assert editor["width"] > 350 and shown["width"] > 350


def test_the_preview_goes_below_the_editor_on_a_phone(new_context, desk):
    page = new_context(viewport={"width": 375, "height": 812}).new_page()
    sign_in(page, "wren")
    page.goto(reverse("admin:articles_article_add"))
    page.locator("#id_body").press_sequentially("# Heading")
    expect(page.get_by_role("region", name="Preview of body").get_by_role("heading", name="Heading")).to_be_visible()
    editor, shown = boxes(page)
    assert shown["y"] >= editor["y"] + editor["height"], (editor, shown)  # below
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_the_word_count_and_reading_time_follow_the_typing_as_the_site_counts_them(page, desk):
    from articles.models import Article

    sign_in(page, "wren")
    page.goto(reverse("admin:articles_article_add"))
    stats = page.locator("#body-stats")
    expect(stats).to_have_text("0 words, about 1 minute to read")
    page.locator("#id_body").press_sequentially("One two  three")
    expect(stats).to_have_text("3 words, about 1 minute to read")
    # 500 words is 2.5 minutes at 200 a minute: Python rounds half to even, and so must the page.
    body = "word " * 499 + "end"
    page.locator("#id_body").fill(body)
    minutes = Article(body=body).reading_minutes
    assert minutes == 2
    expect(stats).to_have_text(f"500 words, about {minutes} minutes to read")
    assert "body-stats" in page.locator("#id_body").get_attribute("aria-describedby")


def test_the_keyboard_moves_through_the_writing_in_order_and_tab_leaves_the_editor(page, desk):
    sign_in(page, "wren")
    page.goto(reverse("admin:articles_article_add"))
    page.locator("#id_title").focus()
    page.keyboard.type("Keyboard only")
    page.keyboard.press("Tab")
    expect(page.locator("#id_summary")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_body")).to_be_focused()
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    expect(page.locator("#id_body")).not_to_be_focused()
    expect(page.locator("#id_body")).to_have_value("Typed without a mouse.")  # no tab character inserted
    expect(page.get_by_role("region", name="Preview of body")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#id_body")).to_be_focused()


@pytest.mark.parametrize("where", ["desk", "form"])
def test_axe_finds_nothing_serious_on_the_desk_and_the_form(new_context, desk, axe_source, artifacts, where):
    from articles.models import Article

    page = new_context().new_page()
    sign_in(page, "edith")
    article = Article.objects.get(title="Never clinically reviewed")
    path = reverse("admin:index") if where == "desk" else reverse("admin:articles_article_change", args=[article.pk])
    failures = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            page.goto(path)
            if where == "form":
                expect(page.locator(".field-body .markdownx-preview p")).to_have_count(1)  # the preview drawn
            page.screenshot(path=artifacts / f"newsroom-{where}-{width}-{scheme}.png", full_page=True)
            blocking = axe_on(page, axe_source, "body")
            if blocking:
                failures.append(f"{path} at {width}px, {scheme}:\n{describe(blocking)}")
    assert not failures, "\n".join(failures)
