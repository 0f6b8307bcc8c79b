"""Read the YAML sources under ``source/`` into frozen values the XML writer can walk.

The sources are written for people: one short line per element position, segment use or
code. This module turns those lines into typed values and reports every mistake with the
file and key it came from, so a bad edit fails at build time rather than inside pyx12.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from edigate.errors import ConfigError

__all__ = [
    "CodeSet",
    "Composite",
    "ElementDef",
    "Index",
    "LoopUse",
    "Position",
    "SegmentDef",
    "SegmentUse",
    "SetSpec",
    "Sources",
    "applies",
    "load_sets",
    "load_sources",
]

SOURCE_DIR = Path(__file__).parent / "source"
TABLES = ("header", "detail", "summary")
REQUIREMENTS = ("M", "O", "X")

_VERSIONS = r"(?P<ver>\d{6}(?:-\d{6})?|-\d{6})"
"""A version tag: "005010" (that version on), "-004060" (up to it), "004030-004060" (a range)."""
_POSITION = re.compile(rf"^(?P<ref>[A-Z0-9]+) (?P<req>[MOX])(?: @{_VERSIONS})?$")
_SEG_USE = re.compile(
    r"^(?P<seg>[A-Z][A-Z0-9]{1,2}) (?P<pos>\d{3}) (?P<req>[MO]) (?P<max>>1|\d+)"
    rf"(?: @{_VERSIONS})?$"
)
_LOOP = re.compile(rf"^loop (?P<id>[A-Z0-9]+) (?P<req>[MO]) (?P<rep>>1|\d+)(?: @{_VERSIONS})?$")
_SYNTAX = re.compile(rf"^(?P<rule>[PRCLE](?:\d{{2}}){{2,20}})(?: ?@{_VERSIONS})?$")


@dataclass(frozen=True)
class ElementDef:
    """A data element as the dictionary defines it for one version."""

    number: str
    data_type: str
    min_len: int
    max_len: int
    name: str


@dataclass(frozen=True)
class Position:
    """One position in a segment or composite: what goes there and whether it must."""

    ref: str
    requirement: str
    version: str | None = None


@dataclass(frozen=True)
class Composite:
    id: str
    name: str
    positions: tuple[Position, ...]
    syntax: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class SegmentDef:
    id: str
    name: str
    positions: tuple[Position, ...]
    syntax: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class SegmentUse:
    """A segment placed in a transaction set: position, requirement and max use."""

    segment: str
    pos: str
    requirement: str
    max_use: str
    version: str | None = None


@dataclass(frozen=True)
class LoopUse:
    """A loop placed in a transaction set; its first child is its first segment."""

    id: str
    requirement: str
    repeat: str
    children: tuple[SegmentUse | LoopUse, ...]
    version: str | None = None

    @property
    def pos(self) -> str:
        return self.children[0].pos


@dataclass(frozen=True)
class SetSpec:
    """One transaction set (850, 997 ...) over the versions it is built for."""

    id: str
    name: str
    functional_group: str
    versions: tuple[str, ...]
    tables: tuple[tuple[str, tuple[SegmentUse | LoopUse, ...]], ...]
    gs08: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def gs08_for(self, version: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """GS08 values that select this set's map for ``version`` (the set may narrow them)."""
        return dict(self.gs08).get(version, default)


@dataclass(frozen=True)
class CodeSet:
    number: str
    name: str
    codes: tuple[tuple[str, str], ...]
    partial: bool = False
    """A curated subset of a larger X12 list: an unknown value is a warning, not an error."""


