"""Outputs we write: archived, read back for their control numbers, and recorded with the
time their functional ack is due (`ack_due`, the one place that reckons it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from edigate.config.partner_setup import PartnerSetup
from edigate.config.partners import Partner
from edigate.store import Document, Outbound, OutboundNumbers
from edigate.store.archive import ArchiveBackend
from edigate.x12.controls import read_controls
from edigate.x12.writer import GroupContent, TransactionContent, write_interchange

__all__ = ["ACKED_SETS", "Written", "ack_due", "archived", "record_written", "write_recorded"]

ACKED_SETS = frozenset({"855", "865", "856", "810"})
"""The sets we send that the partner answers with a 997/999 inside its window."""


@dataclass(frozen=True, slots=True)
class Written:
    """An interchange we wrote and archived, with its control numbers."""

    sha256: str
    relative: str
    isa13: str
    gs06: str
    st02: tuple[str, ...]
    set_id: str = "TA1"
    """The first set's id; TA1 when the interchange holds no set."""


def archived(archive: ArchiveBackend, data: bytes) -> Written:
    """Archive an interchange we wrote, and read its control numbers back from it."""
    c = read_controls(data)
    put = archive.put(data)
    return Written(put.sha256, put.relative, c.isa13, c.gs06, c.st02, c.set_id)


def ack_due(partner: Partner, set_id: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the partner's 997/999 for a ``set_id`` sent ``now`` is due (None: none is expected)."""
    if set_id not in ACKED_SETS:
        return None
    return (now or dt.datetime.now(dt.UTC)) + dt.timedelta(hours=partner.acks.expect_within_hours)


def _fields(written: Written, partner: Partner, key: str, transmission_id: int | None, document_id: int | None,
            sets: list[tuple[str, int | None]]) -> dict[str, Any]:
    return dict(set_id=written.set_id, key=key, isa13=written.isa13, gs06=written.gs06,
                st02=written.st02[0] if written.st02 else "", archive_path=written.relative,
                sha256=written.sha256, transmission_id=transmission_id, document_id=document_id,
                ack_due_at=ack_due(partner, written.set_id), sets=sets)


def record_written(numbers: OutboundNumbers, written: Written, partner: Partner, key: str,
                   transmission_id: int | None,
                   document_ids: Sequence[int] = ()) -> Outbound:
    """Record an archived interchange of a transmission under ``key``, each of its sets
    carrying its document (in order) where it has one, committing the numbers it spent."""
    carried = [*document_ids, *[None] * (len(written.st02) - len(document_ids))]
    out, _ = numbers.record(**_fields(written, partner, key, transmission_id,
                                      document_ids[0] if len(document_ids) == 1 else None,
                                      list(zip(written.st02, carried, strict=True))))
    return out


def write_recorded(numbers: OutboundNumbers, archive: ArchiveBackend, flow: PartnerSetup, functional_id: str,
                   sets: Collection[TransactionContent], keys: Sequence[tuple[str, Document]], *,
                   transmission_id: int | None = None) -> list[Outbound]:
    """One interchange in the partner's envelope, archived and recorded once per (key, order)
    in the commit that spends its control numbers (open ``numbers`` with
    `Store.outbound_numbers`): a failure or a key already recorded leaves no gap. Recorded
    under each order's transmission, or under ``transmission_id`` (an ERP's reply) when given."""
    data = write_interchange(flow.envelope(), [GroupContent(functional_id, tuple(sets))],
                             numbers.blocks(1, len(sets)))
    written = archived(archive, data)
    return [out for out, _ in numbers.record_all([
        _fields(written, flow.partner, key, transmission_id or doc.transmission_id, doc.id, [(n, doc.id) for n in written.st02])
        for key, doc in keys])]
