"""The canonical purchase order (850): what the partner asked for, as the maps read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from edigate.model._types import InvalidValueError, Record, added
from edigate.model.common import (
    AllowanceCharge,
    Amount,
    Carrier,
    Contact,
    Dates,
    Extensions,
    Fob,
    Note,
    Party,
    ProductIds,
    Purpose,
    Reference,
    SourceRef,
    Terms,
    net_adjustment,
)

__all__ = ["DeclaredTotals", "Destination", "ItemDescription", "ItemDetail", "Order", "OrderLine", "OrderType",
           "Pack", "Packaging", "Price", "Schedule", "SubLine"]


class OrderType(StrEnum):
    """Well-known BEG02 order type codes. ``Order.order_type`` holds any code as sent;
    these names exist so code can say ``OrderType.DROP_SHIP`` instead of ``"DS"``."""

    STAND_ALONE = "SA"
    DROP_SHIP = "DS"
    RELEASE = "RL"
    BLANKET = "BK"
    NEW_ORDER = "NE"
    CONSIGNED = "KN"
    REORDER = "RO"


@dataclass(frozen=True, slots=True)
class Pack(Record):
    """Packaging of a line (PO4): inner packs per outer pack (PO401), size of each
    (PO402/PO403), inner pack (PO414); the packaging code (PO404), gross weight per pack
    (PO405 qualifier, PO406, PO407 unit), gross volume (PO408/PO409) and dimensions
    (PO410 length, PO411 width, PO412 height, PO413 unit) as sent."""

    pack: int | None = None
    size: Decimal | None = None
    size_uom: str | None = None
    inner_pack: int | None = None
    packaging_code: str | None = added()
    weight_qualifier: str | None = added()
    weight: Decimal | None = added()
    weight_uom: str | None = added()
    volume: Decimal | None = added()
    volume_uom: str | None = added()
    length: Decimal | None = added()
    width: Decimal | None = added()
    height: Decimal | None = added()
    dimension_uom: str | None = added()


@dataclass(frozen=True, slots=True)
class Price(Record):
    """A price of a line other than PO104 (CTP): class of trade (CTP01, e.g. RS retail),
    price identifier (CTP02, e.g. RES resale, MSR suggested retail), unit price (CTP03),
    quantity and unit it applies to (CTP04, CTP05), multiplier (CTP06 qualifier, CTP07)."""

    class_of_trade: str | None = None
    type: str | None = None
    amount: Decimal | None = None
    quantity: Decimal | None = None
    uom: str | None = None
    multiplier_qualifier: str | None = None
    multiplier: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Schedule(Record):
    """Part of a line due on a date (SCH): quantity and unit (SCH01/02), the date by its
    qualifier (SCH05/06, e.g. 002 deliver, 010 ship) and the end of a window (SCH08/09),
    the party it goes to (SCH03 entity code, SCH04 name) and a reference (SCH11)."""

    quantity: Decimal
    uom: str
    date_qualifier: str | None = None
    date: date | None = None
    end_qualifier: str | None = None
    end_date: dt.date | None = None  # dt: the field above shadows the type's name here
    entity_code: str | None = None
    name: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class ItemDescription(Record):
    """A product description (PID): type F free form or S structured (PID01), product
    characteristic (PID02, e.g. 08 product, 73 color), agency (PID03), code (PID04), text (PID05)."""

    type: str
    characteristic: str | None = None
    agency: str | None = None
    code: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ItemDetail(Record):
    """Additional item detail (PO3): a reason code (PO301) with the date, price (PO303
    identifier, PO304, PO305 basis), quantity and unit (PO306, PO307) and text (PO308) it gives."""

    reason_code: str
    date: date | None = None
    price_code: str | None = None
    unit_price: Decimal | None = None
    price_basis: str | None = None
    quantity: Decimal | None = None
    uom: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Packaging(Record):
    """A marking, packaging or loading instruction (PKG): description type F free form or S
    structured (PKG01), characteristic (PKG02, e.g. 68 packaging), agency (PKG03), code
    (PKG04), text (PKG05) and unit load option (PKG06), each as sent."""

    type: str | None = None
    characteristic: str | None = None
    agency: str | None = None
    code: str | None = None
    text: str | None = None
    unit_load_option: str | None = None


@dataclass(frozen=True, slots=True)
class SubLine(Record):
    """A part of a line (an SLN loop): the items inside a prepack or assortment, or a
    component added or substituted. ``relationship`` is SLN03 (I included, A added, S
    substituted ...); quantity and unit SLN04/SLN05, price SLN06/SLN07, the item's ids
    SLN09.. and its free-form description (PID05)."""

    line_number: str
    relationship: str | None = None
    parent: str | None = None
    quantity: Decimal | None = None
    uom: str | None = None
    unit_price: Decimal | None = None
    price_basis: str | None = None
    product_ids: ProductIds = ProductIds()
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Destination(Record):
    """Where part of a line goes (an SDQ location and its quantity; a line's own N1 ship-to
    is one of its ``parties``); ``uom`` is SDQ01 when sent."""

    ship_to: Party
    quantity: Decimal
    uom: str | None = added()


@dataclass(frozen=True, slots=True)
class OrderLine(Record):
    """One PO1 line. ``line_number`` is PO101 exactly as sent (it is echoed back); when a
    partner omits PO101 the map assigns one. Repeated numbers are a business-rule finding."""

    line_number: str
    quantity: Decimal
    uom: str
    unit_price: Decimal | None = None
    price_basis: str | None = None
    product_ids: ProductIds = ProductIds()
    description: str | None = None
    pack: Pack | None = None
    dates: Dates = Dates()
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    destinations: tuple[Destination, ...] = ()
    references: tuple[Reference, ...] = ()
    notes: tuple[Note, ...] = ()
    prices: tuple[Price, ...] = added(())
    descriptions: tuple[ItemDescription, ...] = added(())
    item_details: tuple[ItemDetail, ...] = added(())
    amounts: tuple[Amount, ...] = added(())
    extensions: Extensions = added(Extensions())
    """Every CTP, PID, PO3 and AMT of the line as sent, and the partner's own fields."""
    schedules: tuple[Schedule, ...] = added(())
    sales_requirement: str | None = added()
    """Delivery schedule (SCH) and the line's sales requirement (CSH01: SC ship complete,
    N no back order ...)."""
    contacts: tuple[Contact, ...] = added(())
    carrier: Carrier | None = added()
    """Contacts (PER) and carrier routing (TD5) sent for this line."""
    sublines: tuple[SubLine, ...] = added(())
    packaging: tuple[Packaging, ...] = added(())
    """The line's sub-lines (SLN loops) and its marking and packaging instructions (PKG)."""
    parties: tuple[Party, ...] = added(())
    """The line's own parties (each N1 loop inside its PO1 loop), with N101 as sent: where
    this line ships (ST) when it is not the order's ship-to, whom it is marked for (Z7) ..."""

    def party(self, role: str) -> Party | None:
        """The line's first party sent with this N101 role (ST, Z7 ...), or None."""
        return next((p for p in self.parties if p.role == role), None)

    @property
    def extended_amount(self) -> Decimal | None:
        """Quantity times unit price, exact and unrounded; None when no price was sent.
        The price basis is not applied: maps must convert prices to a per-unit price."""
        if self.unit_price is None:
            return None
        return self.quantity * self.unit_price

    @property
    def net_amount(self) -> Decimal | None:
        """Extended amount plus line charges minus line allowances."""
        extended = self.extended_amount
        if extended is None:
            return None
        return extended + net_adjustment(self.allowances_charges, extended)


