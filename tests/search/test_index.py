"""The index follows every change, and never shows what readers may not see."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

import search
from articles import services
from articles.content_file import import_content
from articles.models import Article
from tests.search.conftest import titles

pytestmark = pytest.mark.django_db


def test_a_new_article_is_found_at_once(publish):
    publish("Oxytocin", body="Hugs release oxytocin.")
    assert titles("oxytocin") == ["Oxytocin"]


def test_an_edit_is_followed_once_it_commits(publish, editor, django_capture_on_commit_callbacks):
    article = publish("Before", body="Dopamine.")
    article.title, article.body = "After", "Serotonin."
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(article=article, by=editor)
        assert titles("serotonin") == []
    assert titles("serotonin") == ["After"]
    assert titles("dopamine") == [] and titles("before") == []


def test_a_deleted_article_disappears(publish):
    article = publish("Gone", body="Cortisol.")
    other = publish("Also gone", body="Cortisol.")
    article.delete()
    assert titles("cortisol") == ["Also gone"]
    Article.objects.filter(pk=other.pk).delete()
    assert search.search("cortisol").total == 0


def test_publishing_adds_and_unpublishing_removes(publish, editor, django_capture_on_commit_callbacks):
    article = publish("Draft first", body="Mindfulness.", status="draft", published_at=None)
    assert titles("mindfulness") == []
    with django_capture_on_commit_callbacks(execute=True):
        article = services.article_publish(article=article, by=editor)
    assert titles("mindfulness") == ["Draft first"]
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=article, by=editor)
    assert titles("mindfulness") == []


def test_a_raw_save_leaves_the_index_to_the_services_but_never_shows_an_unpublished_article(publish):
    article = publish("Withdrawn", body="Gratitude.")
    article.status = "review"
    article.save()  # the database's trigger drops the row at once
    assert titles("gratitude") == []


def test_unpublishing_through_a_queryset_update_is_followed_too(publish):
    article = publish("Bulk", body="Journaling.")
    Article.objects.filter(pk=article.pk).update(status="draft")
    assert search.search("journaling").total == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL alters tables in place")
def test_the_triggers_outlive_migrations_that_rebuild_the_article_table_on_sqlite(publish):
    # 0004_article_related_ids rebuilds articles_article, which drops its triggers; it recreates them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles_article'")
        names = {name for (name,) in cursor.fetchall()}
    assert names == {
        "search_follow_article_delete",
        "search_follow_article_unpublish",
        "search_follow_article_reschedule",
    }
    publish("Kept", body="Journaling.")
    deleted = publish("Deleted", body="Journaling.")
    Article.objects.filter(pk=deleted.pk).delete()
    assert titles("journaling") == ["Kept"]


def test_import_indexes_new_and_changed_articles_and_renamed_conditions(django_capture_on_commit_callbacks):
    def lines(*records):
        return io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode())

    condition = {"type": "condition", "slug": "grief", "name": "Grief", "aliases": ["bereavement"]}
    article = {
        "type": "article", "slug": "after-a-loss", "title": "After a loss", "body": "Mourning takes time.",
        "status": "published", "published_at": "2024-03-01T10:00:00+00:00", "conditions": [{"slug": "grief"}],
    }  # fmt: skip
    import_content(lines(condition, article))
    assert titles("mourning") == ["After a loss"]
    assert titles("grief") == ["After a loss"]
    with django_capture_on_commit_callbacks(execute=True):
        import_content(lines(dict(condition, name="Sorrow"), dict(article, body="Healing takes time.")))
    assert titles("healing") == ["After a loss"] and titles("mourning") == []
    assert titles("sorrow") == ["After a loss"]
    import_content(lines(condition, dict(article, status="draft", published_at=None)))
    assert search.search("healing").total == 0


def test_the_rebuild_command_restores_a_lost_index(publish):
    publish("Rebuilt", body="Resilience.")
    search.backend().clear()
    assert titles("resilience") == []
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Indexed 1" in out.getvalue()
    assert titles("resilience") == ["Rebuilt"]
    assert search.search("resilence").suggestion == "resilience"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "draft", "published_at": None},
        {"status": "review", "published_at": None},
        {"status": "published", "published_at": timezone.now() + dt.timedelta(days=1)},
    ],
)
def test_unpublished_articles_never_show_in_results_counts_snippets_or_suggestions(publish, fields):
    publish("Visible", body="Closeness matters.")
    publish("Hidden closeness", body="Closeness and quixotry.", **fields)
    results = search.search("closeness")
    assert [h.article.title for h in results.hits] == ["Visible"] and results.total == 1
    assert "quixotry" not in "".join(h.snippet for h in results.hits)
    assert search.search("quixotry").total == 0
    assert search.search("quixotri").suggestion == ""
    assert search.search("quixotry", condition="").hits == []


def test_a_scheduled_article_appears_at_its_time_with_no_job(publish, db_clock):
    when = timezone.now() + dt.timedelta(days=2)
    publish("Scheduled", body="Affection.", published_at=when)
    db_clock(when - dt.timedelta(seconds=1))
    assert titles("affection") == []
    db_clock(when + dt.timedelta(seconds=1))
    assert titles("affection") == ["Scheduled"]


def test_rescheduling_into_the_future_hides_an_article(publish):
    article = publish("Moved", body="Empathy.")
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() + dt.timedelta(days=3))
    assert titles("empathy") == []


def test_renaming_a_condition_is_followed_once_its_articles_are_reindexed(publish, ptsd):
    publish("Filed", body="Nothing else.", conditions=[ptsd])
    ptsd.name = "Trauma-related stress"
    ptsd.save()
    search.index_condition_articles(ptsd.id)
    assert titles("related") == ["Filed"]


def test_conditions_added_through_the_admin_path_are_indexed_with_the_article(
    publish, django_capture_on_commit_callbacks
):
    from articles import services
    from tests.factories import ConditionFactory

    article = publish("A quiet title", body="Nothing about it here.")
    condition = ConditionFactory(name="Trichotillomania")
    # The admin saves the article first, then its inlines, then re-renders.
    article.condition_links.create(condition=condition, position=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_render(article=article)
    assert titles("trichotillomania") == ["A quiet title"]


def test_renaming_a_condition_reindexes_its_articles(publish, django_capture_on_commit_callbacks):
    from tests.factories import ConditionFactory

    condition = ConditionFactory(name="Old condition name")
    article = publish("Filed under it", body="Plain words.")
    article.condition_links.create(condition=condition, position=0)
    search.index_article(article)
    with django_capture_on_commit_callbacks(execute=True):
        condition.name = "Dermatillomania"
        condition.save()
    assert titles("dermatillomania") == ["Filed under it"]


def vocabulary():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT word, df FROM search_term ORDER BY word")
        return cursor.fetchall()


def test_indexing_in_bulk_writes_the_same_vocabulary_once_at_the_end(publish):
    ids = [publish(f"Article {n}", body=f"Oxytocin and trust, part {n}.").pk for n in range(3)]
    search.rebuild()
    expected = vocabulary()
    assert ("oxytocin", 3) in expected
    search.backend().clear()
    with search.bulk():
        for article_id in ids:
            search.index_articles([article_id])
        assert vocabulary() == []
    assert vocabulary() == expected
    assert len(titles("oxytocin")) == 3


def test_nothing_deferred_is_written_when_the_bulk_block_fails(publish):
    article = publish("Oxytocin", body="Hugs release oxytocin.")
    search.backend().clear()
    with pytest.raises(RuntimeError), search.bulk():
        search.index_articles([article.pk])
        raise RuntimeError
    assert vocabulary() == []
