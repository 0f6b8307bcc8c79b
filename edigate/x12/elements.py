"""Element checks of one segment: each element against its data element definition and
code list, composites against their components, and the segment's syntax notes (P, R, C,
L, E). `edigate.x12.validate` places segments in their set and turns these problems into
findings with the partner's leniency; the problems themselves depend on the segment only,
so the validator remembers them per distinct segment text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from edigate.x12.checks import ascii_digits, valid_date, valid_time
from edigate.x12.leniency import LOWERCASE, UNLISTED_CODES
from edigate.x12.segment import Composite, Element, Repeats
from edigate.x12.spec import CompositeSpec, ElementSpec, Rule, SegmentSpec, parse_syntax

__all__ = ["UNLISTED", "Problem", "element_problems", "syntax_problems"]

_NUMBER = re.compile(r"-?\d+\Z")
_DECIMAL = re.compile(r"-?(\d+\.?\d*|\.\d+)(E-?\d+)?\Z")
UNLISTED = "I6"
"""A code outside a partial list: reported as a warning with the implementation code I6."""


class Problem(NamedTuple):
    """One element's (or syntax note's) problem: position, X12 code, message, value."""

    element: int
    component: int | None
    code: str
    ref: str
    message: str
    value: str | None
    option: str | None = None
    """The leniency option that accepts this problem (see `edigate.x12.leniency`), if any."""


def element_problems(elements: tuple[Element, ...], spec: SegmentSpec) -> list[Problem]:
    """Problems of each element present, then of each required element absent."""
    out: list[Problem] = []
    table = spec.by_position
    limit = len(table)
    for position, value in enumerate(elements, 1):
        if not value:
            continue
        field = table[position] if position < limit else None
        if field is None:
            out.append(Problem(position, None, "3", "", f"too many data elements: the segment defines "
                                f"{len(spec.elements)}", None))
            break
        if type(value) is str:
            if isinstance(field, CompositeSpec):
                out.extend(_composite_problems(field, Composite((value,))))
                continue
            if field.min_len <= len(value) <= field.max_len and field.usage != "N":
                kind = field.data_type  # fast path for the common good ID and AN values
                if kind == "ID" and (field.codes is None or value in field.codes):
                    continue
                if kind == "AN" and value.isprintable():
                    continue
                if kind[0] == "N" and ascii_digits(value):
                    continue
                if kind == "R" and value.replace(".", "", 1).isdigit():
                    continue
            problem = _value_problem(field, value)
            if problem:
                out.append(Problem(position, None, problem[0], field.ref, problem[1], value,
                                    _option(field, value, problem[0])))
        elif isinstance(value, Repeats):
            out.append(Problem(position, None, "12", field.ref, f"{field.name} does not repeat", None))
        elif isinstance(field, CompositeSpec):
            out.extend(_composite_problems(field, value))  # type: ignore[arg-type]
        else:
            out.append(Problem(position, None, "13", field.ref, f"{field.name} is a simple element, "
                                "found components", None))
    count = len(elements)
    for field in spec.required:
        if field.position > count or not elements[field.position - 1]:
            out.append(Problem(field.position, None, "1", field.ref, f"required element {field.name} is "
                                "missing", None))
    if len(out) > 1:
        out.sort(key=lambda p: (p.element, p.component or 0))
    return out


def _composite_problems(spec: CompositeSpec, value: Composite) -> Iterator[Problem]:
    parts = list(value)
    while parts and parts[-1] == "":
        parts.pop()
    if len(parts) > len(spec.components):
        yield Problem(spec.position, len(spec.components) + 1, "13", spec.ref, "too many components", None)
    for comp in spec.components:
        text = parts[comp.position - 1] if comp.position <= len(parts) else ""
        if text:
            problem = _value_problem(comp, text)
            if problem:
                yield Problem(spec.position, comp.position, problem[0], comp.ref, problem[1], text,
                               _option(comp, text, problem[0]))
        elif comp.usage == "R":
            yield Problem(spec.position, comp.position, "1", comp.ref, f"required component {comp.name} is missing",
                           None)
    if spec.syntax:
        for found in syntax_problems(tuple(parts), parse_syntax(spec.syntax), spec.components, []):
            yield found._replace(element=spec.position, component=found.element)


def _option(spec: ElementSpec, value: str, code: str) -> str | None:
    """The leniency option that accepts a value refused with ``code``: a code valid in upper
    case is only in lower case; any other code is outside the list."""
    if code != "7":
        return None
    return LOWERCASE if spec.codes is not None and value.upper() in spec.codes else UNLISTED_CODES


def _value_problem(spec: ElementSpec, value: str) -> tuple[str, str] | None:
    t = spec.data_type
    if spec.usage == "N":
        return "I10", f"{spec.name} is marked not used"
    if t == "ID":
        problem = _length(spec, len(value))
        if problem or spec.codes is None or value in spec.codes:
            return problem
        if spec.codes_partial:
            return UNLISTED, f"{value!r} is not among the known {spec.name} codes"
        return "7", f"{value!r} is not a valid {spec.name} code"
    if t == "AN":
        if not value.isprintable():
            return "6", f"{spec.name} holds a control character"
        return _length(spec, len(value))
    if t[0] == "N":
        return _length(spec, len(value.lstrip("-"))) or \
            (None if _NUMBER.match(value) else ("6", f"{spec.name} must be a whole number"))
    if t == "R":
        return _length(spec, len(value.lstrip("-").replace(".", "", 1))) or \
            (None if _DECIMAL.match(value) else ("6", f"{spec.name} must be a decimal number"))
    if t == "DT":
        return _length(spec, len(value)) or (None if valid_date(value) else ("8", f"{spec.name} is not a valid date"))
    if t == "TM":
        return _length(spec, len(value)) or (None if valid_time(value) else ("9", f"{spec.name} is not a valid time"))
    return _length(spec, len(value))


def _length(spec: ElementSpec, n: int) -> tuple[str, str] | None:
    if n < spec.min_len:
        return "4", f"{spec.name} is shorter than {spec.min_len}"
    if n > spec.max_len:
        return "5", f"{spec.name} is longer than {spec.max_len}"
    return None


def syntax_problems(values: tuple[Element, ...], rules: tuple[Rule, ...],
                     fields: tuple[ElementSpec | CompositeSpec, ...], out: list[Problem]) -> list[Problem]:
    present = {n for n, v in enumerate(values, 1) if v}
    for rule in rules:
        kind = rule.kind
        if kind != "R" and present.isdisjoint(rule.members):
            continue
        if (kind == "P" or kind == "R") and rule.members <= present:
            continue
        if (kind == "C" or kind == "L") and rule.positions[0] not in present:
            continue
        if kind == "C" and rule.members <= present:
            continue
        problem = _syntax_rule(rule.kind, rule.positions, present)
        if problem is not None:
            n, code, why = problem
            spec = next((f for f in fields if f.position == n), None)
            ref, name = (spec.ref, spec.name) if spec else ("", f"element {n:02d}")
            out.append(Problem(n, None, code, ref, f"{name}: {why} (syntax note {rule.note})", None))
    return out


def _syntax_rule(kind: str, positions: tuple[int, ...], present: set[int]) -> tuple[int, str, str] | None:
    if kind == "P" or kind == "E":
        hits = sum(1 for p in positions if p in present)
        if hits == 0 or (kind == "P" and hits == len(positions)) or (kind == "E" and hits == 1):
            return None
    elif positions[0] not in present and kind != "R":
        return None
    here = [p for p in positions if p in present]
    first, rest = positions[0], positions[1:]
    if kind == "P" and here and len(here) != len(positions):
        return next(p for p in positions if p not in present), "2", "paired elements must all be present"
    if kind == "R" and not here:
        return first, "2", f"at least one of {_refs(positions)} is required"
    if kind == "C" and first in present and not all(p in present for p in rest):
        return next(p for p in rest if p not in present), "2", f"required when {first:02d} is present"
    if kind == "L" and first in present and not any(p in present for p in rest):
        return rest[0], "2", f"one of {_refs(rest)} is required when {first:02d} is present"
    if kind == "E" and len(here) > 1:
        return here[1], "10", f"only one of {_refs(positions)} may be present"
    return None


def _refs(positions: tuple[int, ...] | list[int]) -> str:
    return ", ".join(f"{p:02d}" for p in positions)
