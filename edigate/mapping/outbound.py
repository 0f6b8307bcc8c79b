"""Outbound maps: a canonical document (Order, PoAck, Shipment, Invoice) to an X12 set body.

An outbound map lists the segments to write, in order; each names, per element, the
canonical field it is written from::

    segments:
      - BEG: [purpose_code, order_type, po_number, release_number, {from: po_date, type: date}]
      - CUR: [{const: BY}, currency]              # skipped: only constants would be left
      - each: references                          # one REF per reference
        segments:
          - REF: [qualifier, value, description]
      - each: lines
        segments:
          - PO1: {1: line_number, 2: quantity, 6: {pairs: product_ids}}
      - CTT: [{count: PO1}]

An element is a field path (dotted; ``lines.0``; ``ids[92]``; properties such as
``line_count`` too), ``null``, or a mapping with ``from``/``const``/``expr``, ``type``
(str, decimal, int, date, time, n0..n4), ``codes`` (canonical -> X12), ``default`` (text
written when the field is empty), ``when`` (write the element only when that field has a
value), ``count`` (how many segments with that id are written so far) or ``pairs`` (a
qualified-ids field written as consecutive qualifier/value elements). A segment with
``when: FIELD`` is written exactly when the field has a value; any other segment whose
every non-constant element is empty is left out.

A block with ``hl: LEVEL`` (S, O, T, P, I ...) is one HL level of an 856: its HL segment
is numbered, names the level it hangs under and says whether levels hang below it; the
blocks nested in its ``segments`` hang under it. ``each`` and ``hl`` combine: one level
per record. ``group_by: FIELD`` with ``each`` makes one pass per distinct value of the
field, writing from ``key`` (the value) and ``records`` (those that share it): cartons
grouped by ``pallet_sscc`` give the tare level of S-O-T-P-I. Paths are checked against the model when the map is loaded.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edigate.config.schema import did_you_mean
from edigate.config.yamlsource import Map, Node, Scalar, Seq
from edigate.errors import ConfigError, ConfigProblem
from edigate.mapping.emit import (
    FORMATS,
    ElementFn,
    Emit,
    Getter,
    Render,
    constant,
    count,
    formatted,
    group_class,
    grouped,
    hl_emitter,
    looped,
    nothing,
    pairs,
    segment_emitter,
)
from edigate.mapping.expr import compile_expression
from edigate.mapping.mapfile import Entry, MapSource, load_map_source
from edigate.model import Invoice, Order, PoAck, Shipment
from edigate.model._types import QualifiedIds, field_types, non_null
from edigate.x12.checks import ascii_digits
from edigate.x12.segment import Segment

__all__ = ["DOCUMENTS", "OutboundMap", "load_outbound_map"]

DOCUMENTS: dict[str, type] = {"order": Order, "poack": PoAck, "shipment": Shipment,
                              "invoice": Invoice}
"""What an outbound map's ``document`` may name."""

_FIELD_PATH = re.compile(r"^[a-z][a-z0-9_]*(\[[^\]]+\])?(\.([a-z][a-z0-9_]*(\[[^\]]+\])?|\d+))*$")
_ELEMENT_KEYS = ("from", "const", "expr", "type", "codes", "when", "pairs", "default", "count")
_BLOCK_KEYS = ("each", "group_by", "hl", "segments")
_HL_LEVEL = re.compile(r"^[A-Z0-9]{1,2}$")
_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
_ATTRIBUTE = re.compile(r"[a-z][a-z0-9_]*\Z")
"""A field path that is one attribute: read by the segment emitter itself (`emit.Field`)."""


@dataclass(frozen=True, slots=True)
class OutboundMap:
    """A compiled outbound map: ``render(document)`` gives the set's body segments."""

    name: str
    file: str
    set_id: str
    version: str
    document: type
    emit: Emit
    chain: tuple[str, ...] = ()

    def render(self, document: Any) -> tuple[Segment, ...]:
        if not isinstance(document, self.document):
            raise TypeError(f"map {self.name} writes {self.document.__name__}, "
                            f"not {type(document).__name__}")
        render = Render(document)
        self.emit(document, render)
        return tuple(render.out)


