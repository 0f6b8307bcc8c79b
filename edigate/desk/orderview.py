"""An order laid beside what it came from and what answered it: the partner's 850 set, the
canonical order the map made of it, and the 855 we sent, in three columns.

The specialist reads across: a PO1 on the left, the line it became in the middle, the
ACK that answered it on the right. `edigate tx view ID --po PO` prints it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from edigate.desk.inspect import ViewLine
from edigate.store import Store
from edigate.printable import shown

if TYPE_CHECKING:
    from edigate.store.archive import ArchiveBackend

__all__ = ["OrderView", "flatten", "lines_of_set", "order_view", "render_order_view"]


@dataclass(frozen=True, slots=True)
class OrderView:
    """The three columns of one order."""

    po_number: str
    order_id: int
    status: str
    x12: tuple[ViewLine, ...]
    body: dict[str, Any]
    answers: tuple[ViewLine, ...]

    def to_json(self) -> dict[str, Any]:
        return {"po_number": self.po_number, "order_id": self.order_id, "status": self.status,
                "x12": [line.to_json() for line in self.x12], "order": self.body,
                "answers": [line.to_json() for line in self.answers]}


def flatten(value: Any, path: str = "") -> Iterator[str]:
    """``path: value`` lines of a canonical JSON document, empty values left out."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for n, item in enumerate(value, 1):
            yield from flatten(item, f"{path}[{n}]")
    elif value not in (None, "", [], {}):
        yield f"{path}: {value}"


def render_order_view(view: OrderView, width: int = 150) -> list[str]:
    """The order's three columns side by side, each cut to a third of ``width``."""
    col = max(24, (width - 6) // 3)
    left = [_segment(line) for line in view.x12]
    middle = [shown(text, backslashes=False) for text in flatten(json.loads(json.dumps(view.body)))]
    right = [_segment(line) for line in view.answers] or ["(no 855 sent)"]
    head = [f"order {view.order_id}: PO {shown(view.po_number)}: {view.status}",
            _row("850 received", "canonical order", "855 sent", col), _row("-" * col, "-" * col, "-" * col, col)]
    return head + [_row(a, b, c, col) for a, b, c in zip_longest(left, middle, right, fillvalue="")]


def _segment(line: ViewLine) -> str:
    flags = "".join("!" if m.severity == "error" else "?" for m in line.marks[:1])
    return f"{line.segment.number:>4}{flags or ' '}{'  ' * max(0, line.segment.depth - 2)}{line.text}"


def _row(a: str, b: str, c: str, col: int) -> str:
    return " | ".join(_cut(x, col) for x in (a, b, c)).rstrip()


def _cut(text: str, col: int) -> str:
    return text.ljust(col) if len(text) <= col else text[:col - 1] + "~"


def lines_of_set(lines: Sequence[ViewLine], isa13: str | None, st02: str | None) -> tuple[ViewLine, ...]:
    """The lines of one set (ST to SE) of a file's view."""
    return tuple(line for line in lines if line.segment.st02 == st02 and line.segment.isa13 == isa13)


def order_view(store: Store, archive: ArchiveBackend, ref: str, partner: str | None = None) -> OrderView:
    """Order ``ref`` (id or PO): its 850 set from the archived file with the error log in
    place, its canonical body, and the 855s sent for it."""
    from edigate.desk.inspect import build_view, transmission_view
    from edigate.desk.stored import find_order, order_chain, order_of, po_of
    from edigate.x12.outline import outline

    doc = find_order(store, ref, partner)
    chain = order_chain(store, doc.partner, po_of(doc))
    src = order_of(chain.order).source
    x12: tuple[ViewLine, ...] = ()
    if chain.transmission is not None and src is not None:
        x12 = lines_of_set(transmission_view(store, archive, chain.transmission.id).lines, src.isa13, src.st02)
    answers: list[ViewLine] = []
    for o in chain.outbounds:
        if o.set_id == "855":
            sent = build_view(o.archive_path, outline(archive.get(o.sha256), name=o.archive_path), ())
            answers += lines_of_set(sent.lines, o.isa13, o.st02)
    return OrderView(chain.po_number, chain.order.id, chain.order.status.value, x12,
                     json.loads(chain.order.body), tuple(answers))
