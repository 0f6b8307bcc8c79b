"""BEG01 purposes applied to the earlier order on the in-memory order book: cancel, change,
replace, copies; what is refused and why, in plain words; stock given back exactly once;
what a cancel sends and where. The pipeline's own tests keep a few of these end to end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edigate.model import Order, Purpose, loads
from edigate.orders.book import AllocationStatus, DocumentStatus
from edigate.orders.decision import Outcome
from edigate.orders.memory import MemoryBook
from edigate.orders.purposes import Amendments, cancel_destinations, earlier_order, is_cancel, order_key
from edigate.orders.warehouse import shipping_order_key

from tests.orders.conftest import PARTNER, Desk, order, rules

PO = "MKT-99018832"


def codes(findings: tuple[object, ...]) -> list[str]:
    return [f.code for f in findings]  # type: ignore[attr-defined]


# -- cancellation ----------------------------------------------------------------------------

def test_a_cancel_retires_the_earlier_order_gives_its_stock_back_and_says_so(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order())
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 2}
    cancel, decision = desk.take_in(order(Purpose.CANCEL, "01"))
    assert decision.outcome is Outcome.ACCEPTED and decision.findings == ()
    assert book.orders[earlier.id].status is DocumentStatus.CANCELLED and cancel.amends == earlier.id
    assert book.taken() == {} and {a.status for a in book.allocations.values()} == {AllocationStatus.RELEASED}
    assert decision.ack is not None and [(a.status.value, a.quantity) for a in decision.ack.lines] == [("ID", 0),
                                                                                                        ("ID", 0)]
    first, second = book.notes
    assert first.order_id == earlier.id and first.note.startswith(f"cancelled by order {cancel.id} (a cancellation;"
                                                                  " was accepted); stock given back: 1 ACM-1001")
    assert (second.order_id, second.note) == (cancel.id, f"cancelled order {earlier.id}")


def test_a_cancel_sends_the_order_as_it_went_out(desk: Desk, book: MemoryBook) -> None:
    desk.take_in(order())
    cancel, _ = desk.take_in(order(Purpose.CANCEL, "01", q2=9))
    assert cancel.decided is not None
    sent = loads(Order, cancel.decided)
    assert (sent.purpose, sent.purpose_code) == (Purpose.CANCEL, "01")
    assert [line.quantity for line in sent.lines] == [1, 2]  # the earlier order's lines, not the cancel's


def test_a_cancel_goes_only_where_the_earlier_order_went(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order())
    book.record_sent(earlier.id, "940", key=shipping_order_key(PARTNER, earlier.id, "fastship"))
    cancel, _ = desk.take_in(order(Purpose.CANCEL, "01"))
    only = cancel_destinations(book, cancel)
    assert only is not None
    assert only("fastship", "x12-940") and not only("other-3pl", "x12-940") and only("erp", "json")
    assert cancel_destinations(book, earlier) is None and is_cancel(cancel) and not is_cancel(earlier)


def test_a_cancel_of_a_held_order_finishes_its_transmission_and_goes_nowhere(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order(p1="5.00"), rules(policy="hold"), transmission_id=1)
    assert earlier.status is DocumentStatus.HELD and book.held_transmissions == {1}
    cancel, _ = desk.take_in(order(Purpose.CANCEL, "01"), rules(policy="hold"), transmission_id=2)
    assert book.orders[earlier.id].status is DocumentStatus.CANCELLED
    assert book.finished_transmissions == {1} and cancel.decided is None


def test_a_cancel_for_a_po_never_received_is_refused(desk: Desk) -> None:
    _, decision = desk.take_in(order(Purpose.CANCEL, "01", po="MKT-NEVER"))
    [finding] = decision.findings
    assert finding.code == "rule.purpose.unknown_po"
    assert finding.message == "a cancellation came for PO MKT-NEVER, which we never received"
    assert decision.outcome is Outcome.REJECTED  # no policy accepts it
    assert decision.ack is not None and [a.status.value for a in decision.ack.lines] == ["IR", "IR"]


def test_a_cancel_after_shipment_is_refused_in_plain_words(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order())
    book.record_sent(earlier.id, "856", isa13="000000003")
    book.record_sent(earlier.id, "810", isa13="000000004")
    _, decision = desk.take_in(order(Purpose.CANCEL, "01"), rules(policy="hold"))
    [finding] = decision.findings
    assert finding.code == "rule.purpose.shipped" and "credit" in (finding.hint or "")
    assert finding.message == (f"a cancellation came for PO {PO}, but order {earlier.id} was already shipped (an "
                               "856, ISA13 000000003) and invoiced (an 810, ISA13 000000004); it cannot be "
                               "cancelled here")
    assert decision.outcome is Outcome.HELD and book.orders[earlier.id].status is DocumentStatus.ACCEPTED


def test_a_replacement_after_a_cancel_finds_the_order_already_cancelled(desk: Desk) -> None:
    desk.take_in(order())
    desk.take_in(order(Purpose.CANCEL, "01"))
    _, decision = desk.take_in(order(Purpose.REPLACE, "05"))
    assert codes(decision.findings) == ["rule.purpose.retired"] and decision.outcome is Outcome.REJECTED
    assert "was already cancelled" in decision.findings[0].message


# -- change and replace ----------------------------------------------------------------------

@pytest.mark.parametrize(("purpose", "code"), [(Purpose.REPLACE, "05"), (Purpose.CHANGE, "04")])
def test_a_replacement_supersedes_and_takes_stock_afresh(desk: Desk, book: MemoryBook, purpose: Purpose,
                                                         code: str) -> None:
    earlier, _ = desk.take_in(order())
    later, decision = desk.take_in(order(purpose, code, q2=5))
    assert (book.orders[earlier.id].status, later.status, later.amends) == (DocumentStatus.SUPERSEDED,
                                                                           DocumentStatus.ACCEPTED, earlier.id)
    assert {a.status for a in book.allocations.values() if a.document_id == earlier.id} == {AllocationStatus.RELEASED}
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 5} and book.levels["ACM-2040", ""].allocated == 5
    assert decision.ack is not None and decision.ack.purpose is purpose
    assert [(a.status.value, a.quantity) for a in decision.ack.lines] == [("IA", 1), ("IA", 5)]


def test_each_different_change_supersedes_the_last_and_a_resent_one_keeps_its_key(desk: Desk,
                                                                                   book: MemoryBook) -> None:
    first, _ = desk.take_in(order())
    change1, _ = desk.take_in(order(Purpose.CHANGE, "04", q2=5))
    change2, _ = desk.take_in(order(Purpose.CHANGE, "04", q2=3))
    assert change1.key != change2.key and change1.key.startswith(f"{PO}:change@")
    assert order_key(order(Purpose.CHANGE, "04", q2=3)) == change2.key  # the same change resent: a duplicate
    assert [book.orders[d.id].status for d in (first, change1, change2)] == [
        DocumentStatus.SUPERSEDED, DocumentStatus.SUPERSEDED, DocumentStatus.ACCEPTED]
    assert (book.orders[change1.id].amends, change2.amends) == (first.id, change1.id)
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 3}  # the last change's quantities, stock taken once


def test_a_held_replacement_leaves_the_earlier_order_in_force(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order(), rules(policy="hold"))
    later, decision = desk.take_in(order(Purpose.REPLACE, "05", p1="5.00"), rules(policy="hold"))
    assert decision.outcome is Outcome.HELD and codes(decision.findings) == ["rule.price.mismatch"]
    assert book.orders[earlier.id].status is DocumentStatus.ACCEPTED and later.amends is None
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 2}


def test_a_replacement_held_only_for_stock_has_retired_the_earlier_order(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order(), rules(policy="hold"))
    later, decision = desk.take_in(order(Purpose.REPLACE, "05", q2=400), rules(policy="hold"))
    assert decision.outcome is Outcome.HELD and codes(decision.findings) == ["rule.atp.backorder"]
    assert book.orders[earlier.id].status is DocumentStatus.SUPERSEDED and later.amends == earlier.id
    assert book.taken() == {}  # the earlier order's stock went back; the held one holds none


def test_the_same_amendment_applied_twice_gives_stock_back_once(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order())
    replacement = order(Purpose.REPLACE, "05", q2=5)
    later, _ = desk.take_in(replacement)
    again = Amendments(book).check(replacement, later.id, PARTNER)
    assert again.applied and not again.pending and again.earlier is not None and again.earlier.id == earlier.id
    Amendments(book).apply(again, replacement)
    assert book.amend_order(earlier.id, later.id, DocumentStatus.SUPERSEDED).applied is False
    assert len(book.notes) == 2 and book.taken() == {"ACM-1001": 1, "ACM-2040": 5}


# -- copies ----------------------------------------------------------------------------------

def test_a_duplicate_copy_waits_for_a_specialist(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order())
    _, decision = desk.take_in(order(Purpose.DUPLICATE, "07"))
    assert codes(decision.findings) == ["rule.purpose.copy"] and decision.outcome is Outcome.HELD
    assert f"of order {earlier.id}, which we hold" in decision.findings[0].message
    assert book.orders[earlier.id].status is DocumentStatus.ACCEPTED
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 2}


def test_a_cancel_after_a_held_copy_cancels_the_order_it_copies(desk: Desk, book: MemoryBook) -> None:
    earlier, _ = desk.take_in(order())
    copy, _ = desk.take_in(order(Purpose.DUPLICATE, "07"))
    assert copy.status is DocumentStatus.HELD
    cancel, decision = desk.take_in(order(Purpose.CANCEL, "01"))
    assert decision.findings == () and cancel.amends == earlier.id
    assert book.orders[earlier.id].status is DocumentStatus.CANCELLED
    assert book.orders[copy.id].status is DocumentStatus.HELD and book.taken() == {}


def test_a_held_copy_of_nothing_is_the_order_a_cancel_retires(desk: Desk, book: MemoryBook) -> None:
    copy, _ = desk.take_in(order(Purpose.CONFIRMATION, "06", p1="5.00"), rules(policy="hold"))
    assert copy.status is DocumentStatus.HELD
    cancel, _ = desk.take_in(order(Purpose.CANCEL, "01"), rules(policy="hold"))
    assert cancel.amends == copy.id and book.orders[copy.id].status is DocumentStatus.CANCELLED


def test_a_confirmation_of_an_order_we_never_had_is_an_order(desk: Desk, book: MemoryBook) -> None:
    doc, decision = desk.take_in(order(Purpose.CONFIRMATION, "06"))
    assert decision.findings == () and doc.status is DocumentStatus.ACCEPTED
    assert decision.ack is not None and (decision.ack.purpose, decision.ack.purpose_code) == (Purpose.ORIGINAL, "00")
    assert book.taken() == {"ACM-1001": 1, "ACM-2040": 2}


# -- the pieces ------------------------------------------------------------------------------

def test_the_earlier_order_is_the_newest_in_force_before_the_later_one(desk: Desk, book: MemoryBook) -> None:
    first, _ = desk.take_in(order())
    rejected, _ = desk.take_in(order(Purpose.CANCEL, "01", po="MKT-OTHER"))
    versions = book.order_versions(PARTNER, PO)
    assert [d.id for d in versions] == [first.id] and rejected.key == "MKT-OTHER:cancel"
    assert earlier_order(versions, first.id + 1) == first and earlier_order(versions, first.id) is None


def test_the_order_held_for_a_po_is_the_one_an_860_changes(desk: Desk, book: MemoryBook) -> None:
    desk.take_in(order())
    desk.take_in(order(Purpose.REPLACE, "05", q2=5))
    held = Amendments(book).held(PARTNER, PO)
    assert held is not None and held.purpose is Purpose.REPLACE and held.lines[1].quantity == Decimal(5)
    assert Amendments(book).held(PARTNER, "MKT-NONE") is None