def load_outbound_map(name: str, maps_dir: Path) -> OutboundMap:
    """Load and compile outbound map ``name``; raise `ConfigError` with every problem."""
    source = load_map_source(name, maps_dir)
    problems: list[ConfigProblem] = []
    cls = _document(source, problems)
    compiler = _Compiler(source.plain_tables().get("codes", {}), problems)
    emit = compiler.segments(source.segments, "segments", cls) if source.segments else nothing
    if source.segments is None:
        problems.append(ConfigProblem(source.file, None, "segments", "missing"))
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    return OutboundMap(source.name, source.file, source.scalar("set") or "",
                       source.scalar("version") or "", cls, emit, source.chain)


def _document(source: MapSource, problems: list[ConfigProblem]) -> type:
    direction = source.scalars.get("direction")
    if direction is None or source.scalar("direction") != "outbound":
        line = direction.line if direction else None
        problems.append(ConfigProblem(direction.file if direction else source.file, line,
                                      "direction", "expected 'outbound'"))
    name = source.scalar("document") or ""
    if name not in DOCUMENTS:
        entry = source.scalars.get("document")
        message = f"expected one of {', '.join(DOCUMENTS)}, got {name!r}{did_you_mean(name, DOCUMENTS)}"
        problems.append(ConfigProblem(entry.file if entry else source.file,
                                      entry.line if entry else None, "document", message))
        return Order
    for section in source.sections:
        problems.append(ConfigProblem(source.file, None, section,
                                      "an outbound map lists segments, not fields"))
    return DOCUMENTS[name]


