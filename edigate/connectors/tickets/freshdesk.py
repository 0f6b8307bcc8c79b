"""Freshdesk, API v2: create (``POST /api/v2/tickets``, HTML description, a tag naming our
key), private notes (``POST /api/v2/tickets/{id}/notes``), resolve (``PUT
/api/v2/tickets/{id}`` with ``status`` 4), read back (``GET``: 4 Resolved and 5 Closed are
closed), find by tag (``GET /api/v2/search/tickets?query="tag:'...'"``). Freshdesk takes
the API key as a basic auth user with ``X`` as password; configured as ``auth: {type: bearer,
token: env:FRESHDESK_API_KEY}`` so the key stays a secret reference."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from edigate.config.channels import BearerAuth
from edigate.config.secrets import SecretRef
from edigate.config.tickets import TicketSystem
from edigate.connectors.tickets.base import RemoteState, Ticket, field, key_tag, send_json
from edigate.connectors.tickets.render import as_html
from edigate.errors import DataError
from edigate.transport.http_auth import OutgoingRequest
from edigate.transport.http_channel import HttpClient

__all__ = ["FreshdeskConnector"]

_PRIORITY = {"highest": 4, "high": 3, "medium": 2, "low": 1, "lowest": 1}
_STATUS = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}
RESOLVED = 4


class _ApiKey:
    """The API key as Freshdesk asks for it: basic auth, the key as user, ``X`` as password."""

    def __init__(self, key: SecretRef) -> None:
        self._key = key

    def headers(self, request: OutgoingRequest) -> Mapping[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{self._key.resolve()}:X".encode()).decode()}

    def forget(self) -> bool:
        return False


class FreshdeskConnector:
    def __init__(self, system: TicketSystem, client: HttpClient) -> None:
        self.system, self.client = system, client
        if isinstance(system.auth, BearerAuth):
            client.auth = _ApiKey(system.auth.token)

    def find(self, key: str) -> str | None:
        query = quote(f"\"tag:'{key_tag(key)}'\"")
        found = field(send_json(self.client, "GET", f"/api/v2/search/tickets?query={query}"), "results")
        return str(found[0]["id"]) if isinstance(found, list) and found else None

    def open(self, ticket: Ticket) -> str:
        if not self.system.requester:
            raise DataError("freshdesk: set requester (the e-mail new tickets are raised as)", code="tickets.config")
        place = ticket.placement
        record: dict[str, Any] = {
            "subject": ticket.title, "description": as_html(ticket), "email": self.system.requester,
            "status": 2, "priority": _PRIORITY[place.priority], "tags": ["edigate", key_tag(ticket.key)]}
        group = place.project or self.system.project
        if group and group.isdigit():
            record["group_id"] = int(group)
        if place.assignee and place.assignee.isdigit():
            record["responder_id"] = int(place.assignee)
        return str(field(send_json(self.client, "POST", "/api/v2/tickets", record), "id"))

    def comment(self, ticket_id: str, text: str) -> None:
        send_json(self.client, "POST", f"/api/v2/tickets/{ticket_id}/notes", {"body": _html(text), "private": True})

    def close(self, ticket_id: str, note: str) -> None:
        self.comment(ticket_id, note)
        send_json(self.client, "PUT", f"/api/v2/tickets/{ticket_id}", {"status": RESOLVED})

    def state(self, ticket_id: str) -> RemoteState:
        status = field(send_json(self.client, "GET", f"/api/v2/tickets/{ticket_id}"), "status")
        number = int(status) if isinstance(status, int) else 0
        return RemoteState(_STATUS.get(number, str(status)), number in (4, 5))

    def shutdown(self) -> None:
        self.client.close()


def _html(text: str) -> str:
    import html

    return "<br>".join(html.escape(line) for line in text.splitlines())
