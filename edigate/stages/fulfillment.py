"""What shipped and what was billed, recorded with the 856 and 810 that tell the partner.

`record_shipment` and `record_invoice` are the one way a Shipment or an Invoice becomes a
stored document with its X12: the desk's ``ship`` and ``invoice`` (a warehouse's
confirmation, a bill on demand) and the ERP replies (`edigate.stages.replies`, an IDoc
from SAP, NetSuite's fulfillments and invoices) all call them, so numbering, keys, stock
and recording are the same; the send stage sends what they record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from edigate.config.partner_setup import PartnerSetup
from edigate.config.partners import Partner
from edigate.errors import ConfigError, DataError
from edigate.mapping.cache import MapCache
from edigate.mapping.outbound import OutboundMap
from edigate.model import Invoice, Shipment, ShippedOrder, to_json
from edigate.orders.purposes import IN_FORCE, is_cancel, po_of_key
from edigate.stages.outputs import write_recorded
from edigate.store import Document, DocumentKind, NewDocument, Outbound, Store
from edigate.store.archive import ArchiveBackend
from edigate.x12.writer import TransactionContent

__all__ = ["Recorder", "orders_by_po", "outbound_map", "shipped_lines"]


def outbound_map(maps: MapCache, partner: Partner, set_id: str) -> OutboundMap:
    """The partner's outbound map for ``set_id`` (``documents.outbound``), compiled once."""
    name = partner.documents.outbound.get(set_id)
    if name is None:
        raise ConfigError(f"{partner.file or partner.id}: documents.outbound names no {set_id} map")
    return maps.outbound(name)


def orders_by_po(store: Store, partner: str) -> dict[str, Document]:
    """The order in force per PO: the newest accepted one (a replacement held for review
    leaves the earlier order in force), else the newest; a cancellation is never the order
    itself, so a cancelled PO maps to its cancelled order."""
    found: dict[str, Document] = {}
    for d in store.documents(kind=DocumentKind.ORDER, partner=partner, current=True):
        held = found.get(po := po_of_key(d.key))
        if not is_cancel(d) and (held is None or d.status in IN_FORCE or held.status not in IN_FORCE):
            found[po] = d
    return found


def shipped_lines(so: ShippedOrder) -> dict[str, Decimal]:
    """Quantity shipped per order line (loose items and cartons together)."""
    shipped: dict[str, Decimal] = defaultdict(Decimal)
    for item in [*so.items, *(i for c in so.cartons for i in c.items)]:
        shipped[item.line_number] += item.quantity_shipped
    return shipped


@dataclass(frozen=True, slots=True)
class Recorder:
    """Records shipments and invoices for one partner; ``transmission_id`` is the ERP reply
    they came in (None: each output goes under its order's transmission)."""

    store: Store
    archive: ArchiveBackend
    maps: MapCache
    flow: PartnerSetup
    transmission_id: int | None = None

    def shipment(self, shipment: Shipment, docs: Mapping[str, Document]) -> tuple[Outbound, ...]:
        """The shipment stored (once: `DataError` ``shipment.duplicate`` when it is known)
        with its 856, recorded once per order it ships; the shipped lines' stock leaves."""
        partner = self.flow.partner
        asn = outbound_map(self.maps, partner, "856").render(shipment)
        with self.store.outbound_numbers(partner.id) as numbers:  # shipment, 856 and numbers: one commit
            saved = numbers.save(NewDocument(DocumentKind.SHIPMENT, partner.id, shipment.shipment_id,
                                             json.dumps(to_json(shipment)), self.transmission_id))
            if not saved.created:
                raise DataError(f"shipment {shipment.shipment_id} was already confirmed", code="shipment.duplicate")
            sent = tuple(write_recorded(numbers, self.archive, self.flow, "SH", [TransactionContent("856", asn)],
                                        [(f"856:{shipment.shipment_id}:{docs[so.po_number].id}",
                                          docs[so.po_number]) for so in shipment.orders],
                                        transmission_id=self.transmission_id))
        for so in shipment.orders:
            self.store.consume_allocations(docs[so.po_number].id, shipped_lines(so))
        return sent

    def invoice(self, doc: Document, bill: Invoice, shipment_id: str) -> Outbound:
        """The invoice stored under PO and shipment (or ERP invoice number) with its 810."""
        body = outbound_map(self.maps, self.flow.partner, "810").render(bill)
        with self.store.outbound_numbers(self.flow.partner.id) as numbers:  # invoice, 810, numbers: one commit
            numbers.save(NewDocument(DocumentKind.INVOICE, doc.partner, f"{bill.po_number}:{shipment_id}",
                                     json.dumps(to_json(bill)), self.transmission_id))
            [out] = write_recorded(numbers, self.archive, self.flow, "IN", [TransactionContent("810", body)],
                                   [(f"810:{shipment_id}:{doc.id}", doc)], transmission_id=self.transmission_id)
        return out
