import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles import related, services
from articles.content_file import import_content
from articles.models import Article
from articles.related import pools, related_articles
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
    """The article as the page loads it, after every list was computed (the factories bypass the services)."""
    related.refresh_all()
    return Article.objects.get(pk=article.pk)


def stored(article):
    return Article.objects.get(pk=article.pk).related_ids


def titles(articles):
    return [a.title for a in articles]


# ---------------------------------------------------------------- ordering


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


def test_a_shared_condition_counts_even_for_a_candidate_found_through_another_term():
    # "Both" is too old to be among c2's newest, but reached through c1 it
    # still scores for both conditions it shares.
    c1, c2 = ConditionFactory.create_batch(2)
    article = article_with(conditions=[c1, c2])
    article_with(title="Both", conditions=[c1, c2], published_at=days_ago(500))
    for i in range(related.CANDIDATES_PER_TERM):
        article_with(title=f"c2 only {i}", conditions=[c2], published_at=days_ago(i + 1))
    assert titles(related_articles(loaded(article), limit=2)) == ["Both", "c2 only 0"]


def test_pinned_articles_come_first_in_the_editors_order():
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    strong = article_with(title="Strong match", conditions=[condition], published_at=days_ago(2))
    second = ArticleFactory(title="Pinned second", published_at=days_ago(300))
    first = ArticleFactory(title="Pinned first", published_at=days_ago(400))
    RelatedArticleFactory(article=article, related=first, position=0)
    RelatedArticleFactory(article=article, related=second, position=1)
    assert related_articles(loaded(article)) == [first, second, strong]
    assert stored(article) == [first.pk, second.pk, strong.pk]


def test_at_most_the_limit_and_pinned_do_not_repeat():
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    others = [article_with(conditions=[condition], published_at=days_ago(i + 2)) for i in range(6)]
    RelatedArticleFactory(article=article, related=others[3])
    assert related_articles(loaded(article)) == [others[3], others[0], others[1], others[2]]


def test_an_article_with_no_conditions_or_tags_gets_only_its_pins():
    article = ArticleFactory()
    pinned = ArticleFactory()
    ArticleFactory.create_batch(3)
    RelatedArticleFactory(article=article, related=pinned)
    assert related_articles(loaded(article)) == [pinned]


def test_at_most_related_candidates_are_stored():
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    others = [article_with(conditions=[condition], published_at=days_ago(i + 2)) for i in range(15)]
    related.refresh([article.pk])
    assert stored(article) == [a.pk for a in others[: related.RELATED_CANDIDATES]]


# ---------------------------------------------------------------- what may be stored and shown


def test_never_the_article_itself_and_never_a_draft_or_an_article_in_review():
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    unseen = [article_with(conditions=[condition], status=status) for status in ("draft", "review")]
    for other in unseen:
        RelatedArticleFactory(article=article, related=other)
    visible = article_with(conditions=[condition], published_at=days_ago(3))
    related.refresh_all()
    assert stored(article) == [visible.pk]
    assert related_articles(Article.objects.get(pk=article.pk)) == [visible]


def test_a_scheduled_article_is_stored_but_shown_only_from_its_time(db_clock):
    condition = ConditionFactory()
    now = timezone.now()
    article = article_with(conditions=[condition], published_at=now - dt.timedelta(days=1))
    scheduled = article_with(title="Scheduled", conditions=[condition], published_at=now + dt.timedelta(hours=1))
    older = article_with(title="Older", conditions=[condition], published_at=now - dt.timedelta(days=2))
    related.refresh_all()
    assert stored(article) == [scheduled.pk, older.pk]

    db_clock(now)
    assert titles(related_articles(Article.objects.get(pk=article.pk))) == ["Older"]
    db_clock(scheduled.published_at)
    assert titles(related_articles(Article.objects.get(pk=article.pk))) == ["Scheduled", "Older"]


