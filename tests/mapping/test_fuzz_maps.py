"""Damaged 850s through each partner's map: findings, never an exception."""

from __future__ import annotations

import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edigate.mapping.inbound import InboundMap, load_inbound_map
from edigate.mapping.translate import translate_transaction
from edigate.config.partners import load_partner
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.segment import Segment

from tests.support.paths import REPO

PARTNERS = {"bigbox": "bigbox-850-4010", "distrib": "distrib-850-5010", "dropship": "dropship-850-4010"}


@functools.cache
def _map(partner: str) -> InboundMap:
    """The partner's 850 map, loaded when the test runs (every test process collects this module;
    one runs it)."""
    return load_inbound_map(load_partner(REPO / "partners" / f"{partner}.yaml").documents.inbound["850"],
                            REPO / "maps")


@functools.cache
def _set(partner: str) -> Transaction:
    sample = REPO / "samples" / "x12" / f"{PARTNERS[partner]}.x12"
    return [e for e in EnvelopeReader(sample) if isinstance(e, Transaction)][0]


_values = st.one_of(st.just(""), st.text(max_size=12), st.sampled_from(["-1", "1E9", "0.000001", "99999999",
                                                                        "20261399", "ZZ", "ZZZZZ"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(PARTNERS)), st.data())
def test_damaged_orders_give_findings_not_exceptions(partner: str, data: st.DataObject) -> None:
    tx = _set(partner)
    segments = list(tx.segments)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(1, len(segments) - 2))
        seg = segments[i]
        action = data.draw(st.sampled_from(["value", "drop", "duplicate"]))
        if action == "drop":
            del segments[i]
        elif action == "duplicate":
            segments.insert(i, seg)
        elif seg.elements:
            j = data.draw(st.integers(0, len(seg.elements) - 1))
            elements = list(seg.elements)
            elements[j] = data.draw(_values)
            segments[i] = Segment(seg.id, tuple(elements), seg.index, seg.offset)
    damaged = Transaction(tx.set_id, tx.control_number, tuple(segments), tx.interchange, tx.group, ())
    result = translate_transaction(damaged, _map(partner), partner)
    assert result.order is not None or result.findings
    for finding in result.findings:
        assert finding.code.startswith("map.") and str(finding)
