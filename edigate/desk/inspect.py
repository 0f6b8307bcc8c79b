"""The inspector: a file's segments, numbered and indented by loop, with each finding under
the segment it concerns and the element it names marked.

`edigate x12 view FILE` builds the findings by validating the file; `edigate tx view ID`
takes them from the transmission's error log, so what the gateway said is what is shown.
Every text that came from a partner is escaped before it reaches a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from edigate.store import ErrorEntry, Store
from edigate.printable import shown
from edigate.x12.findings import Finding
from edigate.x12.outline import Outlined

if TYPE_CHECKING:
    from edigate.store.archive import ArchiveBackend

__all__ = ["FileView", "Mark", "ViewLine", "build_view", "file_view", "mark_entry", "mark_finding", "render_view", "transmission_view"]


@dataclass(frozen=True, slots=True)
class Mark:
    """One finding, with where it points: a segment number when known, else control
    numbers and the segment's position in its set."""

    severity: str
    code: str
    message: str
    code_list: str | None = None
    hint: str = ""
    stage: str | None = None
    element: int | None = None
    component: int | None = None
    value: str | None = None
    number: int | None = None
    isa13: str | None = None
    st02: str | None = None
    position: int | None = None
    segment_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "code_list": self.code_list, "code": self.code, "stage": self.stage,
                "message": self.message, "hint": self.hint, "element": self.element,
                "component": self.component, "value": self.value}


def mark_finding(f: Finding) -> Mark:
    return Mark(f.severity.value, f.code, f.text, f.level.value, f.hint, "validate", f.element, f.component,
                f.value, None if f.segment_index is None else f.segment_index + 1, f.interchange,
                f.transaction, f.segment_position, f.segment_id)


def mark_entry(e: ErrorEntry) -> Mark:
    return Mark(e.severity.value, e.code, e.message, e.code_list, e.hint, e.stage, e.element_position,
                e.component_position, e.value, None, e.isa13, e.st02, e.segment_position, e.segment_id)


@dataclass(frozen=True, slots=True)
class ViewLine:
    segment: Outlined
    marks: tuple[Mark, ...] = ()

    @property
    def text(self) -> str:
        s = self.segment
        return s.separator.join([s.id, *(shown(e) for e in s.elements)])

    def columns(self, element: int | None) -> tuple[int, int]:
        """Where element ``element`` stands in `text` (start, width); the end of the line
        for an element the segment does not have."""
        s = self.segment
        if element is None or element < 1:
            return 0, len(s.id)
        start = len(s.id) + 1
        for e in s.elements[:element - 1]:
            start += len(shown(e)) + 1
        if element > len(s.elements):
            return len(self.text), 1
        return start, max(1, len(shown(s.elements[element - 1])))

    def to_json(self) -> dict[str, Any]:
        s = self.segment
        return {"number": s.number, "id": s.id, "text": self.text, "elements": [shown(e) for e in s.elements],
                "depth": s.depth, "loop": s.loop, "isa13": s.isa13, "gs06": s.gs06, "st02": s.st02,
                "position": s.position, "offset": s.offset, "findings": [m.to_json() for m in self.marks]}


@dataclass(frozen=True, slots=True)
class FileView:
    """A file's lines and the findings that name no segment of it (``unplaced``)."""

    name: str
    lines: tuple[ViewLine, ...]
    unplaced: tuple[Mark, ...] = ()

    def marks(self) -> list[Mark]:
        return [*self.unplaced, *(m for line in self.lines for m in line.marks)]

    def to_json(self) -> dict[str, Any]:
        marks = self.marks()
        return {"file": shown(self.name), "segments": [line.to_json() for line in self.lines],
                "unplaced": [m.to_json() for m in self.unplaced],
                "counts": {"segments": len(self.lines), "errors": sum(m.severity == "error" for m in marks),
                           "warnings": sum(m.severity == "warning" for m in marks)}}


