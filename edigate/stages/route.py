"""The route stage: each accepted order's payloads (ERP, 3PL, commerce; the 940s of its
warehouse) to their destinations, a page of files per channel call.

`Routing` is the one way an order is routed: the pipeline's stage and the desk's release
both ask it for an order's deliveries. A cancel goes only where the order it cancels went.

Resume policy: once finished it is not run again. It runs outside any held transaction
(it waits on other machines); a folder destination makes each page durable at once. Each
payload is its own outcome (`edigate.stages.delivery`): the others are delivered and
answered; one that failed is logged against its order, gets no 855, and fails the
transmission, whose reprocess delivers only what did not go.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

from edigate.config.partners import Partner
from edigate.config.workspace import Workspace
from edigate.mapping.cache import MapCache
from edigate.model import Order
from edigate.orders.purposes import cancel_destinations, is_cancel
from edigate.orders.routing import Delivery, Router
from edigate.stages.warehouse_out import ShippingOrders
from edigate.stages.context import Parts, Run, add_log, pages
from edigate.stages.delivery import Deliveries
from edigate.store import Document, DocumentStatus, ErrorEntry, Status, Store
from edigate.store.archive import ArchiveBackend
from edigate.x12.validate import Validator

__all__ = ["NAME", "Routing", "run", "run_many"]

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


def run(parts: Parts, run: Run) -> Status | None:
    """Each accepted order's payloads to its destinations (`edigate.stages.delivery`): each
    payload its own outcome; a payload that failed is a line of the log naming its order,
    which fails the transmission once the others went on (answered, sent)."""
    entries: list[ErrorEntry] = []
    routing = Routing(parts.store, parts.archive, parts.workspace, run.partner, maps=parts.maps,
                      validator=parts.validator)
    with ExitStack() as opened:
        deliveries = Deliveries(parts.store, run.partner.id, parts.channel_options, opened, run.tx.id)
        for docs in pages(parts, run):
            pairs = [(doc, delivery) for doc in docs if _goes(doc)
                     for delivery in routing.deliveries(doc, doc.decided or doc.body)]
            entries += deliveries.deliver(pairs)
    add_log(parts, run, entries)
    return None


def run_many(parts: Parts, runs: Sequence[Run]) -> list[Run]:
    """The route stage for a batch of transmissions: each partner's routing built once and
    the payloads of its transmissions delivered together (a folder destination's in one
    batch: two syncs for them all), each failure logged against its own transmission.
    Returns the runs left to the stage's own `run`: every run of a partner whose routing
    raised part way (what was delivered is marked, and not delivered twice)."""
    groups: dict[str, list[Run]] = {}
    for r in runs:
        groups.setdefault(r.partner.id, []).append(r)
    left: list[Run] = []
    for group in groups.values():
        try:
            entries = _route_together(parts, group)
        except Exception:  # noqa: BLE001 - each alone, where its own failure is recorded as such
            left += group
            continue
        for r in group:  # logged once: a failure here is not a reason to route the group again
            add_log(parts, r, entries[r.tx.id])
    return left


def _route_together(parts: Parts, group: Sequence[Run]) -> dict[int, list[ErrorEntry]]:
    routing = Routing(parts.store, parts.archive, parts.workspace, group[0].partner, maps=parts.maps,
                      validator=parts.validator)
    with ExitStack() as opened:
        deliveries = Deliveries(parts.store, group[0].partner.id, parts.channel_options, opened, None)
        routes = [(r.tx.id, [(doc, delivery) for docs in pages(parts, r) for doc in docs if _goes(doc)
                             for delivery in routing.deliveries(doc, doc.decided or doc.body)]) for r in group]
        return deliveries.deliver_many(routes)


def _goes(doc: Document) -> bool:
    """An accepted order; a cancel of an order that never went out goes nowhere."""
    return doc.status is DocumentStatus.ACCEPTED and not (is_cancel(doc) and not doc.decided)
