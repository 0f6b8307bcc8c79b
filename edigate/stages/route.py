"""The route stage: each accepted order's payloads (ERP, 3PL, commerce; the 940s of its
warehouse) to their destinations, a page of files per channel call.

`Routing` is the one way an order is routed: the pipeline's stage and the desk's release
both ask it for an order's deliveries. A cancel goes only where the order it cancels went.

Resume policy: once finished it is not run again. It runs outside any held transaction
(it waits on other machines); a folder destination makes each page durable at once, and a
failed send fails the transmission, naming each order the batch carried.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from edigate.config.partners import Partner
from edigate.config.workspace import Workspace
from edigate.errors import TransportError
from edigate.mapping.cache import MapCache
from edigate.model import Order
from edigate.orders.purposes import cancel_destinations, is_cancel, po_of_key
from edigate.orders.routing import Delivery, Router
from edigate.stages.warehouse_out import ShippingOrders
from edigate.stages.context import Parts, Run, add_log, order_of_body, pages
from edigate.stages.errorlog import set_failure
from edigate.store import Document, DocumentStatus, ErrorEntry, Status, Store
from edigate.store.archive import ArchiveBackend
from edigate.transport import Channel, open_channel
from edigate.x12.validate import Validator

__all__ = ["NAME", "Routing", "run"]

NAME = "route"


class Routing:
    """One partner's routing: the destinations of its partner file, and its warehouse's 940s."""

    def __init__(self, store: Store, archive: ArchiveBackend, workspace: Workspace, partner: Partner, *,
                 maps: MapCache | None = None, validator: Validator | None = None) -> None:
        self.store = store
        self.router = Router(partner.routing, partner=partner.id, file=partner.file, lines=partner.lines)
        self.warehouse = ShippingOrders(store, archive, workspace, partner, maps=maps, validator=validator)

    def deliveries(self, doc: Document, export: Order | str) -> list[Delivery]:
        """The deliveries of order ``doc`` as ``export`` (the order as decided)."""
        return self.router.route(export, document=doc.id, x12=self.warehouse.writer(doc.id),
                                 only=cancel_destinations(self.store, doc))


@dataclass
class _Page:
    """One page's payloads, batched per destination, with the orders each batch carries."""

    batches: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    delivered: dict[str, list[Callable[[], object]]] = field(default_factory=dict)
    carried: dict[str, list[Document]] = field(default_factory=dict)

    def add(self, delivery: Delivery, doc: Document) -> None:
        self.batches.setdefault(delivery.destination, []).append((delivery.file_name, delivery.payload))
        self.carried.setdefault(delivery.destination, []).append(doc)
        if delivery.sent:
            self.delivered.setdefault(delivery.destination, []).append(delivery.sent)


def run(parts: Parts, run: Run) -> Status | None:
    """Each accepted order's payloads to its destinations, a page of files per channel
    call (a folder makes the page durable at once)."""
    entries: list[ErrorEntry] = []
    routing = Routing(parts.store, parts.archive, parts.workspace, run.partner, maps=parts.maps,
                      validator=parts.validator)
    with ExitStack() as opened:
        channels: dict[str, Channel] = {}
        for docs in pages(parts, run):
            page = _Page()
            for doc in docs:
                if doc.status is not DocumentStatus.ACCEPTED or (is_cancel(doc) and not doc.decided):
                    continue  # a cancel of an order that never went out goes nowhere
                for delivery in routing.deliveries(doc, doc.decided or doc.body):
                    if delivery.error:
                        entries.append(_unformatted(run, doc, delivery.error))
                        continue
                    if delivery.destination not in channels:
                        channels[delivery.destination] = opened.enter_context(open_channel(
                            delivery.target, f"{run.partner.id}:{delivery.destination}", parts.channel_options))
                    page.add(delivery, doc)
            entries += _send_page(run, page, channels)
    add_log(parts, run, entries)
    return Status.FAILED if any(e.code == "route.send" for e in entries) else None


def _send_page(run: Run, page: _Page, channels: dict[str, Channel]) -> list[ErrorEntry]:
    """Each destination's batch in one call; a failed one names each order it carried, none answered."""
    entries: list[ErrorEntry] = []
    for destination, files in page.batches.items():
        try:
            channels[destination].send_many(files)
        except TransportError as exc:
            entries += [set_failure(NAME, "route.send", order_of_body(d.body), exc, run.tx.id)
                        for d in page.carried[destination]]
            continue
        for sent in page.delivered.get(destination, ()):
            sent()
    return entries


def _unformatted(run: Run, doc: Document, error: str) -> ErrorEntry:
    """A payload its destination's format could not be written for."""
    po = po_of_key(doc.key)
    return ErrorEntry(NAME, "route.format", f"PO {po}: {error}",
                      hint=f"fix the destination's format or the order, then edigate tx reprocess {run.tx.id}")
