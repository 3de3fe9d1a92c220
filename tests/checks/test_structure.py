"""The checks engine imports no app: `articles` uses it, never the reverse (issue 15)."""

from tests.test_structure import APPS, import_graph


def test_the_engine_imports_no_app():
    graph = import_graph()
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == "checks"
        for target in targets
        if target.split(".")[0] in {*APPS, "intimacyhub"} - {"checks"}
    )
    assert not offenders, offenders
    assert "checks.engine" in graph["articles.editorial_checks"]  # the graph is read


def test_only_the_apps_where_editors_write_import_the_engine():
    # Articles, and the image library, where alt texts are written (issue 16).
    graph = import_graph()
    importers = sorted(
        {
            module.split(".")[0]
            for module, targets in graph.items()
            if module.split(".")[0] != "checks" and any(target.split(".")[0] == "checks" for target in targets)
        }
    )
    assert importers == ["articles", "images"]