@dataclass(frozen=True)
class Index:
    """Which envelope values reach which map (pyx12's maps.xml)."""

    interchange_versions: tuple[tuple[str, str], ...]
    group_versions: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Sources:
    elements: dict[str, dict[str, ElementDef]]
    composites: dict[str, Composite]
    segments: dict[str, SegmentDef]
    codes: dict[str, CodeSet]
    sets: tuple[SetSpec, ...]
    index: Index
    version_codes: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """Per version, element number to its complete code list in that version (codes-<version>.yaml)."""

    @cached_property
    def varying_elements(self) -> frozenset[str]:
        """Element numbers whose type or lengths differ between versions (maps name them per version)."""
        shapes: dict[str, set[tuple[str, int, int]]] = {}
        for table in self.elements.values():
            for number, d in table.items():
                shapes.setdefault(number, set()).add((d.data_type, d.min_len, d.max_len))
        return frozenset(number for number, seen in shapes.items() if len(seen) > 1)


def applies(tag: str | None, version: str) -> bool:
    """Whether a version tag ("005010", "-004060", "004030-004060", or none) covers ``version``."""
    if tag is None:
        return True
    low, _, high = tag.partition("-") if "-" in tag else (tag, "", "")
    return (not low or version >= low) and (not high or version <= high)


def _fail(file: Path, where: str, message: str) -> ConfigError:
    return ConfigError(f"{file.name}: {where}: {message}")


