"""Orders from commerce platforms (Shopify, Magento) through the same stages as EDI orders.

An order a platform gives us (a Shopify webhook, Magento's orders search) is received as a
transmission whose bytes are the canonical order (`take`: archived and recorded first, on
channel ``commerce:<platform>``). A worker runs `COMMERCE_STAGE` instead of the X12 ones
(envelope, validate, map), then the same decide, route, answer and send stages, so the
partner's rules, stock and routing apply as to an 850 (a 3PL gets the same 940).

`tell_shipped` is the way back: once an order of a commerce partner ships (``edigate
ship``, an ERP's delivery), the platform is told (a Shopify fulfillment, a Magento
shipment, with tracking), once per shipment and order (a mark in the store); a platform
that fails is an event in the log and is kept (`UNTOLD`): the gateway's retry job tells it
again (`tell_again`), up to `TELL_ATTEMPTS` times, then gives up with an error event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from edigate.config.connectors import MagentoSource, ShopifySource
from edigate.config.partners import Partner
from edigate.errors import EdigateError
from edigate.model import Order, Shipment, dumps, loads
from edigate.orders.purposes import order_key
from edigate.stages.context import Parts, Run, add_log
from edigate.stages.receive import receive
from edigate.stages.translate import save_orders
from edigate.store import Document, DocumentKind, ErrorEntry, EventKind, NewDocument, Severity, Status, Store
from edigate.store import Transmission

__all__ = ["COMMERCE", "FULFILLED", "HIGH_WATER", "NAME", "TELL_ATTEMPTS", "UNTOLD", "is_commerce", "read_orders", "run",
           "take", "tell_again", "tell_shipped"]

COMMERCE = "commerce:"
NAME = "take"
HIGH_WATER = "commerce.high_water"
"""Mark kind: per ``magento:<partner>``, the creation time of the newest order taken."""
TAKEN = "commerce.taken"
"""Mark kind: per ``magento:<partner>:<entity id>``, an order taken."""
_STAMP = "%Y-%m-%d %H:%M:%S"
FULFILLED = "commerce.fulfilled"
"""Mark kind: ``<partner>:<shipment id>:<PO>`` told back to the platform."""
UNTOLD = "commerce.untold"
"""Mark kind: ``<partner>:<shipment id>:<PO>`` the platform refused; the value holds the
Shipment and the attempts so far (JSON), for `tell_again`."""
TELL_ATTEMPTS = 10
"""Attempts (one per run of the retry job, every two minutes) before a refusal is final."""


def is_commerce(tx: Transmission) -> bool:
    return tx.channel.startswith(COMMERCE)


def take(parts: Parts, partner: str, platform: str, order: Order) -> Transmission:
    """A platform's order received as a transmission (the same order again is a duplicate)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in order.po_number)
    return receive(parts, partner, f"{COMMERCE}{platform}", f"{platform}-{safe}.json", dumps(order).encode())


def run(parts: Parts, run: Run) -> Status | None:
    """The transmission's order stored, to be decided, routed and answered as an 850's."""
    try:
        order = loads(Order, run.data)
    except EdigateError as exc:
        add_log(parts, run, [ErrorEntry(NAME, exc.code, exc.message, hint="not an order edigate reads")])
        return Status.FAILED
    save_orders(parts, run, [NewDocument(DocumentKind.ORDER, run.partner.id, order_key(order), dumps(order),
                                         run.tx.id)], [])
    return None


