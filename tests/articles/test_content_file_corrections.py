"""The content file's `disclosure` and `corrections` (format v2): validated, imported, exported, byte for byte."""

import io
import json

import pytest

from articles import services
from articles.content_file import import_content
from articles.models import Article, Correction
from tests.articles.test_content_file_backups import PUBLISHED, article, empty_the_site, exported, failure, lines
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

FIX = {"at": "2024-04-01T09:00:00+00:00", "kind": "correction", "note": "The dose was wrong; it is 50 mg."}
UPDATE = {"at": "2024-06-01T09:00:00+00:00", "kind": "clinical-update", "note": "Follows the 2024 guideline."}


def test_an_export_with_disclosures_and_logs_restores_byte_for_byte(editor):
    corrected = ArticleFactory(slug="corrected", disclosure="Funded by the Example Trust.\nNo other interests.")
    services.article_save(article=Article.objects.get(pk=corrected.pk), by=editor, change_kind="correction",
                          change_note="Fixed a dose.")  # fmt: skip
    services.article_save(article=Article.objects.get(pk=corrected.pk), by=editor, change_kind="clarification",
                          change_note="Said who it is for.")  # fmt: skip
    ArticleFactory(slug="undeclared", disclosure=None)
    ArticleFactory(slug="declared-none", disclosure="None")
    backup = exported()
    records = {r["slug"]: r for r in map(json.loads, backup.splitlines())}
    assert records["corrected"]["disclosure"] == "Funded by the Example Trust.\nNo other interests."
    assert [c["note"] for c in records["corrected"]["corrections"]] == ["Fixed a dose.", "Said who it is for."]
    assert list(records["corrected"])[-2:] == ["disclosure", "corrections"]  # the contract's order
    assert "disclosure" not in records["undeclared"] and records["declared-none"]["disclosure"] == "None"
    assert records["corrected"]["updated_at"] == records["corrected"]["corrections"][-1]["at"]

    empty_the_site()
    import_content(io.BytesIO(backup.encode()))
    assert exported() == backup
    assert import_content(io.BytesIO(backup.encode())).unchanged["article"] == 3


def test_a_file_with_a_log_imports_it_and_the_log_is_only_ever_added_to():
    import_content(lines(article("piece", disclosure="None", corrections=[FIX], **PUBLISHED)))
    stored = Article.objects.get(slug="piece")
    assert stored.disclosure == "None"
    assert list(stored.corrections.values_list("kind", "note")) == [("correction", FIX["note"])]
    # A later file naming only the newer change keeps the older one; the same file again changes nothing.
    import_content(lines(article("piece", disclosure="None", corrections=[UPDATE], **PUBLISHED)))
    assert list(stored.corrections.order_by("at").values_list("kind", flat=True)) == ["correction", "clinical-update"]
    result = import_content(lines(article("piece", disclosure="None", corrections=[FIX, UPDATE], **PUBLISHED)))
    assert result.unchanged["article"] == 1 and Correction.objects.count() == 2


def test_a_version_1_file_imports_unchanged_with_no_disclosure_and_no_log():
    v1 = article("old", summary="S.", updated_at="2024-01-02T00:00:00+00:00", **PUBLISHED)
    import_content(lines(v1))
    stored = Article.objects.get(slug="old")
    assert stored.disclosure is None and not stored.corrections.exists()
    assert json.loads(exported()) == v1 | {"type": "article"}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"disclosure": ""}, "line 1: disclosure: must not be empty"),
        ({"disclosure": "  "}, "line 1: disclosure: must not be empty"),
        ({"disclosure": 3}, "line 1: disclosure: must be a string, not int"),
        ({"corrections": {}}, "line 1: corrections: must be a list of objects, not dict"),
        ({"corrections": ["x"]}, "line 1: corrections[0]: must be an object, not str"),
        ({"corrections": [FIX | {"who": "me"}]}, "line 1: corrections[0].who: unknown field (allowed: at, kind, note)"),
        ({"corrections": [FIX | {"at": None}]}, "line 1: corrections[0].at: is required"),
        ({"corrections": [FIX | {"at": "2024-04-01T09:00"}]}, "line 1: corrections[0].at: '2024-04-01T09:00' has no"),
        ({"corrections": [FIX | {"kind": "minor"}]}, "line 1: corrections[0].kind: 'minor' is not one of"),
        ({"corrections": [FIX | {"note": ""}]}, "line 1: corrections[0].note: must not be empty"),
        ({"corrections": [FIX | {"note": "x" * 501}]}, "line 1: corrections[0].note: is 501 characters long"),
        ({"corrections": [UPDATE, FIX]}, "line 1: corrections[1].at: is earlier than the change before it"),
        ({"corrections": [FIX, FIX]}, "line 1: corrections[1]: is listed twice"),
    ],
)  # fmt: skip
def test_bad_disclosures_and_logs_are_refused_naming_line_and_field(fields, problem):
    problems = failure(article("bad", **fields))
    assert len(problems) == 1 and problems[0].startswith(problem), problems
    assert not Article.objects.exists() and not Correction.objects.exists()
