"""Editors in the admin, in a real browser: write, preview, schedule, publish; roles and conflicts hold."""

import datetime as dt
import logging
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-browser-test-password"
BODY = """\
Closeness can feel hard when worry is loud[^study].

| When | Try |
| --- | --- |
| Before bed | A slow walk |

> Being heard is its own kind of rest.
"""


@pytest.fixture
def newsroom(db, settings):
    """The roles, two editors and a writer (all staff), and the conditions and quote an article will use."""
    # A deliberately slow hash costs seconds per sign-in and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from articles.roles import EDITOR, WRITER, setup_roles
    from tests.factories import ConditionFactory, PersonFactory, QuoteFactory

    groups = setup_roles()
    users = {}
    for username, role in (("edith", EDITOR), ("eddie", EDITOR), ("wren", WRITER)):
        user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(groups[role])
        users[username] = user
    return SimpleNamespace(
        users=users,
        author=PersonFactory(name="Sam Rivera", slug="sam-rivera"),
        anxiety=ConditionFactory(slug="anxiety", name="Anxiety"),
        depression=ConditionFactory(slug="depression", name="Depression"),
        quote=QuoteFactory(text="Being heard is its own kind of rest.", attribution="A reader"),
    )


def sign_in(page, username):
    page.goto(reverse("admin:login") + "?next=" + reverse("admin:index"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="IntimacyHub newsroom")).to_be_visible()


def choose(page, row, text):
    """Pick `text` in the admin's autocomplete (select2) inside `row`."""
    row.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def add_inline(page, group_id, label):
    page.locator(f"#{group_id} .add-row a", has_text=re.compile(f"Add another {label}", re.IGNORECASE)).click()
    return page.locator(f"#{group_id} .inline-related:not(.empty-form), #{group_id} tr.form-row:not(.empty-form)").last


def write_article(page, *, title):
    page.goto(reverse("admin:articles_article_add"))
    page.locator("#id_title").fill(title)
    page.locator("#id_summary").fill("What helps when worry gets in the way.")
    page.locator("#id_body").fill(BODY)
    page.locator("#id_disclosure").fill("None")


def test_an_editor_writes_previews_schedules_and_publishes_an_article(new_context, newsroom, settings, caplog):
    from articles.models import Article

    # As in production: readers get cached pages, which must not hide the publication.
    settings.INTIMACYHUB_PAGE_CACHE = True
    caplog.set_level(logging.DEBUG, logger="pagecache.cache")
    reader_view = new_context().new_page()
    reader_view.goto("/")
    reader_view.goto("/")
    assert "page cache hit: /" in caplog.text  # the server's log: no header tells readers
    expect(reader_view.get_by_text("No articles yet.")).to_be_visible()

    page = new_context().new_page()
    sign_in(page, "edith")
    write_article(page, title="Worry and closeness")
    expect(page.locator("#id_slug")).to_have_value("worry-and-closeness")

    # The live preview goes through the site's one renderer.
    preview = page.locator(".markdownx-preview").first
    expect(preview.locator("table td").first).to_have_text("Before bed")
    expect(preview.locator("sup.citation-ref a")).to_have_text("[1]")
    expect(preview.locator("blockquote")).to_contain_text("Being heard is its own kind of rest.")

    for condition, note in ((newsroom.anxiety, "Worry can crowd out *desire*."), (newsroom.depression, "Low mood.")):
        row = add_inline(page, "condition_links-group", "condition note")
        choose(page, row, condition.name)
        row.locator("textarea").fill(note)
    citation = add_inline(page, "citations-group", "citation")
    citation.locator("input[name$='-key']").fill("study")
    citation.locator("input[name$='-source']").fill("Journal of Couple Studies")
    citation.locator("input[name$='-title']").fill("Disclosure and closeness")
    quote = add_inline(page, "quote_links-group", "featured quote")
    choose(page, quote, "Being heard")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    article = Article.objects.get(slug="worry-and-closeness")
    assert article.status == Article.Status.DRAFT
    assert [link.condition.slug for link in article.condition_links.order_by("position")] == ["anxiety", "depression"]
    assert article.citations.get().key == "study"
    assert article.quote_links.get().quote == newsroom.quote

    # Staff preview: the reader's page, marked as a preview, with every part.
    assert reader_view.goto(article.get_absolute_url()).status == 404
    staff_view = page.context.new_page()
    staff_view.goto(article.get_absolute_url())
    expect(staff_view.locator(".preview-banner")).to_contain_text("not published")
    expect(staff_view.locator(".prose table")).to_be_visible()
    expect(staff_view.locator(".prose sup.citation-ref a")).to_have_attribute("href", "#cite-1")
    expect(staff_view.locator("#cite-1")).to_contain_text("Journal of Couple Studies")
    expect(staff_view.locator(".pull-quote")).to_contain_text("Being heard is its own kind of rest.")
    expect(staff_view.locator(".condition-notes em")).to_have_text("desire")
    staff_view.close()

    # Schedule: published, dated tomorrow. Readers still cannot see it.
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    page.locator("#id_status").select_option("published")
    page.locator("#id_published_at_0").fill(f"{tomorrow:%Y-%m-%d}")
    page.locator("#id_published_at_1").fill("09:00:00")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and article.published_at > timezone.now()
    assert reader_view.goto(article.get_absolute_url()).status == 404

    # Publish now, from the list's action.
    page.goto(reverse("admin:articles_article_changelist"))
    page.get_by_role("row", name=re.compile("Worry and closeness")).locator("input.action-select").check()
    page.locator("select[name='action']").select_option("publish_now")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_contain_text("1 article(s) published")
    assert reader_view.goto(article.get_absolute_url()).status == 200
    expect(reader_view.get_by_role("heading", level=1)).to_have_text("Worry and closeness")
    expect(reader_view.locator(".preview-banner")).to_have_count(0)
    reader_view.goto("/")
    expect(reader_view.get_by_role("link", name="Worry and closeness").first).to_be_visible()
    assert reader_view.context.cookies() == []


