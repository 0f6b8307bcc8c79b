"""The order domain's fixtures: the dropship sample order and its partner's rules, read once,
and an empty in-memory order book per test. Nothing here opens a store or a channel."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from edigate.config.partners import load_partner
from edigate.mapping.translate import translate_file
from edigate.model import Order, Purpose
from edigate.orders.book import DocumentStatus
from edigate.orders.decision import Decision
from edigate.orders.inventory import Inventory
from edigate.orders.memory import MemoryBook, MemoryOrder
from edigate.orders.rules import AtpRule, Policy, RuleSet, load_rules
from edigate.orders.stored import decide_stored

from tests.conftest import REPO

TODAY = dt.date(2026, 11, 26)
PARTNER = "dropship"


@functools.cache
def sample_order() -> Order:
    """The dropship sample 850: PO MKT-99018832, line 1 one ACM-1001, line 2 two ACM-2040."""
    [first, *_] = translate_file(REPO / "samples" / "x12" / "dropship-850-4010.x12", PARTNER,
                                 maps_dir=REPO / "maps", partners_dir=REPO / "partners")
    assert first.order is not None
    return first.order


@functools.cache
def _partner_rules() -> RuleSet:
    p = load_partner(REPO / "partners" / f"{PARTNER}.yaml")
    return load_rules(p.rules, file=p.file, root=REPO)


def rules(*, policy: Policy = "accept_with_changes", short: str = "backorder", atp: bool = True) -> RuleSet:
    """dropship's rules with ``policy``; stock comes from the book (no feed file)."""
    base = _partner_rules()
    stock = AtpRule(file=None, short=short) if atp else None  # type: ignore[arg-type]
    return dataclasses.replace(base, rules=dataclasses.replace(base.rules, policy=policy, atp=stock))


def order(purpose: Purpose = Purpose.ORIGINAL, code: str = "00", *, po: str | None = None,
          **line_changes: Any) -> Order:
    """The sample order with BEG01 ``code`` and ``line_changes`` (``q2=5``: line 2 quantity 5,
    ``p1=...``: line 1 unit price)."""
    base = sample_order()
    lines = []
    for line in base.lines:
        q, p = line_changes.get(f"q{line.line_number}"), line_changes.get(f"p{line.line_number}")
        lines.append(dataclasses.replace(line, quantity=Decimal(q) if q is not None else line.quantity,
                                         unit_price=Decimal(p) if p is not None else line.unit_price))
    return dataclasses.replace(base, purpose=purpose, purpose_code=code, po_number=po or base.po_number,
                               lines=tuple(lines))


@dataclasses.dataclass
class Desk:
    """The decide arrow on an in-memory book: store an order, decide it, as the pipeline does."""

    book: MemoryBook

    def take_in(self, received: Order, ruleset: RuleSet | None = None, *,
                transmission_id: int | None = None) -> tuple[MemoryOrder, Decision]:
        doc = self.book.add(received, partner=PARTNER, transmission_id=transmission_id)
        decision = decide_stored(received, doc.id, PARTNER, ruleset or rules(), Inventory(self.book, REPO),
                                 today=TODAY)
        status = {"accepted": DocumentStatus.ACCEPTED, "held": DocumentStatus.HELD,
                  "rejected": DocumentStatus.REJECTED}[decision.outcome.value]
        if status is DocumentStatus.HELD and transmission_id is not None:
            self.book.held_transmissions.add(transmission_id)
        return self.book.set_status(doc.id, status), decision


@pytest.fixture
def book() -> MemoryBook:
    """An empty book with dropship's stock: 500 ACM-1001 and 240 ACM-2040."""
    made = MemoryBook()
    made.stock("ACM-1001", 500)
    made.stock("ACM-2040", 240)
    return made


@pytest.fixture
def desk(book: MemoryBook) -> Desk:
    return Desk(book)


@pytest.fixture
def root() -> Path:
    return REPO
