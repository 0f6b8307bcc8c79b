"""What SAP decided, shipped and billed, from its IDocs (XML), as our PoAck, Shipment, Invoice.

So the 855, 856 and 810 come from the ERP: an order response (message ``ORDRSP``, basic
type ``ORDERS05``), a delivery (``DESADV``, basic type ``DELVRY07``) and an invoice
(``INVOIC``, basic type ``INVOIC02``), in SAP's XML form of an IDoc. Segments and fields
read (SAP's IDoc documentation, transaction WE60):

- ORDRSP: ``E1EDK01`` BELNR (SAP's order number), ``E1EDK02`` 001 (the customer's PO and
  date), ``E1EDP01`` per item (MENGE ordered, ABGRU reason for rejection) with ``E1EDP02``
  001 ZEILE (the customer's line), ``E1EDP20`` (confirmed WMENG on EDATU), ``E1EDP19``.
- DELVRY07: ``E1EDL20`` (VBELN delivery, BOLNR, BTGEW/GEWEI, ANZPK) with ``E1EDT13``
  (006 goods issue: NTANF), ``E1ADRM1`` (WE ship-to, SP carrier), ``E1EDL24`` items
  (LFIMG, VRKME, MATNR, KDMAT, EAN11) with ``E1EDL41`` (BSTNR PO, POSEX line), ``E1EDL37``
  handling units (EXIDV SSCC, EXIDV2 tracking) with ``E1EDL44`` (VBELN/POSNR, VEMNG).
- INVOIC02: ``E1EDK01`` (CURCY, BELNR), ``E1EDKA1`` (AG, WE, RE, RS), ``E1EDK02`` (001
  PO, 009 invoice), ``E1EDK03`` (026 invoice date), ``E1EDK04`` (tax), ``E1EDP01`` (MENGE,
  MENEE, VPREI, PEINH) with ``E1EDP02`` 001 and ``E1EDP19``, ``E1EDS01`` 011 (total).

XML is parsed without entities or network. A missing field we need raises `DataError`
(``sap.reply``) naming the IDoc and segment.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from lxml import etree

from edigate.errors import DataError
from edigate.model import (
    AckType,
    Address,
    Carrier,
    Carton,
    Invoice,
    InvoiceLine,
    LineAck,
    LineStatus,
    Party,
    PartyIds,
    PoAck,
    ProductIds,
    Shipment,
    ShippedItem,
    ShippedOrder,
    Tax,
    Weight,
    is_valid_sscc,
)

__all__ = ["document", "invoice", "po_ack", "read_idoc", "shipment"]

T = TypeVar("T")
_X12_UOM = {"PCE": "EA", "ST": "EA", "EA": "EA", "CS": "CA", "CA": "CA", "DZN": "DZ", "KGM": "KG", "KG": "KG",
            "LB": "LB", "BX": "BX"}
_PRODUCT = {"001": "BP", "002": "VN", "003": "UP"}
_ROLES = {"AG": "BY", "WE": "ST", "RE": "BT", "RS": "RI", "LF": "SU", "RG": "PR"}


class _Idoc:
    """One IDoc's segments, read by name; `need` raises naming the IDoc and segment."""

    def __init__(self, root: etree._Element) -> None:
        idoc = root.find("IDOC")
        if idoc is None:
            raise DataError(f"{root.tag}: no IDOC element", code="sap.reply")
        self.root = idoc
        self.type = str(root.tag)
        control = idoc.find("EDI_DC40")
        self.message = _text(control, "MESTYP") or "" if control is not None else ""
        self.created = _date(_text(control, "CREDAT")) if control is not None else None

    def all(self, path: str) -> list[etree._Element]:
        return list(self.root.iterfind(path))

    def need(self, value: T | None, where: str) -> T:
        if value is None or value == "":
            raise DataError(f"{self.type} {self.message}: {where} is missing", code="sap.reply")
        return value


