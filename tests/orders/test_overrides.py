"""Overrides of a held order: each change made and said, a unit converted with its price, and
the 855 answering each changed line (IS, IQ, IC, IP, DR) and a new ship-to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from edigate.errors import UsageError
from edigate.model import AckType, LineStatus
from edigate.model.order import Pack
from edigate.orders.decision import po_ack
from edigate.orders.overrides import Override, acknowledge, apply_override, unit_factor
from edigate.orders.rules import check_order

from tests.support.orders import TODAY, rules_of, sample_order, with_line

BIGBOX = sample_order("bigbox", "bigbox-850-4010")  # line 3: 12 CA of ACM-3300 at 38.40, PO4 4 a case
RULES = rules_of("bigbox")


def _line(order: object, n: str) -> tuple[Decimal, str, Decimal | None]:
    line = next(x for x in order.lines if x.line_number == n)  # type: ignore[attr-defined]
    return line.quantity, line.uom, line.unit_price


def test_cases_to_eaches_by_the_lines_pack_keep_the_amount() -> None:
    changed, said = apply_override(BIGBOX, Override(line="3", unit="EA"), RULES)
    assert _line(changed, "3") == (Decimal(48), "EA", Decimal("9.6"))
    assert said == ("line 3 unit 12 CA at 38.40 -> 48 EA at 9.6",)
    assert changed.po_number == BIGBOX.po_number and changed.lines[:2] == BIGBOX.lines[:2]
    back, _ = apply_override(changed, Override(line="3", unit="CA"), RULES)
    assert _line(back, "3") == (Decimal(12), "CA", Decimal("38.4"))


def test_without_a_po4_the_catalogs_pack_converts_and_a_part_case_is_refused() -> None:
    order = with_line(BIGBOX, 2, pack=None)
    changed, _ = apply_override(order, Override(line="3", unit="EA"), RULES)
    assert _line(changed, "3")[:2] == (Decimal(48), "EA")  # ACM-3300 sells in CA of 4
    eaches = with_line(changed, 2, quantity=Decimal(50))
    with pytest.raises(UsageError, match="50 EA is 12.5 CA, not a whole number; give --quantity in CA too"):
        apply_override(eaches, Override(line="3", unit="CA"), RULES)
    given_too, _ = apply_override(eaches, Override(line="3", unit="CA", quantity=Decimal(13)), RULES)
    assert _line(given_too, "3")[:2] == (Decimal(13), "CA")
    with pytest.raises(UsageError, match="no conversion from EA to LB"):
        apply_override(BIGBOX, Override(line="1", unit="LB"), RULES)


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=1, max_value=144),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2))
def test_cases_to_eaches_and_back_keep_quantity_and_amount(quantity: int, pack: int, price: Decimal) -> None:
    order = with_line(BIGBOX, 2, quantity=Decimal(quantity), unit_price=price, pack=Pack(pack=pack))
    eaches, _ = apply_override(order, Override(line="3", unit="EA"), RULES)
    q, _, each = _line(eaches, "3")
    assert q == quantity * pack and each is not None
    assert abs(q * each - quantity * price) <= q * Decimal("0.00005")  # prices kept to 4 places
    cases, _ = apply_override(eaches, Override(line="3", unit="CA"), RULES)
    assert _line(cases, "3")[:2] == (quantity, "CA")
    assert unit_factor(order.lines[2], "DZ", "EA", None) * unit_factor(order.lines[2], "EA", "DZ", None) == 1


def test_a_unit_override_clears_the_uom_finding() -> None:
    ordered_in_eaches = with_line(BIGBOX, 2, quantity=Decimal(48), uom="EA", unit_price=Decimal("9.60"))
    assert "rule.uom.mismatch" in {f.code for f in check_order(ordered_in_eaches, RULES, today=TODAY)}
    changed, _ = apply_override(ordered_in_eaches, Override(line="3", unit="CA"), RULES)
    assert _line(changed, "3") == (Decimal(12), "CA", Decimal("38.4"))
    assert "rule.uom.mismatch" not in {f.code for f in check_order(changed, RULES, today=TODAY)}


def test_item_ship_to_and_dates() -> None:
    change = Override(line="2", item="ACM-4410", ship_to="6094", ship_date=dt.date(2026, 12, 9))
    changed, said = apply_override(BIGBOX, change, RULES)
    line = changed.lines[1]
    assert line.product_ids.vendor_part == "ACM-4410" and line.product_ids.upc == "012345678936"
    assert line.product_ids.get("IN") == "30044"  # the buyer's own number stays as sent
    assert line.dates.requested_ship == dt.date(2026, 12, 9) and changed.dates == BIGBOX.dates
    assert changed.ship_to is not None and changed.ship_to.ids.get("92") == "6094"
    assert said == ("line 2 item ACM-2040 -> ACM-4410", "line 2 requested ship - -> 2026-12-09", "ship-to 1482 -> 6094")
    header, said = apply_override(BIGBOX, Override(cancel_after=dt.date(2026, 12, 31)), RULES)
    assert header.dates.cancel_after == dt.date(2026, 12, 31) and said[0].startswith("order cancel after ")
    for bad, why in ((Override(line="2", item="NOPE"), "no catalog item 'NOPE'"),
                     (Override(ship_to="9999"), "not in the partner's store list"),
                     (Override(price=Decimal(1)), "give --line N"), (Override(line="7", price=Decimal(1)), "no line 7"),
                     (Override(line="1", quantity=Decimal(0)), "not positive"), (Override(line="1"), "nothing to")):
        with pytest.raises(UsageError, match=why):
            apply_override(BIGBOX, bad, RULES)


def test_the_855_answers_each_override() -> None:
    changed = BIGBOX
    for change in (Override(line="1", item="ACM-4410"), Override(line="2", quantity=Decimal(60)),
                   Override(line="3", unit="EA"), Override(ship_to="6094")):
        changed, _ = apply_override(changed, change, RULES)
    ack = acknowledge(po_ack(changed, [], today=TODAY), BIGBOX, changed)
    assert ack.ack_type is AckType.ACCEPTED_WITH_CHANGES and ack.ship_to == changed.ship_to
    assert [(a.status, a.quantity, a.uom, a.ordered_quantity, a.unit_price) for a in ack.lines] == [
        (LineStatus.SUBSTITUTED, Decimal(24), "EA", Decimal(24), Decimal("12.49")),
        (LineStatus.QUANTITY_CHANGED, Decimal(60), "EA", Decimal(48), Decimal("4.75")),
        (LineStatus.CHANGES_MADE, Decimal(48), "EA", Decimal(48), Decimal("9.6"))]
    assert ack.lines[0].product_ids.vendor_part == "ACM-4410"
    priced, _ = apply_override(BIGBOX, Override(line="1", price=Decimal("12.00")), RULES)
    moved, _ = apply_override(priced, Override(ship_date=dt.date(2026, 12, 10)), RULES)
    ack = acknowledge(po_ack(moved, [], today=TODAY), BIGBOX, moved)
    assert [(a.status, a.scheduled_date) for a in ack.lines] == [
        (LineStatus.PRICE_CHANGED, None), (LineStatus.DATE_RESCHEDULED, dt.date(2026, 12, 10)),
        (LineStatus.DATE_RESCHEDULED, dt.date(2026, 12, 10))]
    untouched = po_ack(BIGBOX, [], today=TODAY)
    assert acknowledge(untouched, BIGBOX, BIGBOX) == untouched
