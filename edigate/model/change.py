"""The purchase order change (860): what the buyer changes on an order it sent before.

An `OrderChange` names the order (``po_number``) and says, line by line, what becomes of
it (`LineChange`, POC02: add, delete, or change quantity, price, dates ...). The gateway
applies it to the order it holds (`edigate.orders.changes`) and decides the result as it would
an 850 change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from edigate.model._types import InvalidValueError, Record
from edigate.model.common import Dates, Note, Party, ProductIds, Purpose, Reference, SourceRef
from edigate.model.order import DeclaredTotals

__all__ = ["ADD_CODES", "DELETE_CODES", "LineChange", "OrderChange"]

ADD_CODES = frozenset({"AI"})
"""POC02 codes that add a line (AI add additional item); a line already held is replaced."""
DELETE_CODES = frozenset({"DI"})
"""POC02 codes that delete a line (DI delete item); any other code changes the values sent."""


@dataclass(frozen=True, slots=True)
class LineChange(Record):
    """One POC line: ``change_code`` (POC02, as sent) says what happens to order line
    ``line_number`` (POC01); the values sent replace the line's (POC03 quantity ordered as
    changed, POC04 quantity left to receive, POC05 unit, POC06/07 price, POC08.. ids)."""

    line_number: str
    change_code: str
    quantity: Decimal | None = None
    quantity_left: Decimal | None = None
    uom: str | None = None
    unit_price: Decimal | None = None
    price_basis: str | None = None
    product_ids: ProductIds = ProductIds()
    description: str | None = None
    dates: Dates = Dates()
    references: tuple[Reference, ...] = ()
    notes: tuple[Note, ...] = ()

    @property
    def adds(self) -> bool:
        return self.change_code in ADD_CODES

    @property
    def deletes(self) -> bool:
        return self.change_code in DELETE_CODES


@dataclass(frozen=True, slots=True)
class OrderChange(Record):
    """A buyer's change to order ``po_number`` (BCH). ``purpose`` is BCH01 (01 cancels the
    whole order, 04 changes it, 05 replaces it); ``change_number`` is BCH05, the change
    order sequence, and ``change_date`` BCH10. Header values sent replace the order's."""

    po_number: str
    po_date: date
    purpose: Purpose = Purpose.CHANGE
    purpose_code: str | None = None
    order_type: str | None = None
    release_number: str | None = None
    change_number: str | None = None
    change_date: date | None = None
    buyer: Party | None = None
    seller: Party | None = None
    ship_to: Party | None = None
    bill_to: Party | None = None
    ship_from: Party | None = None
    mark_for: Party | None = None
    other_parties: tuple[Party, ...] = ()
    dates: Dates = Dates()
    references: tuple[Reference, ...] = ()
    notes: tuple[Note, ...] = ()
    lines: tuple[LineChange, ...] = ()
    totals: DeclaredTotals | None = None
    source: SourceRef | None = None

    def _check(self) -> None:
        if not self.po_number:
            raise InvalidValueError("OrderChange.po_number: must not be empty")
