"""The 3PL's side of an order: 940 warehouse shipping orders out, 945 shipping advice in.

A routing destination of format ``x12-940`` sends each accepted order to a third-party
warehouse as a 940 in the 3PL's own envelope (``x12.receiver`` in the partner file), with
control numbers from a sequence of the 3PL's (shared by every partner that routes there).
What is pure lives here (the 940's key and envelope); `edigate.stages.warehouse_out` writes,
archives and records each 940 once per order and destination, so a resumed route stage
sends the same interchange again, never a second order.

The 3PL answers with a 945 when it ships. `read_shipping_advice` checks its structure and
reads it into the same confirmation rows a CSV or JSON confirmation gives: W06 (shipment
id, date, PO number), N9*BM (bill of lading), N9*CN (tracking), W27 (carrier SCAC), one LX
loop per carton (MAN*GM: its SSCC-18) with a W12 loop per item (W1203 units shipped, W1205
unit, N9*LI the PO line; without N9*LI the line is found by W1207/W1208 product id), W03
(total weight).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from edigate.config.partners import Destination, Partner
from edigate.config.workspace import Workspace
from edigate.errors import DataError
from edigate.model import Order
from edigate.orders.fulfillment import ConfirmationRow
from edigate.x12.envelope import EnvelopeReader, Party, Transaction
from edigate.x12.findings import no_errors
from edigate.x12.segment import Segment
from edigate.x12.validate import Validator
from edigate.x12.writer import Envelope

__all__ = ["is_x12", "read_shipping_advice", "shipping_order_envelope", "shipping_order_key"]


def shipping_order_key(partner: str, document_id: int, destination: str) -> str:
    """The business key of the 940 for one stored order and destination: one per pair, so a
    resumed route sends the same interchange again, and a cancel finds where the order went."""
    return f"940:{partner}:{document_id}:{destination}"


def shipping_order_envelope(workspace: Workspace, partner: Partner, destination: Destination) -> Envelope:
    """The 3PL's envelope for a 940: our identity as the partner's, theirs from ``x12.receiver``."""
    x12 = destination.x12
    if x12 is None:
        raise DataError(f"routing {destination.name}: an x12-940 destination needs x12.receiver", code="route.x12")
    ours, theirs = partner.our_identity(workspace), x12.receiver
    return Envelope(Party(ours.isa_qualifier, ours.isa_id), Party(theirs.isa_qualifier, theirs.isa_id),
                    ours.gs_id, theirs.gs_id, version=x12.version[:5], gs_version=x12.version, usage=partner.usage)


# -- 945 in ---------------------------------------------------------------------------------

def is_x12(data: bytes) -> bool:
    """Whether a confirmation file is an X12 interchange rather than CSV or JSON."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"ISA")


def read_shipping_advice(data: bytes, name: str, orders: Mapping[str, Order],
                         validator: Validator | None = None) -> list[ConfirmationRow]:
    """The rows of every 945 in an interchange, after checking envelope and structure."""
    check = validator or Validator()
    rows: list[ConfirmationRow] = []
    problems: list[str] = []
    for event in EnvelopeReader(data, name=name):
        problems += [f"{name}: {f.text}" for f in event.findings if f.is_error]
        if not isinstance(event, Transaction):
            continue
        if event.set_id != "945":
            problems.append(f"{name}: ST02 {event.control_number} is a {event.set_id}, not a 945 shipping advice")
            continue
        found = check(event)
        if not no_errors(found):
            problems += [f"{name}: ST02 {event.control_number}: {f.text}" for f in found if f.is_error]
            continue
        rows += _advice(list(event.body), name, event.control_number, orders, problems, len(rows))
    if problems:
        raise DataError("\n".join(problems), code="shipment.945")
    if not rows:
        raise DataError(f"{name}: no 945 shipping advice in the file", code="shipment.945")
    return rows


@dataclass
class _Header:
    shipment_id: str = ""
    po_number: str = ""
    ship_date: dt.date | None = None
    bol: str = ""
    tracking: str = ""
    scac: str = ""
    weight: Decimal | None = None
    weight_uom: str = "LB"


def _advice(body: list[Segment], name: str, st02: str, orders: Mapping[str, Order], problems: list[str],
            first_row: int) -> list[ConfirmationRow]:
    head = _header(body)
    where = f"{name}: ST02 {st02}"
    if not head.shipment_id or not head.po_number or head.ship_date is None:
        problems.append(f"{where}: W06 needs the order (W0602 or W0606), a date (W0603 or G62*11) and a shipment id")
        return []
    rows: list[ConfirmationRow] = []
    sscc = ""
    for n, seg in enumerate(body):
        if seg.id == "LX":
            sscc = ""
        elif seg.id == "MAN" and _el(seg, 1) == "GM":
            sscc = _el(seg, 2)
        elif seg.id == "W12":
            line = _line_number(body, n, orders.get(head.po_number))
            if line is None:
                problems.append(f"{where}: W12 at segment {n + 2}: no N9*LI and no order line with its product id")
                continue
            try:
                quantity = Decimal(_el(seg, 3))
            except InvalidOperation:
                problems.append(f"{where}: W12 at segment {n + 2}: W1203 {_el(seg, 3)!r} is not a quantity")
                continue
            rows.append(ConfirmationRow(first_row + len(rows) + 1, head.shipment_id, head.ship_date, head.po_number,
                                        line, quantity, _el(seg, 5), sscc, "", head.tracking, head.scac, head.bol,
                                        head.weight if not rows else None, head.weight_uom))
    return rows


def _header(body: list[Segment]) -> _Header:
    head = _Header()
    for seg in body:
        if seg.id == "W06":
            head.po_number = _el(seg, 6) or _el(seg, 2)
            head.shipment_id = _el(seg, 4) or _el(seg, 2)
            head.ship_date = _date(_el(seg, 3)) or head.ship_date
        elif seg.id == "N9" and _el(seg, 1) == "BM" and not head.bol:
            head.bol = _el(seg, 2)
        elif seg.id == "N9" and _el(seg, 1) in ("CN", "2I") and not head.tracking:
            head.tracking = _el(seg, 2)
        elif seg.id == "G62" and _el(seg, 1) == "11":
            head.ship_date = _date(_el(seg, 2)) or head.ship_date
        elif seg.id == "W27":
            head.scac = _el(seg, 2)
        elif seg.id == "W03" and _el(seg, 2):
            head.weight, head.weight_uom = Decimal(_el(seg, 2)), _el(seg, 3) or "LB"
    return head


def _line_number(body: list[Segment], at: int, order: Order | None) -> str | None:
    """N9*LI in the W12 loop, else the order line whose product ids hold W1207/W1208."""
    for seg in body[at + 1:]:
        if seg.id in ("W12", "LX", "W03"):
            break
        if seg.id == "N9" and _el(seg, 1) == "LI":
            return _el(seg, 2)
    wanted = (_el(body[at], 7), _el(body[at], 8))
    upc = _el(body[at], 6)
    for line in order.lines if order else ():
        ids = set(line.product_ids)
        if wanted in ids or (upc and ("UP", upc) in ids):
            return line.line_number
    return None


def _el(seg: Segment, position: int) -> str:
    return seg.get(position)


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date() if len(text) == 8 else None
    except ValueError:
        return None
