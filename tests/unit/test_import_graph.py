"""Which way imports go in app/, checked on the source, so a newcomer's first wrong import fails a test.

The rules are architecture.md's: Qt only in the screens (app/views, plus app/gui.py and app/selftest.py,
which start them), no database in the CMS file codecs, services never importing screens or the
command line, and no two modules importing each other, directly or round a longer loop. A cycle
means neither module can be read, tested or moved without the other.

Every import counts, wherever it stands: at the top, inside a function (a lazy import is still a
dependency), under ``if TYPE_CHECKING:``. The source is parsed with ``ast``; nothing is imported, so
the test needs no database and no display. The last tests run the same checks on a tiny made-up
tree, so a checker that silently finds nothing would fail too.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

QT_ALLOWED = ("app.views", "app.gui", "app.selftest")
"""The modules (and packages) that may import PySide6."""
CMS = "app.services.exchange.cms"
NO_DATABASE_IN_CMS = ("sqlalchemy", "app.models", "app.database")
BELOW_THE_SCREENS = ("app.services", "app.models", "app.database")
ABOVE_THE_SERVICES = ("app.views", "app.cli")


@dataclass(frozen=True)
class Import:
    """One import statement's target, as written (made absolute), and where it stands."""

    target: str
    line: int


@dataclass
class Graph:
    """The modules of one package tree: what each imports, and which of those are modules of the tree."""

    root: Path
    modules: dict[str, Path] = field(default_factory=dict)
    imports: dict[str, list[Import]] = field(default_factory=dict)
    edges: dict[str, dict[str, int]] = field(default_factory=dict)
    """module -> {module of the tree it imports: the first line that does}"""


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool) -> list[str]:
    """The absolute dotted names an import statement brings in, one per name (``from a import b``: a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return [module if alias.name == "*" else f"{module}.{alias.name}" for alias in node.names]


def _own_module(target: str, modules: dict[str, Path]) -> str | None:
    """The module of the tree `target` names, or the one it lies in (``app.x.Thing``: app.x); None outside."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def load(root: Path, package: str = "app") -> Graph:
    """Parse every module under root/package: every import anywhere in it, and the edges between them."""
    graph = Graph(root)
    for path in sorted((root / package).rglob("*.py")):
        graph.modules[_module_name(root, path)] = path
    for name, path in graph.modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found: list[Import] = []
        edges: dict[str, int] = {}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = _targets(node, name, path.name == "__init__.py")
            found += [Import(t, node.lineno) for t in targets]
            own = {_own_module(t, graph.modules) for t in targets}
            for module in sorted(m for m in own if m is not None and m != name):
                edges.setdefault(module, node.lineno)
        graph.imports[name] = found
        graph.edges[name] = edges
    return graph


def _under(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _where(graph: Graph, module: str, line: int) -> str:
    return f"{graph.modules[module].relative_to(graph.root).as_posix()}:{line}"


# --- the checks (each returns the offences, one line each) -----------------------------------------


def qt_outside_views(graph: Graph) -> list[str]:
    return [f"{module} imports {i.target} ({_where(graph, module, i.line)})"
            for module, found in sorted(graph.imports.items()) if not _under(module, QT_ALLOWED)
            for i in found if _under(i.target, ("PySide6",))]


def database_in_cms(graph: Graph) -> list[str]:
    return [f"{module} imports {i.target} ({_where(graph, module, i.line)})"
            for module, found in sorted(graph.imports.items()) if _under(module, (CMS,))
            for i in found if _under(i.target, NO_DATABASE_IN_CMS)]


def services_importing_screens(graph: Graph) -> list[str]:
    return [f"{module} imports {i.target} ({_where(graph, module, i.line)})"
            for module, found in sorted(graph.imports.items()) if _under(module, BELOW_THE_SCREENS)
            for i in found if _under(i.target, ABOVE_THE_SERVICES)]


def cycles(graph: Graph) -> list[list[str]]:
    """Every strongly connected component of more than one module, each as one loop through it
    (first module repeated at the end), found with Tarjan's algorithm (iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph.edges.get(start, {})))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop(0)
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.edges.get(nxt, {}))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return [_loop(graph, set(c)) for c in sorted(components)]


def _loop(graph: Graph, component: set[str]) -> list[str]:
    """A shortest loop from the component's first module back to itself, staying inside the component."""
    first = min(component)
    came_from: dict[str, str] = {}
    frontier = [first]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph.edges.get(node, {})):
                if nxt not in component:
                    continue
                if nxt == first:
                    path = [node]
                    while path[-1] != first:
                        path.append(came_from[path[-1]])
                    return [first, *reversed(path[:-1]), first]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no loop in a strongly connected component: {sorted(component)}")


