"""Orders as retailers send them (tests/mapping/retail: Walmart, Target, Home Depot, Kroger,
Lowe's and Costco style 850s in 003060, 004010, 004030, 005010 and 006020, written by hand
after their published guides): each validates, is translated by the base map of its
version, and the values a supplier acts on reach the canonical order; a segment the map
does not read is listed in the translation's notes, never dropped unseen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from edigate.mapping import load_inbound_map
from edigate.mapping.translate import TranslationResult, translate_transaction
from edigate.model import Order, to_json
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.segment import Segment
from edigate.x12.validate import Validator

from tests.conftest import REPO

RETAIL = Path(__file__).parent / "retail"
MAPS = REPO / "maps"
FILES = sorted(RETAIL.glob("*.x12"))

_ALL = tuple(range(1, 40))
LISTED: dict[str, tuple[int, ...]] = {
    "BEG": (1, 2, 3, 4, 5), "CUR": (2,), "REF": (1, 2, 3), "PER": (1, 2, 4, 6, 8), "FOB": (1, 2, 3),
    "CSH": (1,), "SAC": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15), "ITD": _ALL, "DTM": (1, 2),
    "TD5": (1, 2, 3, 4, 5, 7, 8, 12), "N9": (1, 2, 3), "MSG": (1,), "MTX": (1, 2), "NTE": (1, 2),
    "AMT": (1, 2), "N1": (1, 2, 3, 4), "N3": (1, 2), "N4": (1, 2, 3, 4), "PO1": _ALL, "CTP": _ALL,
    "PID": (1, 2, 3, 4, 5), "PO3": _ALL, "PO4": _ALL, "SDQ": _ALL, "SCH": _ALL, "CTT": (1, 2),
}
"""Per segment, the element positions whose values a supplier acts on (the issue's list:
references, contacts, prices, dates, notes, amounts, allowances and charges, terms,
carriers, item descriptions, packs, store distributions, line quantities and ids)."""
NAMED_DATES = {"001": "cancel_after", "002": "requested_delivery", "010": "requested_ship", "037": "ship_not_before",
               "038": "ship_no_later", "063": "deliver_not_after", "064": "deliver_not_before"}
"""DTM qualifiers the map turns into a named date field: the field carries the qualifier."""
IMPLIED_2 = {("SAC", 5), ("ITD", 8), ("ITD", 10)}
"""Amounts with two implied decimals (X12 type N2): 1250 is 12.50."""


def sets() -> Iterator[tuple[str, Transaction]]:
    for path in FILES:
        yield from ((path.name, e) for e in EnvelopeReader(path) if isinstance(e, Transaction))


def translated(tx: Transaction) -> TranslationResult:
    version = tx.group.version if tx.group else ""
    return translate_transaction(tx, load_inbound_map(f"850-{version[2:6]}", MAPS), "retail")


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if item not in (None, [], {}, ""):
                yield str(key)
                yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield str(value)


def known_values(order: Order) -> set[str]:
    """Every value (and key) of the order's JSON, numbers also normalized, dates also as X12 writes them."""
    found: set[str] = set()
    for text in _leaves(to_json(order)):
        found.add(text)
        if (number := _number(text)) is not None:
            found.add(number)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            continue
        found.update({day.strftime("%Y%m%d"), day.strftime("%y%m%d")})
    return found


def _number(text: str) -> str | None:
    try:
        return str(Decimal(text).normalize())
    except (InvalidOperation, ValueError):
        return None


def listed_values(seg: Segment) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """(position, value, the forms the order may hold it in) for each listed value the segment carries."""
    for position in LISTED.get(seg.id, ()):
        value = seg.get(position)
        if not value:
            continue
        forms = [value]
        if seg.id == "DTM" and position == 1 and value in NAMED_DATES:
            forms = [NAMED_DATES[value]]
        elif (seg.id, position) in IMPLIED_2:
            forms.append(str((Decimal(value) / 100).normalize()))
        elif (number := _number(value)) is not None:
            forms.append(number)
        yield position, value, tuple(forms)


def test_there_are_orders_of_every_retailer_and_version() -> None:
    versions = sorted({tx.group.version[:6] for _, tx in sets() if tx.group})
    assert versions == ["003060", "004010", "004030", "005010", "006020"]
    assert len(FILES) >= 7


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_each_order_validates_and_translates_with_its_versions_base_map(path: Path) -> None:
    validator = Validator()
    for tx in (e for e in EnvelopeReader(path) if isinstance(e, Transaction)):
        assert [str(f) for f in (*tx.findings, *validator(tx))] == []
        result = translated(tx)
        assert result.ok and isinstance(result.order, Order), [str(f) for f in result.findings]
        assert not [f for f in result.findings if f.code == "map.version"]
        assert len(result.order.lines) == sum(1 for s in tx.body if s.id == "PO1")


def test_the_listed_values_reach_the_order() -> None:
    total, missing = 0, []
    for name, tx in sets():
        order = translated(tx).order
        assert isinstance(order, Order)
        known = known_values(order)
        for seg in tx.body:
            for position, value, forms in listed_values(seg):
                total += 1
                if not any(form in known for form in forms):
                    missing.append(f"{name} {seg.id}{position:02d} at {seg.index}: {value!r}")
    assert total >= 600
    assert (total - len(missing)) / total >= 0.99, missing
    assert missing == []  # all of them today: a value lost later shows here by name


def test_a_segment_the_map_does_not_read_is_noted() -> None:
    for name, tx in sets():
        result = translated(tx)
        version = tx.group.version if tx.group else ""
        mapping = load_inbound_map(f"850-{version[2:6]}", MAPS)
        read = {sid for reads in mapping.reads for sid in reads.used}
        noted = {f.segment_position for f in result.findings if f.code == "map.unused"}
        unread = [(s.id, s.index) for s in tx.body if s.id not in read]
        assert [(sid, i) for sid, i in unread if i not in noted] == [], name
