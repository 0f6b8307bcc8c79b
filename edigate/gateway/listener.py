"""The AS2 listener of ``edigate run``: each message a partner posts becomes a transmission.

The WSGI app (`edigate.transport.as2.make_app`) answers with the MDN only after `on_message` has
archived and recorded the payload, so a positive MDN never confirms what was not stored.
A Message-ID seen before from the same partner is a duplicate (answered with a
``duplicate-document`` MDN); rejected messages (bad signature, over a limit) leave a
channel event. It also takes the async MDNs partners post for messages we sent: each is
matched by its original Message-ID (and MIC) to the record `edigate.stages.send` made before
sending, and kept by `edigate.stages.receipts`. Async MDNs we owe wait in the store's outbox until
`deliver_mdns` (a scheduler job) posts them, with a bounded number of attempts.
Host, port and limits come from ``edigate.yaml``'s ``as2`` block; our key and every
partner certificate are loaded here, so a bad one stops the gateway at start.
"""

from __future__ import annotations

import datetime as dt
import urllib.error
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from edigate.connectors.shopify import MAX_BODY
from edigate.gateway.webhooks import MAX_IDOC, routed, sap_apps, shopify_apps
from edigate.stages import receipts
from edigate.transport.as2 import As2Inbound, As2Partner, As2Sent, MdnReply, OurKeys, make_app
from edigate.transport.as2.keys import check_keys
from edigate.stages.pipeline import Pipeline
from edigate.store import As2MdnOut, EventKind, Severity, Store, Transmission
from edigate.transport.as2.channel import receipt_of
from edigate.transport.http import Poster, urllib_post
from edigate.transport.listener import HttpListener, Limits
from edigate.config.workspace import As2Listener

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["MDN_ATTEMPTS", "as2_listener", "as2_partners", "deliver_mdns", "shared_as2_ids"]

MDN_ATTEMPTS = 6
"""Tries to deliver an async MDN we owe: after 1, 2, 4, 8 and 16 minutes, then given up."""
_BODY_SLACK = 64 * 1024
"""Room above the largest partner body cap, so each partner's own cap answers first."""


def as2_partners(pipeline: Pipeline, our_id: str) -> dict[str, tuple[str, As2Partner]]:
    """AS2 id -> (partner id, its AS2 settings), for every partner with an AS2 channel."""
    found = {}
    for pid, partner in sorted(pipeline.partners.items()):
        for config in (partner.channels.inbound, partner.channels.outbound):
            if config is not None and config.type == "as2":
                found[config.partner_as2_id] = (pid, As2Partner.from_channel(
                    config, root=pipeline.workspace.root, default_our_id=our_id))
                break
    return found


def shared_as2_ids(pipeline: Pipeline) -> frozenset[str]:
    """AS2 ids that several partners' channels name (a hub posting for them all): a message
    from one goes to the partner its envelope names, not to the partner of the AS2 id."""
    counts = Counter(as2_id for partner in pipeline.partners.values() for as2_id in {
        c.partner_as2_id for c in (partner.channels.inbound, partner.channels.outbound)
        if c is not None and c.type == "as2"})
    return frozenset(as2_id for as2_id, n in counts.items() if n > 1)


def as2_listener(pipeline: Pipeline, *, on_received: Callable[[Transmission], None] = lambda _tx: None,
                 on_mdn_queued: Callable[[], None] = lambda: None,
                 port: int | None = None) -> HttpListener | None:
    """The listener for the workspace's ``as2`` block, or None when no partner uses AS2 and
    none takes Shopify webhooks or SAP's IDocs over HTTP (`edigate.gateway.webhooks`, mounted
    on the same listener)."""
    settings = pipeline.workspace.as2
    if settings is None:
        return None
    webhooks = {**shopify_apps(pipeline, on_received), **sap_apps(pipeline, on_received)}
    partners = as2_partners(pipeline, settings.as2_id or "")
    if not partners and not webhooks:
        return None
    app = _as2_app(pipeline, settings, on_received, on_mdn_queued) if partners else None
    biggest = max([p.channel.max_body_bytes for _, p in partners.values()] + ([MAX_BODY, MAX_IDOC] if webhooks else []))
    return HttpListener(routed(app, webhooks), settings.host, settings.port if port is None else port,
                        limits=_limits(settings, biggest + _BODY_SLACK))


def _as2_app(pipeline: Pipeline, settings: As2Listener, on_received: Callable[[Transmission], None],
             on_mdn_queued: Callable[[], None]) -> WSGIApplication:
    keys = OurKeys.from_listener(settings, root=pipeline.workspace.root)
    partners = as2_partners(pipeline, keys.as2_id)
    check_keys(keys, [p for _, p in partners.values()])
    inbox = _Inbox(pipeline, {as2_id: pid for as2_id, (pid, _) in partners.items()}, on_received,
                   on_mdn_queued, shared_as2_ids(pipeline))
    return make_app(partners={as2_id: p for as2_id, (_, p) in partners.items()}, our_keys=keys,
                    on_message=inbox.on_message, is_duplicate=inbox.is_duplicate,
                    queue_mdn=inbox.queue_mdn, find_sent=inbox.find_sent, on_mdn=inbox.on_mdn)