_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it: the same values for a quarter of the CPU (the sources
are read by the generator, its tests, and the spec oracle's collection in every test worker).
As in `edigate.config.yamlsource`, text with a byte order mark inside, or that libyaml
refuses, goes to PyYAML's own parser, which reads it or says where it is wrong."""


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if _LOADER is not yaml.SafeLoader and "\ufeff" not in text:
        try:
            return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def _element_table(path: Path, raw: dict[str, Any], version: str) -> dict[str, ElementDef]:
    """``common``, then every section whose version tag covers ``version``, in file order:
    a later section redefines what an earlier one said."""
    table: dict[str, ElementDef] = {}
    sections = [str(key) for key in raw if key != "common" and applies(str(key), version)]
    for section in ("common", *sections):
        for number, spec in (raw.get(section) or {}).items():
            if not isinstance(number, str) or not isinstance(spec, list) or len(spec) != 4:
                raise _fail(path, f"{section}.{number}", "expected \"number\": [type, min, max, name]")
            data_type, min_len, max_len, name = spec
            table[number] = ElementDef(number, str(data_type), int(min_len), int(max_len), str(name))
    return table


def _load_elements(path: Path, versions: tuple[str, ...]) -> dict[str, dict[str, ElementDef]]:
    raw = _read(path)
    return {version: _element_table(path, raw, version) for version in versions}


def _positions(path: Path, where: str, items: list[Any]) -> tuple[Position, ...]:
    result = []
    for item in items:
        match = _POSITION.match(str(item))
        if match is None:
            raise _fail(path, where, f"bad element position {item!r}; expected '<ref> <M|O|X>'")
        result.append(Position(match["ref"], match["req"], match["ver"]))
    return tuple(result)


def _syntax(path: Path, where: str, items: list[Any]) -> tuple[tuple[str, str | None], ...]:
    result = []
    for item in items:
        match = _SYNTAX.match(str(item))
        if match is None:
            raise _fail(path, where, f"bad syntax note {item!r}")
        result.append((match["rule"], match["ver"]))
    return tuple(result)


def _load_segments(path: Path) -> tuple[dict[str, Composite], dict[str, SegmentDef]]:
    raw = _read(path)
    composites = {
        cid: Composite(cid, body["name"], _positions(path, cid, body["elements"]),
                       _syntax(path, cid, body.get("syntax", [])))
        for cid, body in raw["composites"].items()
    }
    segments = {
        sid: SegmentDef(sid, body["name"], _positions(path, sid, body["elements"]),
                        _syntax(path, sid, body.get("syntax", [])))
        for sid, body in raw["segments"].items()
    }
    return composites, segments


def _load_codes(path: Path) -> dict[str, CodeSet]:
    result = {}
    for number, body in _read(path).items():
        codes = body.get("codes") or {}
        bad = [code for code in codes if not isinstance(code, str)]
        if not isinstance(number, str) or bad:
            raise _fail(path, str(number), f"codes and element numbers must be quoted strings: {bad}")
        pairs = tuple((code, str(text)) for code, text in codes.items())
        result[number] = CodeSet(number, str(body["name"]), pairs, bool(body.get("partial", False)))
    return result


def _load_version_codes(source_dir: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    result: dict[str, dict[str, tuple[str, ...]]] = {}
    for path in sorted(source_dir.glob("codes-*.yaml")):
        raw = _read(path)
        version, lists = str(raw["version"]), raw.get("lists") or {}
        if path.stem != f"codes-{version}" or version in result:
            raise _fail(path, "version", f"{version!r} does not match the file name")
        for number, codes in lists.items():
            if not isinstance(number, str) or not all(isinstance(c, str) for c in codes):
                raise _fail(path, str(number), "codes and element numbers must be quoted strings")
        result[version] = {number: tuple(codes) for number, codes in lists.items()}
    return result


def _entry(path: Path, where: str, item: Any) -> SegmentUse | LoopUse:
    if isinstance(item, dict) and len(item) == 1:
        (head, children), = item.items()
        match = _LOOP.match(str(head))
        if match is None or not children:
            raise _fail(path, where, f"bad loop {head!r}; expected 'loop <id> <M|O> <repeat>'")
        kids = tuple(_entry(path, f"{where}/{match['id']}", child) for child in children)
        return LoopUse(match["id"], match["req"], match["rep"], kids, match["ver"])
    match = _SEG_USE.match(str(item))
    if match is None:
        raise _fail(path, where, f"bad segment use {item!r}; expected '<seg> <pos> <M|O> <max>'")
    return SegmentUse(match["seg"], match["pos"], match["req"], match["max"], match["ver"])


def _load_set(path: Path, all_versions: tuple[str, ...]) -> SetSpec:
    raw = _read(path)
    tables = tuple(
        (table, tuple(_entry(path, table, item) for item in raw.get(table) or []))
        for table in TABLES
    )
    versions = tuple(str(v) for v in raw.get("versions") or all_versions)
    gs08 = tuple((str(v), tuple(str(g) for g in vals)) for v, vals in (raw.get("gs08") or {}).items())
    return SetSpec(str(raw["id"]), raw["name"], raw["functional_group"], versions, tables, gs08)


def _load_index(path: Path) -> Index:
    raw = _read(path)
    isa = tuple((str(icvn), str(ver)) for icvn, ver in raw["interchange_versions"].items())
    groups = tuple((str(ver), tuple(str(g) for g in gs08)) for ver, gs08 in raw["gs08"].items())
    return Index(isa, groups)


def _load_sets(source_dir: Path, index: Index) -> tuple[SetSpec, ...]:
    versions = tuple(ver for ver, _ in index.group_versions)
    return tuple(_load_set(p, versions) for p in sorted((source_dir / "sets").glob("*.yaml")))


def load_sets(source_dir: Path = SOURCE_DIR) -> tuple[SetSpec, ...]:
    """The sets' sources alone, as `load_sources` reads them (a tenth of its time: the spec
    oracle's tests are parametrized by set and version in every test worker's collection)."""
    return _load_sets(source_dir, _load_index(source_dir / "index.yaml"))


def load_sources(source_dir: Path = SOURCE_DIR) -> Sources:
    """Load every YAML source; raise ConfigError naming the file and key of a mistake."""
    index = _load_index(source_dir / "index.yaml")
    versions = tuple(ver for ver, _ in index.group_versions)
    composites, segments = _load_segments(source_dir / "segments.yaml")
    sets = _load_sets(source_dir, index)
    return Sources(
        elements=_load_elements(source_dir / "elements.yaml", versions),
        composites=composites,
        segments=segments,
        codes=_load_codes(source_dir / "codes.yaml"),
        sets=sets,
        index=index,
        version_codes=_load_version_codes(source_dir),
    )
