import pytest

import search
from tests.factories import ArticleConditionFactory, ArticleFactory, ConditionFactory


@pytest.fixture
def publish():
    """Create a published article with optional conditions, indexed as the services' writes are."""

    def make(title="Untitled", body="Nothing in particular.", *, summary="", conditions=(), **fields):
        article = ArticleFactory(title=title, body=body, summary=summary, **fields)
        for condition in conditions:
            ArticleConditionFactory(article=article, condition=condition, note="")
        search.index_article(article)
        return article

    return make


@pytest.fixture
def ptsd():
    return ConditionFactory(slug="ptsd", name="Post-traumatic stress disorder", aliases=["PTSD"])


def titles(query, **kwargs):
    return [hit.article.title for hit in search.search(query, **kwargs).hits]
