"""Values shared by every document: parties, identifiers, dates, terms, money adjustments.

Fields that carry an X12 code keep the code as sent (``role="ST"``, ``qualifier="UP"``);
the partner maps, not the model, decide what a code means. Closed vocabularies that the
gateway itself reasons about are `StrEnum` members.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from edigate.model._types import InvalidValueError, QualifiedIds, Record, added

__all__ = [
    "Address",
    "AllowanceCharge",
    "Amount",
    "AllowanceOrCharge",
    "Carrier",
    "Contact",
    "Dates",
    "Extensions",
    "Fob",
    "Note",
    "Party",
    "PartyIds",
    "ProductIds",
    "Purpose",
    "Reference",
    "SourceRef",
    "Terms",
    "net_adjustment",
    "to_cents",
]

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round an amount to the cent, half up (the rounding retailers check invoices with)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class Purpose(StrEnum):
    """What a document does to the one it refers to (BEG01/BSN01/BAK01, element 353)."""

    ORIGINAL = "original"
    CANCEL = "cancel"
    REPLACE = "replace"
    CHANGE = "change"
    CONFIRMATION = "confirmation"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @classmethod
    def from_x12(cls, code: str) -> Purpose:
        """The purpose for a transaction set purpose code; unknown codes give OTHER."""
        return _PURPOSE_BY_CODE.get(code, cls.OTHER)


_PURPOSE_BY_CODE = {
    "00": Purpose.ORIGINAL,
    "01": Purpose.CANCEL,
    "04": Purpose.CHANGE,
    "05": Purpose.REPLACE,
    "06": Purpose.CONFIRMATION,
    "07": Purpose.DUPLICATE,
}


class AllowanceOrCharge(StrEnum):
    """SAC01: whether an adjustment lowers (A) or raises (C) the amount due, or neither (N)."""

    ALLOWANCE = "A"
    CHARGE = "C"
    NO_CHARGE = "N"


class PartyIds(QualifiedIds):
    """Party identifiers by N103 qualifier, with accessors for the common ones."""

    __slots__ = ()

    @property
    def duns(self) -> str | None:
        return self.get("1")

    @property
    def duns_plus4(self) -> str | None:
        return self.get("9")

    @property
    def gln(self) -> str | None:
        return self.get("UL")

    @property
    def buyer_location(self) -> str | None:
        """Store or DC number assigned by the buyer (92)."""
        return self.get("92")

    @property
    def seller_location(self) -> str | None:
        """Location number assigned by the seller (91)."""
        return self.get("91")


class ProductIds(QualifiedIds):
    """Product identifiers by qualifier (PO106/07, PO108/09 ...), with common accessors."""

    __slots__ = ()

    @property
    def upc(self) -> str | None:
        return self.get("UP")

    @property
    def ean(self) -> str | None:
        return self.get("EN")

    @property
    def buyer_part(self) -> str | None:
        return self.get("BP")

    @property
    def vendor_part(self) -> str | None:
        return self.get("VN")

    @property
    def sku(self) -> str | None:
        return self.get("SK")

    @property
    def buyer_item(self) -> str | None:
        return self.get("IN")

    @property
    def gtin14(self) -> str | None:
        """U.P.C./EAN shipping container code (UK)."""
        return self.get("UK")

    @property
    def case_code(self) -> str | None:
        """U.P.C./EAN case code (UA)."""
        return self.get("UA")

    @property
    def buyer_catalog(self) -> str | None:
        return self.get("CB")


class Extensions(QualifiedIds):
    """A partner's own fields by name, as its map names them (``extensions[department]:
    REF[REF01=DP]/REF02``): what has no canonical field, carried without misusing another."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Address(Record):
    """A postal address (N3/N4). ``state`` holds a state or province code."""

    lines: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Contact(Record):
    """A contact (PER): ``function`` is the PER01 code as sent (BD buyer, IC information ...)."""

    function: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    fax: str | None = None


@dataclass(frozen=True, slots=True)
class Party(Record):
    """A trading party (N1 loop): ``role`` is the N101 code as sent (BY, SE, ST, BT, SF, Z7 ...)."""

    role: str
    name: str | None = None
    additional_names: tuple[str, ...] = ()
    address: Address | None = None
    contacts: tuple[Contact, ...] = ()
    ids: PartyIds = PartyIds()
    references: tuple[Reference, ...] = added(())
    carrier: Carrier | None = added()
    """References (REF) and carrier routing (TD5) sent inside the party's N1 loop."""


