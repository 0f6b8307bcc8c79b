"""The ``tickets:`` section of ``edigate.yaml``: the ticket systems exceptions open tickets in,
and which project, queue, assignee and priority each partner and code gets.

A failed transmission, a held order, an overdue 997/MDN and a silent partner each open one
ticket in every system (`edigate.gateway.tickets`); ``routes`` are tried in order and the
first whose ``partner``, ``code`` and ``systems`` match gives the ticket its place (a route may leave fields
unset: the system's own defaults fill them). Secrets are references (``env:``/``file:``)
in each system's ``auth``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from edigate.config.channels import HttpSettings
from edigate.config.schema import setting

__all__ = ["TICKET_KINDS", "TicketRoute", "TicketSettings", "TicketSystem"]

TICKET_KINDS = ("jira", "servicenow", "zendesk", "freshdesk", "salesforce")

TicketKind = Literal["jira", "servicenow", "zendesk", "freshdesk", "salesforce"]


@dataclass(frozen=True, kw_only=True)
class TicketSystem(HttpSettings):
    """One ticket system, reached over HTTP(S) with the HTTP channel's auth, timeouts and
    retries: ``url`` is its base URL (``https://acme.atlassian.net``,
    ``https://acme.service-now.com``, ``https://acme.zendesk.com``, ``https://acme.freshdesk.com``,
    ``https://acme.my.salesforce.com``). Jira, Zendesk and Freshdesk take ``auth: {type: basic}``
    (Jira and Zendesk: e-mail and API token; Zendesk's user is ``you@acme.com/token``);
    Freshdesk ``auth: {type: bearer, token: env:FRESHDESK_API_KEY}`` (sent as Freshdesk asks:
    basic, the key and ``X``); ServiceNow basic or OAuth 2; Salesforce ``type: oauth2``
    (client credentials, ``token_url: https://acme.my.salesforce.com/services/oauth2/token``)."""

    kind: TicketKind
    """Which system: `jira`, `servicenow`, `zendesk`, `freshdesk` or `salesforce`."""
    project: str | None = None
    """Where tickets go unless a route says otherwise: the Jira project key, the ServiceNow
    assignment group, the Zendesk group id, the Freshdesk group id, the Salesforce queue
    (owner) id."""
    issue_type: str = "Task"
    """Jira: the issue type of new issues."""
    resolve_transition: str = "Done"
    """Jira: the name of the transition (or of the status it leads to) that resolves an issue."""
    close_code: str = "Solved (Permanently)"
    """ServiceNow: the ``close_code`` a resolved incident gets."""
    external_id_field: str = setting("Edigate_Key__c", pattern=r"[A-Za-z0-9_]+", hint="an API field name")
    """Salesforce: the Case's external id field (unique), so a retried create never duplicates."""
    requester: str | None = setting(None, pattern=r"[^@\s]+@[^@\s]+", hint="an e-mail address")
    """Freshdesk: the e-mail address new tickets are raised as (Freshdesk needs a requester)."""
    api_version: str = setting("v61.0", pattern=r"v[0-9]+\.[0-9]", hint="such as v61.0")
    """Salesforce: the REST API version."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketRoute:
    """Where the tickets of one partner, one code, or both go. ``code`` is an event
    (`tx_failed`, `order_held`, `ack_overdue`, `mdn_overdue`, `partner_silent`) or a
    finding code of the error log (`rule.price`); a trailing ``*`` matches a prefix."""

    partner: str | None = None
    """The partner this route is for; any when not set."""
    code: str | None = None
    """The event or finding code this route is for; any when not set."""
    systems: tuple[str, ...] = setting(factory=tuple, one_or_many=True)
    """The systems (names under `tickets.systems`) this route places tickets in; all when
    empty. Every system gets a ticket; one a route does not cover goes by the next route."""
    project: str | None = None
    """The project, queue or group (see `project` of a system)."""
    assignee: str | None = None
    """Who the ticket is assigned to: the system's user id (Jira account id, ServiceNow
    user sys_id, Zendesk or Freshdesk agent id, Salesforce user id)."""
    priority: Literal["highest", "high", "medium", "low", "lowest"] | None = None
    """The priority, translated to each system's scale; by severity when not set."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketSettings:
    """The ticket systems and the routes; nothing is opened while ``systems`` is empty."""

    systems: Mapping[str, TicketSystem] = setting(factory=lambda: MappingProxyType({}),
                                                  keys=r"[a-z0-9][a-z0-9_-]*")
    """The ticket systems, by name."""
    routes: tuple[TicketRoute, ...] = ()
    """Per-partner and per-code routing; the first match wins."""
    retry_minutes: int = setting(5, minimum=1)
    """How long a ticket system that failed is left before its pending work is tried again."""
    max_tries: int = setting(12, minimum=1)
    """Tries of one piece of ticket work (open, comment, close) before it is dropped, logged as
    `ticket.dropped` (a system that keeps refusing it, such as Zendesk for a closed ticket)."""
    poll_minutes: int = setting(15, minimum=1)
    """How often the scheduler delivers pending ticket work and reads back tickets closed on
    the other side."""

    def config_problems(self) -> Iterator[tuple[str, str]]:
        for i, route in enumerate(self.routes):
            for name in route.systems:
                if name not in self.systems:
                    yield f"routes[{i}].systems", f"no ticket system {name!r} under tickets.systems"
