"""Reading back what the ERPs did with the orders we routed to them, on a schedule.

`read_back` is the one poll of the ERPs: for each partner destination that asks for it
(``read_back: true`` on a NetSuite or Oracle target) it reads what the system did with
the orders delivered to it, and hands it to the stages as any file would come:

- NetSuite: item fulfillments and invoices (SuiteQL) become reply transmissions (channel
  ``replies:netsuite``, the canonical JSON of `edigate.stages.replies.reply_bytes`), which
  the reply stage turns into the 856 and 810 as it does SAP's IDocs.
- Magento (a partner whose ``commerce`` is a Magento store): new orders from the orders
  search, each a commerce transmission (`edigate.stages.commerce.read_orders`).
- Oracle: each order's status (``StatusCode``) is kept, and a change is noted in the event
  log; its fulfillment lines that shipped become a reply transmission (channel
  ``replies:oracle``) with the Shipment (tracking number and bill of lading from the lines'
  shipping details), and once a line is billed, Receivables' invoices of the order become
  reply transmissions with the Invoice: the 856 and 810 are recorded as NetSuite's and SAP's are.

NetSuite's next read asks from a high-water mark kept in the store (`HIGH_WATER`, the newest
transaction date taken; the same day again, so a transaction dated that day and entered
later is not skipped). Each NetSuite transaction, Oracle fulfillment line and Oracle
invoice taken is marked (`TAKEN`), so a restart neither reads twice nor skips. What was
taken is added up per order (`PROGRESS`); an order shipped and billed in full is marked
`DONE` and is not asked about again, so the read-back grows with the open orders, not
with the book.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from edigate.config.connectors import MagentoSource, NetSuiteTarget, OracleTarget
from edigate.config.partners import Destination, Partner
from edigate.errors import DataError, EdigateError
from edigate.model import Invoice, Order, Shipment, loads
from edigate.orders.purposes import po_of_key
from edigate.stages.commerce import read_orders
from edigate.stages.context import Parts
from edigate.stages.delivery import DELIVERED, delivered_key
from edigate.stages.fulfillment import orders_by_po, shipped_lines
from edigate.stages.receive import REPLIES, receive
from edigate.stages.replies import Reply, reply_bytes
from edigate.store import Document, DocumentStatus, EventKind, Severity

if TYPE_CHECKING:
    from edigate.connectors.oracle import OracleOrder
    from edigate.transport.http_channel import HttpClient

__all__ = ["DONE", "HIGH_WATER", "PROGRESS", "STATUS", "TAKEN", "read_back", "wanted"]

HIGH_WATER = "readback.high_water"
"""Mark kind: per ``<partner>:<destination>``, the newest NetSuite transaction date read back."""
PROGRESS = "readback.progress"
"""Mark kind: per ``<partner>:<destination>:<order document id>``, the quantities taken per
line, as JSON ``{"shipped": {line: quantity}, "billed": {...}}``."""
DONE = "readback.done"
"""Mark kind: per ``<partner>:<destination>:<order document id>``, an order shipped and
billed in full: no longer read back."""
TAKEN = "readback.taken"
"""Mark kind: per ``<partner>:<destination>:<transaction>``, a transaction handed to the stages."""
STATUS = "readback.status"
"""Mark kind: per ``<partner>:<destination>:<PO>``, the ERP's last status of the order."""


def wanted(parts: Parts) -> bool:
    """Whether any partner's destination asks to be read back, or its orders come from Magento."""
    return next(_destinations(parts), None) is not None or any(
        isinstance(p.commerce, MagentoSource) for p in parts.partners.values())


def read_back(parts: Parts, *, then: Callable[[], object] = lambda: None) -> tuple[str, ...]:
    """Read back every destination that asks for it, then call ``then`` (the gateway wakes
    its workers); the problems, one line each (the others are still read)."""
    if not wanted(parts):
        return ()
    problems: list[str] = []
    for partner, dest in _destinations(parts):
        try:
            if isinstance(dest.target, NetSuiteTarget):
                _netsuite(parts, partner, dest, dest.target)
            elif isinstance(dest.target, OracleTarget):
                _oracle(parts, partner, dest, dest.target, problems)
        except EdigateError as exc:
            _failed(parts, problems, partner.id, dest.name, exc)
    _magento(parts, problems)
    then()
    return tuple(problems)


