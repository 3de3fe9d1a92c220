import datetime as dt

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from articles.models import ARTICLE_PART_MODELS, ARTICLE_PARTS, EDITORIAL_FIELDS, Article, Quote
from tests.factories import ArticleFactory, QuoteFactory

pytestmark = pytest.mark.django_db


def test_published_article_dated_in_the_past_is_visible():
    article = ArticleFactory(published_at=timezone.now() - dt.timedelta(seconds=1))
    assert list(Article.objects.published()) == [article]


def test_article_becomes_visible_exactly_at_its_publication_time(db_clock):
    moment = timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
    article = ArticleFactory(published_at=moment)
    assert not Article.objects.published().exists()

    db_clock(moment - dt.timedelta(microseconds=1))
    assert not Article.objects.published().exists()
    db_clock(moment)
    assert list(Article.objects.published()) == [article]


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.REVIEW])
def test_unpublished_statuses_are_never_visible_even_when_dated(status):
    ArticleFactory(status=status, published_at=timezone.now() - dt.timedelta(days=3))
    assert not Article.objects.published().exists()


def test_published_without_a_date_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)


def test_article_slugs_are_unique_and_well_formed():
    ArticleFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(slug="Not A Slug")


def test_a_quote_is_one_row_per_text_and_attribution():
    QuoteFactory(text="Be kind.", attribution="Anon")
    QuoteFactory(text="Be kind.", attribution="Someone else")
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(text="Be kind.", attribution="Anon")


def test_render_numbers_citation_references_in_citation_order():
    article = ArticleFactory(body="First[^b] then[^a].")
    article.citations.create(key="a", source="A", position=0)
    article.citations.create(key="b", source="B", position=1)
    article.render()
    assert 'href="#cite-2"' in article.body_html.split("then")[0]
    assert 'href="#cite-1"' in article.body_html.split("then")[1]


def test_the_editorial_fields_are_every_field_an_editor_can_set():
    # The admin form, the role checks, the history's "what changed" and the
    # import all take this one list: a new editable field must be in it.
    editable = [f.name for f in Article._meta.concrete_fields if f.editable and not f.primary_key]
    assert sorted(EDITORIAL_FIELDS) == sorted(editable)
    assert len(set(EDITORIAL_FIELDS)) == len(EDITORIAL_FIELDS)


def test_the_parts_of_an_article_are_every_model_whose_rows_are_deleted_with_it():
    # A revision holds them and a restore puts them back: a part left out would be lost by an undo.
    deleted_with_it = {
        model
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.many_to_one
        and field.name == "article"
        and field.related_model is Article
        and field.remote_field.on_delete is models.CASCADE
    }
    assert set(ARTICLE_PART_MODELS) == deleted_with_it
    assert [getattr(Article, name).rel.related_model for name in ARTICLE_PARTS] == list(ARTICLE_PART_MODELS)
