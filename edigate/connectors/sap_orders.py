"""An accepted order as an SAP ``ORDERS05`` IDoc in XML, for S/4HANA's sales order inbound.

The IDoc is written in SAP's XML form of an IDoc (the IDoc type as root, one ``IDOC``
holding the control record ``EDI_DC40`` and the segments as elements, fields as child
elements), checked against ``edigate/data/idoc/ORDERS05.xsd`` before it leaves. Which
segment carries what (SAP's own documentation of ORDERS05, transaction WE60):

- ``E1EDK01``: currency (CURCY), the customer's PO number (BELNR);
- ``E1EDK14``: sales organisation (008), distribution channel (007), division (006),
  sales document type (012);
- ``E1EDK03``: dates, by qualifier (012 document date, 002 requested delivery);
- ``E1EDKA1``: one per partner role (AG sold-to, WE ship-to, RE bill-to, LF vendor);
- ``E1EDK02``: the customer's purchase order (qualifier 001) and its date;
- ``E1EDP01`` per line: item (POSEX), quantity and unit, price; with ``E1EDP05`` (price
  condition), ``E1EDP20`` (schedule line: quantity and date) and ``E1EDP19`` (material
  numbers: 001 the customer's, 002 ours, 003 EAN/UPC).

SAP's sales order inbound finds its own partner numbers from the customer's (EDPAR) and
its material from the customer-material info record, so both are passed as sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

from edigate.config.connectors import SapTarget
from edigate.errors import DataError
from edigate.model import Order, OrderLine, Party

__all__ = ["ORDERS05_XSD", "orders05", "validate_idoc"]

IDOC_DIR = Path(__file__).parents[1] / "data" / "idoc"
ORDERS05_XSD = IDOC_DIR / "ORDERS05.xsd"
_ROLES = (("buyer", "AG"), ("ship_to", "WE"), ("bill_to", "RE"), ("seller", "LF"))
"""Our party roles and SAP's partner functions (PARVW)."""
_UOM = {"EA": "EA", "CA": "CS", "CS": "CS", "PC": "PCE", "BX": "BX", "DZ": "DZN", "LB": "LB", "KG": "KGM"}
"""X12 units (355) to SAP's ISO-based internal units where they differ; others pass as sent."""


def orders05(order: Order, target: SapTarget, *, document: int, partner: str,
             now: datetime | None = None) -> bytes:
    """The ORDERS05 IDoc for ``order``; ``document`` (our stored document id) is DOCNUM, so
    a resent order has the same number. Raises `DataError` (``sap.idoc``) if the result
    does not match the XSD."""
    when = now or datetime.now(UTC)
    root = etree.Element("ORDERS05")
    idoc = etree.SubElement(root, "IDOC", BEGIN="1")
    _control(idoc, target, document, when)
    _header(idoc, order, target)
    for line in order.lines:
        _item(idoc, line, order)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_idoc(data, ORDERS05_XSD, f"ORDERS05 for {partner} PO {order.po_number}")
    return data


def _segment(parent: etree._Element, name: str, *fields: tuple[str, str | None]) -> etree._Element:
    """A segment with its fields in the given (SAP's) order; empty fields are left out."""
    el = etree.SubElement(parent, name, SEGMENT="1")
    for tag, value in fields:
        if value:
            etree.SubElement(el, tag).text = value
    return el


def _control(idoc: etree._Element, t: SapTarget, document: int, when: datetime) -> None:
    el = etree.SubElement(idoc, "EDI_DC40", SEGMENT="1")
    for tag, value in (("TABNAM", "EDI_DC40"), ("MANDT", t.client), ("DOCNUM", f"{document:016d}"),
                       ("DIRECT", "2"), ("IDOCTYP", "ORDERS05"), ("MESTYP", "ORDERS"),
                       ("SNDPOR", t.sender_port), ("SNDPRT", t.sender_partner_type), ("SNDPRN", t.sender_partner),
                       ("RCVPOR", t.receiver_port), ("RCVPRT", "LS"), ("RCVPRN", t.receiver_partner),
                       ("CREDAT", when.strftime("%Y%m%d")), ("CRETIM", when.strftime("%H%M%S"))):
        etree.SubElement(el, tag).text = value


