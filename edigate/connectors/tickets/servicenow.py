"""ServiceNow, Table API on ``incident``: create (``POST /api/now/table/incident``, our key
in ``correlation_id``), work notes and resolve (``PATCH /api/now/table/incident/{sys_id}``
with ``work_notes``; ``state`` 6 with ``close_code`` and ``close_notes``), read back
(``GET``: ``state`` 6 Resolved, 7 Closed, 8 Canceled are closed). Basic auth or OAuth 2."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from edigate.config.tickets import TicketSystem
from edigate.connectors.tickets.base import RemoteState, Ticket, field, send_json
from edigate.connectors.tickets.render import as_text
from edigate.transport.http_channel import HttpClient

__all__ = ["ServiceNowConnector"]

_TABLE = "/api/now/table/incident"
_URGENCY = {"highest": "1", "high": "1", "medium": "2", "low": "3", "lowest": "3"}
_IMPACT = {"highest": "1", "high": "2", "medium": "2", "low": "3", "lowest": "3"}
_STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled"}
_CLOSED = frozenset({"6", "7", "8"})


class ServiceNowConnector:
    def __init__(self, system: TicketSystem, client: HttpClient) -> None:
        self.system, self.client = system, client

    def find(self, key: str) -> str | None:
        query = quote(f"correlation_id={key}")
        found = field(send_json(self.client, "GET", f"{_TABLE}?sysparm_query={query}&sysparm_fields=sys_id"
                                                     "&sysparm_limit=1"), "result")
        return str(found[0]["sys_id"]) if isinstance(found, list) and found else None

    def open(self, ticket: Ticket) -> str:
        place = ticket.placement
        record: dict[str, Any] = {
            "short_description": ticket.title[:160], "description": as_text(ticket),
            "correlation_id": ticket.key, "correlation_display": "edigate",
            "urgency": _URGENCY[place.priority], "impact": _IMPACT[place.priority]}
        if place.project or self.system.project:
            record["assignment_group"] = place.project or self.system.project
        if place.assignee:
            record["assigned_to"] = place.assignee
        return str(field(send_json(self.client, "POST", f"{_TABLE}?sysparm_fields=sys_id,number", record),
                         "result", "sys_id"))

    def comment(self, ticket_id: str, text: str) -> None:
        send_json(self.client, "PATCH", f"{_TABLE}/{ticket_id}?sysparm_fields=sys_id", {"work_notes": text},
                  repeatable=True)

    def close(self, ticket_id: str, note: str) -> None:
        send_json(self.client, "PATCH", f"{_TABLE}/{ticket_id}?sysparm_fields=sys_id,state",
                  {"state": "6", "close_code": self.system.close_code, "close_notes": note}, repeatable=True)

    def state(self, ticket_id: str) -> RemoteState:
        state = str(field(send_json(self.client, "GET", f"{_TABLE}/{ticket_id}?sysparm_fields=state"),
                          "result", "state"))
        return RemoteState(_STATES.get(state, state), state in _CLOSED)

    def shutdown(self) -> None:
        self.client.close()
