"""Routing accepted orders to their destinations: which ones, and the payload each gets.

A partner's ``routing:`` lists destinations, each with a format (JSON, XML, CSV, or an
X12 940 for a 3PL) and an optional ``when`` condition over the order (its canonical JSON fields, plus ``total``,
``line_count`` and ``quantity_total``), evaluated in jinja2's sandbox. `route` returns
one `Delivery` per matching destination with the bytes to deliver and a file name made
from our own values (never from a partner's file name); moving the bytes is the
transport's job. XML follows the published `edigate/data/order-export.xsd` and is
validated against it before it leaves. A 940 needs control numbers and a record of what was
sent, so the caller hands `route` a writer for it (`edigate.warehouse.ShippingOrders`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from edigate.errors import ConfigError, DataError
from edigate.model import Order, to_json
from edigate.partners import Destination

__all__ = ["Delivery", "X12Writer", "XSD_PATH", "render", "route"]

XSD_PATH = Path(__file__).parent / "data" / "order-export.xsd"
NS = "urn:edigate:order-export:1"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
FORMATS = ("json", "xml", "csv")
X12Writer = Callable[[Order, Destination], tuple[bytes, Callable[[], object]]]
"""Writes, numbers and records one order's X12 for a destination; returns the bytes and
what to call once they are delivered."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """The payload for one destination, and the file name it is delivered under."""

    destination: str
    file_name: str
    payload: bytes
    target: Any
    error: str | None = None
    """Why nothing can be delivered (e.g. a map that failed); ``payload`` is then empty."""
    sent: Callable[[], object] | None = None
    """To call once delivered (marks a recorded 940 as sent)."""


def route(order: Order, destinations: Sequence[Destination], *, partner: str,
          x12: X12Writer | None = None) -> list[Delivery]:
    """One delivery per destination whose ``when`` holds for ``order``; ``x12`` writes the 940s."""
    env = ImmutableSandboxedEnvironment(autoescape=False)
    data = {**to_json(order), "total": order.total_amount or Decimal(0), "line_count": order.line_count,
            "quantity_total": order.quantity_total}
    deliveries = []
    for dest in destinations:
        if dest.when and not _holds(env, dest, data):
            continue
        name = f"{_safe(partner)}-{_safe(order.po_number)}.{dest.format.split('-')[0]}"
        if dest.format == "x12-940":
            deliveries.append(_x12(order, dest, name, x12))
            continue
        deliveries.append(Delivery(dest.name, name, render(order, dest.format, partner=partner), dest.target))
    return deliveries


def _x12(order: Order, dest: Destination, name: str, x12: X12Writer | None) -> Delivery:
    if x12 is None:
        return Delivery(dest.name, name, b"", dest.target, "a 940 needs the store for its control numbers: "
                        "route stored orders (the pipeline, edigate orders release)")
    try:
        data, sent = x12(order, dest)
    except DataError as exc:
        return Delivery(dest.name, name, b"", dest.target, f"940 for {order.po_number}: {exc.message}")
    return Delivery(dest.name, name, data, dest.target, sent=sent)


def _holds(env: ImmutableSandboxedEnvironment, dest: Destination, data: dict[str, Any]) -> bool:
    try:
        return bool(env.compile_expression(dest.when or "true")(order=data))
    except SecurityError as exc:
        raise ConfigError(f"routing {dest.name}: the condition is not allowed: {exc}") from exc
    except (TemplateError, TypeError, ValueError) as exc:
        raise DataError(f"routing {dest.name}: cannot evaluate {dest.when!r}: {exc}", code="route.when") from exc


def _safe(text: str) -> str:
    return _SAFE_NAME.sub("_", text).strip("._") or "order"


def render(order: Order, fmt: str, *, partner: str) -> bytes:
    """``order`` as JSON (the canonical form), XML (order-export.xsd) or CSV (one row per line)."""
    if fmt == "json":
        return (json.dumps(to_json(order), indent=2, ensure_ascii=False) + "\n").encode()
    if fmt == "xml":
        return _xml(order, partner)
    if fmt == "csv":
        return _csv(order)
    raise DataError(f"format {fmt!r} is not available for routing yet", code="route.format")


def _csv(order: Order) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["po_number", "po_date", "line", "sku", "upc", "quantity", "uom", "unit_price", "ship_to"])
    ship_to = order.ship_to.ids.buyer_location or order.ship_to.name if order.ship_to else ""
    for line in order.lines:
        writer.writerow([order.po_number, order.po_date.isoformat(), line.line_number,
                         line.product_ids.vendor_part or "", line.product_ids.upc or "", line.quantity, line.uom,
                         "" if line.unit_price is None else line.unit_price, ship_to or ""])
    return out.getvalue().encode()


def _xml(order: Order, partner: str) -> bytes:
    root = etree.Element(f"{{{NS}}}order", nsmap={None: NS}, partner=partner)  # type: ignore[dict-item]
    if order.source:
        for attr in ("isa13", "gs06", "st02"):
            if getattr(order.source, attr):
                root.set(attr, getattr(order.source, attr))
    _add(root, "poNumber", order.po_number)
    _add(root, "poDate", order.po_date.isoformat())
    _add(root, "purpose", order.purpose.value)
    _add(root, "orderType", order.order_type)
    _add(root, "currency", order.currency)
    d = order.dates
    for tag, value in (("requestedShip", d.requested_ship), ("requestedDelivery", d.requested_delivery),
                       ("cancelAfter", d.cancel_after)):
        _add(root, tag, value.isoformat() if value else None)
    for party in (order.buyer, order.seller, order.ship_to, order.bill_to, order.ship_from, order.mark_for):
        if party is not None:
            _party(root, party)
    for line in order.lines:
        _line(root, line)
    _add(root, "total", _number(order.total_amount))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    _validate(data)
    return data


def _add(parent: etree._Element, tag: str, value: str | None) -> None:
    if value:
        etree.SubElement(parent, f"{{{NS}}}{tag}").text = value


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _party(root: etree._Element, party: Any) -> None:
    el = etree.SubElement(root, f"{{{NS}}}party", role=party.role)
    _add(el, "name", party.name)
    for qualifier, value in party.ids:
        etree.SubElement(el, f"{{{NS}}}id", qualifier=qualifier).text = value
    a = party.address
    if a is not None:
        for text in a.lines:
            _add(el, "addressLine", text)
        for tag, value in (("city", a.city), ("state", a.state), ("postalCode", a.postal_code),
                           ("country", a.country)):
            _add(el, tag, value)


def _line(root: etree._Element, line: Any) -> None:
    el = etree.SubElement(root, f"{{{NS}}}line", number=line.line_number)
    for qualifier, value in line.product_ids:
        etree.SubElement(el, f"{{{NS}}}productId", qualifier=qualifier).text = value
    _add(el, "description", line.description)
    _add(el, "quantity", _number(line.quantity))
    _add(el, "uom", line.uom)
    _add(el, "unitPrice", _number(line.unit_price))
    _add(el, "amount", _number(line.extended_amount))


def _validate(data: bytes) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    schema = etree.XMLSchema(etree.parse(str(XSD_PATH), parser))
    document = etree.fromstring(data, parser)
    if not schema.validate(document):
        raise DataError(f"order export does not match order-export.xsd: {schema.error_log}",
                        code="route.xsd")
