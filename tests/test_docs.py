"""docs/CONTENT_FORMAT.md is the project's contract: it keeps all of version 2 and documents what export writes."""

import os
import re
from pathlib import Path

import pytest

from articles import content_file

ROOT = Path(__file__).resolve().parents[1]
PROJECT_CONTRACT = ROOT / "docs" / "CONTENT_FORMAT.md"
# CI puts a copy of the shared folder beside the clone; a checkout elsewhere may not have it.
SHARED_CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "CONTENT_FORMAT.md"
PROJECT_SECTION = "## IntimacyHub:"


def record_tables(text):
    """Return {record type: {field name: type cell}} from the `## type` sections' field tables."""
    tables, current = {}, None
    for line in text.splitlines():
        heading = re.fullmatch(r"## (\w+)(?: \(v\d+\))?", line.strip())
        if heading:
            current = heading.group(1)
            continue
        if line.startswith("#"):
            current = None
            continue
        if current is None or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) < 2 or cells[0] == "field" or set(cells[0]) <= {"-"}:
            continue
        name = re.sub(r"\s*\(v\d+\)$", "", cells[0])
        tables.setdefault(current, {})[name] = cells[1]
    return tables


def shared_contract():
    if not SHARED_CONTRACT.exists():
        message = f"the shared content format contract is not at {SHARED_CONTRACT}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must put a copy of the shared folder beside the clone")
        pytest.skip(f"{message} (CI puts a copy of the shared folder there)")
    return SHARED_CONTRACT.read_text(encoding="utf-8")


def test_the_table_parser_reads_every_record_type_of_the_project_contract():
    tables = record_tables(PROJECT_CONTRACT.read_text(encoding="utf-8"))

    assert set(tables) >= {"condition", "article", "person", "image"}
    assert tables["article"]["redirects"] == "list of slugs"
    assert "slug" in tables["image"] and "license" in tables["person"]


def test_the_project_contract_keeps_every_record_type_and_field_of_the_shared_one():
    shared = record_tables(shared_contract())
    project = record_tables(PROJECT_CONTRACT.read_text(encoding="utf-8"))

    assert shared, "no field table found in the shared contract: has its layout changed?"
    missing = [
        f"{kind}.{name}" for kind, fields in shared.items() for name in fields if name not in project.get(kind, {})
    ]
    assert not missing, f"docs/CONTENT_FORMAT.md lost these fields of the shared contract: {missing}"


def test_the_project_contract_keeps_the_shared_rules_word_for_word():
    project = PROJECT_CONTRACT.read_text(encoding="utf-8")
    contract_part = project.split(f"\n{PROJECT_SECTION}", 1)[0].splitlines()

    lost = [line for line in shared_contract().splitlines() if line.strip() and line not in contract_part]
    assert not lost, f"docs/CONTENT_FORMAT.md changed or lost these lines of the shared contract: {lost}"


def test_every_field_the_exporter_writes_is_documented():
    tables = record_tables(PROJECT_CONTRACT.read_text(encoding="utf-8"))
    nested = {
        "conditions": ("slug", "note"),
        "citations": content_file.CITATION_FIELDS,
        "quotes": content_file.QUOTE_FIELDS,
    }

    undocumented = [
        f"{kind}.{name}"
        for kind, fields in (("condition", content_file.CONDITION_FIELDS), ("article", content_file.ARTICLE_FIELDS))
        for name in fields
        if name != "type" and name not in tables.get(kind, {})
    ]
    for name, keys in nested.items():
        documented = set(re.findall(r'"(\w+)"', tables["article"].get(name, "")))
        undocumented += [f"article.{name}[].{key}" for key in keys if key not in documented]
    assert not undocumented, f"export writes fields docs/CONTENT_FORMAT.md does not document: {undocumented}"
