"""Segment/element paths as maps write them, parsed once into small lookup values.

Grammar (every part but the segment and element is optional)::

    BEG03                         element 3 of the first BEG in scope
    TD502-1                       component 1 of a composite element
    N1[N101=ST]/N104              N104 of the first N1 whose N101 is ST
    REF[REF01=DP|IA]/REF02        ``|`` lists alternatives; ``!=`` excludes
    PO1/product_id[qualifier=VN]  the value paired with qualifier VN in PO106..PO125
    PO1/product_id                every (qualifier, value) pair of the group (POC/product_id
                                  in an 860)
    SAC[SAC01=A]                  the segments themselves (for ``each``)

A path is evaluated against a scope: the segments of one loop indexed by segment id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from edigate.x12.segment import Segment, element_text

__all__ = ["PAIR_GROUPS", "Condition", "Path", "PathError", "Scope", "parse_path"]

Scope = Mapping[str, Sequence[Segment]]
"""The segments of one loop by segment id, in the order they came."""

PAIR_GROUPS: dict[tuple[str, str], tuple[int, int]] = {
    ("PO1", "product_id"): (6, 25),
    ("LIN", "product_id"): (2, 31),
    ("SLN", "product_id"): (9, 28),
    ("POC", "product_id"): (8, 27),
    ("N1", "id"): (3, 4),
    ("PER", "contact"): (3, 8),
}
"""Named runs of (qualifier, value) element pairs: first qualifier and last value position."""

_SEGMENT = r"[A-Z][A-Z0-9]{1,2}"
_PATH = re.compile(
    rf"^(?P<seg>{_SEGMENT})(?:\[(?P<conds>[^\]]*)\])?"
    rf"(?:/(?P<tail>.+)|(?P<pos>\d\d)(?:-(?P<comp>\d+))?)?$"
)
_ELEMENT = re.compile(rf"^(?P<seg>{_SEGMENT})(?P<pos>\d\d)(?:-(?P<comp>\d+))?$")
_COND = re.compile(rf"^\s*(?P<seg>{_SEGMENT})(?P<pos>\d\d)\s*(?P<op>!?=)\s*(?P<vals>[^,]*)$")
_GROUP = re.compile(r"^(?P<name>[a-z_]+)(?:\[qualifier\s*=\s*(?P<q>[^\]]+)\])?$")


class PathError(ValueError):
    """A path that does not follow the grammar; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Condition:
    """``SEGnn=A|B`` (or ``!=``): element ``position`` must (not) be one of ``values``."""

    position: int
    values: frozenset[str]
    negate: bool = False

    def holds(self, seg: Segment) -> bool:
        elements = seg[1]
        value = elements[self.position - 1] if self.position <= len(elements) else ""
        if type(value) is not str:
            value = element_text(value)
        return (value in self.values) != self.negate


