"""Run an inbound map over one 850 (or 860) transaction set: segments in, an `Order` (or an
`OrderChange`) and findings out.

The set is walked once and cut into loops: the header (and, from CTT on, the summary),
each N1 loop before the first line, and each line loop (PO1, or the 860's POC) with its
children (PID, PO4, SAC, DTM, SDQ, REF, N1 ...). Each loop is indexed by segment id, and
each section's compiled rules read from that index; no template is rendered unless a
field declares ``expr``. A segment no rule of its section names is noted (``map.unused``).
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
from edigate.mapping.findings import MapFinding, Severity
from edigate.mapping.mapfile import Entry, MapSource, load_map_source
from edigate.mapping.paths import PathError, Scope, parse_path
from edigate.mapping.readers import Reporter, Rule, compile_record
from edigate.mapping.rules import Compiler
from edigate.mapping.units import compile_units
from edigate.model import LineChange, Order, OrderChange, OrderLine, Party, SourceRef
from edigate.model._types import field_types, non_null
from edigate.orders.units import UnitTable
from edigate.x12.envelope import Transaction
from edigate.x12.segment import Segment, element_text

__all__ = ["InboundMap", "Loops", "load_inbound_map", "split_loops"]

_parse = functools.lru_cache(maxsize=512)(parse_path)
_Record = Callable[[Scope, Reporter], dict[str, Any]]
Document = Order | OrderChange
"""What an inbound map builds: an 850's order, or an 860's change to one."""
_DOCUMENTS: dict[str, tuple[type, type, str]] = {"850": (Order, OrderLine, "PO1"),
                                                  "860": (OrderChange, LineChange, "POC")}
"""Per set: the document, its line record and the segment that starts a line loop."""


def _party_fields(cls: type) -> tuple[str, ...]:
    return tuple(n for n, tp in field_types(cls).items() if non_null(tp) is Party)


@dataclass(frozen=True, slots=True)
class Reads:
    """What one section of a map reads: segment ids, and those it reads every one of (the
    others it reads the first of)."""

    used: frozenset[str] = frozenset()
    every: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Loops:
    """One set's segments by loop, each loop indexed by segment id. A loop inside a line (an
    N1 or SLN loop of the PO1 loop) leaves only its first segment in the line's index; its
    segments are in ``inner``, by the index of that first segment."""

    header: dict[str, list[Segment]]
    parties: list[dict[str, list[Segment]]]
    lines: list[dict[str, list[Segment]]]
    inner: dict[int, dict[str, list[Segment]]] = field(default_factory=dict)


_INNER_ORDER = ("N1", "SLN")
_INNER = frozenset(_INNER_ORDER)
"""Segments that start a loop inside a line loop (per-line parties, sub-lines)."""
_LINE_AGAIN = frozenset({"AMT", "LM"})
"""Segments that start a line's loops after its N1 and SLN loops: back to the line."""
_SPLITS = _INNER | _LINE_AGAIN


def split_loops(body: Sequence[Segment], line_id: str = "PO1") -> Loops:
    """Cut a set's body (without ST/SE) into header, N1 loops and line loops in one pass."""
    header: dict[str, list[Segment]] = {}
    parties: list[dict[str, list[Segment]]] = []
    lines: list[dict[str, list[Segment]]] = []
    inner: dict[int, dict[str, list[Segment]]] = {}
    current = line = header
    for seg in body:
        sid = seg.id
        if sid == line_id:
            current = line = {}
            lines.append(current)
        elif sid == "N1" and not lines:
            current = {}
            parties.append(current)
        elif sid == "CTT":
            current = header
        elif sid in _SPLITS and lines and current is not header:
            current = _inner_loop(seg, sid, current, line, inner)
        found = current.get(sid)
        if found is None:
            current[sid] = [seg]
        else:
            found.append(seg)
    return Loops(header, parties, lines, inner)


def _inner_loop(seg: Segment, sid: str, current: dict[str, list[Segment]], line: dict[str, list[Segment]],
                inner: dict[int, dict[str, list[Segment]]]) -> dict[str, list[Segment]]:
    """Where ``seg`` of a line goes: AMT and LM back to the line; N1 and SLN start a loop of
    their own (listed in the line by their first segment), except an N1 inside an SLN loop."""
    if sid in _LINE_AGAIN:
        return line
    if sid == "N1" and current is not line and "SLN" in current:
        return current
    line.setdefault(sid, []).append(seg)
    loop: dict[str, list[Segment]] = {}
    inner[seg.index] = loop
    return loop