def read_orders(parts: Parts, partner: Partner, source: MagentoSource) -> int:
    """Magento's orders created since the high-water mark, each taken (`take`) once (a mark
    per order); the mark moves to the newest order's creation time, so a restart neither
    repeats nor skips. Returns how many were read."""
    from edigate.connectors.magento import search_orders
    from edigate.transport.http_channel import HttpClient  # httpx loads only where a platform is read

    where = f"magento:{partner.id}"
    since = parts.store.mark_value(HIGH_WATER, where) or source.since
    with HttpClient.for_target(source) as client:
        found = search_orders(client, datetime.strptime(since, _STAMP), store=partner.id)
    newest = since
    taken = parts.store.marked(TAKEN, [f"{where}:{got.entity_id}" for got in found])
    for got in found:  # the search starts at the mark's second: what was taken there is left
        if f"{where}:{got.entity_id}" not in taken:
            take(parts, partner.id, "magento", got.order)
            parts.store.mark_once(TAKEN, f"{where}:{got.entity_id}")
        newest = max(newest, got.created_at)
    if newest != since:
        parts.store.set_mark_value(HIGH_WATER, where, newest)
    return len(found)


def tell_shipped(store: Store, partner: Partner, shipment: Shipment, docs: Mapping[str, Document],
                 *, tries: int = 1) -> list[str]:
    """Tell the partner's platform what shipped, each order once; the problems, one line
    each. An order the platform was not told of is kept for `tell_again` (``tries``: this
    is that many attempts) until `TELL_ATTEMPTS`."""
    source = partner.commerce
    if source is None:
        return []
    problems = []
    keys = {so.po_number: f"{partner.id}:{shipment.shipment_id}:{so.po_number}" for so in shipment.orders}
    told = store.marked(FULFILLED, keys.values())
    for po, key in keys.items():
        if po not in docs or key in told:
            continue
        try:
            _tell(source, loads(Order, docs[po].body), shipment)
        except EdigateError as exc:
            last = tries >= TELL_ATTEMPTS
            problems.append(f"{partner.id}: PO {po}: {source.type} not told of shipment {shipment.shipment_id}"
                            f"{f' after {tries} attempts, given up' if last else ''}: {exc.message}")
            store.record_event(kind=EventKind.CHANNEL, code="commerce.not_told", message=problems[-1],
                               severity=Severity.ERROR, partner=partner.id, channel=source.type)
            if last:
                store.unmark(UNTOLD, key)
            else:
                store.set_mark_value(UNTOLD, key, json.dumps({"tries": tries, "shipment": dumps(shipment)}))
            continue
        store.mark_once(FULFILLED, key)
        store.unmark(UNTOLD, key)
    return problems


def tell_again(store: Store, partners: Mapping[str, Partner]) -> list[str]:
    """Tell the platforms of the shipments they did not take before (the retry job); the
    problems, one line each."""
    from edigate.stages.fulfillment import orders_by_po

    problems = []
    orders: dict[str, Mapping[str, Document]] = {}
    for key, kept in sorted(store.mark_values(UNTOLD).items()):
        partner = partners.get(key.split(":", 1)[0])
        if partner is None:  # not loaded now (its file has a problem, or it is gone): kept, not dropped
            continue
        pending = json.loads(kept)
        shipment = loads(Shipment, pending["shipment"])
        po = key.rsplit(":", 1)[1]
        mine = replace(shipment, orders=tuple(o for o in shipment.orders if o.po_number == po))
        if partner.id not in orders:
            orders[partner.id] = orders_by_po(store, partner.id)
        problems += tell_shipped(store, partner, mine, orders[partner.id], tries=pending["tries"] + 1)
    return problems


def _tell(source: ShopifySource | MagentoSource, order: Order, shipment: Shipment) -> None:
    from edigate.connectors import magento, shopify
    from edigate.transport.http_channel import HttpClient

    platform_id = order.source.st02 if order.source else ""
    mine = replace(shipment, orders=tuple(o for o in shipment.orders if o.po_number == order.po_number))
    with HttpClient.for_target(source) as client:
        if isinstance(source, ShopifySource):
            carrier = shipment.carrier.scac if shipment.carrier else None
            shopify.fulfil(client, platform_id, tracking_number=_tracking(mine), company=carrier,
                           key=f"{shipment.shipment_id}-{order.po_number}")
        else:
            magento.ship(client, int(platform_id), mine)


def _tracking(shipment: Shipment) -> str | None:
    return shipment.tracking_number or next(
        (c.tracking_number for o in shipment.orders for c in o.cartons if c.tracking_number), None)

