"""Transaction-set specs compiled from the pyx12 map XML in `edigate/x12/specs/`.

The XML is what pyx12 reads; this module turns one set's map into a small tree of frozen
values (loops, segments, elements) that `edigate.x12.validate` walks without touching XML
again. Compiled specs are cached per (set, version) on a `SpecLibrary`; `bundled_specs` is the
one library over the bundled folder that a process shares, since package data does not change
while it runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Union

from lxml import etree

from edigate.errors import ConfigError

__all__ = ["ElementSpec", "CompositeSpec", "LoopSpec", "SegmentSpec", "SetSpec", "SpecLibrary", "SPECS_DIR",
           "Rule", "bundled_specs", "parse_syntax"]

SPECS_DIR = Path(__file__).parent / "specs"
PARTIAL_SOURCE = "X12 subset"
"""Marks a code list that is a curated subset of a larger X12 list (see specs/build.py)."""
UNBOUNDED = 1 << 30


@dataclass(frozen=True, slots=True)
class ElementSpec:
    """One simple element (or component): where it stands and what it may hold."""

    position: int
    ref: str
    name: str
    usage: str
    data_type: str
    min_len: int
    max_len: int
    codes: frozenset[str] | None
    codes_partial: bool = False
    """``codes`` is a curated subset of a larger X12 list: other values only warn."""


@dataclass(frozen=True, slots=True)
class CompositeSpec:
    position: int
    ref: str
    name: str
    usage: str
    components: tuple[ElementSpec, ...]
    syntax: tuple[str, ...]


Field = Union[ElementSpec, CompositeSpec]


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    id: str
    name: str
    usage: str
    max_use: int
    elements: tuple[Field, ...]
    syntax: tuple[str, ...]
    rules: tuple[Rule, ...] = field(init=False, compare=False)
    """Syntax notes parsed once."""
    by_position: tuple[Field | None, ...] = field(init=False, compare=False)
    """``by_position[n]`` is the field at position n (index 0 unused)."""
    required: tuple[Field, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", parse_syntax(self.syntax))
        table: list[Field | None] = [None] * (max((f.position for f in self.elements), default=0) + 1)
        for f in self.elements:
            table[f.position] = f
        object.__setattr__(self, "by_position", tuple(table))
        object.__setattr__(self, "required", tuple(f for f in self.elements if f.usage == "R"))


class Rule(NamedTuple):
    """A syntax note: "P0607" is kind P over positions (6, 7)."""

    note: str
    kind: str
    positions: tuple[int, ...]
    members: frozenset[int]


def parse_syntax(notes: tuple[str, ...]) -> tuple[Rule, ...]:
    rules = []
    for note in notes:
        positions = tuple(int(note[i:i + 2]) for i in range(1, len(note), 2))
        rules.append(Rule(note, note[0], positions, frozenset(positions)))
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class LoopSpec:
    id: str
    usage: str
    repeat: int
    children: tuple[Node, ...]
    starts: dict[str, tuple[int, ...]] = field(init=False, compare=False, hash=False)
    """For each segment id, the children it can start: a segment, or a loop by its first."""
    required_from: tuple[int, ...] = field(init=False, compare=False, hash=False)
    """``required_from[j]``: the first required child at or after ``j`` (``len(children)``
    when none), so that a validator skips children without looking at each."""
    first: SegmentSpec = field(init=False, compare=False, hash=False)
    """The segment that starts the loop."""

    def __post_init__(self) -> None:
        found: dict[str, list[int]] = {}
        for i, child in enumerate(self.children):
            found.setdefault(child.id if isinstance(child, SegmentSpec) else child.first.id, []).append(i)
        object.__setattr__(self, "starts", {k: tuple(v) for k, v in found.items()})
        after = [len(self.children)] * (len(self.children) + 1)
        for i in range(len(self.children) - 1, -1, -1):
            after[i] = i if self.children[i].usage == "R" else after[i + 1]
        object.__setattr__(self, "required_from", tuple(after))
        head = self.children[0]
        object.__setattr__(self, "first", head if isinstance(head, SegmentSpec) else head.first)


Node = Union[SegmentSpec, LoopSpec]


@dataclass(frozen=True, slots=True)
class SetSpec:
    """A transaction set: the ST..SE loop with wrapper tables flattened into it."""

    set_id: str
    version: str
    root: LoopSpec
    segment_ids: frozenset[str]


def _max(text: str | None) -> int:
    if not text or text.startswith(">"):
        return UNBOUNDED
    return int(text)


@dataclass
class SpecLibrary:
    """Loads and caches compiled specs from a folder of pyx12 map XML."""

    folder: Path = SPECS_DIR
    _elements: dict[str, tuple[str, int, int, str]] | None = None
    _codes: dict[str, tuple[frozenset[str], bool]] | None = None
    _sets: dict[tuple[str, str], SetSpec | None] = field(default_factory=dict)

    def get(self, set_id: str, version: str) -> SetSpec | None:
        """The spec for ``set_id`` under GS08 ``version``, read by its first six characters
        (``004010VICS`` is 004010), or None when there is no map for that set and version."""
        base = version[:6]
        key = (set_id, base)
        if key not in self._sets:
            path = self.folder / f"{set_id}.{base[2:6]}.xml"
            self._sets[key] = self._compile(path, set_id, base) if path.is_file() else None
        return self._sets[key]

    def _compile(self, path: Path, set_id: str, version: str) -> SetSpec:
        try:
            tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise ConfigError(f"{path}: not a readable map: {exc}") from exc
        st_loop = tree.find(".//loop[@xid='ST_LOOP']")
        if st_loop is None:
            raise ConfigError(f"{path}: no ST_LOOP in the map")
        root = LoopSpec("ST_LOOP", "R", 1, tuple(self._children(st_loop)))
        ids = frozenset(s.id for s in _segments(root))
        return SetSpec(set_id, version, root, ids)

    def _children(self, loop: etree._Element) -> list[Node]:
        nodes: list[Node] = []
        for child in loop:
            if child.tag == "segment":
                nodes.append(self._segment(child))
            elif child.tag == "loop" and child.get("type") == "wrapper":
                nodes.extend(self._children(child))
            elif child.tag == "loop":
                nodes.append(LoopSpec(child.get("xid", ""), child.findtext("usage", "S"),
                                      _max(child.findtext("repeat")), tuple(self._children(child))))
        return nodes

    def _segment(self, seg: etree._Element) -> SegmentSpec:
        fields: list[Field] = []
        texts: dict[object, str] = {}
        syntax: list[str] = []
        for child in seg:
            tag = child.tag
            if tag == "element":
                fields.append(self._element(child))
            elif tag == "composite":
                parts = tuple(self._element(e) for e in child.findall("element"))
                fields.append(CompositeSpec(int(child.findtext("seq", "0")), child.findtext("data_ele", ""),
                                            child.findtext("name", ""), child.findtext("usage", "S"), parts,
                                            tuple(s.text or "" for s in child.findall("syntax"))))
            elif tag == "syntax":
                syntax.append(child.text or "")
            else:
                texts.setdefault(tag, child.text or "")
        return SegmentSpec(seg.get("xid", ""), texts.get("name", ""), texts.get("usage", "S"),
                           _max(texts.get("max_use")), tuple(fields), tuple(syntax))

    def _element(self, el: etree._Element) -> ElementSpec:
        """One element, its children read in one pass: a spec holds thousands of elements
        and five ``findtext`` walks each were most of a partner's set-up time."""
        texts: dict[object, str] = {}
        valid: etree._Element | None = None
        for child in el:
            if child.tag == "valid_codes":
                valid = child if valid is None else valid
            else:
                texts.setdefault(child.tag, child.text or "")  # the first, as findtext reads
        ref = texts.get("data_ele", "")
        data_type, min_len, max_len, name = self._data_elements().get(ref, ("AN", 1, 256, ref))
        codes, partial = None, False
        if valid is not None:
            external = valid.get("external")
            if external:
                codes, partial = self._code_lists().get(external, (None, False))
            else:
                codes = frozenset(c.text or "" for c in valid.findall("code"))
        return ElementSpec(int(texts.get("seq", "0")), ref.split(".", 1)[0], texts.get("name", name),
                           texts.get("usage", "S"), data_type, min_len, max_len, codes, partial)

    def _data_elements(self) -> dict[str, tuple[str, int, int, str]]:
        if self._elements is None:
            tree = etree.parse(str(self.folder / "dataele.xml"), etree.XMLParser(resolve_entities=False))
            self._elements = {
                e.get("ele_num", ""): (e.get("data_type", "AN"), int(e.get("min_len", "1")),
                                       int(e.get("max_len", "1")), e.get("name", ""))
                for e in tree.iter("data_ele")}
        return self._elements

    def _code_lists(self) -> dict[str, tuple[frozenset[str], bool]]:
        if self._codes is None:
            tree = etree.parse(str(self.folder / "codes.xml"), etree.XMLParser(resolve_entities=False))
            self._codes = {c.findtext("id", ""): (frozenset(x.text or "" for x in c.iter("code")),
                                                  c.findtext("source") == PARTIAL_SOURCE)
                           for c in tree.iter("codeset")}
        return self._codes

    def partial_code_lists(self) -> list[str]:
        """Element numbers whose code list is a curated subset (pyx12 should skip them)."""
        return sorted(n for n, (_, partial) in self._code_lists().items() if partial)


@functools.cache
def bundled_specs() -> SpecLibrary:
    """The library over `SPECS_DIR`, shared by every caller in the process: each bundled
    spec is compiled once, not once per validator or partner."""
    return SpecLibrary()


def _segments(node: Node) -> list[SegmentSpec]:
    if isinstance(node, SegmentSpec):
        return [node]
    return [s for child in node.children for s in _segments(child)]
