"""A database made by the previous release's migrations upgrades in place, losing nothing (issue 13).

The site is built at the migrations main had before this round (articles
0005, conditions 0001, intimacyhub 0001) with the models of that time, its
search index written as the old code wrote it; then it is migrated forward.
Its export must be byte for byte the export of the same content imported
into the current schema, old addresses still answer 301, the old search rows
still find the article, and an old revision still restores.
"""

import datetime as dt
import hashlib
import io
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from reversion.models import Revision, Version

import search
from articles.content_file import import_content
from articles.models import Article, ArticleSlugRedirect, Person, Quote, Tag
from conditions.models import Condition
from reader.models import ArchiveAnchor

PREVIOUS_RELEASE = [
    ("articles", "0005_archive_anchors"),
    ("conditions", "0001_initial"),
    ("intimacyhub", "0001_initial"),
]
PUBLISHED_AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
ANCHOR_TOKEN = 424242

# The same site as a content file: what the upgraded database must export.
CONTENT = (
    '{"type": "condition", "slug": "anxiety", "name": "Anxiety", "aliases": ["worry"], "summary": "Fear."}\n'
    '{"type": "article", "slug": "closeness", "title": "Closeness and worry", "summary": "On closeness.",'
    ' "body": "Closeness helps.[^a]", "status": "published", "published_at": "2026-03-01T09:30:00+00:00",'
    ' "author": "Ada Lovel", "tags": ["Trust"],'
    ' "conditions": [{"slug": "anxiety", "note": "A *note*."}],'
    ' "citations": [{"key": "a", "source": "A journal", "url": "https://example.org/a"}],'
    ' "quotes": [{"text": "Stay close.", "attribution": "A reader"}],'
    ' "related": ["draft-one"], "redirects": ["old-closeness"], "owner": "writer"}\n'
    '{"type": "article", "slug": "draft-one", "title": "A draft", "body": "Unfinished.", "owner": "writer"}\n'
)


def _executor():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _build_previous_release(executor, writer):
    """Write the site with the previous release's models, as its code would have."""
    old = executor.loader.project_state(PREVIOUS_RELEASE).apps
    model = old.get_model
    anxiety = model("conditions", "Condition").objects.create(
        slug="anxiety", name="Anxiety", aliases=["worry"], summary="Fear."
    )
    author = model("articles", "Author").objects.create(name="Ada Lovel", slug="ada-lovel")
    article = model("articles", "Article").objects.create(
        slug="closeness", title="Closeness and worry", summary="On closeness.", body="Closeness helps.[^a]",
        body_html="<p>Closeness helps.</p>", status="published", published_at=PUBLISHED_AT, author=author,
        created_by_id=writer.pk,
    )  # fmt: skip
    draft = model("articles", "Article").objects.create(
        slug="draft-one", title="A draft", body="Unfinished.", created_by_id=writer.pk
    )
    model("articles", "ArticleCondition").objects.create(article=article, condition=anxiety, note="A *note*.")
    model("articles", "Citation").objects.create(
        article=article, key="a", source="A journal", url="https://example.org/a"
    )
    quote = model("articles", "Quote").objects.create(
        text="Stay close.",
        attribution="A reader",
        fingerprint=hashlib.sha256(b"Stay close.\x00A reader").hexdigest(),
    )
    model("articles", "ArticleQuote").objects.create(article=article, quote=quote)
    tag = model("articles", "Tag").objects.create(name="Trust", slug="trust")
    model("articles", "ArticleTag").objects.create(article=article, tag=tag)
    model("articles", "RelatedArticle").objects.create(article=article, related=draft)
    model("articles", "ArticleSlugRedirect").objects.create(old_slug="old-closeness", article=article)
    model("articles", "ArchiveAnchor").objects.create(
        position=0, published_at=PUBLISHED_AT, article_id=article.pk, token=ANCHOR_TOKEN
    )
    _old_search_rows(article)
    # A revision as django-reversion stored it then: the old model's fields only.
    revision = Revision.objects.create(comment="Published.", date_created=PUBLISHED_AT)
    Version.objects.create(
        revision=revision,
        object_id=str(article.pk),
        content_type=ContentType.objects.get_for_model(Article),
        db="default",
        format="json",
        serialized_data=serializers.serialize("json", [article]),
        object_repr=article.title,
    )
    return article


def _old_search_rows(article):
    """The index row and vocabulary as the previous release's code wrote them."""
    words = {"closeness": 1, "worry": 1, "helps": 1, "anxiety": 1}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO search_document (article_id, published_at, head, rank_vector, vector, snippet_source)"
                " SELECT %s, %s, h, h, h || setweight(to_tsvector('english', %s), 'C'), %s"
                " FROM (SELECT setweight(to_tsvector('english', %s), 'A')"
                " || setweight(to_tsvector('english', %s), 'B') AS h) head",
                [article.pk, PUBLISHED_AT, "closeness helps", "On closeness. Closeness helps.",
                 "closeness and worry", "on closeness anxiety"],
            )  # fmt: skip
        else:
            cursor.execute(
                "INSERT INTO search_fts (rowid, title, meta, lead, body) VALUES (%s, %s, %s, %s, %s)",
                [article.pk, "Closeness and worry", "On closeness. Anxiety", "Closeness helps.", "Closeness helps."],
            )
            cursor.execute(
                "INSERT INTO search_document (article_id, published_at) VALUES (%s, %s)",
                [article.pk, PUBLISHED_AT.strftime("%Y-%m-%d %H:%M:%S")],
            )
        cursor.executemany("INSERT INTO search_term (word, df) VALUES (%s, %s)", list(words.items()))


