"""Outbound documents rendered by a bundled map, enveloped and read back: the checks every
855, 865, 856, 810 and 940 test makes (structure valid by our validator in both versions)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from edigate.config.partners import load_partner
from edigate.mapping.outbound import OutboundMap, load_outbound_map
from edigate.x12.delimiters import Delimiters
from edigate.x12.envelope import Party as IsaParty
from edigate.x12.envelope import Transaction, read_envelopes
from edigate.x12.findings import Severity
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter, Envelope, GroupContent, TransactionContent, write_interchange
from tests.support.paths import REPO

__all__ = ["GROUPS", "VALIDATOR", "assert_valid", "envelope", "errors", "interchange", "outbound"]


VALIDATOR = Validator()


GROUPS = {"855": "PR", "865": "CA", "856": "SH", "810": "IN", "940": "OW"}


@functools.cache
def outbound(name: str) -> OutboundMap:
    return load_outbound_map(name, REPO / "maps")


@functools.cache
def _delimiters(partner: str) -> Delimiters:
    """A bundled partner's delimiters, read once per process (a partner file takes 12 ms to
    load, and the hypothesis tests envelope hundreds of documents per partner)."""
    return load_partner(REPO / "partners" / f"{partner}.yaml").delimiters.to_x12()


def interchange(doc_map: OutboundMap, docs: list[Any], partner: str | None = None) -> bytes:
    """Render and envelope with the partner's delimiters."""
    delimiters = _delimiters(partner) if partner else Envelope.__dataclass_fields__["delimiters"].default
    five = doc_map.version.startswith("005")
    env = Envelope(IsaParty("ZZ", "EDIGATE"), IsaParty("ZZ", "PARTNER"), "EDIGATE", "PARTNER",
                   version="00501" if five else "00401", gs_version=doc_map.version,
                   delimiters=delimiters)  # type: ignore[arg-type]
    sets = tuple(TransactionContent(doc_map.set_id, doc_map.render(d)) for d in docs)
    return write_interchange(env, [GroupContent(GROUPS[doc_map.set_id], sets)], Counter(),
                             when=dt.datetime(2026, 11, 26, 9, 30))


def envelope(doc_map: OutboundMap, docs: list[Any], partner: str | None = None) -> list[Transaction]:
    """Render, envelope, and read back the transaction sets."""
    data = interchange(doc_map, docs, partner)
    return [e for e in read_envelopes(data) if isinstance(e, Transaction)]


def errors(transactions: list[Transaction]) -> list[str]:
    found = [f for tx in transactions for f in (*tx.findings, *VALIDATOR(tx))]
    return [str(f) for f in found if f.severity is Severity.ERROR]


def assert_valid(doc_map: OutboundMap, docs: list[Any], partner: str | None = None) -> None:
    transactions = envelope(doc_map, docs, partner)
    assert len(transactions) == len(docs)
    found = errors(transactions)
    assert not found, "\n".join(found)
