"""Text is never lost, in a real browser: autosave and the restore offer after a closed browser, an
unreachable server and an expired session; axe finds nothing serious in the offer, light or dark (issue 17)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import SCHEMES, WIDTHS
from tests.browser.test_accessibility import describe
from tests.browser.test_checks_panel import axe_on
from tests.browser.test_editor_journeys import PASSWORD, newsroom, sign_in  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

ADD = reverse("admin:articles_article_add")
MID_SENTENCE = "Closeness can feel hard when worry is loud, and the words we reach for ar"


def change(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def stored(newsroom):  # noqa: F811
    from articles import services
    from articles.models import Article
    from tests.factories import ArticleConditionFactory, ArticleFactory

    article = ArticleFactory(
        title="Worry and closeness", body="Closeness can feel hard.", status=Article.Status.DRAFT, published_at=None
    )
    ArticleConditionFactory(article=article, condition=newsroom.anxiety, note="Worry can crowd out desire.")
    return services.article_save(article=article, by=newsroom.users["edith"])


def offer_of(page):
    return page.get_by_role("region", name=re.compile("Unsaved text from"))


def wait_for_server_copy(page):
    expect(page.locator(".autosave-status")).to_contain_text("Saved a draft copy at")


def test_a_new_article_typed_in_a_browser_that_closed_is_offered_back(new_context, newsroom, axe_source, artifacts):  # noqa: F811
    from articles.models import Article, Autosave

    context = new_context()
    page = context.new_page()
    sign_in(page, "edith")
    page.goto(ADD)
    page.locator("#id_title").fill("Worry and closeness")
    page.locator("#id_body").fill(MID_SENTENCE)
    wait_for_server_copy(page)
    context.close()  # the crash: this browser's storage is gone with it
    assert not Article.objects.exists()

    page = new_context().new_page()
    sign_in(page, "edith")
    page.goto(ADD)
    offer = offer_of(page)
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("kept on the server")
    expect(offer.locator("dt")).to_have_text(
        ["Title", "Body", "Slug"]
    )  # the form's order: the slug is under Publishing
    expect(offer.locator("dd").nth(1).locator("ins").last).to_have_text(MID_SENTENCE)  # the body's
    expect(page.locator("#id_body")).to_have_value("")  # nothing is filled until the editor says so

    failures = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            offer.screenshot(path=artifacts / f"autosave-offer-{width}-{scheme}.png")
            blocking = axe_on(page, axe_source, "#autosave")
            if blocking:
                failures.append(f"{width}px, {scheme}:\n{describe(blocking)}")
    assert not failures, "\n".join(failures)
    page.set_viewport_size({"width": 1280, "height": 900})

    offer.get_by_role("button", name="Restore").click()
    expect(offer).to_be_hidden()
    expect(page.locator("#id_title")).to_have_value("Worry and closeness")
    expect(page.locator("#id_slug")).to_have_value("worry-and-closeness")
    expect(page.locator("#id_body")).to_have_value(MID_SENTENCE)
    assert not Article.objects.exists()  # restoring fills the form; saving is the editor's choice

    page.locator("#id_body").fill(MID_SENTENCE + "e enough.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    assert Article.objects.get().body == MID_SENTENCE + "e enough."
    assert not Autosave.objects.exists()
    assert page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('intimacyhub:autosave:'))") == []
    # The add form is empty again: nothing left to offer.
    page.goto(ADD)
    expect(page.locator("#autosave")).to_be_attached()
    page.wait_for_load_state("networkidle")
    expect(offer_of(page)).to_have_count(0)


def test_an_existing_article_is_offered_back_and_the_version_check_still_protects_others(
    new_context,
    newsroom,  # noqa: F811
    stored,
):
    from articles import services
    from articles.models import Article, Autosave

    context = new_context()
    page = context.new_page()
    sign_in(page, "edith")
    page.goto(change(stored))
    page.locator("#id_body").fill(MID_SENTENCE)
    page.locator("#id_condition_links-0-note").fill("Worry can crowd out desire, and re")
    wait_for_server_copy(page)
    context.close()
    assert Article.objects.get(pk=stored.pk).body == "Closeness can feel hard."

    # Meanwhile a colleague saves a new title.
    theirs = Article.objects.get(pk=stored.pk)
    theirs.title = "Worry, closeness and rest"
    services.article_save(article=theirs, by=newsroom.users["eddie"])

    page = new_context().new_page()
    sign_in(page, "edith")
    page.goto(change(stored))
    offer = offer_of(page)
    expect(offer).to_contain_text(f"has been saved since (version {stored.version} is now {stored.version + 1})")
    expect(offer.locator("dt")).to_have_text(["Body", "Condition note 1"])  # their title is not mine to offer
    expect(offer.locator("del")).to_have_text(["hard.", "desire."])
    expect(offer.locator("ins")).to_have_text(
        ["hard when worry is loud, and the words we reach for ar", "desire, and re"]
    )
    offer.get_by_role("button", name="Restore").click()
    expect(page.locator("#id_body")).to_have_value(MID_SENTENCE)
    expect(page.locator("#id_condition_links-0-note")).to_have_value("Worry can crowd out desire, and re")
    expect(page.locator("#id_title")).to_have_value("Worry, closeness and rest")

    # The text was typed over the older version: saving shows what the colleague changed first, text kept.
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errornote, .errorlist")).to_contain_text(["eddie saved this article"])
    expect(page.locator("#id_body")).to_have_value(MID_SENTENCE)
    assert Article.objects.get(pk=stored.pk).body == "Closeness can feel hard."
    page.get_by_role("button", name="Save and continue editing").click()  # a second, deliberate save
    expect(page.locator(".messagelist .success")).to_be_visible()
    saved = Article.objects.get(pk=stored.pk)
    assert (saved.title, saved.body) == ("Worry, closeness and rest", MID_SENTENCE)
    assert not Autosave.objects.exists()


def test_text_sent_back_with_errors_then_lost_is_offered_back_whole(new_context, stored):
    context = new_context()
    page = context.new_page()
    sign_in(page, "edith")
    page.goto(change(stored))
    page.locator("#id_body").fill(MID_SENTENCE)
    page.locator("#id_title").fill("")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errornote")).to_be_visible()  # not saved: the title is required
    page.locator("#id_summary").fill("What helps wh")
    wait_for_server_copy(page)
    context.close()

    page = new_context().new_page()
    sign_in(page, "edith")
    page.goto(change(stored))
    offer = offer_of(page)
    # The body typed before the refused save too, not only what was typed after it.
    expect(offer.locator("dt")).to_have_text(["Title", "Summary", "Body"])
    offer.get_by_role("button", name="Restore").click()
    expect(page.locator("#id_body")).to_have_value(MID_SENTENCE)
    expect(page.locator("#id_summary")).to_have_value("What helps wh")


def test_text_typed_while_the_server_is_unreachable_is_offered_from_the_browser(new_context, stored):
    from articles.models import Autosave

    context = new_context()
    page = context.new_page()
    sign_in(page, "edith")
    page.route(re.compile(r"/autosave/$"), lambda route: route.abort("internetdisconnected"))
    page.goto(change(stored))
    page.locator("#id_body").fill(MID_SENTENCE)
    expect(page.locator(".autosave-status")).to_contain_text("Offline: kept in this browser at")
    assert not Autosave.objects.exists()

    later = context.new_page()  # the server is back; this browser kept the text
    later.goto(change(stored))
    offer = offer_of(later)
    expect(offer).to_contain_text("kept in this browser")
    offer.get_by_role("button", name="Restore").click()
    expect(later.locator("#id_body")).to_have_value(MID_SENTENCE)


def test_discarding_deletes_both_copies(new_context, stored):
    from articles.models import Autosave

    context = new_context()
    page = context.new_page()
    sign_in(page, "edith")
    page.goto(change(stored))
    page.locator("#id_body").fill(MID_SENTENCE)
    wait_for_server_copy(page)
    page.reload()
    with page.expect_response(lambda r: r.url.endswith("/autosave/") and r.request.method == "POST"):
        offer_of(page).get_by_role("button", name="Discard").click()
    expect(page.locator(".autosave-status")).to_contain_text("Discarded")
    expect(page.locator("#id_body")).to_have_value("Closeness can feel hard.")
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(offer_of(page)).to_have_count(0)
    assert not Autosave.objects.exists()


@pytest.mark.parametrize("ended", ["cookie deleted", "session flushed on the server"])
def test_saving_with_an_expired_session_signs_in_and_offers_the_text_back(new_context, stored, ended):
    from django.contrib.sessions.models import Session

    from articles.models import Article

    context = new_context()
    page = context.new_page()
    sign_in(page, "edith")
    page.goto(change(stored))
    if ended == "cookie deleted":
        context.clear_cookies(name="sessionid")
    else:
        Session.objects.all().delete()
    page.locator("#id_body").fill(MID_SENTENCE)
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.get_by_label("Username")).to_be_visible()  # the sign-in page, on the way back to the form
    assert Article.objects.get(pk=stored.pk).body == "Closeness can feel hard."
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(change(stored)) + "$"))
    offer = offer_of(page)
    expect(offer).to_contain_text("kept in this browser")
    offer.get_by_role("button", name="Restore").click()
    expect(page.locator("#id_body")).to_have_value(MID_SENTENCE)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Article.objects.get(pk=stored.pk).body == MID_SENTENCE
