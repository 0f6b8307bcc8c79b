"""Mapping findings: a value the map could not turn into a canonical field, located.

Not an exception: a missing required field, an unknown code or a value that is not a
number ends up in the transmission's error log, next to the map line that asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edigate.errors import Severity

__all__ = ["MapFinding", "Severity"]


@dataclass(frozen=True, slots=True)
class MapFinding:
    """One mapping problem. ``segment_position`` counts from ST as 1, as AK3 does."""

    code: str
    message: str
    field: str
    severity: Severity = Severity.ERROR
    segment_id: str | None = None
    segment_position: int | None = None
    element: int | None = None
    value: str | None = None
    hint: str = ""
    map_file: str | None = None
    map_line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self) -> str:
        if self.segment_id is None:
            return ""
        text = self.segment_id
        if self.element is not None:
            text += f"{self.element:02d}"
        if self.segment_position is not None:
            text += f" at segment {self.segment_position}"
        return text

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: " if where else ""
        text += f"{self.severity.value} {self.code}: {self.field}: {self.message}"
        if self.value is not None:
            text += f" (value {self.value!r})"
        if self.map_file:
            text += f" [{self.map_file}:{self.map_line}]" if self.map_line else f" [{self.map_file}]"
        if self.hint:
            text += f"; {self.hint}"
        return text

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity.value,
                               "field": self.field, "message": self.message}
        for name in ("segment_id", "segment_position", "element", "value", "hint",
                     "map_file", "map_line"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        return out
