"""Compile a map section's field specs into rules: plain callables run once per loop.

A field spec is either a path (``po_number: BEG03``) or a mapping::

    from: PATH | const: VALUE | expr: EXPRESSION     where the value comes from
    type: str|decimal|int|date|n0..n4                what it is
    codes: TABLE   xref: TABLE                       look it up (unknown: a finding)
    required: true   default: VALUE

    number: true                                     absent: the loop's number (1, 2 ...)

    pairs: PO1/product_id                            all (qualifier, value) pairs
    each: SEGMENT-PATH  with  fields: {...}          one record per segment (a field may
                              read a segment sent before it: a MSG's N901)
                        or    value: SPEC / values: [PATH, ...]   one text (or fixed
                              tuple, such as dates.other's (code, date)) per segment
    distribution: SDQ                                destinations, one per SDQ location
    loops: N1  with  fields: {...}                   one record per loop that N1 starts inside
                     (or without fields, for N1:     this one (a line's N1 loops), its fields
                     the party section's fields)     reading that loop's segments only
    - {each: ...}  - {each: ...}                     a list filled by several blocks

Targets are canonical field names, dotted into sub-records (``dates.requested_ship``);
``product_ids[VN]`` sets one qualified identifier. Names are checked against the model.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from edigate.config.schema import did_you_mean
from edigate.config.yamlsource import Map, Scalar, Seq
from edigate.errors import ConfigError, ConfigProblem
from edigate.mapping import readers
from edigate.mapping.expr import compile_expression, el_arguments
from edigate.mapping.mapfile import Entry
from edigate.mapping.paths import Path, PathError, Scope, parse_path
from edigate.mapping.readers import Reporter, Rule
from edigate.mapping.values import CONVERTERS, RESULT_TYPES, ValueProblem
from edigate.model import Destination
from edigate.model._types import QualifiedIds, field_types, non_null
from edigate.model._types import type_name as type_name_of

__all__ = ["Compiler"]

_SPEC_KEYS = ("from", "const", "expr", "type", "codes", "xref", "required", "default", "number",
              "pairs", "each", "fields", "value", "values", "distribution", "loops")


class Compiler:
    """Compiles located specs of one map, collecting every problem rather than stopping."""

    def __init__(self, tables: Mapping[str, Mapping[str, Mapping[str, str]]],
                 places: Mapping[str, Mapping[str, tuple[str, int]]] | None = None) -> None:
        self.tables = tables
        self.places = places or {}
        self.problems: list[ConfigProblem] = []
        self.used: set[str] = set()
        """Every segment id a path compiled so far reads (a map's unused segments are noted)."""
        self.every: set[str] = set()
        """The segment ids read one by one (``each``) or picked by a condition; of the others a
        field reads the first only (a second ITD or TD5 is noted)."""
        self.party: tuple[Callable[..., Any], frozenset[str], frozenset[str]] | None = None
        """The party section, once compiled, with what it reads: how ``loops: N1`` reads a
        line's N1 loops when it names no fields."""

    def problem(self, entry: Entry, path: str, message: str, line: int | None = None) -> None:
        self.problems.append(ConfigProblem(entry.file, line or entry.line, path, message))

    def section(self, name: str, entries: Mapping[str, Entry], cls: type) -> list[Rule]:
        rules = [self.field(f"{name}.{key}", key, entry, cls) for key, entry in entries.items()]
        ok = [rule for rule in rules if rule is not None]
        return sorted(ok, key=lambda rule: rule.qualifier is not None)

    def field(self, path: str, key: str, entry: Entry, cls: type) -> Rule | None:
        target, qualifier, tp = self.target(entry, path, key, cls)
        if tp is None:
            return None
        rule = Rule(path, target, qualifier, entry.file, entry.line)
        if isinstance(entry.node, Seq) and _item_type(tp) is not None:
            return self.blocks_rule(rule, entry, path, key, cls)
        spec = self.spec(entry, path)
        if spec is None:
            return None
        if "each" in spec:
            return self.each_rule(rule, entry, path, spec, tp)
        if "distribution" in spec:
            return self.distribution_rule(rule, path, spec, tp)
        if "loops" in spec:
            return self.loops_rule(rule, entry, path, spec, tp)
        if "pairs" in spec:
            return self.pairs_rule(rule, entry, path, spec, tp)
        return self.value_rule(rule, entry, path, spec, tp)

    # -- targets ----------------------------------------------------------------------

    def target(self, entry: Entry, path: str, key: str,
               cls: type) -> tuple[tuple[str, ...], str | None, Any]:
        qualifier = None
        if key.endswith("]") and "[" in key:
            key, qualifier = key[:-1].split("[", 1)
        parts = tuple(key.split("."))
        tp: Any = cls
        for part in parts:
            owner = non_null(tp) or tp
            is_record = isinstance(owner, type) and dataclasses.is_dataclass(owner)
            fields = field_types(owner) if is_record else {}
            if part not in fields:
                where = getattr(owner, "__name__", str(owner))
                self.problem(entry, path, f"unknown field {part!r} of {where}"
                             f"{did_you_mean(part, fields)}")
                return parts, qualifier, None
            tp = fields[part]
        if qualifier is not None and not _is_ids(tp):
            self.problem(entry, path, f"[{qualifier}] needs a field of qualified ids")
            return parts, qualifier, None
        return parts, qualifier, tp

    # -- specs ------------------------------------------------------------------------

    def spec(self, entry: Entry, path: str) -> dict[str, Entry] | None:
        node = entry.node
        if isinstance(node, Scalar):
            return {"from": entry}
        if not isinstance(node, Map):
            self.problem(entry, path, "expected a path or a mapping with 'from'")
            return None
        spec = {}
        for key, value in node.entries:
            if key.text not in _SPEC_KEYS:
                self.problem(entry, f"{path}.{key.text}", f"unknown key{did_you_mean(key.text, _SPEC_KEYS)}",
                              key.line)
                continue
            spec[key.text] = Entry(entry.file, key.line, value)
        return spec

    def text(self, entry: Entry, path: str) -> str | None:
        if isinstance(entry.node, Scalar) and entry.node.value is not None:
            return entry.node.text
        self.problem(entry, path, "expected a single value")
        return None

    def flag(self, entry: Entry, path: str) -> bool:
        if isinstance(entry.node, Scalar) and isinstance(entry.node.value, bool):
            return entry.node.value
        self.problem(entry, path, "expected true or false")
        return False

    def path(self, entry: Entry, path: str, segment: bool = False) -> Path | None:
        """The parsed path; ``segment`` says a bare segment (for ``each``) is wanted."""
        text = self.text(entry, path)
        if text is None:
            return None
        try:
            parsed = parse_path(text)
        except PathError as exc:
            self.problem(entry, path, str(exc))
            return None
        self.used.add(parsed.segment)
        if segment or parsed.conditions:
            self.every.add(parsed.segment)
        if parsed.names_segment != segment:
            want = "a segment such as REF or SAC[SAC01=A]" if segment else "an element such as REF02"
            self.problem(entry, path, f"{text!r}: expected {want}")
            return None
        return parsed

    def table(self, entry: Entry, path: str, kind: str) -> Mapping[str, str] | None:
        name = self.text(entry, path)
        tables = self.tables.get(kind, {})
        if name is not None and name not in tables:
            self.problem(entry, path, f"no {kind} table {name!r}{did_you_mean(name, tables)}")
            return None
        return tables.get(name) if name is not None else None

    def table_hint(self, entry: Entry, kind: str) -> str:
        """What an unknown code or item asks of the analyst: the table, and where to add it
        (``table`` has said already what is wrong with the entry, if anything)."""
        name = entry.node.text if isinstance(entry.node, Scalar) and entry.node.value is not None else ""
        file, line = self.places.get(kind, {}).get(name, (entry.file, entry.line))
        return (f"add it to {kind} table {name!r} in {file} (its last entry is line {line}), "
                "or ask the partner")

    # -- rules ------------------------------------------------------------------------

    def value_rule(self, rule: Rule, entry: Entry, path: str, spec: dict[str, Entry],
                   tp: Any) -> Rule:
        source = self.source(rule, entry, path, spec)
        convert, type_name = self.converter(spec, path)
        if type_name in RESULT_TYPES:
            self.fits(entry, path, str if rule.qualifier else tp, type_name)
        codes = self.table(spec["codes"], f"{path}.codes", "codes") if "codes" in spec else None
        xref = self.table(spec["xref"], f"{path}.xref", "xref") if "xref" in spec else None
        hints = tuple(self.table_hint(spec[kind], kind) if kind in spec else "" for kind in ("codes", "xref"))
        required = "required" in spec and self.flag(spec["required"], f"{path}.required")
        default = None
        if "default" in spec:
            default = self.default(spec["default"], f"{path}.default", convert, type_name)
        rule.read = readers.value_reader(rule, source, codes, xref, convert, required, default, hints)
        if not {"expr", "const", "required", "default", "number"} & spec.keys():
            rule.guard = rule.segment  # read from one segment's element, nothing when it is absent
            if isinstance(source, Path):  # the element itself (`readers.value_reader`), no walk
                rule.reach = source.element
        if "number" in spec and self.flag(spec["number"], f"{path}.number"):
            if (non_null(tp) or tp) is not str or type_name != "str":
                self.problem(spec["number"], f"{path}.number", "'number' needs a text field such as line_number")
            rule.read = readers.numbered(rule.read)
        return rule

    def source(self, rule: Rule, entry: Entry, path: str,
               spec: dict[str, Entry]) -> Callable[[Scope, Reporter], tuple[Any, Any]] | Path:
        label = path if isinstance(entry.node, Scalar) else f"{path}.from"
        where = self.path(spec["from"], label) if "from" in spec else None
        expr = None
        if "expr" in spec:
            text = self.text(spec["expr"], f"{path}.expr") or "none"
            try:
                expr = compile_expression(text, entry.file, spec["expr"].line, f"{path}.expr",
                                          _NAMES, _check_el_paths)
            except ConfigError as exc:
                self.problems.extend(exc.problems)
            self.used.update(m[1] for m in _EL_SEGMENT.finditer(text))
        const = self.text(spec["const"], f"{path}.const") if "const" in spec else None
        if where is not None:
            rule.segment, rule.element = where.segment, where.element_position
        return readers.source(rule, where, expr, const)

    def fits(self, entry: Entry, path: str, tp: Any, type_name: str) -> None:
        """Refuse a declared type the model field cannot hold (so records need no re-check)."""
        inner = non_null(tp) or tp
        wanted = RESULT_TYPES[type_name]
        if isinstance(inner, type) and issubclass(inner, StrEnum):
            inner = str
        if inner is not wanted:
            self.problem(entry, path, f"type {type_name} does not fit this field, "
                                      f"which holds {type_name_of(inner)}")

    def converter(self, spec: dict[str, Entry], path: str) -> tuple[Callable[[Any], Any], str]:
        name = self.text(spec["type"], f"{path}.type") if "type" in spec else "str"
        if name not in CONVERTERS:
            self.problem(spec["type"], f"{path}.type",
                         f"unknown type {name!r}{did_you_mean(name or '', CONVERTERS)}; "
                         f"expected one of {', '.join(CONVERTERS)}")
            return CONVERTERS["str"], ""
        return CONVERTERS[name or "str"], name or "str"

    def default(self, entry: Entry, path: str, convert: Callable[[Any], Any],
                type_name: str) -> Any:
        text = self.text(entry, path)
        try:
            return convert(text) if text is not None else None
        except ValueProblem as exc:
            self.problem(entry, path, f"{exc} for type {type_name}, got {text!r}")
            return None

    def pairs_rule(self, rule: Rule, entry: Entry, path: str, spec: dict[str, Entry],
                   tp: Any) -> Rule:
        if not _is_ids(tp) or rule.qualifier is not None:
            self.problem(entry, path, "'pairs' needs a field of qualified ids such as product_ids")
            return rule
        where = self.path(spec["pairs"], f"{path}.pairs")
        if where is not None and where.group is None:
            self.problem(spec["pairs"], f"{path}.pairs", "expected a pair group such as PO1/product_id")
            where = None
        if where is not None:
            rule.segment, rule.element = where.segment, where.element_position
            rule.read, rule.guard = readers.pairs_reader(where), where.segment
        return rule

    def blocks_rule(self, rule: Rule, entry: Entry, path: str, key: str, cls: type) -> Rule:
        """A list field written as a list of ``each`` blocks, read one after the other."""
        assert isinstance(entry.node, Seq)
        reads = []
        for n, node in enumerate(entry.node.items):
            if "each" not in _keys(node):
                self.problem(entry, f"{path}[{n}]", "each item of a list of blocks needs 'each'", node.line)
                continue
            block = self.field(f"{path}[{n}]", key, Entry(entry.file, node.line, node), cls)
            if block is not None:
                reads.append(block.read)
                rule.segment = rule.segment or block.segment
        rule.read = readers.concat_reader(reads)
        return rule

    def distribution_rule(self, rule: Rule, path: str, spec: dict[str, Entry], tp: Any) -> Rule:
        where = self.path(spec["distribution"], f"{path}.distribution", segment=True)
        item = _item_type(tp)
        if item is not Destination:
            self.problem(spec["distribution"], path, "'distribution' needs the destinations field")
        elif where is not None:
            rule.segment, rule.element = where.segment, 3
            rule.read, rule.guard = readers.distribution_reader(rule, where), where.segment
        return rule

    def loops_rule(self, rule: Rule, entry: Entry, path: str, spec: dict[str, Entry], tp: Any) -> Rule:
        """A list read from the loops inside this one (``parties: {loops: N1}``)."""
        outer, outer_every = self.used, self.every
        where = self.path(spec["loops"], f"{path}.loops", segment=True)
        item = _item_type(tp)
        if where is None or item is None or not (dataclasses.is_dataclass(item) and isinstance(item, type)):
            if where is not None:
                self.problem(entry, path, "'loops' needs a list of records, such as parties")
            return rule
        if "fields" in spec:
            self.used, self.every = set(), set()
            record = self.records(spec["fields"], f"{path}.fields", item)
            found = (record, frozenset(self.used), frozenset(self.every))
            self.used, self.every = outer, outer_every
        elif where.segment == "N1" and self.party is not None:
            found = self.party
        else:
            self.problem(entry, path, "'loops' needs 'fields' (N1 alone is read as the party section reads it)")
            return rule
        rule.segment = rule.guard = where.segment
        rule.read = readers.loops_reader(rule, where, *found)
        return rule

    def records(self, entry: Entry, path: str, item: type) -> Callable[..., Any]:
        if not isinstance(entry.node, Map):
            self.problem(entry, path, "expected a mapping of fields")
            return lambda scope, reporter: None
        entries = {k.text: Entry(entry.file, k.line, v) for k, v in entry.node.entries}
        return readers.compile_record(self.section(path, entries, item))

    def each_rule(self, rule: Rule, entry: Entry, path: str, spec: dict[str, Entry],
                  tp: Any) -> Rule:
        where = self.path(spec["each"], f"{path}.each", segment=True)
        item = _item_type(tp)
        if where is None or item is None:
            if item is None:
                self.problem(entry, path, "'each' needs a list field")
            return rule
        rule.segment = rule.guard = where.segment
        if "fields" in spec:
            rule.read = self.each_records(where, spec["fields"], f"{path}.fields", item)
        else:
            rule.read = self.each_values(rule, where, spec, path, item)
        return rule

    def each_records(self, where: Path, entry: Entry, path: str, item: type) -> Callable[..., Any]:
        if not isinstance(entry.node, Map):
            self.problem(entry, path, "expected a mapping of fields")
            return lambda scope, reporter: None
        entries = {k.text: Entry(entry.file, k.line, v) for k, v in entry.node.entries}
        outer, self.used = self.used, set()
        rules = self.section(path, entries, item)
        context = bool(self.used - {where.segment})  # a field reads a segment before this one
        self.used |= outer
        return readers.each_reader(where, readers.compile_record(rules), context=context)

    def each_values(self, rule: Rule, where: Path, spec: dict[str, Entry], path: str,
                    item: Any) -> Callable[..., Any]:
        if "value" not in spec and "values" not in spec:
            self.problem(spec["each"], path, "'each' needs 'fields', 'value' or 'values'")
            return lambda scope, reporter: None
        fixed = _fixed_tuple(item)
        if item is not str and fixed is None:
            self.problem(spec["each"], path, "'value' and 'values' need a list of text; "
                                             "use 'fields' for a list of records")
            return lambda scope, reporter: None
        if "values" in spec and isinstance(spec["values"].node, Seq):
            items = [Entry(spec["values"].file, n.line, n) for n in spec["values"].node.items]
            paths = [p for p in (self.path(e, f"{path}.values") for e in items) if p]
            if fixed is not None:
                return self.tuples(rule, where, spec["values"], path, paths, fixed)
            return readers.each_reader(where, lambda scope, reporter: readers.texts(paths, scope), flatten=True)
        if "value" in spec:
            inner = self.value_rule(Rule(path, (), None, rule.file, spec["value"].line),
                                    spec["value"], f"{path}.value",
                                    self.spec(spec["value"], path) or {}, item)
            return readers.each_reader(where, inner.read)
        self.problem(spec["each"], path, "'each' needs 'fields', 'value' or 'values'")
        return lambda scope, reporter: None

    def tuples(self, rule: Rule, where: Path, entry: Entry, path: str, paths: list[Path],
               types: tuple[Any, ...]) -> Callable[..., Any]:
        converts = [_TUPLE_CONVERTERS.get(tp) for tp in types]
        if len(paths) != len(types) or any(c is None for c in converts):
            names = ", ".join(type_name_of(tp) for tp in types)
            self.problem(entry, f"{path}.values", f"expected {len(types)} paths, one per item of ({names})")
            return lambda scope, reporter: None
        read = readers.tuple_reader(rule, paths, [c for c in converts if c is not None])
        return readers.each_reader(where, read, flatten=True)


_TUPLE_CONVERTERS = {str: CONVERTERS["str"], date: CONVERTERS["date"], Decimal: CONVERTERS["decimal"],
                     int: CONVERTERS["int"]}
"""How each item of a fixed tuple (``dates.other``'s (str, date)) is read from its text."""

_EL_SEGMENT = re.compile(r"""\bel\(\s*['"]([A-Z][A-Z0-9]{1,2})""")
"""The segment of each ``el('PO105')`` in an expression (read, so not noted as unused)."""

_NAMES = frozenset({"value", "el"})
"""What an inbound expression sees besides the globals: the value read, and ``el(path)``."""


def _check_el_paths(tree: Any) -> str | None:
    """Parse every ``el('PATH')`` at load, so a wrong path is a map error, not a crash."""
    for text in el_arguments(tree):
        if text is None:
            return "el() takes one path written as a string, such as el('PO105')"
        try:
            parse_path(text)
        except PathError as exc:
            return str(exc)
    return None


def _is_ids(tp: Any) -> bool:
    inner = non_null(tp) or tp
    return isinstance(inner, type) and issubclass(inner, QualifiedIds)


def _keys(node: Any) -> set[str]:
    return {key.text for key, _ in node.entries} if isinstance(node, Map) else set()


def _fixed_tuple(tp: Any) -> tuple[Any, ...] | None:
    """The item types of a fixed tuple type such as ``tuple[str, date]``, else None."""
    if typing.get_origin(tp) is not tuple:
        return None
    args = typing.get_args(tp)
    return None if len(args) == 2 and args[1] is Ellipsis else args


def _item_type(tp: Any) -> Any:
    inner = non_null(tp) or tp
    if typing.get_origin(inner) is tuple:
        args = typing.get_args(inner)
        return args[0] if len(args) == 2 and args[1] is Ellipsis else None
    return None


