import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import Article
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, UserFactory


def save_and_hold(*, article, by, title, saved, release):
    """Save `title` over version 1 in a transaction, set `saved`, and keep the row locked until release() returns."""
    try:
        with transaction.atomic():
            current = Article.objects.get(pk=article.pk)
            current.title = title
            services.article_save(article=current, by=by, expected_version=1)
            saved.set()
            release()
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_two_truly_simultaneous_saves_the_second_is_refused(roles):
    editor = UserFactory(username="eda", role="Editor")
    article = ArticleFactory(title="Original")
    first_saved, release = threading.Event(), threading.Event()
    results = {}

    def first():
        # Hold the row while the second save starts.
        save_and_hold(article=article, by=editor, title="First", saved=first_saved, release=lambda: release.wait(10))
        results["first"] = "saved"

    def second():
        try:
            first_saved.wait(10)
            theirs = Article.objects.get(pk=article.pk)  # still version 1: the first is not committed
            theirs.title = "Second"
            try:
                services.article_save(article=theirs, by=editor, expected_version=theirs.version)
                results["second"] = "saved"
            except services.ArticleConflict:
                results["second"] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_saved.wait(10)
    time.sleep(0.5)  # let the second save reach the row lock
    release.set()
    for thread in threads:
        thread.join(20)
    assert results == {"first": "saved", "second": "refused"}
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.version) == ("First", 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_form_save_that_loses_the_race_at_the_row_lock_keeps_the_editors_text(roles):
    # The form's check passes (their save has not committed yet); the write
    # then waits for their row lock and finds a newer version. Seen under
    # `make loadtest`: the admin answered with a redirect to a fresh form,
    # dropping the text while its message said "Your edits are still in the form".
    other = UserFactory(username="oona", role="Editor")
    article = ArticleFactory(title="Original", body="Their body.")
    client = Client()
    client.force_login(UserFactory(username="eda", role="Editor"))
    path = reverse("admin:articles_article_change", args=[article.pk])
    mine = admin_form_data(client.get(path), body="My careful rewrite.")
    holding = threading.Event()

    def until_the_admin_waits_on_the_row():
        with connection.cursor() as cursor:
            for _ in range(200):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.05)

    thread = threading.Thread(
        target=save_and_hold,
        kwargs={"article": article, "by": other, "title": "Their title", "saved": holding,
                "release": until_the_admin_waits_on_the_row},
    )  # fmt: skip
    thread.start()
    holding.wait(10)
    response = client.post(path, mine)
    thread.join(20)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "Not saved: oona saved this article" in str(form.non_field_errors())
    assert form["body"].value() == "My careful rewrite."
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.body, stored.version) == ("Their title", "Their body.", 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refreshing_related_posts_skips_an_article_another_save_holds_instead_of_waiting():
    from articles import related
    from tests.factories import ArticleConditionFactory, ConditionFactory

    condition = ConditionFactory()
    held, free = ArticleFactory(), ArticleFactory()
    for article in (held, free):
        ArticleConditionFactory(article=article, condition=condition)
    locked, release = threading.Event(), threading.Event()

    def editor_saving():
        try:
            with transaction.atomic():
                list(Article.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=editor_saving)
    thread.start()
    try:
        locked.wait(10)
        # Waiting would have written both once the holder let go; skipping writes one.
        assert related.refresh([held.pk, free.pk]) == 1
    finally:
        release.set()
        thread.join(20)
    assert Article.objects.get(pk=free.pk).related_ids == [held.pk]
    assert Article.objects.get(pk=held.pk).related_ids == []