class _Run:
    """Collects findings for one set; rules call `problem`, `el`, `loop` and `assigned_number`."""

    __slots__ = ("assigned", "base", "findings", "inner", "position")

    def __init__(self, base: int, inner: dict[int, dict[str, list[Segment]]] | None = None) -> None:
        self.findings: list[MapFinding] = []
        self.base = base
        self.inner = inner or {}
        self.position = 1
        self.assigned: list[int] = []
        """The lines (0-based) whose number is their place, not one the partner sent."""

    def assigned_number(self) -> str:
        self.assigned.append(self.position - 1)
        return str(self.position)

    def loop(self, head: Segment, rule: Rule, used: frozenset[str], every: frozenset[str]) -> Scope:
        """The segments of the loop ``head`` starts inside a line; those the rule's fields do
        not read are noted."""
        scope = self.inner.get(head.index) or {head.id: [head]}
        self.unused(scope, Reads(used, every), rule.name, rule.file)
        return scope

    def unused(self, scope: Mapping[str, Sequence[Segment]], reads: Reads, section: str, file: str) -> None:
        """A note for each segment of the loop that no field of the section reads, and for
        the repeats of one whose first only the fields read."""
        for sid, found in scope.items():
            if sid not in reads.used:
                count = f"{len(found)} {sid} segments" if len(found) > 1 else f"the {sid} segment"
                message = f"{count} of this loop: no field of the map's {section} section reads {sid}"
                self._note(section, message, found[0], file)
            elif len(found) > 1 and sid not in reads.every:
                message = f"{len(found)} {sid} segments in this loop: the map's {section} section reads the first"
                self._note(section, message, found[1], file)

    def _note(self, section: str, message: str, seg: Segment, file: str) -> None:
        self.findings.append(MapFinding("map.unused", message, section, Severity.NOTE, segment_id=seg.id,
                                        segment_position=seg.index - self.base + 1,
                                        hint="add a field for it to the partner's map if it matters",
                                        map_file=file))

    def problem(self, rule: Rule, code: str, message: str, seg: Any, value: str | None,
                hint: str = "") -> None:
        position = seg.index - self.base + 1 if seg is not None else None
        self.findings.append(MapFinding(
            code, message, rule.name, segment_id=rule.segment if seg is None else seg.id,
            segment_position=position, element=_holding(seg, rule.element, value), value=value, hint=hint,
            map_file=rule.file, map_line=rule.line))

    def fail(self, rule: Rule, error: ExpressionFailed, seg: Any, value: str | None) -> None:
        self.problem(rule, error.code, error.message, seg, value)

    def el(self, scope: Scope, path: str) -> str | None:
        try:
            value = _parse(path).read(scope)[0]
        except PathError as exc:
            raise DataError(f"el({path!r}): {exc}") from exc
        return value or None


def _holding(seg: Any, element: int | None, value: str | None) -> int | None:
    """The element a finding names: the rule's, or, for a pair group such as PO1's product
    ids (whose rule names the group's first qualifier), the one of the group holding the value."""
    if seg is None or element is None or value is None:
        return element
    elements = [element_text(e) if type(e) is not str else e for e in seg[1]]
    if element <= len(elements) and elements[element - 1] == value:
        return element
    return next((n for n in range(element + 1, len(elements) + 1) if elements[n - 1] == value), element)


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
    reads: tuple[Reads, Reads, Reads] = (Reads(), Reads(), Reads())
    """What each section (order, party, line) reads; what it does not is noted."""
    folder: str = ""
    """The maps folder it was read from, where `for_version` finds the base maps."""
    units: UnitTable = field(default_factory=UnitTable)
    """The conversions its ``units:`` section declares (`edigate.mapping.units`)."""
    _records: tuple[_Record, _Record, _Record] = field(init=False, repr=False, compare=False)
    _versions: dict[str, InboundMap] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_records", tuple(compile_record(rules)
                                                   for rules in (self.order, self.party, self.line)))
        object.__setattr__(self, "_versions", {})

    def for_version(self, version: str) -> InboundMap:
        """The map that reads a set of GS08 ``version``: this one when it is for that version
        (``004010VICS`` is 004010) or names none, else the base map of that version
        (``850-5010`` for 005010) from the same folder; this one when there is none."""
        base = version[:6]
        if not self.version or not base or base == self.version[:6]:
            return self
        if base not in self._versions:
            self._versions[base] = self._base_map(base)
        return self._versions[base]

    def _base_map(self, version: str) -> InboundMap:
        name = f"{self.set_id}-{version[2:6]}"
        if not self.folder or not (Path(self.folder) / f"{name}.yaml").is_file():
            return self
        try:
            found = load_inbound_map(name, Path(self.folder))
        except ConfigError:
            return self  # a broken base map is reported by `edigate partners check`; the version warning says the rest
        return found if found.set_id == self.set_id and found.version[:6] == version else self

    def translate(self, transaction: Transaction,
                  source: SourceRef | None = None) -> tuple[Document | None, list[MapFinding]]:
        """The set as an `Order` or `OrderChange` (None when it cannot be built) and every
        mapping finding."""
        segments = transaction.segments
        loops = split_loops(transaction.body, _DOCUMENTS[self.set_id][2])
        run = _Run(segments[0].index if segments else 0, loops.inner)
        order_record, party_record, line_record = self._records
        data = order_record(loops.header, run)
        run.unused(loops.header, self.reads[0], "order", self.file)
        others = []
        for scope in loops.parties:
            run.unused(scope, self.reads[1], "party", self.file)
            party = party_record(scope, run)
            role = self.roles.get(str(party.get("role", "")))
            if role is None or role in data:
                others.append(party)
            else:
                data[role] = party
        if others:
            data["other_parties"] = others
        data["lines"] = [self._line(line_record, scope, n, run) for n, scope in enumerate(loops.lines, 1)]
        _renumber_clashes(data["lines"], run.assigned)
        return self._build(data, source, run)

    def _line(self, record: _Record, scope: dict[str, list[Segment]], n: int, run: _Run) -> dict[str, Any]:
        run.position = n
        reads = self.reads[2]
        run.unused(scope, reads, "line", self.file)
        for sid in _INNER_ORDER:
            if sid in scope and sid not in reads.used:  # a loop no field reads: its segments are noted
                for head in scope[sid]:
                    self._unread_loop(run, head)
        return record(scope, run)

    def _unread_loop(self, run: _Run, head: Segment) -> None:
        rule = Rule("line", (), None, self.file, 0)
        run.loop(head, rule, frozenset({head.id}), frozenset())

    def _build(self, data: dict[str, Any], source: SourceRef | None,
               run: _Run) -> tuple[Document | None, list[MapFinding]]:
        if source is not None:
            data["source"] = source
        try:
            order: Document = build(_DOCUMENTS[self.set_id][0], data)
        except (ValueError, TypeError) as exc:
            run.findings.append(MapFinding("map.model", str(exc), "order", map_file=self.file))
            return None, run.findings
        return order, run.findings


