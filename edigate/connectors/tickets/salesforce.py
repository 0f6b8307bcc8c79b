"""Salesforce Service Cloud, REST API sObjects: a Case upserted by our key in an external id
field ("sObject Rows by External ID": ``PATCH /services/data/vXX.X/sobjects/Case/{field}/{key}``,
201 created or 200 updated), so a create tried again never makes a second Case; comments
as ``CaseComment`` (``POST .../sobjects/CaseComment``); resolved by ``PATCH
.../sobjects/Case/{id}`` with ``Status: Closed``; read back with ``GET`` (``IsClosed``).
OAuth 2 client credentials."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from edigate.config.tickets import TicketSystem
from edigate.connectors.tickets.base import RemoteState, Ticket, field, send_json
from edigate.connectors.tickets.render import as_text
from edigate.transport.http_channel import HttpClient

__all__ = ["SalesforceConnector"]

_PRIORITY = {"highest": "High", "high": "High", "medium": "Medium", "low": "Low", "lowest": "Low"}


class SalesforceConnector:
    def __init__(self, system: TicketSystem, client: HttpClient) -> None:
        self.system, self.client = system, client
        self._objects = f"/services/data/{system.api_version}/sobjects"

    def find(self, key: str) -> str | None:
        return None  # the upsert in `open` is the lookup: the same key updates the same Case

    def open(self, ticket: Ticket) -> str:
        place = ticket.placement
        record: dict[str, Any] = {"Subject": ticket.title[:255], "Description": as_text(ticket)[:32000],
                                  "Priority": _PRIORITY[place.priority], "Origin": "edigate", "Status": "New"}
        owner = place.assignee or place.project or self.system.project
        if owner:
            record["OwnerId"] = owner
        where = f"{self._objects}/Case/{self.system.external_id_field}/{quote(ticket.key, safe='')}"
        return str(field(send_json(self.client, "PATCH", where, record, repeatable=True), "id"))

    def comment(self, ticket_id: str, text: str) -> None:
        send_json(self.client, "POST", f"{self._objects}/CaseComment",
                  {"ParentId": ticket_id, "CommentBody": text[:4000], "IsPublished": False})

    def close(self, ticket_id: str, note: str) -> None:
        self.comment(ticket_id, note)
        send_json(self.client, "PATCH", f"{self._objects}/Case/{ticket_id}", {"Status": "Closed"}, repeatable=True)

    def state(self, ticket_id: str) -> RemoteState:
        answer = send_json(self.client, "GET", f"{self._objects}/Case/{ticket_id}?fields=Status,IsClosed")
        return RemoteState(str(field(answer, "Status")), field(answer, "IsClosed") is True)

    def shutdown(self) -> None:
        self.client.close()
