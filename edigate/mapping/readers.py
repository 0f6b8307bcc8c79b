"""What compiled rules run per loop: small closures that read, look up and convert.

`rules.Compiler` builds them once per map; `record` runs a section's rules over one
loop's segments into the nested dict that `build.build` turns into a model record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from edigate.mapping.expr import Expression, ExpressionFailed
from edigate.mapping.paths import Path, Scope
from edigate.mapping.values import CONVERTERS, ValueProblem

__all__ = ["Reporter", "Rule", "each_reader", "pairs_reader", "put", "record", "source",
           "texts", "value_reader"]


class Reporter(Protocol):
    """Where rules send findings while a loop is mapped."""

    def problem(self, rule: Rule, code: str, message: str, seg: Any, value: str | None,
                hint: str = "") -> None: ...

    def el(self, scope: Scope, path: str) -> str | None: ...

    def fail(self, rule: Rule, error: ExpressionFailed, seg: Any, value: str | None) -> None: ...


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

    def __post_init__(self) -> None:
        if len(self.target) == 1 and self.qualifier is None:
            self.key = self.target[0]


def source(rule: Rule, where: Path | None, expr: Expression | None,
            const: str | None) -> Callable[[Scope, Reporter], tuple[Any, Any]]:
    if expr is None:
        if where is None:
            return lambda scope, reporter: (const, None)
        return where.reader()
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


def value_reader(rule: Rule, source: Callable[..., tuple[Any, Any]],
                  codes: Mapping[str, str] | None, xref: Mapping[str, str] | None,
                  convert: Callable[[Any], Any], required: bool, default: Any) -> Callable[..., Any]:
    lookups = [(t, code, words) for t, code, words in
               ((codes, "map.code", "code"), (xref, "map.xref", "cross-reference")) if t is not None]
    missing = default is None and required
    if lookups:
        return _looked_up(rule, source, lookups, convert, missing, default)
    if convert is CONVERTERS["str"]:
        return _plain(rule, source, missing, default)

    def read(scope: Scope, reporter: Reporter) -> Any:
        value, seg = source(scope, reporter)
        if value is None or value == "":
            if missing:
                reporter.problem(rule, "map.missing", "required value is missing", seg, None)
            return default
        try:
            return convert(value)
        except ValueProblem as exc:
            reporter.problem(rule, "map.value", str(exc), seg, str(value))
            return default
    return read


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


def _looked_up(rule: Rule, source: Callable[..., tuple[Any, Any]],
               lookups: list[tuple[Mapping[str, str], str, str]], convert: Callable[[Any], Any],
               missing: bool, default: Any) -> Callable[..., Any]:
    def read(scope: Scope, reporter: Reporter) -> Any:
        value, seg = source(scope, reporter)
        if value is None or value == "":
            if missing:
                reporter.problem(rule, "map.missing", "required value is missing", seg, None)
            return default
        for table, code, words in lookups:
            found = table.get(value if type(value) is str else str(value))
            if found is None:
                reporter.problem(rule, code, f"unknown {words}", seg, str(value),
                                 "add it to the map's table or ask the partner")
                return default
            value = found
        try:
            return convert(value)
        except ValueProblem as exc:
            reporter.problem(rule, "map.value", str(exc), seg, str(value))
            return default
    return read


def pairs_reader(where: Path) -> Callable[..., Any]:
    sid, pairs_in, first = where.segment, where.pairs_in, where.first

    def read(scope: Scope, reporter: Reporter) -> Any:
        if sid not in scope:
            return None
        seg = first(scope)
        return pairs_in(seg) if seg is not None else None
    return read


def each_reader(where: Path, item: Callable[..., Any], flatten: bool = False) -> Callable[..., Any]:
    sid, segments = where.segment, where.segments

    def read(scope: Scope, reporter: Reporter) -> Any:
        if sid not in scope:
            return None
        out: list[Any] = []
        for seg in segments(scope):
            value = item({seg.id: (seg,)}, reporter)
            if flatten:
                out.extend(value)
            elif value is not None and value != {}:
                out.append(value)
        return out or None
    return read


def texts(paths: list[Path], scope: Scope) -> list[str]:
    return [value for value in (p.read(scope)[0] for p in paths) if value]


def record(rules: Sequence[Rule], scope: Scope, reporter: Reporter) -> dict[str, Any]:
    """Run rules over one scope into a nested dict shaped like the target record."""
    out: dict[str, Any] = {}
    for rule in rules:
        value = rule.read(scope, reporter)
        if value is not None:
            key = rule.key
            if key is not None:
                out[key] = value
            else:
                put(out, rule, value)
    return out


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

