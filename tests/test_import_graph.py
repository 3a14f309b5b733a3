"""No import cycles: every module of dashboard/ and providers/ imports alone, first, in a
fresh interpreter, and the graph of module-level imports between them has no cycle.

A cycle that works in one import order and fails in another is the kind a test run never
meets (the test settings load the app in one fixed order), so both checks take the order
out of the picture: the graph is read from the source, and each module is imported by a
process that has imported nothing of ours but the models Django needs to start.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dashboard", "providers")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
}


def _runs_at_import(tree: ast.Module):
    """The statements a module runs when imported: not function bodies, and not what only
    a type checker reads (`if TYPE_CHECKING:`)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        yield node
        pending.extend(ast.iter_child_nodes(node))


def imports_at_load(name: str, path: Path) -> set[str]:
    """Our modules that `name` needs, finished, while it loads."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    needed: set[str] = set()
    for node in _runs_at_import(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            needed.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                # `from package import submodule` needs the submodule; a name needs the module.
                needed.add(submodule if submodule in MODULES else base)
    return {other for other in needed if other in MODULES and other != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a cycle or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            group.append(node)
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_finds_a_cycle_it_is_shown():
    """The check itself: a two-module cycle and a longer one are found; a chain is not."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert cycles(graph) == [["a", "b"], ["c", "d", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_relative_and_absolute_imports_are_both_read(tmp_path):
    assert imports_at_load("dashboard.services", MODULES["dashboard.services"]) >= {
        "dashboard.services.projects"
    }
    assert "dashboard.models" in imports_at_load(
        "dashboard.listing.projects", MODULES["dashboard.listing.projects"]
    )


def test_no_module_level_import_cycle():
    graph = {name: imports_at_load(name, path) for name, path in MODULES.items()}
    assert cycles(graph) == []


# Each module is imported first by a fresh process. A provider needs no app registry (it
# knows no team), so nothing of ours is loaded before it. For the dashboard, Django starts
# with as little of ours as it needs: the admin without autodiscovery, the dashboard app
# without its ready() (which loads the system checks); what is loaded anyway is the models.
PROBE = """
import importlib, os, sys
import django
if not os.environ["IMPORT_ALONE"].startswith("providers"):
    django.setup()
before = {m for m in sys.modules if m.split(".")[0] in ("dashboard", "providers")}
importlib.import_module(os.environ["IMPORT_ALONE"])
print(" ".join(sorted(before)))
"""

# Imported by Django before any module can be tried: the app packages and the models.
STARTUP = {"dashboard", "dashboard.apps", "providers", "providers.apps"}


def import_alone(name: str, probe: str = PROBE) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.import_alone_settings",
        "IMPORT_ALONE": name,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def imported_alone() -> dict[str, subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(MODULES, pool.map(import_alone, MODULES), strict=True))


def test_every_module_imports_alone_in_a_fresh_interpreter(imported_alone):
    failed = {
        name: run.stderr.strip().splitlines()[-1]
        for name, run in imported_alone.items()
        if run.returncode != 0
    }
    assert failed == {}


def test_only_the_models_are_loaded_before_a_module_is_tried(imported_alone):
    """Otherwise "alone" would mean little: a module Django loaded first is never tried first."""
    assert imported_alone["providers.http"].stdout.split() == []
    loaded = set(imported_alone["dashboard.tasks"].stdout.split())
    ours_beyond_models = {
        name
        for name in loaded - STARTUP
        if name.startswith("dashboard") and not name.startswith("dashboard.models")
    }
    assert ours_beyond_models == set()
    assert "dashboard.models" in loaded
