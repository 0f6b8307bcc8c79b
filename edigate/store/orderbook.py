"""The store as an order book (`edigate.orders.book.OrderBook`): the few reads and writes
the order logic names in its own words, over the store's documents, audit trail and
transmissions. Stock and amendments (`allocate`, `amend_order`, ...) need nothing extra:
`edigate.store.fulfillment` already speaks the book's terms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edigate.orders.book import GATEWAY_ACTOR
from edigate.orders.purposes import po_of_key
from edigate.store.documents import DocumentsMixin
from edigate.store.records import AuditAction, Document, DocumentKind, DocumentStatus, Status
from edigate.store.transmissions import TransmissionsMixin

__all__ = ["OrderBookMixin"]


class OrderBookMixin(TransmissionsMixin, DocumentsMixin):

    def order_versions(self, partner: str, po_number: str) -> list[Document]:
        """Every current order of ``partner`` for ``po_number``, oldest first (their keys
        start ``PO:``; see `edigate.orders.purposes.order_key`)."""
        found = self.documents(kind=DocumentKind.ORDER, partner=partner, key_prefix=f"{po_number}:", current=True)
        return [d for d in found if po_of_key(d.key) == po_number]

    def record_amendment(self, order_id: int, note: str, *, transmission_id: int | None = None) -> None:
        self.audit(actor=GATEWAY_ACTOR, action=AuditAction.AMEND, target=f"order:{order_id}", note=note,
                   transmission_id=transmission_id)

    def finish_held_transmission(self, transmission_id: int) -> None:
        """A held transmission is done once none of its orders is held any more (released,
        rejected, or retired by a later order)."""
        if self.transmission(transmission_id).status is not Status.HELD:
            return
        if not self.documents(transmission_id=transmission_id, kind=DocumentKind.ORDER, current=True,
                              status=DocumentStatus.HELD, limit=1):
            self.set_status(transmission_id, Status.DONE)


if TYPE_CHECKING:
    from edigate.orders.book import OrderBook
    from edigate.store import Store

    def _a_store_is_an_order_book(store: Store) -> OrderBook:
        return store  # mypy checks `Store` against the protocol here
