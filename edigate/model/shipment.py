"""The ship notice (856): a shipment of orders, packed in cartons identified by SSCC-18."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from edigate.model._types import InvalidValueError, Record
from edigate.model.common import Carrier, Party, ProductIds, Purpose, Reference, SourceRef

__all__ = [
    "Carton",
    "InvalidSsccError",
    "ShippedItem",
    "ShippedOrder",
    "Shipment",
    "Weight",
    "is_valid_sscc",
    "sscc_check_digit",
]


class InvalidSsccError(InvalidValueError):
    """An SSCC that is not 18 digits or whose GS1 check digit is wrong."""

    code = "model.sscc"


def sscc_check_digit(first17: str) -> str:
    """The GS1 mod-10 check digit for the first 17 digits of an SSCC.

    From the rightmost digit leftwards, digits are weighted 3, 1, 3, 1 ...; the check
    digit brings the weighted sum up to a multiple of ten.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvalidSsccError(f"SSCC body must be 17 digits, got {first17!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(first17)))
    return str(-total % 10)


def is_valid_sscc(s: str) -> bool:
    """True if ``s`` is 18 ASCII digits ending in the right GS1 check digit."""
    if len(s) != 18 or not s.isascii() or not s.isdigit():
        return False
    return sscc_check_digit(s[:17]) == s[17]


def _require_sscc(owner: str, value: str | None) -> None:
    if value is not None and not is_valid_sscc(value):
        raise InvalidSsccError(
            f"{owner}: {value!r} is not a valid SSCC-18 (18 digits, GS1 check digit)"
        )


@dataclass(frozen=True, slots=True)
class Weight(Record):
    """A weight with its X12 unit code (LB, KG ...)."""

    value: Decimal
    uom: str


@dataclass(frozen=True, slots=True)
class ShippedItem(Record):
    """An order line shipped (item level: LIN, SN1, PO4)."""

    line_number: str
    quantity_shipped: Decimal
    uom: str
    product_ids: ProductIds = ProductIds()
    ordered_quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Carton(Record):
    """A pack (MAN GM): its SSCC-18, optional pallet (tare) SSCC and parcel tracking number."""

    sscc: str | None = None
    items: tuple[ShippedItem, ...] = ()
    tracking_number: str | None = None
    pallet_sscc: str | None = None
    weight: Weight | None = None

    def _check(self) -> None:
        _require_sscc("Carton.sscc", self.sscc)
        _require_sscc("Carton.pallet_sscc", self.pallet_sscc)


@dataclass(frozen=True, slots=True)
class ShippedOrder(Record):
    """One order in the shipment (order level: PRF). Items go in cartons (pack structures
    such as 0001) or straight in ``items`` (0004, shipment/order/item)."""

    po_number: str
    po_date: date | None = None
    cartons: tuple[Carton, ...] = ()
    items: tuple[ShippedItem, ...] = ()
    references: tuple[Reference, ...] = ()

    def all_items(self) -> tuple[ShippedItem, ...]:
        """Every item of this order, loose or in cartons."""
        return self.items + tuple(item for carton in self.cartons for item in carton.items)


@dataclass(frozen=True, slots=True)
class Shipment(Record):
    """A shipment (BSN, shipment level TD1/TD5/REF/DTM/N1, then orders)."""

    shipment_id: str
    ship_date: date
    ship_time: time | None = None
    purpose: Purpose = Purpose.ORIGINAL
    purpose_code: str | None = "00"
    structure_code: str = "0001"
    carrier: Carrier | None = None
    tracking_number: str | None = None
    bol_number: str | None = None
    gross_weight: Weight | None = None
    net_weight: Weight | None = None
    lading_quantity: int | None = None
    packaging_code: str | None = None
    estimated_delivery: date | None = None
    ship_from: Party | None = None
    ship_to: Party | None = None
    other_parties: tuple[Party, ...] = ()
    references: tuple[Reference, ...] = ()
    orders: tuple[ShippedOrder, ...] = ()
    source: SourceRef | None = None

    def _check(self) -> None:
        if not self.shipment_id:
            raise InvalidValueError("Shipment.shipment_id: must not be empty")

    @property
    def carton_count(self) -> int:
        """Number of cartons across all orders (a candidate TD101 lading quantity)."""
        return sum(len(order.cartons) for order in self.orders)

    @property
    def quantity_total(self) -> Decimal:
        """Sum of quantities shipped, to compare with CTT02."""
        return sum((i.quantity_shipped for o in self.orders for i in o.all_items()), Decimal(0))
