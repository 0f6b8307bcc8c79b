"""Inventory and allocations on a real store: feeds, allocation, release, shipping, and
concurrent orders that never take more than is on hand (threads and processes, SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from edigate.store import (
    AllocationRequest, AllocationStatus, DocumentKind, DocumentStatus, StockLevel, Store,
)

from tests.support import store_children
from tests.support.forked import children

SKU = "ACM-1001"


def order(store: Store, po: str) -> int:
    saved = store.save_document(kind=DocumentKind.ORDER, partner="acme", key=f"{po}:original", body="{}",
                                transmission_id=None, status=DocumentStatus.ACCEPTED)
    assert saved.document is not None
    return saved.document.id


def stock(store: Store, on_hand: str, *, sha: str = "a" * 64, date: dt.date | None = None) -> bool:
    return store.load_inventory([StockLevel(SKU, Decimal(on_hand), available_date=date)], source="feed.csv",
                                sha256=sha)


def ask(quantity: str, line: str = "1") -> list[AllocationRequest]:
    return [AllocationRequest(line, SKU, Decimal(quantity))]


def test_a_feed_is_loaded_once_per_content_and_keeps_allocations(store: Store) -> None:
    assert stock(store, "10")
    assert not stock(store, "99")  # same bytes (same sha256) again: nothing changes
    store.allocate(order(store, "P1"), ask("4"))
    assert stock(store, "20", sha="b" * 64, date=dt.date(2026, 12, 4))
    [level] = store.inventory(sku=SKU)
    assert (level.on_hand, level.allocated, level.available) == (20, 4, 16)
    assert level.available_date == dt.date(2026, 12, 4)


def test_partial_allocation_takes_what_is_free(store: Store) -> None:
    stock(store, "5", date=dt.date(2026, 12, 4))
    [got] = store.allocate(order(store, "P1"), ask("8"), partial=True)
    assert (got.requested, got.quantity, got.short) == (8, 5, 3)
    assert got.available_date == dt.date(2026, 12, 4)
    assert store.inventory(sku=SKU)[0].available == 0


def test_all_or_nothing_takes_nothing_when_short(store: Store) -> None:
    stock(store, "5")
    [got] = store.allocate(order(store, "P1"), ask("8"), partial=False)
    assert got.quantity == 0 and got.status is AllocationStatus.ACTIVE
    assert store.inventory(sku=SKU)[0].allocated == 0


def test_an_unknown_sku_has_nothing_to_promise(store: Store) -> None:
    [got] = store.allocate(order(store, "P1"), [AllocationRequest("1", "NOPE", Decimal(1))])
    assert got.quantity == 0 and got.available_date is None


def test_allocating_again_takes_nothing_twice(store: Store) -> None:
    stock(store, "10")
    doc = order(store, "P1")
    first = store.allocate(doc, ask("4"))
    assert store.allocate(doc, ask("4")) == first
    assert store.inventory(sku=SKU)[0].allocated == 4


def test_release_gives_stock_back_and_a_released_line_may_ask_again(store: Store) -> None:
    stock(store, "10")
    doc = order(store, "P1")
    store.allocate(doc, ask("4.5"))
    [released] = store.release_allocations(doc)
    assert released.status is AllocationStatus.RELEASED and released.quantity == Decimal("4.5")
    assert store.inventory(sku=SKU)[0].allocated == 0
    assert store.release_allocations(doc) == []
    [again] = store.allocate(doc, ask("6"))
    assert again.quantity == 6 and store.inventory(sku=SKU)[0].allocated == 6


def test_shipping_consumes_on_hand_and_allocation(store: Store) -> None:
    stock(store, "10")
    doc = order(store, "P1")
    store.allocate(doc, [*ask("4", "1"), AllocationRequest("2", SKU, Decimal(2))])
    [shipped] = store.consume_allocations(doc, {"1": Decimal(4)})
    assert shipped.status is AllocationStatus.SHIPPED
    [level] = store.inventory(sku=SKU)
    assert (level.on_hand, level.allocated) == (6, 2)
    assert [a.status for a in store.allocations(document_id=doc)] == [AllocationStatus.SHIPPED,
                                                                       AllocationStatus.ACTIVE]


def test_a_line_shipped_in_part_keeps_the_rest_allocated(store: Store) -> None:
    stock(store, "10")
    doc = order(store, "P1")
    store.allocate(doc, ask("6", "1"))
    [first] = store.consume_allocations(doc, {"1": Decimal(4)})
    assert (first.status, first.quantity) == (AllocationStatus.ACTIVE, 2)
    [level] = store.inventory(sku=SKU)
    assert (level.on_hand, level.allocated) == (6, 2)
    [rest] = store.consume_allocations(doc, {"1": Decimal(2)})
    assert (rest.status, rest.quantity) == (AllocationStatus.SHIPPED, 0)
    [level] = store.inventory(sku=SKU)
    assert (level.on_hand, level.allocated) == (4, 0)


def test_allocations_are_listed_by_sku(store: Store) -> None:
    stock(store, "10")
    store.allocate(order(store, "P1"), ask("1"))
    store.allocate(order(store, "P2"), ask("2"))
    assert [a.quantity for a in store.allocations(sku=SKU)] == [1, 2]


# -- concurrency ---------------------------------------------------------------------------

ON_HAND, EACH, ORDERS = 10, 3, 8


def _allocate_in_thread(url: str, doc: int, results: list[Decimal]) -> None:
    with Store.open(url) as own:
        [got] = own.allocate(doc, ask(str(EACH)), partial=True)
        results.append(got.quantity)


def _assert_never_oversold(store: Store, taken: list[Decimal]) -> None:
    [level] = store.inventory(sku=SKU)
    assert level.allocated == ON_HAND == sum(taken)
    assert sorted(taken) == [0] * 4 + [1] + [EACH] * 3
    assert sum(a.quantity for a in store.allocations(sku=SKU)) == ON_HAND


def test_concurrent_threads_never_oversell(store: Store, url: str) -> None:
    stock(store, str(ON_HAND))
    docs = [order(store, f"P{n}") for n in range(ORDERS)]
    taken: list[Decimal] = []
    threads = [threading.Thread(target=_allocate_in_thread, args=(url, d, taken)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(taken) == ORDERS
    _assert_never_oversold(store, taken)


@pytest.mark.slow
def test_concurrent_processes_never_oversell(store: Store, url: str) -> None:
    stock(store, str(ON_HAND))
    docs = [order(store, f"P{n}") for n in range(ORDERS)]
    ctx = children()
    procs = [ctx.Process(target=store_children.allocate, args=(url, d, SKU, str(EACH))) for d in docs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * ORDERS
    _assert_never_oversold(store, [a.quantity for a in store.allocations(sku=SKU)])


def test_outbounds_are_found_by_the_order_they_concern(store: Store) -> None:
    doc = order(store, "P1")
    out, _ = store.record_outbound(partner="3pl-x", set_id="940", key="940:acme:1:3pl", isa13="1", gs06="1",
                                   st02="0001", archive_path="a/b", sha256="c" * 64, document_id=doc)
    assert store.document_outbounds([doc]) == [out]
    assert store.document_outbounds([]) == []


@pytest.mark.parametrize("quantity", ["0.001", "12345.678"])
def test_fractional_quantities_are_exact(store: Store, quantity: str) -> None:
    stock(store, "20000")
    [got] = store.allocate(order(store, "P1"), ask(quantity))
    assert got.quantity == Decimal(quantity)
    assert store.inventory(sku=SKU)[0].available == Decimal(20000) - Decimal(quantity)
