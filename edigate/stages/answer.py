"""The answer stage (``outbound`` in the timeline): an 855 for each decided order, or an
865 for an order an 860 changed (when the partner names an 865 map), written in the
partner's envelope and recorded for the send stage.

`answer_order` is the one way an order is answered: the stage and the desk (release,
reject) both write through `write_answers`, so numbering, recording and the ack due time
are the same. From `Parts.bulk_855` decided orders on, the 855s travel in interchanges of
up to `BULK_855_SETS` sets, each recorded once under the transmission; an 860's 865 is
answered on its own either way, as it is for a small file. An 855 the decide stage recorded
from what was foreseen (`edigate.stages.foreseen`) goes in as it was written then.

Resume policy: once finished it is not run again. Resumed part way, an order whose answer
is recorded (by its key) is not answered twice; each interchange's numbers are spent in
the commit that records it.
"""

from __future__ import annotations

from collections.abc import Iterator

from edigate.config.partner_setup import PartnerSetup
from edigate.errors import EdigateError
from edigate.model import Order, PoAck, Purpose
from edigate.orders.changes import with_deleted_lines
from edigate.stages.context import Parts, Run, add_log, order_of_body, pages
from edigate.stages.delivery import undelivered
from edigate.stages.errorlog import set_failure
from edigate.stages.outputs import archived, record_written
from edigate.store import Document, DocumentKind, DocumentStatus, Outbound, Status, Store
from edigate.store.archive import ArchiveBackend
from edigate.x12.segment import Segment, load_segments
from edigate.x12.writer import GroupContent, TransactionContent, write_interchange

__all__ = ["BULK_855_SETS", "NAME", "answer_order", "run", "write_answers"]

NAME = "outbound"
BULK_855_SETS = 1000
"""The most 855s in one bulk interchange."""

_FUNCTIONAL_IDS = {"855": "PR", "865": "CA"}
"""GS01 of each answer to an order: 855 acknowledgments, 865 change acknowledgments."""

_Chunk = list[tuple[int, TransactionContent]]
"""Answers in one interchange: (document id, set)."""


def write_answers(store: Store, archive: ArchiveBackend, flow: PartnerSetup, key: str, chunk: _Chunk,
                  transmission_id: int | None) -> Outbound | None:
    """One interchange of 855s or 865s, numbered and recorded under ``key`` in one commit
    (a crash leaves no gap); None when ``chunk`` is empty."""
    if not chunk:
        return None
    with store.outbound_numbers(flow.partner.id) as numbers:
        group = GroupContent(_FUNCTIONAL_IDS[chunk[0][1].set_id], tuple(c for _, c in chunk))
        data = write_interchange(flow.envelope(), [group], numbers.blocks(1, len(chunk)))
        return record_written(numbers, archived(archive, data), flow.partner, key, transmission_id,
                              [d for d, _ in chunk])


def answer_order(store: Store, archive: ArchiveBackend, flow: PartnerSetup, doc: Document, ack: PoAck) -> Outbound | None:
    """The 855 ``ack`` for order ``doc`` (the desk's release and reject); None when the
    partner takes no 855."""
    if flow.outbound_855 is None:
        return None
    content = TransactionContent("855", flow.outbound_855.render(ack))
    return write_answers(store, archive, flow, f"855:{doc.id}", [(doc.id, content)], doc.transmission_id)


def run(parts: Parts, run: Run) -> Status | None:
    """Each decided order not answered yet answered, alone or, from `bulk_855` on, in bulk."""
    if run.flow.outbound_855 is None and run.flow.outbound_865 is None:
        return None
    count = parts.store.count_documents(transmission_id=run.tx.id, kind=DocumentKind.ORDER,
                                        excluding=(DocumentStatus.HELD,))
    if count >= parts.bulk_855:
        _in_bulk(parts, run)
        return None
    for doc in _answerable(parts, run):
        _alone(parts, run, doc, None)
    return None


def _answerable(parts: Parts, run: Run) -> Iterator[Document]:
    """The transmission's orders that are not held and reached every destination (an
    order whose payload did not is answered once it does)."""
    for page in pages(parts, run):
        waiting = undelivered(parts.store, page)
        yield from (d for d in page if d.status is not DocumentStatus.HELD and d.id not in waiting)


