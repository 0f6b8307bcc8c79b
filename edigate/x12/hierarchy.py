"""The HL hierarchy of a set (856 and others): ids unique, each parent given before its children.

The spec's loop tree places each HL but cannot say whom it names as parent; a parent that
does not exist or a loop of parents (``HL*1*2`` ... ``HL*2*1``) would otherwise pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from edigate.x12.segment import Segment

__all__ = ["HierarchyProblem", "hierarchy_problems"]


class HierarchyProblem(NamedTuple):
    """An HL element in error: the segment, its 1-based position in the set, the element."""

    segment: Segment
    position: int
    element: int
    ref: str
    value: str
    message: str


def hierarchy_problems(segments: Sequence[Segment]) -> Iterator[HierarchyProblem]:
    """Each HL01 new, each HL02 the HL01 of an earlier HL (so no cycle, no unknown parent)."""
    seen: set[str] = set()
    for position, seg in enumerate(segments, 1):
        if seg[0] != "HL":
            continue
        own, parent = seg.get(1), seg.get(2)
        if own and own in seen:
            yield HierarchyProblem(seg, position, 1, "628", own, f"HL01 {own!r} is already the id of an earlier HL")
        if parent and parent not in seen:
            why = "is this HL's own id" if parent == own else "is not the HL01 of an earlier HL"
            yield HierarchyProblem(seg, position, 2, "734", parent,
                                   f"HL02 parent {parent!r} {why}; a parent comes before its children")
        seen.add(own)
