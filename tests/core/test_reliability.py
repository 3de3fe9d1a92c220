import os
import subprocess

import pytest
from django.db import OperationalError
from django.test import Client

from articles.models import ArticleQuerySet
from tests.factories import ArticleFactory


def failing_published(self):
    raise OperationalError("connection to server on socket failed: secret-internal-detail")


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert not response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_a_database_error_in_a_page_is_a_calm_503_without_details(monkeypatch, settings, debug):
    settings.DEBUG = debug
    monkeypatch.setattr(ArticleQuerySet, "published", failing_published)
    response = Client(raise_request_exception=False).get("/articles/")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    body = response.content.decode()
    assert "back shortly" in body and "If you are in crisis" in body
    assert "secret-internal-detail" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_any_other_error_is_a_friendly_500(monkeypatch, settings):
    settings.DEBUG = False

    def broken(self):
        raise ValueError("internal detail")

    monkeypatch.setattr(ArticleQuerySet, "published", broken)
    response = Client(raise_request_exception=False).get("/articles/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "internal detail" not in response.content.decode()


def pg_ctl(action):
    subprocess.run([os.environ["INTIMACYHUB_PG_CTL"], action], check=True, timeout=90)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_site_answers_503_while_postgresql_is_down_and_recovers_without_a_restart():
    article = ArticleFactory()
    client = Client(raise_request_exception=False)
    pages = ["/", "/articles/", article.get_absolute_url(), "/conditions/"]
    for url in pages:
        assert client.get(url).status_code == 200, url
    pg_ctl("stop")
    try:
        for url in pages:
            response = client.get(url)
            assert response.status_code == 503, url
            assert "Retry-After" in response
            assert b"Traceback" not in response.content
        assert client.get("/healthz").status_code == 503
    finally:
        pg_ctl("start")
    assert client.get("/healthz").status_code == 200
    for url in pages:
        assert client.get(url).status_code == 200, url
