"""Findings: problems in an interchange, as values that go into error logs and acks.

A finding is not an exception. It names the code list and code an acknowledgment uses
(``TA1`` note codes, ``AK9``, ``AK5``, ``AK3``, ``AK4``), where the problem stood (control
numbers, segment position, element position), the offending value, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from collections.abc import Iterable, Sequence
from typing import Any

from edigate.errors import Severity
from edigate.x12.codes import describe

__all__ = ["FileFindings", "Finding", "FindingLimits", "Level", "Severity", "no_errors", "unlisted"]


class Level(StrEnum):
    """The acknowledgment segment whose code list a finding uses."""

    INTERCHANGE = "TA1"
    GROUP = "AK9"
    TRANSACTION = "AK5"
    SEGMENT = "AK3"
    ELEMENT = "AK4"


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


@dataclass(frozen=True, slots=True)
class FindingLimits:
    """How many findings are listed per transaction set and per file; past either, one
    finding says how many more there were (so an ack and an error log stay small whatever
    a file holds)."""

    per_set: int = 100
    per_file: int = 1_000


def unlisted(count: int, errors: bool, limit: int, scope: str, level: Level = Level.TRANSACTION,
             code: str = "5", **where: Any) -> Finding:
    """The one finding standing for ``count`` findings not listed. Pass ``errors`` when an
    error is among them and none of those listed is one: the finding is then an error, so
    the set (AK5/IK5 5: one or more segments in error) or the interchange is still rejected;
    otherwise a warning, which leaves an ack as it would be without the cap."""
    return Finding(level, code, f"{count} more finding(s) in this {scope} are not listed "
                   f"(at most {limit} per {scope})", Severity.ERROR if errors else Severity.WARNING,
                   "fix the findings listed and validate again to see the rest", **where)


_LOCATED = (Level.SEGMENT, Level.ELEMENT)


class FileFindings:
    """What one file (or interchange) may still list: findings are kept up to ``limit``,
    the rest counted."""

    def __init__(self, limit: int, scope: str = "file") -> None:
        self.limit = limit
        self.scope = scope
        self.kept = 0
        self.dropped = 0
        self.dropped_errors = False

    def take(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings the file still has room for."""
        kept = []
        for f in findings:
            if self.kept < self.limit:
                self.kept += 1
                kept.append(f)
            else:
                self.dropped += 1
                self.dropped_errors = self.dropped_errors or f.is_error
        return kept

    def take_set(self, findings: Sequence[Finding], **where: Any) -> list[Finding]:
        """`take` for one set's segment and element findings, plus one `unlisted` finding
        when some are left out, so an ack still rejects a set whose errors did not fit. The
        set's own findings (AK5/IK5 codes, a few at most) are always kept."""
        before, errors_before = self.dropped, self.dropped_errors
        self.dropped_errors = False
        kept = [f for f in findings if f.level not in _LOCATED]
        kept += self.take(f for f in findings if f.level in _LOCATED)
        left_out, errors = self.dropped - before, self.dropped_errors
        self.dropped_errors = errors_before or errors
        if left_out:
            kept.append(unlisted(left_out, errors and no_errors(kept), self.limit, self.scope, **where))
        return kept

    def rest(self, **where: Any) -> Finding | None:
        """One finding for everything not listed, or None when all were."""
        if not self.dropped:
            return None
        return unlisted(self.dropped, self.dropped_errors, self.limit, self.scope, **where)