@pytest.mark.parametrize("withdraw", ["unpublish", "delete"])
def test_a_withdrawn_article_leaves_readers_lists_at_once_and_stored_lists_after_the_save(
    editor, withdraw, django_capture_on_commit_callbacks
):
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    gone = article_with(title="Withdrawn", conditions=[condition], published_at=days_ago(2))
    stays = article_with(title="Stays", conditions=[condition], published_at=days_ago(3))
    related.refresh_all()
    assert stored(article) == [gone.pk, stays.pk]

    # Readers stop seeing it before any list is recomputed: reading filters through published().
    Article.objects.filter(pk=gone.pk).update(status="draft")
    assert titles(related_articles(Article.objects.get(pk=article.pk))) == ["Stays"]
    Article.objects.filter(pk=gone.pk).update(status="published")

    gone.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        if withdraw == "unpublish":
            services.article_unpublish(article=gone, by=editor)
        else:
            services.article_delete(article=gone, by=editor)
    assert stored(article) == [stays.pk]
    assert gone.pk not in stored(stays)


def test_publishing_a_new_article_puts_it_in_its_closest_neighbours_list(editor, django_capture_on_commit_callbacks):
    condition, other = ConditionFactory(), ConditionFactory()
    neighbour = article_with(title="Quiet evenings", conditions=[condition], published_at=days_ago(10))
    article_with(title="Loud mornings", conditions=[condition], published_at=days_ago(20))
    stranger = article_with(title="Elsewhere", conditions=[other], published_at=days_ago(5))
    related.refresh_all()

    new = article_with(title="New", conditions=[condition], status="draft", published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=new, by=editor)
    assert stored(neighbour)[0] == new.pk
    assert titles(related_articles(Article.objects.get(pk=neighbour.pk)))[0] == "New"
    assert new.pk not in stored(stranger)


def test_editing_an_articles_conditions_through_the_admin_path_recomputes_its_list(
    editor, django_capture_on_commit_callbacks
):
    old, new = ConditionFactory(), ConditionFactory()
    article = article_with(conditions=[old])
    before = article_with(conditions=[old], published_at=days_ago(2))
    after = article_with(conditions=[new], published_at=days_ago(3))
    related.refresh_all()
    assert stored(article) == [before.pk]

    article.condition_links.all().delete()  # the admin's inline formset, then save_related():
    ArticleConditionFactory(article=article, condition=new)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_render(article=article)
    assert stored(article) == [after.pk]
    assert article.pk in stored(after)


def test_a_pinned_draft_joins_the_pinning_articles_list_when_it_is_published(
    editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    pinned = ArticleFactory(status="draft", published_at=None)
    RelatedArticleFactory(article=article, related=pinned)
    related.refresh_all()
    assert stored(article) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=pinned, by=editor)
    assert stored(article) == [pinned.pk]


def test_lists_naming_finds_every_list_that_holds_an_article():
    a, b, c = ArticleFactory.create_batch(3)
    Article.objects.filter(pk=a.pk).update(related_ids=[b.pk, c.pk])
    Article.objects.filter(pk=b.pk).update(related_ids=[c.pk])
    assert related.lists_naming([c.pk]) == {a.pk, b.pk}
    assert related.lists_naming([b.pk, a.pk]) == {a.pk}
    assert related.lists_naming([]) == set()
    many = [b.pk, *range(10**6, 10**6 + 200)]  # the other way of asking, for long lists of ids
    assert related.lists_naming(many) == {a.pk}


# ---------------------------------------------------------------- in bulk


