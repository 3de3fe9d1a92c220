"""People in the editorial system: who may edit them, who may be a reviewer, the licence checks, the content file."""

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.content_file import ContentFileError, export, import_content
from articles.models import Article, Person, months_before
from tests.factories import ArticleFactory, PersonFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

PEOPLE = reverse("admin:articles_person_changelist")
ADD_PERSON = reverse("admin:articles_person_add")


def lines(*records):
    return io.BytesIO("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())


def exported():
    out = io.StringIO()
    export(out)
    return out.getvalue()


def failure(*records):
    with pytest.raises(ContentFileError) as caught:
        import_content(lines(*records))
    return [str(p) for p in caught.value.problems]


def article(slug, **fields):
    return {"type": "article", "slug": slug, "title": slug.title(), "body": "Text."} | fields


# ---------------------------------------------------------------- roles


def person_data(**overrides):
    return {
        "name": "Dr New",
        "slug": "dr-new",
        "credentials": "",
        "job_title": "",
        "bio": "",
        "links": "",
        "licence_type": "",
        "licence_jurisdiction": "",
        "licence_number": "",
        "licence_verified_at": "",
    } | overrides


def test_only_editors_add_change_or_delete_people(client, writer, reviewer, editor):
    person = PersonFactory(name="Sam", slug="sam")
    change = reverse("admin:articles_person_change", args=[person.pk])
    for user in (writer, reviewer):
        client.force_login(user)
        assert client.get(PEOPLE).status_code == 200  # they choose among people
        assert client.post(ADD_PERSON, person_data()).status_code == 403
        assert client.post(change, person_data(name="Renamed", slug="sam")).status_code == 403
        assert (
            client.post(reverse("admin:articles_person_delete", args=[person.pk]), {"post": "yes"}).status_code == 403
        )
    assert Person.objects.get(pk=person.pk).name == "Sam" and not Person.objects.filter(slug="dr-new").exists()
    client.force_login(editor)
    response = client.post(
        ADD_PERSON, person_data(links="https://a.example/one\r\nhttps://b.example/two", is_reviewer="on")
    )
    assert response.status_code == 302
    created = Person.objects.get(slug="dr-new")
    assert created.links == ["https://a.example/one", "https://b.example/two"] and created.is_reviewer


def test_an_editor_is_told_which_link_is_not_a_web_address(editor_client):
    response = editor_client.post(ADD_PERSON, person_data(links="https://ok.example/\njavascript:alert(1)"))
    assert response.status_code == 200
    assert "“javascript:alert(1)” is not an http(s) address." in response.content.decode()
    assert not Person.objects.filter(slug="dr-new").exists()


def test_the_reviewer_box_offers_reviewers_only(editor_client):
    ReviewerFactory(name="Dr Able")
    PersonFactory(name="Plain Writer")
    response = editor_client.get(reverse("admin:articles_article_add"))
    queryset = response.context["adminform"].form.fields["reviewed_by"].queryset
    assert list(queryset.values_list("name", flat=True)) == ["Dr Able"]


def test_the_services_refuse_a_reviewer_who_is_not_one(editor):
    article = ArticleFactory(reviewed_by=None)
    article.reviewed_by = PersonFactory(name="Not A Clinician")
    with pytest.raises(ValidationError) as caught:
        services.article_save(article=article, by=editor)
    assert "Not A Clinician is not a clinical reviewer" in str(caught.value)
    assert Article.objects.get(pk=article.pk).reviewed_by is None
    article.reviewed_by = ReviewerFactory()
    services.article_save(article=article, by=editor)
    assert Article.objects.get(pk=article.pk).reviewed_by == article.reviewed_by


def test_a_writer_may_not_name_a_reviewer(writer):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=writer, reviewed_by=None)
    article.reviewed_by = ReviewerFactory()
    with pytest.raises(PermissionDenied):
        services.article_save(article=article, by=writer)


# ---------------------------------------------------------------- licences


def test_months_before_keeps_the_day_or_takes_the_end_of_a_shorter_month():
    assert months_before(dt.date(2026, 12, 6), 12) == dt.date(2025, 12, 6)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 15)


def test_editors_see_reviewers_whose_licence_is_unverified_or_stale(editor_client, settings, django_assert_num_queries):
    settings.INTIMACYHUB_LICENCE_VERIFY_MONTHS = 12
    today = timezone.localdate()
    ReviewerFactory(name="Never Checked", licence_verified_at=None)
    ReviewerFactory(name="Checked Long Ago", licence_verified_at=months_before(today, 12) - dt.timedelta(days=1))
    ReviewerFactory(name="Checked Just In Time", licence_verified_at=months_before(today, 12))
    ReviewerFactory(name="Checked Today", licence_verified_at=today)
    PersonFactory(name="Not A Reviewer")  # has no licence to check

    def names(query):
        response = editor_client.get(PEOPLE + query)
        return sorted(str(p) for p in response.context["cl"].result_list)

    assert "Reviewers' licences" in editor_client.get(PEOPLE).content.decode()
    assert names("?licence=never") == ["Never Checked"]
    assert names("?licence=stale") == ["Checked Long Ago"]
    assert names("?licence=due") == ["Checked Long Ago", "Never Checked"]
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "Reviewers' licences" in index
    assert '?licence=never">Never verified</a></th><td>1</td>' in index
    assert '?licence=stale">Verified more than 12 months ago</a></th><td>1</td>' in index
    ReviewerFactory.create_batch(5, licence_verified_at=None)
    from articles.templatetags.editorial import licence_counts

    request = editor_client.get(PEOPLE).wsgi_request
    with django_assert_num_queries(2):
        assert licence_counts({"request": request})["never"] == 6


