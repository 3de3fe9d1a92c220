"""People's pages (/authors/<slug>/ and /authors/<slug>/reviewed/), the review byline, and licence privacy."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from articles.models import Article, review_interval
from tests.factories import ArticleFactory, PersonFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

LICENCE_NUMBER = "LIC-0000-SECRET-4242"
FOOTER = 1  # every HTML page reads the footer's links (pages/views.py)


def json_ld_of(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


@pytest.fixture
def clinician():
    return ReviewerFactory(
        name="Dr Noor Haddad",
        slug="noor-haddad",
        credentials="PsyD, LCSW",
        job_title="Clinical psychologist",
        bio="Works with *couples* and families.",
        links=["https://practice.example/noor", "https://orcid.example/0000"],
        licence_type="Licensed clinical social worker",
        licence_jurisdiction="Example State",
        licence_number=LICENCE_NUMBER,
        licence_verified_at=timezone.localdate(),
    )


def test_a_person_page_says_who_they_are_and_lists_what_they_wrote_and_reviewed(client, clinician):
    written = ArticleFactory(title="Written by Noor", author=clinician)
    reviewed = ArticleFactory(title="Checked by Noor", reviewed_by=clinician, reviewed_at=timezone.localdate())
    ArticleFactory(title="Noor's draft", author=clinician, status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(title="Reviewed draft", reviewed_by=clinician, status=Article.Status.REVIEW, published_at=None)

    html = client.get("/authors/noor-haddad/").content.decode()

    assert '<h1>Dr Noor Haddad<span class="credentials">, PsyD, LCSW</span></h1>' in html
    assert "Clinical psychologist" in html and "<em>couples</em>" in html
    assert '<a href="https://practice.example/noor" rel="me noopener">' in html
    assert written.title in html and reviewed.title in html
    assert "draft" not in html.lower().replace("drafts", "")
    assert 'href="/authors/noor-haddad/reviewed/"' in html
    data = json_ld_of(html)
    assert data == {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": "Dr Noor Haddad",
        "url": "http://testserver/authors/noor-haddad/",
        "honorificSuffix": "PsyD, LCSW",
        "jobTitle": "Clinical psychologist",
        "description": "Works with couples and families.",
        "sameAs": ["https://practice.example/noor", "https://orcid.example/0000"],
    }


def test_the_reviewed_list_is_keyset_paginated_and_shows_only_published_articles(client, clinician):
    for n in range(14):
        ArticleFactory(title=f"Reviewed {n:02d}", reviewed_by=clinician, published_at=days_ago(n + 1))
    ArticleFactory(title="Reviewed but scheduled", reviewed_by=clinician, published_at=days_ago(-3))
    first = client.get("/authors/noor-haddad/reviewed/").content.decode()
    assert "Reviewed 00" in first and "Reviewed 11" in first and "Reviewed 12" not in first
    assert "scheduled" not in first
    next_url = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).content.decode()
    assert "Reviewed 12" in second and "Reviewed 13" in second
    assert client.get("/authors/noor-haddad/reviewed/?page=2").status_code == 200
    assert client.get("/authors/noor-haddad/reviewed/?page=3").status_code == 404


def test_a_reviewer_who_wrote_nothing_has_a_page_for_what_they_reviewed(client, clinician):
    ArticleFactory(title="Checked", reviewed_by=clinician)
    response = client.get("/authors/noor-haddad/")
    assert response.status_code == 200 and "Checked" in response.content.decode()


@pytest.mark.parametrize("hidden", [{"status": "draft", "published_at": None}, {"published_at": "future"}])
def test_a_person_known_only_from_unpublished_articles_has_no_page(client, clinician, hidden):
    fields = dict(hidden)
    if fields["published_at"] == "future":
        fields["published_at"] = timezone.now() + dt.timedelta(days=3)
    ArticleFactory(author=clinician, **fields)
    ArticleFactory(reviewed_by=clinician, **fields)
    assert client.get("/authors/noor-haddad/").status_code == 404
    assert client.get("/authors/noor-haddad/reviewed/").status_code == 404
    assert "noor-haddad" not in client.get("/sitemap-authors.xml").content.decode()


def test_a_reviewer_with_a_page_is_in_the_sitemap(client, clinician):
    ArticleFactory(reviewed_by=clinician, author=None)
    assert "/authors/noor-haddad/" in client.get("/sitemap-authors.xml").content.decode()


@pytest.mark.parametrize(("url", "expected"), [("/authors/noor-haddad/", 3), ("/authors/noor-haddad/reviewed/", 2)])
def test_person_pages_cost_the_same_queries_whatever_the_site_size(
    client, clinician, django_assert_num_queries, url, expected
):
    ArticleFactory(author=clinician, reviewed_by=clinician)
    with django_assert_num_queries(expected + FOOTER):
        assert client.get(url).status_code == 200
    ArticleFactory.create_batch(20, author=clinician, reviewed_by=clinician)
    with django_assert_num_queries(expected + FOOTER):
        assert client.get(url).status_code == 200


def test_the_licence_number_is_on_no_public_surface(client, clinician):
    article = ArticleFactory(
        slug="checked", title="Checked", author=clinician, reviewed_by=clinician, reviewed_at=timezone.localdate()
    )
    from search import index_article

    index_article(Article.objects.get(pk=article.pk))
    for url in (
        "/",
        "/articles/",
        "/articles/checked/",
        "/authors/noor-haddad/",
        "/authors/noor-haddad/reviewed/",
        "/feed/",
        "/feed/atom/",
        "/sitemap.xml",
        "/sitemap-authors.xml",
        "/search/?q=checked",
        "/search/?q=Haddad",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert LICENCE_NUMBER not in response.content.decode(), url
        assert "Example State" not in response.content.decode(), url
    # Search echoes the words asked for, but finds nothing by them: the number is not indexed.
    for words in (LICENCE_NUMBER, "Example State"):
        assert 'href="/articles/checked/"' in client.get("/search/", {"q": "checked"}).content.decode()
        assert 'href="/articles/checked/"' not in client.get("/search/", {"q": words}).content.decode()


# ---------------------------------------------------------------- the review byline


def test_a_current_review_names_the_reviewer_with_credentials_and_links_to_them(client, clinician):
    on = timezone.localdate() - dt.timedelta(days=10)
    article = ArticleFactory(reviewed_by=clinician, reviewed_at=on)
    html = client.get(article.get_absolute_url()).content.decode()
    assert (
        'Clinically reviewed by <a href="/authors/noor-haddad/">Dr Noor Haddad</a>, PsyD, LCSW on '
        f'<time datetime="{on.isoformat()}">'
    ) in html
    data = json_ld_of(html)
    assert data["reviewedBy"]["name"] == "Dr Noor Haddad" and data["lastReviewed"] == on.isoformat()


def test_a_lapsed_review_stops_claiming_and_says_a_new_review_is_due(client, clinician):
    on = timezone.localdate() - review_interval()
    article = ArticleFactory(reviewed_by=clinician, reviewed_at=on)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Clinically reviewed by" not in html and "Dr Noor Haddad" not in html
    assert f'Last clinically reviewed on <time datetime="{on.isoformat()}">' in html
    assert "A new clinical review is due." in html
    data = json_ld_of(html)
    assert data["@type"] == "MedicalWebPage" and "reviewedBy" not in data
    assert data["lastReviewed"] == on.isoformat()


def test_the_review_is_current_until_the_day_it_is_due(clinician):
    article = ArticleFactory(reviewed_by=clinician, reviewed_at=dt.date(2025, 5, 1))
    due = article.review_due
    assert article.review_current(today=due - dt.timedelta(days=1))
    assert not article.review_current(today=due)
    assert not article.review_current(today=due + dt.timedelta(days=1))
    article.reviewed_by = None
    assert not article.review_current(today=due - dt.timedelta(days=1))


def test_the_next_review_lapse_is_the_start_of_the_earliest_due_day_of_a_claimed_review(clinician):
    today = timezone.localdate()
    soon = today - review_interval() + dt.timedelta(days=2)
    ArticleFactory(reviewed_by=clinician, reviewed_at=soon + dt.timedelta(days=5))
    ArticleFactory(reviewed_by=clinician, reviewed_at=soon)
    ArticleFactory(reviewed_by=None, reviewed_at=soon - dt.timedelta(days=1))  # claims no one
    ArticleFactory(reviewed_by=clinician, reviewed_at=soon, status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(reviewed_by=clinician, reviewed_at=today - review_interval())  # lapsed already
    expected = timezone.make_aware(dt.datetime.combine(soon + review_interval(), dt.time.min))
    assert Article.objects.next_review_lapse_at() == expected


def test_person_with_credentials_shows_without_a_trailing_comma_when_there_are_none(client):
    person = PersonFactory(name="Sam Rivera", slug="sam-rivera")
    ArticleFactory(author=person)
    html = client.get("/authors/sam-rivera/").content.decode()
    assert "<h1>Sam Rivera</h1>" in html
    assert "honorificSuffix" not in html and "jobTitle" not in html


def test_the_byline_gives_the_authors_credentials_and_the_json_ld_their_suffix(client):
    writer = PersonFactory(name="Sam Rivera", slug="sam-rivera", credentials="MA, LPC")
    plain = PersonFactory(name="Ada Lee", slug="ada-lee")
    html = client.get(ArticleFactory(author=writer).get_absolute_url()).content.decode()
    assert 'By <a href="/authors/sam-rivera/">Sam Rivera</a>, MA, LPC · ' in html
    author = (
        json_ld_of(html)["mainEntity"]["author"] if "mainEntity" in json_ld_of(html) else json_ld_of(html)["author"]
    )
    assert author["name"] == "Sam Rivera" and author["honorificSuffix"] == "MA, LPC"
    html = client.get(ArticleFactory(author=plain).get_absolute_url()).content.decode()
    assert 'By <a href="/authors/ada-lee/">Ada Lee</a> · ' in html
