"""Functional acks of what we sent: a partner's 997/999 applied to our outbound documents
(the validate stage reconciles each one it accepts), and what is still waiting for one
past its window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from edigate.errors import DataError
from edigate.store import AckStatus, ErrorEntry, Outbound, OutboundSet, Severity, Store
from edigate.x12.acks import read_functional_ack
from edigate.x12.envelope import Transaction

__all__ = ["Reconciled", "file_ack", "overdue", "reconcile_functional_ack"]

_ACK_STATUS = {"accepted": AckStatus.ACCEPTED, "accepted with errors": AckStatus.ACCEPTED,
               "partially accepted": AckStatus.PARTIAL, "rejected": AckStatus.REJECTED}


@dataclass(frozen=True, slots=True)
class Reconciled:
    outbounds: tuple[Outbound, ...]
    rejected: tuple[Outbound, ...]


def reconcile_functional_ack(store: Store, partner: str, transmission: int, ack: Transaction) -> Reconciled:
    """Apply a received 997/999 to our outbound documents by GS06 (and ST02 per AK2/IK2).

    Rejected documents become exceptions: an error entry on the ack's transmission naming them.
    """
    group = read_functional_ack(ack.body)
    if not group.control_number:
        raise DataError(f"the {ack.set_id} names no functional group (AK1 missing)", code="ack.unreadable")
    overall = AckStatus.REJECTED if group.status == "rejected" else AckStatus.ACCEPTED
    result = f"{ack.set_id} AK9 {group.status}" + (f" ({', '.join(group.codes)})" if group.codes else "")
    touched = {o.id: o for o in store.record_ack(partner=partner, gs06=group.control_number, status=overall,
                                                 result=result, ack_transmission_id=transmission)}
    for s in group.sets:
        detail = "; ".join([s.status, *s.codes, *(e.strip() for e in s.errors)])
        status = _ACK_STATUS.get(s.status, AckStatus.REJECTED)
        with store.unit():  # the set's ack and what it makes of each file's, together
            for out, sets in store.record_set_ack(partner=partner, gs06=group.control_number, st02=s.control_number,
                                                  status=status, result=detail):
                touched[out.id] = store.set_ack(out.id, *file_ack(sets, status, detail),
                                                ack_transmission_id=transmission)
    rejected = tuple(o for o in touched.values() if o.ack_status in (AckStatus.REJECTED, AckStatus.PARTIAL))
    store.add_errors(transmission, [*_exceptions(partner, rejected), *_unmatched(ack, group.control_number, touched)])
    return Reconciled(tuple(touched.values()), rejected)


def file_ack(sets: Sequence[OutboundSet], status: AckStatus, result: str) -> tuple[AckStatus, str]:
    """A file's own ack once one of its sets was acked ``status``: a file of one set takes the
    set's; a file of several (a bulk 855) is rejected once all its sets are, partial while
    some are, and its result lists the sets refused (`Store.outbound_sets` tells which orders)."""
    if len(sets) <= 1:
        return status, result
    refused = [x for x in sets if x.ack_status is AckStatus.REJECTED]
    overall = (AckStatus.REJECTED if len(refused) == len(sets) else
               AckStatus.PARTIAL if refused else AckStatus.ACCEPTED)
    summary = "; ".join(f"ST02 {x.st02}: {x.ack_result}" for x in refused)
    return overall, summary or result


def _exceptions(partner: str, rejected: Iterable[Outbound]) -> list[ErrorEntry]:
    return [ErrorEntry("reconcile", "ack.rejected", f"{partner} rejected our {o.set_id} (ISA13 {o.isa13}, GS06 "
                       f"{o.gs06}, ST02 {o.st02}, {o.key}): {o.ack_result}", isa13=o.isa13, gs06=o.gs06, st02=o.st02,
                       hint="correct the document and send it again") for o in rejected]


def _unmatched(ack: Transaction, gs06: str, touched: dict[int, Outbound]) -> list[ErrorEntry]:
    if touched:
        return []
    return [ErrorEntry("reconcile", "ack.unmatched", f"the {ack.set_id} answers group {gs06}, which we did not send",
                       Severity.WARNING, gs06=gs06)]


def overdue(store: Store, now: dt.datetime | None = None) -> list[Outbound]:
    """Outbound documents still without an ack after their window."""
    return store.overdue_acks(now)
