"""The purchase order acknowledgment (855): our answer to an order, line by line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from edigate.model._types import InvalidValueError, Record
from edigate.model.common import Note, Party, ProductIds, Purpose, Reference, SourceRef

__all__ = ["AckType", "LineAck", "LineStatus", "PoAck"]


class AckType(StrEnum):
    """BAK02 acknowledgment type (element 587)."""

    ACCEPTED_WITH_CHANGES = "AC"  # with detail and change
    ACCEPTED_NO_CHANGE = "AD"  # with detail, no change
    ACCEPTED_WITH_EXCEPTIONS = "AE"  # exception detail only
    HOLD = "AH"
    ACCEPTED_NO_DETAIL = "AK"  # no detail or change
    ACCEPTED = "AT"
    REJECTED_WITH_DETAIL = "RD"
    REJECTED_WITH_EXCEPTIONS = "RF"
    REJECTED = "RJ"  # no detail

    @property
    def is_rejection(self) -> bool:
        return self.value.startswith("R")


class LineStatus(StrEnum):
    """ACK01 line item status (element 668)."""

    ACCEPTED_AND_SHIPPED = "AC"
    ACCEPTED_AND_RELEASED = "AR"
    PARTIAL_BACKORDERED = "BP"
    DATE_RESCHEDULED = "DR"
    ACCEPTED = "IA"
    BACKORDERED = "IB"
    CHANGES_MADE = "IC"
    DELETED = "ID"
    ON_HOLD = "IH"
    PRICE_CHANGED = "IP"
    QUANTITY_CHANGED = "IQ"
    REJECTED = "IR"
    SUBSTITUTED = "IS"
    SCHEDULE_DATE_PENDING = "SP"

    @property
    def is_rejection(self) -> bool:
        return self in (LineStatus.REJECTED, LineStatus.DELETED)


@dataclass(frozen=True, slots=True)
class LineAck(Record):
    """The answer for one order line (PO1 echo + ACK). ``quantity``/``uom`` are what we
    commit to (ACK02/03); ``ordered_quantity`` echoes PO102 when the map needs it."""

    line_number: str
    status: LineStatus
    quantity: Decimal
    uom: str
    unit_price: Decimal | None = None
    scheduled_date: date | None = None
    product_ids: ProductIds = ProductIds()
    ordered_quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PoAck(Record):
    """An acknowledgment of the order ``po_number`` dated ``po_date``."""

    po_number: str
    po_date: date
    ack_type: AckType
    ack_date: date
    purpose: Purpose = Purpose.ORIGINAL
    purpose_code: str | None = "00"
    ack_number: str | None = None
    buyer: Party | None = None
    seller: Party | None = None
    ship_to: Party | None = None
    references: tuple[Reference, ...] = ()
    lines: tuple[LineAck, ...] = ()
    notes: tuple[Note, ...] = ()
    source: SourceRef | None = None

    def _check(self) -> None:
        if not self.po_number:
            raise InvalidValueError("PoAck.po_number: must not be empty")

    @property
    def line_count(self) -> int:
        return len(self.lines)