def _export():
    out = io.StringIO()
    call_command("export_content", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_release_upgrades_in_place_and_loses_nothing(client, django_user_model):
    writer = django_user_model.objects.create_user("writer", password="x")
    executor = _executor()
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(PREVIOUS_RELEASE)
        article = _build_previous_release(_executor(), writer)
        _executor().migrate(latest)

        upgraded = _export()
        assert '"redirects": ["old-closeness"]' in upgraded and upgraded.count('"owner": "writer"') == 2
        assert client.get("/articles/old-closeness/").status_code == 301
        assert [hit.article.slug for hit in search.search("closeness").hits] == ["closeness"]
        assert search.search("closenes").suggestion == "closeness"
        version = Version.objects.get(object_id=str(article.pk))
        assert version.field_dict["title"] == "Closeness and worry"
        stored = Article.objects.get(pk=article.pk)
        assert stored.ever_published and stored.created_by_id == writer.pk
        # The archive anchors moved to the reader app with their table and rows.
        assert list(ArchiveAnchor.objects.values_list("position", "published_at", "article_id", "token")) == [
            (0, PUBLISHED_AT, article.pk, ANCHOR_TOKEN)
        ]

        # The same content, imported into the current schema, exports the same bytes.
        Article.objects.all().delete()
        for model in (ArticleSlugRedirect, Condition, Person, Tag, Quote):
            model.objects.all().delete()
        import_content(io.BytesIO(CONTENT.encode()))
        assert _export() == upgraded
    finally:
        _executor().migrate(latest)


BEFORE_PEOPLE = [("articles", "0008_archiveanchor_moves_to_reader")]


@pytest.mark.django_db(transaction=True)
def test_free_text_reviewers_become_reviewer_people_and_back(client):
    from django.contrib.auth.models import Group, Permission

    executor = _executor()
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE_PEOPLE)
        old = _executor().loader.project_state(BEFORE_PEOPLE).apps
        Author, OldArticle = old.get_model("articles", "Author"), old.get_model("articles", "Article")
        ada = Author.objects.create(name="Ada Lovel", slug="ada-lovel")
        grace = Author.objects.create(name="Dr Grace Lee", slug="grace")
        Author.objects.create(name="Taken", slug="dr-rhea-ng")  # the slug a new reviewer would get
        fields = {"body": "Text.", "status": "published", "published_at": PUBLISHED_AT}
        by_grace = OldArticle.objects.create(slug="one", title="One", author=ada, reviewed_by="Dr Grace Lee", **fields)
        by_rhea = OldArticle.objects.create(slug="two", title="Two", reviewed_by="Dr. Rhea Ng", **fields)
        by_nobody = OldArticle.objects.create(slug="three", title="Three", reviewed_by="", **fields)
        Version.objects.create(
            revision=Revision.objects.create(comment="Saved.", date_created=PUBLISHED_AT),
            object_id=str(by_grace.pk),
            content_type=ContentType.objects.get_for_model(Article),
            db="default",
            format="json",
            serialized_data=serializers.serialize("json", [by_grace]).replace("Dr Grace Lee", "Dr Old Reviewer"),
            object_repr="One",
        )
        writer_group = Group.objects.create(name="Writer")
        writer_group.permissions.add(Permission.objects.get(codename="add_author"))
        editor_group = Group.objects.create(name="Editor")
        editor_group.permissions.add(Permission.objects.get(codename="change_author"))

        _executor().migrate(latest)

        grace_now = Person.objects.get(pk=grace.pk)
        assert grace_now.is_reviewer and not Person.objects.get(pk=ada.pk).is_reviewer
        rhea = Person.objects.get(name="Dr. Rhea Ng")
        assert rhea.is_reviewer and rhea.slug == "dr-rhea-ng-2"
        old_reviewer = Person.objects.get(name="Dr Old Reviewer")  # named only by a revision: kept too
        assert old_reviewer.is_reviewer
        assert Article.objects.get(pk=by_grace.pk).reviewed_by == grace_now
        assert Article.objects.get(pk=by_rhea.pk).reviewed_by == rhea
        assert Article.objects.get(pk=by_nobody.pk).reviewed_by is None
        version = Version.objects.get(object_id=str(by_grace.pk))
        assert version.field_dict["reviewed_by_id"] == old_reviewer.pk
        assert version._object_version.object.reviewed_by == old_reviewer  # the revision still restores
        assert not writer_group.permissions.filter(codename__in=["add_author", "add_person"]).exists()
        assert editor_group.permissions.filter(codename="change_person").exists()
        # The page the byline links to exists for a reviewer of something published.
        assert client.get(f"/authors/{rhea.slug}/").status_code == 200

        _executor().migrate(BEFORE_PEOPLE)
        old = _executor().loader.project_state(BEFORE_PEOPLE).apps
        names = dict(old.get_model("articles", "Article").objects.values_list("slug", "reviewed_by"))
        assert names == {"one": "Dr Grace Lee", "two": "Dr. Rhea Ng", "three": ""}
        stored = json.loads(Version.objects.get(object_id=str(by_grace.pk)).serialized_data)
        assert stored[0]["fields"]["reviewed_by"] == "Dr Old Reviewer"
    finally:
        _executor().migrate(latest)