def test_the_import_computes_related_lists_once_it_commits(django_capture_on_commit_callbacks):
    def record(slug, days, condition="ptsd"):
        return {
            "type": "article", "slug": slug, "title": slug.title(), "body": "Text.", "status": "published",
            "published_at": (timezone.now() - dt.timedelta(days=days)).isoformat(),
            "conditions": [{"slug": condition}],
        }  # fmt: skip

    lines = [
        {"type": "condition", "slug": "ptsd", "name": "PTSD"},
        {"type": "condition", "slug": "grief", "name": "Grief"},
        record("first", 3),
        record("second", 2),
        record("third", 1),
        record("apart", 1, "grief"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        import_content(io.BytesIO("".join(json.dumps(line) + "\n" for line in lines).encode()))
        ids = dict(Article.objects.values_list("slug", "pk"))
        assert stored(Article(pk=ids["first"])) == []  # after the commit, once for the file
    ids = dict(Article.objects.values_list("slug", "pk"))
    assert stored(Article(pk=ids["first"])) == [ids["third"], ids["second"]]
    assert stored(Article(pk=ids["apart"])) == []
    # A re-import with a new neighbour puts it in the lists it belongs to.
    with django_capture_on_commit_callbacks(execute=True):
        import_content(io.BytesIO("".join(json.dumps(line) + "\n" for line in [*lines, record("fourth", 0)]).encode()))
    assert stored(Article(pk=ids["first"]))[0] == Article.objects.get(slug="fourth").pk


def test_bulk_refresh_gives_the_same_lists_as_refreshing_one_article_at_a_time():
    conditions, tags = ConditionFactory.create_batch(4), TagFactory.create_batch(4)
    articles = []
    for i in range(30):
        articles.append(
            article_with(
                title=f"Piece {i % 7} about closeness",
                summary=f"Words {i % 3} trust",
                conditions=conditions[i % 4 : i % 4 + 1 + i % 2],
                tags=tags[: i % 4],
                published_at=days_ago(i % 11),  # ties on the date too
            )
        )
    RelatedArticleFactory(article=articles[0], related=articles[29])
    pools.CANDIDATES_PER_TERM, saved = 8, pools.CANDIDATES_PER_TERM  # pools smaller than the site
    try:
        one_by_one = {a.pk: related.compute([a.pk])[a.pk] for a in articles}
        assert related.compute([a.pk for a in articles]) == one_by_one
        related.refresh_all()
        assert dict(Article.objects.values_list("pk", "related_ids")) == one_by_one
    finally:
        pools.CANDIDATES_PER_TERM = saved


@pytest.mark.parametrize("size", [10, 50])
def test_refresh_takes_a_bounded_number_of_queries_however_many_articles(size, django_assert_max_num_queries):
    conditions, tags = ConditionFactory.create_batch(5), TagFactory.create_batch(5)
    articles = [
        article_with(conditions=conditions[i % 5 :], tags=tags[: i % 5], published_at=days_ago(i + 1))
        for i in range(size)
    ]
    RelatedArticleFactory(article=articles[0], related=articles[1])
    # articles, conditions, tags, pins, pools, pooled articles, their
    # conditions and tags, one UPDATE, and the transaction's savepoint
    with django_assert_max_num_queries(11):
        assert related.refresh([a.pk for a in articles]) == size


def test_reading_related_posts_takes_one_query(django_assert_num_queries):
    condition = ConditionFactory()
    article = article_with(conditions=[condition])
    for i in range(6):
        article_with(conditions=[condition], published_at=days_ago(i + 1))
    page_article = loaded(article)
    with django_assert_num_queries(1):
        assert len(related_articles(page_article)) == 4


def test_the_refresh_related_command_recomputes_every_list_or_those_changed_since():
    condition = ConditionFactory()
    first, second = (article_with(conditions=[condition], published_at=days_ago(d)) for d in (2, 1))
    out = io.StringIO()
    call_command("refresh_related", stdout=out)
    assert "2 list(s) changed" in out.getvalue()
    assert stored(first) == [second.pk]

    Article.objects.filter(pk=first.pk).update(related_ids=[], modified=days_ago(30))
    Article.objects.filter(pk=second.pk).update(related_ids=[], modified=days_ago(0))
    call_command("refresh_related", "--since", days_ago(1).date().isoformat(), stdout=io.StringIO())
    # The article modified since, and the one now in its list.
    assert (stored(first), stored(second)) == ([second.pk], [first.pk])

    with pytest.raises(CommandError, match="is not a date"):
        call_command("refresh_related", "--since", "yesterday")
