"""The AS2 listener of ``edigate run``: each message a partner posts becomes a transmission.

The WSGI app (`edigate.as2.make_app`) answers with the MDN only after `on_message` has
archived and recorded the payload, so a positive MDN never confirms what was not stored.
A Message-ID seen before from the same partner is a duplicate (pyas2lib answers it with a
``duplicate-document`` MDN); rejected messages (bad signature, unknown partner) leave a
channel event. It also takes the async MDNs partners post for messages we sent: each is
matched by its original Message-ID (and MIC) to what `edigate.dispatch` remembered; one
saying anything but ``processed`` is logged against the transmission whose output it was.
Host and port come from ``edigate.yaml``'s ``as2`` block.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from edigate.as2 import As2Inbound, As2Partner, As2Sent, OurKeys, make_app
from edigate.pipeline import Pipeline
from edigate.store import ErrorEntry, EventKind, Severity, Transmission
from edigate.transport.listener import HttpListener

__all__ = ["as2_listener", "as2_partners", "shared_as2_ids"]


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
                 port: int | None = None) -> HttpListener | None:
    """The listener for the workspace's ``as2`` block, or None when no partner uses AS2."""
    settings = pipeline.workspace.as2
    if settings is None:
        return None
    keys = OurKeys.from_listener(settings, root=pipeline.workspace.root)
    partners = as2_partners(pipeline, keys.as2_id)
    if not partners:
        return None
    inbox = _Inbox(pipeline, {as2_id: pid for as2_id, (pid, _) in partners.items()}, on_received,
                   shared_as2_ids(pipeline))
    app = make_app(partners={as2_id: p for as2_id, (_, p) in partners.items()}, our_keys=keys,
                   on_message=inbox.on_message, is_duplicate=inbox.is_duplicate,
                   find_sent=inbox.find_sent, on_mdn=inbox.on_mdn)
    return HttpListener(app, settings.host, settings.port if port is None else port)


class _Inbox:
    def __init__(self, pipeline: Pipeline, partner_ids: Mapping[str, str],
                 on_received: Callable[[Transmission], None], shared: frozenset[str] = frozenset()) -> None:
        self.pipeline, self.store, self.partner_ids = pipeline, pipeline.store, partner_ids
        self.on_received = on_received
        self.shared = shared

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
                                    message=f"{inbound.message_id}: from {inbound.partner_as2_id!r}: "
                                            f"{inbound.disposition} {inbound.error or ''}".strip())
            return
        name = inbound.filename or f"{inbound.message_id.strip('<>')}.x12"
        tx = self.pipeline.receive(None if inbound.partner_as2_id in self.shared else partner, "as2", name,
                                   inbound.payload)
        self.store.record_event(kind=EventKind.CHANNEL, code="as2.received", partner=partner, channel="in",
                                transmission_id=tx.id,
                                message=f"{inbound.message_id}: {name}, {len(inbound.payload)} bytes, "
                                        f"transmission {tx.id}")
        self.on_received(tx)

    def find_sent(self, message_id: str) -> As2Sent | None:
        sent = self.store.as2_message(message_id)
        if sent is None:
            return None
        return As2Sent(message_id=sent.message_id, partner_as2_id=sent.as2_id, mic=sent.mic, awaiting_mdn=True)

    def on_mdn(self, sent: As2Sent) -> None:
        """Keep the MDN's verdict; a failure goes to the event log and the output's transmission."""
        got = self.store.record_mdn(sent.message_id, status=sent.mdn_status, disposition=sent.disposition,
                                    text=sent.mdn_text)
        out = self.store.outbound(got.outbound_id) if got.outbound_id is not None else None
        what = f"{sent.message_id}: {out.set_id} ISA13 {out.isa13}" if out else sent.message_id
        tx = out.transmission_id if out else None
        if got.ok:
            self.store.record_event(kind=EventKind.CHANNEL, code="as2.mdn", partner=got.partner, channel="out",
                                    transmission_id=tx, message=f"{what}: processed")
            return
        problem = f"{what}: the partner's MDN says {sent.disposition or 'nothing'}"
        self.store.record_event(kind=EventKind.CHANNEL, code="as2.mdn_failed", severity=Severity.ERROR,
                                partner=got.partner, channel="out", transmission_id=tx, message=problem)
        if tx is not None:
            self.store.add_errors(tx, [ErrorEntry("send", "as2.mdn_failed", problem,
                                                  hint="the partner did not process the file; see its MDN "
                                                       "text, fix the cause and `edigate tx resend`")])
