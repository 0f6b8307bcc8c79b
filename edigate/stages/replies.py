"""The reply stage: what an ERP decided, shipped and billed, for a stored order, told to the
partner as the 855, 856 or 810.

A file from a SAP target's ``replies`` channel (`edigate.stages.receive.REPLIES`) is a
transmission like any other: archived and recorded first, then claimed by a worker, which
runs this stage instead of the X12 ones, then the send stage. The IDoc (XML, read without
entities or network by `edigate.connectors.sap_replies`) is an order response (ORDRSP ->
PoAck -> 855), a delivery (DESADV -> Shipment -> 856) or an invoice (INVOIC -> Invoice ->
810) for an order the partner sent us; the 856 and 810 are recorded as the desk's ship and
invoice record theirs (`edigate.stages.fulfillment.Recorder`), under this transmission.
What cannot be read, or names an order we do not hold, fails the transmission with its
error log: fixed, it is reprocessed like any other.

`take_reply` is the same for a reply that did not come as a file (NetSuite's SuiteQL,
read by a poller): a `Reply` value, recorded the same way.

Resume policy: once finished it is not run again; resumed part way, a shipment or invoice
already recorded (by its key) is reported, not recorded twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from edigate.errors import DataError, EdigateError
from edigate.model import Invoice, PoAck, Shipment, from_json, to_json
from edigate.stages.answer import write_answers
from edigate.stages.commerce import tell_shipped
from edigate.stages.context import Parts, Run, add_log
from edigate.stages.fulfillment import Recorder, orders_by_po
from edigate.stages.receive import REPLIES
from edigate.store import Document, ErrorEntry, Outbound, Severity, Status, Transmission
from edigate.x12.writer import TransactionContent

__all__ = ["NAME", "Reply", "is_reply", "read_reply", "reply_bytes", "run", "take_reply"]

NAME = "reply"


@dataclass(frozen=True, slots=True)
class Reply:
    """What an ERP said of our orders: an acknowledgment, a shipment or an invoice."""

    what: PoAck | Shipment | Invoice


def is_reply(tx: Transmission) -> bool:
    """Whether a transmission came on an ERP's reply channel (it runs the reply stages)."""
    return tx.channel.startswith(REPLIES)


_KINDS: dict[str, type[PoAck | Shipment | Invoice]] = {"po_ack": PoAck, "shipment": Shipment, "invoice": Invoice}


def reply_bytes(reply: Reply) -> bytes:
    """A reply an ERP gave over its API (NetSuite's SuiteQL) as the file a transmission
    keeps: the canonical JSON, so the same answer read twice is the same bytes."""
    kind = next(k for k, cls in _KINDS.items() if isinstance(reply.what, cls))
    return json.dumps({"edigate_reply": kind, "body": to_json(reply.what)}, sort_keys=True).encode()


def read_reply(data: bytes) -> Reply:
    """A reply file as a `Reply`: the canonical JSON of `reply_bytes`, or an IDoc from SAP
    by its message type; `DataError` when it is none we take."""
    from edigate.connectors import sap_replies

    if data.lstrip()[:1] == b"{":
        return _canonical(data)
    return Reply(sap_replies.document(data))


def _canonical(data: bytes) -> Reply:
    try:
        found = json.loads(data)
        return Reply(from_json(_KINDS[found["edigate_reply"]], found["body"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"not a reply edigate reads: {exc}", code="reply.unreadable") from exc


def run(parts: Parts, run: Run) -> Status | None:
    """The transmission's IDoc as the partner's 855, 856 or 810; an error log line and a
    failed transmission when it cannot be."""
    try:
        take_reply(parts, run.flow.partner.id, read_reply(run.data), run=run)
    except EdigateError as exc:
        add_log(parts, run, [ErrorEntry(NAME, exc.code, exc.message,
                                        hint=f"fix the cause (the order, the partner's maps), then edigate tx "
                                             f"reprocess {run.tx.id}")])
        return Status.FAILED
    return None


def take_reply(parts: Parts, partner: str, reply: Reply, *, run: Run) -> tuple[Outbound, ...]:
    """Record ``reply`` against the partner's stored orders, with its X12, under the run's
    transmission (the send stage sends it)."""
    docs = orders_by_po(parts.store, partner)
    recorder = Recorder(parts.store, parts.archive, parts.maps, run.flow, run.tx.id)
    what = reply.what
    if isinstance(what, PoAck):
        return _acknowledged(parts, run, what, _order(docs, what.po_number))
    if isinstance(what, Shipment):
        for so in what.orders:
            _order(docs, so.po_number)
        sent = recorder.shipment(what, docs)
        add_log(parts, run, [ErrorEntry(NAME, "commerce.not_told", problem, Severity.WARNING)
                             for problem in tell_shipped(parts.store, run.partner, what, docs)])
        return sent
    return (recorder.invoice(_order(docs, what.po_number), what, what.invoice_number),)


def _order(docs: Mapping[str, Document], po: str) -> Document:
    found = docs.get(po)
    if found is None:
        raise DataError(f"PO {po} is no order we hold for this partner", code="reply.unknown_order")
    return found


def _acknowledged(parts: Parts, run: Run, ack: PoAck, doc: Document) -> tuple[Outbound, ...]:
    """The ERP's order response as an 855 (keyed by its number, so one response is one 855)."""
    if run.flow.outbound_855 is None:
        raise DataError(f"partner {run.flow.partner.id} takes no 855 (documents.outbound)", code="reply.no_855")
    content = TransactionContent("855", run.flow.outbound_855.render(ack))
    key = f"855:{doc.id}:erp:{ack.ack_number or run.tx.sha256[:16]}"
    out = write_answers(parts.store, parts.archive, run.flow, key, [(doc.id, content)], run.tx.id)
    return () if out is None else (out,)
