"""The checks engine imports no app; only its Article adapter and command know `articles` (issue 15)."""

from tests.test_structure import import_graph

APPS = ("articles", "conditions", "pagecache", "intimacyhub")
KNOWS_ARTICLES = {"checks.articles", "checks.management.commands.check_content"}


def test_the_engine_imports_no_app():
    graph = import_graph()
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == "checks" and module not in KNOWS_ARTICLES
        for target in targets
        if target.split(".")[0] in APPS
    )
    assert not offenders, offenders
    assert "articles.models" in graph["checks.articles"]  # the graph is read


def test_no_app_imports_checks():
    graph = import_graph()
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] in APPS
        for target in targets
        if target.split(".")[0] == "checks"
    )
    assert not offenders, offenders
