"""Read a map YAML file and the chain of maps it ``extends`` into one located source.

A partner map names a base (``extends: 850-4010``) and overrides it field by field: a
field, code or cross-reference entry written in the partner map replaces the base's, and
``null`` removes it. An outbound map's ``segments`` list is replaced whole. Every entry keeps the file and
line it was written on, so the
compiler reports mistakes as ``maps/bigbox-850.yaml:12: line.uom: ...``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from edigate.config.schema import did_you_mean
from edigate.config.yamlsource import Map, Node, Scalar, display_name, load_yaml
from edigate.errors import ConfigError, ConfigProblem

__all__ = ["SECTIONS", "TABLES", "Entry", "MapSource", "load_map_source", "map_path"]

SECTIONS = ("order", "party", "line")
"""Field sections: header and summary segments, each N1 loop, each PO1 loop."""
TABLES = ("codes", "xref")
_SCALARS = ("set", "version", "direction", "description", "document")
_KEYS = ("extends", *_SCALARS, *TABLES, "units", "party_roles", *SECTIONS, "segments")


@dataclass(frozen=True, slots=True)
class Entry:
    """One located YAML value and the file it was written in."""

    file: str
    line: int
    node: Node


@dataclass(slots=True)
class MapSource:
    """A map with its bases merged in; tables and sections map names to located entries."""

    name: str
    file: str
    scalars: dict[str, Entry] = field(default_factory=dict)
    tables: dict[str, dict[str, dict[str, Entry]]] = field(default_factory=dict)
    party_roles: dict[str, Entry] = field(default_factory=dict)
    units: dict[str, Entry] = field(default_factory=dict)
    """Unit conversions by the unit they convert (``CA``, ``CA[ACM-1001]``): `edigate.mapping.units`."""
    sections: dict[str, dict[str, Entry]] = field(default_factory=dict)
    segments: Entry | None = None
    """An outbound map's segment list (a partner map replaces it whole)."""
    chain: tuple[str, ...] = ()

    def plain_tables(self) -> dict[str, dict[str, dict[str, str]]]:
        """Code and cross-reference tables as plain text: kind -> table -> key -> value."""
        return {kind: {name: {key: _entry_text(entry) for key, entry in table.items()}
                       for name, table in tables.items()}
                for kind, tables in self.tables.items()}

    def table_places(self, root: Path) -> dict[str, dict[str, tuple[str, int]]]:
        """Where each table's last entry is written (kind -> table -> (file, line)): where an
        analyst adds the code or item a finding says the table lacks. Files below ``root``
        (the maps folder's parent: the workspace) are named relative to it."""
        def place(table: dict[str, Entry]) -> tuple[str, int]:
            order = {file: n for n, file in enumerate(self.chain)}  # a partner map's entries over its base's
            last = max(table.values(), key=lambda e: (order.get(e.file, -1), e.line))
            path = Path(last.file).resolve()
            return (str(path.relative_to(root)) if path.is_relative_to(root) else last.file), last.line
        return {kind: {name: place(table) for name, table in tables.items() if table}
                for kind, tables in self.tables.items()}

    def relative(self, root: Path) -> str:
        """The map's file named relative to ``root`` (the workspace) when below it."""
        path = Path(self.file).resolve()
        return str(path.relative_to(root)) if path.is_relative_to(root) else self.file

    def scalar(self, key: str) -> str | None:
        entry = self.scalars.get(key)
        return entry.node.text if entry and isinstance(entry.node, Scalar) else None


def _entry_text(entry: Entry) -> str:
    return entry.node.text if isinstance(entry.node, Scalar) else ""


def map_path(name: str, maps_dir: Path) -> Path:
    """The file of a map named like ``bigbox-850`` (or given as a path)."""
    if name.endswith(".yaml") or os.sep in name or "/" in name:
        return Path(name)
    return Path(maps_dir) / f"{name}.yaml"


def load_map_source(name: str, maps_dir: Path) -> MapSource:
    """Load map ``name`` and its bases; raise `ConfigError` with every problem found."""
    path = map_path(name, maps_dir)
    problems: list[ConfigProblem] = []
    source = MapSource(Path(path).stem, display_name(path))
    _load_into(source, path, problems, [])
    if problems:
        raise ConfigError(problems)
    return source


def _load_into(source: MapSource, path: Path, problems: list[ConfigProblem],
               seen: list[str]) -> None:
    display = display_name(path)
    if display in seen:
        problems.append(ConfigProblem(display, None, "extends", f"extends itself via {seen[-1]}"))
        return
    document = load_yaml(path, display=display)
    problems.extend(document.problems)
    root = document.root
    if not isinstance(root, Map):
        problems.append(ConfigProblem(display, None, "", "a map file must be a mapping"))
        return
    base = root.get("extends")
    if base is not None:
        _load_base(source, path, base[1], display, problems, [*seen, display])
    source.chain = (*source.chain, display)
    _merge(source, root, display, problems)


def _load_base(source: MapSource, path: Path, node: Node, display: str,
               problems: list[ConfigProblem], seen: list[str]) -> None:
    if not isinstance(node, Scalar) or not node.text:
        problems.append(ConfigProblem(display, node.line, "extends", "expected a map name"))
        return
    base_path = map_path(node.text, path.parent)
    if not base_path.exists():
        message = f"map {node.text!r} not found (looked for {display_name(base_path)})"
        problems.append(ConfigProblem(display, node.line, "extends", message))
        return
    _load_into(source, base_path, problems, seen)


def _merge(source: MapSource, root: Map, file: str, problems: list[ConfigProblem]) -> None:
    for key, node in root.entries:
        if key.text not in _KEYS:
            message = f"unknown key{did_you_mean(key.text, _KEYS)}; expected one of {', '.join(_KEYS)}"
            problems.append(ConfigProblem(file, key.line, key.text, message))
        elif key.text in _SCALARS:
            source.scalars[key.text] = Entry(file, node.line, node)
        elif key.text in TABLES:
            _merge_tables(source.tables.setdefault(key.text, {}), node, key.text, file, problems)
        elif key.text in ("party_roles", "units"):
            _merge_entries(getattr(source, key.text), node, key.text, file, problems)
        elif key.text == "segments":
            source.segments = Entry(file, key.line, node)
        elif key.text in SECTIONS:
            _merge_entries(source.sections.setdefault(key.text, {}), node, key.text, file, problems)


def _merge_tables(tables: dict[str, dict[str, Entry]], node: Node, path: str, file: str,
                  problems: list[ConfigProblem]) -> None:
    if _is_null(node):
        return
    if not isinstance(node, Map):
        problems.append(ConfigProblem(file, node.line, path, "expected a mapping of tables"))
        return
    for key, table in node.entries:
        _merge_entries(tables.setdefault(key.text, {}), table, f"{path}.{key.text}", file, problems)


def _merge_entries(into: dict[str, Entry], node: Node, path: str, file: str,
                   problems: list[ConfigProblem]) -> None:
    """Entries written here replace earlier ones; an entry set to null is removed."""
    if _is_null(node):
        return
    if not isinstance(node, Map):
        problems.append(ConfigProblem(file, node.line, path, "expected a mapping"))
        return
    for key, value in node.entries:
        if _is_null(value):
            into.pop(key.text, None)
        else:
            into[key.text] = Entry(file, key.line, value)


def _is_null(node: Node) -> bool:
    return isinstance(node, Scalar) and node.value is None and not node.quoted
