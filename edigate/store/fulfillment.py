"""Stock for available-to-promise, and the documents that leave for the warehouse.

``inventory_levels`` holds what an inventory feed said is on hand per SKU and warehouse and
how much of it open orders have taken (``allocated``); ``inventory_allocations`` holds what
each order line took. An allocation runs in one write transaction that locks the level row
(``SELECT ... FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` serialises writers on SQLite)
and takes stock with an ``UPDATE`` that only matches while enough is free, so concurrent
orders can never take more than is on hand. Quantities are stored as whole thousandths of a
unit, so SQL adds and compares them exactly on every backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from edigate.errors import StoreError
from edigate.orders.book import Allocation, AllocationRequest, AllocationStatus, Amended, DocumentStatus, StockLevel
from edigate.store import convert
from edigate.store.base import StoreBase
from edigate.store.records import Outbound
from edigate.store.tables import Base, DocumentRow, OutboundRow, _enum
from edigate.store.types import BigId, created, hexdigest, intpk, utcnow, when

__all__ = [
    "Allocation", "AllocationRequest", "AllocationStatus", "Amended", "FulfillmentMixin", "InventoryLevel",
    "StockLevel",
]

_MILLI = Decimal(1000)
_RETIRED = (DocumentStatus.CANCELLED, DocumentStatus.SUPERSEDED)


def _units(quantity: Decimal) -> int:
    return int((quantity * _MILLI).to_integral_value())


def _quantity(units: int) -> Decimal:
    return (Decimal(units) / _MILLI).normalize() if units % 1000 else Decimal(units // 1000)


@dataclass(frozen=True, slots=True)
class InventoryLevel:
    sku: str
    warehouse: str
    on_hand: Decimal
    allocated: Decimal
    available_date: dt.date | None
    updated_at: dt.datetime

    @property
    def available(self) -> Decimal:
        """Free to promise: on hand less what open orders took, never below zero."""
        return max(self.on_hand - self.allocated, Decimal(0))


class InventoryLevelRow(Base):
    __tablename__ = "inventory_levels"
    __table_args__ = (UniqueConstraint("sku", "warehouse"),)

    id: Mapped[intpk]
    sku: Mapped[str] = mapped_column(String(64))
    warehouse: Mapped[str] = mapped_column(String(64), default="")
    on_hand: Mapped[int] = mapped_column(BigInteger)
    allocated: Mapped[int] = mapped_column(BigInteger, default=0)
    available_date: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[created]


class AllocationRow(Base):
    __tablename__ = "inventory_allocations"
    __table_args__ = (UniqueConstraint("document_id", "line_number"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(BigId, ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    line_number: Mapped[str] = mapped_column(String(32))
    sku: Mapped[str] = mapped_column(String(64))
    warehouse: Mapped[str] = mapped_column(String(64), default="")
    requested: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[AllocationStatus] = mapped_column(_enum(AllocationStatus))
    created_at: Mapped[created]
    released_at: Mapped[when | None]


class InventoryFeedRow(Base):
    """The last feed loaded per source, so the same file is not loaded twice."""

    __tablename__ = "inventory_feeds"

    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    sha256: Mapped[hexdigest]
    rows: Mapped[int] = mapped_column(BigInteger)
    loaded_at: Mapped[created]


class FulfillmentMixin(StoreBase):

    # -- the feed ------------------------------------------------------------------------

    def load_inventory(self, levels: Iterable[StockLevel], *, source: str, sha256: str) -> bool:
        """Set on-hand quantities from a feed; False (nothing changed) when ``source`` last
        loaded these very bytes. Allocations stay: they are what open orders hold."""
        rows = list(levels)

        def work(s: Session) -> bool:
            feed = s.get(InventoryFeedRow, source, with_for_update=True)
            if feed is not None and feed.sha256 == sha256:
                return False
            for level in rows:
                self._upsert_level(s, level)
            if feed is None:
                s.add(InventoryFeedRow(source=source, sha256=sha256, rows=len(rows), loaded_at=utcnow()))
            else:
                feed.sha256, feed.rows, feed.loaded_at = sha256, len(rows), utcnow()
            return True

        return self._write_retrying(work)

    @staticmethod
    def _upsert_level(s: Session, level: StockLevel) -> None:
        row = s.scalar(select(InventoryLevelRow).where(InventoryLevelRow.sku == level.sku,
                                                       InventoryLevelRow.warehouse == level.warehouse)
                       .with_for_update())
        if row is None:
            s.add(InventoryLevelRow(sku=level.sku, warehouse=level.warehouse, on_hand=_units(level.on_hand),
                                    allocated=0, available_date=level.available_date, updated_at=utcnow()))
            s.flush()
            return
        row.on_hand, row.available_date, row.updated_at = _units(level.on_hand), level.available_date, utcnow()

    def inventory(self, *, sku: str | None = None, warehouse: str | None = None) -> list[InventoryLevel]:
        q = select(InventoryLevelRow).order_by(InventoryLevelRow.sku, InventoryLevelRow.warehouse)
        if sku is not None:
            q = q.where(InventoryLevelRow.sku == sku)
        if warehouse is not None:
            q = q.where(InventoryLevelRow.warehouse == warehouse)
        with self._read() as s:
            return [_level(r) for r in s.scalars(q)]

    # -- allocations -----------------------------------------------------------------------

    def allocate(self, document_id: int, requests: Sequence[AllocationRequest], *, warehouse: str = "",
                 partial: bool = True) -> list[Allocation]:
        """Take stock for each line of an order, as much as is free (``partial``) or all or nothing.

        A line that already holds an allocation keeps it (a resumed stage takes nothing
        twice); a released one asks again. When every line holds one already (an order
        decided a second time), they are read back without a write or a lock.
        """
        held = self._held(document_id, requests, warehouse)
        if held is not None:
            return held
        return self._write_retrying(lambda s: [self._allocate(s, document_id, r, warehouse, partial)
                                               for r in requests])

    def _held(self, document_id: int, requests: Sequence[AllocationRequest], warehouse: str) -> list[Allocation] | None:
        with self._read() as s:
            rows = {r.line_number: r for r in s.scalars(select(AllocationRow).where(
                AllocationRow.document_id == document_id,
                AllocationRow.line_number.in_([r.line_number for r in requests])))}
            if not requests or any(r.line_number not in rows or rows[r.line_number].status is AllocationStatus.RELEASED
                                   for r in requests):
                return None
            dates = {lvl.sku: lvl.available_date for lvl in s.scalars(select(InventoryLevelRow).where(
                InventoryLevelRow.sku.in_([r.sku for r in requests]), InventoryLevelRow.warehouse == warehouse))}
            return [_allocation(rows[r.line_number], dates.get(r.sku)) for r in requests]

    def _allocate(self, s: Session, document_id: int, request: AllocationRequest, warehouse: str,
                  partial: bool) -> Allocation:
        held = s.scalar(select(AllocationRow).where(AllocationRow.document_id == document_id,
                                                    AllocationRow.line_number == request.line_number))
        level = s.scalar(select(InventoryLevelRow).where(InventoryLevelRow.sku == request.sku,
                                                         InventoryLevelRow.warehouse == warehouse)
                         .with_for_update())
        available_date = level.available_date if level is not None else None
        if held is not None and held.status is not AllocationStatus.RELEASED:
            return _allocation(held, available_date)
        wanted = _units(request.quantity)
        free = max(level.on_hand - level.allocated, 0) if level is not None else 0
        take = wanted if free >= wanted else (free if partial else 0)
        if take and level is not None:
            self._take(s, level.id, take)
        if held is None:
            held = AllocationRow(document_id=document_id, line_number=request.line_number, sku=request.sku,
                                 warehouse=warehouse, created_at=utcnow(), requested=wanted, quantity=take,
                                 status=AllocationStatus.ACTIVE)
            s.add(held)
        else:
            held.sku, held.warehouse, held.requested, held.quantity = request.sku, warehouse, wanted, take
            held.status, held.released_at = AllocationStatus.ACTIVE, None
        s.flush()
        return _allocation(held, available_date)

    @staticmethod
    def _take(s: Session, level_id: int, units: int) -> None:
        """Add to ``allocated`` only while that much is free: the guard that holds even if a
        backend's lock were weaker than we think."""
        lvl = InventoryLevelRow
        done = s.execute(update(lvl).where(lvl.id == level_id, lvl.on_hand - lvl.allocated >= units)
                         .values(allocated=lvl.allocated + units).execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 1) != 1:
            raise StoreError(f"stock for inventory level {level_id} changed under an allocation; try again")
        s.expire_all()

    def release_allocations(self, document_id: int) -> list[Allocation]:
        """Give back what an order's lines took (the order was rejected, cancelled or replaced)."""
        def work(s: Session) -> list[Allocation]:
            rows = list(s.scalars(select(AllocationRow).where(AllocationRow.document_id == document_id,
                                                              AllocationRow.status == AllocationStatus.ACTIVE)))
            for row in rows:
                self._give_back(s, row, on_hand=0)
                row.status, row.released_at = AllocationStatus.RELEASED, utcnow()
            return [_allocation(r) for r in rows]

        return self._write_retrying(work)

    def amend_order(self, earlier_id: int, later_id: int, status: DocumentStatus, *,
                    decided: str | None = None) -> Amended:
        """Mark order ``earlier_id`` cancelled or superseded by ``later_id`` (whose ``decided``
        body is set with it) and give back its stock, in one transaction: of two workers
        applying it at once, one does it, the other finds it done, so the stock goes back
        exactly once."""
        def work(s: Session) -> Amended:
            earlier = s.get(DocumentRow, earlier_id, with_for_update=True)
            later = s.get(DocumentRow, later_id, with_for_update=True)
            if earlier is None or later is None:
                raise StoreError(f"no order {earlier_id if earlier is None else later_id} to amend")
            if later.amends == earlier_id or earlier.status in _RETIRED:
                return Amended((), applied=False)
            earlier.status, later.amends = status, earlier_id
            if decided is not None:
                later.decided = decided
            rows = list(s.scalars(select(AllocationRow).where(AllocationRow.document_id == earlier_id,
                                                              AllocationRow.status == AllocationStatus.ACTIVE)))
            for row in rows:
                self._give_back(s, row, on_hand=0)
                row.status, row.released_at = AllocationStatus.RELEASED, utcnow()
            s.flush()
            return Amended(tuple(_allocation(r) for r in rows), applied=True)

        return self._write_retrying(work)

    def consume_allocations(self, document_id: int, shipped: dict[str, Decimal]) -> list[Allocation]:
        """Lines that shipped: their stock left the warehouse (on hand and allocated both drop
        by what shipped) until the next feed says what is on hand. A line shipped in part keeps
        the rest allocated, and stays active, for the shipment that sends it."""
        def work(s: Session) -> list[Allocation]:
            rows = list(s.scalars(select(AllocationRow).where(
                AllocationRow.document_id == document_id, AllocationRow.status == AllocationStatus.ACTIVE,
                AllocationRow.line_number.in_(list(shipped)))))
            for row in rows:
                sent = min(row.quantity, _units(shipped[row.line_number]))
                self._give_back(s, row, on_hand=sent, allocated=sent)
                row.quantity -= sent
                if row.quantity == 0:
                    row.status = AllocationStatus.SHIPPED
            return [_allocation(r) for r in rows]

        return self._write_retrying(work)

    @staticmethod
    def _give_back(s: Session, row: AllocationRow, *, on_hand: int, allocated: int | None = None) -> None:
        """Take ``allocated`` units (all the row holds by default) off the level's allocated
        count, and ``on_hand`` units off what is on hand."""
        lvl = InventoryLevelRow
        taken = row.quantity if allocated is None else allocated
        s.execute(update(lvl).where(lvl.sku == row.sku, lvl.warehouse == row.warehouse)
                  .values(allocated=lvl.allocated - taken, on_hand=lvl.on_hand - on_hand)
                  .execution_options(synchronize_session=False))

    def allocations(self, *, document_id: int | None = None, sku: str | None = None) -> list[Allocation]:
        q = select(AllocationRow).order_by(AllocationRow.id)
        if document_id is not None:
            q = q.where(AllocationRow.document_id == document_id)
        if sku is not None:
            q = q.where(AllocationRow.sku == sku)
        with self._read() as s:
            return [_allocation(r) for r in s.scalars(q)]

    # -- documents sent for an order outside its transmission (940s) -----------------------------

    def document_outbounds(self, document_ids: Collection[int]) -> list[Outbound]:
        """Outbound documents recorded against any of ``document_ids``, oldest first."""
        if not document_ids:
            return []
        q = select(OutboundRow).where(OutboundRow.document_id.in_(list(document_ids))).order_by(OutboundRow.id)
        with self._read() as s:
            return [convert.outbound(r) for r in s.scalars(q)]


def _level(row: InventoryLevelRow) -> InventoryLevel:
    return InventoryLevel(row.sku, row.warehouse, _quantity(row.on_hand), _quantity(row.allocated),
                          row.available_date, row.updated_at)


def _allocation(row: AllocationRow, available_date: dt.date | None = None) -> Allocation:
    return Allocation(row.document_id, row.line_number, row.sku, row.warehouse, _quantity(row.requested),
                      _quantity(row.quantity), row.status, available_date)
