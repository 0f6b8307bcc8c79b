"""Routed payloads to their destinations, each payload its own outcome.

`Deliveries` is the one way a routed payload leaves: the route stage and the desk's release
both hand it an order's deliveries (`edigate.stages.route.Routing`). A payload delivered is
marked in the store (kind `DELIVERED`, key document id and destination) in the same breath,
so a retry (``tx reprocess``, a release) delivers only what has not gone: nothing twice. A
payload that fails is an error-log line naming its order with what the destination said
(an HTTP answer's status and body), and its order is marked `UNDELIVERED` until it goes:
the answer stage sends no 855 for it meanwhile.

A folder destination takes a page of payloads in one batch (one sync); when the batch
fails each payload is tried alone (a folder file written again under the same name is the
same delivery). Other destinations take one request per payload.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from edigate.errors import EdigateError
from edigate.orders.purposes import po_of_key
from edigate.orders.routing import Delivery
from edigate.stages.context import order_of_body
from edigate.stages.errorlog import set_failure
from edigate.store import Document, ErrorEntry, Store
from edigate.transport import Channel, ChannelOptions, open_channel

__all__ = ["DELIVERED", "UNDELIVERED", "Deliveries", "delivered_key", "undelivered"]

DELIVERED = "route.delivered"
"""Mark kind: a payload that reached its destination (key: document id and destination)."""
UNDELIVERED = "route.undelivered"
"""Mark kind: an order with a payload that did not reach its destination (key: document id)."""
STAGE = "route"


def delivered_key(document: int, destination: str) -> str:
    return f"{document}:{destination}"


def undelivered(store: Store, docs: Sequence[Document]) -> set[int]:
    """The ids of ``docs`` with a payload still to deliver."""
    return {int(k) for k in store.marked(UNDELIVERED, [str(d.id) for d in docs])}


@dataclass(frozen=True, slots=True)
class _Item:
    doc: Document
    delivery: Delivery
    transmission_id: int | None
    """The transmission whose route this is (None: the desk's release)."""

    @property
    def key(self) -> str:
        return delivered_key(self.doc.id, self.delivery.destination)


class Deliveries:
    """Delivers payloads for one partner, opening each destination's channel once (closed
    with the `ExitStack` handed in). `deliver` returns the error-log lines of what failed."""

    def __init__(self, store: Store, partner: str, options: ChannelOptions, opened: ExitStack,
                 transmission_id: int | None) -> None:
        self.store, self.partner, self.options, self.opened = store, partner, options, opened
        self.transmission_id = transmission_id
        self.channels: dict[str, Channel] = {}

    def deliver(self, pairs: Sequence[tuple[Document, Delivery]]) -> list[ErrorEntry]:
        """Each payload not delivered before to its destination; what failed, as log lines."""
        return [entry for _, entry in self._deliver([_Item(d, p, self.transmission_id) for d, p in pairs])]

    def deliver_many(self, routes: Sequence[tuple[int, Sequence[tuple[Document, Delivery]]]]
                     ) -> dict[int, list[ErrorEntry]]:
        """`deliver` for several transmissions' payloads at once (by transmission id), a
        destination's payloads of them all in one batch; what failed, by transmission."""
        by_tx: dict[int, list[ErrorEntry]] = {tx: [] for tx, _ in routes}
        for tx, entry in self._deliver([_Item(d, p, tx) for tx, pairs in routes for d, p in pairs]):
            assert tx is not None  # every item here carries its transmission
            by_tx[tx].append(entry)
        return by_tx

    def _deliver(self, items: list[_Item]) -> list[tuple[int | None, ErrorEntry]]:
        """Each item's payload not delivered before; what failed, with its transmission."""
        entries: list[tuple[int | None, ErrorEntry]] = []
        done = self.store.marked(DELIVERED, [i.key for i in items])
        failed: set[int] = set()
        batches: dict[str, list[_Item]] = {}
        for item in items:
            if item.key in done:
                continue
            if item.delivery.error:
                entries.append((item.transmission_id, _unformatted(item)))
                failed.add(item.doc.id)
            else:
                batches.setdefault(item.delivery.destination, []).append(item)
        for batch in batches.values():
            for item, problem in self._send(batch):
                entries.append((item.transmission_id, set_failure(
                    STAGE, "route.send", order_of_body(item.doc.body), problem, item.transmission_id or 0)))
                failed.add(item.doc.id)
        self._note(items, failed)
        return entries

    def _send(self, batch: list[_Item]) -> list[tuple[_Item, EdigateError]]:
        """One destination's payloads; those that failed, with why."""
        try:
            channel = self._channel(batch[0].delivery)
        except EdigateError as exc:
            return [(item, exc) for item in batch]
        if len(batch) > 1 and getattr(batch[0].delivery.target, "type", None) == "folder":
            try:
                channel.send_many([(i.delivery.file_name, i.delivery.payload) for i in batch])
            except EdigateError:
                pass  # tried one by one below, to tell which
            else:
                self.store.mark_many(DELIVERED, [i.key for i in batch])
                for item in batch:
                    if item.delivery.sent:
                        item.delivery.sent()
                return []
        failures = []
        for item in batch:
            try:
                channel.send(item.delivery.file_name, item.delivery.payload)
            except EdigateError as exc:
                failures.append((item, exc))
                continue
            self._delivered(item)
        return failures

    def _channel(self, delivery: Delivery) -> Channel:
        if delivery.destination not in self.channels:
            self.channels[delivery.destination] = self.opened.enter_context(open_channel(
                delivery.target, f"{self.partner}:{delivery.destination}", self.options))
        return self.channels[delivery.destination]

    def _delivered(self, item: _Item) -> None:
        self.store.mark_once(DELIVERED, item.key)
        if item.delivery.sent:
            item.delivery.sent()

    def _note(self, items: Sequence[_Item], failed: set[int]) -> None:
        """Orders with a payload left undelivered are marked; the others no longer are (one
        transaction)."""
        with self.store.unit():
            self._mark_undelivered(items, failed)

    def _mark_undelivered(self, items: Sequence[_Item], failed: set[int]) -> None:
        before = self.store.marked(UNDELIVERED, [str(i.doc.id) for i in items])
        self.store.mark_many(UNDELIVERED, [str(d) for d in sorted(failed)])
        for key in sorted(before - {str(d) for d in failed}):
            self.store.unmark(UNDELIVERED, key)


def _unformatted(item: _Item) -> ErrorEntry:
    """A payload its destination's format could not be written for."""
    po = po_of_key(item.doc.key)
    again = f"edigate tx reprocess {item.transmission_id}" if item.transmission_id else "release the order again"
    return ErrorEntry(STAGE, "route.format", f"PO {po}: {item.delivery.error}",
                      hint=f"fix the destination's format or the order, then {again}")