def build_view(name: str, segments: Iterable[Outlined], marks: Iterable[Mark]) -> FileView:
    """Put each mark under the segment it names (`_locate`); the rest stay unplaced."""
    lines = list(segments)
    where: dict[int, list[Mark]] = {}
    unplaced: list[Mark] = []
    for mark in marks:
        number = _locate(mark, lines)
        (unplaced if number is None else where.setdefault(number, [])).append(mark)
    return FileView(name, tuple(ViewLine(s, tuple(where.get(s.number, ()))) for s in lines), tuple(unplaced))


def _locate(mark: Mark, lines: Sequence[Outlined]) -> int | None:
    """The number of the segment ``mark`` names: by number; by set and position; by the
    segment id in its set or interchange; else the set's ST, else the interchange's ISA."""
    if mark.number is not None:
        return mark.number
    if mark.isa13 is None:
        return None
    same = [s for s in lines if s.isa13 == mark.isa13]
    in_set = [s for s in same if mark.st02 is not None and s.st02 == mark.st02]
    tries = [[s for s in in_set if s.position == mark.position and mark.position is not None],
             [s for s in (in_set or same) if mark.segment_id is not None and s.id == mark.segment_id],
             in_set, same]
    found = next((t for t in tries if t), None)
    return found[0].number if found else None


_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m", "dim": "\x1b[2m", "bold": "\x1b[1m"}
_RESET = "\x1b[0m"


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{_COLOURS[style]}{text}{_RESET}" if colour and style in _COLOURS else text


def render_view(view: FileView, *, colour: bool = False) -> list[str]:
    """The view as lines of text: ``NUMBER  SEGMENT`` indented by depth, each finding
    under its segment with a caret line under the element it names."""
    out = [f"{shown(view.name)}: {len(view.lines)} segments, {_tally(view.marks())}"]
    out += [f"  {_finding_text(m, colour)}" for m in view.unplaced]
    for line in view.lines:
        s = line.segment
        pad = "  " * s.depth
        loop = _paint(f"   [loop {s.loop}]", "dim", colour) if s.loop else ""
        out.append(f"{_paint(f'{s.number:>6}', 'dim', colour)}  {pad}{line.text}{loop}")
        for mark in line.marks:
            out += _under(line, mark, " " * 8 + pad, colour)
    return out


def _under(line: ViewLine, mark: Mark, pad: str, colour: bool) -> list[str]:
    start, width = line.columns(mark.element)
    ref = f"{line.segment.id}{mark.element:02d}" if mark.element else line.segment.id
    caret = _paint("^" * width, mark.severity, colour)
    return [f"{pad}{' ' * start}{caret} {ref}", f"{pad}{_finding_text(mark, colour)}"]


def _finding_text(m: Mark, colour: bool) -> str:
    code = f"{m.code_list} {m.code}" if m.code_list else m.code
    stage = f" ({m.stage})" if m.stage else ""
    value = f" (value {shown(repr(m.value), backslashes=False)})" if m.value else ""
    hint = f"; {shown(m.hint, backslashes=False)}" if m.hint else ""
    return f"{_paint(m.severity, m.severity, colour)} {code}{stage}: {shown(m.message, backslashes=False)}{value}{hint}"


def _tally(marks: Sequence[Mark]) -> str:
    errors = sum(m.severity == "error" for m in marks)
    warnings = sum(m.severity == "warning" for m in marks)
    return f"{errors} error(s), {warnings} warning(s), {len(marks) - errors - warnings} note(s)"


def file_view(path: str, check: Any = None) -> FileView:
    """A file on disk, its findings those of validating it (envelopes and set structure)."""
    from edigate.x12.outline import outline
    from edigate.x12.summary import summarize
    from edigate.x12.validate import Validator

    summary = summarize(path, check=check or Validator())
    return build_view(path, outline(path), (mark_finding(f) for f in summary.findings))


def transmission_view(store: Store, archive: ArchiveBackend, transmission_id: int) -> FileView:
    """A stored transmission's archived bytes with its error log in place."""
    from edigate.x12.outline import outline

    t = store.transmission(transmission_id)
    data = archive.get(t.sha256)
    return build_view(t.file_name, outline(data, name=t.file_name), (mark_entry(e) for e in store.errors(t.id)))
