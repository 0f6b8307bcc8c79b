"""The invoice (810), with its totals derived to the cent.

Arithmetic, in the order a retailer checks it:
line amount = quantity x unit price, rounded half up to the cent;
line net = line amount + line charges - line allowances;
total = sum of line nets + header charges - header allowances + taxes;
TDS01 = total in implied cents. Percent-only allowances and charges are taken of the line
amount (line level) or of the merchandise amount (header level), rounded to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from edigate.model._types import InvalidValueError, Record
from edigate.model.common import (
    AllowanceCharge,
    Carrier,
    Fob,
    Note,
    Party,
    ProductIds,
    Purpose,
    Reference,
    SourceRef,
    Terms,
    net_adjustment,
    to_cents,
)

__all__ = ["Invoice", "InvoiceLine", "Tax"]


@dataclass(frozen=True, slots=True)
class Tax(Record):
    """A tax (TXI): TXI01 type code as sent (ST sales tax, GS goods and services ...)."""

    type_code: str
    amount: Decimal
    percent: Decimal | None = None
    jurisdiction: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine(Record):
    """One IT1 line; ``line_number`` echoes the order's PO101."""

    line_number: str
    quantity: Decimal
    uom: str
    unit_price: Decimal
    price_basis: str | None = None
    product_ids: ProductIds = ProductIds()
    description: str | None = None
    allowances_charges: tuple[AllowanceCharge, ...] = ()

    @property
    def amount(self) -> Decimal:
        """Quantity times unit price, rounded half up to the cent."""
        return to_cents(self.quantity * self.unit_price)

    @property
    def net_amount(self) -> Decimal:
        """Line amount plus line charges minus line allowances."""
        return self.amount + net_adjustment(self.allowances_charges, self.amount)


@dataclass(frozen=True, slots=True)
class Invoice(Record):
    """An invoice for (part of) the order ``po_number``."""

    invoice_number: str
    invoice_date: date
    po_number: str
    po_date: date | None = None
    purpose: Purpose = Purpose.ORIGINAL
    currency: str | None = None
    ship_date: date | None = None
    buyer: Party | None = None
    seller: Party | None = None
    ship_to: Party | None = None
    bill_to: Party | None = None
    remit_to: Party | None = None
    ship_from: Party | None = None
    other_parties: tuple[Party, ...] = ()
    terms: Terms | None = None
    fob: Fob | None = None
    carrier: Carrier | None = None
    references: tuple[Reference, ...] = ()
    lines: tuple[InvoiceLine, ...] = ()
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    taxes: tuple[Tax, ...] = ()
    notes: tuple[Note, ...] = ()
    source: SourceRef | None = None

    def _check(self) -> None:
        if not self.invoice_number:
            raise InvalidValueError("Invoice.invoice_number: must not be empty")

    @property
    def merchandise_amount(self) -> Decimal:
        """Sum of line amounts, before any allowance or charge."""
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def tax_amount(self) -> Decimal:
        return sum((tax.amount for tax in self.taxes), Decimal(0))

    @property
    def total_amount(self) -> Decimal:
        """Lines net of their adjustments, plus header adjustments and taxes, to the cent."""
        lines = sum((line.net_amount for line in self.lines), Decimal(0))
        header = net_adjustment(self.allowances_charges, self.merchandise_amount)
        return to_cents(lines + header + self.tax_amount)

    @property
    def tds_amount_cents(self) -> int:
        """TDS01: the total in implied cents (12.34 -> 1234)."""
        return int(self.total_amount.scaleb(2))

    @property
    def line_count(self) -> int:
        return len(self.lines)
