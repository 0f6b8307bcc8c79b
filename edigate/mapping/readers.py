"""What compiled rules run per loop: small closures that read, look up and convert.

`rules.Compiler` builds them once per map; `record` runs a section's rules over one
loop's segments into the nested dict that `build.build` turns into a model record
(`compile_record` makes the same as one generated function, which the engine runs).
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from edigate.mapping.expr import Expression, ExpressionFailed
from edigate.mapping.paths import Path, Scope
from edigate.mapping.values import CONVERTERS, ValueProblem
from edigate.x12.segment import Segment, element_text

__all__ = ["Before", "Reporter", "Rule", "compile_record", "concat_reader", "distribution_reader", "each_reader",
           "loops_reader", "numbered", "pairs_reader", "put", "source", "texts", "tuple_reader", "value_reader"]


class Reporter(Protocol):
    """Where rules send findings while a loop is mapped."""

    def problem(self, rule: Rule, code: str, message: str, seg: Any, value: str | None,
                hint: str = "") -> None: ...

    def el(self, scope: Scope, path: str) -> str | None: ...

    def fail(self, rule: Rule, error: ExpressionFailed, seg: Any, value: str | None) -> None: ...

    def loop(self, head: Segment, rule: Rule, used: frozenset[str], every: frozenset[str]) -> Scope:
        """The segments of the loop ``head`` starts inside this one (an N1 loop of a PO1 loop),
        noting those that ``used`` (read by the rule's fields) does not name."""

    def assigned_number(self) -> str:
        """A number for a loop that sends none: its place among the loops of its kind in the
        set (1 for the first PO1), recorded so the set's lines keep numbers of their own."""


@dataclass(slots=True)
class Rule:
    """One compiled field: ``read(scope, reporter)`` gives its value (None when absent)."""

    name: str
    target: tuple[str, ...]
    qualifier: str | None
    file: str
    line: int
    element: int | None = None
    segment: str | None = None
    read: Callable[[Scope, Reporter], Any] = lambda scope, reporter: None
    key: str | None = None
    """The target name when it is one plain field (the common case, stored directly)."""
    guard: str | None = None
    """A segment id without which the rule gives nothing (and reports nothing): a loop that
    lacks it skips the rule."""
    reach: int = 0
    """For a guarded rule that reads one element (and reports nothing when it is empty): the
    elements its segment must have for it to give anything. A loop whose only such segment
    is shorter skips the rule (a PO4 of three elements, say, and the map's fourteen PO4 fields)."""

    def __post_init__(self) -> None:
        if len(self.target) == 1 and self.qualifier is None:
            self.key = self.target[0]


def source(rule: Rule, where: Path | None, expr: Expression | None,
            const: str | None) -> Callable[[Scope, Reporter], tuple[Any, Any]] | Path:
    """Where a field's value comes from: a reader of (value, segment), or the path itself
    when it names one element, which `value_reader` turns into one specialised closure."""
    if expr is None:
        if where is None:
            return lambda scope, reporter: (const, None)
        return where if where.element else where.reader()  # value_reader reads an element itself
    path_read = where.reader() if where is not None else None

    def read(scope: Scope, reporter: Reporter) -> tuple[Any, Any]:
        value, seg = path_read(scope) if path_read is not None else (const, None)
        try:
            value = expr({"value": value or None, "el": lambda p: reporter.el(scope, p)})
        except ExpressionFailed as exc:
            reporter.fail(rule, exc, seg, value)
            return None, seg
        return value, seg
    return read


def value_reader(rule: Rule, source: Callable[..., tuple[Any, Any]] | Path,
                  codes: Mapping[str, str] | None, xref: Mapping[str, str] | None,
                  convert: Callable[[Any], Any], required: bool, default: Any,
                  hints: tuple[str, ...] = ("", "")) -> Callable[..., Any]:
    """A field's reader; ``hints`` say, for its code and its cross-reference table, where to
    add what the table lacks."""
    lookups = [(t, code, words, hint or "add it to the map's table or ask the partner")
               for t, code, words, hint in ((codes, "map.code", "code", hints[0]),
                                            (xref, "map.xref", "cross-reference", hints[1])) if t is not None]
    missing = default is None and required
    if isinstance(source, Path):
        return _element_reader(rule, source, lookups, convert, missing, default)
    if convert is CONVERTERS["str"] and not lookups:
        return _plain(rule, source, missing, default)
    return _finished(rule, source, lookups, convert, missing, default)


def _element_reader(rule: Rule, where: Path, lookups: list[tuple[Mapping[str, str], str, str, str]],
                    convert: Callable[[Any], Any], missing: bool, default: Any) -> Callable[..., Any]:
    """A field read straight from one element (``PO102``, ``REF[REF01=CT]/REF02``): the
    path's walk and the value's checks in one closure, as most fields of a map are."""
    sid, idx, comp, conds = where.segment, where.element - 1, where.component, where.conditions
    plain = not lookups and convert is CONVERTERS["str"]
    finish = _finisher(rule, lookups, convert, default) if lookups else None

    def read(scope: Scope, reporter: Reporter) -> Any:
        first = None
        for seg in scope.get(sid, ()):
            if conds and not all(c.holds(seg) for c in conds):
                continue
            elements = seg[1]
            if idx < len(elements):
                value = elements[idx]
                if type(value) is not str:
                    value = element_text(value, comp)
                elif comp != 1:
                    value = ""
                if value:
                    if plain:
                        return value
                    if finish is None:
                        try:
                            return convert(value)
                        except ValueProblem as exc:
                            reporter.problem(rule, "map.value", str(exc), seg, value)
                            return default
                    return finish(value, seg, reporter)
            if first is None:
                first = seg
        if missing:
            reporter.problem(rule, "map.missing", "required value is missing", first, None)
        return default
    return read


def _finisher(rule: Rule, lookups: list[tuple[Mapping[str, str], str, str, str]],
              convert: Callable[[Any], Any], default: Any) -> Callable[[str, Any, Reporter], Any]:
    """What a read text becomes: looked up in the rule's tables, then converted. A table's
    ``"*"`` entry takes every code the table does not list: to itself when it is ``"*"``."""
    def finish(value: Any, seg: Any, reporter: Reporter) -> Any:
        for table, code, words, hint in lookups:
            text = value if type(value) is str else str(value)
            found = table.get(text)
            if found is None and "*" in table:
                found = text if table["*"] == "*" else table["*"]
            if found is None:
                reporter.problem(rule, code, f"unknown {words}", seg, str(value), hint)
                return default
            value = found
        try:
            return convert(value)
        except ValueProblem as exc:
            reporter.problem(rule, "map.value", str(exc), seg, str(value))
            return default
    return finish


def _plain(rule: Rule, source: Callable[..., tuple[Any, Any]], missing: bool,
           default: Any) -> Callable[..., Any]:
    """A text field with no table: the text as read (most of a map's fields)."""
    def read(scope: Scope, reporter: Reporter) -> Any:
        value, seg = source(scope, reporter)
        if value is None or value == "":
            if missing:
                reporter.problem(rule, "map.missing", "required value is missing", seg, None)
            return default
        return value if isinstance(value, str) else str(value)
    return read


def _finished(rule: Rule, source: Callable[..., tuple[Any, Any]],
              lookups: list[tuple[Mapping[str, str], str, str, str]], convert: Callable[[Any], Any],
              missing: bool, default: Any) -> Callable[..., Any]:
    """A field read by ``source``, then looked up in its tables (if any) and converted."""
    finish = _finisher(rule, lookups, convert, default)

    def read(scope: Scope, reporter: Reporter) -> Any:
        value, seg = source(scope, reporter)
        if value is None or value == "":
            if missing:
                reporter.problem(rule, "map.missing", "required value is missing", seg, None)
            return default
        return finish(value, seg, reporter)
    return read


def pairs_reader(where: Path) -> Callable[..., Any]:
    pairs_in, first = where.pairs_in, where.first

    def read(scope: Scope, reporter: Reporter) -> Any:
        seg = first(scope)  # None when the scope has no such segment
        return pairs_in(seg) if seg is not None else None
    return read


class Before(Mapping[str, Sequence[Segment]]):
    """What one segment of an ``each`` sees of its loop: its own id gives the segment
    itself; any other id the loop's segments of that id sent before it, the nearest first
    (a MSG's N901 is the code of the N9 it follows)."""

    __slots__ = ("scope", "seg")

    def __init__(self, seg: Segment, scope: Scope) -> None:
        self.seg, self.scope = seg, scope

    def __getitem__(self, sid: str) -> Sequence[Segment]:
        if sid == self.seg.id:
            return (self.seg,)
        position = self.seg.index
        return [s for s in reversed(self.scope.get(sid, ())) if s.index < position]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)


