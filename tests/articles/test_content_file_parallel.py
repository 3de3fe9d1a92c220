"""Large imports render Markdown and run the editorial checks in worker processes; nothing else may change."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

import search
from articles.content_file import ContentFileError, import_content, render_pool
from articles.models import Article, ArticleCondition, Citation, Quote
from conditions.models import Condition

pytestmark = pytest.mark.django_db

QUERIES = ["trust", "sexual dysfunction", "anxiety intimacy", '"self-esteem"', "depresion", "boundaries -trust"]


@pytest.fixture
def pools(monkeypatch):
    """Count the worker pools an import starts."""
    started = []

    class CountingPool(render_pool.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(render_pool, "ProcessPoolExecutor", CountingPool)
    return started


def snapshot():
    """What readers and editors would see of an import: the HTML, the search results, the checks' counts."""
    results = {}
    for query in QUERIES:
        found = search.search(query)
        results[query] = (found.total, [(h.article.slug, str(h.snippet)) for h in found.hits], found.suggestion)
    return {
        "body_html": dict(Article.objects.values_list("slug", "body_html")),
        "note_html": sorted(ArticleCondition.objects.values_list("article__slug", "position", "note_html")),
        "checks": sorted(Article.objects.values_list("slug", "check_findings", "check_blocking")),
        "search": results,
    }


def imported(corpus, *, workers):
    """Import the corpus, take a snapshot, then undo the import."""
    with transaction.atomic():
        with corpus.open("rb") as stream:
            import_content(stream, workers=workers)
        seen = snapshot()
        transaction.set_rollback(True)
    assert not Article.objects.exists()
    return seen


def test_rendering_in_worker_processes_gives_the_same_html_and_search_results(corpus_1000, pools):
    serial = imported(corpus_1000, workers=1)
    assert pools == []
    parallel = imported(corpus_1000, workers=2)
    assert pools == [2]
    assert len(serial["body_html"]) == 1000 and all(serial["body_html"].values())
    assert any(total for total, _hits, _suggestion in serial["search"].values())
    assert all(findings is not None for _slug, findings, _blocking in serial["checks"])
    assert parallel == serial


def records(count, *, broken_at=None, broken=None):
    condition = {"type": "condition", "slug": "ptsd", "name": "Post-traumatic stress disorder"}
    lines = [condition]
    for n in range(count):
        article = {
            "type": "article",
            "slug": f"article-{n}",
            "title": f"Article {n}",
            "body": f"Paragraph {n} with a source.[^s]",
            "status": "published",
            "published_at": "2024-03-01T10:00:00+00:00",
            "conditions": [{"slug": "ptsd", "note": f"Note *{n}*."}],
            "citations": [{"key": "s", "source": "A Journal"}],
            "quotes": [{"text": f"Quote {n}.", "attribution": "Someone"}],
        }
        if n == broken_at:
            article = broken(article)
        lines.append(article)
    return io.BytesIO("".join(json.dumps(r) + "\n" for r in lines).encode())


# Python-Markdown recurses once per nesting level: this cannot be rendered.
TOO_DEEP = "- " * 3000 + "x"


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (lambda a: a | {"body": TOO_DEEP}, "line 252: body: cannot be rendered (RecursionError"),
        (
            lambda a: a | {"conditions": [{"slug": "ptsd", "note": TOO_DEEP}]},
            "line 252: conditions[0].note: cannot be rendered (RecursionError",
        ),
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_a_text_that_cannot_be_rendered_aborts_the_whole_import_with_its_line(broken, message, workers, pools):
    assert render_pool.PARALLEL_FROM <= 300
    with pytest.raises(ContentFileError) as failure:
        import_content(records(300, broken_at=250, broken=broken), workers=workers)
    assert pools == ([2] if workers == 2 else [])
    assert message in str(failure.value)
    assert "nothing was imported" in str(failure.value)
    for model in (Article, ArticleCondition, Citation, Quote, Condition):
        assert not model.objects.exists()


def test_the_command_reports_a_worker_failure_and_writes_nothing(tmp_path):
    path = tmp_path / "content.jsonl"
    path.write_bytes(records(300, broken_at=0, broken=lambda a: a | {"body": TOO_DEEP}).getvalue())
    with pytest.raises(CommandError, match="line 2: body: cannot be rendered"):
        call_command("import_content", str(path), "--workers", "2", stdout=io.StringIO())
    assert not Article.objects.exists()


def test_a_large_dry_run_renders_in_workers_and_writes_nothing(pools):
    result = import_content(records(300), dry_run=True, workers=2)
    assert result.created == {"condition": 1, "image": 0, "person": 0, "article": 300}
    assert pools == [2]
    assert not Article.objects.exists() and not Condition.objects.exists()


def test_a_large_import_writes_every_part_in_order(pools):
    import_content(records(300), workers=2)
    assert pools == [2]
    article = Article.objects.get(slug="article-299")
    assert article.body_html == (
        '<p>Paragraph 299 with a source.<sup class="citation-ref" id="cite-ref-1-1"><a href="#cite-1">[1]</a></sup></p>'
    )
    assert article.condition_links.get().note_html == "<p>Note <em>299</em>.</p>"
    assert [q.text for q in article.quotes.all()] == ["Quote 299."]
    assert search.search("paragraph").total == 300