@dataclass(frozen=True, slots=True)
class Path:
    """A parsed path. ``element`` is 0 for a pair group (then ``group`` is set) and for a
    bare segment (``REF``, ``SAC[SAC01=A]``), which only ``each`` may use."""

    text: str
    segment: str
    conditions: tuple[Condition, ...] = ()
    element: int = 0
    component: int = 1
    group: tuple[int, int] | None = None
    qualifier: frozenset[str] | None = None

    def segments(self, scope: Scope) -> list[Segment]:
        """Every segment in ``scope`` this path may read, in order."""
        found = scope.get(self.segment, ())
        if not self.conditions:
            return list(found)
        return [s for s in found if all(c.holds(s) for c in self.conditions)]

    def first(self, scope: Scope) -> Segment | None:
        """The first segment this path reads, or None."""
        found = scope.get(self.segment)
        if not found:
            return None
        if not self.conditions:
            return found[0]
        for seg in found:
            if all(c.holds(seg) for c in self.conditions):
                return seg
        return None

    def value_in(self, seg: Segment) -> str:
        """The value this path names in one segment (``""`` when absent)."""
        if self.group is None:
            return seg.get(self.element, self.component) if self.element else ""
        return next((v for q, v in self.pairs_in(seg) if q in (self.qualifier or ())), "")

    def pairs_in(self, seg: Segment) -> list[tuple[str, str]]:
        """The (qualifier, value) pairs of the group, skipping empty ones."""
        assert self.group is not None
        first, last = self.group
        elements = seg[1]
        count = len(elements)
        pairs = []
        for p in range(first - 1, min(last - 1, count - 1), 2):
            qualifier, value = elements[p], elements[p + 1]
            if type(qualifier) is not str or type(value) is not str:
                qualifier, value = element_text(qualifier), element_text(value)
            if qualifier and value:
                pairs.append((qualifier, value))
        return pairs

    def read(self, scope: Scope) -> tuple[str, Segment | None]:
        """The value in the first segment that has one, and that segment."""
        first = None
        for seg in scope.get(self.segment, ()):
            if self.conditions and not all(c.holds(seg) for c in self.conditions):
                continue
            value = self.value_in(seg)
            if value:
                return value, seg
            first = first or seg
        return "", first

    def reader(self) -> Callable[..., tuple[str, Segment | None]]:
        """`read` as a closure specialised for this path (the engine's hot loop); it takes
        and ignores a second argument so rules can call it like any other source."""
        if self.group is not None and self.qualifier is not None:
            return self._qualified_reader()
        if self.group is not None or self.names_segment:
            return lambda scope, _unused=None: self.read(scope)
        sid, idx, comp, conds = self.segment, self.element - 1, self.component, self.conditions

        def read(scope: Scope, _unused: object = None) -> tuple[str, Segment | None]:
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
                        return value, seg
                if first is None:
                    first = seg
            return "", first
        return read

    def _qualified_reader(self) -> Callable[..., tuple[str, Segment | None]]:
        """`read` of ``PO1/product_id[qualifier=VN]``: the pairs are scanned in place for
        the first wanted qualifier, without building the group's list of pairs."""
        assert self.group is not None and self.qualifier is not None
        sid, conds, wanted = self.segment, self.conditions, self.qualifier
        first_q, last = self.group[0] - 1, self.group[1] - 1

        def read(scope: Scope, _unused: object = None) -> tuple[str, Segment | None]:
            first = None
            for seg in scope.get(sid, ()):
                if conds and not all(c.holds(seg) for c in conds):
                    continue
                elements = seg[1]
                for p in range(first_q, min(last, len(elements) - 1), 2):
                    qualifier, value = elements[p], elements[p + 1]
                    if type(qualifier) is not str or type(value) is not str:
                        qualifier, value = element_text(qualifier), element_text(value)
                    if qualifier and value and qualifier in wanted:
                        return value, seg
                if first is None:
                    first = seg
            return "", first
        return read

    @property
    def names_segment(self) -> bool:
        """True for a bare segment path, which names no element."""
        return self.element == 0 and self.group is None

    @property
    def element_position(self) -> int:
        """The element a finding should name: the value's, or the group's first qualifier."""
        if self.group is None:
            return self.element
        return self.group[0]


def parse_path(text: str) -> Path:
    """Parse a path; raise `PathError` with a plain message when it is malformed."""
    match = _PATH.match(text.strip())
    if match is None:
        raise PathError(f"{text!r} is not a path such as BEG03, N1[N101=ST]/N104 or PO1/product_id")
    seg = match["seg"]
    conditions = _conditions(seg, match["conds"]) if match["conds"] is not None else ()
    if match["pos"] is not None:
        return Path(text, seg, conditions, *_position(seg, match["pos"], match["comp"]))
    tail = match["tail"]
    if tail is None:
        return Path(text, seg, conditions)
    element = _ELEMENT.match(tail)
    if element is not None:
        if element["seg"] != seg:
            raise PathError(f"{text!r}: element {tail} is not in segment {seg}")
        return Path(text, seg, conditions, *_position(seg, element["pos"], element["comp"]))
    return _group_path(text, seg, conditions, tail)


def _position(seg: str, pos: str, comp: str | None) -> tuple[int, int]:
    position = int(pos)
    if position == 0:
        raise PathError(f"{seg}{pos}: element positions start at 01")
    return position, int(comp) if comp else 1


def _conditions(seg: str, text: str) -> tuple[Condition, ...]:
    out = []
    for part in text.split(","):
        match = _COND.match(part)
        if match is None:
            raise PathError(f"condition {part.strip()!r} is not like {seg}01=ST")
        if match["seg"] != seg:
            raise PathError(f"condition {part.strip()!r} names a segment other than {seg}")
        values = frozenset(v.strip() for v in match["vals"].split("|"))
        out.append(Condition(int(match["pos"]), values, match["op"] == "!="))
    return tuple(out)


def _group_path(text: str, seg: str, conditions: tuple[Condition, ...], tail: str) -> Path:
    match = _GROUP.match(tail)
    if match is None:
        raise PathError(f"{text!r}: {tail!r} is neither an element of {seg} nor a pair group")
    group = PAIR_GROUPS.get((seg, match["name"]))
    if group is None:
        known = sorted(name for s, name in PAIR_GROUPS if s == seg)
        hint = f"; {seg} has {', '.join(known)}" if known else f"; {seg} has no pair groups"
        raise PathError(f"{text!r}: unknown pair group {match['name']!r}{hint}")
    qualifier = None
    if match["q"] is not None:
        qualifier = frozenset(q.strip() for q in match["q"].split("|"))
    return Path(text, seg, conditions, 0, 1, group, qualifier)