def _alone(parts: Parts, run: Run, doc: Document, order: Order | None) -> None:
    """An order's answer in an interchange of its own, unless one is recorded already."""
    if {f"855:{doc.id}", f"865:{doc.id}"} & run.recorded:
        return
    if (answer := _answer(parts, run, doc, order or order_of_body(doc.body))) is not None:
        key = f"{answer.set_id}:{doc.id}"
        write_answers(parts.store, parts.archive, run.flow, key, [(doc.id, answer)], run.tx.id)
        run.recorded.add(key)


def _in_bulk(parts: Parts, run: Run) -> None:
    """The 855s in interchanges of up to `BULK_855_SETS` sets, each built one at a time; an
    order an 860 changed is answered alone (an 865), as in a small file."""
    key, chunk, n = "", _Chunk(), 0
    for doc in _answerable(parts, run):
        order = None if doc.ack_body is not None else order_of_body(doc.body)  # a kept body is an 855's
        if order is not None and _changed_by_860(order):
            _alone(parts, run, doc, order)
            continue
        chunk_key = f"855:{run.tx.id}:bulk:{n // BULK_855_SETS + 1}"
        n += 1
        if chunk_key != key:
            _record_chunk(parts, run, key, chunk)
            key, chunk = chunk_key, []
        if key not in run.recorded and (content := _content_855(parts, run, doc, order)) is not None:
            chunk.append((doc.id, content))
    _record_chunk(parts, run, key, chunk)
    run.answers.clear()


def _content_855(parts: Parts, run: Run, doc: Document, order: Order | None) -> TransactionContent | None:
    """The order's 855 as the decide stage wrote it this pass (`Run.answers`) while the body
    it recorded is the one stored; else its stored body's segments (`_body_855`)."""
    kept = run.answers.pop(doc.id, None)
    if kept is not None and kept[0] == doc.ack_body:
        return TransactionContent("855", (), rendered=kept[1])
    body = _body_855(parts, run, doc, order)
    return None if body is None else TransactionContent("855", body)


def _record_chunk(parts: Parts, run: Run, key: str, chunk: _Chunk) -> None:
    if write_answers(parts.store, parts.archive, run.flow, key, chunk, run.tx.id) is not None:
        run.recorded.add(key)


def _changed_by_860(order: Order) -> bool:
    return order.source is not None and order.source.set_id == "860"


def _answer(parts: Parts, run: Run, doc: Document, order: Order) -> TransactionContent | None:
    """The 855 for an order, or the 865 for an order an 860 changed (when the partner
    names an 865 map; without one, such an order is not answered)."""
    if not _changed_by_860(order) or doc.ack_body is not None:  # a release kept the 855 it answers with
        body = _body_855(parts, run, doc, order) if run.flow.outbound_855 is not None else None
        return None if body is None else TransactionContent("855", body)
    ack = run.flow.decide(order, document_id=doc.id).ack
    if ack is None or run.flow.outbound_865 is None:
        return None
    if doc.amends is not None and order.purpose is not Purpose.CANCEL:  # a cancel keeps its lines
        ack = with_deleted_lines(ack, order_of_body(parts.store.document(doc.amends).body), order)
    return TransactionContent("865", run.flow.outbound_865.render(ack))


def _body_855(parts: Parts, run: Run, doc: Document, order: Order | None) -> tuple[Segment, ...] | None:
    """The order's 855 body as the decide stage rendered it; decided and rendered again
    when none was kept (a row from before bodies were kept; stock taken stays taken).
    None when there is none to send, or it cannot be written (the set named in the log)."""
    if doc.ack_body is not None:
        return load_segments(doc.ack_body)
    order = order or order_of_body(doc.body)
    try:
        ack = run.flow.decide(order, document_id=doc.id).ack
        return None if ack is None or run.flow.outbound_855 is None else run.flow.outbound_855.render(ack)
    except EdigateError as exc:
        add_log(parts, run, [set_failure(NAME, "poack.unwritten", order, exc, run.tx.id)])
        return None