def _header(idoc: etree._Element, order: Order, t: SapTarget) -> None:
    _segment(idoc, "E1EDK01", ("CURCY", order.currency or "USD"), ("BELNR", order.po_number[:35]))
    for qualifier, value in (("006", t.division), ("007", t.distribution_channel),
                             ("008", t.sales_org), ("012", t.order_type)):
        _segment(idoc, "E1EDK14", ("QUALF", qualifier), ("ORGID", value))
    _segment(idoc, "E1EDK03", ("IDDAT", "012"), ("DATUM", _date(order.po_date)))
    if order.dates.requested_delivery:
        _segment(idoc, "E1EDK03", ("IDDAT", "002"), ("DATUM", _date(order.dates.requested_delivery)))
    for attr, role in _ROLES:
        party = getattr(order, attr)
        if role == "AG":
            _party(idoc, "E1EDKA1", role, t.sold_to, party)
        elif party is not None:
            _party(idoc, "E1EDKA1", role, _party_number(party), party)
    _segment(idoc, "E1EDK02", ("QUALF", "001"), ("BELNR", order.po_number[:35]), ("DATUM", _date(order.po_date)))


def _party_number(party: Party) -> str | None:
    ids = party.ids
    return ids.buyer_location or ids.gln or ids.duns or ids.seller_location


def _party(parent: etree._Element, name: str, role: str, number: str | None, party: Party | None) -> None:
    a = party.address if party is not None else None
    street = a.lines if a is not None else ()
    _segment(parent, name, ("PARVW", role), ("PARTN", (number or "")[:17]),
             ("NAME1", (party.name or "")[:35] if party else None),
             ("STRAS", street[0][:35] if street else None), ("STRS2", street[1][:35] if len(street) > 1 else None),
             ("ORT01", a.city[:35] if a and a.city else None), ("PSTLZ", a.postal_code if a else None),
             ("LAND1", a.country[:3] if a and a.country else None), ("REGIO", a.state[:3] if a and a.state else None))


def _item(idoc: etree._Element, line: OrderLine, order: Order) -> None:
    unit = _UOM.get(line.uom, line.uom)
    p01 = _segment(idoc, "E1EDP01", ("POSEX", line.line_number[:6]), ("MENGE", _qty(line.quantity)),
                   ("MENEE", unit), ("VPREI", _amount(line.unit_price)),
                   ("PEINH", "1" if line.unit_price is not None else None),
                   ("NETWR", _amount(line.extended_amount)), ("CURCY", order.currency))
    if line.unit_price is not None:
        _segment(p01, "E1EDP05", ("ALCKZ", "+"), ("KSCHL", "PR00"), ("KRATE", _amount(line.unit_price)),
                 ("UPRBS", "1"), ("MEAUN", unit))
    when = line.dates.requested_delivery or order.dates.requested_delivery or line.dates.requested_ship
    _segment(p01, "E1EDP20", ("WMENG", _qty(line.quantity)), ("EDATU", _date(when) if when else None))
    ids = line.product_ids
    for qualifier, value in (("001", ids.buyer_part or ids.buyer_item), ("002", ids.vendor_part),
                             ("003", ids.upc or ids.ean or ids.gtin14)):
        if value:
            _segment(p01, "E1EDP19", ("QUALF", qualifier), ("IDTNR", value[:35]),
                     ("KTEXT", (line.description or "")[:70] or None))


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _qty(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.001")), "f")


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.0001")).normalize(), "f")


def validate_idoc(data: bytes, xsd: Path, what: str) -> None:
    """Check an IDoc against its XSD; `DataError` (``sap.idoc``) listing what is wrong."""
    schema = _schema(xsd)
    document = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    if not schema.validate(document):
        errors = "; ".join(str(schema.error_log).splitlines()[:5])
        raise DataError(f"{what} does not match {xsd.name}: {errors}", code="sap.idoc")


@cache
def _schema(xsd: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(xsd), parser))
