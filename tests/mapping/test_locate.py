"""Rule findings located: the order, the line, the item, and the segment in the file."""

from __future__ import annotations

from pathlib import Path

from edigate.mapping.locate import SetPositions, locate
from edigate.mapping.inbound import load_inbound_map
from edigate.model import Order, SourceRef
from edigate.config.partners import load_partner
from edigate.orders.rules import RuleFinding, RuleSet, load_rules
from edigate.x12.envelope import Transaction, read_envelopes

from tests.support.paths import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"


def orders() -> list[Order]:
    """The sample's two orders, translated with their control numbers."""
    mapping = load_inbound_map("bigbox-850", REPO / "maps")
    found = []
    for event in read_envelopes(SAMPLE):
        if isinstance(event, Transaction):
            source = SourceRef(partner_id="bigbox", isa13=event.interchange.control_number,
                               gs06=event.group.control_number if event.group else "", st02=event.control_number)
            order, _ = mapping.translate(event, source)
            assert order is not None
            found.append(order)
    return found


def rules() -> RuleSet:
    partner = load_partner(REPO / "partners" / "bigbox.yaml")
    return load_rules(partner.rules, file=partner.file, root=REPO)


def test_each_finding_names_its_order_line_and_item() -> None:
    second = orders()[1]
    findings = [RuleFinding("rule.price.mismatch", "m", "2", "unit_price"),
                RuleFinding("rule.ship_to.store_unknown", "m", field="ship_to.ids"),
                RuleFinding("rule.dates.past", "m", field="dates.cancel_after"),
                RuleFinding("rule.purpose.unknown_po", "m", field="purpose")]
    price, store, date, purpose = locate(second, findings, rules())
    assert (price.po_number, price.isa13, price.gs06, price.st02) == ("4500012346", "000000101", "1001", "0002")
    assert (price.line, price.sku, price.buyer_item, price.segment_id) == ("2", "ACM-4520", "30232", "PO1")
    assert [(f.segment_id, f.element, f.sku) for f in (price, store, date, purpose)] == [
        ("PO1", 4, "ACM-4520"), ("N1", 4, None), ("DTM", 2, None), ("BEG", None, None)]
    assert str(price) == "PO 4500012346 line 2 (ACM-4520): rule.price.mismatch: m"


def test_positions_are_read_from_the_file_once_and_count_from_st() -> None:
    second = orders()[1]
    findings = locate(second, [RuleFinding("a", "m", "2"), RuleFinding("b", "m", field="ship_to"),
                               RuleFinding("c", "m", field="dates.cancel_after"), RuleFinding("d", "m")], rules())
    positions = SetPositions(SAMPLE)
    assert [positions.locate(f).segment_position for f in findings] == [17, 11, 9, 2]
    unknown = RuleFinding("e", "m", "9", segment_id="PO1", st02="0002", isa13="000000101", gs06="1001")
    assert positions.locate(unknown) == unknown  # no line 9: no position rather than a wrong one


def test_a_finding_without_a_set_is_left_as_it_is() -> None:
    bare = RuleFinding("rule.dates.past", "m", field="dates", segment_id="DTM")
    assert SetPositions(SAMPLE).locate(bare) == bare and bare.po_number is None
