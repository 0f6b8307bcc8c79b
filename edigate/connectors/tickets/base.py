"""What every ticket connector takes and gives: a `Ticket` (title, summary, error log,
commands), the `Placement` routing chose, the `RemoteState` read back, and the
`TicketConnector` contract (open, comment, close, state, close the client).

A ticket is identified on our side by its event ``key`` (``tx_failed:tx17``); each
connector stores that key in the system (a label, tag, correlation or external id field),
so an open whose answer was lost is found again rather than opened twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal, Protocol

from edigate.errors import DataError
from edigate.transport.http_channel import HttpAnswer, HttpClient

__all__ = ["LogLine", "Placement", "Priority", "RemoteState", "Ticket", "TicketConnector", "field", "key_tag", "send_json"]

Priority = Literal["highest", "high", "medium", "low", "lowest"]


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of the error log a ticket carries (DESIGN.md, "Error log entries")."""

    code: str
    message: str
    segment: str | None = None
    element: str | None = None
    value: str | None = None
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a ticket goes in one system: project (or queue, group), assignee, priority."""

    project: str | None = None
    assignee: str | None = None
    priority: Priority = "medium"


@dataclass(frozen=True, slots=True)
class Ticket:
    """One exception as a ticket: ``key`` is ours and stable (a recurrence has the same)."""

    key: str
    title: str
    summary: str
    errors: tuple[LogLine, ...] = ()
    commands: tuple[str, ...] = ()
    partner: str | None = None
    placement: Placement = Placement()


@dataclass(frozen=True, slots=True)
class RemoteState:
    """A ticket as the system has it now: its status name, and whether that is closed."""

    status: str
    closed: bool


class TicketConnector(Protocol):
    """One ticket system. Every method raises `edigate.transport.http_channel.HttpError`
    (a `TransportError`) when the system cannot be reached or refuses."""

    def find(self, key: str) -> str | None:
        """The id of the ticket already opened for ``key``, if any."""

    def open(self, ticket: Ticket) -> str:
        """Open the ticket; its id in the system."""

    def comment(self, ticket_id: str, text: str) -> None: ...

    def close(self, ticket_id: str, note: str) -> None:
        """Resolve the ticket with ``note``."""

    def state(self, ticket_id: str) -> RemoteState: ...

    def shutdown(self) -> None: ...


def key_tag(key: str) -> str:
    """A label or tag naming ``key`` in systems that allow only simple words."""
    return "edigate-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def field(answer: HttpAnswer, *path: str | int) -> object:
    """The value at ``path`` in the answer's JSON; `DataError` when the answer has none
    there (a system answering 2xx without what its reference promises)."""
    value: object = answer.json()
    for step in path:
        try:
            value = value[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError) as exc:
            raise DataError(f"ticket system answered {answer.status} without {'.'.join(map(str, path))}",
                            code="tickets.answer") from exc
    return value


def send_json(client: HttpClient, method: str, path: str, payload: object | None = None, *,
              repeatable: bool = False) -> HttpAnswer:
    """One JSON request (``Accept: application/json``) through the HTTP channel's client."""
    body = b"" if payload is None else json.dumps(payload).encode()
    return client.request(method, path, body=body, content_type="application/json" if body else None,
                          headers={"Accept": "application/json"}, repeatable=repeatable)