def describe_cycle(graph: Graph, loop: list[str]) -> str:
    steps = [f"{a} -> {b} ({_where(graph, a, graph.edges[a][b])})" for a, b in itertools.pairwise(loop)]
    return "cycle " + " -> ".join(loop) + "\n    " + "\n    ".join(steps)


# --- the rules, on app/ ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_graph() -> Graph:
    return load(ROOT)


def test_the_checker_sees_the_whole_app(app_graph: Graph) -> None:
    assert "app.cli.main" in app_graph.modules and "app.database.migrate" in app_graph.modules
    assert app_graph.edges["app.cli.main"], "app.cli.main imports nothing of the app? the graph is not being read"


def test_qt_is_imported_only_by_the_screens(app_graph: Graph) -> None:
    offences = qt_outside_views(app_graph)
    assert not offences, "PySide6 outside app/views, app/gui.py and app/selftest.py:\n" + "\n".join(offences)


def test_the_cms_codecs_know_no_database(app_graph: Graph) -> None:
    offences = database_in_cms(app_graph)
    assert not offences, "app/services/exchange/cms imports the database:\n" + "\n".join(offences)


def test_services_models_and_database_never_import_screens_or_the_cli(app_graph: Graph) -> None:
    offences = services_importing_screens(app_graph)
    assert not offences, "a service, model or database module imports app.views or app.cli:\n" + "\n".join(offences)


def test_no_import_cycles(app_graph: Graph) -> None:
    found = cycles(app_graph)
    assert not found, f"{len(found)} import cycle(s) in app/:\n" + "\n".join(describe_cycle(app_graph, c) for c in found)


# --- the checker itself ----------------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Graph:
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return load(root)


def test_the_checker_finds_a_cycle_through_a_lazy_and_a_type_checking_import(tmp_path: Path) -> None:
    graph = _tree(tmp_path, {
        "app/__init__.py": "",
        "app/services/__init__.py": "",
        "app/services/a.py": "def f():\n    from app.services.b import thing\n    return thing\n",
        "app/services/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import c\nthing = 1\n",
        "app/services/c.py": "import app.services.a\n",
        "app/services/d.py": "from app.services import a\n",  # into the loop, not part of it
    })
    found = cycles(graph)
    assert found == [["app.services.a", "app.services.b", "app.services.c", "app.services.a"]]
    text = describe_cycle(graph, found[0])
    assert "app.services.b -> app.services.c" in text and "b.py:3" in text


def test_the_checker_finds_qt_database_and_screen_imports_where_they_do_not_belong(tmp_path: Path) -> None:
    graph = _tree(tmp_path, {
        "app/__init__.py": "",
        "app/gui.py": "from PySide6.QtWidgets import QApplication\n",
        "app/views/__init__.py": "",
        "app/views/screen.py": "import PySide6.QtCore\n",
        "app/models/__init__.py": "",
        "app/services/__init__.py": "",
        "app/services/report.py": "def draw():\n    from PySide6 import QtGui\n    from app.views import screen\n",
        "app/services/exchange/__init__.py": "",
        "app/services/exchange/cms/__init__.py": "",
        "app/services/exchange/cms/codec.py": "import sqlalchemy\nfrom app.models import Base\n",
    })
    report = "app/services/report.py"
    assert qt_outside_views(graph) == [f"app.services.report imports PySide6.QtGui ({report}:2)"]
    assert [o.split(" (")[0] for o in database_in_cms(graph)] == [
        "app.services.exchange.cms.codec imports sqlalchemy",
        "app.services.exchange.cms.codec imports app.models.Base",
    ]
    assert services_importing_screens(graph) == [f"app.services.report imports app.views.screen ({report}:3)"]
    assert cycles(graph) == []
