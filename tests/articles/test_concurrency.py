import threading
import time

import pytest
from django.db import connection, transaction

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory, UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_two_truly_simultaneous_saves_the_second_is_refused(roles):
    editor = UserFactory(username="eda", role="Editor")
    article = ArticleFactory(title="Original")
    first_saved, release = threading.Event(), threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                mine = Article.objects.get(pk=article.pk)
                mine.title = "First"
                services.article_save(article=mine, by=editor, expected_version=1)
                first_saved.set()
                release.wait(10)  # hold the row while the second save starts
            results["first"] = "saved"
        finally:
            connection.close()

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
