"""850 translation benchmark: edigate's map engine against a plain walk over pyx12.

Both sides turn every 850 of the generated 10k-order file into the same canonical
`Order`s, keeping none of them (streaming, as a gateway would):

- **edigate**: tokenizer + envelope reader + the bigbox partner's compiled inbound map;
- **pyx12**: `pyx12.x12file.X12Reader` walked segment by segment, every field the map
  reads (header, N1 loops, PO1 loops, CTT/AMT, the bigbox item cross-reference) picked
  out by hand into the same model classes.

Each side runs in its own Python process so that its peak RSS is its own. `main()` prints
orders/s, segments/s, peak RSS and edigate's speed ratio; `same_orders(path)` checks
that both sides give equal orders. pyx12 is a benchmark dependency only.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from edigate.model import (
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    Amount,
    Carrier,
    Contact,
    Dates,
    DeclaredTotals,
    Fob,
    ItemDescription,
    Note,
    Order,
    OrderLine,
    Pack,
    Party,
    PartyIds,
    ProductIds,
    Purpose,
    Reference,
    SourceRef,
    Terms,
)

__all__ = ["edigate_orders", "main", "measure", "pyx12_orders", "same_orders"]

FILE = HERE / "out" / "850-10000x20-4010.x12"
PARTNER = "bigbox"
BAR = 3.0

# -- edigate ----------------------------------------------------------------------------


def edigate_orders(path: str) -> Iterator[Order | None]:
    """Every 850 of ``path`` through the bigbox partner's inbound map."""
    from edigate.mapping import load_inbound_map
    from edigate.config.partners import load_partner
    from edigate.x12.envelope import EnvelopeReader, Transaction

    partner = load_partner(ROOT / "partners" / f"{PARTNER}.yaml")
    mapping = load_inbound_map(partner.documents.inbound["850"], ROOT / "maps")
    reader = EnvelopeReader(Path(path))
    for event in reader:
        if isinstance(event, Transaction) and event.set_id == "850":
            source = SourceRef(partner.id, event.interchange.control_number,
                               event.group.control_number if event.group else "",
                               event.control_number)
            yield mapping.translate(event, source)[0]
    _COUNTS["segments"] = reader.segment_count


# -- pyx12 baseline: a plain walk over X12Reader ------------------------------------------

_PURPOSES = {"00": Purpose.ORIGINAL, "01": Purpose.CANCEL, "04": Purpose.CHANGE,
             "05": Purpose.REPLACE, "06": Purpose.CONFIRMATION, "07": Purpose.DUPLICATE}
_UOMS = {code: code for code in ("EA", "CA", "DZ", "BX", "PK", "PR", "CT", "LB", "FT", "GA")}
_ROLES = {"BY": "buyer", "SE": "seller", "SU": "seller", "VN": "seller", "ST": "ship_to",
          "BT": "bill_to", "SF": "ship_from", "Z7": "mark_for"}
_HEADER_DATES = {"010": "requested_ship", "002": "requested_delivery", "001": "cancel_after",
                 "037": "ship_not_before", "038": "ship_no_later"}
_LINE_DATES = {"010": "requested_ship", "002": "requested_delivery"}
_BIGBOX_ITEMS = {"30012": "ACM-1001", "30044": "ACM-2040", "30107": "ACM-3300",
                 "30231": "ACM-4410", "30232": "ACM-4520"}

Seg = Any  # pyx12.segment.Segment


def _v(seg: Seg, n: int) -> str | None:
    """Element ``n`` of a pyx12 segment, None when empty."""
    value = seg.get_value(f"{n:02d}")
    return value or None


def _date(text: str | None) -> date | None:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if text else None


