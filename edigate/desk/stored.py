"""Orders as the store holds them: finding one, the queue of held ones, and an order's chain."""

from __future__ import annotations

import json
from dataclasses import dataclass

from edigate.errors import UsageError
from edigate.model import Order, from_json
from edigate.orders.purposes import IN_FORCE, is_cancel, po_of_key
from edigate.stages.fulfillment import orders_by_po
from edigate.store import AuditEvent, Document, DocumentKind, DocumentStatus, Outbound, Store, Transmission

__all__ = ["OrderChain", "find_order", "held_orders", "order_chain", "order_of", "orders_by_po", "po_of",
           "purpose_of", "target_of"]


@dataclass(frozen=True, slots=True)
class OrderChain:
    """One order and everything tied to it: versions, transmission, outbound documents, audit trail."""

    order: Document
    versions: tuple[Document, ...]
    transmission: Transmission | None
    outbounds: tuple[Outbound, ...]
    events: tuple[AuditEvent, ...]

    @property
    def po_number(self) -> str:
        return po_of(self.order)

    def amended_by(self, doc: Document) -> Document | None:
        """The later order (cancel, change, replace) that retired ``doc``, if one did."""
        return next((d for d in self.versions if d.amends == doc.id), None)


def po_of(doc: Document) -> str:
    return po_of_key(doc.key)


def purpose_of(doc: Document) -> str:
    """The purpose part of the order's key (`edigate.orders.purposes.order_key`): ``cancel``, or
    ``change@1f0c…`` for a change or replacement, with its digest."""
    return doc.key.rsplit(":", 1)[1]


def target_of(doc: Document) -> str:
    """How the audit trail names an order."""
    return f"order:{doc.id}"


def order_of(doc: Document) -> Order:
    return from_json(Order, json.loads(doc.body))


def held_orders(store: Store, partner: str | None = None) -> list[Document]:
    """Orders waiting for a specialist, oldest first."""
    return [d for d in store.documents(kind=DocumentKind.ORDER, partner=partner, current=True)
            if d.status is DocumentStatus.HELD]


def find_order(store: Store, ref: str, partner: str | None = None) -> Document:
    """The current order with document id ``ref``, else the newest current order for PO ``ref``."""
    orders = store.documents(kind=DocumentKind.ORDER, partner=partner)
    if ref.isdigit():
        by_id = {d.id: d for d in orders}
        if int(ref) in by_id:
            return _current(by_id[int(ref)], by_id)
    matches = [d for d in orders if po_of(d) == ref and d.superseded_by is None]
    if not matches:
        raise UsageError(f"no order {ref!r}" + (f" from {partner}" if partner else ""), code="orders.not_found")
    if len({d.partner for d in matches}) > 1:
        raise UsageError(f"PO {ref} came from {', '.join(sorted({d.partner for d in matches}))}; name the partner")
    return matches[-1]


def version_of(store: Store, doc: Document) -> tuple[int, int]:
    """The order's stable id (its first version's, which `find_order` follows to the
    current one) and which version of it ``doc`` is, from 1."""
    ids = [d.id for d in store.documents(kind=DocumentKind.ORDER, partner=doc.partner, key=doc.key)]
    return (ids[0], ids.index(doc.id) + 1) if doc.id in ids else (doc.id, 1)


def _current(doc: Document, by_id: dict[int, Document]) -> Document:
    while doc.superseded_by is not None and doc.superseded_by in by_id:
        doc = by_id[doc.superseded_by]
    return doc


def order_chain(store: Store, partner: str, po: str) -> OrderChain:
    """The order for ``po`` with its transmission and every 855, 940, 856 and 810 sent for it."""
    versions = tuple(d for d in store.documents(kind=DocumentKind.ORDER, partner=partner) if po_of(d) == po)
    if not versions:
        raise UsageError(f"no order {po!r} from {partner}", code="orders.not_found")
    current = [d for d in versions if d.superseded_by is None]
    order = (current or list(versions))[-1]
    ids = {d.id for d in versions}
    tx_ids = sorted({d.transmission_id for d in versions if d.transmission_id is not None})
    found = {o.id: o for t in tx_ids for o in store.outbounds(t) if o.document_id in ids}
    found.update((o.id, o) for o in store.document_outbounds(ids))
    events = tuple(e for d in versions for e in store.audit_events(target=target_of(d)))
    transmission = store.transmission(order.transmission_id) if order.transmission_id is not None else None
    return OrderChain(order, versions, transmission, tuple(found[k] for k in sorted(found)),
                      tuple(sorted(events, key=lambda e: e.id)))