@dataclass(frozen=True, slots=True)
class Dates(Record):
    """Dates of an order or a line (DTM). X12 qualifiers: requested_ship 010,
    requested_delivery 002, cancel_after 001, ship_not_before 037, ship_no_later 038,
    deliver_not_after 063, deliver_not_before 064 (a delivery window); any other
    qualifier goes to ``other`` as sent."""

    requested_ship: date | None = None
    requested_delivery: date | None = None
    cancel_after: date | None = None
    ship_not_before: date | None = None
    ship_no_later: date | None = None
    other: tuple[tuple[str, date], ...] = ()
    deliver_not_after: date | None = added()
    deliver_not_before: date | None = added()

    def get_other(self, qualifier: str) -> date | None:
        """The first date sent under a qualifier that has no field of its own."""
        return next((d for q, d in self.other if q == qualifier), None)


@dataclass(frozen=True, slots=True)
class Terms(Record):
    """Terms of sale (ITD): codes as sent, percents as percents (2 means 2 %). In ITD
    order: 01 type_code, 02 basis_date_code, 03 discount_percent, 04 discount_due_date,
    05 discount_days, 06 net_due_date, 07 net_days, 08 discount_amount, 09
    deferred_due_date, 10 deferred_amount, 11 percent_payable, 12 description, 13
    day_of_month, 14 payment_method, 15 percent."""

    type_code: str | None = None
    basis_date_code: str | None = None
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    net_days: int | None = None
    description: str | None = None
    discount_due_date: date | None = added()
    net_due_date: date | None = added()
    discount_amount: Decimal | None = added()
    deferred_due_date: date | None = added()
    deferred_amount: Decimal | None = added()
    percent_payable: Decimal | None = added()
    day_of_month: int | None = added()
    payment_method: str | None = added()
    percent: Decimal | None = added()


@dataclass(frozen=True, slots=True)
class Carrier(Record):
    """Carrier and routing (TD5): SCAC (TD503), routing text (TD505) and transport method
    code (TD504); the routing sequence (TD501), the TD503 qualifier (TD502), a location
    (TD507/TD508) and the service level (TD512) as sent."""

    scac: str | None = None
    routing: str | None = None
    transport_method: str | None = None
    sequence_code: str | None = added()
    id_qualifier: str | None = added()
    location_qualifier: str | None = added()
    location: str | None = added()
    service_level: str | None = added()


@dataclass(frozen=True, slots=True)
class Fob(Record):
    """FOB: shipment method of payment (FOB01, e.g. PP prepaid, CC collect) and location."""

    payment_method: str
    location_qualifier: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Note(Record):
    """Free text (NTE, MSG): ``code`` is the note reference code when one is sent."""

    text: str
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Reference(Record):
    """A reference number (REF, N9) by qualifier as sent (IA vendor number, DP department ...)."""

    qualifier: str
    value: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class AllowanceCharge(Record):
    """An allowance or charge (SAC). ``percent`` applies to the amount it is attached to
    (the line, or the merchandise total at header level) when no ``amount`` is given."""

    indicator: AllowanceOrCharge
    code: str | None = None
    amount: Decimal | None = None
    percent: Decimal | None = None
    description: str | None = None
    agency_qualifier: str | None = added()
    agency_code: str | None = added()
    """SAC03/SAC04: the agency whose code list SAC04 comes from, and the code."""
    percent_qualifier: str | None = added()
    rate: Decimal | None = added()
    uom: str | None = added()
    quantity: Decimal | None = added()
    handling_code: str | None = added()
    reference: str | None = added()
    """SAC06 percent basis, SAC08 rate, SAC09/SAC10 unit and quantity, SAC12 method of
    handling, SAC13 reference, as sent."""

    def signed_amount(self, base: Decimal) -> Decimal:
        """What this adjustment adds to the amount due: negative for allowances."""
        if self.indicator is AllowanceOrCharge.NO_CHARGE:
            return Decimal(0)
        if self.amount is not None:
            value = self.amount
        elif self.percent is not None:
            value = to_cents(base * self.percent / 100)
        else:
            value = Decimal(0)
        return -value if self.indicator is AllowanceOrCharge.ALLOWANCE else value


@dataclass(frozen=True, slots=True)
class Amount(Record):
    """A monetary amount by qualifier as sent (AMT: TT total, 1 line item, GV gross ...)."""

    qualifier: str
    amount: Decimal


def net_adjustment(adjustments: Iterable[AllowanceCharge], base: Decimal) -> Decimal:
    """Charges minus allowances, percents taken of ``base``."""
    return sum((ac.signed_amount(base) for ac in adjustments), Decimal(0))


@dataclass(frozen=True, slots=True)
class SourceRef(Record):
    """Where a document came from: partner, control numbers, and the stored transmission."""

    partner_id: str
    isa13: str
    gs06: str
    st02: str
    transmission_id: str | None = None
    set_id: str | None = added()
    """The set the document was read from when it is not the document's own (an order
    changed by an 860 says ``860``, so its answer is an 865)."""

    def _check(self) -> None:
        if not self.partner_id:
            raise InvalidValueError("SourceRef.partner_id: must not be empty")
