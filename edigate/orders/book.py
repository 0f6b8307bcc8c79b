"""The order book: what the order logic reads and writes about stored orders and stock.

The domain (`edigate.orders.purposes`, `edigate.orders.inventory`) never holds the store: it
takes an `OrderBook`, a narrow protocol naming exactly what it needs, so the same rules run
on the SQL store (`edigate.store.Store` satisfies the protocol as it stands) and on the
in-memory book the domain's tests use (`edigate.orders.memory.MemoryBook`).

The values the book hands out and takes in are defined here, and the store persists them:
the statuses an order goes through, a stock level of a feed, what an order line asks of
stock and what it took, what an amendment gave back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

__all__ = [
    "GATEWAY_ACTOR", "Allocation", "AllocationRequest", "AllocationStatus", "Amended", "DocumentStatus", "OrderBook",
    "SentDocument", "StockLevel", "StoredOrder",
]

GATEWAY_ACTOR = "edigate"
"""How the audit trail names the gateway when it applies a buyer's amendment itself."""


class DocumentStatus(StrEnum):
    """Where a stored document (an order above all) stands; its values are what the store keeps."""

    ACCEPTED = "accepted"
    HELD = "held"
    REJECTED = "rejected"
    ROUTED = "routed"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"


class AllocationStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    SHIPPED = "shipped"


@dataclass(frozen=True, slots=True)
class StockLevel:
    """One row of an inventory feed: what a warehouse holds of a SKU, and when more comes."""

    sku: str
    on_hand: Decimal
    warehouse: str = ""
    available_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class AllocationRequest:
    """One order line asking for stock."""

    line_number: str
    sku: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Allocation:
    """What one order line took (``quantity``) of what it asked for (``requested``)."""

    document_id: int
    line_number: str
    sku: str
    warehouse: str
    requested: Decimal
    quantity: Decimal
    status: AllocationStatus
    available_date: dt.date | None = None
    """When the feed expects more of the SKU (for a backorder date)."""

    @property
    def short(self) -> Decimal:
        return self.requested - self.quantity


@dataclass(frozen=True, slots=True)
class Amended:
    """The stock an earlier order gave back when a later one cancelled or superseded it.

    ``applied`` is False when the later order had already done so (the same amendment
    decided again) or another order had: nothing changed.
    """

    released: tuple[Allocation, ...]
    applied: bool


class StoredOrder(Protocol):
    """An order as the book holds it (the store's `Document` is one)."""

    @property
    def id(self) -> int: ...
    @property
    def partner(self) -> str: ...
    @property
    def key(self) -> str:
        """``PO:purpose`` (see `edigate.orders.purposes.order_key`)."""
    @property
    def body(self) -> str:
        """The order as received (canonical JSON)."""
    @property
    def decided(self) -> str | None:
        """The order as decided, when that differs from ``body``: what routing sends."""
    @property
    def status(self) -> DocumentStatus: ...
    @property
    def transmission_id(self) -> int | None: ...
    @property
    def amends(self) -> int | None:
        """The earlier order this one cancels, replaces or changes."""


class SentDocument(Protocol):
    """A document sent for an order (its 855, 856, 810 or 940): what the amendments look at."""

    @property
    def set_id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def isa13(self) -> str: ...


class OrderBook(Protocol):
    """Stored orders and stock, as the order logic reaches them."""

    def order_versions(self, partner: str, po_number: str) -> Sequence[StoredOrder]:
        """Every current order of ``partner`` for ``po_number``, oldest first."""

    def document_outbounds(self, document_ids: Collection[int]) -> Sequence[SentDocument]:
        """What was sent for any of ``document_ids``, oldest first."""

    def amend_order(self, earlier_id: int, later_id: int, status: DocumentStatus, *,
                    decided: str | None = None) -> Amended:
        """Retire order ``earlier_id`` (``status``: cancelled or superseded) in favour of
        ``later_id`` and give its stock back, at most once however many callers race."""

    def record_amendment(self, order_id: int, note: str, *, transmission_id: int | None = None) -> None:
        """Write in the order's audit trail what an amendment did to it."""

    def finish_held_transmission(self, transmission_id: int) -> None:
        """A held transmission is done once none of its orders is held any more."""

    def load_inventory(self, levels: Iterable[StockLevel], *, source: str, sha256: str) -> bool:
        """Set on-hand quantities from a feed; False when ``source`` last loaded these bytes."""

    def allocate(self, document_id: int, requests: Sequence[AllocationRequest], *, warehouse: str = "",
                 partial: bool = True) -> Sequence[Allocation]:
        """Take stock for an order's lines: as much as is free (``partial``) or all or nothing;
        a line holding an allocation keeps it."""

    def release_allocations(self, document_id: int) -> Sequence[Allocation]:
        """Give back what an order's lines took."""