def test_a_writer_can_save_a_draft_but_has_no_way_to_publish(new_context, newsroom):
    from articles.models import Article

    page = new_context().new_page()
    sign_in(page, "wren")
    write_article(page, title="A writer's draft")
    statuses = page.locator("#id_status option").evaluate_all("options => options.map(o => o.value)")
    assert "published" not in statuses
    expect(page.locator("#id_published_at_0")).to_have_count(0)  # shown read-only, if at all

    page.locator("#id_body").fill("Plain words, no citations.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    article = Article.objects.get(slug="a-writers-draft")
    assert article.status == Article.Status.DRAFT and article.created_by == newsroom.users["wren"]

    page.goto(reverse("admin:articles_article_changelist"))
    actions = page.locator("select[name='action'] option").evaluate_all("options => options.map(o => o.value)")
    assert "publish_now" not in actions

    # A forged "published" in the form is refused, not saved.
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    page.locator("#id_status").evaluate("select => select.add(new Option('Published', 'published', true, true))")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".field-status .errorlist")).to_contain_text("Select a valid choice")
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert Article.objects.published().count() == 0


def test_two_editors_saving_the_same_article_get_a_conflict_and_lose_nothing(new_context, newsroom):
    from articles import services
    from articles.models import Article

    article = services.article_save(
        article=Article(slug="shared-draft", title="Shared draft", summary="First summary.", body="Text."),
        by=newsroom.users["edith"],
    )
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    first, second = new_context().new_page(), new_context().new_page()
    sign_in(first, "edith")
    sign_in(second, "eddie")
    first.goto(change_url)
    second.goto(change_url)

    first.locator("#id_title").fill("Shared draft, retitled")
    first.get_by_role("button", name="Save and continue editing").click()
    expect(first.locator(".messagelist .success")).to_be_visible()

    second.locator("#id_summary").fill("Second editor's summary.")
    second.get_by_role("button", name="Save and continue editing").click()
    error = second.locator(".errornote, .errorlist.nonfield")
    expect(error.last).to_contain_text("Not saved: edith saved this article")
    expect(second.locator(".errorlist.nonfield")).to_contain_text("Shared draft, retitled")
    # The second editor's words are still in the form, and nothing was overwritten.
    expect(second.locator("#id_summary")).to_have_value("Second editor's summary.")
    article.refresh_from_db()
    assert (article.title, article.summary) == ("Shared draft, retitled", "First summary.")

    # Bringing the first editor's change in and saving again keeps both.
    second.locator("#id_title").fill("Shared draft, retitled")
    second.get_by_role("button", name="Save and continue editing").click()
    expect(second.locator(".messagelist .success")).to_be_visible()
    article.refresh_from_db()
    assert (article.title, article.summary) == ("Shared draft, retitled", "Second editor's summary.")


def test_an_editor_logs_a_correction_and_readers_see_it_at_the_end_of_the_article(new_context, newsroom, settings):
    from articles.models import Article, Correction
    from tests.factories import ArticleFactory

    settings.INTIMACYHUB_PAGE_CACHE = True
    article = ArticleFactory(slug="dose", title="A dose", body="Take 100 mg.", author=newsroom.author)
    reader_view = new_context().new_page()
    reader_view.goto(article.get_absolute_url())
    expect(reader_view.locator("#corrections")).to_have_count(0)

    page = new_context().new_page()
    sign_in(page, "edith")
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    expect(page.locator("#id_change_kind")).to_have_value("minor")
    page.locator("#id_body").fill("Take 50 mg.")
    page.locator("#id_change_kind").select_option("correction")
    page.get_by_role("button", name="Save and continue editing").click()
    # No note: refused, with the edit still in the form.
    expect(page.locator(".errorlist")).to_contain_text("public note")
    expect(page.locator("#id_body")).to_have_value("Take 50 mg.")
    page.locator("#id_change_note").fill("We gave the wrong dose; it is 50 mg.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator(".corrections-log")).to_contain_text("We gave the wrong dose; it is 50 mg.")
    assert Correction.objects.get().note == "We gave the wrong dose; it is 50 mg."
    assert Article.objects.get(pk=article.pk).updated_at is not None

    reader_view.goto(article.get_absolute_url())
    expect(reader_view.locator("#corrections li")).to_contain_text("Corrected on")
    expect(reader_view.locator("#corrections li")).to_contain_text("We gave the wrong dose; it is 50 mg.")
    reader_view.goto("/corrections/")
    expect(reader_view.get_by_role("link", name="A dose")).to_be_visible()
