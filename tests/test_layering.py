"""The "never" rules of ARCHITECTURE.md, read off the import statements of the package.

Data flows one way — sources → graph → validation → release → store → HTTP — so the import
graph has no cycle, the core never imports the web layer or the CLI, and writing a release
pulls in none of the code that reads the graph.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "idmgraph"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


@cache
def imports(module: str) -> frozenset[str]:
    """The package's modules ``module`` imports, anywhere in its text (functions included)."""
    known = modules()
    tree = ast.parse(known[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from package import submodule" names the submodule, not the package's __init__
            within = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [name for name in within if name in known] or [node.module]
        else:
            continue
        found.update(name for name in names if name in known and name != module)
    return frozenset(found)


def reachable(module: str) -> set[str]:
    seen: set[str] = set()
    stack = [module]
    while stack:
        for target in imports(stack.pop()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _is_edge(name: str) -> bool:
    return name == "idmgraph.cli" or name.startswith("idmgraph.web")


def test_the_package_is_read() -> None:
    assert len(modules()) > 50
    assert "idmgraph.store.embedded" in imports("idmgraph.store.backends")


@pytest.mark.parametrize("module", [name for name in modules() if not _is_edge(name)])
def test_the_core_never_imports_the_web_layer_or_the_cli(module: str) -> None:
    assert not [name for name in reachable(module) if _is_edge(name)]


def test_no_import_cycle() -> None:
    cycles = sorted(name for name in modules() if name in reachable(name))
    assert cycles == []


def test_store_and_remote_do_not_import_each_other() -> None:
    assert "idmgraph.store.remote" not in reachable("idmgraph.store.embedded")
    assert "idmgraph.store.backends" not in reachable("idmgraph.store.remote")


def test_writing_a_release_pulls_in_nothing_that_reads_the_graph() -> None:
    direct = imports("idmgraph.pipeline.build")
    assert not direct & {
        "idmgraph.pipeline.queries",
        "idmgraph.reading.querying",
        "idmgraph.reading.report",
    }
    readers = {
        "idmgraph.reading.querying",
        "idmgraph.reading.report",
        "idmgraph.reading.charts",
        "idmgraph.reading.describe",
    }
    assert not reachable("idmgraph.pipeline.build") & readers


MEDIA_TYPE = re.compile(r"^(application|text|image|audio|video|multipart)/[\w.+-]+")


def _string_constants(path: Path) -> list[str]:
    """Every string literal of a module but its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_media_types_are_named_only_in_the_format_registry() -> None:
    registry = _string_constants(modules()["idmgraph.base.formats"])
    assert any(MEDIA_TYPE.match(text) for text in registry)  # the reading finds them there
    found = {
        name: typed
        for name, path in modules().items()
        if name != "idmgraph.base.formats"
        for typed in [[text for text in _string_constants(path) if MEDIA_TYPE.match(text)]]
        if typed
    }
    assert found == {}


LAYERS = ("base", "pipeline", "store", "reading")  # data flows this way, never back
SOURCE_READERS = frozenset({"importer", "catalogue", "synth"})  # write data/, read nothing served


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else ""  # idmgraph.<layer>.<module>


@pytest.mark.parametrize("module", [name for name in modules() if _layer(name) in LAYERS])
def test_a_layer_imports_only_itself_and_the_layers_before_it(module: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(_layer(module)) + 1])
    assert {_layer(name) for name in imports(module) if _layer(name) in LAYERS} <= allowed


@pytest.mark.parametrize("module", [name for name in modules() if _layer(name) in SOURCE_READERS])
def test_source_readers_import_only_the_base_and_the_pipeline(module: str) -> None:
    reached = {_layer(name) for name in imports(module)} & {*LAYERS, "web"}
    assert reached <= {"base", "pipeline"}


def test_every_core_module_lies_in_a_layer_folder() -> None:
    flat = [
        name
        for name, path in modules().items()
        if name.count(".") == 1 and name != "idmgraph.cli" and path.name != "__init__.py"
    ]
    assert flat == [], "a core module outside base/, pipeline/, store/, reading/"