def _failed(parts: Parts, problems: list[str], partner: str, channel: str, exc: EdigateError) -> None:
    """A read that failed: one line in ``problems`` and an error in the event log."""
    problems.append(f"{partner}:{channel}: {exc.message}")
    parts.store.record_event(kind=EventKind.CHANNEL, code="readback.failed", message=exc.message,
                             severity=Severity.ERROR, partner=partner, channel=channel)


def _magento(parts: Parts, problems: list[str]) -> None:
    """New orders from each Magento store a partner's orders come from (`commerce.read_orders`)."""
    for pid in sorted(parts.partners):
        partner = parts.partners[pid]
        if isinstance(partner.commerce, MagentoSource):
            try:
                read_orders(parts, partner, partner.commerce)
            except EdigateError as exc:
                _failed(parts, problems, pid, "magento", exc)


def _destinations(parts: Parts) -> Iterator[tuple[Partner, Destination]]:
    for pid in sorted(parts.partners):
        for dest in parts.partners[pid].routing:
            if getattr(dest.target, "read_back", False):
                yield parts.partners[pid], dest


def _delivered(parts: Parts, partner: Partner, dest: Destination) -> dict[str, tuple[Document, Order]]:
    """The partner's orders in force that reached ``dest`` and are not `DONE`, by PO, as
    they were sent."""
    docs = [d for d in orders_by_po(parts.store, partner.id).values() if d.status is DocumentStatus.ACCEPTED]
    done = parts.store.marked(DONE, [f"{partner.id}:{dest.name}:{d.id}" for d in docs])
    docs = [d for d in docs if f"{partner.id}:{dest.name}:{d.id}" not in done]
    sent = parts.store.marked(DELIVERED, [delivered_key(d.id, dest.name) for d in docs])
    return {po_of_key(d.key): (d, loads(Order, d.decided or d.body)) for d in docs
            if delivered_key(d.id, dest.name) in sent}


def _netsuite(parts: Parts, partner: Partner, dest: Destination, target: NetSuiteTarget) -> None:
    from edigate.connectors.netsuite import external_id, fulfillments, invoices
    from edigate.transport.http_channel import HttpClient  # httpx: only when something is read back

    where = f"{partner.id}:{dest.name}"
    mark = parts.store.mark_value(HIGH_WATER, where)
    since = date.fromisoformat(mark) if mark else None
    delivered = _delivered(parts, partner, dest)
    orders = {external_id(partner.id, po): order for po, (_, order) in delivered.items()}
    with HttpClient.for_target(target) as client:
        found: list[Shipment | Invoice] = [*fulfillments(client, orders, since=since),
                                           *invoices(client, orders, since=since)]
    newest = since
    numbers = [what.shipment_id if isinstance(what, Shipment) else what.invoice_number for what in found]
    taken = parts.store.marked(TAKEN, [f"{where}:{number}" for number in numbers])  # one query, not one each
    for what, number in zip(found, numbers):
        when = what.ship_date if isinstance(what, Shipment) else what.invoice_date
        key = f"{where}:{number}"
        if key not in taken:
            receive(parts, partner.id, f"{REPLIES}netsuite", f"netsuite-{number}.json", reply_bytes(Reply(what)))
            parts.store.mark_once(TAKEN, key)
            taken.add(key)
            for po in ([so.po_number for so in what.orders] if isinstance(what, Shipment) else [what.po_number]):
                _progress(parts, where, *delivered[po], what)
        newest = when if newest is None or when > newest else newest
    if newest is not None and newest != since:
        parts.store.set_mark_value(HIGH_WATER, where, newest.isoformat())


def _oracle(parts: Parts, partner: Partner, dest: Destination, target: OracleTarget, problems: list[str]) -> None:
    """Each delivered order's status, shipments and invoices. A server that fails stops the
    destination (every order would fail alike); an order whose answer we cannot use is a
    problem of its own, and the orders after it are still read."""
    from edigate.connectors.oracle import read_order
    from edigate.transport.http_channel import HttpClient

    where = f"{partner.id}:{dest.name}"
    with HttpClient.for_target(target) as client:
        for po, (doc, order) in sorted(_delivered(parts, partner, dest).items()):
            found = read_order(client, target, partner=partner.id, po_number=po)
            if found is None:
                continue
            try:
                _oracle_status(parts, partner, dest, po, found.status)
                _oracle_shipped(parts, partner, where, found, order, doc)
                _oracle_billed(parts, partner, where, client, found, order, doc)
            except DataError as exc:
                named = exc if f"PO {po}" in exc.message else DataError(f"PO {po}: {exc.message}", code=exc.code)
                _failed(parts, problems, partner.id, dest.name, named)


