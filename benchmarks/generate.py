"""Deterministic generator of realistic 850 interchanges for benchmarks.

``python benchmarks/generate.py OUT --orders N --lines L [--version 4010|5010]`` writes one
interchange of N purchase orders with L lines each, streamed so that a 500 MB file costs no
memory. The same arguments always give the same bytes.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from edigate.x12.delimiters import Delimiters
from edigate.x12.segment import Segment
from edigate.x12.writer import SegmentWriter

__all__ = ["generate", "write_file"]

_ITEMS = ["MIXING BOWL 3QT", "SPATULA SET", "FOOD STORAGE 10PC", "CUTTING BOARD", "SKILLET 10IN",
          "KITCHEN TOWELS 2PK", "MEASURING CUPS", "CHEF KNIFE 8IN", "COLANDER", "BAKING SHEET"]
_UOMS = ["EA", "EA", "EA", "CA", "DZ"]


def _order(rng: random.Random, n: int, lines: int) -> list[Segment]:
    po = f"45{n:08d}"
    store = f"{rng.randrange(1, 9999):04d}"
    head = [
        Segment("BEG", ("00", "SA", po, "", "20261118")),
        Segment("CUR", ("BY", "USD")),
        Segment("REF", ("DP", f"{rng.randrange(1, 99):03d}")),
        Segment("REF", ("IA", "77120")),
        Segment("PER", ("BD", "JANET ORTIZ", "TE", "4795550142")),
        Segment("FOB", ("CC",)),
        Segment("ITD", ("01", "3", "2", "", "30", "", "60")),
        Segment("DTM", ("010", "20261201")),
        Segment("DTM", ("001", "20261215")),
        Segment("TD5", ("O", "2", "FDEG", "M", "FEDEX GROUND")),
        Segment("N1", ("BT", "BIGBOX STORES INC", "92", "0001")),
        Segment("N3", ("100 COMMERCE PARKWAY",)),
        Segment("N4", ("BENTONVILLE", "AR", "72712", "US")),
        Segment("N1", ("ST", f"BIGBOX STORE {store}", "92", store)),
        Segment("N3", (f"{rng.randrange(100, 9999)} W MAIN ST",)),
        Segment("N4", ("ROGERS", "AR", "72756", "US")),
    ]
    body: list[Segment] = []
    total_qty = 0
    for line in range(1, lines + 1):
        qty = rng.randrange(1, 200)
        total_qty += qty
        item = rng.randrange(100000, 999999)
        price = f"{rng.randrange(100, 9999) / 100:.2f}"
        body += [
            Segment("PO1", (str(line), str(qty), rng.choice(_UOMS), price, "PE", "UP", f"012345{item}",
                            "VN", f"ACM-{item}", "IN", str(item))),
            Segment("PID", ("F", "", "", "", rng.choice(_ITEMS))),
            Segment("PO4", (str(rng.choice((1, 4, 6, 12, 24))), "1", "EA")),
        ]
    tail = [Segment("CTT", (str(lines), str(total_qty)))]
    return head + body + tail


def generate(orders: int, lines: int, *, version: str = "4010", seed: int = 850) -> Iterator[bytes]:
    """The interchange in pieces of about one order each."""
    five = version == "5010"
    d = Delimiters("*", ":" if five else ">", "~", "^" if five else None, "\n")
    w = SegmentWriter(d)
    rng = random.Random(seed)
    isa = (f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'BIGBOXRETAIL':15}*ZZ*{'EDIGATE':15}*261118*0930*"
           f"{'^' if five else 'U'}*{'00501' if five else '00401'}*000000101*0*P*{d.component}~\n")
    yield isa.encode()
    yield w.render("GS", ("PO", "BIGBOX", "EDIGATE", "20261118", "0930", "1001", "X",
                          "005010" if five else "004010")).encode()
    for n in range(1, orders + 1):
        body = _order(rng, n, lines)
        st02 = f"{n:04d}"
        text = [w.render("ST", ("850", st02))]
        text += [w.segment(s) for s in body]
        text.append(w.render("SE", (str(len(body) + 2), st02)))
        yield "".join(text).encode()
    yield w.render("GE", (str(orders), "1001")).encode()
    yield w.render("IEA", ("1", "000000101")).encode()


def write_file(path: Path, orders: int, lines: int, *, version: str = "4010") -> Path:
    """Write the interchange to ``path`` unless an identical one is there already."""
    marker = path.with_suffix(path.suffix + ".done")
    if path.exists() and marker.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        _write(out, orders, lines, version)
    marker.touch()
    return path


def _write(out: BinaryIO, orders: int, lines: int, version: str) -> None:
    for piece in generate(orders, lines, version=version):
        out.write(piece)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--version", choices=("4010", "5010"), default="4010")
    args = parser.parse_args()
    write_file(args.out, args.orders, args.lines, version=args.version)


if __name__ == "__main__":
    main()
