""" "Did you mean": never an error, never a word readers cannot see now."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

import search
from articles.models import Article
from search.query import OPERATOR_WORDS, STOP_WORDS, words

pytestmark = pytest.mark.django_db

URL = reverse("search:results")


def vocabulary():
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, df FROM search_term ORDER BY word")
        return dict(cursor.fetchall())


# ---------------------------------------------------------------------------
# A correction is never a stop word or an operator


@pytest.fixture
def common_words(publish):
    # Titles and openings full of stop words and operator words, as real writing is.
    publish("Not alone and not afraid", body="And then, near the end, or not at all: nothing is lost.")
    publish("Near and far", body="For the partner who is not there, and for the one who is near.")
    publish("A partner's words", body="Listening to a partner.")


@pytest.mark.parametrize(
    "typed",
    ["andand", "notnot", "oror", "nott", "annd", "thee", "nnot", "fore", "nearr",
     "andand partner", "partner notnot", "partner or andand", '"andand partner"', "-andand partner"],
)  # fmt: skip
def test_a_typo_of_a_stop_word_or_an_operator_is_never_corrected_into_one(client, common_words, typed):
    assert client.get(URL, {"q": typed}).status_code == 200
    suggestion = search.search(typed).suggestion
    assert not set(words(suggestion)) & (STOP_WORDS | OPERATOR_WORDS), suggestion


@pytest.mark.parametrize("typed", ["andand", "notnot", "annd", "nnot"])
def test_a_query_that_would_correct_to_nothing_but_stop_words_suggests_nothing(common_words, typed):
    assert search.search(typed).suggestion == ""


def test_the_vocabulary_holds_no_stop_words(common_words):
    assert set(vocabulary()).isdisjoint(STOP_WORDS)
    assert "near" in vocabulary()  # an operator only to FTS5, and an English word to readers


@pytest.mark.parametrize(
    "typed", ["near partnr", "NEAR partnr", "partnr near", '"near" partnr', "-near partnr", "partnr -NEAR"]
)
def test_fts5_operator_words_typed_by_the_reader_are_harmless_in_a_suggestion(client, common_words, typed):
    assert client.get(URL, {"q": typed}).status_code == 200
    assert "partner" in search.search(typed).suggestion


def test_an_empty_corrected_query_suggests_nothing(monkeypatch, common_words):
    # Even if a backend ever proposed a stop word, the empty query it makes is never run.
    engine = search.backend()
    monkeypatch.setattr(engine, "corrections", lambda typed: {w: "and" for w in typed})
    monkeypatch.setattr(engine, "exists", lambda parsed: pytest.fail("an empty query reached the database"))
    assert search.search("andand").suggestion == ""


# ---------------------------------------------------------------------------
# Suggestions only ever contain words readers can see now

HIDDEN = "Quixotry and its discontents"


def visible_article(publish):
    return publish("Closeness", body="Closeness matters.")


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "draft", "published_at": None},
        {"status": "review", "published_at": None},
        {"status": "published", "published_at": timezone.now() + dt.timedelta(days=1)},
    ],
)
def test_words_of_unpublished_articles_are_never_suggested(publish, fields):
    visible_article(publish)
    publish(HIDDEN, body="Quixotry.", **fields)
    assert search.search("quixotri").suggestion == ""
    # The attack: a published word makes the corrected query find something.
    assert search.search("closeness or quixotri").suggestion == ""
    assert search.search("quixotri or closeness").suggestion == ""
    assert search.search("closenes or quixotri").suggestion == "closeness or quixotri"


def test_drafts_and_reviews_add_nothing_to_the_vocabulary(publish):
    publish(HIDDEN, body="Quixotry.", status="draft", published_at=None)
    publish(HIDDEN, body="Quixotry.", status="review", published_at=None)
    assert "quixotry" not in vocabulary()


def test_a_scheduled_articles_words_are_suggested_once_its_time_has_come(publish, db_clock):
    when = timezone.now() + dt.timedelta(days=2)
    visible_article(publish)
    publish(HIDDEN, body="Quixotry.", published_at=when)
    db_clock(when - dt.timedelta(seconds=1))
    assert search.search("closeness or quixotri").suggestion == ""
    assert search.search("quixotri").suggestion == ""
    db_clock(when + dt.timedelta(seconds=1))
    assert search.search("quixotri").suggestion == "quixotry"
    assert search.search("closeness or quixotri").suggestion == "closeness or quixotry"


def editor():
    from articles.roles import setup_roles
    from tests.factories import UserFactory

    setup_roles()
    return UserFactory(username="eda", role="Editor")


def unpublish_by_service(article):
    from articles import services

    services.article_unpublish(article=article, by=editor())


def unpublish_by_save(article):
    article.status = Article.Status.DRAFT
    article.save()


def send_to_review_by_save(article):
    article.status = Article.Status.REVIEW
    article.save()


def unpublish_by_update(article):
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)


def delete_instance(article):
    article.delete()


def delete_by_queryset(article):
    Article.objects.filter(pk=article.pk).delete()


def delete_by_service(article):
    from articles import services

    services.article_delete(article=article, by=editor())


@pytest.mark.parametrize(
    "withdraw",
    [
        unpublish_by_service,
        unpublish_by_save,
        send_to_review_by_save,
        unpublish_by_update,
        delete_instance,
        delete_by_queryset,
        delete_by_service,
    ],
)
def test_words_of_a_withdrawn_or_deleted_article_leave_the_vocabulary_and_the_suggestions(publish, withdraw):
    visible_article(publish)
    hidden = publish(HIDDEN, body="Quixotry.")
    assert search.search("quixotri").suggestion == "quixotry"
    assert vocabulary()["quixotry"] == 1
    withdraw(hidden)
    assert "quixotry" not in vocabulary() and "discontents" not in vocabulary()
    assert vocabulary()["closeness"] == 1
    assert search.search("quixotri").suggestion == ""
    assert search.search("closeness or quixotri").suggestion == ""


def test_a_word_still_used_by_another_article_stays_in_the_vocabulary(publish):
    first = publish("Quixotry", body="Quixotry.")
    publish("Quixotry again", body="Closeness.")
    assert vocabulary()["quixotry"] == 2
    first.delete()
    assert vocabulary()["quixotry"] == 1
    assert search.search("quixotri").suggestion == "quixotry"


def test_editing_an_article_again_and_again_counts_its_words_once(publish):
    article = publish("Quixotry", body="Closeness.")
    for title in ("Quixotry", "Quixotry", "Tenderness"):
        article.title = title
        article.save()
        search.index_article(article)  # as the post-write path does after each save
    assert "quixotry" not in vocabulary()
    assert vocabulary()["tenderness"] == 1 and vocabulary()["closeness"] == 1


def test_a_hidden_word_is_not_suggested_even_when_a_visible_word_shares_its_stem(publish):
    # "connected" and "connecting" share a stem: the corrected query would find the
    # visible article, but the exact word readers would be shown is only in a draft.
    publish("Connecting", body="Connecting matters.")
    publish("Connected", body="Connected.", published_at=timezone.now() + dt.timedelta(days=1))
    assert search.search("connectd").suggestion == "connecting"


def test_a_hidden_word_typed_exactly_is_corrected_to_a_visible_one_like_any_unknown_word(publish):
    publish("Closeness", body="Closeness.")
    publish("Closenesss", body="A typo, scheduled.", published_at=timezone.now() + dt.timedelta(days=1))
    assert search.search("closenesss").suggestion == "closeness"


def test_an_article_indexed_then_withdrawn_inside_one_bulk_block_leaves_the_counts_right(publish):
    # Inside bulk() additions wait for the end of the block while a removal counts at once.
    visible_article(publish)
    hidden = publish(HIDDEN, body="Closeness.", status="draft", published_at=None)
    with search.bulk():
        Article.objects.filter(pk=hidden.pk).update(status="published", published_at=timezone.now())
        search.index_articles([hidden.pk])
        Article.objects.filter(pk=hidden.pk).update(status="draft")
    assert vocabulary() == {"closeness": 1, "matters": 1}
    with search.bulk():
        Article.objects.filter(pk=hidden.pk).update(status="published")
        search.index_articles([hidden.pk])
    assert vocabulary()["closeness"] == 2 and vocabulary()["quixotry"] == 1
