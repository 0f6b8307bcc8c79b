"""The control numbers of an interchange we wrote, read back from its bytes.

What we write is one fixed-width ISA, then plain segments: its separators are read from
that ISA and the segments split on its terminator, five times quicker than the envelope
reader for a 1,000-set 855. Anything else (an ISA not fixed-width, a control number that
is not letters and digits) goes through the envelope reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from edigate.x12.delimiters import fixed_isa_separators
from edigate.x12.envelope import EnvelopeReader, FunctionalGroup, Interchange, Transaction

__all__ = ["Controls", "read_controls"]


@dataclass(frozen=True, slots=True)
class Controls:
    isa13: str
    gs06: str
    """The first group's."""
    st02: tuple[str, ...]
    """Every set's, in order."""
    set_id: str
    """The first set's id; TA1 when the interchange holds no set."""


def read_controls(data: bytes) -> Controls:
    """ISA13, first GS06, every ST02 and the first set id of ``data``."""
    return _written(data) or _read(data)


def _written(data: bytes) -> Controls | None:
    separators = fixed_isa_separators(data)
    if separators is None:
        return None  # not a fixed-width ISA as we write it
    element, terminator = separators
    isa13 = gs06 = ""
    set_id = "TA1"
    st02: list[str] = []
    st, gs = b"ST" + element, b"GS" + element
    for raw in data.split(terminator):
        segment = raw.strip()
        if segment.startswith(st):
            fields = segment.split(element)
            if len(fields) < 3:
                return None
            if not st02:
                set_id = fields[1].decode("latin-1")
            st02.append(fields[2].decode("latin-1"))
        elif segment.startswith(gs) and not gs06:
            fields = segment.split(element)
            if len(fields) < 7:
                return None
            gs06 = fields[6].decode("latin-1")
        elif segment.startswith(b"ISA") and not isa13:
            fields = segment.split(element)
            if len(fields) < 17:
                return None
            isa13 = fields[13].decode("latin-1")
    found = Controls(isa13, gs06, tuple(st02), set_id)
    return found if all(v.isalnum() for v in (isa13, set_id, *st02)) and (gs06 == "" or gs06.isalnum()) else None


def _read(data: bytes) -> Controls:
    isa13 = gs06 = ""
    set_id = "TA1"
    st02: list[str] = []
    for event in EnvelopeReader(data):
        if isinstance(event, Transaction):
            if not st02:
                set_id = event.set_id
            st02.append(event.control_number)
        elif isinstance(event, FunctionalGroup) and not gs06:
            gs06 = event.header.control_number
        elif isinstance(event, Interchange) and not isa13:
            isa13 = event.header.control_number
    return Controls(isa13, gs06, tuple(st02), set_id)
