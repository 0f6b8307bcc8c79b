from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from edigate.orders.decision import Outcome, decide
from edigate.model import AckType, LineStatus
from edigate.orders.rules import RuleFinding, check_order

from tests.support.orders import TODAY, rules_of, sample_order, with_line


def test_a_clean_order_is_accepted_with_an_ad_855() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    d = decide(order, [], "hold", today=TODAY)
    assert d.outcome is Outcome.ACCEPTED and d.ack is not None
    assert d.ack.ack_type is AckType.ACCEPTED_NO_CHANGE and d.ack.po_number == order.po_number
    assert [(a.line_number, a.status, a.quantity) for a in d.ack.lines] == [
        ("1", LineStatus.ACCEPTED, Decimal(24)), ("2", LineStatus.ACCEPTED, Decimal(48)),
        ("3", LineStatus.ACCEPTED, Decimal(12))]


def test_hold_policy_holds_without_855() -> None:
    order = with_line(sample_order("bigbox", "bigbox-850-4010"), 1, quantity=Decimal(50))
    d = decide(order, check_order(order, rules_of("bigbox"), today=TODAY), "hold", today=TODAY)
    assert (d.outcome, d.ack, [f.code for f in d.findings]) == (Outcome.HELD, None, ["rule.qty.pack"])


def test_accept_with_changes_answers_per_line() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    order = with_line(with_line(order, 1, quantity=Decimal(50)), 2, unit_price=Decimal("39.00"))
    d = decide(order, check_order(order, rules_of("bigbox"), today=TODAY), "accept_with_changes", today=TODAY)
    assert d.outcome is Outcome.ACCEPTED and d.ack is not None and d.ack.ack_type is AckType.ACCEPTED_WITH_CHANGES
    assert [(a.status, a.quantity, a.unit_price) for a in d.ack.lines] == [
        (LineStatus.ACCEPTED, Decimal(24), Decimal("12.49")),
        (LineStatus.QUANTITY_CHANGED, Decimal(60), Decimal("4.75")),
        (LineStatus.PRICE_CHANGED, Decimal(12), Decimal("38.40"))]


def test_order_level_problems_reject_even_when_accepting_with_changes() -> None:
    import dataclasses
    order = sample_order("bigbox", "bigbox-850-4010")
    order = dataclasses.replace(order, ship_to=None)
    d = decide(order, check_order(order, rules_of("bigbox"), today=TODAY), "accept_with_changes", today=TODAY)
    assert d.outcome is Outcome.REJECTED and d.ack is not None and d.ack.ack_type is AckType.REJECTED_WITH_DETAIL
    assert {a.status for a in d.ack.lines} == {LineStatus.REJECTED}


@pytest.mark.parametrize("partner, sample", [("bigbox", "bigbox-850-4010"), ("distrib", "distrib-850-5010"),
                                             ("dropship", "dropship-850-4010")])
def test_decided_855s_render_valid_x12_for_each_partner(partner: str, sample: str) -> None:
    from tests.support.outbound import assert_valid, outbound
    from edigate.config.partners import load_partner
    from tests.support.paths import REPO

    order = with_line(sample_order(partner, sample), 0, unit_price=Decimal("0.01"))
    rules = rules_of(partner)
    d = decide(order, check_order(order, rules, today=TODAY), "accept_with_changes", today=TODAY)
    assert d.ack is not None
    if rules.rules.prices is not None and rules.catalog is not None:
        assert d.ack.lines[0].status is LineStatus.PRICE_CHANGED
    name = load_partner(REPO / "partners" / f"{partner}.yaml").documents.outbound["855"]
    assert_valid(outbound(name), [d.ack], partner)


def test_stock_findings_answer_ib_with_date_iq_or_ir() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    short = [RuleFinding("rule.atp.backorder", "short", "1", "quantity", "24", "2026-12-04"),
             RuleFinding("rule.atp.short", "short", "2", "quantity", "48", "30"),
             RuleFinding("rule.atp.short", "none", "3", "quantity", "12", "0")]
    d = decide(order, short, "accept_with_changes", today=TODAY)
    assert d.outcome is Outcome.ACCEPTED and d.ack is not None and d.ack.ack_type is AckType.ACCEPTED_WITH_CHANGES
    assert [(a.status, a.quantity, a.scheduled_date) for a in d.ack.lines] == [
        (LineStatus.BACKORDERED, Decimal(24), dt.date(2026, 12, 4)),
        (LineStatus.QUANTITY_CHANGED, Decimal(30), None),
        (LineStatus.REJECTED, Decimal(0), None)]


def test_a_backorder_without_a_date_has_no_ack_date() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    d = decide(order, [RuleFinding("rule.atp.backorder", "short", "1", "quantity", "24")], "accept_with_changes",
               today=TODAY)
    assert d.ack is not None and (d.ack.lines[0].status, d.ack.lines[0].scheduled_date) == (LineStatus.BACKORDERED,
                                                                                           None)


def test_stock_findings_hold_or_reject_under_those_policies() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    short = [RuleFinding("rule.atp.short", "short", "2", "quantity", "48", "30")]
    assert decide(order, short, "hold", today=TODAY).outcome is Outcome.HELD
    rejected = decide(order, short, "reject", today=TODAY)
    assert rejected.outcome is Outcome.REJECTED and rejected.ack is not None
    assert rejected.ack.ack_type is AckType.REJECTED_WITH_DETAIL