def _limits(settings: As2Listener, max_body: int) -> Limits:
    return Limits(max_body_bytes=max_body, max_header_bytes=settings.max_header_bytes,
                  max_headers=settings.max_headers, header_timeout=settings.header_timeout,
                  request_timeout=settings.request_timeout,
                  max_connections=settings.max_connections,
                  connections_per_peer=settings.connections_per_peer)


def deliver_mdns(store: Store, *, post: Poster = urllib_post, timeout: float = 30.0,
                 now: dt.datetime | None = None) -> int:
    """POST the async MDNs that are due, once each; return how many were delivered."""
    delivered = 0
    for mdn in store.due_mdns(now=now):
        error = _post_mdn(mdn, post, timeout)
        when = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=2 ** mdn.attempts)
        done = store.mdn_attempted(mdn.id, error=error,
                                   next_at=when if mdn.attempts + 1 < MDN_ATTEMPTS else None)
        delivered += error is None
        _note_delivery(store, done)
    return delivered


def _post_mdn(mdn: As2MdnOut, post: Poster, timeout: float) -> str | None:
    try:
        response = post(mdn.url, mdn.headers, mdn.body, timeout)
    except (urllib.error.URLError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    return None if response.status // 100 == 2 else f"HTTP {response.status}"


def _note_delivery(store: Store, mdn: As2MdnOut) -> None:
    what = f"MDN for {mdn.original_message_id} to {mdn.url}"
    if mdn.delivered_at is not None:
        store.record_event(kind=EventKind.CHANNEL, code="as2.mdn_sent", partner=mdn.partner,
                           channel="in", message=f"{what}: delivered")
    elif mdn.next_at is None:
        store.record_event(kind=EventKind.CHANNEL, code="as2.mdn_undelivered", partner=mdn.partner,
                           channel="in", severity=Severity.ERROR,
                           message=f"{what}: given up after {mdn.attempts} attempts ({mdn.last_error})")


class _Inbox:
    def __init__(self, pipeline: Pipeline, partner_ids: Mapping[str, str],
                 on_received: Callable[[Transmission], None],
                 on_mdn_queued: Callable[[], None], shared: frozenset[str] = frozenset()) -> None:
        self.pipeline, self.store, self.partner_ids = pipeline, pipeline.store, partner_ids
        self.on_received, self.on_mdn_queued = on_received, on_mdn_queued
        self.shared = shared
        """AS2 ids several partners post from (`shared_as2_ids`)."""

    def is_duplicate(self, message_id: str, as2_id: str) -> bool:
        partner = self.partner_ids.get(as2_id)
        return partner is not None and self.store.has_event(
            kind=EventKind.CHANNEL, code="as2.received", subject=message_id, partner=partner)

    def on_message(self, inbound: As2Inbound) -> None:
        partner = self.partner_ids.get(inbound.partner_as2_id)
        if not inbound.ok or inbound.payload is None or partner is None:
            code = "as2.duplicate" if inbound.duplicate else "as2.rejected"
            self.store.record_event(kind=EventKind.CHANNEL, code=code, severity=Severity.WARNING,
                                    partner=partner, channel="in",
                                    message=f"{inbound.message_id[:255]}: from {inbound.partner_as2_id!r}: "
                                            f"{inbound.disposition} {(inbound.error or '')[:300]}".strip())
            return
        name = inbound.filename or f"{inbound.message_id.strip('<>')}.x12"
        tx = self.pipeline.receive(None if inbound.partner_as2_id in self.shared else partner, "as2", name,
                                   inbound.payload)
        self.store.record_event(kind=EventKind.CHANNEL, code="as2.received", partner=partner, channel="in",
                                transmission_id=tx.id,
                                message=f"{inbound.message_id}: {name}, {len(inbound.payload)} bytes, "
                                        f"transmission {tx.id}")
        self.on_received(tx)

    def queue_mdn(self, inbound: As2Inbound, mdn: MdnReply) -> None:
        partner = self.partner_ids.get(inbound.partner_as2_id)
        if partner is None or mdn.url is None:
            return
        self.store.queue_mdn(partner=partner, original_message_id=inbound.message_id, url=mdn.url,
                             headers=mdn.headers, body=mdn.body)
        self.on_mdn_queued()

    def find_sent(self, message_id: str) -> As2Sent | None:
        sent = self.store.as2_message(message_id)
        if sent is None:
            return None
        return As2Sent(message_id=sent.message_id, partner_as2_id=sent.as2_id, mic=sent.mic, awaiting_mdn=True)

    def on_mdn(self, sent: As2Sent) -> None:
        """Keep the MDN and its verdict; a failure goes to the event log and the output's
        transmission."""
        receipts.record(self.store, self.pipeline.archive, receipt_of(sent, "async"))