def read_idoc(data: bytes) -> _Idoc:
    """Parse IDoc XML safely (no entities, no network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return _Idoc(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise DataError(f"IDoc XML cannot be read: {exc}", code="sap.reply") from exc


def document(data: bytes) -> PoAck | Shipment | Invoice:
    """The IDoc read once and taken by its message type (ORDRSP, DESADV or INVOIC);
    `DataError` (``reply.message``) for any other."""
    idoc = read_idoc(data)
    if idoc.message == "ORDRSP":
        return _po_ack(idoc)
    if idoc.message == "DESADV":
        return _shipment(idoc)
    if idoc.message == "INVOIC":
        return _invoice(idoc)
    raise DataError(f"IDoc message type {idoc.message or '(none)'} is not one we take: ORDRSP, DESADV or INVOIC",
                    code="reply.message")


def _text(el: etree._Element | None, tag: str) -> str | None:
    found = el.findtext(tag) if el is not None else None
    return found.strip() if found and found.strip() else None


def _date(text: str | None) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date() if text and text.strip("0") else None
    except ValueError:
        return None


def _dec(text: str | None) -> Decimal | None:
    try:
        # SAP writes a trailing minus for negatives
        return Decimal(text[-1] + text[:-1]) if text and text.endswith("-") else Decimal(text) if text else None
    except InvalidOperation:
        return None


def _qualified(segments: list[etree._Element], qualifier_tag: str, qualifier: str) -> etree._Element | None:
    return next((s for s in segments if _text(s, qualifier_tag) == qualifier), None)


def _uom(text: str | None) -> str:
    return _X12_UOM.get(text or "", (text or "EA")[:2])


def _products(item: etree._Element, *pairs: tuple[str, str]) -> ProductIds:
    ids = [(_PRODUCT[q], v) for s in item.iterfind("E1EDP19")
           if (q := _text(s, "QUALF")) in _PRODUCT and (v := _text(s, "IDTNR"))]
    ids += [(qual, v) for tag, qual in pairs if (v := _text(item, tag))]
    return ProductIds(tuple(dict.fromkeys(ids)))


# -- ORDRSP -> PoAck ------------------------------------------------------------------------

def po_ack(data: bytes) -> PoAck:
    """An order response (ORDRSP) as our PoAck: what SAP confirmed, line by line."""
    return _po_ack(read_idoc(data))


def _po_ack(idoc: _Idoc) -> PoAck:
    po = _qualified(idoc.all("E1EDK02"), "QUALF", "001")
    po_number = idoc.need(_text(po, "BELNR"), "E1EDK02 (001) BELNR")
    po_date = _date(_text(po, "DATUM")) or idoc.created
    header = idoc.root.find("E1EDK01")
    lines = tuple(_line_ack(item) for item in idoc.all("E1EDP01"))
    statuses = {line.status for line in lines}
    ack_type = (AckType.REJECTED_WITH_DETAIL if statuses == {LineStatus.REJECTED}
                else AckType.ACCEPTED_NO_CHANGE if statuses <= {LineStatus.ACCEPTED}
                else AckType.ACCEPTED_WITH_CHANGES)
    return PoAck(po_number=po_number, po_date=idoc.need(po_date, "E1EDK02 (001) DATUM"),
                 ack_type=ack_type, ack_date=idoc.created or date.today(),
                 ack_number=_text(header, "BELNR"), lines=lines)


def _line_ack(item: etree._Element) -> LineAck:
    ref = _qualified(list(item.iterfind("E1EDP02")), "QUALF", "001")
    number = _text(ref, "ZEILE") or _text(item, "POSEX") or ""
    ordered = _dec(_text(item, "MENGE")) or Decimal(0)
    schedules = list(item.iterfind("E1EDP20"))
    confirmed = sum((_dec(_text(s, "WMENG")) or Decimal(0) for s in schedules), Decimal(0)) if schedules else ordered
    when = next((d for s in schedules if (d := _date(_text(s, "EDATU")))), None)
    if _text(item, "ABGRU") or confirmed == 0:
        status, confirmed = LineStatus.REJECTED, Decimal(0)
    elif confirmed < ordered:
        status = LineStatus.QUANTITY_CHANGED
    else:
        status = LineStatus.ACCEPTED
    return LineAck(line_number=number.lstrip("0") or number, status=status, quantity=confirmed,
                   uom=_uom(_text(item, "MENEE")), unit_price=_dec(_text(item, "VPREI")), scheduled_date=when,
                   product_ids=_products(item), ordered_quantity=ordered)


# -- DESADV (DELVRY07) -> Shipment ----------------------------------------------------------

def shipment(data: bytes) -> Shipment:
    """A delivery (DESADV, DELVRY07) as our Shipment: orders, items and handling units."""
    return _shipment(read_idoc(data))


def _shipment(idoc: _Idoc) -> Shipment:
    head = idoc.root.find("E1EDL20")
    if head is None:
        raise DataError(f"{idoc.type}: no E1EDL20 (delivery header)", code="sap.reply")
    shipped = _date(_text(_qualified(list(head.iterfind("E1EDT13")), "QUALF", "006"), "NTANF"))
    items = {(_text(i, "POSNR") or ""): i for i in head.iterfind("E1EDL24")}
    orders: dict[str, list[ShippedItem]] = {}
    for posnr, item in items.items():
        po, _ = _delivery_ref(idoc, item)
        orders.setdefault(po, []).append(_shipped_item(idoc, item))
    cartons = tuple(_carton(idoc, hu, items) for hu in head.iterfind("E1EDL37"))
    weight = _dec(_text(head, "BTGEW"))
    carrier = _qualified(list(head.iterfind("E1ADRM1")), "PARTNER_Q", "SP")
    return Shipment(
        shipment_id=idoc.need(_text(head, "VBELN"), "E1EDL20 VBELN"),
        ship_date=idoc.need(shipped or idoc.created, "E1EDT13 (006) NTANF"),
        bol_number=_text(head, "BOLNR"),
        gross_weight=Weight(weight, _uom(_text(head, "GEWEI"))) if weight else None,
        lading_quantity=int(_dec(_text(head, "ANZPK")) or 0) or None,
        carrier=Carrier(scac=_text(carrier, "PARTNER_ID")) if carrier is not None else None,
        ship_to=_adrm1(_qualified(list(head.iterfind("E1ADRM1")), "PARTNER_Q", "WE"), "ST"),
        orders=tuple(_shipped_order(po, lines, cartons, items, idoc) for po, lines in orders.items()))


def _delivery_ref(idoc: _Idoc, item: etree._Element) -> tuple[str, str]:
    ref = _qualified(list(item.iterfind("E1EDL41")), "QUALI", "001")
    po = idoc.need(_text(ref, "BSTNR"), f"E1EDL24 {_text(item, 'POSNR')} E1EDL41 (001) BSTNR")
    return po, (_text(ref, "POSEX") or _text(item, "POSNR") or "").lstrip("0")


def _shipped_item(idoc: _Idoc, item: etree._Element, quantity: Decimal | None = None) -> ShippedItem:
    _, line = _delivery_ref(idoc, item)
    ids = ProductIds(tuple((q, v) for tag, q in (("KDMAT", "BP"), ("MATNR", "VN"), ("EAN11", "UP"))
                           if (v := _text(item, tag))))
    return ShippedItem(line_number=line, quantity_shipped=quantity if quantity is not None else
                       (_dec(_text(item, "LFIMG")) or Decimal(0)), uom=_uom(_text(item, "VRKME")), product_ids=ids)


def _carton(idoc: _Idoc, hu: etree._Element, items: dict[str, etree._Element]) -> tuple[str, Carton]:
    """A handling unit as a carton, with the PO its contents belong to."""
    contents = []
    po = ""
    for c in hu.iterfind("E1EDL44"):
        item = items.get(_text(c, "POSNR") or "")
        if item is None:
            raise DataError(f"{idoc.type}: E1EDL44 names item {_text(c, 'POSNR')} not in the delivery",
                            code="sap.reply")
        po = _delivery_ref(idoc, item)[0]
        contents.append(_shipped_item(idoc, item, _dec(_text(c, "VEMNG"))))
    exidv = _text(hu, "EXIDV")
    sscc = exidv if exidv and is_valid_sscc(exidv) else None
    tracking = _text(hu, "EXIDV2") or (None if sscc else exidv)
    return po, Carton(sscc=sscc, items=tuple(contents), tracking_number=tracking)


def _shipped_order(po: str, lines: list[ShippedItem], cartons: tuple[tuple[str, Carton], ...],
                   items: dict[str, etree._Element], idoc: _Idoc) -> ShippedOrder:
    mine = tuple(c for owner, c in cartons if owner == po)
    first = next(i for i in items.values() if _delivery_ref(idoc, i)[0] == po)
    po_date = _date(_text(_qualified(list(first.iterfind("E1EDL41")), "QUALI", "001"), "BSTDT"))
    return ShippedOrder(po_number=po, po_date=po_date, cartons=mine, items=() if mine else tuple(lines))


def _adrm1(el: etree._Element | None, role: str) -> Party | None:
    if el is None:
        return None
    return Party(role=role, name=_text(el, "NAME1"),
                 ids=PartyIds((("92", v),)) if (v := _text(el, "PARTNER_ID")) else PartyIds(),
                 address=_address(el, "STREET1", "CITY1", "POSTL_COD1", "REGION", "COUNTRY1"))


def _address(el: etree._Element, street: str, city: str, postal: str, region: str, country: str) -> Address | None:
    if not any(_text(el, t) for t in (street, city, postal)):
        return None
    return Address(lines=tuple(v for v in (_text(el, street),) if v), city=_text(el, city),
                   postal_code=_text(el, postal), state=_text(el, region), country=_text(el, country))


# -- INVOIC (INVOIC02) -> Invoice -------------------------------------------------------------

def invoice(data: bytes) -> Invoice:
    """A billing document (INVOIC, INVOIC02) as our Invoice; its total must match SAP's."""
    return _invoice(read_idoc(data))