@dataclass(frozen=True, slots=True)
class DeclaredTotals(Record):
    """Control totals as the partner sent them (CTT01 lines, CTT02 hash, AMT total), to be
    checked against the values derived from the lines."""

    line_count: int | None = None
    hash_total: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Order(Record):
    """A purchase order. ``purpose`` is what the gateway acts on; ``purpose_code`` and
    ``order_type`` keep the BEG01 and BEG02 codes as sent."""

    po_number: str
    po_date: date
    purpose: Purpose = Purpose.ORIGINAL
    purpose_code: str | None = None
    order_type: str = OrderType.STAND_ALONE.value
    currency: str | None = None
    release_number: str | None = None
    contract_number: str | None = None
    buyer: Party | None = None
    seller: Party | None = None
    ship_to: Party | None = None
    bill_to: Party | None = None
    ship_from: Party | None = None
    mark_for: Party | None = None
    other_parties: tuple[Party, ...] = ()
    dates: Dates = Dates()
    terms: Terms | None = None
    carrier: Carrier | None = None
    fob: Fob | None = None
    notes: tuple[Note, ...] = ()
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    references: tuple[Reference, ...] = ()
    lines: tuple[OrderLine, ...] = ()
    totals: DeclaredTotals | None = None
    source: SourceRef | None = None
    contacts: tuple[Contact, ...] = added(())
    amounts: tuple[Amount, ...] = added(())
    extensions: Extensions = added(Extensions())
    """Header contacts (PER), every AMT as sent, and the partner's own fields by name."""
    sales_requirement: str | None = added()
    """CSH01 as sent: SC ship complete, N no back order, P2 ship partial ..."""
    packaging: tuple[Packaging, ...] = added(())
    """Marking and packaging instructions for the whole order (PKG)."""

    def _check(self) -> None:
        if not self.po_number:
            raise InvalidValueError("Order.po_number: must not be empty")

    def reference(self, qualifier: str) -> str | None:
        """The first header reference value sent under a qualifier."""
        return next((r.value for r in self.references if r.qualifier == qualifier), None)

    def line(self, line_number: str) -> OrderLine | None:
        """The line with this PO101 line number, or None."""
        return next((line for line in self.lines if line.line_number == line_number), None)

    def line_for_item(self, item: str) -> OrderLine | None:
        """The first line whose vendor part, SKU, buyer part or UPC is ``item`` (how an ERP
        names the lines it shipped or billed), or None."""
        return next((line for line in self.lines if item in (line.product_ids.vendor_part, line.product_ids.sku,
                                                               line.product_ids.buyer_part, line.product_ids.upc)),
                    None)

    @property
    def line_count(self) -> int:
        """Number of lines, to compare with CTT01."""
        return len(self.lines)

    @property
    def quantity_total(self) -> Decimal:
        """Sum of line quantities, to compare with CTT02 hash total."""
        return sum((line.quantity for line in self.lines), Decimal(0))

    @property
    def merchandise_amount(self) -> Decimal | None:
        """Sum of line extended amounts; None if any line has no price."""
        amounts = [line.extended_amount for line in self.lines]
        if any(a is None for a in amounts):
            return None
        return sum((a for a in amounts if a is not None), Decimal(0))

    @property
    def total_amount(self) -> Decimal | None:
        """Merchandise plus charges minus allowances, at line and header level."""
        merchandise = self.merchandise_amount
        if merchandise is None:
            return None
        line_net = sum(
            (
                net_adjustment(line.allowances_charges, line.extended_amount or Decimal(0))
                for line in self.lines
            ),
            Decimal(0),
        )
        return merchandise + line_net + net_adjustment(self.allowances_charges, merchandise)
