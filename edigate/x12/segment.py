"""Segments and their elements, as the tokenizer yields them and the writer takes them.

A segment is a named tuple rather than a dataclass: the tokenizer makes one per segment,
millions per file, and a tuple is built several times faster while staying immutable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple, Union

__all__ = ["Composite", "Element", "Repeats", "Segment", "dump_segments", "element_text", "load_segments"]


class Composite(tuple[str, ...]):
    """The components of a composite element (component separator split)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Composite({tuple(self)!r})"


class Repeats(tuple[Union[str, Composite], ...]):
    """The occurrences of a repeated element (repetition separator split)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Repeats({tuple(self)!r})"


Element = Union[str, Composite, Repeats]


def element_text(element: Element, component: int = 1) -> str:
    """The plain text of an element: its first occurrence, and component ``component``."""
    if isinstance(element, Repeats):
        element = element[0] if element else ""
    if isinstance(element, Composite):
        return element[component - 1] if component <= len(element) else ""
    return element if component == 1 else ""


class Segment(NamedTuple):
    """One segment: its id, its elements (``elements[0]`` is XX01), where it stood.

    ``index`` counts segments from 0 across the whole file; ``offset`` is the byte offset
    of the segment id in the file.
    """

    id: str
    elements: tuple[Element, ...]
    index: int = 0  # type: ignore[assignment]  # shadows tuple.index on purpose: it names the position
    offset: int = 0

    def get(self, position: int, component: int = 1) -> str:
        """The text of element ``position`` (1-based, as in BEG03), or ``""`` when absent."""
        elements = self[1]
        if position > len(elements):
            return ""
        value = elements[position - 1]
        if type(value) is str:  # the common case, without a call
            return value if component == 1 else ""
        return element_text(value, component)

    @property
    def ref(self) -> str:
        """How a person names this segment: its id and 1-based position in the file."""
        return f"{self.id} (segment {self.index + 1})"

    def same_content(self, other: Segment) -> bool:
        """Equal id and elements, wherever each one stood."""
        return self.id == other.id and self.elements == other.elements


def dump_segments(segments: Sequence[Segment]) -> str | None:
    """Segments of plain-text elements as compact JSON (``[["BAK", "00", ...], ...]``), to
    keep a rendered body in the store; None when an element is composite or repeated."""
    rows = []
    for seg in segments:
        elements = seg[1]
        if elements and set(map(type, elements)) != _TEXT:
            return None
        rows.append([seg[0], *elements])
    return json.dumps(rows, separators=(",", ":"))


_TEXT = frozenset({str})


def load_segments(text: str) -> tuple[Segment, ...]:
    """Segments written by `dump_segments`."""
    new = tuple.__new__
    return tuple([new(Segment, (row[0], tuple(row[1:]), 0, 0)) for row in json.loads(text)])