def _invoice(idoc: _Idoc) -> Invoice:
    head = idoc.root.find("E1EDK01")
    refs = idoc.all("E1EDK02")
    po = _qualified(refs, "QUALF", "001")
    number = _text(_qualified(refs, "QUALF", "009"), "BELNR") or _text(head, "BELNR")
    dates = idoc.all("E1EDK03")
    when = (_date(_text(_qualified(dates, "IDDAT", "026"), "DATUM"))
            or _date(_text(_qualified(refs, "QUALF", "009"), "DATUM")) or idoc.created)
    parties = {_text(p, "PARVW"): _party(p) for p in idoc.all("E1EDKA1")}
    result = Invoice(
        invoice_number=idoc.need(number, "E1EDK01 BELNR"), invoice_date=idoc.need(when, "E1EDK03 (026) DATUM"),
        po_number=idoc.need(_text(po, "BELNR"), "E1EDK02 (001) BELNR"), po_date=_date(_text(po, "DATUM")),
        currency=_text(head, "CURCY"), buyer=parties.get("AG"), ship_to=parties.get("WE"),
        bill_to=parties.get("RE"), remit_to=parties.get("RS"),
        lines=tuple(_invoice_line(idoc, item) for item in idoc.all("E1EDP01")),
        taxes=tuple(Tax(type_code="ST", amount=amount, percent=_dec(_text(t, "MSATZ")))
                    for t in idoc.all("E1EDK04") if (amount := _dec(_text(t, "MWSBT"))) is not None))
    _check_total(idoc, result)
    return result