def test_writers_see_no_licence_notice(writer_client):
    ReviewerFactory(licence_verified_at=None)
    assert "Reviewers' licences" not in writer_client.get(reverse("admin:index")).content.decode()


# ---------------------------------------------------------------- the content file

PERSON = {
    "type": "person",
    "slug": "noor-haddad",
    "name": "Dr Noor Haddad",
    "credentials": "PsyD",
    "job_title": "Clinical psychologist",
    "bio": "Works with *couples*.",
    "links": ["https://practice.example/noor"],
    "reviewer": True,
    "license": {
        "type": "Psychologist",
        "jurisdiction": "Example State",
        "number": "PSY-1",
        "verified_at": "2026-01-05",
    },
}


def test_person_records_import_and_articles_name_people(client):
    import_content(
        lines(
            article(
                "one",
                author="Sam Rivera",
                reviewed_by="Dr Noor Haddad",
                status="published",
                published_at="2024-03-01T10:00:00+00:00",
                reviewed_at="2024-03-01",
            ),  # fmt: skip
            PERSON,
        )
    )
    noor = Person.objects.get(slug="noor-haddad")
    assert (noor.credentials, noor.licence_number, noor.licence_verified_at) == ("PsyD", "PSY-1", dt.date(2026, 1, 5))
    assert noor.bio_html == "<p>Works with <em>couples</em>.</p>"
    sam = Person.objects.get(name="Sam Rivera")  # named by an article only: created
    assert sam.slug == "sam-rivera" and not sam.is_reviewer
    stored = Article.objects.get(slug="one")
    assert stored.author == sam and stored.reviewed_by == noor


def test_a_v1_reviewer_name_creates_a_reviewer_and_marks_an_existing_person(client):
    PersonFactory(name="Dr Existing", slug="existing")
    import_content(lines(article("a", reviewed_by="Dr Existing"), article("b", reviewed_by="Dr Brand New")))
    assert Person.objects.get(slug="existing").is_reviewer
    created = Person.objects.get(name="Dr Brand New")
    assert created.is_reviewer and created.slug == "dr-brand-new" and created.credentials == ""


def test_people_round_trip_byte_for_byte():
    import_content(lines(PERSON, {"type": "person", "slug": "sam", "name": "Sam"}, article("x", author="Sam")))
    first = exported()
    records = [json.loads(line) for line in first.splitlines()]
    assert [r["type"] for r in records] == ["person", "person", "article"]
    assert records[0] == PERSON  # every field, the licence number too: an export is staff data
    Article.objects.all().delete()
    Person.objects.all().delete()
    import_content(io.BytesIO(first.encode()))
    assert exported() == first
    result = import_content(io.BytesIO(first.encode()))
    assert result.unchanged["person"] == 2 and result.updated["person"] == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, "line 1: name: must not be empty"),
        ({"name": " Padded"}, "line 1: name: starts or ends with spaces"),
        ({"credentials": "x" * 101}, "line 1: credentials: is 101 characters long; at most 100 allowed"),
        ({"links": ["javascript:alert(1)"]}, "line 1: links[0]: 'javascript:alert(1)' is not an http(s) address"),
        ({"links": "https://a.example/"}, "line 1: links: must be a list of strings, not str"),
        ({"reviewer": "yes"}, "line 1: reviewer: must be true or false, not str"),
        ({"license": {"number": "1"}}, "line 1: license.type: is required"),
        ({"license": {"type": "T", "verified_at": "soon"}}, "line 1: license.verified_at: 'soon' is not an ISO 8601"),
        ({"license": {"type": "T", "grade": 1}}, "line 1: license.grade: unknown field"),
        ({"photo": "portrait"}, "line 1: photo: no image 'portrait' in the file or the site"),
        ({"nickname": "N"}, "line 1: nickname: unknown field"),
    ],
)
def test_a_bad_person_record_is_refused_naming_line_and_field(change, expected):
    problems = failure(PERSON | change)
    assert len(problems) == 1 and problems[0].startswith(expected), problems
    assert not Person.objects.exists()


def test_a_file_may_not_name_as_reviewer_a_person_it_says_is_not_one():
    problems = failure(PERSON | {"reviewer": False}, article("x", reviewed_by="Dr Noor Haddad"))
    assert problems == [
        "line 2: reviewed_by: 'Dr Noor Haddad' is not a reviewer (the person on line 1 says reviewer: false)"
    ]


def test_a_name_is_one_persons():
    assert failure(PERSON, PERSON | {"slug": "other"})[0].startswith("line 2: name: 'Dr Noor Haddad' is the name")
    PersonFactory(name="Dr Noor Haddad", slug="someone-else")
    assert failure(PERSON) == [
        "line 1: name: 'Dr Noor Haddad' is the name of another person on the site (/authors/someone-else/)"
    ]
