"""Available to promise on the in-memory order book: stock taken as orders are accepted,
IB/IQ/IR lines when it runs short, nothing held by orders held or rejected, feeds loaded once
per content. The pipeline's own tests keep the 855s and the concurrency end to end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from edigate.orders.book import AllocationRequest, DocumentStatus
from edigate.orders.decision import Outcome
from edigate.orders.inventory import Inventory
from edigate.orders.memory import MemoryBook
from edigate.orders.rules import AtpRule

from tests.orders.conftest import Desk, order, rules

FEED = "sku,warehouse,on_hand,available_date\nACM-1001,,500,\nACM-2040,,{spatulas},{date}\n"


def lines(decision: object) -> list[tuple[str, Decimal]]:
    ack = decision.ack  # type: ignore[attr-defined]
    return [(a.status.value, a.quantity) for a in ack.lines]


def test_an_accepted_order_takes_its_stock(desk: Desk, book: MemoryBook) -> None:
    doc, decision = desk.take_in(order())
    assert doc.status is DocumentStatus.ACCEPTED and lines(decision) == [("IA", 1), ("IA", 2)]
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 2}


def test_a_short_line_is_backordered_with_the_feeds_date(desk: Desk, book: MemoryBook) -> None:
    book.stock("ACM-2040", 1, available_date=dt.date(2026, 12, 4))
    _, decision = desk.take_in(order())
    assert lines(decision) == [("IA", 1), ("IB", 2)]
    assert decision.ack is not None and decision.ack.lines[1].scheduled_date == dt.date(2026, 12, 4)
    [finding] = decision.findings
    assert finding.code == "rule.atp.backorder" and "more expected 2026-12-04" in finding.message
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 0}  # a backordered line takes nothing yet


def test_reduce_cuts_a_short_line_to_what_is_there(desk: Desk, book: MemoryBook) -> None:
    book.stock("ACM-2040", 1)
    _, decision = desk.take_in(order(), rules(short="reduce"))
    assert lines(decision) == [("IA", 1), ("IQ", 1)] and decision.export is not None
    assert [line.quantity for line in decision.export.lines] == [1, 1]  # what routing sends
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 1} and book.levels["ACM-2040", ""].allocated == 1


def test_reduce_with_nothing_there_rejects_the_line(desk: Desk, book: MemoryBook) -> None:
    book.stock("ACM-2040", 0)
    _, decision = desk.take_in(order(), rules(short="reduce"))
    assert lines(decision) == [("IA", 1), ("IR", 0)] and decision.export is not None
    assert [line.line_number for line in decision.export.lines] == ["1"]


def test_a_held_order_holds_no_stock(desk: Desk, book: MemoryBook) -> None:
    book.stock("ACM-2040", 1, available_date=dt.date(2026, 12, 4))
    doc, decision = desk.take_in(order(), rules(policy="hold"))
    assert decision.outcome is Outcome.HELD and doc.status is DocumentStatus.HELD
    assert book.taken() == {}


def test_reject_policy_takes_nothing(desk: Desk, book: MemoryBook) -> None:
    book.stock("ACM-2040", 1)
    doc, decision = desk.take_in(order(), rules(policy="reject"))
    assert decision.outcome is Outcome.REJECTED and lines(decision) == [("IR", 0), ("IR", 0)]
    assert book.taken() == {} and doc.status is DocumentStatus.REJECTED


def test_no_atp_rule_takes_no_stock(desk: Desk, book: MemoryBook) -> None:
    _, decision = desk.take_in(order(), rules(atp=False))
    assert decision.outcome is Outcome.ACCEPTED and book.taken() == {}


def test_a_line_that_holds_stock_keeps_it_and_a_released_one_asks_again(book: MemoryBook) -> None:
    ask = [AllocationRequest("1", "ACM-2040", Decimal(2))]
    [first] = book.allocate(7, ask)
    book.stock("ACM-2040", 0)  # a new feed: none left
    assert book.allocate(7, ask) == [first]  # a resumed stage takes nothing twice
    book.release_allocations(7)
    [again] = book.allocate(7, ask)
    assert (again.quantity, again.short) == (0, 2)


def test_all_or_nothing_takes_nothing_from_a_short_level(book: MemoryBook) -> None:
    book.stock("ACM-2040", 1)
    [got] = book.allocate(1, [AllocationRequest("1", "ACM-2040", Decimal(2))], partial=False)
    assert got.quantity == 0 and book.levels["ACM-2040", ""].allocated == 0


def test_a_feed_is_loaded_once_per_content(tmp_path: Path) -> None:
    book = MemoryBook()
    feed = tmp_path / "stock.csv"
    feed.write_text(FEED.format(spatulas=1, date=""), encoding="utf-8")
    stock, rule = Inventory(book, tmp_path), AtpRule(file="stock.csv")
    assert stock.refresh(rule) and not stock.refresh(rule)
    assert book.levels["ACM-2040", ""].on_hand == 1
    feed.write_text(FEED.format(spatulas=100, date="2026-12-04"), encoding="utf-8")
    assert stock.refresh(rule)
    assert (book.levels["ACM-2040", ""].on_hand, book.levels["ACM-2040", ""].available_date) == (
        100, dt.date(2026, 12, 4))
    assert Inventory(book, tmp_path).refresh(rule) is False  # another process: the book has these bytes