def each_reader(where: Path, item: Callable[..., Any], flatten: bool = False,
                context: bool = False) -> Callable[..., Any]:
    """One item per segment ``where`` names; with ``context`` the item's fields may read the
    segments sent before it in the loop (`Before`)."""
    sid, segments = where.segment, where.segments

    def read(scope: Scope, reporter: Reporter) -> Any:
        if sid not in scope:
            return None
        out: list[Any] = []
        for seg in segments(scope):
            value = item(Before(seg, scope) if context else {seg.id: (seg,)}, reporter)
            if flatten:
                out.extend(value)
            elif value is not None and value != {}:
                out.append(value)
        return out or None
    return read


def loops_reader(rule: Rule, where: Path, item: Callable[..., Any], used: frozenset[str],
                 every: frozenset[str]) -> Callable[..., Any]:
    """One record per loop inside this one that ``where`` starts (each N1 loop of a line), its
    fields read from that loop's segments only."""
    def read(scope: Scope, reporter: Reporter) -> Any:
        out = []
        for head in where.segments(scope):
            value = item(reporter.loop(head, rule, used, every), reporter)
            if value:
                out.append(value)
        return out or None
    return read


def numbered(read: Callable[..., Any]) -> Callable[..., Any]:
    """A text field that, when the loop does not send it, takes the loop's number in the set
    (a PO1 without PO101 is numbered by its place among the order's lines)."""
    def number(scope: Scope, reporter: Reporter) -> Any:
        value = read(scope, reporter)
        return reporter.assigned_number() if value is None else value
    return number


