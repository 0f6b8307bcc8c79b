"""The control numbers of an interchange we wrote, read back from its bytes."""

from __future__ import annotations

from dataclasses import dataclass

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
