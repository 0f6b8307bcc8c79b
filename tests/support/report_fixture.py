"""A small store with known KPIs, built through the store's own API at fixed times.

March 2026, two partners. What each order went through, and so what the report must say:

=====  =======  ===========================================  ==========================
order  partner  story                                        counts as
=====  =======  ===========================================  ==========================
A1     acme     997 +10m, 855 +30m (acked OK after 1.5h),    accurate, on time, OTIF
                shipped in full 03-04 (due 03-05), 810 +1d
A2     acme     same file as A1; price finding (ST02 0002)   not accurate, late
                855 +40m (rejected by acme), shipped 03-06
A3     acme     held, price overridden, released; 855 +2h    corrected, on time, short
                (still pending, overdue); shipped 6 of 10
A4     acme     rejected (dates in the past); RD 855 +10m    exception, not judged
A5     acme     file failed at the envelope, reprocessed:    accurate, no date (not judged)
                997 3h after the first arrival
B1     bigbox   997 +2m, 855 +1h (acked OK after 30m),       accurate, on time, OTIF
                shipped in full on its date, 810 with 856
B2     bigbox   held for an unknown SKU, never shipped       exception, late
=====  =======  ===========================================  ==========================

Outside the period: A0 (02-27) and B9 (04-01). Also in March: a duplicate of A1's file,
a file that failed validation and was resolved by hand, and the partners' 997s.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from itertools import count

from edigate.model import Order, OrderLine, Shipment, ShippedItem, ShippedOrder, to_json
from edigate.model.common import Dates, SourceRef
from edigate.store import (
    AckStatus, AuditAction, DocumentKind, DocumentStatus, ErrorEntry, Severity, Status, Store,
)

__all__ = ["NOW", "SINCE", "UNTIL", "at", "build"]

SINCE = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 15, tzinfo=dt.UTC)
MIN, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)
_serial = count(1)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


class _Builder:
    def __init__(self, store: Store) -> None:
        self.store = store

    def receive(self, partner: str, when: dt.datetime, data: bytes | None = None) -> int:
        data = data if data is not None else f"file {next(_serial)}".encode()
        got = self.store.record_received(partner=partner, channel="folder", file_name=f"{partner}.x12",
                                         sha256=hashlib.sha256(data).hexdigest(), size=len(data), received_at=when)
        return got.transmission.id

    def order(self, partner: str, tx: int, po: str, st02: str, *, requested: str | None,
              quantities: tuple[int, ...] = (10, 5), status: DocumentStatus = DocumentStatus.ACCEPTED) -> int:
        order = Order(po_number=po, po_date=dt.date(2026, 3, 1),
                      dates=Dates(requested_ship=dt.date.fromisoformat(requested) if requested else None),
                      lines=tuple(OrderLine(str(n), Decimal(q), "EA", Decimal("2.50"))
                                  for n, q in enumerate(quantities, 1)),
                      source=SourceRef(partner, "000000001", "1", st02))
        saved = self.store.save_document(kind=DocumentKind.ORDER, partner=partner, key=f"{po}:original",
                                         body=json.dumps(to_json(order)), transmission_id=tx, status=status)
        assert saved.document is not None
        return saved.document.id

    def out(self, partner: str, set_id: str, tx: int, sent: dt.datetime, *, doc: int | None = None,
            due: dt.datetime | None = None) -> str:
        """Record and send one outbound document; return its GS06 (for acking it)."""
        n = next(_serial)
        gs06 = str(n)
        out, _ = self.store.record_outbound(partner=partner, set_id=set_id, key=f"{set_id}:{n}", isa13=f"{n:09d}",
                                            gs06=gs06, st02="0001", archive_path=f"x/{n}", sha256="0" * 64,
                                            transmission_id=tx, document_id=doc, ack_due_at=due)
        self.store.mark_sent(out.id, at=sent)
        return gs06

    def ack(self, partner: str, gs06: str, when: dt.datetime, status: AckStatus) -> None:
        tx = self.receive(partner, when)
        self.store.record_ack(partner=partner, gs06=gs06, status=status, ack_transmission_id=tx)
        self.store.set_status(tx, Status.DONE)

    def ship(self, partner: str, shipment_id: str, day: str, items: dict[str, tuple[int, ...]],
             ordered: dict[str, tuple[int, ...]] | None = None) -> None:
        """A shipment as `edigate.orders.fulfillment` builds it: each item says what its line ordered."""
        asked = ordered or items
        orders = tuple(ShippedOrder(po, items=tuple(ShippedItem(str(n), Decimal(q), "EA", ordered_quantity=Decimal(o))
                                                    for n, (q, o) in enumerate(zip(qs, asked[po]), 1)))
                       for po, qs in items.items())
        shipment = Shipment(shipment_id, dt.date.fromisoformat(day), orders=orders)
        self.store.save_document(kind=DocumentKind.SHIPMENT, partner=partner, key=shipment_id,
                                 body=json.dumps(to_json(shipment)), transmission_id=None)


def build(store: Store) -> None:
    b = _Builder(store)
    _acme(b)
    _bigbox(b)
    _outside(b)


def _acme(b: _Builder) -> None:
    s = b.store
    t0 = at("2026-03-02 08:00")
    tx1 = b.receive("acme", t0, b"acme file one")
    b.receive("acme", t0 + HOUR, b"acme file one")  # the same bytes again: a duplicate
    a1 = b.order("acme", tx1, "A1", "0001", requested="2026-03-05")
    a2 = b.order("acme", tx1, "A2", "0002", requested="2026-03-05")
    s.add_errors(tx1, [ErrorEntry("rules", "rule.price.mismatch", "price 2.50 differs", Severity.WARNING,
                                  st02="0002"),
                       ErrorEntry("validate", "I6", "code not in the list", Severity.WARNING, segment_id="REF",
                                  element_position=1)])
    b.out("acme", "997", tx1, t0 + 10 * MIN)
    b.ack("acme", b.out("acme", "855", tx1, t0 + 30 * MIN, doc=a1, due=t0 + DAY), t0 + 2 * HOUR, AckStatus.ACCEPTED)
    b.ack("acme", b.out("acme", "855", tx1, t0 + 40 * MIN, doc=a2, due=t0 + DAY), t0 + 100 * MIN,
          AckStatus.REJECTED)
    b.ship("acme", "S1", "2026-03-04", {"A1": (10, 5)})
    b.out("acme", "856", tx1, at("2026-03-04 12:00"), doc=a1)
    b.out("acme", "810", tx1, at("2026-03-05 12:00"), doc=a1)
    b.ship("acme", "S2", "2026-03-06", {"A2": (10, 5)})
    b.out("acme", "856", tx1, at("2026-03-06 09:00"), doc=a2)
    s.set_status(tx1, Status.DONE)

    t1 = at("2026-03-03 09:00")
    tx2 = b.receive("acme", t1)
    a3 = b.order("acme", tx2, "A3", "0001", requested="2026-03-10", quantities=(10,), status=DocumentStatus.HELD)
    s.add_errors(tx2, [ErrorEntry("rules", "rule.price.mismatch", "price differs", Severity.ERROR)])
    b.out("acme", "997", tx2, t1 + 5 * MIN)
    fixed = s.save_document(kind=DocumentKind.ORDER, partner="acme", key="A3:original",
                            body=s.documents(key="A3:original")[0].body, transmission_id=tx2,
                            status=DocumentStatus.HELD, supersedes=a3).document
    assert fixed is not None
    s.audit(actor="ann", action=AuditAction.OVERRIDE, target=f"order:{fixed.id}", note="price", transmission_id=tx2)
    s.set_document_status(fixed.id, DocumentStatus.ACCEPTED)
    s.audit(actor="ann", action=AuditAction.RESOLVE, target=f"order:{fixed.id}", note="released", transmission_id=tx2)
    b.out("acme", "855", tx2, t1 + 2 * HOUR, doc=fixed.id, due=at("2026-03-04 11:00"))
    b.ship("acme", "S3", "2026-03-09", {"A3": (6,)}, ordered={"A3": (10,)})
    b.out("acme", "856", tx2, at("2026-03-09 10:00"), doc=fixed.id)

    t2 = at("2026-03-04 10:00")
    tx3 = b.receive("acme", t2)
    a4 = b.order("acme", tx3, "A4", "0001", requested="2026-03-06", status=DocumentStatus.REJECTED)
    s.add_errors(tx3, [ErrorEntry("rules", "rule.dates.past", "requested date has passed", Severity.ERROR)])
    b.out("acme", "997", tx3, t2 + MIN)
    b.out("acme", "855", tx3, t2 + 10 * MIN, doc=a4)

    t3 = at("2026-03-05 12:00")
    tx4 = b.receive("acme", t3)
    s.add_errors(tx4, [ErrorEntry("envelope", "022", "bad ISA13", code_list="TA1", segment_id="ISA", element_position=13)])
    s.set_status(tx4, Status.FAILED, stage="envelope")
    tx5 = s.reprocess(tx4, actor="ann").id  # a new attempt, received "now": its origin stays 03-05
    b.order("acme", tx5, "A5", "0001", requested=None)
    b.out("acme", "997", tx5, t3 + 3 * HOUR)
    s.set_status(tx5, Status.DONE)

    tx6 = b.receive("acme", at("2026-03-06 08:00"))
    s.add_errors(tx6, [ErrorEntry("validate", "7", "BEG03 wrong", code_list="AK4", segment_id="BEG", element_position=3),
                       ErrorEntry("validate", "7", "BEG03 wrong again", code_list="AK4", segment_id="BEG", element_position=3),
                       ErrorEntry("validate", "8", "PO102 wrong", code_list="AK4", segment_id="PO1", element_position=2)])
    s.set_status(tx6, Status.FAILED, stage="validate")
    s.resolve(tx6, actor="ann", note="partner resent it by mail")


def _bigbox(b: _Builder) -> None:
    s = b.store
    t0 = at("2026-03-10 12:00")
    tx7 = b.receive("bigbox", t0)
    b1 = b.order("bigbox", tx7, "B1", "0001", requested="2026-03-12")
    b.out("bigbox", "997", tx7, t0 + 2 * MIN)
    b.ack("bigbox", b.out("bigbox", "855", tx7, t0 + HOUR, doc=b1, due=t0 + DAY), t0 + 90 * MIN, AckStatus.ACCEPTED)
    b.ship("bigbox", "S4", "2026-03-12", {"B1": (10, 5)})
    b.out("bigbox", "856", tx7, at("2026-03-12 18:00"), doc=b1)
    b.out("bigbox", "810", tx7, at("2026-03-12 18:00"), doc=b1)

    t1 = at("2026-03-20 07:00")
    tx8 = b.receive("bigbox", t1)
    b.order("bigbox", tx8, "B2", "0001", requested="2026-03-21", status=DocumentStatus.HELD)
    s.add_errors(tx8, [ErrorEntry("rules", "rule.sku.unknown", "no catalog item", Severity.ERROR)])
    b.out("bigbox", "997", tx8, t1 + 15 * MIN)
    s.set_status(tx8, Status.HELD)


def _outside(b: _Builder) -> None:
    before = b.receive("acme", at("2026-02-27 10:00"))
    a0 = b.order("acme", before, "A0", "0001", requested="2026-03-01")
    b.store.add_errors(before, [ErrorEntry("rules", "rule.sku.unknown", "no catalog item", Severity.ERROR)])
    b.out("acme", "997", before, at("2026-02-27 10:01"))
    b.out("acme", "855", before, at("2026-02-27 11:00"), doc=a0)
    after = b.receive("bigbox", at("2026-04-01 00:00"))
    b.order("bigbox", after, "B9", "0001", requested="2026-04-02")
    b.out("bigbox", "997", after, at("2026-04-01 00:05"))
