"""What the order desk sends: outbound maps, routed payloads delivered, and recorded
outputs sent through the send stage (`edigate.stages.send`) with its failures reported
the desk's way: one line each, and a warning in each transmission's error log."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import ExitStack

import datetime as dt

from edigate.config.context import Context
from edigate.config.partner_setup import PartnerSetup
from edigate.config.partners import Partner
from edigate.mapping.outbound import OutboundMap
from edigate.orders.inventory import Inventory
from edigate.orders.routing import Delivery
from edigate.stages import send as send_stage
from edigate.stages.delivery import Deliveries
from edigate.stages.fulfillment import outbound_map
from edigate.stages.send import ALL_CHANNELS
from edigate.store import Document, ErrorEntry, Outbound, Severity
from edigate.transport import ChannelOptions

__all__ = ["ALL_CHANNELS", "deliver", "load_map", "partner_setup", "send"]


def partner_setup(ctx: Context, partner: Partner, *, today: dt.date | None = None,
                  stock: Inventory | None = None) -> PartnerSetup:
    """The partner's maps, rules and envelope, with its control numbers in the store."""
    return PartnerSetup(ctx.workspace, partner, ctx.store.control_numbers(partner.id), today=today, stock=stock,
                validator=ctx.validator, maps=ctx.maps)


def load_map(ctx: Context, partner: Partner, set_id: str) -> OutboundMap:
    """The partner's outbound map for ``set_id`` (``documents.outbound``), compiled once."""
    return outbound_map(ctx.maps, partner, set_id)


def deliver(ctx: Context, partner: Partner, doc: Document, deliveries: Sequence[Delivery]) -> tuple[str, ...]:
    """Each routed payload not delivered before to its destination, through the route
    stage's one delivery (`edigate.stages.delivery`); what failed goes to the transmission's
    log and comes back as one line each."""
    with ExitStack() as opened:
        entries = Deliveries(ctx.store, partner.id, _options(ctx), opened, doc.transmission_id).deliver(
            [(doc, d) for d in deliveries])
    if entries and doc.transmission_id is not None:
        ctx.store.add_errors(doc.transmission_id, entries)
    return tuple(e.message for e in entries)


def send(ctx: Context, partner: Partner, outs: Sequence[Outbound], channel_types: Collection[str]) -> tuple[str, ...]:
    """Send each file once on the partner's outbound channel; a failure leaves them queued,
    and is returned as one line (and logged against each transmission they answer)."""
    got = send_stage.send(ctx.store, ctx.archive, partner, outs, channel_types=channel_types, options=_options(ctx))
    if got.failure is None:
        return ()
    problem = f"{partner.id}:out: {got.failure.message} (the output stays queued)"
    for t in sorted({o.transmission_id for o in outs if o.transmission_id is not None}):
        ctx.store.add_errors(t, [ErrorEntry(send_stage.NAME, got.failure.code, problem, Severity.WARNING)])
    return (problem,)


def _options(ctx: Context) -> ChannelOptions:
    """One look at each folder, our AS2 keys for AS2 sends."""
    return ChannelOptions(root=ctx.workspace.root, settle_seconds=0, as2=ctx.as2)
