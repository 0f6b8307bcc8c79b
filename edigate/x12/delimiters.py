"""Delimiters of one interchange, as its ISA header declares them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Delimiters", "ISA_LENGTH", "SUFFIXES"]

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