def _oracle_status(parts: Parts, partner: Partner, dest: Destination, po: str, status: str | None) -> None:
    """A change of the order's status, noted once in the event log."""
    key = f"{partner.id}:{dest.name}:{po}"
    if status is None or parts.store.mark_value(STATUS, key) == status:
        return
    parts.store.set_mark_value(STATUS, key, status)
    parts.store.record_event(kind=EventKind.CHANNEL, code="readback.status", message=f"PO {po}: Oracle says {status}",
                             partner=partner.id, channel=dest.name)


def _oracle_shipped(parts: Parts, partner: Partner, where: str, found: OracleOrder, order: Order,
                    doc: Document) -> None:
    """The order's fulfillment lines that shipped and were not taken, handed to the reply
    stage as one Shipment, each line then marked (per line, not by date: a line Oracle
    enters late with an earlier ship date is still taken)."""
    from edigate.connectors.oracle import shipment_of

    keys = {f.id: f"{where}:{f.id}" for f in found.lines}
    taken = parts.store.marked(TAKEN, list(keys.values()))
    skip = {i for i, key in keys.items() if key in taken}
    shipment = shipment_of(found, order, taken=skip)
    if shipment is None:
        return
    receive(parts, partner.id, f"{REPLIES}oracle", f"oracle-{shipment.shipment_id}.json", reply_bytes(Reply(shipment)))
    parts.store.mark_many(TAKEN, [keys[f.id] for f in found.lines if f.id not in skip and f.shipped and f.ship_date])
    _progress(parts, where, doc, order, shipment)


def _oracle_billed(parts: Parts, partner: Partner, where: str, client: HttpClient, found: OracleOrder,
                   order: Order, doc: Document) -> None:
    """Receivables' invoices of the order not taken yet, each handed to the reply stage (the
    810); Receivables is asked only once Oracle says a line is billed."""
    from edigate.connectors.oracle import BILLED, invoices_of

    if not any(f.status in BILLED for f in found.lines):
        return
    bills = invoices_of(client, found, order)
    taken = parts.store.marked(TAKEN, [f"{where}:invoice:{bill.invoice_number}" for bill in bills])
    for bill in bills:
        key = f"{where}:invoice:{bill.invoice_number}"
        if key not in taken:
            receive(parts, partner.id, f"{REPLIES}oracle", f"oracle-invoice-{bill.invoice_number}.json",
                    reply_bytes(Reply(bill)))
            parts.store.mark_once(TAKEN, key)
            taken.add(key)
            _progress(parts, where, doc, order, bill)


def _progress(parts: Parts, where: str, doc: Document, order: Order, what: Shipment | Invoice) -> None:
    """Add what was taken to the order's shipped and billed quantities (kept in the store);
    once every line is shipped and billed in full the order is marked `DONE`, and leaves
    the read-back."""
    key = f"{where}:{doc.id}"
    kept = parts.store.mark_value(PROGRESS, key)
    seen: dict[str, dict[str, str]] = json.loads(kept) if kept else {"shipped": {}, "billed": {}}
    if isinstance(what, Shipment):
        side, got = seen["shipped"], [shipped_lines(so) for so in what.orders if so.po_number == order.po_number]
    else:
        side, got = seen["billed"], [{line.line_number: line.quantity for line in what.lines}]
    for lines in got:
        for number, quantity in lines.items():
            side[number] = str(Decimal(side.get(number, "0")) + quantity)
    parts.store.set_mark_value(PROGRESS, key, json.dumps(seen, sort_keys=True))
    if all(Decimal(seen[s].get(line.line_number, "0")) >= line.quantity
           for line in order.lines for s in ("shipped", "billed")):
        parts.store.mark_once(DONE, key)
