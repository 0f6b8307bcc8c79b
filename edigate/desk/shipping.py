"""Shipments and invoices: a warehouse's confirmation (CSV, JSON or a 3PL's 945) against the
stored orders becomes an 856, and an 810 where the partner bills on shipment; `invoice`
bills on demand what shipped and was not billed yet, never more than shipped. Stock the
shipped lines held leaves the inventory with them."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from edigate.config.context import Context
from edigate.errors import DataError, InputError, UsageError
from edigate.config.partner_setup import PartnerSetup
from edigate.orders.fulfillment import ConfirmationRow, build_shipment, invoice_for, read_confirmation
from edigate.model import Order, Shipment, from_json
from edigate.desk.outputs import ALL_CHANNELS, partner_setup, send
from edigate.desk.stored import order_of, orders_by_po
from edigate.config.partners import Partner
from edigate.orders.purposes import IN_FORCE
from edigate.stages.commerce import tell_shipped
from edigate.stages.fulfillment import Recorder, shipped_lines
from edigate.store import Document, DocumentKind, Outbound, Store
from edigate.orders.warehouse import is_x12, read_shipping_advice

__all__ = ["Shipped", "invoice", "ship"]


@dataclass(frozen=True, slots=True)
class Shipped:
    shipment: Shipment
    asn: tuple[Outbound, ...]
    """The 856, recorded once per order it ships (same file, same control numbers)."""
    invoices: tuple[Outbound, ...] = ()
    problems: tuple[str, ...] = ()


def ship(ctx: Context, partner: Partner, confirmation: Path, *, today: dt.date | None = None,
         channel_types: Collection[str] = ALL_CHANNELS) -> Shipped:
    """A shipment confirmation against the stored orders -> 856 (and 810s when the partner takes them)."""
    store = ctx.store
    docs = orders_by_po(store, partner.id)
    rows = _rows(confirmation, docs)
    if rows and store.documents(kind=DocumentKind.SHIPMENT, partner=partner.id, key=rows[0].shipment_id):
        raise DataError(f"shipment {rows[0].shipment_id} was already confirmed", code="shipment.duplicate")
    blocked = sorted({f"row {r.row}: PO {r.po_number} is {docs[r.po_number].status.value}, not accepted"
                      for r in rows if r.po_number in docs and docs[r.po_number].status not in IN_FORCE})
    orders = {po: order_of(d) for po, d in docs.items() if d.status in IN_FORCE}
    problems = blocked + _over_shipped(store, partner.id, rows, orders)
    if problems:
        raise DataError("\n".join(problems), code="shipment.mismatch")
    first = orders.get(rows[0].po_number) if rows else None
    shipment = build_shipment(rows, orders, ship_from=first.seller if first else None)
    flow = partner_setup(ctx, partner, today=today)
    sent = Recorder(store, ctx.archive, ctx.maps, flow).shipment(shipment, docs)
    invoices: tuple[Outbound, ...] = ()
    if "810" in partner.documents.outbound and partner.documents.invoice == "on_shipment":
        invoices = tuple(_invoice(ctx, flow, docs[so.po_number], shipment, n)
                         for n, so in enumerate(shipment.orders, 1))
    told = tuple(tell_shipped(store, partner, shipment, docs))  # a Shopify or Magento order: the platform too
    return Shipped(shipment, sent, invoices, send(ctx, partner, [*sent, *invoices], channel_types) + told)


def _rows(confirmation: Path, docs: Mapping[str, Document]) -> list[ConfirmationRow]:
    """The confirmation's rows: a 945 (told by its content) or CSV/JSON (by the file's suffix)."""
    try:
        data = confirmation.read_bytes()
    except OSError as exc:
        raise InputError(f"{confirmation}: cannot read: {exc.strerror}") from exc
    if is_x12(data):
        return read_shipping_advice(data, str(confirmation), {po: order_of(d) for po, d in docs.items()})
    return read_confirmation(confirmation, data)


def invoice(ctx: Context, partner: Partner, po: str, *, today: dt.date | None = None,
            channel_types: Collection[str] = ALL_CHANNELS) -> list[Outbound]:
    """An 810 for each shipment of ``po`` not billed yet; never more than shipped."""
    store = ctx.store
    docs = orders_by_po(store, partner.id)
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
    flow = partner_setup(ctx, partner, today=today)
    bills = [_invoice(ctx, flow, docs[po], s, n) for s, n in due]
    send(ctx, partner, bills, channel_types)
    return bills


def _invoice(ctx: Context, flow: PartnerSetup, doc: Document, shipment: Shipment, n: int) -> Outbound:
    bill = invoice_for(order_of(doc), shipment, invoice_number=f"{shipment.shipment_id}-{n}",
                       invoice_date=flow.today)
    return Recorder(ctx.store, ctx.archive, ctx.maps, flow).invoice(doc, bill, shipment.shipment_id)


def _over_shipped(store: Store, partner: str, rows: Sequence[ConfirmationRow], orders: dict[str, Order]) -> list[str]:
    """Rows that, with what earlier shipments sent, ship more than the order line asked for."""
    before: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for d in store.documents(kind=DocumentKind.SHIPMENT, partner=partner):
        for so in from_json(Shipment, json.loads(d.body)).orders:
            for number, quantity in shipped_lines(so).items():
                before[(so.po_number, number)] += quantity
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
