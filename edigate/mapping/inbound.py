"""Run an inbound map over one 850 transaction set: segments in, an `Order` and findings out.

The set is walked once and cut into loops: the header (and, from CTT on, the summary),
each N1 loop before the first PO1, and each PO1 loop with its children (PID, PO4, SAC,
DTM, SDQ, REF, N1 ...). Each loop is indexed by segment id, and each section's compiled
rules read from that index; no template is rendered unless a field declares ``expr``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edigate.config.schema import did_you_mean
from edigate.errors import ConfigError, ConfigProblem, DataError
from edigate.mapping.build import build
from edigate.mapping.expr import ExpressionFailed
from edigate.mapping.findings import MapFinding
from edigate.mapping.mapfile import Entry, MapSource, load_map_source
from edigate.mapping.paths import PathError, Scope, parse_path
from edigate.mapping.readers import Reporter, Rule, compile_record
from edigate.mapping.rules import Compiler
from edigate.model import Order, OrderLine, Party, SourceRef
from edigate.model._types import field_types, non_null
from edigate.x12.envelope import Transaction
from edigate.x12.segment import Segment

__all__ = ["InboundMap", "Loops", "load_inbound_map", "split_loops"]

_parse = functools.lru_cache(maxsize=512)(parse_path)
_Record = Callable[[Scope, Reporter], dict[str, Any]]
_PARTY_FIELDS = tuple(n for n, tp in field_types(Order).items() if non_null(tp) is Party)


@dataclass(frozen=True, slots=True)
class Loops:
    """One set's segments by loop, each loop indexed by segment id."""

    header: dict[str, list[Segment]]
    parties: list[dict[str, list[Segment]]]
    lines: list[dict[str, list[Segment]]]


def split_loops(body: Sequence[Segment]) -> Loops:
    """Cut a set's body (without ST/SE) into header, N1 loops and PO1 loops in one pass."""
    header: dict[str, list[Segment]] = {}
    parties: list[dict[str, list[Segment]]] = []
    lines: list[dict[str, list[Segment]]] = []
    current = header
    for seg in body:
        sid = seg.id
        if sid == "PO1":
            current = {}
            lines.append(current)
        elif sid == "N1" and not lines:
            current = {}
            parties.append(current)
        elif sid == "CTT":
            current = header
        found = current.get(sid)
        if found is None:
            current[sid] = [seg]
        else:
            found.append(seg)
    return Loops(header, parties, lines)


class _Run:
    """Collects findings for one set; rules call `problem` and `el`."""

    __slots__ = ("base", "findings")

    def __init__(self, base: int) -> None:
        self.findings: list[MapFinding] = []
        self.base = base

    def problem(self, rule: Rule, code: str, message: str, seg: Any, value: str | None,
                hint: str = "") -> None:
        position = seg.index - self.base + 1 if seg is not None else None
        self.findings.append(MapFinding(
            code, message, rule.name, segment_id=rule.segment if seg is None else seg.id,
            segment_position=position, element=rule.element, value=value, hint=hint,
            map_file=rule.file, map_line=rule.line))

    def fail(self, rule: Rule, error: ExpressionFailed, seg: Any, value: str | None) -> None:
        self.problem(rule, error.code, error.message, seg, value)

    def el(self, scope: Scope, path: str) -> str | None:
        try:
            value = _parse(path).read(scope)[0]
        except PathError as exc:
            raise DataError(f"el({path!r}): {exc}") from exc
        return value or None


@dataclass(frozen=True, slots=True)
class InboundMap:
    """A compiled inbound map: rules per section and the N101 roles table."""

    name: str
    file: str
    set_id: str
    version: str
    order: tuple[Rule, ...]
    party: tuple[Rule, ...]
    line: tuple[Rule, ...]
    roles: Mapping[str, str]
    chain: tuple[str, ...] = ()
    _records: tuple[_Record, _Record, _Record] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_records", tuple(compile_record(rules)
                                                   for rules in (self.order, self.party, self.line)))

    def translate(self, transaction: Transaction,
                  source: SourceRef | None = None) -> tuple[Order | None, list[MapFinding]]:
        """The set as an `Order` (None when it cannot be built) and every mapping finding."""
        segments = transaction.segments
        run = _Run(segments[0].index if segments else 0)
        loops = split_loops(transaction.body)
        order_record, party_record, line_record = self._records
        data = order_record(loops.header, run)
        others = []
        for scope in loops.parties:
            party = party_record(scope, run)
            role = self.roles.get(str(party.get("role", "")))
            if role is None or role in data:
                others.append(party)
            else:
                data[role] = party
        if others:
            data["other_parties"] = others
        data["lines"] = [line_record(scope, run) for scope in loops.lines]
        return self._build(data, source, run)

    def _build(self, data: dict[str, Any], source: SourceRef | None,
               run: _Run) -> tuple[Order | None, list[MapFinding]]:
        if source is not None:
            data["source"] = source
        try:
            order = build(Order, data)
        except (ValueError, TypeError) as exc:
            run.findings.append(MapFinding("map.model", str(exc), "order", map_file=self.file))
            return None, run.findings
        return order, run.findings


def load_inbound_map(name: str, maps_dir: Path) -> InboundMap:
    """Load and compile map ``name`` from ``maps_dir``; raise `ConfigError` with every problem."""
    source = load_map_source(name, maps_dir)
    compiler = Compiler(source.plain_tables())
    order = compiler.section("order", source.sections.get("order", {}), Order)
    party = compiler.section("party", source.sections.get("party", {}), Party)
    line = compiler.section("line", source.sections.get("line", {}), OrderLine)
    roles = _roles(source, compiler.problems)
    _check_header(source, compiler.problems)
    if compiler.problems:
        raise ConfigError(sorted(compiler.problems, key=lambda p: (p.file, p.line or 0)))
    return InboundMap(source.name, source.file, source.scalar("set") or "",
                      source.scalar("version") or "", tuple(order), tuple(party), tuple(line),
                      roles, source.chain)


def _text(entry: Entry) -> str:
    node = entry.node
    return str(getattr(node, "text", ""))


def _roles(source: MapSource, problems: list[ConfigProblem]) -> dict[str, str]:
    roles = {}
    for code, entry in source.party_roles.items():
        target = _text(entry)
        if target not in _PARTY_FIELDS:
            message = (f"unknown party field {target!r}{did_you_mean(target, _PARTY_FIELDS)}; "
                       f"expected one of {', '.join(_PARTY_FIELDS)}")
            problems.append(ConfigProblem(entry.file, entry.line, f"party_roles.{code}", message))
        roles[code] = target
    return roles


def _check_header(source: MapSource, problems: list[ConfigProblem]) -> None:
    for key, expected in (("set", "850"), ("direction", "inbound")):
        entry = source.scalars.get(key)
        if entry is None:
            problems.append(ConfigProblem(source.file, None, key, f"missing; expected {expected!r}"))
        elif _text(entry) != expected:
            message = f"expected {expected!r} for an inbound 850 map, got {_text(entry)!r}"
            problems.append(ConfigProblem(entry.file, entry.line, key, message))
    if source.segments is not None:
        message = "an inbound map lists fields under order, party and line, not segments"
        problems.append(ConfigProblem(source.segments.file, source.segments.line, "segments", message))
