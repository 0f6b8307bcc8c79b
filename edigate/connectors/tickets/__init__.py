"""Ticket systems: Jira Cloud, ServiceNow, Zendesk, Freshdesk and Salesforce Service Cloud,
each over the HTTP channel's client (`edigate.transport.http_channel.HttpClient`: auth,
timeouts, retries honouring 429 and ``Retry-After``).

`connector` builds the one for a configured `TicketSystem`; each implements
`TicketConnector` (find, open, comment, close, state). What opens and closes tickets, and
remembers which ticket is whose, is the gateway's (`edigate.gateway.tickets`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edigate.config.tickets import TicketSystem
from edigate.connectors.tickets.base import LogLine, Placement, RemoteState, Ticket, TicketConnector, key_tag
from edigate.connectors.tickets.freshdesk import FreshdeskConnector
from edigate.connectors.tickets.jira import JiraConnector
from edigate.connectors.tickets.salesforce import SalesforceConnector
from edigate.connectors.tickets.servicenow import ServiceNowConnector
from edigate.connectors.tickets.zendesk import ZendeskConnector
from edigate.transport.http_channel import HttpClient

__all__ = ["CONNECTORS", "LogLine", "Placement", "RemoteState", "Ticket", "TicketConnector", "connector", "key_tag"]

CONNECTORS: dict[str, Callable[[TicketSystem, HttpClient], TicketConnector]] = {
    "jira": JiraConnector, "servicenow": ServiceNowConnector, "zendesk": ZendeskConnector,
    "freshdesk": FreshdeskConnector, "salesforce": SalesforceConnector,
}
"""The connector of each ``kind``."""


def connector(system: TicketSystem, **client: Any) -> TicketConnector:
    """The connector for ``system``; ``client`` goes to `HttpClient` (a test's ``sleep``)."""
    return CONNECTORS[system.kind](system, HttpClient.for_target(system, **client))
