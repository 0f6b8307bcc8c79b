"""Routing accepted orders to their destinations: which ones, and the payload each gets.

A partner's ``routing:`` lists destinations, each with a format (JSON, XML, CSV, or an
X12 940 for a 3PL) and an optional ``when`` condition over the order (its canonical JSON fields, plus ``total``,
``line_count`` and ``quantity_total``), evaluated in the bounded sandbox of map expressions
(`edigate.mapping.expr`). `Router.route` returns one `Delivery` per matching destination
with the bytes to deliver and a file name made from our own values (never from a partner's
file name): partner, PO number and purpose, made safe, and the stored document's id, so
two orders never share a name however alike their PO numbers; moving the bytes is the
transport's job. XML follows the published `edigate/data/order-export.xsd` and is
validated against it before it leaves. A 940 needs control numbers and a record of what was
sent, so the caller hands `route` a writer for it (`edigate.stages.warehouse_out.ShippingOrders`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from edigate.connectors.formats import PAYLOAD_FORMATS
from edigate.errors import ConfigError, DataError
from edigate.mapping.expr import Expression, ExpressionFailed, compile_expression
from edigate.model import Order, Purpose, dumps, loads, to_json
from edigate.config.partners import Destination

__all__ = ["Delivery", "Router", "X12Writer", "XSD_PATH", "export_name", "render", "route"]

XSD_PATH = Path(__file__).parents[1] / "data" / "order-export.xsd"
NS = "urn:edigate:order-export:1"
_HEAD = re.compile(r'\{"po_number": (?P<po>"(?:[^"\\]|\\.)*"), "po_date": (?:"[^"\\]*"|null), '
                   r'"purpose": (?P<purpose>"[^"\\]*")')
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_PART = 40
"""Characters kept of a PO number in a file name (the document id keeps names apart)."""
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


class Router:
    """A partner's destinations, with their ``when`` conditions compiled once.

    `route` takes an order or its canonical JSON text as the store keeps it; from text,
    the order is decoded only when a destination needs more than that text (a condition,
    XML or CSV), which keeps routing a 10k-order file cheap.
    """

    def __init__(self, destinations: Sequence[Destination], *, partner: str, file: str = "",
                 lines: Mapping[str, int] | None = None) -> None:
        """``file`` and ``lines`` (the partner file and its `Partner.lines`) locate each
        condition, so a condition that fails names its file:line."""
        self.destinations = tuple(destinations)
        self.partner = partner
        self._conditions: dict[str, Expression] = {}
        for i, dest in enumerate(self.destinations):
            if dest.when:
                path = f"routing[{i}].when"
                self._conditions[dest.name] = compile_expression(
                    dest.when, file, (lines or {}).get(path), path, names=frozenset({"order"}))
        self.needs_order = any(d.when or d.format != "json" for d in self.destinations)
        """Whether routing from canonical text must decode the order."""

    def route(self, order: Order | str, *, document: int, x12: X12Writer | None = None,
              only: Callable[[str, str], bool] | None = None) -> list[Delivery]:
        """One delivery per destination whose ``when`` holds for the order; ``document`` is
        the stored document's id (it makes the file name unique); ``x12`` writes the 940s;
        ``only`` (destination name, format) narrows the destinations (a cancel goes where the
        earlier order went). A condition that cannot be evaluated raises `DataError`
        (``route.when``) naming its file:line."""
        text = order if isinstance(order, str) else None
        record = order if isinstance(order, Order) else (loads(Order, order) if self.needs_order else None)
        data: dict[str, Any] | None = None
        deliveries = []
        for dest in self.destinations:
            if only is not None and not only(dest.name, dest.format):
                continue
            if dest.when:
                assert record is not None  # needs_order
                if data is None:
                    data = {**to_json(record), "total": record.total_amount or Decimal(0),
                            "line_count": record.line_count, "quantity_total": record.quantity_total}
                if not self._holds(dest.name, data):
                    continue
            po_number, purpose = _names(record, text or "")
            connector = PAYLOAD_FORMATS.get(dest.format)
            extension = connector.extension(dest) if connector else dest.format.split("-")[0]
            name = export_name(self.partner, po_number, purpose, document, extension)
            if dest.format == "x12-940":
                assert record is not None
                deliveries.append(_x12(record, dest, name, x12))
            elif connector is not None:
                assert record is not None
                deliveries.append(_connector(record, dest, name, connector.write, self.partner, document))
            elif dest.format not in FORMATS:
                deliveries.append(Delivery(dest.name, name, b"", dest.target,
                                           f"format {dest.format} is not built yet"))
            elif dest.format == "json" and text is not None:
                deliveries.append(Delivery(dest.name, name, (text + "\n").encode(), dest.target))
            else:
                assert record is not None
                deliveries.append(Delivery(dest.name, name, render(record, dest.format, partner=self.partner),
                                           dest.target))
        return deliveries

    def _holds(self, name: str, data: dict[str, Any]) -> bool:
        try:
            return bool(self._conditions[name]({"order": data}))
        except ExpressionFailed as exc:
            raise DataError(f"routing {name}: {exc.message}", code="route.when") from exc


def route(order: Order, destinations: Sequence[Destination], *, partner: str, document: int,
          x12: X12Writer | None = None) -> list[Delivery]:
    """One delivery per destination whose ``when`` holds for ``order`` (see `Router`)."""
    return Router(destinations, partner=partner).route(order, document=document, x12=x12)


def export_name(partner: str, po_number: str, purpose: str, document: int, extension: str) -> str:
    """``<partner>-<po>-<purpose>-<document id>.<extension>``: readable, and unique per
    document however its PO number reads (``A/B``, ``A_B`` and ``A B`` make the same safe
    text; their ids differ)."""
    return f"{_safe(partner)}-{_safe(po_number)[:_NAME_PART]}-{_safe(purpose)}-{document}.{_safe(extension)}"


def _names(record: Order | None, text: str) -> tuple[str, str]:
    """The PO number and purpose a file name is made of."""
    if record is not None:
        return record.po_number, record.purpose.value
    head = _HEAD.match(text)
    if head is not None:  # the codec writes these first: no need to decode 20 lines for a name
        return json.loads(head["po"]), json.loads(head["purpose"])
    data = json.loads(text) if text else {}
    found, purpose = data.get("po_number"), data.get("purpose", Purpose.ORIGINAL.value)
    return (found if isinstance(found, str) else "order"), str(purpose)


def _x12(order: Order, dest: Destination, name: str, x12: X12Writer | None) -> Delivery:
    if x12 is None:
        return Delivery(dest.name, name, b"", dest.target, "a 940 needs the store for its control numbers: "
                        "route stored orders (the pipeline, edigate orders release)")
    try:
        data, sent = x12(order, dest)
    except DataError as exc:
        return Delivery(dest.name, name, b"", dest.target, f"940 for {order.po_number}: {exc.message}")
    return Delivery(dest.name, name, data, dest.target, sent=sent)


def _connector(order: Order, dest: Destination, name: str, write: Callable[[Order, Destination, str, int], bytes],
               partner: str, document: int) -> Delivery:
    """A business system's document for the order (`edigate.connectors.formats`)."""
    try:
        return Delivery(dest.name, name, write(order, dest, partner, document), dest.target)
    except (DataError, ConfigError) as exc:
        return Delivery(dest.name, name, b"", dest.target, f"{dest.format} for {order.po_number}: {exc.message}")


