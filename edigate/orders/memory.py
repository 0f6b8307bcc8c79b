"""An order book in memory (`edigate.orders.book.OrderBook`): the order logic's tests run on
it in milliseconds, as httpx's tests run on its in-memory transport.

It keeps the store's promises that the logic relies on: quantities counted in thousandths of
a unit, a line that holds stock keeps it, an amendment applied once, a held transmission done
once none of its orders is held. It keeps no history and takes no locks: one thread at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from edigate.model import Order, dumps
from edigate.orders.book import (
    Allocation,
    AllocationRequest,
    AllocationStatus,
    Amended,
    DocumentStatus,
    OrderBook,
    StockLevel,
)
from edigate.orders.purposes import order_key, po_of_key

__all__ = ["MemoryBook", "MemoryOrder", "MemorySent", "Note"]

_RETIRED = (DocumentStatus.CANCELLED, DocumentStatus.SUPERSEDED)


@dataclass(frozen=True, slots=True)
class MemoryOrder:
    """An order as the memory book holds it (a `StoredOrder`)."""

    id: int
    partner: str
    key: str
    body: str
    status: DocumentStatus = DocumentStatus.ACCEPTED
    transmission_id: int | None = None
    amends: int | None = None
    decided: str | None = None


@dataclass(frozen=True, slots=True)
class MemorySent:
    """A document sent for an order (a `SentDocument`)."""

    document_id: int
    set_id: str
    key: str
    isa13: str


@dataclass(frozen=True, slots=True)
class Note:
    """One line the book wrote in an order's audit trail."""

    order_id: int
    note: str
    transmission_id: int | None


@dataclass
class _Level:
    on_hand: Decimal
    available_date: dt.date | None
    allocated: Decimal = Decimal(0)


