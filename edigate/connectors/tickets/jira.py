"""Jira Cloud, REST API v3: "Create issue" (``POST /rest/api/3/issue``, the description in
the Atlassian Document Format), "Add comment" (``POST /rest/api/3/issue/{id}/comment``),
"Get transitions" and "Transition issue" (``/rest/api/3/issue/{id}/transitions``), "Get
issue" for its status, and the JQL search (``GET /rest/api/3/search/jql``) that finds the
issue labelled with a key. Basic auth: e-mail and API token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from edigate.config.tickets import TicketSystem
from edigate.connectors.tickets.base import RemoteState, Ticket, field, key_tag, send_json
from edigate.connectors.tickets.render import adf, adf_text
from edigate.errors import DataError
from edigate.transport.http_channel import HttpClient

__all__ = ["JiraConnector"]

_API = "/rest/api/3"
_PRIORITY = {"highest": "Highest", "high": "High", "medium": "Medium", "low": "Low", "lowest": "Lowest"}


class JiraConnector:
    def __init__(self, system: TicketSystem, client: HttpClient) -> None:
        self.system, self.client = system, client

    def find(self, key: str) -> str | None:
        jql = quote(f'labels = "{key_tag(key)}" ORDER BY created ASC')
        issues = field(send_json(self.client, "GET", f"{_API}/search/jql?jql={jql}&fields=status&maxResults=1"),
                       "issues")
        return str(issues[0]["id"]) if isinstance(issues, list) and issues else None

    def open(self, ticket: Ticket) -> str:
        place = ticket.placement
        project = place.project or self.system.project
        if not project:
            raise DataError("jira: no project for the ticket (set project on the system or a route)",
                            code="tickets.config")
        fields: dict[str, Any] = {
            "project": {"key": project}, "summary": ticket.title[:255], "issuetype": {"name": self.system.issue_type},
            "description": adf(ticket), "labels": ["edigate", key_tag(ticket.key)],
            "priority": {"name": _PRIORITY[place.priority]}}
        if place.assignee:
            fields["assignee"] = {"accountId": place.assignee}
        return str(field(send_json(self.client, "POST", f"{_API}/issue", {"fields": fields}), "id"))

    def comment(self, ticket_id: str, text: str) -> None:
        send_json(self.client, "POST", f"{_API}/issue/{ticket_id}/comment", {"body": adf_text(text)})

    def close(self, ticket_id: str, note: str) -> None:
        if self.state(ticket_id).closed:
            return
        transitions = field(send_json(self.client, "GET", f"{_API}/issue/{ticket_id}/transitions"), "transitions")
        chosen = _resolving(transitions if isinstance(transitions, list) else [], self.system.resolve_transition)
        if chosen is None:
            raise DataError(f"jira: issue {ticket_id} has no transition {self.system.resolve_transition!r}",
                            code="tickets.transition")
        send_json(self.client, "POST", f"{_API}/issue/{ticket_id}/transitions",
                  {"transition": {"id": chosen}, "update": {"comment": [{"add": {"body": adf_text(note)}}]}})

    def state(self, ticket_id: str) -> RemoteState:
        status = field(send_json(self.client, "GET", f"{_API}/issue/{ticket_id}?fields=status"), "fields", "status")
        assert isinstance(status, dict)
        category = status.get("statusCategory") or {}
        return RemoteState(str(status.get("name", "")), category.get("key") == "done")

    def shutdown(self) -> None:
        self.client.close()


def _resolving(transitions: list[Any], wanted: str) -> str | None:
    """The transition named ``wanted`` (or leading to a status so named), else the first
    that leads to a status of the ``done`` category."""
    wanted = wanted.casefold()
    for t in transitions:
        if wanted in (str(t.get("name", "")).casefold(), str((t.get("to") or {}).get("name", "")).casefold()):
            return str(t["id"])
    for t in transitions:
        if ((t.get("to") or {}).get("statusCategory") or {}).get("key") == "done":
            return str(t["id"])
    return None
