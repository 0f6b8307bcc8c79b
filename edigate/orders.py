"""The order desk on the store: the exception queue, shipments and invoices, ack reconciliation.

Held orders wait here for a specialist: `release` accepts one and continues what the
pipeline stopped (routing, the 855), `reject` answers it with an RD 855, `override` changes
a line's price and checks the rules again; each action is audited. `ship` turns a
warehouse's confirmation into an 856 (and an 810 when the partner takes invoices), `invoice`
bills on demand what shipped and was not billed yet, and `reconcile_functional_ack` applies
a partner's 997/999 to what we sent. Every outbound document is archived and recorded
against the order it concerns, so `order_chain` shows 850 -> 855 -> 856 -> 810 -> acks.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from edigate.archive import Archive
from edigate.decision import po_ack
from edigate.errors import ConfigError, DataError, EdigateError, TransportError, UsageError
from edigate.flow import Flow
from edigate.fulfillment import ConfirmationRow, build_shipment, invoice_for, read_confirmation
from edigate.mapping.outbound import OutboundMap, load_outbound_map
from edigate.model import Order, PoAck, Shipment, from_json, to_json
from edigate.partners import Partner
from edigate.routing import Delivery, route
from edigate.rules import RuleFinding, check_order
from edigate.store import (
    AckStatus, AuditAction, AuditEvent, Document, DocumentKind, DocumentStatus, ErrorEntry, Outbound, Severity,
    Status, Store, Transmission,
)
from edigate.transport import ChannelOptions, open_channel
from edigate.workspace import Workspace
from edigate.x12.acks import read_functional_ack
from edigate.x12.envelope import EnvelopeReader, FunctionalGroup, Interchange, Transaction
from edigate.x12.writer import GroupContent, TransactionContent, write_interchange

__all__ = [
    "OrderChain", "Overridden", "Reconciled", "Released", "Rejected", "Shipped", "find_order", "held_orders",
    "invoice", "order_chain", "overdue", "override", "reconcile_functional_ack", "reject", "release", "ship",
]

_SHIPPABLE = (DocumentStatus.ACCEPTED, DocumentStatus.ROUTED)
ALL_CHANNELS = ("folder", "sftp", "as2")
_ACK_STATUS = {"accepted": AckStatus.ACCEPTED, "accepted with errors": AckStatus.ACCEPTED,
               "partially accepted": AckStatus.PARTIAL, "rejected": AckStatus.REJECTED}


@dataclass(frozen=True, slots=True)
class OrderChain:
    """One order and everything tied to it: versions, transmission, outbound documents, audit trail."""

    order: Document
    versions: tuple[Document, ...]
    transmission: Transmission | None
    outbounds: tuple[Outbound, ...]
    events: tuple[AuditEvent, ...]

    @property
    def po_number(self) -> str:
        return _po(self.order)


@dataclass(frozen=True, slots=True)
class Released:
    document: Document
    po_ack: Outbound | None
    deliveries: tuple[Delivery, ...]
    problems: tuple[str, ...] = ()
    """What could not be delivered or sent (also in the transmission's error log); sends are retried."""


@dataclass(frozen=True, slots=True)
class Rejected:
    document: Document
    po_ack: Outbound | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Overridden:
    """The new version of a held order, and the rule findings it still has."""

    document: Document
    findings: tuple[RuleFinding, ...]


@dataclass(frozen=True, slots=True)
class Shipped:
    shipment: Shipment
    asn: tuple[Outbound, ...]
    """The 856, recorded once per order it ships (same file, same control numbers)."""
    invoices: tuple[Outbound, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reconciled:
    outbounds: tuple[Outbound, ...]
    rejected: tuple[Outbound, ...]


# -- the exception queue ---------------------------------------------------------------

def held_orders(store: Store, partner: str | None = None) -> list[Document]:
    """Orders waiting for a specialist, oldest first."""
    return [d for d in store.documents(kind=DocumentKind.ORDER, partner=partner, current=True)
            if d.status is DocumentStatus.HELD]


def find_order(store: Store, ref: str, partner: str | None = None) -> Document:
    """The current order with document id ``ref``, else the newest current order for PO ``ref``."""
    orders = store.documents(kind=DocumentKind.ORDER, partner=partner)
    if ref.isdigit():
        by_id = {d.id: d for d in orders}
        if int(ref) in by_id:
            return _current(by_id[int(ref)], by_id)
    matches = [d for d in orders if _po(d) == ref and d.superseded_by is None]
    if not matches:
        raise UsageError(f"no order {ref!r}" + (f" from {partner}" if partner else ""), code="orders.not_found")
    if len({d.partner for d in matches}) > 1:
        raise UsageError(f"PO {ref} came from {', '.join(sorted({d.partner for d in matches}))}; name the partner")
    return matches[-1]


def order_chain(store: Store, partner: str, po: str) -> OrderChain:
    """The order for ``po`` with its transmission and every 855, 856 and 810 sent for it."""
    versions = tuple(d for d in store.documents(kind=DocumentKind.ORDER, partner=partner) if _po(d) == po)
    if not versions:
        raise UsageError(f"no order {po!r} from {partner}", code="orders.not_found")
    current = [d for d in versions if d.superseded_by is None]
    order = (current or list(versions))[-1]
    ids = {d.id for d in versions}
    tx_ids = sorted({d.transmission_id for d in versions if d.transmission_id is not None})
    outbounds = tuple(o for t in tx_ids for o in store.outbounds(t) if o.document_id in ids)
    events = tuple(e for d in versions for e in store.audit_events(target=_target(d)))
    transmission = store.transmission(order.transmission_id) if order.transmission_id is not None else None
    return OrderChain(order, versions, transmission, outbounds, tuple(sorted(events, key=lambda e: e.id)))


def release(store: Store, archive: Archive, workspace: Workspace, partner: Partner, order_id: int, *, actor: str,
            today: dt.date | None = None, channel_types: Collection[str] = ALL_CHANNELS) -> Released:
    """Accept a held order as it stands and continue the pipeline: route it, send the 855."""
    doc = _held(store, order_id)
    flow = Flow(workspace, partner, store.control_numbers(partner.id), today=today)
    doc = store.set_document_status(doc.id, DocumentStatus.ACCEPTED)
    store.audit(actor=actor, action=AuditAction.RESOLVE, target=_target(doc), note="released from the queue",
                transmission_id=doc.transmission_id)
    order = _order(doc)
    deliveries = tuple(route(order, partner.routing, partner=partner.id))
    problems = _deliver(store, workspace, partner, doc, deliveries)
    original, changes = _changes_since_received(store, doc)
    sent = _send_855(store, archive, flow, doc, po_ack(original, changes, today=flow.today))
    _settle(store, doc)
    problems += _send(store, archive, workspace, partner, [sent] if sent else [], channel_types)
    return Released(doc, sent, deliveries, problems)


def reject(store: Store, archive: Archive, workspace: Workspace, partner: Partner, order_id: int, *, reason: str,
           actor: str, today: dt.date | None = None, channel_types: Collection[str] = ALL_CHANNELS) -> Rejected:
    """Refuse a held order: every line IR in an RD 855."""
    if not reason.strip():
        raise UsageError("a rejection needs a reason")
    doc = _held(store, order_id)
    flow = Flow(workspace, partner, store.control_numbers(partner.id), today=today)
    doc = store.set_document_status(doc.id, DocumentStatus.REJECTED)
    store.audit(actor=actor, action=AuditAction.RESOLVE, target=_target(doc), note=f"rejected: {reason}",
                transmission_id=doc.transmission_id)
    sent = _send_855(store, archive, flow, doc, po_ack(_order(doc), (), today=flow.today, reject=True))
    _settle(store, doc)
    return Rejected(doc, sent, _send(store, archive, workspace, partner, [sent] if sent else [], channel_types))


def override(store: Store, workspace: Workspace, partner: Partner, order_id: int, *, line: str, price: Decimal,
             actor: str, today: dt.date | None = None) -> Overridden:
    """Set line ``line``'s unit price in a held order (a new version of it) and check the rules again."""
    doc = _held(store, order_id)
    order = _order(doc)
    numbers = [n.line_number for n in order.lines]
    if line not in numbers:
        raise UsageError(f"order {doc.id} has no line {line}; its lines are {', '.join(numbers)}")
    if price < 0:
        raise UsageError(f"price {price} is negative")
    old = next(n.unit_price for n in order.lines if n.line_number == line)
    changed = replace(order, lines=tuple(replace(n, unit_price=price) if n.line_number == line else n
                                         for n in order.lines))
    saved = store.save_document(kind=DocumentKind.ORDER, partner=doc.partner, key=doc.key,
                                body=json.dumps(to_json(changed)), transmission_id=doc.transmission_id,
                                status=DocumentStatus.HELD, supersedes=doc.id)
    assert saved.document is not None
    flow = Flow(workspace, partner, store.control_numbers(partner.id), today=today)
    findings = tuple(check_order(changed, flow.rules, today=flow.today))
    store.audit(actor=actor, action=AuditAction.OVERRIDE, target=_target(saved.document),
                note=f"line {line} price {old} -> {price} (was order {doc.id}); findings now: "
                     f"{', '.join(f.code for f in findings) or 'none'}", transmission_id=doc.transmission_id)
    return Overridden(saved.document, findings)


# -- shipments and invoices --------------------------------------------------------------

def ship(store: Store, archive: Archive, workspace: Workspace, partner: Partner, confirmation: Path, *,
         today: dt.date | None = None, channel_types: Collection[str] = ALL_CHANNELS) -> Shipped:
    """A shipment confirmation against the stored orders -> 856 (and 810s when the partner takes them)."""
    rows = read_confirmation(confirmation)
    if rows and store.documents(kind=DocumentKind.SHIPMENT, partner=partner.id, key=rows[0].shipment_id):
        raise DataError(f"shipment {rows[0].shipment_id} was already confirmed", code="shipment.duplicate")
    docs = _orders_by_po(store, partner.id)
    blocked = sorted({f"row {r.row}: PO {r.po_number} is {docs[r.po_number].status.value}, not accepted"
                      for r in rows if r.po_number in docs and docs[r.po_number].status not in _SHIPPABLE})
    orders = {po: _order(d) for po, d in docs.items() if d.status in _SHIPPABLE}
    problems = blocked + _over_shipped(store, partner.id, rows, orders)
    if problems:
        raise DataError("\n".join(problems), code="shipment.mismatch")
    first = orders.get(rows[0].po_number) if rows else None
    shipment = build_shipment(rows, orders, ship_from=first.seller if first else None)
    flow = Flow(workspace, partner, store.control_numbers(partner.id), today=today)
    asn = _map(partner, workspace, "856")
    written = _write(archive, flow, "SH", [TransactionContent("856", asn.render(shipment))])
    saved = store.save_document(kind=DocumentKind.SHIPMENT, partner=partner.id, key=shipment.shipment_id,
                                body=json.dumps(to_json(shipment)), transmission_id=None)
    if not saved.created:
        raise DataError(f"shipment {shipment.shipment_id} was already confirmed", code="shipment.duplicate")
    sent = tuple(_record(store, flow, written, "856", f"856:{shipment.shipment_id}:{docs[so.po_number].id}",
                         docs[so.po_number]) for so in shipment.orders)
    invoices: tuple[Outbound, ...] = ()
    if "810" in partner.documents.outbound:
        invoices = tuple(_invoice(store, archive, workspace, flow, docs[so.po_number], shipment, n)
                         for n, so in enumerate(shipment.orders, 1))
    return Shipped(shipment, sent, invoices, _send(store, archive, workspace, partner, [*sent, *invoices],
                                                  channel_types))


def invoice(store: Store, archive: Archive, workspace: Workspace, partner: Partner, po: str, *,
            today: dt.date | None = None, channel_types: Collection[str] = ALL_CHANNELS) -> list[Outbound]:
    """An 810 for each shipment of ``po`` not billed yet; never more than shipped."""
    docs = _orders_by_po(store, partner.id)
    if po not in docs:
        raise UsageError(f"no order {po!r} from {partner.id}", code="orders.not_found")
    shipments = [from_json(Shipment, json.loads(d.body))
                 for d in store.documents(kind=DocumentKind.SHIPMENT, partner=partner.id)]
    mine = [(s, n) for s in shipments for n, so in enumerate(s.orders, 1) if so.po_number == po]
    if not mine:
        raise DataError(f"PO {po} has not shipped: nothing to invoice", code="invoice.nothing_shipped")
    billed = {d.key for d in store.documents(kind=DocumentKind.INVOICE, partner=partner.id)}
    due = [(s, n) for s, n in mine if f"{po}:{s.shipment_id}" not in billed]
    if not due:
        raise DataError(f"everything shipped of PO {po} is already invoiced", code="invoice.nothing_due")
    flow = Flow(workspace, partner, store.control_numbers(partner.id), today=today)
    bills = [_invoice(store, archive, workspace, flow, docs[po], s, n) for s, n in due]
    _send(store, archive, workspace, partner, bills, channel_types)
    return bills


def _invoice(store: Store, archive: Archive, workspace: Workspace, flow: Flow, doc: Document, shipment: Shipment,
             n: int) -> Outbound:
    bill = invoice_for(_order(doc), shipment, invoice_number=f"{shipment.shipment_id}-{n}",
                       invoice_date=flow.today)
    written = _write(archive, flow, "IN", [TransactionContent("810", _map(flow.partner, workspace, "810").render(bill))])
    store.save_document(kind=DocumentKind.INVOICE, partner=doc.partner, key=f"{bill.po_number}:{shipment.shipment_id}",
                        body=json.dumps(to_json(bill)), transmission_id=None)
    return _record(store, flow, written, "810", f"810:{shipment.shipment_id}:{doc.id}", doc)


def _over_shipped(store: Store, partner: str, rows: Sequence[ConfirmationRow], orders: dict[str, Order]) -> list[str]:
    """Rows that, with what earlier shipments sent, ship more than the order line asked for."""
    before: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for d in store.documents(kind=DocumentKind.SHIPMENT, partner=partner):
        for so in from_json(Shipment, json.loads(d.body)).orders:
            for item in [*so.items, *(i for c in so.cartons for i in c.items)]:
                before[(so.po_number, item.line_number)] += item.quantity_shipped
    problems: list[str] = []
    now: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        key = (row.po_number, row.line_number)
        now[key] += row.quantity
        line = next((n for n in orders[key[0]].lines if n.line_number == key[1]), None) if key[0] in orders else None
        if before[key] and line is not None and before[key] + now[key] > line.quantity:
            problems.append(f"row {row.row}: PO {key[0]} line {key[1]}: ships {now[key]} after {before[key]} "
                            f"already shipped, ordered {line.quantity}")
    return problems


# -- functional acks -----------------------------------------------------------------------

def reconcile_functional_ack(store: Store, partner: str, transmission: int, ack: Transaction) -> Reconciled:
    """Apply a received 997/999 to our outbound documents by GS06 (and ST02 per AK2/IK2).

    Rejected documents become exceptions: an error entry on the ack's transmission naming them.
    """
    group = read_functional_ack(ack.body)
    if not group.control_number:
        raise DataError(f"the {ack.set_id} names no functional group (AK1 missing)", code="ack.unreadable")
    overall = AckStatus.REJECTED if group.status == "rejected" else AckStatus.ACCEPTED
    result = f"{ack.set_id} AK9 {group.status}" + (f" ({', '.join(group.codes)})" if group.codes else "")
    touched = {o.id: o for o in store.record_ack(partner=partner, gs06=group.control_number, status=overall,
                                                 result=result, ack_transmission_id=transmission)}
    for s in group.sets:
        detail = "; ".join([s.status, *s.codes, *(e.strip() for e in s.errors)])
        for o in store.record_ack(partner=partner, gs06=group.control_number, st02=s.control_number,
                                  status=_ACK_STATUS.get(s.status, AckStatus.REJECTED), result=detail,
                                  ack_transmission_id=transmission):
            touched[o.id] = o
    rejected = tuple(o for o in touched.values() if o.ack_status in (AckStatus.REJECTED, AckStatus.PARTIAL))
    store.add_errors(transmission, [*_exceptions(partner, rejected), *_unmatched(ack, group.control_number, touched)])
    return Reconciled(tuple(touched.values()), rejected)


def _exceptions(partner: str, rejected: Iterable[Outbound]) -> list[ErrorEntry]:
    return [ErrorEntry("reconcile", "ack.rejected", f"{partner} rejected our {o.set_id} (ISA13 {o.isa13}, GS06 "
                       f"{o.gs06}, ST02 {o.st02}, {o.key}): {o.ack_result}", isa13=o.isa13, gs06=o.gs06, st02=o.st02,
                       hint="correct the document and send it again") for o in rejected]


def _unmatched(ack: Transaction, gs06: str, touched: dict[int, Outbound]) -> list[ErrorEntry]:
    if touched:
        return []
    return [ErrorEntry("reconcile", "ack.unmatched", f"the {ack.set_id} answers group {gs06}, which we did not send",
                       Severity.WARNING, gs06=gs06)]


def overdue(store: Store, now: dt.datetime | None = None) -> list[Outbound]:
    """Outbound documents still without an ack after their window."""
    return store.overdue_acks(now)


# -- helpers -------------------------------------------------------------------------------

def _po(doc: Document) -> str:
    return doc.key.rsplit(":", 1)[0]


def _target(doc: Document) -> str:
    return f"order:{doc.id}"


def _order(doc: Document) -> Order:
    return from_json(Order, json.loads(doc.body))


def _current(doc: Document, by_id: dict[int, Document]) -> Document:
    while doc.superseded_by is not None and doc.superseded_by in by_id:
        doc = by_id[doc.superseded_by]
    return doc


def _held(store: Store, order_id: int) -> Document:
    doc = find_order(store, str(order_id))
    if doc.id != order_id and doc.status is not DocumentStatus.HELD:
        raise UsageError(f"order {order_id} was replaced by order {doc.id}, which is {doc.status.value}")
    if doc.status is not DocumentStatus.HELD:
        raise UsageError(f"order {doc.id} (PO {_po(doc)}) is {doc.status.value}, not held", code="orders.not_held")
    return doc


def _orders_by_po(store: Store, partner: str) -> dict[str, Document]:
    """The current order document per PO (the newest purpose wins)."""
    return {_po(d): d for d in store.documents(kind=DocumentKind.ORDER, partner=partner, current=True)}


def _changes_since_received(store: Store, doc: Document) -> tuple[Order, list[RuleFinding]]:
    """The order as received, and our price overrides as findings, so the 855 says IP for them."""
    first = store.documents(kind=DocumentKind.ORDER, partner=doc.partner, key=doc.key)[0]
    original, current = _order(first), _order(doc)
    prices = {n.line_number: n.unit_price for n in current.lines}
    return original, [RuleFinding("rule.price.mismatch", "price overridden", n.line_number, "unit_price",
                                  str(n.unit_price), str(prices[n.line_number]))
                      for n in original.lines if prices.get(n.line_number, n.unit_price) != n.unit_price]


def _deliver(store: Store, workspace: Workspace, partner: Partner, doc: Document,
             deliveries: Sequence[Delivery]) -> tuple[str, ...]:
    options = ChannelOptions(root=workspace.root, settle_seconds=0)
    problems = []
    for d in deliveries:
        try:
            if d.error:
                raise DataError(d.error, code="route.format")
            with open_channel(d.target, f"{partner.id}:{d.destination}", options) as channel:
                channel.send(d.file_name, d.payload)
        except EdigateError as exc:
            problems.append(f"{d.destination}: {exc.message}")
    if problems and doc.transmission_id is not None:
        store.add_errors(doc.transmission_id, [ErrorEntry("route", "route.failed", p, Severity.WARNING)
                                               for p in problems])
    return tuple(problems)


def _send(store: Store, archive: Archive, workspace: Workspace, partner: Partner, outs: Sequence[Outbound],
          channel_types: Collection[str]) -> tuple[str, ...]:
    """Send each file once on the partner's outbound channel; a failure leaves them queued."""
    config = partner.channels.outbound
    if config is None or config.type not in channel_types or not outs:
        return ()
    try:
        with open_channel(config, f"{partner.id}:out", ChannelOptions(root=workspace.root, settle_seconds=0)) as ch:
            for o in outs:
                if o.sha256 not in {p.sha256 for p in outs[:outs.index(o)]}:
                    ch.send(f"{o.set_id}-{partner.id}-{o.isa13}.x12", archive.get(o.sha256))
                store.mark_sent(o.id)
    except TransportError as exc:
        problem = f"{partner.id}:out: {exc.message} (the output stays queued)"
        for t in sorted({o.transmission_id for o in outs if o.transmission_id is not None}):
            store.add_errors(t, [ErrorEntry("send", exc.code, problem, Severity.WARNING)])
        return (problem,)
    return ()


def _settle(store: Store, doc: Document) -> None:
    """A held transmission is done once none of its orders is held any more."""
    if doc.transmission_id is None or store.transmission(doc.transmission_id).status is not Status.HELD:
        return
    if not any(d.status is DocumentStatus.HELD for d in store.documents(
            transmission_id=doc.transmission_id, kind=DocumentKind.ORDER, current=True)):
        store.set_status(doc.transmission_id, Status.DONE)


def _map(partner: Partner, workspace: Workspace, set_id: str) -> OutboundMap:
    name = partner.documents.outbound.get(set_id)
    if name is None:
        raise ConfigError(f"{partner.file or partner.id}: documents.outbound names no {set_id} map")
    return load_outbound_map(name, workspace.maps_path)


@dataclass(frozen=True, slots=True)
class _Written:
    sha256: str
    relative: str
    isa13: str
    gs06: str
    st02: tuple[str, ...]


def _send_855(store: Store, archive: Archive, flow: Flow, doc: Document, ack: PoAck) -> Outbound | None:
    if flow.outbound_855 is None:
        return None
    data = flow.po_acks([ack])
    return _record(store, flow, _archive(archive, data), "855", f"855:{doc.id}", doc)


def _write(archive: Archive, flow: Flow, functional_id: str, sets: Collection[TransactionContent]) -> _Written:
    data = write_interchange(flow.envelope(), [GroupContent(functional_id, tuple(sets))], flow.numbers)
    return _archive(archive, data)


def _archive(archive: Archive, data: bytes) -> _Written:
    isa13 = gs06 = ""
    st02: list[str] = []
    for event in EnvelopeReader(data):
        if isinstance(event, Transaction):
            st02.append(event.control_number)
        elif isinstance(event, FunctionalGroup) and not gs06:
            gs06 = event.header.control_number
        elif isinstance(event, Interchange) and not isa13:
            isa13 = event.header.control_number
    put = archive.put(data)
    return _Written(put.sha256, put.relative, isa13, gs06, tuple(st02))


def _record(store: Store, flow: Flow, written: _Written, set_id: str, key: str, doc: Document) -> Outbound:
    due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=flow.partner.acks.expect_within_hours)
    out, _ = store.record_outbound(partner=flow.partner.id, set_id=set_id, key=key, isa13=written.isa13,
                                   gs06=written.gs06, st02=written.st02[0], archive_path=written.relative,
                                   sha256=written.sha256, transmission_id=doc.transmission_id, document_id=doc.id,
                                   ack_due_at=due)
    return out
