"""Zendesk Support, Tickets API: create (``POST /api/v2/tickets.json``, our key in
``external_id``), comment and solve (``PUT /api/v2/tickets/{id}.json`` with a private
``comment``; ``status: solved``), read back and find by ``external_id``
(``GET /api/v2/tickets.json?external_id=``). API token auth: basic, the user
``email/token`` and the token as password."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from edigate.config.tickets import TicketSystem
from edigate.connectors.tickets.base import RemoteState, Ticket, field, send_json
from edigate.connectors.tickets.render import as_text
from edigate.transport.http_channel import HttpClient

__all__ = ["ZendeskConnector"]

_PRIORITY = {"highest": "urgent", "high": "high", "medium": "normal", "low": "low", "lowest": "low"}
_CLOSED = frozenset({"solved", "closed"})


class ZendeskConnector:
    def __init__(self, system: TicketSystem, client: HttpClient) -> None:
        self.system, self.client = system, client

    def find(self, key: str) -> str | None:
        found = field(send_json(self.client, "GET", f"/api/v2/tickets.json?external_id={quote(key)}"), "tickets")
        return str(found[0]["id"]) if isinstance(found, list) and found else None

    def open(self, ticket: Ticket) -> str:
        place = ticket.placement
        record: dict[str, Any] = {
            "subject": ticket.title, "comment": {"body": as_text(ticket), "public": False},
            "priority": _PRIORITY[place.priority], "external_id": ticket.key, "tags": ["edigate"]}
        group = place.project or self.system.project
        if group:
            record["group_id"] = int(group) if group.isdigit() else group
        if place.assignee:
            record["assignee_id"] = int(place.assignee) if place.assignee.isdigit() else place.assignee
        return str(field(send_json(self.client, "POST", "/api/v2/tickets.json", {"ticket": record}), "ticket", "id"))

    def comment(self, ticket_id: str, text: str) -> None:
        send_json(self.client, "PUT", f"/api/v2/tickets/{ticket_id}.json",
                  {"ticket": {"comment": {"body": text, "public": False}}})

    def close(self, ticket_id: str, note: str) -> None:
        send_json(self.client, "PUT", f"/api/v2/tickets/{ticket_id}.json",
                  {"ticket": {"status": "solved", "comment": {"body": note, "public": False}}})

    def state(self, ticket_id: str) -> RemoteState:
        status = str(field(send_json(self.client, "GET", f"/api/v2/tickets/{ticket_id}.json"), "ticket", "status"))
        return RemoteState(status, status in _CLOSED)

    def shutdown(self) -> None:
        self.client.close()
