"""Which articles each kind of staff account sees, on every staff surface (articles.roles.articles_visible_to).

Superusers, Editors and Clinical reviewers see everything; a Writer sees
published articles and their own drafts; staff without a role see only what
readers see. A forged address of a hidden draft is a 404, never its text.
"""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleSlugRedirect
from articles.roles import articles_visible_to
from articles.share_links import share_preview_url
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, CitationFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Olive unpublished piece"
SECRET_BODY = "Words nobody but Olive and her editors may read."


@pytest.fixture
def site(roles):
    """Two writers' articles in every state, and one account of each kind."""
    olive = UserFactory(username="olive", role="Writer")
    wren = UserFactory(username="wren", role="Writer")
    later = timezone.now() + dt.timedelta(days=3)
    articles = {
        "published": ArticleFactory(title="Open piece", slug="everyones", created_by=olive),
        "own draft": ArticleFactory(
            title="Wren draft", slug="wrens-draft", status="draft", published_at=None, created_by=wren
        ),
        "other's draft": ArticleFactory(
            title=SECRET, slug="olives-draft", status="draft", published_at=None, created_by=olive, body=SECRET_BODY
        ),
        "other's in review": ArticleFactory(
            title=f"{SECRET} in review", slug="olives-review", status="review", published_at=None, created_by=olive
        ),
        "other's scheduled": ArticleFactory(
            title=f"{SECRET}, scheduled", slug="olives-scheduled", published_at=later, created_by=olive
        ),
    }
    draft = articles["other's draft"]
    draft.content_notes = ["secret-note"]
    draft.save()
    services.article_save(article=Article.objects.get(pk=draft.pk), by=olive)  # a revision in its history
    CitationFactory(article=draft, source="Olive secret source")
    ArticleSlugRedirect.objects.create(article=draft, old_slug="olives-old-slug")
    users = {
        "superuser": UserFactory(username="root", is_superuser=True),
        "editor": UserFactory(username="eda", role="Editor"),
        "reviewer": UserFactory(username="rhea", role="Clinical reviewer"),
        "writer": wren,
        "no role": UserFactory(username="nora"),
    }
    return articles, users


EVERYTHING = {"published", "own draft", "other's draft", "other's in review", "other's scheduled"}
SEES = {
    "superuser": EVERYTHING,
    "editor": EVERYTHING,
    "reviewer": EVERYTHING,
    "writer": {"published", "own draft"},
    "no role": {"published"},
}
ROLES = list(SEES)


