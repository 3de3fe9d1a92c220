"""The admin index is a desk: each role's lists, what they hold, and a fixed number of queries (issue 17)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.dashboard import desk_for
from articles.models import Article
from tests.factories import ArticleFactory, CorrectionFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def panels(user):
    return {panel.key: panel for panel in desk_for(user)}


def titles(panel):
    return [title for title, _url, _note in panel.rows]


def draft(title, by, **fields):
    return ArticleFactory(title=title, status=Article.Status.DRAFT, published_at=None, created_by=by, **fields)


def test_each_role_sees_its_own_lists(writer, editor, reviewer):
    assert list(panels(writer)) == ["drafts", "scheduled", "blocking", "corrections"]
    assert list(panels(editor)) == ["drafts", "review", "scheduled", "overdue", "blocking", "corrections"]
    assert list(panels(reviewer)) == ["review", "scheduled", "overdue", "blocking", "corrections"]


def test_my_drafts_are_the_signed_in_persons_drafts_newest_first(writer, editor):
    older = draft("Older draft", writer)
    Article.objects.filter(pk=older.pk).update(modified=timezone.now() - dt.timedelta(days=1))
    draft("Newer draft", writer)
    draft("Someone else's draft", editor)
    ArticleFactory(title="Sent to review", status=Article.Status.REVIEW, published_at=None, created_by=writer)
    mine = panels(writer)["drafts"]
    assert titles(mine) == ["Newer draft", "Older draft"]
    assert mine.count == 2
    assert titles(panels(editor)["drafts"]) == ["Someone else's draft"]


def test_the_lists_are_short_and_say_how_many_there_are(writer):
    for n in range(7):
        draft(f"Draft {n}", writer)
    mine = panels(writer)["drafts"]
    assert len(mine.rows) == 5
    assert mine.count == 7


def test_waiting_for_review_lists_articles_in_review_oldest_first(editor, reviewer, writer):
    first = ArticleFactory(title="Sent first", status=Article.Status.REVIEW, published_at=None, created_by=writer)
    Article.objects.filter(pk=first.pk).update(modified=timezone.now() - dt.timedelta(hours=5))
    ArticleFactory(title="Sent later", status=Article.Status.REVIEW, published_at=None, created_by=writer)
    draft("Not sent", writer)
    for user in (editor, reviewer):
        assert titles(panels(user)["review"]) == ["Sent first", "Sent later"]


def test_scheduled_lists_the_next_seven_days_soonest_first(editor, writer):
    now = timezone.now()
    ArticleFactory(title="In three days", published_at=now + dt.timedelta(days=3))
    ArticleFactory(title="Tomorrow", published_at=now + dt.timedelta(days=1))
    ArticleFactory(title="Next month", published_at=now + dt.timedelta(days=30))
    ArticleFactory(title="Already out", published_at=now - dt.timedelta(days=1))
    ArticleFactory(title="A writer's own, scheduled", published_at=now + dt.timedelta(days=2), created_by=writer)
    assert titles(panels(editor)["scheduled"]) == ["Tomorrow", "A writer's own, scheduled", "In three days"]
    # A Writer sees others' articles only once they are out (articles_visible_to).
    assert titles(panels(writer)["scheduled"]) == ["A writer's own, scheduled"]


def test_overdue_reviews_are_published_articles_never_or_too_long_ago_reviewed(reviewer):
    today = timezone.localdate()
    ArticleFactory(title="Never reviewed")
    ArticleFactory(title="Reviewed long ago", reviewed_by=ReviewerFactory(), reviewed_at=today - dt.timedelta(days=400))
    ArticleFactory(title="Reviewed recently", reviewed_by=ReviewerFactory(), reviewed_at=today - dt.timedelta(days=10))
    ArticleFactory(title="A draft, not yet due", status=Article.Status.DRAFT, published_at=None)
    overdue = panels(reviewer)["overdue"]
    assert titles(overdue) == ["Never reviewed", "Reviewed long ago"]
    assert overdue.count == 2


def test_blocking_findings_list_only_what_the_person_may_see(editor, writer):
    ArticleFactory(title="Blocked draft of the editor", status=Article.Status.DRAFT, published_at=None,
                   check_findings=2, check_blocking=2, created_by=editor)  # fmt: skip
    ArticleFactory(title="Published with a finding", check_findings=1, check_blocking=1)
    ArticleFactory(title="Only warnings", check_findings=3, check_blocking=0)
    assert sorted(titles(panels(editor)["blocking"])) == ["Blocked draft of the editor", "Published with a finding"]
    assert titles(panels(writer)["blocking"]) == ["Published with a finding"]


def test_recent_corrections_are_newest_first_and_never_a_hidden_drafts(editor, writer):
    now = timezone.now()
    published = ArticleFactory(title="Out there")
    CorrectionFactory(article=published, at=now - dt.timedelta(days=2), note="Old fix.")
    CorrectionFactory(article=published, at=now - dt.timedelta(hours=1), note="New fix.")
    hidden = ArticleFactory(title="Unpublished since", status=Article.Status.DRAFT, published_at=None)
    CorrectionFactory(article=hidden, at=now, note="Fixed before unpublishing.")
    notes = [note.split(": ", 1)[1] for _t, _u, note in panels(editor)["corrections"].rows]
    assert notes == ["Fixed before unpublishing.", "New fix.", "Old fix."]
    writers = panels(writer)["corrections"]
    assert [note.split(": ", 1)[1] for _t, _u, note in writers.rows] == ["New fix.", "Old fix."]
    assert writers.count == 2


def test_every_all_link_opens_the_change_list_with_the_same_articles(editor_client, editor, writer):
    now = timezone.now()
    draft("Mine", editor)
    ArticleFactory(title="Waiting", status=Article.Status.REVIEW, published_at=None, created_by=writer)
    ArticleFactory(title="Soon", published_at=now + dt.timedelta(days=2))
    ArticleFactory(title="Later", published_at=now + dt.timedelta(days=20))
    ArticleFactory(title="Blocked", check_findings=1, check_blocking=1)
    CorrectionFactory(article=ArticleFactory(title="Corrected"))
    for panel in desk_for(editor):
        response = editor_client.get(panel.all_url)
        assert response.status_code == 200, panel.key
        assert response.context["cl"].result_count == panel.count, panel.key
        for title in titles(panel):
            assert title.split(": ", 1)[-1] in response.text


def test_the_index_shows_the_desk_with_links_to_each_article(writer_client, writer):
    article = draft("A draft with <em>markup</em>", writer)
    response = writer_client.get(INDEX)
    assert response.status_code == 200
    text = response.text
    assert "My drafts" in text
    assert "A draft with &lt;em&gt;markup&lt;/em&gt;" in text
    assert reverse("admin:articles_article_change", args=[article.pk]) in text
    assert "Waiting for my review" not in text  # a Writer reviews nothing


def _index_answers(client):
    assert client.get(INDEX).status_code == 200


def _a_busy_site(writer, editor):
    now = timezone.now()
    for n in range(12):
        draft(f"Writer draft {n}", writer, check_findings=1, check_blocking=1)
        draft(f"Editor draft {n}", editor)
        ArticleFactory(title=f"Waiting {n}", status=Article.Status.REVIEW, published_at=None, created_by=writer)
        ArticleFactory(title=f"Soon {n}", published_at=now + dt.timedelta(hours=n + 1), created_by=writer)
        CorrectionFactory(article=ArticleFactory(title=f"Corrected {n}"))


# The page's own queries (session, user, two for permissions, the admin log, two for the
# review counts: 7; an Editor's licence counts: 2) and the desk's: one aggregate, one list
# per article panel, two for the corrections.
INDEX_QUERIES = {"writer": 7 + 1 + 3 + 2, "editor": 7 + 2 + 1 + 5 + 2, "reviewer": 7 + 1 + 4 + 2}


@pytest.mark.parametrize("role", ["writer", "editor", "reviewer"])
def test_the_desk_costs_the_same_queries_on_an_empty_and_a_busy_site(
    role, request, writer, editor, django_assert_num_queries
):
    from tests.conftest import _client_for

    client = _client_for(request.getfixturevalue(role))
    with django_assert_num_queries(INDEX_QUERIES[role]):
        _index_answers(client)
    _a_busy_site(writer, editor)
    with django_assert_num_queries(INDEX_QUERIES[role]):
        _index_answers(client)
