"""940 warehouse shipping orders out: written, checked, archived and recorded once per order
and destination, so a resumed route stage sends the same interchange again, never a second
order. What a 940 is (its key and envelope) is the domain's: `edigate.orders.warehouse`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edigate.config.partners import Destination, Partner
from edigate.config.workspace import Workspace
from edigate.errors import DataError
from edigate.mapping.cache import MapCache
from edigate.model import Order
from edigate.orders.routing import X12Writer
from edigate.orders.warehouse import shipping_order_envelope, shipping_order_key
from edigate.store import Outbound, Store
from edigate.store.archive import ArchiveBackend
from edigate.x12.controls import read_controls
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.validate import Validator
from edigate.x12.writer import GroupContent, TransactionContent, write_interchange

__all__ = ["ShippingOrders", "Written"]


@dataclass(frozen=True, slots=True)
class Written:
    """A 940 interchange ready to deliver, and its record (``mark_sent`` once delivered)."""

    data: bytes
    outbound: Outbound
    mark_sent: Callable[[], object]


class ShippingOrders:
    """940s for one partner's orders, numbered from the 3PL's sequence and recorded once."""

    def __init__(self, store: Store, archive: ArchiveBackend, workspace: Workspace, partner: Partner, *,
                 maps: MapCache | None = None, validator: Validator | None = None) -> None:
        self.store, self.archive, self.workspace, self.partner = store, archive, workspace, partner
        self._maps = maps or MapCache(workspace.maps_path)
        self._validator = validator or Validator()

    def writer(self, document_id: int) -> X12Writer:
        """What `edigate.orders.routing.route` calls for each x12-940 destination of one stored order."""
        def write(order: Order, destination: Destination) -> tuple[bytes, Callable[[], object]]:
            written = self.write(order, destination, document_id=document_id)
            return written.data, written.mark_sent
        return write

    def write(self, order: Order, destination: Destination, *, document_id: int) -> Written:
        envelope = shipping_order_envelope(self.workspace, self.partner, destination)
        assert destination.x12 is not None  # the envelope needs it
        key = shipping_order_key(self.partner.id, document_id, destination.name)
        done = [o for o in self.store.document_outbounds([document_id]) if o.key == key]
        if done:
            return self._written(done[0], self.archive.get(done[0].sha256))
        body = self._maps.outbound(destination.x12.map).render(order)
        with self.store.outbound_numbers(destination.x12.sequence_key) as numbers:  # spent only if recorded
            data = write_interchange(envelope, [GroupContent("OW", (TransactionContent("940", body),))],
                                     numbers.blocks(1, 1))
            self._check(data)
            put, c = self.archive.put(data), read_controls(data)
            out, created = numbers.record(set_id="940", key=key, isa13=c.isa13, gs06=c.gs06, st02=c.st02[0],
                                          archive_path=put.relative, sha256=put.sha256, document_id=document_id,
                                          sets=[(c.st02[0], document_id)])
        return self._written(out, data if created else self.archive.get(out.sha256))

    def _check(self, data: bytes) -> None:
        """A 940 that breaks its spec is not sent (the 3PL would reject it): say what is wrong."""
        for event in EnvelopeReader(data):
            if isinstance(event, Transaction):
                errors = [f for f in (*event.findings, *self._validator(event)) if f.is_error]
                if errors:
                    raise DataError(f"the 940 breaks its spec: {errors[0].text} ({errors[0].segment_id} "
                                    f"at segment {errors[0].segment_position})", code="route.940")

    def _written(self, out: Outbound, data: bytes) -> Written:
        return Written(data, out, lambda: self.store.mark_sent(out.id))