class _Compiler:
    def __init__(self, codes: Mapping[str, Mapping[str, str]], problems: list[ConfigProblem]) -> None:
        self.codes = codes
        self.problems = problems

    def problem(self, file: str, line: int, path: str, message: str) -> None:
        self.problems.append(ConfigProblem(file, line, path, message))

    # -- segment lists ----------------------------------------------------------------

    def segments(self, entry: Entry, path: str, cls: type) -> Emit:
        if not isinstance(entry.node, Seq):
            self.problem(entry.file, entry.line, path, "expected a list of segments")
            return nothing
        emits = [self.item(Entry(entry.file, node.line, node), f"{path}[{i}]", cls)
                 for i, node in enumerate(entry.node.items)]

        def emit(record: Any, render: Render) -> None:
            for one in emits:
                one(record, render)
        return emit

    def item(self, entry: Entry, path: str, cls: type) -> Emit:
        node = entry.node
        if not isinstance(node, Map):
            self.problem(entry.file, entry.line, path, "expected a segment such as {REF: [...]}"
                                                       " or {each: FIELD, segments: [...]}")
            return nothing
        keys = {k.text: (k, v) for k, v in node.entries}
        if "each" in keys or "hl" in keys:
            return self.block(entry, keys, path, cls)
        return self.segment(entry, keys, path, cls)

    def block(self, entry: Entry, keys: dict[str, tuple[Scalar, Node]], path: str, cls: type) -> Emit:
        """``each: FIELD`` (one pass per record), ``hl: LEVEL`` (an HL level), or both."""
        unknown = [key for key, _ in keys.values() if key.text not in _BLOCK_KEYS]
        for key in unknown:
            self.problem(entry.file, key.line, f"{path}.{key.text}",
                         f"unknown key{did_you_mean(key.text, _BLOCK_KEYS)}")
        getters, item_cls = self.each_fields(entry, keys, path, cls)
        inner = keys.get("segments")
        if inner is None and not unknown:
            self.problem(entry.file, entry.line, path, f"'{next(iter(keys))}' needs 'segments'")
        if inner is None or item_cls is None:
            return nothing
        key_getter = self.group_key(entry, keys, path, item_cls)
        group_cls = group_class(item_cls) if key_getter else item_cls
        emit_inner = self.segments(Entry(entry.file, inner[0].line, inner[1]), f"{path}.segments",
                                   group_cls)
        if "hl" in keys:
            emit_inner = hl_emitter(self.hl_level(entry.file, keys["hl"], path), emit_inner)
        if key_getter is not None:
            return grouped(getters, key_getter, group_cls, emit_inner)
        return looped(getters, emit_inner) if getters else emit_inner

    def group_key(self, entry: Entry, keys: dict[str, tuple[Scalar, Node]], path: str,
                  item_cls: type) -> Getter | None:
        """``group_by: FIELD``: one pass per distinct value, over ``key`` and ``records``."""
        if "group_by" not in keys:
            return None
        key, node = keys["group_by"]
        if "each" not in keys:
            self.problem(entry.file, key.line, f"{path}.group_by", "needs 'each'")
            return None
        return self.field(entry.file, key.line, f"{path}.group_by", getattr(node, "text", ""),
                          item_cls)[0]

    def each_fields(self, entry: Entry, keys: dict[str, tuple[Scalar, Node]], path: str,
                    cls: type) -> tuple[list[Getter], type | None]:
        """The getters of ``each`` and the record class they give; no ``each``: ``cls`` itself."""
        if "each" not in keys:
            return [], cls
        names_node = keys["each"][1]
        names = [n.text for n in names_node.items if isinstance(n, Scalar)] if isinstance(
            names_node, Seq) else [getattr(names_node, "text", "")]
        found = [self.field(entry.file, names_node.line, f"{path}.each", name, cls) for name in names]
        getters = [g for g, _ in found if g is not None]
        item_cls = next((_item_class(tp) for g, tp in found if g is not None), None)
        if item_cls is None and getters:
            self.problem(entry.file, names_node.line, f"{path}.each", "needs records to loop over")
        return getters, item_cls

    def hl_level(self, file: str, hl: tuple[Scalar, Node], path: str) -> str:
        level = getattr(hl[1], "text", "")
        if not _HL_LEVEL.match(level):
            self.problem(file, hl[0].line, f"{path}.hl", f"expected an HL03 level code such as S, O,"
                                                          f" T, P or I, got {level!r}")
        return level

    def segment(self, entry: Entry, keys: dict[str, tuple[Scalar, Node]], path: str,
                cls: type) -> Emit:
        when = None
        if "when" in keys:
            key, node = keys.pop("when")
            when, _ = self.field(entry.file, key.line, f"{path}.when", getattr(node, "text", ""), cls)
        if len(keys) != 1:
            self.problem(entry.file, entry.line, path, "expected one segment id per list item")
            return nothing
        seg_id, (key, node) = next(iter(keys.items()))
        elements = self.elements(Entry(entry.file, key.line, node), f"{path}.{seg_id}", cls)
        return segment_emitter(seg_id, elements, when)

    # -- elements ---------------------------------------------------------------------

    def elements(self, entry: Entry, path: str, cls: type) -> list[tuple[int, ElementFn, bool]]:
        node = entry.node
        if isinstance(node, Seq):
            pairs = [(i, item) for i, item in enumerate(node.items, 1)]
        elif isinstance(node, Map):
            pairs = []
            for key, item in node.entries:
                if not ascii_digits(key.text) or int(key.text) < 1:
                    self.problem(entry.file, key.line, path, f"{key.text!r} is not an element position")
                    continue
                pairs.append((int(key.text), item))
        else:
            self.problem(entry.file, entry.line, path, "expected a list or mapping of elements")
            return []
        out = []
        for position, item in pairs:
            compiled = self.element(Entry(entry.file, item.line, item), f"{path}[{position}]", cls)
            if compiled is not None:
                out.append((position, *compiled))
        return out

    def element(self, entry: Entry, path: str, cls: type) -> tuple[ElementFn, bool] | None:
        node = entry.node
        if isinstance(node, Scalar):
            if node.value is None and not node.quoted:
                return None
            getter, _ = self.field(entry.file, entry.line, path, node.text, cls)
            name = node.text if _ATTRIBUTE.match(node.text) else None
            return (formatted(getter, str, None, name=name), False) if getter else None
        if not isinstance(node, Map):
            self.problem(entry.file, entry.line, path, "expected a field path or a mapping")
            return None
        spec = {key.text: value for key, value in node.entries}
        unknown = [key for key, _ in node.entries if key.text not in _ELEMENT_KEYS]
        for key in unknown:
            self.problem(entry.file, key.line, f"{path}.{key.text}",
                         f"unknown key{did_you_mean(key.text, _ELEMENT_KEYS)}")
        return None if unknown else self.element_spec(entry, spec, path, cls)

    def element_spec(self, entry: Entry, spec: dict[str, Node], path: str,
                     cls: type) -> tuple[ElementFn, bool] | None:
        text = {k: getattr(v, "text", "") for k, v in spec.items()}
        if "pairs" in spec:
            getter, tp = self.field(entry.file, entry.line, f"{path}.pairs", text["pairs"], cls)
            if getter is not None and not _is_ids(tp):
                self.problem(entry.file, entry.line, f"{path}.pairs", "needs a field of qualified ids")
            return (pairs(getter), False) if getter else None
        fmt = FORMATS.get(text.get("type", "str"))
        if fmt is None:
            self.problem(entry.file, entry.line, f"{path}.type", f"unknown type {text['type']!r}"
                         f"{did_you_mean(text['type'], FORMATS)}; expected one of {', '.join(FORMATS)}")
            fmt = str
        codes = None
        if "codes" in text:
            codes = self.codes.get(text["codes"])
            if codes is None:
                self.problem(entry.file, entry.line, f"{path}.codes", f"no codes table "
                             f"{text['codes']!r}{did_you_mean(text['codes'], self.codes)}")
        when = self.field(entry.file, entry.line, f"{path}.when", text["when"], cls)[0] \
            if "when" in text else None
        when_name = text["when"] if when is not None and _ATTRIBUTE.match(text["when"]) else None
        if "const" in text:
            return constant(text["const"], when, when_name), True
        if "count" in text:
            if not _SEGMENT_ID.match(text["count"]):
                self.problem(entry.file, entry.line, f"{path}.count",
                             f"expected a segment id such as HL or PO1, got {text['count']!r}")
            return count(text["count"]), False
        getter = self.source(entry, spec, text, path, cls)
        name = text["from"] if "expr" not in text and _ATTRIBUTE.match(text.get("from", "")) else None
        return (formatted(getter, fmt, codes, text.get("default"), when, name, when_name), False) \
            if getter else None

    def source(self, entry: Entry, spec: dict[str, Node], text: dict[str, str], path: str,
               cls: type) -> Getter | None:
        getter = None
        if "from" in text:
            getter = self.field(entry.file, entry.line, f"{path}.from", text["from"], cls)[0]
        if "expr" not in text:
            if getter is None and "from" not in text:
                self.problem(entry.file, entry.line, path,
                             "needs 'from', 'const', 'expr', 'count' or 'pairs'")
            return getter
        try:
            expr = compile_expression(text["expr"], entry.file, spec["expr"].line, f"{path}.expr",
                                      frozenset({"value", "item"}))
        except ConfigError as exc:
            self.problems.extend(exc.problems)
            return None
        read = getter or (lambda record: None)
        return lambda record: expr({"value": read(record), "item": record})

    # -- field paths ------------------------------------------------------------------

    def field(self, file: str, line: int, path: str, text: str, cls: type) -> tuple[Getter | None, Any]:
        """A getter for a dotted field path, checked against ``cls``; (None, None) if wrong."""
        if not _FIELD_PATH.match(text):
            self.problem(file, line, path, f"{text!r} is not a field path such as po_number, "
                                           "ship_to.address.city or ids[92]")
            return None, None
        steps: list[Getter] = []
        tp: Any = cls
        for part in text.split("."):
            step, tp, message = _step(tp, part)
            if step is None:
                self.problem(file, line, path, f"{text!r}: {message}")
                return None, None
            steps.append(step)
        return _chain(steps), tp