def _renumber_clashes(lines: list[dict[str, Any]], assigned: list[int]) -> None:
    """A line numbered by its place that takes a number another line sends (PO1*2, then a
    PO1 without PO101 in second place) gets the next number above every line's instead, so
    no two lines share one."""
    placed = set(assigned)
    sent = {line.get("line_number") for i, line in enumerate(lines) if i not in placed}
    clashing = [i for i in assigned if lines[i].get("line_number") in sent]
    numbers = [int(n) for line in lines if isinstance(n := line.get("line_number"), str) and n.isdigit()]
    for nxt, i in enumerate(clashing, max(numbers, default=0) + 1):
        lines[i]["line_number"] = str(nxt)


def load_inbound_map(name: str, maps_dir: Path) -> InboundMap:
    """Load and compile map ``name`` from ``maps_dir``; raise `ConfigError` with every problem."""
    source = load_map_source(name, maps_dir)
    root = Path(maps_dir).resolve().parent
    compiler = Compiler(source.plain_tables(), source.table_places(root))
    document, line_record, _ = _DOCUMENTS.get(source.scalar("set") or "", _DOCUMENTS["850"])
    sections, reads = [], []
    for section, cls in (("order", document), ("party", Party), ("line", line_record)):
        compiler.used, compiler.every = set(), set()
        sections.append(compiler.section(section, source.sections.get(section, {}), cls))
        reads.append(Reads(frozenset(compiler.used), frozenset(compiler.every)))
        if section == "party":
            compiler.party = (compile_record(sections[-1]), reads[-1].used, reads[-1].every)
    order, party, line = sections
    roles = _roles(source, compiler.problems, _party_fields(document))
    _check_header(source, compiler.problems)
    units, problems = compile_units(source, root)
    compiler.problems.extend(problems)
    if compiler.problems:
        raise ConfigError(sorted(compiler.problems, key=lambda p: (p.file, p.line or 0)))
    return InboundMap(source.name, source.file, source.scalar("set") or "",
                      source.scalar("version") or "", tuple(order), tuple(party), tuple(line),
                      roles, source.chain, (reads[0], reads[1], reads[2]), str(maps_dir), units)


def _text(entry: Entry) -> str:
    node = entry.node
    return str(getattr(node, "text", ""))


def _roles(source: MapSource, problems: list[ConfigProblem], fields: tuple[str, ...]) -> dict[str, str]:
    roles = {}
    for code, entry in source.party_roles.items():
        target = _text(entry)
        if target not in fields:
            message = (f"unknown party field {target!r}{did_you_mean(target, fields)}; "
                       f"expected one of {', '.join(fields)}")
            problems.append(ConfigProblem(entry.file, entry.line, f"party_roles.{code}", message))
        roles[code] = target
    return roles


def _check_header(source: MapSource, problems: list[ConfigProblem]) -> None:
    for key, expected in (("set", tuple(_DOCUMENTS)), ("direction", ("inbound",))):
        entry = source.scalars.get(key)
        if entry is None:
            problems.append(ConfigProblem(source.file, None, key, f"missing; expected {expected[0]!r}"))
        elif _text(entry) not in expected:
            wanted = " or ".join(repr(e) for e in expected)
            message = f"expected {wanted} for an inbound map, got {_text(entry)!r}"
            problems.append(ConfigProblem(entry.file, entry.line, key, message))
    if source.segments is not None:
        message = "an inbound map lists fields under order, party and line, not segments"
        problems.append(ConfigProblem(source.segments.file, source.segments.line, "segments", message))
