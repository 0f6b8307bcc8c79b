"""The demo's input files: the bundled samples dated from today, and three made from them.

`dated` moves every BEG05 and DTM02 date of a copy by the days between its first order date
and today, so the orders are new and their requested dates lie ahead (the KPIs judge
shipments against them). `extra_sample` makes, from the BigBox 850, a file whose order the
partner's rules hold (a price above the catalogue's), one that fails on its envelope (its GS
names a sender the partner file does not know) and one that fails in the map (one order, whose
second line is BigBox's item 30245, which the cross-reference table in ``maps/bigbox-850.yaml``
lacks: the analyst adds ``"30245": ACM-5120`` and reprocesses it); their own control numbers
and PO numbers keep them from being duplicates of the sample.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["EXTRA", "HELD_PO", "NEW_ITEM", "SHIPPED_PO", "dated", "dated_shipment", "extra_sample"]

HELD_PO = "4500019001"
"""The PO of the held sample's order (a price above the catalogue's)."""
NEW_ITEM = ("30245", "ACM-5120")
"""The BigBox item number of the map-failing sample's second line, and our SKU for it."""
SHIPPED_PO = "4500012345"
"""The PO the sample shipment ships."""

EXTRA = {"bigbox-850-held.x12": "held", "bigbox-850-failing.x12": "failed", "bigbox-850-newitem.x12": "failed"}
"""The files made from the BigBox sample, and the status each is meant to end in."""

_CHANGES: dict[str, tuple[tuple[bytes, bytes], ...]] = {
    "bigbox-850-held.x12": ((b"000000101", b"000000901"), (b"*1001*X*", b"*9001*X*"), (b"GE*2*1001", b"GE*2*9001"),
                            (b"4500012345", b"4500019001"), (b"4500012346", b"4500019002"),
                            (b"PO1*1*24*EA*12.49*", b"PO1*1*24*EA*13.99*")),
    "bigbox-850-failing.x12": ((b"000000101", b"000000902"), (b"*1001*X*", b"*9002*X*"),
                               (b"GE*2*1001", b"GE*2*9002"), (b"4500012345", b"4500019003"),
                               (b"4500012346", b"4500019004"), (b"GS*PO*BIGBOX*", b"GS*PO*BIGBOXSTORES*")),
    "bigbox-850-newitem.x12": ((b"000000101", b"000000903"), (b"*1001*X*", b"*9003*X*"), (b"GE*2*1001", b"GE*2*9003"),
                               (b"4500012345", b"4500019005"),
                               (b"PO1*2*48*EA*4.75*PE*UP*012345678912*VN*ACM-2040*IN*30044",
                                b"PO1*2*10*DZ*44.40*PE*UP*012345678950*VN*%s*IN*%s" % (NEW_ITEM[1].encode(),
                                                                                       NEW_ITEM[0].encode())),
                               (b"PID*F****SILICONE SPATULA SET OF 3", b"PID*F****KITCHEN TOWELS 2PK"),
                               (b"PO4*12*1*EA", b"PO4*1*1*DZ"), (b"CTT*3*84", b"CTT*3*46"),
                               (b"AMT*TT*942.48", b"AMT*TT*1204.56")),
}
_ONE_SET = {"bigbox-850-newitem.x12"}
"""Files cut to the first transaction set of the sample (one order to fix and reprocess)."""


def extra_sample(base: bytes, name: str) -> bytes:
    """The file ``name`` of `EXTRA`, made from the BigBox sample ``base``."""
    for old, new in _CHANGES[name]:
        base = base.replace(old, new)
    return _first_set(base) if name in _ONE_SET else base


def _first_set(data: bytes) -> bytes:
    """``data`` (one interchange, one group) with only its first set, GE and IEA counting one."""
    element, terminator = data[3:4], data[105:106]
    segments = data.split(terminator)
    end = next(n for n, s in enumerate(segments) if s.strip().startswith(b"SE" + element))
    ge = segments[next(n for n, s in enumerate(segments) if s.strip().startswith(b"GE" + element))].split(element)
    iea = segments[next(n for n, s in enumerate(segments) if s.strip().startswith(b"IEA" + element))].split(element)
    prefix = ge[0][:-2]  # the line break a file puts before each segment, if any
    tail = [prefix + element.join([b"GE", b"1", ge[2]]), prefix + element.join([b"IEA", b"1", iea[2]]), segments[-1]]
    return terminator.join(segments[:end + 1] + tail)


def dated(data: bytes, today: dt.date) -> bytes:
    """``data`` with its BEG05 and DTM02 dates moved so its first BEG05 is ``today`` (an
    X12 file whose delimiters cannot be read, or without BEG05, comes back as it was)."""
    if len(data) < 106 or not data.startswith(b"ISA"):
        return data
    element, terminator = data[3:4], data[105:106]
    segments = data.split(terminator)
    first = next((_date(s.split(element)[5]) for s in segments if _is(s.split(element), b"BEG", 5)), None)
    if first is None:
        return data
    shift = today - first
    return terminator.join(_moved(s, element, shift) for s in segments)


def dated_shipment(text: str, today: dt.date) -> str:
    """The sample shipment CSV with every ship date today (its orders' dates moved alike)."""
    lines = text.splitlines(keepends=True)
    if not lines or "ship_date" not in lines[0].split(","):
        return text
    column = lines[0].rstrip("\r\n").split(",").index("ship_date")
    out = lines[:1]
    for line in lines[1:]:
        cells = line.split(",")
        if len(cells) > column and cells[column]:
            cells[column] = today.isoformat()
        out.append(",".join(cells))
    return "".join(out)


def _moved(segment: bytes, element: bytes, shift: dt.timedelta) -> bytes:
    parts = segment.split(element)
    index = 5 if _is(parts, b"BEG", 5) else 2 if _is(parts, b"DTM", 2) else None
    if index is None:
        return segment
    when = _date(parts[index])
    if when is not None:
        parts[index] = (when + shift).strftime("%Y%m%d").encode()
    return element.join(parts)


def _is(parts: list[bytes], tag: bytes, index: int) -> bool:
    return parts[0].strip() == tag and len(parts) > index


def _date(value: bytes) -> dt.date | None:
    try:
        return dt.datetime.strptime(value.decode("ascii"), "%Y%m%d").date()
    except (UnicodeDecodeError, ValueError):
        return None
