import datetime as dt

import pytest
from django.utils import timezone

from articles.models import Article
from articles.related import related_articles
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    ArticleTagFactory,
    ConditionFactory,
    RelatedArticleFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


def article_with(*, conditions=(), tags=(), **fields):
    article = ArticleFactory(**fields)
    for position, condition in enumerate(conditions):
        ArticleConditionFactory(article=article, condition=condition, position=position)
    for position, tag in enumerate(tags):
        ArticleTagFactory(article=article, tag=tag, position=position)
    return article


def loaded(article):
    """The article as the article page loads it: links prefetched."""
    return Article.objects.prefetch_related("condition_links", "tag_links").get(pk=article.pk)


def titles(articles):
    return [a.title for a in articles]


def test_shared_conditions_outweigh_tags_which_outweigh_words():
    c1, c2, c3 = ConditionFactory.create_batch(3)
    t1, t2 = TagFactory.create_batch(2)
    article = article_with(conditions=[c1, c2, c3], tags=[t1, t2], title="Sleep and closeness", summary="")
    article_with(title="Two conditions", conditions=[c1, c2], published_at=days_ago(50))
    article_with(title="One condition, two tags", conditions=[c3], tags=[t1, t2], published_at=days_ago(40))
    article_with(title="One condition", conditions=[c1], published_at=days_ago(30))
    article_with(title="Two tags", tags=[t1, t2], published_at=days_ago(2))
    article_with(title="One tag, same words: sleep and closeness", tags=[t1], published_at=days_ago(60))
    article_with(title="Nothing shared", published_at=days_ago(1))

    assert titles(related_articles(loaded(article), limit=10)) == [
        "Two conditions",
        "One condition, two tags",
        "One condition",
        "Two tags",
        "One tag, same words: sleep and closeness",
    ]


def test_ties_go_to_the_newer_article_unless_title_and_summary_are_closer():
    condition = ConditionFactory()
    article = article_with(conditions=[condition], title="Touch and trust after trauma", summary="Rebuilding trust.")
    article_with(title="Older", conditions=[condition], published_at=days_ago(20))
    article_with(title="Newer", conditions=[condition], published_at=days_ago(10))
    article_with(title="Trust after trauma", summary="Trust, touch.", conditions=[condition], published_at=days_ago(30))
    assert titles(related_articles(loaded(article))) == ["Trust after trauma", "Newer", "Older"]


def test_pinned_articles_come_first_in_the_editors_order():
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    strong = article_with(title="Strong match", conditions=[condition], published_at=days_ago(2))
    second = ArticleFactory(title="Pinned second", published_at=days_ago(300))
    first = ArticleFactory(title="Pinned first", published_at=days_ago(400))
    RelatedArticleFactory(article=article, related=first, position=0)
    RelatedArticleFactory(article=article, related=second, position=1)
    related = related_articles(loaded(article))
    assert related == [first, second, strong]


def test_never_the_article_itself_nor_anything_readers_cannot_see():
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    hidden = [
        article_with(conditions=[condition], status="draft"),
        article_with(conditions=[condition], status="review"),
        article_with(conditions=[condition], published_at=timezone.now() + dt.timedelta(hours=1)),
    ]
    for other in hidden:
        RelatedArticleFactory(article=article, related=other)
    visible = article_with(conditions=[condition], published_at=days_ago(3))
    assert related_articles(loaded(article)) == [visible]


def test_at_most_the_limit_and_pinned_do_not_repeat():
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    others = [article_with(conditions=[condition], published_at=days_ago(i + 2)) for i in range(6)]
    RelatedArticleFactory(article=article, related=others[3])
    related = related_articles(loaded(article))
    assert related == [others[3], others[0], others[1], others[2]]


def test_an_article_with_no_conditions_or_tags_gets_only_its_pins():
    article = ArticleFactory()
    pinned = ArticleFactory()
    ArticleFactory.create_batch(3)
    RelatedArticleFactory(article=article, related=pinned)
    assert related_articles(loaded(article)) == [pinned]


def test_related_posts_take_two_queries_however_big_the_site(django_assert_num_queries):
    conditions, tags = ConditionFactory.create_batch(5), TagFactory.create_batch(5)
    article = article_with(conditions=conditions, tags=tags)
    RelatedArticleFactory(article=article)

    def grow():
        for i in range(10):
            article_with(conditions=conditions[i % 5 :], tags=tags[: i % 5], published_at=days_ago(i + 1))

    grow()
    page_article = loaded(article)
    with django_assert_num_queries(2):
        assert len(related_articles(page_article)) == 4
    grow()
    with django_assert_num_queries(2):
        assert len(related_articles(page_article)) == 4
