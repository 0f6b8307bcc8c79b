"""Where a rule finding stands: its order (PO number, control numbers), its line (PO101,
our SKU, the buyer's item) and the segment it points at in the file it came from.

`locate` fills what the order knows; `SetPositions` adds the segment's position in its
set (ST is 1, as in the acks), reading the file once, and only when a finding asks. A
line finding points at its PO1 (and the element of its field), a ship-to finding at the
N1*ST, a date finding at the header DTM of its qualifier, any other header finding at BEG.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from edigate.model import Order, OrderLine
from edigate.orders.rules import RuleFinding, RuleSet, stock_sku
from edigate.errors import NotX12Error
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.tokenizer import Source

__all__ = ["SetPositions", "locate"]

_ELEMENTS = {("PO1", "quantity"): 2, ("PO1", "uom"): 3, ("PO1", "unit_price"): 4, ("PO1", "product_ids"): 7,
             ("N1", "ship_to.ids"): 4}
"""The element a finding's field is read from in the bundled maps (PO107: the first item id)."""
_DATE_QUALIFIERS = {"dates.cancel_after": "001", "dates.requested_ship": "010", "dates.requested_delivery": "002",
                    "dates.ship_not_before": "037", "dates.ship_no_later": "038"}
"""The DTM01 a date finding's field is read from in the bundled maps."""


def locate(order: Order, findings: Iterable[RuleFinding], rules: RuleSet) -> list[RuleFinding]:
    """Each finding with its order's PO number and control numbers, its line's SKU and
    buyer item, and the segment it points at."""
    source = order.source
    lines = {line.line_number: line for line in order.lines}
    located = []
    for f in findings:
        sku, buyer_item = _item(lines.get(f.line or ""), rules)
        segment = f.segment_id or _segment_of(f)
        element = f.element or _ELEMENTS.get((segment, f.field)) or (2 if segment == "DTM" else None)
        located.append(replace(f, po_number=order.po_number, isa13=source.isa13 if source else None,
                               gs06=source.gs06 if source else None, st02=source.st02 if source else None,
                               segment_id=segment, element=element, sku=f.sku or sku,
                               buyer_item=f.buyer_item or buyer_item))
    return located


def _item(line: OrderLine | None, rules: RuleSet) -> tuple[str | None, str | None]:
    """Our SKU and the buyer's item number of a line (None, None for the header)."""
    if line is None:
        return None, None
    ids = line.product_ids
    return stock_sku(line, rules), ids.buyer_item or ids.buyer_part or ids.upc


def _segment_of(finding: RuleFinding) -> str:
    if finding.line:
        return "PO1"
    if finding.field.startswith("ship_to"):
        return "N1"
    return "DTM" if finding.field.startswith("dates") else "BEG"


@dataclass(frozen=True, slots=True)
class _Marks:
    """One set's segments a finding may point at, by position (ST is 1)."""

    beg: int | None = None
    lines: dict[str, int] = field(default_factory=dict)
    parties: dict[str, int] = field(default_factory=dict)
    dates: dict[str, int] = field(default_factory=dict)

    def position(self, finding: RuleFinding) -> int | None:
        if finding.segment_id == "PO1":
            return self.lines.get(finding.line or "")
        if finding.segment_id == "N1":
            return self.parties.get("ST")
        if finding.segment_id == "DTM":
            qualifier = _DATE_QUALIFIERS.get(finding.field)
            return self.dates.get(qualifier) if qualifier else next(iter(self.dates.values()), None)
        return self.beg


def _marks(tx: Transaction) -> _Marks:
    base = tx.segments[0].index
    beg: int | None = None
    lines: dict[str, int] = {}
    parties: dict[str, int] = {}
    dates: dict[str, int] = {}
    for seg in tx.segments:
        position = seg.index - base + 1
        if seg.id == "PO1":
            lines.setdefault(seg.get(1) or str(len(lines) + 1), position)
        elif lines:
            continue  # the header's N1 and DTM come before the first PO1
        elif seg.id == "BEG" and beg is None:
            beg = position
        elif seg.id in ("N1", "DTM"):
            (parties if seg.id == "N1" else dates).setdefault(seg.get(1), position)
    return _Marks(beg, lines, parties, dates)


class SetPositions:
    """The positions rule findings point at in one file, read in one pass on first use."""

    def __init__(self, source: Source, name: str | None = None) -> None:
        self._source, self._name = source, name
        self._sets: dict[tuple[str, str, str], _Marks] | None = None

    def locate(self, finding: RuleFinding) -> RuleFinding:
        """``finding`` with its segment's position in its set, when the file has it."""
        if finding.segment_id is None or finding.st02 is None or finding.segment_position is not None:
            return finding
        marks = self._index().get((finding.isa13 or "", finding.gs06 or "", finding.st02))
        position = marks.position(finding) if marks is not None else None
        return finding if position is None else replace(finding, segment_position=position)

    def _index(self) -> dict[tuple[str, str, str], _Marks]:
        if self._sets is None:
            self._sets = {}
            try:
                for event in EnvelopeReader(self._source, name=self._name):
                    if isinstance(event, Transaction) and event.set_id == "850" and event.segments:
                        group = event.group.control_number if event.group else ""
                        self._sets[(event.interchange.control_number, group, event.control_number)] = _marks(event)
            except NotX12Error:
                pass  # an order that did not come as X12 (a commerce platform's): nothing to point at
        return self._sets