def _party(el: etree._Element) -> Party:
    role = _ROLES.get(_text(el, "PARVW") or "", "ZZ")
    return Party(role=role, name=_text(el, "NAME1"),
                 ids=PartyIds((("92", v),)) if (v := _text(el, "PARTN")) else PartyIds(),
                 address=_address(el, "STRAS", "ORT01", "PSTLZ", "REGIO", "LAND1"))


def _invoice_line(idoc: _Idoc, item: etree._Element) -> InvoiceLine:
    ref = _qualified(list(item.iterfind("E1EDP02")), "QUALF", "001")
    number = _text(ref, "ZEILE") or _text(item, "POSEX") or ""
    quantity = _dec(_text(item, "MENGE")) or Decimal(0)
    price = _dec(_text(item, "VPREI"))
    per = _dec(_text(item, "PEINH")) or Decimal(1)
    if price is None:
        net = _dec(_text(_qualified(list(item.iterfind("E1EDP26")), "QUALF", "003"), "BETRG"))
        price = net / quantity if net is not None and quantity else None
    return InvoiceLine(line_number=number.lstrip("0") or number, quantity=quantity, uom=_uom(_text(item, "MENEE")),
                       unit_price=idoc.need(price, f"E1EDP01 {number} VPREI") / per,
                       product_ids=_products(item))


def _check_total(idoc: _Idoc, result: Invoice) -> None:
    total = _dec(_text(_qualified(idoc.all("E1EDS01"), "SUMID", "011"), "SUMME"))
    if total is not None and total != result.total_amount:
        raise DataError(f"{idoc.type} {result.invoice_number}: E1EDS01 (011) total {total} is not the sum "
                        f"of its lines and taxes ({result.total_amount})", code="sap.reply")
