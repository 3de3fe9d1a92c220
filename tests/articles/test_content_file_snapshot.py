"""A backup is one moment of the site, and taking it does not stop editors writing."""

import io
import threading
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from articles.content_file import exporter, import_content
from articles.models import Article, ArticleCondition, ArticleSlugRedirect, Person, Quote, RelatedArticle
from conditions.models import Condition
from tests.factories import ArticleFactory, ConditionFactory


def write_meanwhile():
    """In another connection, commit a new condition, an article filed under it, and a rename."""

    def work():
        try:
            with transaction.atomic():
                condition = ConditionFactory(slug="arrived-later")
                article = ArticleFactory(slug="written-during-the-export")
                ArticleCondition.objects.create(article=article, condition=condition, position=0)
                Article.objects.filter(slug="pinned").update(slug="pinned-renamed")
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()


def export_with_a_writer_in_the_middle(path):
    """Run `export_content path`; another connection commits once the conditions have been read."""
    real = exporter.condition_record
    calls = []

    def condition_record(condition):
        if not calls:
            write_meanwhile()
        calls.append(condition.slug)
        return real(condition)

    with mock.patch.object(exporter, "condition_record", condition_record):
        call_command("export_content", str(path), stderr=io.StringIO())
    assert calls  # the writer really ran between the export's queries
    return path.read_bytes()


def export_now():
    out = io.StringIO()
    exporter.export(out)
    return out.getvalue().encode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_export_reads_one_moment_while_a_writer_commits_between_its_queries(tmp_path):
    ConditionFactory(slug="anxiety")
    pinned = ArticleFactory(slug="pinned")
    pinning = ArticleFactory(slug="pinning")
    RelatedArticle.objects.create(article=pinning, related=pinned, position=0)
    before = export_now()

    backup = export_with_a_writer_in_the_middle(tmp_path / "backup.jsonl")

    # The moment before the writer, not half of each: read in READ COMMITTED,
    # the new article names a condition the file does not hold.
    assert backup == before
    assert Article.objects.filter(slug="written-during-the-export").exists()
    ArticleSlugRedirect.objects.all().delete()
    for model in (Article, Quote, Condition, Person):  # the backup holds people too
        model.objects.all().delete()
    import_content(io.BytesIO(backup))
    assert export_now() == backup


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_export_transaction_is_read_only_on_postgresql(tmp_path):
    ArticleFactory(slug="one")
    with mock.patch.object(exporter, "article_record", lambda article: Article.objects.update(title="x")):
        with pytest.raises(Exception, match="read-only transaction"):
            call_command("export_content", str(tmp_path / "backup.jsonl"), stderr=io.StringIO())
    assert not (tmp_path / "backup.jsonl").exists()


@pytest.mark.django_db(transaction=True)
def test_an_export_on_sqlite_does_not_take_the_write_lock(tmp_path):
    # The settings begin every transaction IMMEDIATE (the write lock at once);
    # an export that did so would make every editor's save wait for it: 12.7 s
    # at 10,000 articles, failing past the 20 s timeout.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking")
    ArticleFactory(slug="one")
    begins = []
    real_execute = None

    def record_begin(cursor_self, sql, params=None):
        if sql.startswith("BEGIN"):
            begins.append(sql)
        return real_execute(cursor_self, sql, params)

    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    real_execute = SQLiteCursorWrapper.execute
    with mock.patch.object(SQLiteCursorWrapper, "execute", record_begin):
        call_command("export_content", str(tmp_path / "backup.jsonl"), stderr=io.StringIO())
    assert begins == ["BEGIN DEFERRED"]
    # and the connection's own transactions are IMMEDIATE again afterwards
    with mock.patch.object(SQLiteCursorWrapper, "execute", record_begin), transaction.atomic():
        Article.objects.update(title="after")
    assert begins == ["BEGIN DEFERRED", "BEGIN IMMEDIATE"]
