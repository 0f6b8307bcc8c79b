"""The layout keeps the data flow readable (DESIGN.md "Layout", STYLE.md): a few top-level
modules and one package per part of the flow, small modules and functions, and imports that
only go the way the flow does.

Imports are read with `ast` from the source, every one of them: at module level, inside
functions and under ``TYPE_CHECKING``, since each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import REPO

PACKAGE = REPO / "edigate"

DESIGNED_PACKAGES = {"x12", "model", "config", "mapping", "orders", "stages", "desk", "store", "transport",
                     "connectors", "gateway", "reports", "cli"}
"""The packages DESIGN.md names, one per part of the data flow."""

MAX_TOP_LEVEL_MODULES = 12
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60

CONFIG_LOADERS = ("edigate.config.partners", "edigate.config.workspace", "edigate.config.prepared")
"""The modules that read configuration files; value types (channels, secrets) are not loaders."""

COMPOSITION_ROOTS = {"stages", "desk", "cli", "gateway"}
"""The packages that may use both the store and transport: the stages and the desk put them
together, and the CLI and the gateway build them where the program starts."""

# -- reading the package ------------------------------------------------------------------


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


@functools.cache
def imports_of(name: str) -> frozenset[str]:
    """The edigate modules that module ``name`` imports."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return read_imports(path.read_text(encoding="utf-8"), package)


def read_imports(source: str, package: str) -> frozenset[str]:
    """The edigate modules ``source`` (a module of ``package``) imports, wherever the import
    stands; ``from a import b`` counts as ``a.b`` when that is a module."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(package, node.level, node.module)
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in modules() else base for a in node.names)
    return frozenset(m for m in found if _under(m, "edigate"))


def _absolute(package: str, level: int, module: str | None) -> str:
    if not level:
        return module or ""
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{module}" if module else package


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(of: str, forbidden: tuple[str, ...]) -> set[str]:
    """``module -> import`` for every import from a module under ``of`` of anything under ``forbidden``."""
    return {f"{name} -> {dep}" for name in modules() if _under(name, of)
            for dep in imports_of(name) if any(_under(dep, f) for f in forbidden)}


@functools.cache
def too_long() -> tuple[str, ...]:
    """Every module over the line budget and every function over its own, read once."""
    return tuple(_too_long())


def _too_long() -> Iterator[str]:
    for path in modules().values():
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(REPO).as_posix()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            yield f"module {where}"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    yield f"function {where}:{node.name}"


# -- the top level --------------------------------------------------------------------------


def test_the_top_level_holds_few_modules_and_only_the_designed_packages() -> None:
    top_modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top_modules) <= MAX_TOP_LEVEL_MODULES, top_modules
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= DESIGNED_PACKAGES, f"not in DESIGN.md's layout: {sorted(packages - DESIGNED_PACKAGES)}"


def test_the_import_reader_sees_every_kind_of_import() -> None:
    """The checks below are only as good as the reader: at module level, relative, inside a
    function, under TYPE_CHECKING, a module named in ``from a import b``."""
    source = ("import json\nimport edigate.x12\nfrom . import tokenizer\nfrom ..store import Store\n"
              "if TYPE_CHECKING:\n    from edigate.transport.pool import ChannelPool\n"
              "def f():\n    from edigate.config import workspace\n")
    assert read_imports(source, "edigate.x12") == {
        "edigate.x12", "edigate.x12.tokenizer", "edigate.store", "edigate.transport.pool", "edigate.config.workspace"}


# -- sizes ----------------------------------------------------------------------------------


def test_no_module_over_450_lines_and_no_function_over_60() -> None:
    assert sorted(too_long()) == [], f"over {MAX_MODULE_LINES} lines a module or {MAX_FUNCTION_LINES} a function"


# -- boundaries -----------------------------------------------------------------------------


def test_the_order_domain_imports_no_store_or_transport() -> None:
    assert sorted(violations("edigate.orders", ("edigate.store", "edigate.transport"))) == []


def test_transport_imports_no_store() -> None:
    assert sorted(violations("edigate.transport", ("edigate.store",))) == []


def test_transport_imports_no_configuration_loader() -> None:
    assert sorted(violations("edigate.transport", CONFIG_LOADERS)) == []


CONTEXT = "edigate.config.context"
"""The typed context names the store and the channel pool it hands down (for typing only);
it builds nothing, so it is no third place where store and transport meet."""


def packages_using(prefix: str) -> set[str]:
    """The top-level packages (other than ``prefix``'s own) with a module importing under ``prefix``."""
    return {name.split(".")[1] for name in modules() if name.count(".") and name != CONTEXT
            if any(_under(dep, prefix) for dep in imports_of(name))} - {prefix.split(".")[1]}


def test_only_the_stages_the_desk_and_the_composition_roots_use_both_store_and_transport() -> None:
    both = packages_using("edigate.store") & packages_using("edigate.transport")
    assert both <= COMPOSITION_ROOTS, sorted(both - COMPOSITION_ROOTS)


def test_mapping_imports_no_transport_or_store() -> None:
    """Maps turn X12 into orders whatever carried the file; printing a partner's text safely
    is `edigate.printable`, which every layer may use."""
    assert sorted(violations("edigate.mapping", ("edigate.transport", "edigate.store"))) == []


def test_the_store_imports_no_transport() -> None:
    assert sorted(violations("edigate.store", ("edigate.transport",))) == []
