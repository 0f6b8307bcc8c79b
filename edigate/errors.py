"""The one exception tree of edigate.

An exception means work cannot go on (unreadable input, broken configuration, a transport
that is down). Problems that belong in an error log or an acknowledgment are *findings*
(`edigate.x12.findings.Finding`), values rather than exceptions.

The tree is grouped by what the caller should do::

    EdigateError                 code, exit_code
    ├── UsageError               wrong arguments or an id that does not exist      (exit 2)
    ├── ConfigError              a partner, map or workspace file is wrong         (exit 2)
    ├── InputError               input that cannot be read at all                  (exit 2)
    │   └── NotX12Error          no usable ISA header: not an X12 interchange
    ├── DataError                input that was read but failed validation         (exit 1)
    │   └── X12WriteError        a value cannot be written with these delimiters
    ├── TransportError           a channel failed; the operation may be retried    (exit 2)
    └── StoreError               the database is down or refused a write           (exit 2)

Each class carries a stable ``code`` (dotted, lower case) that scripts may match on, and
the CLI's exit code for it. `Severity` grades the other kind of failure, a finding, and
the error log and event log entries made of findings: one scale for every layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "DataError",
    "EdigateError",
    "InputError",
    "NotX12Error",
    "Severity",
    "StoreError",
    "TransportError",
    "UsageError",
    "X12WriteError",
]


class Severity(StrEnum):
    """How serious a finding, an error log entry or an event is.

    An ERROR keeps a set from being accepted or a document from being made; a WARNING does
    not; a NOTE lists something unread (a segment the map does not use) so nothing is
    dropped unseen; INFO records what went well (a poll, a send) in the event log."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    INFO = "info"


class EdigateError(Exception):
    """Base of every error edigate raises on purpose."""

    code: str = "edigate.error"
    exit_code: int = 2

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class UsageError(EdigateError):
    """The command was called wrongly, or named something that does not exist."""

    code = "usage"


class ConfigProblem:
    """One mistake in a configuration file, located by file and line."""

    __slots__ = ("file", "line", "message", "path")

    def __init__(self, file: str, line: int | None, path: str, message: str) -> None:
        self.file = file
        self.line = line
        self.path = path
        self.message = message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"ConfigProblem({str(self)!r})"


class ConfigError(EdigateError):
    """A configuration file is wrong; ``problems`` lists every mistake found at load."""

    code = "config"

    def __init__(self, problems: Sequence[ConfigProblem] | str) -> None:
        if isinstance(problems, str):
            self.problems: tuple[ConfigProblem, ...] = ()
            super().__init__(problems)
        else:
            self.problems = tuple(problems)
            super().__init__("\n".join(str(p) for p in self.problems))


class InputError(EdigateError):
    """Input that cannot be read at all: a missing file, an unreadable stream."""

    code = "input"


class NotX12Error(InputError):
    """The bytes hold no usable ISA header, so no delimiters can be known."""

    code = "x12.not_x12"

    def __init__(self, message: str, *, file: str | None = None, offset: int | None = None) -> None:
        where = file or "<stream>"
        if offset is not None:
            where += f" at byte {offset}"
        super().__init__(f"{where}: {message}")
        self.file = file
        self.offset = offset


class DataError(EdigateError):
    """Input that was read but is not acceptable."""

    code = "data"
    exit_code = 1


class X12WriteError(DataError):
    """A value cannot be written: it holds a delimiter or does not fit its element."""

    code = "x12.write"

    def __init__(self, message: str, *, segment: str, element: int | None = None) -> None:
        where = f"{segment}{element:02d}" if element is not None else segment
        super().__init__(f"{where}: {message}")
        self.segment = segment
        self.element = element


class TransportError(EdigateError):
    """A channel could not list, fetch or send; retrying later may succeed."""

    code = "transport"


class StoreError(EdigateError):
    """The store could not be reached or refused an operation; nothing was half-written."""

    code = "store"