def _step(tp: Any, part: str) -> tuple[Getter | None, Any, str]:
    inner = non_null(tp) or tp
    qualifier = None
    if part.endswith("]") and "[" in part:
        part, qualifier = part[:-1].split("[", 1)
    if part.isdigit() and typing.get_origin(inner) is tuple:
        index = int(part)
        return (lambda v: v[index] if v is not None and index < len(v) else None,
                typing.get_args(inner)[0], "")
    if not (isinstance(inner, type) and dataclasses.is_dataclass(inner)):
        return None, None, f"{part!r} cannot be read from a value that is not a record"
    fields = field_types(inner)
    if part in fields:
        sub = fields[part]
    elif isinstance(getattr(inner, part, None), property):
        sub = Any
    else:
        return None, None, f"unknown field {part!r} of {inner.__name__}{did_you_mean(part, fields)}"
    if qualifier is not None:
        if not _is_ids(sub):
            return None, None, f"[{qualifier}] needs a field of qualified ids"
        return (lambda v: getattr(v, part).get(qualifier) if v is not None else None), str, ""
    return (lambda v: getattr(v, part) if v is not None else None), sub, ""


def _chain(steps: list[Getter]) -> Getter:
    if len(steps) == 1:
        return steps[0]

    def get(record: Any) -> Any:
        for step in steps:
            record = step(record)
            if record is None:
                return None
        return record
    return get


def _is_ids(tp: Any) -> bool:
    inner = non_null(tp) or tp
    return isinstance(inner, type) and issubclass(inner, QualifiedIds)


def _item_class(tp: Any) -> type | None:
    inner = non_null(tp) or tp
    if typing.get_origin(inner) is tuple:
        inner = typing.get_args(inner)[0]
    return inner if isinstance(inner, type) and dataclasses.is_dataclass(inner) else None
