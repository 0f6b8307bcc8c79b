"""Conversions the partner's map declares, in the order domain: a line ordered in another unit
than the catalog's is converted (quantity and price together) instead of found, its checks
said in the buyer's unit as the 855 answers, the order routed in ours; an override converts by
the map before the PO4 and the catalog."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from edigate.errors import UsageError
from edigate.model import LineStatus
from edigate.orders.decision import Outcome, as_decided, decide
from edigate.orders.overrides import Override, acknowledge, apply_override, unit_conversion
from edigate.orders.rules import RuleSet, check_order
from edigate.orders.units import UnitConversion, UnitTable, converted
from edigate.model import Order

from tests.orders.conftest import Desk, order as dropship_order, rules as dropship_rules
from tests.support.orders import TODAY, rules_of, sample_order, with_line

BIGBOX = sample_order("bigbox", "bigbox-850-4010")  # line 1: 24 EA of ACM-1001 at 12.49 (EA, pack 6)
MAP = "maps/bigbox-850.yaml"


def _with_units(rules: RuleSet, *conversions: tuple[str, str, int | str, str | None]) -> RuleSet:
    table = tuple(UnitConversion(unit, into, Fraction(factor), item, MAP, 20 + n)
                  for n, (unit, into, factor, item) in enumerate(conversions))
    return dataclasses.replace(rules, units=UnitTable(table, MAP))


def _in_cases(order: Order, quantity: int, price: str) -> Order:
    return with_line(order, 0, quantity=Decimal(quantity), uom="CA", unit_price=Decimal(price))


def test_a_declared_conversion_takes_the_line_instead_of_a_finding() -> None:
    rules = _with_units(rules_of("bigbox"), ("CA", "EA", 6, "ACM-1001"))
    assert check_order(_in_cases(BIGBOX, 4, "74.94"), rules, today=TODAY) == []
    assert check_order(with_line(BIGBOX, 0, uom="CA"), rules_of("bigbox"), today=TODAY)[0].code == "rule.uom.mismatch"


def test_the_checks_of_the_converted_line_speak_the_buyers_unit() -> None:
    rules = _with_units(rules_of("bigbox"), ("CA", "EA", 3, None))
    [price] = check_order(_in_cases(BIGBOX, 4, "37.50"), rules, today=TODAY)  # 12 EA at 12.50
    assert (price.code, price.value, price.expected) == ("rule.price.mismatch", "37.5", "37.47")
    assert "as 12 EA at 12.5: 4 CA converted" in price.message
    [pack] = check_order(_in_cases(BIGBOX, 3, "37.47"), rules, today=TODAY)  # 9 EA; ACM-1001 packs 6
    assert (pack.code, pack.value, pack.expected) == ("rule.qty.pack", "3", "4")  # 12 EA is 4 CA
    ack = decide(_in_cases(BIGBOX, 3, "37.47"), [pack], "accept_with_changes", today=TODAY).ack
    assert ack is not None and (ack.lines[0].status, ack.lines[0].quantity, ack.lines[0].uom) == (
        LineStatus.QUANTITY_CHANGED, Decimal(4), "CA")


def test_a_quantity_that_would_not_be_whole_stays_a_finding() -> None:
    rules = _with_units(rules_of("bigbox"), ("CA", "EA", 4, None))
    eaches = with_line(BIGBOX, 2, quantity=Decimal(50), uom="EA", unit_price=Decimal("9.60"))  # ACM-3300 sells CA
    f, *others = check_order(eaches, rules, today=TODAY)  # and the line's checks as sent, as without a declaration
    assert f.code == "rule.uom.mismatch" and f"50 EA is 12.5 CA by {MAP}:20, not a whole number" in f.message
    assert (f.field, f.value) == ("quantity", "50")
    assert [o.code for o in others] == ["rule.price.mismatch", "rule.qty.pack"]
    assert check_order(with_line(eaches, 2, quantity=Decimal(48)), rules, today=TODAY) == []


def test_without_a_declaration_the_hint_names_the_map_and_its_units_section() -> None:
    [f] = check_order(with_line(BIGBOX, 0, uom="CA"), _with_units(rules_of("bigbox")), today=TODAY)
    assert f"declare it in the `units:` section of {MAP} (CA: {{EA: N}}, or CA[ACM-1001] for this item" in f.hint
    assert "never converts quantities" in f.hint
    [bare] = check_order(with_line(BIGBOX, 0, uom="CA"), rules_of("bigbox"), today=TODAY)
    assert "the `units:` section of the partner's inbound 850 map" in bare.hint


def test_the_855_answers_in_the_buyers_unit_and_the_order_goes_on_in_ours() -> None:
    rules = _with_units(rules_of("bigbox"), ("CA", "EA", 6, "ACM-1001"))
    ordered = _in_cases(BIGBOX, 4, "74.94")
    decision = decide(ordered, check_order(ordered, rules, today=TODAY), "hold", today=TODAY)
    assert decision.outcome is Outcome.ACCEPTED and decision.ack is not None
    first = decision.ack.lines[0]
    assert (first.status, first.quantity, first.uom, first.unit_price) == (
        LineStatus.ACCEPTED, Decimal(4), "CA", Decimal("74.94"))
    routed = as_decided(ordered, decision.ack, rules)
    assert (routed.lines[0].quantity, routed.lines[0].uom, routed.lines[0].unit_price) == (
        Decimal(24), "EA", Decimal("12.49"))
    assert routed.lines[1:] == ordered.lines[1:] and as_decided(ordered, decision.ack) is ordered


def test_on_the_in_memory_book_the_export_is_in_our_unit(desk: Desk) -> None:
    base = dropship_rules(atp=False)
    rules = _with_units(base, ("CA", "EA", 6, "ACM-1001"))
    received = dropship_order()
    in_cases = with_line(received, 0, quantity=Decimal(1), uom="CA",
                         unit_price=(received.lines[0].unit_price or Decimal(0)) * 6)
    doc, decision = desk.take_in(in_cases, rules)
    assert decision.outcome is Outcome.ACCEPTED and decision.findings == ()
    assert decision.ack is not None and (decision.ack.lines[0].quantity, decision.ack.lines[0].uom) == (1, "CA")
    export = decision.export
    assert export is not None and (export.lines[0].quantity, export.lines[0].uom) == (6, "EA")
    assert export.lines[0].unit_price == received.lines[0].unit_price
    _, refused = desk.take_in(dataclasses.replace(in_cases, po_number="OTHER-1"), base)  # nothing declared
    assert "rule.uom.mismatch" in [f.code for f in refused.findings] and refused.ack is not None
    assert refused.ack.lines[0].status is LineStatus.REJECTED and refused.export is not None
    assert [n.line_number for n in refused.export.lines] == [n.line_number for n in received.lines[1:]]


def test_an_override_converts_by_the_map_before_the_po4_and_says_so() -> None:
    rules = _with_units(rules_of("bigbox"), ("CA", "EA", 5, "ACM-3300"))  # line 3's PO4 says 4
    change = Override(line="3", unit="EA")
    changed, said = apply_override(BIGBOX, change, rules)
    assert said == ("line 3 unit 12 CA at 38.40 -> 60 EA at 7.68",)
    how = unit_conversion(BIGBOX, change, rules)
    assert how is not None and how.json() == {"line": "3", "from": "CA", "to": "EA", "factor": "5", "by": "map",
                                              "source": f"{MAP}:20"}
    answered = decide(changed, [], "hold", today=TODAY).ack
    assert answered is not None
    ack = acknowledge(answered, BIGBOX, changed, rules.units)
    assert (ack.lines[2].status, ack.lines[2].ordered_quantity) == (LineStatus.CHANGES_MADE, Decimal(60))
    plain = unit_conversion(BIGBOX, change, rules_of("bigbox"))
    assert plain is not None and (plain.by, plain.factor, plain.source) == ("po4", 4, "the line's PO4 pack (4)")
    with pytest.raises(UsageError, match=f"declare it in the `units:` section of {MAP}"):
        apply_override(BIGBOX, Override(line="1", unit="LB"), rules)


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=1, max_value=144),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2))
def test_a_declared_conversion_and_back_keeps_quantity_and_amount(quantity: int, factor: int, price: Decimal) -> None:
    line = with_line(BIGBOX, 0, quantity=Decimal(quantity), uom="CA", unit_price=price).lines[0]
    eaches = converted(line, "EA", Fraction(factor))
    assert eaches is not None and eaches.quantity == quantity * factor and eaches.unit_price is not None
    assert "E" not in str(eaches.quantity) and "E" not in str(eaches.unit_price)
    assert abs(eaches.quantity * eaches.unit_price - quantity * price) <= eaches.quantity * Decimal("0.00005")
    back = converted(eaches, "CA", Fraction(1, factor))
    assert back is not None and back.quantity == quantity
    assert converted(line, "DZ", Fraction(1, 12)) is None or quantity % 12 == 0
