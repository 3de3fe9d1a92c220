"""The project's import graph: no cycles, and configuration and utilities import no app (issue 13).

Every module's imports are read with `ast`, at module level and inside
functions alike, so a cycle hidden behind a function-level import is still one.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", "tests", "bench", "migrations", "node_modules", ".git", "static", "templates"}


def _modules(root):
    found = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if SKIP_DIRS & set(rel.parts) or len(rel.parts) == 1:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name, path, modules):
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in names:
            # The longest known module the name starts with.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
    return targets


def import_graph(root=ROOT):
    modules = _modules(root)
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def find_cycle(graph):
    """Return one cycle as a list of modules, or []."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


# The shared utilities (`core`) import no app. The configuration package
# (`intimacyhub`: settings, URLs, wsgi/asgi) is imported by nothing; only its
# URL configuration names the apps' views, as any Django project's must.
UTILITY_PACKAGE = "core"
CONFIGURATION_PACKAGE = "intimacyhub"
CONFIGURATION = {"intimacyhub.urls"}
APPS = ("articles", "checks", "conditions", "images", "pagecache", "pages", "reader", "search")
# The public site sits on top: it imports the other apps, and only the URL
# configuration imports it. Search depends on articles, never the reverse.
# Which apps each app may import, where it matters:
MAY_NOT_IMPORT = {
    # The editorial checks engine is a library the articles app uses (issue 15).
    "checks": {"articles", "conditions", "images", "pagecache", "pages", "reader", "search"},
    "conditions": {"articles", "checks", "pages", "reader", "search"},
    # The image library (issue 16) sits under the apps that show images: it asks
    # them what uses an image, and tells them when one changes, by signals.
    "images": {"articles", "conditions", "pages", "reader", "search"},
    "articles": {"reader", "search"},
    "pagecache": {"articles", "checks", "conditions", "images", "pages", "reader", "search"},
    "pages": {"articles", "checks", "conditions", "reader", "search"},
    "search": {"reader"},
}


def test_the_utility_package_imports_no_app():
    graph = import_graph()
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == UTILITY_PACKAGE
        for target in targets
        if target.split(".")[0] in (*APPS, CONFIGURATION_PACKAGE)
    )
    assert not offenders, "the utility package imports an app: " + ", ".join(offenders)
    assert "core.rendering" in graph  # the graph is read


def test_the_configuration_imports_apps_only_in_its_urls_and_nothing_imports_it():
    graph = import_graph()
    configuration = {m for m in graph if m.split(".")[0] == CONFIGURATION_PACKAGE}
    assert CONFIGURATION <= configuration
    importing_apps = sorted(
        f"{module} -> {target}"
        for module in configuration - CONFIGURATION
        for target in graph[module]
        if target.split(".")[0] in (*APPS, UTILITY_PACKAGE)
    )
    assert not importing_apps, "configuration imports an app: " + ", ".join(importing_apps)
    importers = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module not in configuration
        for target in targets
        if target in configuration
    )
    assert not importers, "the configuration is imported: " + ", ".join(importers)


def _offenders(graph, app, forbidden):
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == app
        for target in targets
        if target.split(".")[0] in forbidden
    )


def test_dependencies_point_one_way_towards_the_reader():
    graph = import_graph()
    offenders = [line for app, forbidden in MAY_NOT_IMPORT.items() for line in _offenders(graph, app, forbidden)]
    assert not offenders, "an app imports one that depends on it: " + ", ".join(offenders)


def test_only_the_url_configuration_imports_the_reader():
    importers = sorted(
        module
        for module, targets in import_graph().items()
        if module.split(".")[0] != "reader" and any(target.split(".")[0] == "reader" for target in targets)
    )
    assert importers == sorted(CONFIGURATION)


def test_articles_imports_nothing_from_search():
    # search depends on articles, never the reverse: articles sends signals
    # (articles/signals.py) that the search app receives. Migrations count too.
    graph = import_graph()
    migrations = {
        f"articles.migrations.{path.stem}": path for path in (ROOT / "articles" / "migrations").glob("[0-9]*.py")
    }
    modules = {**_modules(ROOT), **migrations}
    graph.update({name: _imports(name, path, modules) for name, path in migrations.items()})
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == "articles"
        for target in targets
        if target.split(".")[0] == "search"
    )
    assert "search.receivers" in graph and "articles.signals" in graph["search.receivers"]
    assert not offenders, "articles imports search: " + ", ".join(offenders)


def test_the_graph_is_read():
    graph = import_graph()
    assert "articles.models" in graph["articles.services.writes"]


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_imports_inside_functions_count(tmp_path):
    # A cycle hidden behind a function-level import is still a cycle.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from pkg.a import x\n")
    assert find_cycle(import_graph(tmp_path)) == ["pkg.a", "pkg.b", "pkg.a"]


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


# A module a newcomer can read in one sitting (issue 13); settings are configuration, read top to bottom.
MAX_MODULE_LINES = 400
LONG_BY_NATURE = {"intimacyhub.settings"}


def test_no_module_outgrows_one_concern():
    long = {
        name: lines
        for name, path in _modules(ROOT).items()
        if name not in LONG_BY_NATURE and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these by concern (at most {MAX_MODULE_LINES} lines): {long}"
