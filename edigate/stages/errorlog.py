"""The error-log lines the pipeline writes about a whole file or set: a file received again,
a stage that could not go on, an envelope that is not the partner's, a set accepted by our
997/999 that became no order, rejections nobody was told of."""

from __future__ import annotations

from edigate.errors import ConfigError, EdigateError
from edigate.stages.identify import Mismatch
from edigate.model import Order
from edigate.stages.resends import explain_duplicate
from edigate.store import Document, ErrorEntry, Severity, Store
from edigate.x12.envelope import Interchange
from edigate.x12.findings import Finding, Level
from edigate.x12.findings import Severity as FindingSeverity

__all__ = ["UNANSWERED", "UNDECIDED", "duplicate_entry", "duplicate_isa13", "duplicate_order", "failure_entry",
           "mismatch_entry", "not_stored", "set_failure"]

UNANSWERED = ErrorEntry("validate", "ack.unanswered", "sets were rejected but no 997/999 or TA1 tells the partner",
                        hint="acks.functional is none for this partner: tell them by other means, then resolve")


UNDECIDED = "order.undecided"
"""The code of an order the rules could not decide: it fails the transmission."""


def set_failure(stage: str, code: str, order: Order, exc: EdigateError, transmission_id: int) -> ErrorEntry:
    """One order a stage could not take, named by PO and its set's control numbers."""
    src = order.source
    return ErrorEntry(stage, code, f"PO {order.po_number}: {exc.message}", isa13=src.isa13 if src else None,
                      gs06=src.gs06 if src else None, st02=src.st02 if src else None,
                      po_number=order.po_number, hint=f"fix the cause, then edigate tx reprocess {transmission_id}")


def not_stored(transmission_id: int, isa13: str, gs06: str, st02: str) -> ErrorEntry:
    """A set our 997/999 accepted that the map could not turn into an order: its answer waits."""
    return ErrorEntry("map", "order.not_stored", f"ST02 {st02} (GS06 {gs06}, ISA13 {isa13}) was accepted by our "
                      "997/999 but could not be translated: no order was stored and none answered", isa13=isa13,
                      gs06=gs06, st02=st02, hint=f"fix the map or the partner's data, then edigate tx reprocess "
                                                 f"{transmission_id}; the 855 goes once the order is stored")


def duplicate_isa13(store: Store, first: Interchange, earlier: int, action: str) -> Finding:
    """TA1 025 for an ISA13 already received: an error (the interchange goes no further)
    under ``reject_ta1_025``, else a warning."""
    severity = FindingSeverity.ERROR if action == "reject_ta1_025" else FindingSeverity.WARNING
    said = explain_duplicate(store, earlier)
    return Finding(Level.INTERCHANGE, "025", f"ISA13 {first.header.control_number} was already received in "
                   f"{said.text}", severity, f"a resend of an interchange already processed; {said.advice}",
                   interchange=first.header.control_number)


def duplicate_entry(store: Store, original: int, stage: str) -> ErrorEntry:
    """The log line of a file received again: which transmission it repeats, how that one
    stands, and what to do."""
    said = explain_duplicate(store, original)
    return ErrorEntry(stage, "tx.duplicate", f"the same bytes as {said.text}", Severity.INFO, hint=said.advice)


def duplicate_order(store: Store, earlier: Document) -> ErrorEntry:
    """A PO held already (by another transmission that is not a failed earlier attempt)."""
    said = explain_duplicate(store, earlier.transmission_id) if earlier.transmission_id else None
    where = f" in {said.text}" if said else ""
    return ErrorEntry("map", "order.duplicate", f"PO {earlier.key} was already received{where}", Severity.WARNING,
                      hint=f"a resend; nothing new was created{'; ' + said.advice if said else ''}")


def failure_entry(stage: str, exc: Exception, transmission_id: int) -> ErrorEntry:
    """The log line of a stage that could not go on: an `EdigateError` says why; anything
    else is a bug in edigate, named as such."""
    again = f"edigate tx reprocess {transmission_id}"
    if isinstance(exc, EdigateError):
        hint = f"once the configuration is fixed: {again}" if isinstance(exc, ConfigError) else \
            f"once the cause is fixed: {again}"
        return ErrorEntry(stage, exc.code, exc.message, hint=hint)
    return ErrorEntry(stage, "internal", f"unexpected {type(exc).__name__}: {exc}",
                      hint=f"a bug in edigate: report it with edigate tx show {transmission_id} --json")


def mismatch_entry(m: Mismatch) -> ErrorEntry:
    return ErrorEntry("envelope", m.code, m.message, isa13=m.isa13, gs06=m.gs06, segment_id=m.segment_id,
                      element_position=m.element, value=m.value, hint=m.hint)
