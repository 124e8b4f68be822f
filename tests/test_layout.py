"""The tree reads as the data flow: imports run `app -> answer -> index -> core` and `ingest -> index -> core`.

Every import counts, module-level or inside a function, since a lazy import that climbs back up is
the same tangle found later. Pure logic over the source files, so it runs in the quick loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from assistant.core.settings import REPO_ROOT

PACKAGES = ("assistant", "ingest", "eval")
# A lower rank may never import a higher one. `assistant.offline` (environment only) sits with core.
RANK = {"assistant.core": 0, "assistant.offline": 0, "assistant.index": 1, "assistant.answer": 2, "assistant.app": 3}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Our modules that `path` imports (absolute names; `from a import b` counts `a.b` when that is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in MODULES}
    return {name for name in found if name.split(".")[0] in PACKAGES and name in MODULES}


def stage(name: str) -> str:
    """`assistant.index.chroma` -> `assistant.index`; top-level packages are their own stage."""
    head = name.split(".")
    return ".".join(head[:2]) if head[0] == "assistant" and len(head) > 1 else head[0]


SOURCES = {module_name(p): p for package in PACKAGES for p in (REPO_ROOT / package).rglob("*.py")}
MODULES = set(SOURCES)
GRAPH = {name: imports_of(path) for name, path in SOURCES.items()}


def allowed(importer: str, imported: str) -> bool:
    a, b = stage(importer), stage(imported)
    if imported in ("assistant", "assistant.offline"):
        return True  # the package root only sets the offline environment and re-exports lazily
    if importer == "assistant":
        return False  # the root re-exports by name, never by import
    if importer == "assistant.__main__":
        return b == "assistant.app"  # `python -m assistant` is the app's command line
    if a == "eval":
        return True  # eval measures everything; nothing imports it
    if a == "ingest":
        return b in ("ingest", "assistant.core", "assistant.index")
    if b == "eval":
        return False
    if b == "ingest":
        return a == "assistant.app"  # only the app shell may add documents
    if a in RANK and b in RANK:
        return RANK[b] <= RANK[a]
    return False


def test_the_stage_folders_exist_and_hold_the_modules():
    for folder in ("core", "index", "answer", "app"):
        assert (REPO_ROOT / "assistant" / folder / "__init__.py").exists(), folder
    flat = sorted(p.name for p in (REPO_ROOT / "assistant").glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "offline.py"], flat


@pytest.mark.parametrize("importer", sorted(MODULES))
def test_no_import_climbs_back_up(importer):
    upward = sorted(m for m in GRAPH[importer] if not allowed(importer, m))
    assert not upward, f"{importer} imports {upward}: imports run app -> answer -> index -> core, ingest -> index -> core"


def test_core_imports_nothing_of_ours():
    for name in (m for m in MODULES if stage(m) == "assistant.core"):
        assert GRAPH[name] <= {m for m in MODULES if stage(m) == "assistant.core"} | {"assistant", "assistant.offline"}, name


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` (depth-first), or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(name: str, path: list[str]) -> list[str] | None:
        state[name] = 1
        for nxt in sorted(graph.get(name, ())):
            if nxt == name or (nxt in PACKAGES and name.startswith(nxt + ".")):
                continue  # a submodule importing its own package's __init__ is not a cycle of ours
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [name, nxt] if nxt in path else [name, nxt]
            if nxt not in state and (cycle := visit(nxt, path + [name])):
                return cycle
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name, [])):
            return cycle
    return None


def test_no_import_cycle_anywhere():
    """Every import, lazy ones included: the report -> plots -> calibrate -> report cycle is gone."""
    cycle = find_cycle(GRAPH)
    assert cycle is None, " -> ".join(cycle)


def test_the_cycle_finder_finds_one():
    assert find_cycle({"eval.a": {"eval.b"}, "eval.b": {"eval.c"}, "eval.c": {"eval.a"}}) == ["eval.a", "eval.b", "eval.c", "eval.a"]
    assert find_cycle({"eval.a": {"eval.b"}, "eval.b": set()}) is None


def test_the_checker_catches_an_upward_import():
    """The rules themselves, on names: a test that could not fail would prove nothing."""
    assert not allowed("assistant.index.chroma", "assistant.answer.pipeline")
    assert not allowed("assistant.core.types", "assistant.index.chroma")
    assert not allowed("assistant.answer.pipeline", "eval.run")
    assert not allowed("assistant.answer.pipeline", "ingest.run")
    assert not allowed("ingest.run", "assistant.answer.evidence")
    assert allowed("assistant.app.ui", "ingest.run")
    assert allowed("assistant.app.cli", "assistant.answer.pipeline")
    assert allowed("eval.run", "assistant.answer.pipeline")
    assert not allowed("assistant.__main__", "eval.run")
