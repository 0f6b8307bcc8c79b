"""Findings: problems in an interchange, as values that go into error logs and acks.

A finding is not an exception. It names the code list and code an acknowledgment uses
(``TA1`` note codes, ``AK9``, ``AK5``, ``AK3``, ``AK4``), where the problem stood (control
numbers, segment position, element position), the offending value, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from collections.abc import Iterable
from typing import Any

from edigate.x12.codes import describe

__all__ = ["Finding", "Level", "Severity", "no_errors"]


class Level(StrEnum):
    """The acknowledgment segment whose code list a finding uses."""

    INTERCHANGE = "TA1"
    GROUP = "AK9"
    TRANSACTION = "AK5"
    SEGMENT = "AK3"
    ELEMENT = "AK4"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, located as precisely as the layer that found it could."""

    level: Level
    code: str
    message: str = ""
    severity: Severity = Severity.ERROR
    hint: str = ""
    file: str | None = None
    interchange: str | None = None
    group: str | None = None
    transaction: str | None = None
    set_id: str | None = None
    segment_index: int | None = None
    segment_position: int | None = None
    segment_id: str | None = None
    element: int | None = None
    component: int | None = None
    repetition: int | None = None
    element_ref: str | None = None
    loop_id: str | None = None
    value: str | None = None
    offset: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def text(self) -> str:
        """The message, or the code list's words when no message was given."""
        return self.message or describe(self.level.value, self.code)

    def located(self, **where: Any) -> Finding:
        """A copy with location fields filled in (only those still empty)."""
        missing = {k: v for k, v in where.items() if getattr(self, k) is None and v is not None}
        return replace(self, **missing) if missing else self

    def where(self) -> str:
        """Control numbers and position, as a specialist reads them."""
        parts = []
        if self.interchange is not None:
            parts.append(f"ISA13 {self.interchange}")
        if self.group is not None:
            parts.append(f"GS06 {self.group}")
        if self.transaction is not None:
            parts.append(f"ST02 {self.transaction}")
        if self.segment_id is not None:
            seg = self.segment_id
            if self.element is not None:
                seg += f"{self.element:02d}"
                if self.component is not None:
                    seg += f"-{self.component}"
            if self.segment_index is not None:
                seg += f" at segment {self.segment_index + 1}"
            parts.append(seg)
        return ", ".join(parts)

    def __str__(self) -> str:
        head = f"{self.file}: " if self.file else ""
        where = self.where()
        line = f"{head}{where + ': ' if where else ''}{self.severity.value} {self.level.value} {self.code}: {self.text}"
        if self.value is not None:
            line += f" (value {self.value!r})"
        if self.hint:
            line += f"; {self.hint}"
        return line

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level.value, "code": self.code, "severity": self.severity.value,
                               "message": self.text}
        for name in ("hint", "file", "interchange", "group", "transaction", "set_id", "segment_index",
                     "segment_position", "segment_id", "element", "component", "repetition",
                     "element_ref", "loop_id", "value", "offset"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        return out


def no_errors(findings: Iterable[Finding]) -> bool:
    """True when none of ``findings`` is an error (warnings do not reject)."""
    return not any(f.is_error for f in findings)
