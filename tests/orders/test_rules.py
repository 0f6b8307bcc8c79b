from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from edigate.errors import ConfigError
from edigate.model import Address, Dates, Order, Party, PartyIds, ProductIds
from edigate.config.partners import load_partner
from edigate.orders.rules import AtpRule, Availability, RuleSet, check_availability, check_order, load_rules, stock_sku

from tests.support.orders import TODAY, rules_of, sample_order, with_line
from tests.support.paths import REPO


@pytest.mark.parametrize("partner, sample", [("bigbox", "bigbox-850-4010"), ("distrib", "distrib-850-5010"),
                                             ("dropship", "dropship-850-4010")])
def test_bundled_samples_pass_their_partners_rules(partner: str, sample: str) -> None:
    assert check_order(sample_order(partner, sample), rules_of(partner), today=TODAY) == []


def codes(order: Order, rules: RuleSet) -> list[tuple[str, str | None]]:
    return [(f.code, f.line) for f in check_order(order, rules, today=TODAY)]


def test_line_rules_each_fail() -> None:
    rules, order = rules_of("bigbox"), sample_order("bigbox", "bigbox-850-4010")
    unknown = with_line(order, 0, product_ids=ProductIds((("VN", "NOPE-1"),)))
    assert codes(unknown, rules) == [("rule.sku.unknown", "1")]
    inactive = with_line(order, 0, product_ids=ProductIds((("VN", "ACM-9000"),)), quantity=Decimal(1))
    assert codes(inactive, rules)[0] == ("rule.sku.inactive", "1")
    assert codes(with_line(order, 0, uom="CA"), rules) == [("rule.uom.mismatch", "1")]
    [uom] = check_order(with_line(order, 0, uom="CA"), rules, today=TODAY)
    assert "never converts quantities" in uom.hint and "add a UOM conversion" not in uom.hint
    assert codes(with_line(order, 0, unit_price=Decimal("12.50")), rules) == [("rule.price.mismatch", "1")]
    [pack] = check_order(with_line(order, 0, quantity=Decimal(25)), rules, today=TODAY)
    assert (pack.code, pack.value, pack.expected) == ("rule.qty.pack", "25", "30")


def test_price_tolerance_and_contract_prices() -> None:
    rules, order = rules_of("dropship"), sample_order("dropship", "dropship-850-4010")
    assert codes(with_line(order, 0, unit_price=Decimal("20.15")), rules) == []  # 0.8% of 19.99
    [f] = check_order(with_line(order, 0, unit_price=Decimal("20.25")), rules, today=TODAY)
    assert (f.code, f.expected) == ("rule.price.mismatch", "19.99")


def test_ship_to_rules() -> None:
    rules, order = rules_of("bigbox"), sample_order("bigbox", "bigbox-850-4010")
    assert order.ship_to is not None
    unknown = dataclasses.replace(order, ship_to=dataclasses.replace(order.ship_to, ids=PartyIds((("92", "9999"),))))
    assert codes(unknown, rules) == [("rule.ship_to.store_unknown", None)]
    missing = dataclasses.replace(order, ship_to=dataclasses.replace(order.ship_to, ids=PartyIds()))
    assert codes(missing, rules) == [("rule.ship_to.store_missing", None)]
    assert codes(dataclasses.replace(order, ship_to=None), rules) == [("rule.ship_to.missing", None)]


def test_consumer_address_rules() -> None:
    rules, order = rules_of("dropship"), sample_order("dropship", "dropship-850-4010")
    po_box = Party(role="ST", name="A B", address=Address(lines=("PO BOX 12",), city="X", state="OR",
                                                           postal_code="97205", country="US"))
    assert codes(dataclasses.replace(order, ship_to=po_box), rules) == [("rule.ship_to.po_box", None)]
    bare = Party(role="ST", name="A B", address=Address(lines=("1 A ST",)))
    [f] = check_order(dataclasses.replace(order, ship_to=bare), rules, today=TODAY)
    assert f.code == "rule.ship_to.incomplete" and "city, state, postal code" in f.message


def test_gln_check_digit() -> None:
    rules, order = rules_of("distrib"), sample_order("distrib", "distrib-850-5010")
    assert order.ship_to is not None
    bad = dataclasses.replace(order, ship_to=dataclasses.replace(order.ship_to, ids=PartyIds((("UL", "0614141000028"),))))
    assert codes(bad, rules) == [("rule.ship_to.gln", None)]


def test_date_rules() -> None:
    rules, order = rules_of("dropship"), sample_order("dropship", "dropship-850-4010")
    late = dataclasses.replace(order, dates=Dates(requested_ship=TODAY + dt.timedelta(days=5)))
    assert codes(late, rules) == [("rule.dates.ship_late", None)]
    past = dataclasses.replace(order, dates=Dates(cancel_after=TODAY - dt.timedelta(days=1)))
    assert codes(past, rules) == [("rule.dates.past", None)]
    window = dataclasses.replace(order, dates=Dates(ship_not_before=TODAY + dt.timedelta(days=9),
                                                    cancel_after=TODAY + dt.timedelta(days=3)))
    assert codes(window, rules) == [("rule.dates.window", None)]


def test_a_misspelt_rule_is_one_located_line(tmp_path: Path) -> None:
    text = (REPO / "partners" / "bigbox.yaml").read_text().replace("require_store_number", "require_store_numbr")
    path = tmp_path / "partners" / "bigbox.yaml"
    path.parent.mkdir()
    path.write_text(text)
    p = load_partner(path)
    with pytest.raises(ConfigError) as err:
        load_rules(p.rules, file=p.file, root=REPO)
    [problem] = err.value.problems
    assert str(problem).endswith("rules.ship_to.require_store_numbr: unknown key (did you mean 'require_store_number'?)")
    assert problem.line == text.splitlines().index("    require_store_numbr: true") + 1


# -- available to promise -------------------------------------------------------------------

def test_availability_passes_when_stock_fills_every_line() -> None:
    filled = [Availability("1", "ACM-1001", Decimal(5), Decimal(5)), Availability("2", "ACM-2040", Decimal(1),
                                                                                  Decimal(3))]
    assert check_availability(filled, AtpRule()) == []


def test_a_short_line_is_a_backorder_with_the_feeds_date() -> None:
    short = [Availability("2", "ACM-2040", Decimal(5), Decimal(0), dt.date(2026, 12, 4))]
    [f] = check_availability(short, AtpRule(short="backorder"))
    assert (f.code, f.line, f.value, f.expected) == ("rule.atp.backorder", "2", "5", "2026-12-04")
    assert "more expected 2026-12-04" in f.message
    [undated] = check_availability([dataclasses.replace(short[0], available_date=None)], AtpRule())
    assert undated.expected is None and "no date" in undated.message


def test_a_short_line_is_cut_to_what_is_available_under_reduce() -> None:
    [f] = check_availability([Availability("1", "ACM-1001", Decimal(8), Decimal(3))], AtpRule(short="reduce"))
    assert (f.code, f.line, f.value, f.expected) == ("rule.atp.short", "1", "8", "3")


def test_stock_is_drawn_by_our_catalog_sku() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    assert [stock_sku(line, rules_of("bigbox")) for line in order.lines] == ["ACM-1001", "ACM-2040", "ACM-3300"]
