"""Finding orders and transmissions by what a specialist knows: a PO number, a SKU or item
number, a status, a time. `edigate tx list` and `edigate orders list` filter with these."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from edigate.store import Document, DocumentKind, Store, Transmission

__all__ = ["mentions_sku", "orders_matching", "transmissions_matching"]


def mentions_sku(doc: Document, sku: str) -> bool:
    """``sku`` is one of the order's line product ids (ours, the buyer's, a UPC ...) or
    the SKU a rule finding resolved it to (``decided``)."""
    wanted = sku.strip().casefold()
    return any(v.casefold() == wanted for v in _line_ids(json.loads(doc.body))) or \
        (doc.decided is not None and any(v.casefold() == wanted for v in _line_ids(json.loads(doc.decided))))


def _line_ids(body: Any) -> Iterable[str]:
    for line in body.get("lines", ()) if isinstance(body, dict) else ():
        ids = line.get("product_ids") or ()  # [qualifier, value] pairs
        yield from (str(pair[-1]) for pair in ids if isinstance(pair, list) and pair)
        if isinstance(line.get("sku"), str):
            yield line["sku"]


def orders_matching(docs: Sequence[Document], *, po: str | None = None, sku: str | None = None,
                    since: dt.datetime | None = None) -> list[Document]:
    """The orders of ``docs`` with PO ``po``, a line for ``sku``, created from ``since``."""
    return [d for d in docs if (po is None or d.key.rsplit(":", 1)[0] == po)
            and (since is None or d.created_at >= since) and (sku is None or mentions_sku(d, sku))]


def transmissions_matching(store: Store, rows: Sequence[Transmission], *, po: str | None = None,
                           sku: str | None = None) -> list[Transmission]:
    """The transmissions of ``rows`` that carried an order for ``po`` / ``sku``, or whose
    error log names them (a file that failed before it became orders)."""
    if po is None and sku is None:
        return list(rows)
    docs = store.documents(kind=DocumentKind.ORDER, key_prefix=f"{po}:" if po is not None else None)
    ids = {d.transmission_id for d in orders_matching(docs, po=po, sku=sku)}
    return [t for t in rows if t.id in ids or _logged(store, t.id, po, sku)]


def _logged(store: Store, transmission_id: int, po: str | None, sku: str | None) -> bool:
    return any((po is None or e.po_number == po) and (sku is None or sku in (e.sku, e.buyer_item))
               for e in store.errors(transmission_id))
