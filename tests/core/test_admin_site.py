"""The admin is IntimacyHub's: its name and colours, the tables nobody edits by hand under Maintenance (issue 17)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from core.admin_site import MAINTENANCE_MODELS, IntimacyHubAdminSite
from tests.factories import ArticleFactory, CitationFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
MAINTENANCE = reverse("admin:maintenance")
MAINTENANCE_URLS = [
    reverse("admin:axes_accessattempt_changelist"),
    reverse("admin:axes_accesslog_changelist"),
    reverse("admin:axes_accessfailurelog_changelist"),
    reverse("admin:articles_articleslugredirect_changelist"),
    reverse("admin:articles_citation_changelist"),
]


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    return client


def listed_models(response):
    return {model["model"]._meta.label for app in response.context["available_apps"] for model in app["models"]}


def test_the_default_site_is_intimacyhubs():
    assert isinstance(admin.site, IntimacyHubAdminSite)


def test_the_admin_is_named_intimacyhub_and_links_its_colours(superuser_client):
    text = superuser_client.get(INDEX).text
    assert "<title>IntimacyHub newsroom | IntimacyHub</title>" in text
    assert '<div id="site-name"><a href="/admin/">IntimacyHub</a></div>' in text
    assert "Django administration" not in text
    assert "/static/css/admin-brand.css" in text


def test_the_sign_in_page_is_branded_too(client):
    text = client.get(reverse("admin:login")).text
    assert "IntimacyHub" in text
    assert "Django administration" not in text


def test_maintenance_tables_are_not_on_the_index_or_in_the_sidebar(superuser_client):
    response = superuser_client.get(INDEX)
    assert not MAINTENANCE_MODELS & listed_models(response)
    assert {"articles.Article", "articles.Correction", "auth.User"} <= listed_models(response)
    for url in MAINTENANCE_URLS:
        assert f'href="{url}"' not in response.text
    sidebar = superuser_client.get(reverse("admin:articles_article_changelist"))
    assert not MAINTENANCE_MODELS & listed_models(sidebar)


def test_maintenance_tables_still_answer_and_are_listed_under_maintenance(superuser_client):
    CitationFactory(article=ArticleFactory())
    index = superuser_client.get(INDEX).text
    assert f'<a href="{MAINTENANCE}">Maintenance</a>' in index
    page = superuser_client.get(MAINTENANCE)
    assert page.status_code == 200
    for url in MAINTENANCE_URLS:
        assert f'href="{url}"' in page.text
        assert superuser_client.get(url).status_code == 200
    # An app's own page still lists its tables, so a table's breadcrumbs lead somewhere.
    assert superuser_client.get(reverse("admin:app_list", args=["axes"])).status_code == 200


def test_maintenance_lists_only_what_the_person_may_view(editor_client, writer_client, client):
    page = editor_client.get(MAINTENANCE).text
    assert "Citations" in page and "Article slug redirects" in page
    assert "Access attempts" not in page  # sign-in records are the superuser's
    assert editor_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert client.get(MAINTENANCE).status_code == 302  # to sign in
