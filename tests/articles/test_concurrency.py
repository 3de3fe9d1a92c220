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
