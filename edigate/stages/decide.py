"""The decide stage (``rules`` in the timeline): each order decided by the partner's rules,
purposes and stock (`PartnerSetup.decide`): accepted, held for a specialist, or rejected.

An order a specialist released from the queue (marked `RELEASED`) is not decided again: a
reprocess of its transmission (its delivery failed) keeps the release, its export and 855.
In a big file most orders come decided already, where they were translated
(`edigate.stages.foreseen`): the stage records those as it would have decided them.

Resume policy: once finished it is not run again. Resumed part way, it decides each order
again, a page per commit; an order whose status and export did not change is not written
again, and stock an order already took stays taken.
"""

from __future__ import annotations

from edigate.config.partner_setup import PartnerSetup
from edigate.errors import EdigateError
from edigate.mapping.locate import SetPositions
from edigate.model import Order, PoAck, dumps
from edigate.orders.decision import Decision
from edigate.orders.decision import Outcome as DecisionOutcome
from edigate.orders.rules import RuleFinding
from edigate.stages.context import PAGE, Parts, Run, add_log, order_of_body, pages, severity
from edigate.stages.errorlog import UNDECIDED, set_failure
from edigate.stages.foreseen import Foreseen, render_ack
from edigate.store import Document, DocumentStatus, ErrorEntry, Severity, Status

__all__ = ["NAME", "RELEASED", "render_855", "run"]

NAME = "rules"
RELEASED = "rules.released"
"""Mark kind: an order a specialist released (key: document id); the desk's decision stands."""

_DOCUMENT_STATUS = {DecisionOutcome.ACCEPTED: DocumentStatus.ACCEPTED, DecisionOutcome.HELD: DocumentStatus.HELD,
                    DecisionOutcome.REJECTED: DocumentStatus.REJECTED}

_Decided = tuple[DocumentStatus, str | None, str | None]
"""What the store keeps of a decision: the order's status, its 855 body, its export."""


def run(parts: Parts, run: Run) -> Status | None:
    """Each order decided, a page per commit. From `bulk_855` orders on, each one's 855
    body is kept with its status, so the answer stage sends it without deciding again;
    a few orders are decided again there instead, which costs less than writing them."""
    keep = False
    positions = SetPositions(run.data, run.tx.file_name)
    for page in pages(parts, run):
        keep = keep or len(page) >= min(parts.bulk_855, PAGE)
        entries: list[ErrorEntry] = []
        decided: dict[int, _Decided] = {}
        released = parts.store.marked(RELEASED, [str(d.id) for d in page])
        for doc in (d for d in page if str(d.id) not in released):
            if (got := _decided(run, doc, entries, positions, keep)) is not None:
                decided[doc.id] = got
        parts.store.record_decisions(decided)
        add_log(parts, run, entries)
    run.foreseen.clear()  # a released order's, say
    return None


def _decided(run: Run, doc: Document, entries: list[ErrorEntry], positions: SetPositions,
             keep: bool) -> _Decided | None:
    """What to write of one order's decision (None: nothing changed), its findings logged."""
    decision = run.foreseen.pop(doc.id, None) or _foreseen(run, doc, entries, keep)
    if decision is None:
        return DocumentStatus.HELD, None, None  # never routed undecided
    status = _DOCUMENT_STATUS[decision.outcome]
    entries += [_rule_entry(positions.locate(f), severity(status is not DocumentStatus.ACCEPTED))
                for f in decision.findings]
    if not keep and doc.status is status and decision.export == doc.decided:
        return None
    if keep and decision.ack_body is not None and decision.ack_text is not None:
        run.answers[doc.id] = decision.ack_body, decision.ack_text
    return status, decision.ack_body if keep else None, decision.export


def _foreseen(run: Run, doc: Document, entries: list[ErrorEntry], keep: bool) -> Foreseen | None:
    """The order's decision made here, for any order, as `edigate.stages.foreseen` makes it
    for one that reads nothing from the store (its 855 body only when ``keep``); None when
    the rules could not decide."""
    order = order_of_body(doc.body)
    if (decision := _decide(run, doc, order, entries)) is None:
        return None
    answered_by_855 = order.source is None or order.source.set_id != "860"  # an 860's answer is an 865
    return Foreseen(decision.outcome, decision.findings,
                    dumps(decision.export) if decision.export is not None else None,
                    render_855(run.flow, decision.ack) if keep and answered_by_855 else None)


def _decide(run: Run, doc: Document, order: Order, entries: list[ErrorEntry]) -> Decision | None:
    """The rules' decision on one order; None, with the set named in the log, when they
    could not decide (the transmission then fails; its reprocess decides again)."""
    try:
        return run.flow.decide(order, document_id=doc.id)
    except EdigateError as exc:
        entries.append(set_failure(NAME, UNDECIDED, order, exc, run.tx.id))
        return None


def render_855(flow: PartnerSetup, ack: PoAck | None) -> str | None:
    """The 855 body for ``ack`` as the store keeps it; None when there is none to keep (the
    answer stage then renders it itself, and reports what stops it)."""
    return render_ack(flow.outbound_855, ack)


def _rule_entry(f: RuleFinding, level: Severity) -> ErrorEntry:
    return ErrorEntry(NAME, f.code, f.message, level, isa13=f.isa13, gs06=f.gs06, st02=f.st02,
                      segment_position=f.segment_position, segment_id=f.segment_id, element_position=f.element,
                      value=f.value, hint=f.hint,
                      po_number=f.po_number, line_number=f.line, sku=f.sku, buyer_item=f.buyer_item)
