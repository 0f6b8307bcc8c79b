"""What the order desk sends: X12 files written, archived and recorded against their order,
routed payloads delivered, and files sent on the partner's outbound channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from edigate.config.context import Context
from edigate.config.partner_setup import PartnerSetup
from edigate.config.partners import Partner
from edigate.errors import ConfigError, DataError, EdigateError, TransportError
from edigate.mapping.outbound import OutboundMap
from edigate.model import PoAck
from edigate.orders.inventory import Inventory
from edigate.orders.routing import Delivery
from edigate.stages.dispatch import dispatch
from edigate.store import Document, ErrorEntry, Outbound, OutboundNumbers, Severity
from edigate.store.archive import Archive
from edigate.transport import ChannelOptions, open_channel
from edigate.x12.controls import read_controls
from edigate.x12.writer import GroupContent, TransactionContent, write_interchange

__all__ = [
    "ALL_CHANNELS", "Written", "archived", "deliver", "load_map", "partner_setup", "send", "send_855", "write_recorded",
]

ALL_CHANNELS = ("folder", "sftp", "as2")


@dataclass(frozen=True, slots=True)
class Written:
    """An interchange we wrote and archived, with its control numbers."""

    sha256: str
    relative: str
    isa13: str
    gs06: str
    st02: tuple[str, ...]
    set_id: str = "TA1"
    """The first set's id; TA1 when the interchange holds no set."""


def partner_setup(ctx: Context, partner: Partner, *, today: dt.date | None = None,
                  stock: Inventory | None = None) -> PartnerSetup:
    """The partner's maps, rules and envelope, with its control numbers in the store."""
    return PartnerSetup(ctx.workspace, partner, ctx.store.control_numbers(partner.id), today=today, stock=stock,
                validator=ctx.validator, maps=ctx.maps)


def load_map(ctx: Context, partner: Partner, set_id: str) -> OutboundMap:
    """The partner's outbound map for ``set_id`` (``documents.outbound``), compiled once."""
    name = partner.documents.outbound.get(set_id)
    if name is None:
        raise ConfigError(f"{partner.file or partner.id}: documents.outbound names no {set_id} map")
    return ctx.maps.outbound(name)


def write_recorded(numbers: OutboundNumbers, archive: Archive, flow: PartnerSetup, functional_id: str,
                   sets: Collection[TransactionContent], set_id: str, keys: Sequence[tuple[str, Document]]
                   ) -> list[Outbound]:
    """One interchange in the partner's envelope, archived and recorded once per (key, order)
    in the commit that spends its control numbers (open ``numbers`` with
    `Store.outbound_numbers`): a failure or a key already recorded leaves no gap."""
    data = write_interchange(flow.envelope(), [GroupContent(functional_id, tuple(sets))],
                             numbers.blocks(1, len(sets)))
    written = archived(archive, data)
    return [out for out, _ in numbers.record_all([_fields(flow, written, set_id, key, doc) for key, doc in keys])]


def archived(archive: Archive, data: bytes) -> Written:
    """Archive an interchange we wrote, and read its control numbers back from it."""
    c = read_controls(data)
    put = archive.put(data)
    return Written(put.sha256, put.relative, c.isa13, c.gs06, c.st02, c.set_id)


def _fields(flow: PartnerSetup, written: Written, set_id: str, key: str, doc: Document) -> dict[str, Any]:
    due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=flow.partner.acks.expect_within_hours)
    return dict(set_id=set_id, key=key, isa13=written.isa13, gs06=written.gs06, st02=written.st02[0],
                archive_path=written.relative, sha256=written.sha256, transmission_id=doc.transmission_id,
                document_id=doc.id, ack_due_at=due, sets=[(n, doc.id) for n in written.st02])


def send_855(ctx: Context, flow: PartnerSetup, doc: Document, ack: PoAck) -> Outbound | None:
    """The 855 for ``doc``, numbered and recorded in one commit (a crash leaves no gap)."""
    if flow.outbound_855 is None:
        return None
    content = GroupContent("PR", (TransactionContent("855", flow.outbound_855.render(ack)),))
    with ctx.store.outbound_numbers(flow.partner.id) as numbers:
        written = archived(ctx.archive, write_interchange(flow.envelope(), [content], numbers.blocks(1, 1)))
        out, _ = numbers.record(**_fields(flow, written, "855", f"855:{doc.id}", doc))
    return out


def deliver(ctx: Context, partner: Partner, doc: Document, deliveries: Sequence[Delivery]) -> tuple[str, ...]:
    """Each routed payload to its destination; what failed goes to the transmission's log."""
    options = _options(ctx)
    problems = []
    for d in deliveries:
        try:
            if d.error:
                raise DataError(d.error, code="route.format")
            with open_channel(d.target, f"{partner.id}:{d.destination}", options) as channel:
                channel.send(d.file_name, d.payload)
            if d.sent:
                d.sent()
        except EdigateError as exc:
            problems.append(f"{d.destination}: {exc.message}")
    if problems and doc.transmission_id is not None:
        ctx.store.add_errors(doc.transmission_id, [ErrorEntry("route", "route.failed", p, Severity.WARNING)
                                                   for p in problems])
    return tuple(problems)


def send(ctx: Context, partner: Partner, outs: Sequence[Outbound], channel_types: Collection[str]) -> tuple[str, ...]:
    """Send each file once on the partner's outbound channel; a failure leaves them queued."""
    config = partner.channels.outbound
    if config is None or config.type not in channel_types or not outs:
        return ()
    try:
        with open_channel(config, f"{partner.id}:out", _options(ctx)) as ch:
            for _ in dispatch(ch, ctx.store, ctx.archive, outs):
                pass
    except TransportError as exc:
        problem = f"{partner.id}:out: {exc.message} (the output stays queued)"
        for t in sorted({o.transmission_id for o in outs if o.transmission_id is not None}):
            ctx.store.add_errors(t, [ErrorEntry("send", exc.code, problem, Severity.WARNING)])
        return (problem,)
    return ()


def _options(ctx: Context) -> ChannelOptions:
    """One look at each folder, our AS2 keys for AS2 sends."""
    return ChannelOptions(root=ctx.workspace.root, settle_seconds=0, as2=ctx.as2)
