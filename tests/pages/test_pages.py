"""The site's own pages: at their address, in every footer, in the sitemap, edited by Editors with history."""

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, ProgrammingError
from django.test import Client

from pages import views
from pages.models import Page
from tests.core.test_xss import PAYLOADS, assert_inert
from tests.factories import ArticleFactory, PageFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/pages/page/"


def test_a_page_answers_at_the_root_of_the_site_rendered_through_the_one_renderer(client):
    PageFactory(slug="editorial-policy", title="Editorial policy", body="We **cite** our sources.\n\n- one\n- two")
    response = client.get("/editorial-policy/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Editorial policy</h1>" in body
    assert "<strong>cite</strong>" in body and "<li>one</li>" in body
    assert "<title>Editorial policy · " in body


def test_an_unknown_page_is_a_404_not_an_error(client):
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/no-such-page/deeper/").status_code == 404


def test_every_page_links_the_footer_pages_in_their_order_and_no_others(client):
    PageFactory(slug="privacy", title="Privacy", footer_order=3)
    PageFactory(slug="about", title="About us", footer_order=1)
    PageFactory(slug="hidden", title="Not in the footer", in_footer=False)
    article = ArticleFactory()
    for path in ["/", "/articles/", article.get_absolute_url(), "/about/", "/no-such-page/"]:
        body = Client().get(path).content.decode()
        footer = body[body.index('<footer class="site-footer">') :]
        assert '<a href="/about/">About us</a>' in footer, path
        assert footer.index("About us") < footer.index("Privacy"), path
        assert "Not in the footer" not in footer, path
    assert Client().get("/hidden/").status_code == 200


def test_the_footer_costs_one_query_and_none_when_no_template_shows_it(client, django_assert_num_queries):
    PageFactory(slug="about", title="About")
    links = views.FooterLinks()
    with django_assert_num_queries(1):
        assert list(links) == [("/about/", "About")]
        assert list(links) == [("/about/", "About")]
    with django_assert_num_queries(0):
        views.FooterLinks()


def test_without_a_database_the_footer_shows_no_links_and_the_error_page_still_renders(monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views._FOOTER, "rows", unreachable)
    assert list(views.FooterLinks()) == []


def test_a_bug_reading_the_footer_is_logged_and_the_page_still_served(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ProgrammingError("no such column")

    monkeypatch.setattr(views._FOOTER, "rows", broken)
    assert list(views.FooterLinks()) == []
    assert "footer" in caplog.text and "no such column" in caplog.text


@pytest.mark.parametrize("slug", ["articles", "search", "conditions", "quotes", "feed", "archive", "admin"])
def test_a_slug_the_site_already_answers_is_refused_with_a_reason(slug, settings):
    settings.ADMIN_URL = "admin/"
    page = Page(slug=slug, title="Shadow", body="x")
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert f"/{slug}/ is already an address of the site" in str(error.value)


def test_a_free_slug_is_accepted():
    Page(slug="corrections-policy", title="Corrections policy", body="x").full_clean()


def test_a_slug_must_be_lowercase_words_joined_by_hyphens_in_the_database_too():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Page.objects.create(slug="Bad_Slug", title="x", body="x")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_typed_into_a_page_renders_inert_on_the_page_and_in_every_footer(client, payload):
    PageFactory(slug="about", title=payload[:200], body=payload)
    assert_inert(client.get("/about/").content, "page")
    assert_inert(client.get("/").content, "footer")


def test_a_page_has_webpage_json_ld_with_its_modified_date(client):
    page = PageFactory(slug="about", title="About")
    body = client.get("/about/").content.decode()
    assert '"@type": "WebPage"' in body
    assert page.modified.isoformat() in body


def test_editors_write_pages_in_the_admin_and_every_save_is_a_revision(editor_client):
    response = editor_client.post(
        f"{ADMIN}add/",
        {
            "title": "About",
            "slug": "about",
            "body": "Who we are.\r\nAll of us.",
            "in_footer": "on",
            "footer_order": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = Page.objects.get(slug="about")
    assert page.body == "Who we are.\nAll of us."
    editor_client.post(
        f"{ADMIN}{page.pk}/change/",
        {"title": "About", "slug": "about", "body": "Who we are, now.", "in_footer": "on", "footer_order": "1"},
    )
    from reversion.models import Version

    versions = Version.objects.get_for_object(page)
    assert [v.field_dict["body"] for v in versions] == ["Who we are, now.", "Who we are.\nAll of us."]
    history = editor_client.get(f"{ADMIN}{page.pk}/history/")
    assert history.status_code == 200
    recover = editor_client.get(f"{ADMIN}{page.pk}/history/{versions[1].pk}/")
    assert recover.status_code == 200 and "Who we are." in recover.content.decode()


def test_the_admin_refuses_a_slug_the_site_answers(editor_client):
    response = editor_client.post(
        f"{ADMIN}add/", {"title": "Search", "slug": "search", "body": "x", "footer_order": "0"}
    )
    assert response.status_code == 200
    assert "/search/ is already an address of the site" in response.content.decode()
    assert not Page.objects.exists()


@pytest.mark.parametrize("who", ["writer_client", "reviewer_client"])
def test_writers_and_reviewers_may_read_pages_in_the_admin_but_not_change_them(who, request):
    client = request.getfixturevalue(who)
    page = PageFactory(slug="about")
    assert client.get(ADMIN).status_code == 200
    assert client.post(f"{ADMIN}add/", {"title": "x", "slug": "x", "body": "x", "footer_order": "0"}).status_code == 403
    response = client.post(
        f"{ADMIN}{page.pk}/change/", {"title": "Changed", "slug": "about", "body": "x", "footer_order": "0"}
    )
    assert response.status_code == 403
    assert client.post(f"{ADMIN}{page.pk}/delete/", {"post": "yes"}).status_code == 403
    page.refresh_from_db()
    assert page.title != "Changed"


def test_a_change_to_a_page_shows_on_the_next_request_through_the_page_cache(
    page_cache, django_capture_on_commit_callbacks
):
    ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        page = PageFactory(slug="about", title="About", body="First words.")
    for _ in range(2):  # the second request is a hit
        assert "First words." in Client().get("/about/").content.decode()
        assert ">About</a>" in Client().get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page.title, page.body = "About us", "Second words."
        page.save()
    assert "Second words." in Client().get("/about/").content.decode()
    assert ">About us</a>" in Client().get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert Client().get("/about/").status_code == 404
    assert ">About us</a>" not in Client().get("/").content.decode()


def test_the_sitemap_lists_every_page(client):
    PageFactory(slug="about", title="About")
    PageFactory(slug="privacy", title="Privacy", in_footer=False)
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-site.xml" in index
    section = client.get("/sitemap-site.xml").content.decode()
    assert "http://testserver/about/" in section and "http://testserver/privacy/" in section
