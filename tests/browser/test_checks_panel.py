"""The Checks panel in a real browser: the last save's findings, the live update as you type, the list's
filter; axe finds nothing serious in them, light or dark (issue 15)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import SCHEMES
from tests.browser.test_accessibility import BLOCKING_IMPACTS, describe
from tests.browser.test_editor_journeys import newsroom, sign_in  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def axe_on(page, axe_source, selector):
    # The admin fades link colours in (a CSS transition): judge the colours it settles on.
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    violations = page.evaluate(
        "async (selector) => (await axe.run(selector, {resultTypes: ['violations']})).violations", selector
    )
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


@pytest.fixture
def harmful(newsroom):  # noqa: F811
    from articles import services
    from articles.models import Article
    from tests.factories import ArticleFactory

    article = ArticleFactory(
        title="A story of recovery", status=Article.Status.DRAFT, published_at=None,
        content_notes=["suicide or self-harm"], body="<b>Kim</b> committed suicide in 2019.\n\nHelp is there.",
    )  # fmt: skip
    services.article_save(article=article, by=newsroom.users["edith"])
    clean = ArticleFactory(title="Quiet evenings", status=Article.Status.DRAFT, published_at=None, body="Rest helps.")
    services.article_save(article=clean, by=newsroom.users["edith"])
    return article


def test_the_panel_shows_the_last_save_and_updates_as_the_editor_types(new_context, harmful, axe_source, artifacts):
    page = new_context().new_page()
    sign_in(page, "edith")
    page.goto(reverse("admin:articles_article_change", args=[harmful.pk]))
    panel = page.locator("#checks-panel")
    expect(panel.get_by_role("heading", name="Blocks publication (1)")).to_be_visible()
    expect(panel.locator("mark", has_text="committed suicide")).to_be_visible()
    expect(panel.locator("q", has_text="<b>Kim</b>")).to_be_visible()  # editor text shown as text
    assert page.locator("#checks-panel b").count() == 0

    page.locator("#id_body").fill("😀 She felt so psycho, and died by suicide.\n\nHelp is there.")
    expect(panel.get_by_text("As you type:")).to_be_visible()
    expect(panel.locator("mark", has_text="committed suicide")).to_have_count(0)
    expect(panel.locator("mark", has_text="psycho")).to_be_visible()
    panel.get_by_role("button", name="Show in the text").first.click()
    selected = page.evaluate(
        "() => { const t = document.getElementById('id_body');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == "psycho"  # UTF-16 offsets, after an emoji

    failures = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=artifacts / f"checks-panel-{scheme}.png")
        blocking = axe_on(page, axe_source, "#checks-panel")
        if blocking:
            failures.append(f"{scheme}:\n{describe(blocking)}")
    assert not failures, "\n".join(failures)


def test_the_change_list_filters_articles_with_blocking_findings(new_context, harmful, axe_source):
    page = new_context().new_page()
    sign_in(page, "edith")
    page.goto(reverse("admin:articles_article_changelist"))
    expect(page.locator("td.field-open_findings", has_text="(1 blocking)")).to_have_count(1)
    page.get_by_role("link", name="Has blocking findings").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("A story of recovery")
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        # The filter and the column this issue adds (the admin's own search button and sort links are Django's).
        blocking = [
            *axe_on(page, axe_source, 'details[data-filter-title="editorial checks"]'),
            *axe_on(page, axe_source, "td.field-open_findings"),
        ]
        assert not blocking, f"{scheme}: " + describe(blocking)
