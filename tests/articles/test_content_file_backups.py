"""A backup restores the whole site: old addresses answer 301, writers own their drafts (format v2)."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from articles import services
from articles.content_file import ContentFileError, export, import_content
from articles.models import Article, ArticleSlugRedirect, Correction, Person, Quote
from conditions.models import Condition
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def lines(*records):
    return io.BytesIO("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())


def exported():
    out = io.StringIO()
    export(out)
    return out.getvalue()


def empty_the_site():
    """Leave the content tables as a fresh database has them (accounts stay: they are backed up apart)."""
    ArticleSlugRedirect.objects.all().delete()
    Correction.objects.all().delete()  # the log outlives its article, as old addresses do
    for model in (Article, Quote, Condition, Person):
        model.objects.all().delete()


def article(slug, **fields):
    return {"type": "article", "slug": slug, "title": slug.replace("-", " ").title(), "body": "Text."} | fields


PUBLISHED = {"status": "published", "published_at": "2024-03-01T10:00:00+00:00"}


def failure(*records):
    with pytest.raises(ContentFileError) as caught:
        import_content(lines(*records))
    return [str(p) for p in caught.value.problems]


def test_export_import_export_keeps_old_addresses_and_owners_byte_for_byte(writer, editor, client):
    renamed = ArticleFactory(slug="first-name", title="Renamed twice")
    renamed.slug = "second-name"
    services.article_save(article=renamed, by=editor)
    renamed.slug = "third-name"
    services.article_save(article=renamed, by=editor)
    draft = Article(slug="wrens-draft", title="Wren's draft", body="Not yet.")
    services.article_save(article=draft, by=writer)
    import_content(lines(article("ghost-written", owner="left-long-ago")))
    backup = exported()
    records = {r["slug"]: r for r in map(json.loads, backup.splitlines())}
    assert records["third-name"]["redirects"] == ["first-name", "second-name"]
    assert records["wrens-draft"]["owner"] == "wren"
    assert records["ghost-written"]["owner"] == "left-long-ago"

    empty_the_site()
    result = import_content(io.BytesIO(backup.encode()))

    line = next(n for n, text in enumerate(backup.splitlines(), start=1) if '"ghost-written"' in text)
    assert [str(w) for w in result.warnings] == [
        f"line {line}: owner: no account 'left-long-ago' on this site: the article is kept with no owner (editors may "
        "edit it) and the name is kept for the next export; an import links it once the account exists"
    ]
    for old in ("first-name", "second-name"):
        response = client.get(f"/articles/{old}/")
        assert (response.status_code, response["Location"]) == (301, "/articles/third-name/")
    restored = Article.objects.get(slug="wrens-draft")
    assert restored.created_by == writer and services.can_edit_content(writer, restored)
    assert exported() == backup


def test_an_unknown_owner_is_kept_and_linked_by_an_import_once_the_account_exists(roles):
    file = lines(article("orphan", owner="Zoë"))
    import_content(file)
    stored = Article.objects.get(slug="orphan")
    assert (stored.created_by, stored.owner_username) == (None, "Zoë")
    assert json.loads(exported())["owner"] == "Zoë"

    zoe = UserFactory(username="Zoë", role="Writer")
    result = import_content(lines(article("orphan", owner="Zoë")))
    assert (result.updated["article"], result.warnings) == (1, [])
    stored = Article.objects.get(slug="orphan")
    assert (stored.created_by, stored.owner_username) == (zoe, "")
    assert services.can_edit_content(zoe, stored)
    assert import_content(lines(article("orphan", owner="Zoë"))).unchanged["article"] == 1


def test_a_file_without_owners_or_old_addresses_keeps_those_on_the_site(writer, editor):
    draft = Article(slug="kept-draft", title="Kept draft", body="Text.")
    services.article_save(article=draft, by=writer)
    moved = ArticleFactory(slug="was-here", title="Moved", body="Text.", summary="")
    moved.slug = "is-here"
    services.article_save(article=moved, by=editor)
    v1 = [json.loads(line) for line in exported().splitlines()]
    for record in v1:
        record.pop("owner", None)
        record.pop("redirects", None)

    result = import_content(lines(*v1))

    assert result.unchanged["article"] == 2
    assert Article.objects.get(slug="kept-draft").created_by == writer
    assert list(ArticleSlugRedirect.objects.values_list("old_slug", flat=True)) == ["was-here"]


def test_an_import_adds_old_addresses_and_never_removes_one(editor, client):
    import_content(lines(article("moved", redirects=["older"], **PUBLISHED)))
    import_content(lines(article("moved", redirects=["oldest"], **PUBLISHED)))
    assert list(ArticleSlugRedirect.objects.values_list("old_slug", flat=True)) == ["older", "oldest"]
    assert client.get("/articles/oldest/")["Location"] == "/articles/moved/"


def test_an_imported_draft_with_old_addresses_keeps_its_address_when_renamed(editor):
    import_content(lines(article("draft-now", redirects=["public-once"])))
    draft = Article.objects.get(slug="draft-now")
    draft.slug = "draft-renamed"
    services.article_save(article=draft, by=editor)
    assert set(ArticleSlugRedirect.objects.values_list("old_slug", flat=True)) == {"public-once", "draft-now"}


def test_an_old_address_listed_for_two_articles_is_refused_with_both_lines():
    problems = failure(article("one", redirects=["shared"]), article("two", redirects=["shared"]))
    assert problems == [
        "line 2: redirects[0]: 'shared' is already an old address of 'one' on line 1; "
        "an old address belongs to one article only"
    ]
    assert not Article.objects.exists()


def test_an_old_address_that_is_another_articles_slug_in_the_file_is_refused():
    problems = failure(article("one"), article("two", redirects=["one"]))
    assert problems == [
        "line 2: redirects[0]: 'one' is the slug of the article on line 1; "
        "an old address may never be another article's address"
    ]
    assert not Article.objects.exists()


def test_an_old_address_that_is_an_article_on_the_site_is_refused():
    ArticleFactory(slug="live-here", title="Live here")
    problems = failure(article("newcomer", redirects=["live-here"]))
    assert problems == [
        "line 1: redirects[0]: 'live-here' is the address of “Live here” on the site; "
        "it cannot also be an old address of 'newcomer'"
    ]
    assert not Article.objects.filter(slug="newcomer").exists()


def test_an_import_cannot_take_an_address_the_site_keeps_for_another_article(editor):
    holder = ArticleFactory(slug="kept", title="The holder")
    holder.slug = "holder-now"
    services.article_save(article=holder, by=editor)

    assert failure(article("kept")) == [
        "line 1: slug: 'kept' was the address of “The holder” (/articles/holder-now/) and stays reserved for it "
        "forever; choose another slug"
    ]
    assert failure(article("other", redirects=["kept"])) == [
        "line 1: redirects[0]: 'kept' is already an old address of “The holder” (/articles/holder-now/) on the "
        "site, and stays reserved for it"
    ]
    assert set(Article.objects.values_list("slug", flat=True)) == {"holder-now"}
    # Its own article may list it.
    assert import_content(lines(article("holder-now", redirects=["kept"]))).created["article"] == 0


def test_a_deleted_articles_address_is_refused_to_an_import(editor):
    gone = ArticleFactory(slug="gone", title="Gone for now")
    services.article_delete(article=gone, by=editor)
    problems = failure(article("gone"))
    assert problems == [
        "line 1: slug: 'gone' was the address of “Gone for now”, which was deleted (recover it from “Recover "
        "deleted articles”) and stays reserved for it forever; choose another slug"
    ]


@pytest.mark.parametrize(
    ("redirects", "message"),
    [
        (["self"], "line 1: redirects[0]: is the article's own slug, not an old address"),
        (["a", "a"], "line 1: redirects[1]: 'a' is listed twice"),
        (["Not A Slug"], "line 1: redirects[0]: 'Not A Slug' is not a slug"),
        ("old", "line 1: redirects: must be a list of strings, not str"),
    ],
)
def test_old_addresses_are_checked_line_by_line(redirects, message):
    problems = failure(article("self", redirects=redirects))
    assert len(problems) == 1 and problems[0].startswith(message)


def test_an_owner_must_be_a_username_string():
    assert failure(article("x", owner=7)) == ["line 1: owner: must be a string, not int"]
    assert failure(article("x", owner="u" * 151)) == ["line 1: owner: is 151 characters long; at most 150 allowed"]


def test_v2_image_fields_are_read_and_checked_not_refused_as_unknown():
    problems = failure(
        article("x", disclosure="None", cover="photo"),
        {"type": "person", "slug": "sam", "name": "Sam", "photo": "sam-portrait"},
    )
    assert problems == [
        "line 1: cover: no image 'photo' in the file or the site",
        "line 2: photo: no image 'sam-portrait' in the file or the site",
    ]
    assert failure({"type": "image", "slug": "sam-portrait"}) == [
        "line 1: file: is required",
        "line 1: sha256: is required",
        "line 1: alt: is required",
    ]


def test_the_command_reports_an_unknown_owner_as_a_warning_and_imports(tmp_path):
    path = tmp_path / "site.jsonl"
    path.write_bytes(lines(article("orphan", owner="nobody")).getvalue())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_content", str(path), stdout=out, stderr=err)
    assert "warning: line 1: owner: no account 'nobody' on this site" in err.getvalue()
    assert "1 created" in out.getvalue()
    assert not User.objects.filter(username="nobody").exists()
