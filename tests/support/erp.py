"""What the ERP and commerce connector tests share: the sample partners' orders, and the
check that a document an ERP sent back makes a valid X12 set (ours and pyx12's)."""

from __future__ import annotations

from edigate.config.partners import load_partner
from edigate.mapping.translate import translate_file
from edigate.model import Order
from tests.support.pyx12 import pyx12_validate

from edigate.x12.envelope import Transaction, read_envelopes

from tests.support.bots_check import bots_problems
from tests.support.outbound import assert_valid, errors, interchange, outbound
from tests.support.paths import REPO

__all__ = ["file_problems", "sample_orders", "x12_ok"]


def sample_orders(partner: str) -> list[Order]:
    sample = next((REPO / "samples" / "x12").glob(f"{partner}-850-*.x12"))
    results = translate_file(sample, partner, maps_dir=REPO / "maps", partners_dir=REPO / "partners")
    orders = [r.order for r in results if isinstance(r.order, Order)]
    assert orders
    return orders


def x12_ok(partner: str, set_id: str, document: object) -> None:
    loaded = load_partner(REPO / "partners" / f"{partner}.yaml")  # the standard map where it names none
    doc_map = outbound(loaded.documents.outbound.get(set_id) or f"{set_id}-{'5010' if loaded.is_5010 else '4010'}")
    assert_valid(doc_map, [document], partner)
    result = pyx12_validate(interchange(doc_map, [document], partner))
    assert result.ok and all(s.accepted for s in result.sets), [str(f) for f in result.findings]


def file_problems(data: bytes) -> list[str]:
    """What our validator and Bots' grammar find wrong in an interchange we wrote; [] when
    nothing (an interchange without a set is a problem too)."""
    sets = [e for e in read_envelopes(data) if isinstance(e, Transaction)]
    return [*([] if sets else ["no set"]), *errors(sets), *bots_problems(data)]
