"""Delimiters of one interchange, as its ISA header declares them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Delimiters", "ISA_LENGTH", "SUFFIXES", "fixed_isa_separators"]

ISA_LENGTH = 106
"""Bytes in a fixed-width ISA segment, its terminator included."""

SUFFIXES = ("", "\n", "\r\n", "\r")
"""Line breaks a sender may put after each segment terminator."""


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four X12 delimiters plus the optional line break after each terminator.

    ``repetition`` is ``None`` when ISA11 is the standards identifier ``U`` (before 00402,
    or a sender that never uses repetitions).
    """

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = None
    suffix: str = "\n"

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(problem)

    def problem(self) -> str | None:
        """Say what is wrong with this set, or ``None`` when it is usable."""
        named = {"element": self.element, "component": self.component, "segment": self.segment}
        if self.repetition is not None:
            named["repetition"] = self.repetition
        for name, char in named.items():
            if len(char) != 1:
                return f"{name} separator must be one character, got {char!r}"
            if char.isalnum() or char == " ":
                return f"{name} separator byte 0x{ord(char):02X} ({char!r}) is a letter, digit or space"
        chars = list(named.values())
        if len(set(chars)) != len(chars):
            return f"delimiters must differ, got {named}"
        if self.suffix not in SUFFIXES:
            return f"suffix must be one of {SUFFIXES!r}, got {self.suffix!r}"
        if self.segment in ("\r", "\n") and self.suffix:
            return "a line-break segment terminator cannot have a line-break suffix"
        return None

    @property
    def chars(self) -> frozenset[str]:
        """Every character that may not appear inside a data value."""
        found = {self.element, self.component, self.segment}
        if self.repetition:
            found.add(self.repetition)
        return frozenset(found)

    def to_json(self) -> dict[str, str | None]:
        return {
            "element": self.element,
            "component": self.component,
            "segment": self.segment,
            "repetition": self.repetition,
            "suffix": self.suffix,
        }


_ISA_SEPARATORS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
"""Where a fixed-width ISA has its element separators."""


def fixed_isa_separators(data: bytes) -> tuple[bytes, bytes] | None:
    """The element separator and segment terminator of ``data``'s first ISA, read from
    their fixed places; None unless it starts with an ISA of exactly that width (a quick
    look for what we wrote, or a guess; the tokenizer reads any other ISA)."""
    if len(data) < ISA_LENGTH or not data.startswith(b"ISA"):
        return None
    element, terminator = data[3:4], data[ISA_LENGTH - 1:ISA_LENGTH]
    head = data[:ISA_LENGTH - 1]
    if (element.isalnum() or terminator.isalnum() or terminator.isspace() and terminator not in b"\r\n"
            or element == terminator or head.count(element) != 16
            or any(head[i:i + 1] != element for i in _ISA_SEPARATORS)):
        return None
    return element, terminator