def concat_reader(reads: Sequence[Callable[..., Any]]) -> Callable[..., Any]:
    """One list field filled by several ``each`` blocks (REF, then N9 ...), in their order."""
    def read(scope: Scope, reporter: Reporter) -> Any:
        out: list[Any] = []
        for item in reads:
            out.extend(item(scope, reporter) or ())
        return out or None
    return read


def tuple_reader(rule: Rule, paths: Sequence[Path],
                 converts: Sequence[Callable[[Any], Any]]) -> Callable[..., Any]:
    """One fixed tuple per segment (``dates.other``: DTM01 and DTM02 as (code, date)); a
    segment missing a value gives none, one whose value is not of its type a finding."""
    def read(scope: Scope, reporter: Reporter) -> list[tuple[Any, ...]]:
        ((seg,),) = scope.values()
        out = []
        for path, convert in zip(paths, converts, strict=True):
            text = path.value_in(seg)
            if not text:
                return []
            try:
                out.append(convert(text))
            except ValueProblem as exc:
                reporter.problem(rule, "map.value", str(exc), seg, text)
                return []
        return [tuple(out)]
    return read


def distribution_reader(rule: Rule, where: Path) -> Callable[..., Any]:
    """Destinations from SDQ: each location (SDQ03, 05 ... 21, its id qualifier SDQ02) with
    the quantity that follows it, in the unit SDQ01, for every SDQ in the loop."""
    def read(scope: Scope, reporter: Reporter) -> Any:
        out = []
        for seg in where.segments(scope):
            uom, qualifier = seg.get(1) or None, seg.get(2)
            for position in range(3, 23, 2):
                location, quantity = seg.get(position), seg.get(position + 1)
                if not location or not quantity:
                    continue
                try:
                    amount = CONVERTERS["decimal"](quantity)
                except ValueProblem as exc:
                    reporter.problem(rule, "map.value", str(exc), seg, quantity)
                    continue
                party = {"role": "ST", "ids": [(qualifier, location)] if qualifier else []}
                out.append({"ship_to": party, "quantity": amount, "uom": uom})
        return out or None
    return read