def _safe(text: str) -> str:
    """Letters, digits, ``.``, ``_`` and ``-`` only; no leading dot (``..`` is not a name)."""
    return _SAFE_NAME.sub("_", text).strip("._-") or "_"


def render(order: Order, fmt: str, *, partner: str) -> bytes:
    """``order`` as JSON (the canonical form), XML (order-export.xsd) or CSV (one row per line)."""
    if fmt == "json":
        return (dumps(order) + "\n").encode()
    if fmt == "xml":
        return _xml(order, partner)
    if fmt == "csv":
        return _csv(order)
    raise DataError(f"format {fmt!r} is not available for routing yet", code="route.format")


def _csv(order: Order) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["po_number", "po_date", "line", "sku", "upc", "quantity", "uom", "unit_price", "ship_to",
                     "purpose"])
    ship_to = order.ship_to.ids.buyer_location or order.ship_to.name if order.ship_to else ""
    for line in order.lines:
        writer.writerow([order.po_number, order.po_date.isoformat(), line.line_number,
                         line.product_ids.vendor_part or "", line.product_ids.upc or "", line.quantity, line.uom,
                         "" if line.unit_price is None else line.unit_price, ship_to or "", order.purpose.value])
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
    schema = _schema()
    document = etree.fromstring(data, parser)
    if not schema.validate(document):
        raise DataError(f"order export does not match order-export.xsd: {schema.error_log}",
                        code="route.xsd")


@cache
def _schema() -> etree.XMLSchema:
    """The published XSD, parsed once per process (parsing it cost more than the export)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD_PATH), parser))
