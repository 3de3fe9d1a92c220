"""The editorial checks of an import: counted where the Markdown is rendered, stored with the rows (issue 15)."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import services
from articles.content_file import import_content, render_pool
from articles.editorial_checks import PREFETCH, check_article, finding_digest
from articles.models import Article
from tests.articles.test_check_content import run as run_check_content
from tests.articles.test_content_file_parallel import pools  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

HARMFUL = "He committed suicide last year.\n\nAnother paragraph about support."
NOTES = ["suicide or self-harm"]
CONDITION = {"type": "condition", "slug": "grief", "name": "Grief"}
# Findings of every kind and field: blocking and not, in the body, a condition
# note, a quote, a citation; a missing content note; none at all.
VARIANTS = [
    {"body": HARMFUL, "content_notes": NOTES},
    {"body": "She suffers from anxiety. My ex was a psycho."},
    {"body": "He thought about suicide for years."},
    {"body": "Grief takes time.", "conditions": [{"slug": "grief", "note": "After a failed suicide attempt."}]},
    {"body": "A quiet piece.", "quotes": [{"text": "Everyone is a bit OCD.", "attribution": "A reader"}]},
    {"body": "One in five adults.[^s]", "citations": [{"key": "s", "source": "A Journal", "url": "http://x.org/a"}]},
    {"body": "Talk to someone you trust.", "title": "Talking helps"},
]


def article(n, **fields):
    return {"type": "article", "slug": f"a-{n}", "title": f"Article {n}", "status": "draft", **fields}


def content_file(records):
    return io.BytesIO("".join(json.dumps(r) + "\n" for r in [CONDITION, *records]).encode())


def corpus(count):
    return [article(n, **VARIANTS[n % len(VARIANTS)]) for n in range(count)]


def stored_counts():
    return {slug: (findings, blocking) for slug, findings, blocking in Article.objects.values_list(
        "slug", "check_findings", "check_blocking")}  # fmt: skip


def counts_the_site_gives():
    """What `refresh_check_counts` (every save, `check_content --store`) stores for every article."""
    checked = services.refresh_check_counts(Article.objects.prefetch_related(*PREFETCH))
    return {article.slug: (len(c.open), len(c.blocking)) for article, c in checked.items()}


@pytest.fixture
def parallel(pools, monkeypatch):  # noqa: F811 (the fixture imported above)
    """Make even a small import render and check in worker processes, a few articles a chunk; count the pools."""
    monkeypatch.setattr(render_pool, "PARALLEL_FROM", 2)
    monkeypatch.setattr(render_pool, "RENDER_CHUNK", 3)
    return pools


def blocking_digest(slug):
    checked = check_article(Article.objects.get(slug=slug))
    [finding] = checked.blocking
    return finding_digest(checked.document, finding)


def test_counts_after_a_parallel_import_equal_the_counts_the_site_gives(parallel):
    records = corpus(14)
    result = import_content(content_file(records), workers=2)
    assert parallel == [2]
    imported = stored_counts()
    assert imported == counts_the_site_gives()
    assert len(imported) == 14 and all(counts is not None for counts in imported.values())
    # Every kind of finding is there, so the equality says something.
    assert {imported[f"a-{n}"] for n in range(len(VARIANTS))} >= {(0, 0), (2, 1)}
    assert all(imported[f"a-{n}"][1] for n in (0, 2, 3))  # blocking in the body, for a content note, in a note
    assert all(imported[f"a-{n}"][0] for n in (1, 4, 5))  # warnings in the body, a quote, a citation
    assert result.with_blocking == sum(blocking > 0 for _findings, blocking in imported.values())
    assert result.with_findings == sum(findings > 0 for findings, _blocking in imported.values())
    assert result.warnings == []  # a real import lists no findings: it counts them


def test_the_counts_are_written_with_the_rows_not_one_update_an_article():
    records = corpus(6)
    with CaptureQueriesContext(connection) as new:
        import_content(content_file(records), workers=1)
    changed = [dict(r, summary="Changed.") for r in records]
    with CaptureQueriesContext(connection) as updated:
        import_content(content_file(changed), workers=1)

    def count_updates(queries):
        return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and '"check_findings"' in q["sql"]]

    assert count_updates(new) == []  # the INSERT carries them
    assert len(count_updates(updated)) == 1  # one bulk UPDATE with the rows' other fields
    assert stored_counts() == counts_the_site_gives()


def test_an_override_on_the_site_survives_a_reimport_and_is_respected(parallel, editor):
    records = corpus(7)
    import_content(content_file(records), workers=2)
    assert stored_counts()["a-0"] == (2, 1)
    services.check_override_record(
        article=Article.objects.get(slug="a-0"), digest=blocking_digest("a-0"), reason="Quoted.", by=editor
    )
    assert stored_counts()["a-0"] == (1, 0)

    # The paragraph the override covers is unchanged: it still covers the finding.
    records[0]["body"] = HARMFUL.replace("about support", "about support, rewritten")
    records[1]["summary"] = "Changed too, so that the import goes to the workers."
    result = import_content(content_file(records), workers=2)
    assert result.updated["article"] == 2 and parallel == [2, 2]
    assert stored_counts()["a-0"] == (1, 0)
    assert stored_counts() == counts_the_site_gives()
    dry = [dict(records[0], summary="Changed for the dry run."), dict(records[1], summary="Changed again.")]
    listed = "\n".join(map(str, import_content(content_file(dry), dry_run=True, workers=2).warnings))
    assert "a-0: body" in listed and "committed-suicide" not in listed  # a dry run does not list it either

    # The covered paragraph changes: the override lapses and the finding blocks again.
    records[0]["body"] = HARMFUL.replace("last year", "in 2020")
    records[1]["summary"] = "Changed once more."
    import_content(content_file(records), workers=2)
    assert parallel == [2, 2, 2, 2]
    assert stored_counts()["a-0"] == (2, 1)
    assert stored_counts() == counts_the_site_gives()


def test_a_dry_run_still_lists_every_open_finding_from_the_workers(parallel):
    result = import_content(content_file(corpus(7)), dry_run=True, workers=2)
    assert parallel == [2] and not Article.objects.exists()
    assert "a-0: body 3-20: block: safe-messaging/committed-suicide: “committed suicide”" in "\n".join(
        map(str, result.warnings)
    )
    listed = {str(w).partition(":")[0] for w in result.warnings}
    assert listed == {"a-0", "a-1", "a-2", "a-3", "a-4", "a-5"}  # a-6 has none
    # The same findings as the site's checks give once the file is imported.
    import_content(content_file(corpus(7)), workers=2)
    expected = [
        services.finding_warning(article.slug, finding)
        for article in Article.objects.order_by("slug")
        for finding in check_article(article).open
    ]
    assert result.warnings == expected


def test_a_real_import_prints_one_summary_line_not_a_line_per_finding(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(content_file(corpus(7)).getvalue())
    summary = (
        "warning: 6 article(s) have open findings of the editorial checks, 3 blocking publication; "
        "`manage.py check_content` lists them."
    )
    err = io.StringIO()
    call_command("import_content", str(source), "--dry-run", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert "warning: a-0: body 3-20: block: safe-messaging/committed-suicide: “committed suicide”" in lines[0]
    assert len(lines) > 7 and lines[-1] == summary  # every finding, then the summary
    err = io.StringIO()
    call_command("import_content", str(source), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [summary]


def test_check_content_does_not_fail_on_an_overridden_finding(editor):
    import_content(content_file([article(0, body=HARMFUL, content_notes=NOTES)]), workers=1)
    status, out, err = run_check_content()
    assert status == 1
    services.check_override_record(
        article=Article.objects.get(slug="a-0"), digest=blocking_digest("a-0"), reason="Quoted.", by=editor
    )
    status, out, err = run_check_content()
    assert status == 0
    assert "a-0: body 3-20: block, overridden: safe-messaging/committed-suicide: “committed suicide”" in out
    assert "0 blocking publication, 1 overridden." in err
    status, out, _err = run_check_content("--format", "json")
    assert status == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines and all(line["severity"] != "block" for line in lines)  # the overridden one is left out


def test_an_imports_counts_read_the_alt_text_of_the_images_it_shows_as_the_site_does(parallel):
    from tests.factories import make_image

    make_image(slug="cat", alt="Image of a cat")  # says nothing the page does not: the alt-text rule warns
    cover = make_image(slug="dawn", alt="Photo")
    Article.objects.create(slug="a-1", title="Old", body="x", cover=cover)  # a cover the import leaves alone
    records = [
        article(0, body="A cat.\n\n![](image:cat)"),
        article(1, body="A quiet piece."),
        *corpus(4)[2:],
    ]
    import_content(content_file(records), workers=2)
    imported = stored_counts()
    assert imported == counts_the_site_gives()
    assert imported["a-0"][0] > 0 and imported["a-1"][0] > 0  # the images' alt texts were read
