"""The shape of the code: one-way layers, no import cycle, rooms of a readable size.

Layers, bottom to top: ``crawler`` (network, store) ← ``seeds`` (the curated list and
its tools) ← ``graphs`` (analyses and outputs) ← ``demo`` ← ``cli``. A module may
import from its own layer and the ones below, never above; imports inside functions
count too (they are dependencies all the same). Only ``crawler/store`` speaks SQL.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("crawler", "seeds", "graphs", "demo", "cli")
PACKAGES = ("crawler", "seeds", "graphs", "demo")
MAX_LINES = 450  # "split a module when it passes ~400 lines" (STYLE.md)
DATA_TABLES: set[str] = set()  # modules that are mostly data, allowed to be longer


def _modules() -> dict[str, Path]:
    found = {name: ROOT / f"{name}.py" for name in ("cli", "cli_common", "cli_options")}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Project modules imported by ``path`` (outside ``if TYPE_CHECKING:`` blocks)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                out.add(name)
    return out


def _graph() -> nx.DiGraph:
    modules = _modules()
    G = nx.DiGraph()
    G.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(path, name, set(modules)):
            G.add_edge(name, target)
    return G


def _layer(module: str) -> int:
    top = module.split(".", 1)[0]
    return LAYERS.index("cli" if top.startswith("cli") else top)


def test_no_import_cycle() -> None:
    G = _graph()
    # a package's __init__ importing its own submodules is how packages re-export
    H = G.copy()
    H.remove_edges_from([(a, b) for a, b in G.edges if b.startswith(a + ".")])
    cycles = sorted(sorted(c) for c in nx.simple_cycles(H))
    assert cycles == []


def test_layers_import_downwards_only() -> None:
    G = _graph()
    upward = sorted((a, b) for a, b in G.edges if _layer(b) > _layer(a))
    assert upward == []


def test_only_the_store_speaks_sql() -> None:
    speaking = []
    for name, path in _modules().items():
        if name.startswith("crawler.store"):
            continue
        text = path.read_text(encoding="utf-8")
        if "import sqlite3" in text or ".execute(" in text:
            speaking.append(name)
    assert speaking == []


@pytest.mark.parametrize("name", sorted(_modules()))
def test_modules_stay_readable(name: str) -> None:
    path = _modules()[name]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if name not in DATA_TABLES:
        assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by job"


def _where_things_are() -> list[str]:
    """Paths named in the README's "Where things are" block, folders ending in ``/``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    paths: list[str] = []
    folders: list[str] = []
    for line in block.splitlines():
        name = line.split()[0]
        depth = (len(line) - len(line.lstrip(" "))) // 2
        folders = folders[:depth]
        path = "".join(folders) + name
        paths.append(path)
        if name.endswith("/"):
            folders.append(name)
    return paths


def test_readme_where_things_are_matches_the_tree() -> None:
    named = _where_things_are()
    missing = [p for p in named if not (ROOT / p).exists()]
    assert missing == []
    modules = {str(path.relative_to(ROOT)) for path in _modules().values()}
    unnamed = sorted(m for m in modules if m not in named and not m.endswith("__init__.py"))
    assert unnamed == []