def client_for(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def hidden_from(role, articles):
    return [article for name, article in articles.items() if name not in SEES[role]]


def assert_not_shown(response):
    # A reader's 404 page names the address asked for (its canonical link), nothing more.
    body = response.content.decode().replace(response.request["PATH_INFO"], "")
    assert SECRET not in body and SECRET_BODY not in body and "olives-" not in body
    assert "secret-note" not in body and "Olive secret source" not in body


def test_the_policy_function_for_each_role(site):
    articles, users = site
    for role, user in users.items():
        visible = set(articles_visible_to(user).values_list("title", flat=True))
        assert visible == {articles[name].title for name in SEES[role]}, role
    assert set(articles_visible_to(AnonymousUser())) == {articles["published"]}


@pytest.mark.parametrize("role", ROLES)
def test_the_reader_site_preview(site, role, settings):
    settings.DEBUG = False
    articles, users = site
    client = client_for(users[role])
    for name, article in articles.items():
        response = client.get(article.get_absolute_url())
        if name in SEES[role]:
            assert response.status_code == 200, name
            assert article.title in response.content.decode()
        else:
            assert response.status_code == 404, name
            assert_not_shown(response)
    # An old address of a hidden draft redirects nobody who may not see it.
    response = client.get("/articles/olives-old-slug/")
    assert response.status_code == (301 if "other's draft" in SEES[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_change_list_search_and_filters(site, role):
    articles, users = site
    client = client_for(users[role])
    changelist = reverse("admin:articles_article_changelist")
    response = client.get(changelist)
    if role == "no role":
        assert response.status_code == 403
        assert_not_shown(response)
        return
    assert response.status_code == 200
    body = response.content.decode()
    for name, article in articles.items():
        assert (article.title in body) == (name in SEES[role]), name
    assert ("secret-note" in body) == ("other's draft" in SEES[role])  # the content-note filter's choices
    found = client.get(changelist, {"q": "Olive"}).content.decode()
    assert (SECRET in found) == ("other's draft" in SEES[role])


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_change_form_history_revision_share_and_delete_pages(site, role, settings):
    settings.DEBUG = False
    articles, users = site
    client = client_for(users[role])
    draft = articles["other's draft"]
    version = services.versions_of(draft.pk).first()
    pages = [
        reverse("admin:articles_article_change", args=[draft.pk]),
        reverse("admin:articles_article_history", args=[draft.pk]),
        reverse("admin:articles_article_revision", args=[draft.pk, version.pk]),
        reverse("admin:articles_article_share", args=[draft.pk]),
        reverse("admin:articles_article_delete", args=[draft.pk]),
    ]
    for url in pages:
        response = client.get(url)
        if "other's draft" in SEES[role]:
            assert response.status_code in (200, 403), url  # 403: the role may not share or delete
        else:
            assert response.status_code in (403, 404), url
            assert_not_shown(response)
    for article in hidden_from(role, articles):
        response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
        assert response.status_code in (403, 404)
        assert_not_shown(response)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("model_name", "field_name"), [("relatedarticle", "related"), ("articleslugredirect", "article")]
)
def test_the_admin_autocomplete(site, role, model_name, field_name):
    articles, users = site
    client = client_for(users[role])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": model_name, "field_name": field_name, "term": "piece"},
    )
    if role == "no role":
        assert response.status_code == 403
        assert_not_shown(response)
        return
    titles = {result["text"] for result in json.loads(response.content)["results"]}
    assert titles == {articles[name].title for name in SEES[role] if "piece" in articles[name].title}


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_lists_of_citations_and_old_addresses(site, role):
    articles, users = site
    client = client_for(users[role])
    for name in ("citation", "articleslugredirect"):
        response = client.get(reverse(f"admin:articles_{name}_changelist"))
        if role == "no role":
            assert response.status_code == 403
        else:
            assert response.status_code == 200
        body = response.content.decode()
        if "other's draft" in SEES[role]:
            assert "Olive secret source" in body or "olives-old-slug" in body
        else:
            assert_not_shown(response)


def test_a_writer_cannot_pin_another_writers_draft_by_forging_its_id(site):
    articles, users = site
    own, secret = articles["own draft"], articles["other's draft"]
    client = client_for(users["writer"])
    url = reverse("admin:articles_article_change", args=[own.pk])
    data = admin_form_data(client.get(url))
    data.update(
        {"related_links-TOTAL_FORMS": "1", "related_links-0-position": "0", "related_links-0-related": secret.pk}
    )
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with an error
    assert "Select a valid choice" in response.content.decode()
    assert_not_shown(response)
    assert not own.related_links.exists()


def test_the_review_counts_on_the_admin_index_count_only_visible_articles(site):
    articles, users = site
    editor_page = client_for(users["editor"]).get(reverse("admin:index")).content.decode()
    writer_page = client_for(users["writer"]).get(reverse("admin:index")).content.decode()
    assert '?review=never">Never reviewed</a></th><td>5</td>' in editor_page
    assert '?review=never">Never reviewed</a></th><td>2</td>' in writer_page


def test_a_share_link_opens_its_draft_for_anyone_who_has_it_staff_without_a_role_included(site):
    articles, users = site
    draft = articles["other's draft"]
    services.article_rotate_preview_token(article=draft, by=users["editor"])
    response = client_for(users["no role"]).get(share_preview_url(Article.objects.get(pk=draft.pk)))
    assert response.status_code == 200 and SECRET_BODY in response.content.decode()