def _dec(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _pairs(seg: Seg, first: int, last: int) -> list[tuple[str, str]]:
    out = []
    for n in range(first, last, 2):
        qualifier, value = _v(seg, n), _v(seg, n + 1)
        if qualifier and value:
            out.append((qualifier, value))
    return out


def _sac(seg: Seg) -> AllowanceCharge:
    amount = _v(seg, 5)
    return AllowanceCharge(AllowanceOrCharge(_v(seg, 1) or "N"), _v(seg, 2),
                           Decimal(amount).scaleb(-2) if amount else None, _dec(_v(seg, 7)), _v(seg, 15),
                           _v(seg, 3), _v(seg, 4), _v(seg, 6), _dec(_v(seg, 8)), _v(seg, 9), _dec(_v(seg, 10)),
                           _v(seg, 12), _v(seg, 13))


def _reference(seg: Seg) -> Reference:
    return Reference(_v(seg, 1) or "", _v(seg, 2) or "", _v(seg, 3))


@dataclass
class _PartyDraft:
    n1: Seg
    names: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    n4: Seg | None = None
    contacts: list[Contact] = field(default_factory=list)

    def build(self) -> Party:
        n4 = self.n4
        address = None
        if self.lines or n4 is not None:
            address = Address(tuple(self.lines), *(_v(n4, i) for i in range(1, 5))) if n4 else \
                Address(tuple(self.lines))
        return Party(_v(self.n1, 1) or "", _v(self.n1, 2), tuple(self.names), address,
                     tuple(self.contacts), PartyIds(_pairs(self.n1, 3, 5)))


def _contact(seg: Seg) -> Contact:
    comm = dict(_pairs(seg, 3, 9)[::-1])  # the first of a qualifier wins
    return Contact(_v(seg, 1) or "", _v(seg, 2), comm.get("TE"), comm.get("EM"), comm.get("FX"))


@dataclass
class _LineDraft:
    po1: Seg
    description: str | None = None
    pack: Pack | None = None
    dates: dict[str, Any] = field(default_factory=dict)
    adjustments: list[AllowanceCharge] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    descriptions: list[ItemDescription] = field(default_factory=list)

    def build(self) -> OrderLine:
        po1 = self.po1
        ids = _pairs(po1, 6, 26)
        buyer_item = next((v for q, v in ids if q == "IN"), None)
        ours = _BIGBOX_ITEMS.get(buyer_item) if buyer_item else None
        if ours is not None:
            ids = [(q, ours if q == "VN" else v) for q, v in ids]
            if not any(q == "VN" for q, _ in ids):
                ids.append(("VN", ours))
        uom = _v(po1, 3) or ""
        return OrderLine(_v(po1, 1) or "", Decimal(_v(po1, 2) or "0"), _UOMS.get(uom, uom),
                         _dec(_v(po1, 4)), _v(po1, 5), ProductIds(ids), self.description,
                         self.pack, Dates(**self.dates), tuple(self.adjustments),
                         references=tuple(self.references), notes=tuple(self.notes),
                         descriptions=tuple(self.descriptions))


class _OrderDraft:
    """Collects one 850's segments as a plain walk sees them, section by section."""

    def __init__(self, source: SourceRef) -> None:
        self.source = source
        self.head: dict[str, Any] = {"dates": {}, "references": [], "notes": [], "adjustments": [],
                                     "contacts": [], "n9": []}
        self.parties: list[_PartyDraft] = []
        self.lines: list[_LineDraft] = []
        self.totals: dict[str, Any] = {}

    def add(self, sid: str, seg: Seg) -> None:
        if sid == "N1" and not self.lines:
            self.parties.append(_PartyDraft(seg))
        elif sid == "PO1":
            self.lines.append(_LineDraft(seg))
        elif sid in ("CTT", "AMT"):
            self.totals[sid] = seg
        elif self.lines:
            self._line(sid, seg, self.lines[-1])
        elif self.parties:
            self._party(sid, seg, self.parties[-1])
        else:
            self._header(sid, seg)

    def _header(self, sid: str, seg: Seg) -> None:
        head = self.head
        if sid == "DTM" and _v(seg, 1) in _HEADER_DATES:
            head["dates"][_HEADER_DATES[_v(seg, 1) or ""]] = _date(_v(seg, 2))
        elif sid == "REF":
            head["references"].append(_reference(seg))
        elif sid == "N9":
            head["n9"].append(_reference(seg))
            head["n9_code"] = _v(seg, 1)
        elif sid == "PER":
            head["contacts"].append(_contact(seg))
        elif sid == "MSG":
            head["notes"].append(Note(_v(seg, 1) or "", head.get("n9_code")))
        elif sid == "SAC":
            head["adjustments"].append(_sac(seg))
        elif sid == "CUR" and _v(seg, 1) == "BY":
            head.setdefault("currency", _v(seg, 2))
        else:
            head.setdefault(sid, seg)

    @staticmethod
    def _party(sid: str, seg: Seg, party: _PartyDraft) -> None:
        if sid == "N2":
            party.names += [v for v in (_v(seg, 1), _v(seg, 2)) if v]
        elif sid == "N3":
            party.lines += [v for v in (_v(seg, 1), _v(seg, 2)) if v]
        elif sid == "N4" and party.n4 is None:
            party.n4 = seg
        elif sid == "PER":
            party.contacts.append(_contact(seg))

    @staticmethod
    def _line(sid: str, seg: Seg, line: _LineDraft) -> None:
        if sid == "PID":
            line.descriptions.append(ItemDescription(_v(seg, 1) or "", *(_v(seg, n) for n in range(2, 6))))
            if _v(seg, 1) == "F" and line.description is None:
                line.description = _v(seg, 5)
        elif sid == "PO4" and line.pack is None:
            line.pack = Pack(_int(_v(seg, 1)), _dec(_v(seg, 2)), _v(seg, 3))
        elif sid == "DTM" and _v(seg, 1) in _LINE_DATES:
            line.dates[_LINE_DATES[_v(seg, 1) or ""]] = _date(_v(seg, 2))
        elif sid == "SAC":
            line.adjustments.append(_sac(seg))
        elif sid == "REF":
            line.references.append(_reference(seg))
        elif sid == "MSG":
            line.notes.append(Note(_v(seg, 1) or ""))

    def build(self) -> Order:
        head, beg = self.head, self.head["BEG"]
        parties: dict[str, Party] = {}
        others = []
        for draft in self.parties:
            party = draft.build()
            role = _ROLES.get(party.role)
            if role is None or role in parties:
                others.append(party)
            else:
                parties[role] = party
        return Order(
            po_number=_v(beg, 3) or "", po_date=_date(_v(beg, 5)) or date.min,
            purpose=_PURPOSES.get(_v(beg, 1) or "", Purpose.OTHER), purpose_code=_v(beg, 1),
            order_type=_v(beg, 2) or "", currency=head.get("currency"), release_number=_v(beg, 4),
            contract_number=next((r.value for r in head["references"] if r.qualifier == "CT"), None),
            **parties, other_parties=tuple(others), dates=Dates(**head["dates"]),
            terms=self._terms(), carrier=self._carrier(), fob=self._fob(),
            notes=tuple(head["notes"]), allowances_charges=tuple(head["adjustments"]),
            references=(*head["references"], *head["n9"]), lines=tuple(d.build() for d in self.lines),
            totals=self._totals(), source=self.source, contacts=tuple(head["contacts"]), amounts=self._amounts())

    def _amounts(self) -> tuple[Amount, ...]:
        amt = self.totals.get("AMT")
        return () if amt is None else (Amount(_v(amt, 1) or "", _dec(_v(amt, 2)) or Decimal(0)),)

    def _terms(self) -> Terms | None:
        itd = self.head.get("ITD")
        return None if itd is None else Terms(_v(itd, 1), _v(itd, 2), _dec(_v(itd, 3)),
                                              _int(_v(itd, 5)), _int(_v(itd, 7)), _v(itd, 12))

    def _carrier(self) -> Carrier | None:
        td5 = self.head.get("TD5")
        return None if td5 is None else Carrier(_v(td5, 3), _v(td5, 5), _v(td5, 4), _v(td5, 1), _v(td5, 2),
                                                _v(td5, 7), _v(td5, 8), _v(td5, 12))

    def _fob(self) -> Fob | None:
        fob = self.head.get("FOB")
        return None if fob is None else Fob(_v(fob, 1) or "", _v(fob, 2), _v(fob, 3))

    def _totals(self) -> DeclaredTotals | None:
        ctt, amt = self.totals.get("CTT"), self.totals.get("AMT")
        if ctt is None and amt is None:
            return None
        amount = _dec(_v(amt, 2)) if amt is not None and _v(amt, 1) == "TT" else None
        return DeclaredTotals(_int(_v(ctt, 1)) if ctt else None, _dec(_v(ctt, 2)) if ctt else None,
                              amount)


def pyx12_orders(path: str) -> Iterator[Order | None]:
    """Every 850 of ``path``, walked with pyx12's X12Reader and mapped by hand."""
    from pyx12.x12file import X12Reader

    isa13 = gs06 = ""
    draft: _OrderDraft | None = None
    count = 0
    with X12Reader(path) as reader:
        for seg in reader:
            count += 1
            sid = seg.get_seg_id()
            if sid == "ISA":
                isa13 = seg.get_value("ISA13")
            elif sid == "GS":
                gs06 = seg.get_value("GS06")
            elif sid == "ST":
                draft = _OrderDraft(SourceRef(PARTNER, isa13, gs06, seg.get_value("ST02")))
            elif sid == "SE":
                if draft is not None:
                    yield draft.build()
                draft = None
            elif draft is not None:
                draft.add(sid, seg)
    _COUNTS["segments"] = count


# -- measuring ---------------------------------------------------------------------------

_COUNTS: dict[str, int] = {}
SIDES: dict[str, Callable[[str], Iterator[Order | None]]] = {
    "edigate": edigate_orders, "pyx12": pyx12_orders}


def measure(side: str, path: str) -> dict[str, float]:
    """Translate ``path`` with one side in this process; its figures."""
    start = time.perf_counter()
    orders = sum(1 for order in SIDES[side](path) if order is not None)
    seconds = time.perf_counter() - start
    return {"orders": orders, "segments": _COUNTS["segments"], "seconds": seconds,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _in_child(side: str, path: Path) -> dict[str, float]:
    code = ("import json,sys;from benchmarks.translate import measure;"
            f"print(json.dumps(measure({side!r}, sys.argv[1])))")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def same_orders(path: Path | str) -> bool:
    """True when both sides give equal orders for every set of ``path``."""
    return all(a == b for a, b in zip(edigate_orders(str(path)), pyx12_orders(str(path)),
                                      strict=True))


def _row(side: str, f: dict[str, float]) -> str:
    return (f"  {side:8} {f['orders']:>7,.0f} orders {f['seconds']:7.2f} s "
            f"{f['orders'] / f['seconds']:>9,.0f} orders/s {f['segments'] / f['seconds']:>10,.0f}"
            f" segments/s  peak RSS {f['rss_mb']:6.1f} MB")


def main(path: Path = FILE) -> float:
    """Print both sides' figures for ``path`` and return edigate's speed ratio."""
    from benchmarks.generate import write_file

    write_file(path, 10_000, 20)
    print(f"\n850 translation (tokenize + envelope + map to Order, {PARTNER} map) on {path.name}")
    results = {side: _in_child(side, path) for side in SIDES}
    for side, figures in results.items():
        print(_row(side, figures))
    ours, theirs = results["edigate"], results["pyx12"]
    ratio = theirs["seconds"] / ours["seconds"]
    print(f"  edigate / pyx12 speed ratio: {ratio:.1f}x (bar {BAR:.0f}x: "
          f"{'met' if ratio >= BAR else 'NOT met'})   peak RSS ratio: "
          f"{ours['rss_mb'] / theirs['rss_mb']:.2f}")
    return ratio


if __name__ == "__main__":
    main()