@dataclass
class MemoryBook:
    """Orders, what was sent for them, stock and allocations, in dictionaries."""

    orders: dict[int, MemoryOrder] = field(default_factory=dict)
    sent: list[MemorySent] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    held_transmissions: set[int] = field(default_factory=set)
    finished_transmissions: set[int] = field(default_factory=set)
    levels: dict[tuple[str, str], _Level] = field(default_factory=dict)
    allocations: dict[tuple[int, str], Allocation] = field(default_factory=dict)
    feeds: dict[str, str] = field(default_factory=dict)

    # -- filling the book (what the pipeline's earlier stages would have stored) -----------

    def add(self, order: Order, *, partner: str = "acme", status: DocumentStatus = DocumentStatus.ACCEPTED,
            transmission_id: int | None = None) -> MemoryOrder:
        """Store ``order`` under its business key with the next id; a held one holds its transmission."""
        doc = MemoryOrder(max(self.orders, default=0) + 1, partner, order_key(order), dumps(order), status,
                          transmission_id)
        self.orders[doc.id] = doc
        if status is DocumentStatus.HELD and transmission_id is not None:
            self.held_transmissions.add(transmission_id)
        return doc

    def record_sent(self, document_id: int, set_id: str, *, key: str = "", isa13: str = "000000001") -> None:
        self.sent.append(MemorySent(document_id, set_id, key or f"{set_id}:{document_id}", isa13))

    def set_status(self, document_id: int, status: DocumentStatus) -> MemoryOrder:
        self.orders[document_id] = replace(self.orders[document_id], status=status)
        return self.orders[document_id]

    def stock(self, sku: str, on_hand: Decimal | int, *, warehouse: str = "",
              available_date: dt.date | None = None) -> None:
        """Set what a warehouse holds of a SKU, as a feed would: what orders took stays taken."""
        self._set_level(StockLevel(sku, Decimal(on_hand), warehouse, available_date))

    def taken(self) -> dict[str, Decimal]:
        """What active allocations hold, by SKU."""
        held: dict[str, Decimal] = {}
        for a in self.allocations.values():
            if a.status is AllocationStatus.ACTIVE:
                held[a.sku] = held.get(a.sku, Decimal(0)) + a.quantity
        return held

    # -- the order book ------------------------------------------------------------------

    def order_versions(self, partner: str, po_number: str) -> list[MemoryOrder]:
        return [d for _, d in sorted(self.orders.items())
                if d.partner == partner and po_of_key(d.key) == po_number]

    def document_outbounds(self, document_ids: Collection[int]) -> list[MemorySent]:
        return [s for s in self.sent if s.document_id in document_ids]

    def amend_order(self, earlier_id: int, later_id: int, status: DocumentStatus, *,
                    decided: str | None = None) -> Amended:
        earlier, later = self.orders[earlier_id], self.orders[later_id]
        if later.amends == earlier_id or earlier.status in _RETIRED:
            return Amended((), applied=False)
        self.orders[earlier_id] = replace(earlier, status=status)
        self.orders[later_id] = replace(later, amends=earlier_id, decided=later.decided if decided is None else decided)
        return Amended(tuple(self.release_allocations(earlier_id)), applied=True)

    def record_amendment(self, order_id: int, note: str, *, transmission_id: int | None = None) -> None:
        self.notes.append(Note(order_id, note, transmission_id))

    def finish_held_transmission(self, transmission_id: int) -> None:
        if transmission_id not in self.held_transmissions:
            return
        if not any(d.transmission_id == transmission_id and d.status is DocumentStatus.HELD
                   for d in self.orders.values()):
            self.held_transmissions.discard(transmission_id)
            self.finished_transmissions.add(transmission_id)

    def load_inventory(self, levels: Iterable[StockLevel], *, source: str, sha256: str) -> bool:
        if self.feeds.get(source) == sha256:
            return False
        for level in levels:
            self._set_level(level)
        self.feeds[source] = sha256
        return True

    def _set_level(self, level: StockLevel) -> None:
        now = self.levels.get((level.sku, level.warehouse))
        self.levels[level.sku, level.warehouse] = _Level(_exact(level.on_hand), level.available_date,
                                                         now.allocated if now else Decimal(0))

    def allocate(self, document_id: int, requests: Sequence[AllocationRequest], *, warehouse: str = "",
                 partial: bool = True) -> list[Allocation]:
        return [self._allocate(document_id, r, warehouse, partial) for r in requests]

    def _allocate(self, document_id: int, request: AllocationRequest, warehouse: str, partial: bool) -> Allocation:
        level = self.levels.get((request.sku, warehouse))
        date = level.available_date if level else None
        held = self.allocations.get((document_id, request.line_number))
        if held is not None and held.status is not AllocationStatus.RELEASED:
            return replace(held, available_date=date)
        wanted = _exact(request.quantity)
        free = max(level.on_hand - level.allocated, Decimal(0)) if level else Decimal(0)
        take = wanted if free >= wanted else (free if partial else Decimal(0))
        if level is not None:
            level.allocated += take
        made = Allocation(document_id, request.line_number, request.sku, warehouse, wanted, _exact(take),
                          AllocationStatus.ACTIVE)
        self.allocations[document_id, request.line_number] = made
        return replace(made, available_date=date)

    def release_allocations(self, document_id: int) -> list[Allocation]:
        released = []
        for key, a in self.allocations.items():
            if a.document_id == document_id and a.status is AllocationStatus.ACTIVE:
                if (level := self.levels.get((a.sku, a.warehouse))) is not None:
                    level.allocated -= a.quantity
                self.allocations[key] = replace(a, status=AllocationStatus.RELEASED)
                released.append(self.allocations[key])
        return released


def _exact(quantity: Decimal) -> Decimal:
    """A quantity as the store gives it back: whole thousandths of a unit, no trailing zeros."""
    units = int((quantity * 1000).to_integral_value())
    return (Decimal(units) / 1000).normalize() if units % 1000 else Decimal(units // 1000)


def _a_memory_book_is_an_order_book(book: MemoryBook) -> OrderBook:
    return book  # mypy checks `MemoryBook` against the protocol here
