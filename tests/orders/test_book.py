"""The in-memory order book behaves as the store does: the same orders decided on each give
the same decisions, statuses, stock and audit notes. So what the domain's tests prove on the
memory book holds for the store (SQLite here; the store's own tests cover PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from edigate.model import Order, Purpose, dumps
from edigate.orders.book import Allocation, AllocationStatus, DocumentStatus, OrderBook, StockLevel
from edigate.orders.inventory import Inventory
from edigate.orders.memory import MemoryBook
from edigate.orders.purposes import order_key
from edigate.orders.stored import decide_stored
from edigate.store import AuditAction, DocumentKind, Store

from tests.orders.conftest import PARTNER, REPO, TODAY, order, rules

_STATUS = {"accepted": DocumentStatus.ACCEPTED, "held": DocumentStatus.HELD, "rejected": DocumentStatus.REJECTED}


@dataclass(frozen=True)
class Summary:
    """Each order's status, what it amends and whether a decided body was saved; the stock
    each order line holds; the audit notes (order id, text)."""

    orders: list[tuple[DocumentStatus, int | None, bool]]
    active: dict[tuple[int, str], Decimal]
    notes: list[tuple[int, str]]


def _active(allocations: Iterable[Allocation]) -> dict[tuple[int, str], Decimal]:
    return {(a.document_id, a.line_number): a.quantity for a in allocations if a.status is AllocationStatus.ACTIVE}


@dataclass
class Memory:
    book: MemoryBook

    def file(self, received: Order) -> int:
        return self.book.add(received, partner=PARTNER).id

    def set_status(self, document_id: int, status: DocumentStatus) -> None:
        self.book.set_status(document_id, status)

    def summary(self) -> Summary:
        return Summary([(d.status, d.amends, d.decided is not None) for _, d in sorted(self.book.orders.items())],
                       _active(self.book.allocations.values()), [(n.order_id, n.note) for n in self.book.notes])


@dataclass
class Stored:
    book: Store

    def file(self, received: Order) -> int:
        saved = self.book.save_document(kind=DocumentKind.ORDER, partner=PARTNER, key=order_key(received),
                                        body=dumps(received), transmission_id=None)
        assert saved.document is not None
        return saved.document.id

    def set_status(self, document_id: int, status: DocumentStatus) -> None:
        self.book.set_document_status(document_id, status)

    def summary(self) -> Summary:
        notes = [(int(e.target.split(":")[1]), e.note) for e in self.book.audit_events()
                 if e.action is AuditAction.AMEND]
        orders = self.book.documents(kind=DocumentKind.ORDER)
        return Summary([(d.status, d.amends, d.decided is not None) for d in orders],
                       _active(self.book.allocations()), notes)


@pytest.fixture(params=["memory", "store"])
def filed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory | Stored]:
    if request.param == "memory":
        yield Memory(MemoryBook())
        return
    with Store.open(f"sqlite:///{tmp_path / 'edigate.db'}") as store:
        yield Stored(store)


def scenario(filed: Memory | Stored) -> list[tuple[object, ...]]:
    """Orders for two POs with little stock: originals, a replacement that runs short, a
    duplicate copy, a cancel of the replacement, a cancel of a PO never received. The
    decisions, in order."""
    book: OrderBook = filed.book
    book.load_inventory([StockLevel("ACM-1001", Decimal(500)), StockLevel("ACM-2040", Decimal(3))],
                        source="feed", sha256="1")
    decided = []
    for received in (order(), order(po="MKT-2"), order(Purpose.REPLACE, "05", q2=5),
                     order(Purpose.DUPLICATE, "07", po="MKT-2"), order(Purpose.CANCEL, "01"),
                     order(Purpose.CANCEL, "01", po="MKT-NEVER")):
        document_id = filed.file(received)
        decision = decide_stored(received, document_id, PARTNER, rules(short="reduce"), Inventory(book, REPO),
                                 today=TODAY)
        filed.set_status(document_id, _STATUS[decision.outcome.value])
        acked = [(a.status.value, a.quantity) for a in decision.ack.lines] if decision.ack else None
        decided.append((decision.outcome.value, [f.code for f in decision.findings], acked))
    return decided


def test_the_memory_book_decides_as_the_store_does(filed: Memory | Stored) -> None:
    assert scenario(filed) == [
        ("accepted", [], [("IA", 1), ("IA", 2)]),
        ("accepted", ["rule.atp.short"], [("IA", 1), ("IQ", 1)]),
        ("accepted", ["rule.atp.short"], [("IA", 1), ("IQ", 2)]),  # what the first order gave back, and no more
        ("held", ["rule.purpose.copy"], None),
        ("accepted", [], [("ID", 0), ("ID", 0)]),
        ("rejected", ["rule.purpose.unknown_po"], [("IR", 0), ("IR", 0)]),
    ]
    summary = filed.summary()
    assert summary.orders == [(DocumentStatus.SUPERSEDED, None, False), (DocumentStatus.ACCEPTED, None, False),
                              (DocumentStatus.CANCELLED, 1, False), (DocumentStatus.HELD, None, False),
                              (DocumentStatus.ACCEPTED, 3, True), (DocumentStatus.REJECTED, None, False)]
    assert summary.active == {(2, "1"): 1, (2, "2"): 1}
    assert [order_id for order_id, _ in summary.notes] == [1, 3, 3, 5]
    assert summary.notes[2][1] == ("cancelled by order 5 (a cancellation; was accepted); stock given back: "
                                   "1 ACM-1001, 2 ACM-2040")