def texts(paths: list[Path], scope: Scope) -> list[str]:
    return [value for value in (p.read(scope)[0] for p in paths) if value]


@functools.lru_cache(maxsize=1024)
def _code(source: str, name: str) -> types.CodeType:
    """Generated source compiled once per process: every load of a map generates it again, and
    maps (and copies of them) share most of it; a code object is immutable, and each load still
    runs it into a namespace of its own."""
    return compile(source, name, "exec")


def compile_record(rules: Sequence[Rule]) -> Callable[[Scope, Reporter], dict[str, Any]]:
    """Run these rules over one scope into a nested dict shaped like the target record, as
    one generated function, a statement per rule: the engine runs a section's rules once per
    loop (twenty PO1 loops an order), and a loop over rules with its attribute lookups cost
    as much as the rules did."""
    env: dict[str, Any] = {"put": put}
    lines = ["def record(scope, reporter):", "    out = {}"]
    groups: dict[str | None, list[int]] = {None: []}  # rules by the segment they need
    for i, rule in enumerate(rules):
        if rule.qualifier is None:
            groups.setdefault(rule.guard, []).append(i)
    qualified = [i for i, rule in enumerate(rules) if rule.qualifier is not None]  # last: they edit a list
    for guard, numbers in [*sorted(groups.items(), key=lambda item: item[0] is not None), (None, qualified)]:
        if guard is not None:  # a loop without that segment skips the rules that need it
            lines.append(f"    if {guard!r} in scope:")
            if any(rules[i].reach for i in numbers):  # and one too short, those beyond its end
                lines.append(f"        n = len(s[0][1]) if len(s := scope[{guard!r}]) == 1 else 1 << 30")
        indent = "        " if guard is not None else "    "
        for i in numbers:
            if guard is not None and rules[i].reach:
                lines += [f"{indent}if n >= {rules[i].reach}:",
                          *(indent + "    " + line for line in _statements(i, rules[i], env))]
            else:
                lines += [indent + line for line in _statements(i, rules[i], env)]
    lines.append("    return out")
    exec(_code("\n".join(lines), "<map record>"), env)  # noqa: S102 - our own source, from field names
    return typing.cast(Callable[[Scope, Reporter], dict[str, Any]], env["record"])


def _statements(i: int, rule: Rule, env: dict[str, Any]) -> list[str]:
    """What `compile_record` writes for rule ``i``: read it, and store what it gives."""
    env[f"read{i}"], env[f"rule{i}"] = rule.read, rule
    lines = [f"v = read{i}(scope, reporter)"]
    if rule.key is not None:
        return [*lines, f"if v is not None: out[{rule.key!r}] = v"]
    if rule.qualifier is None and len(rule.target) == 2:
        parent, name = rule.target
        return [*lines, "if v is not None:", f"    node = out.get({parent!r})",
                f"    if node is None: node = out[{parent!r}] = {{}}", f"    node[{name!r}] = v"]
    return [*lines, f"if v is not None: put(out, rule{i}, v)"]


def put(out: dict[str, Any], rule: Rule, value: Any) -> None:
    """Store ``value`` at the rule's dotted target (or as one qualified id)."""
    node = out
    for part in rule.target[:-1]:
        node = node.setdefault(part, {})
    last = rule.target[-1]
    if rule.qualifier is None:
        node[last] = value
        return
    pairs = list(node.get(last, []))
    for i, (qualifier, _) in enumerate(pairs):
        if qualifier == rule.qualifier:
            pairs[i] = (qualifier, str(value))
            break
    else:
        pairs.append((rule.qualifier, str(value)))
    node[last] = pairs

