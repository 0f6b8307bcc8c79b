from __future__ import annotations

import dataclasses
import datetime as dt

from edigate.decision import Outcome
from edigate.flow import Flow
from edigate.partners import load_partner
from edigate.workspace import Workspace
from edigate.x12.envelope import Transaction, read_envelopes
from edigate.x12.tokenizer import tokenize
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter

from tests.conftest import REPO

TODAY = dt.date(2026, 11, 26)


def flow(partner: str) -> Flow:
    return Flow(Workspace(root=REPO), load_partner(REPO / "partners" / f"{partner}.yaml"), Counter(), today=TODAY)


def test_bigbox_sample_through_every_stage() -> None:
    outcome = flow("bigbox").run(REPO / "samples" / "x12" / "bigbox-850-4010.x12")
    assert outcome.valid and len(outcome.acks) == 1
    assert [(o.translation.order.po_number, o.decision.outcome) for o in outcome.orders  # type: ignore[union-attr]
            ] == [("4500012345", Outcome.ACCEPTED), ("4500012346", Outcome.ACCEPTED)]
    assert [d.file_name for o in outcome.orders for d in o.deliveries] == [
        "bigbox-4500012345.json", "bigbox-4500012346.json"]
    assert outcome.po_acks is not None
    sets = [e for e in read_envelopes(outcome.po_acks) if isinstance(e, Transaction)]
    assert [s.set_id for s in sets] == ["855", "855"] and all(not Validator()(s) for s in sets)
    ack = [s for s in tokenize(outcome.acks[0].data) if s.id == "AK9"]
    assert ack[0].elements == ("A", "2", "2", "2")


def test_a_structurally_bad_order_is_rejected_in_the_997_and_not_translated() -> None:
    data = (REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_bytes().replace(b"BEG*00*SA*4500012346", b"BEG*00*SA*")
    outcome = flow("bigbox").run(data, name="bad.x12")
    assert [o.translation.st02 for o in outcome.orders] == ["0001"]
    ak = [(s.id, s.elements) for s in tokenize(outcome.acks[0].data) if s.id in ("AK5", "AK9")]
    assert ak == [("AK5", ("A",)), ("AK5", ("R", "5")), ("AK9", ("P", "2", "2", "1"))]


def test_rule_findings_hold_the_order_without_an_855() -> None:
    data = (REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_bytes().replace(b"PO1*1*24*", b"PO1*1*25*")
    outcome = flow("bigbox").run(data, name="held.x12")
    first, second = outcome.orders
    assert first.decision is not None and first.decision.outcome is Outcome.HELD and first.deliveries == ()
    assert [f.code for f in first.decision.findings] == ["rule.qty.pack"]
    assert second.decision is not None and second.decision.outcome is Outcome.ACCEPTED
    assert outcome.po_acks is not None and outcome.po_acks.count(b"ST*855*") == 1
