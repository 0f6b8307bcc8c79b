"""The translate stage (``map`` in the timeline): the accepted 850s saved as canonical
orders, and the accepted 860s applied to the orders they name, a page per commit.

Resume policy: once finished it is not run again. Resumed part way, it finds the pages an
earlier pass saved under this transmission and creates nothing twice; orders a failed
earlier attempt stored are adopted, others already received are duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from edigate.errors import UsageError
from edigate.mapping.findings import Severity as MapSeverity
from edigate.stages.order_changes import translate_changes
from edigate.orders.purposes import Amendments
from edigate.stages.context import PAGE, Parts, Run, add_log
from edigate.stages.errorlog import duplicate_order, not_stored
from edigate.stages.foreseen import KEPT_BYTES, Decider, Foreseen
from edigate.stages.parallel import SetKey, Translated, translate_range, translate_sets
from edigate.store import DocumentKind, ErrorEntry, NewDocument, Severity, Status

__all__ = ["NAME", "run", "save_orders"]

NAME = "map"

_MAP_SEVERITY = {MapSeverity.ERROR: Severity.ERROR, MapSeverity.WARNING: Severity.WARNING,
                 MapSeverity.NOTE: Severity.INFO}
"""A mapping finding's severity in the error log: a note (a segment no field reads) is info."""


def run(parts: Parts, run: Run) -> Status | None:
    """Accepted 850s, then accepted 860s; the helper process, if any, is done with after it."""
    try:
        _orders(parts, run)
        return _changes(parts, run)
    finally:
        run.close_helper()


def _orders(parts: Parts, run: Run) -> None:
    """Accepted 850s saved as canonical orders. A big file's later sets are translated by a
    helper process meanwhile (`edigate.stages.parallel`); its results are saved after ours,
    in file order."""
    accepted, name = frozenset(run.accepted_sets), run.tx.file_name
    if run.helper is None and parts.parallel(len(accepted)):
        run.helper = parts.helper(run, accepted, start=len(accepted) // 2)
    helper, done = run.helper, set[SetKey]()
    if helper is not None:  # the orders it can, and ours, decided as translated: the decide stage records them
        helper.decide(Decider.request(run.flow))
    decider = None if helper is None else Decider.of(run.flow)
    read, run.read_ours = run.read_ours, None  # read by the validate stage, for this helper's share
    ours = (translate_range(run.data, name, run.flow.inbound, run.partner.id, accepted,
                            stop=None if helper is None else helper.start, decider=decider) if read is None
            else translate_sets(read, run.flow.inbound, run.partner.id, accepted, decider))
    _save(parts, run, ours, done)
    if helper is not None:
        theirs = helper.results() or translate_range(run.data, name, run.flow.inbound, run.partner.id,
                                                     accepted, start=helper.start)
        _save(parts, run, (t for t in theirs if (t.isa13, t.gs06, t.st02) in accepted), done)
        if missing := accepted - done:  # the helper judged a set otherwise than validate did
            _save(parts, run, translate_range(run.data, name, run.flow.inbound, run.partner.id, missing), done)


def _changes(parts: Parts, run: Run) -> Status | None:
    """Accepted 860s, each applied to the order it names and saved as that order changed
    (decided, stocked, routed and answered like an 850 change from here on)."""
    if not run.accepted_changes:
        return None
    if run.flow.inbound_860 is None:
        raise UsageError(f"partner {run.partner.id} sent an 860 but names no map for it "
                         "(documents.inbound.860 in its partner file)")
    held = Amendments(parts.store).held
    _save(parts, run, translate_changes(run.data, run.tx.file_name, run.flow.inbound_860, run.partner.id,
                                        run.accepted_changes, lambda po: held(run.partner.id, po)), set())
    return None


def _save(parts: Parts, run: Run, translated: Iterable[Translated], done: set[SetKey]) -> None:
    documents: list[NewDocument] = []
    foreseen: list[Foreseen | None] = []
    entries: list[ErrorEntry] = []
    for t in translated:
        done.add((t.isa13, t.gs06, t.st02))
        entries += [ErrorEntry(NAME, f.code, f.message, _MAP_SEVERITY[f.severity], isa13=t.isa13, gs06=t.gs06,
                               st02=t.st02, segment_id=f.segment_id, segment_position=f.segment_position,
                               element_position=f.element, value=f.value, hint=f.hint) for f in t.findings]
        if t.key is not None and t.body is not None:
            documents.append(NewDocument(DocumentKind.ORDER, run.partner.id, t.key, t.body, run.tx.id))
            foreseen.append(t.foreseen)
        else:
            entries.append(not_stored(run.tx.id, t.isa13, t.gs06, t.st02))
        if len(documents) == PAGE:
            save_orders(parts, run, documents, entries, foreseen)
            documents, entries, foreseen = [], [], []
    save_orders(parts, run, documents, entries, foreseen)


def save_orders(parts: Parts, run: Run, documents: Sequence[NewDocument], entries: list[ErrorEntry],
                foreseen: Sequence[Foreseen | None] = ()) -> None:
    """Orders saved and their findings logged; the decisions ``foreseen`` for them (in
    order) kept for the decide stage, for the orders this call created."""
    saved = parts.store.save_documents(documents)
    for s, decision in zip(saved, foreseen, strict=False):
        if decision is not None and s.created and s.document is not None and run.foreseen_bytes < KEPT_BYTES:
            run.foreseen[s.document.id] = decision
            run.foreseen_bytes += decision.size
    if saved and not any(s.created or s.duplicate_of for s in saved):
        return  # an earlier, interrupted pass saved this page and logged its findings
    repeated = [s.duplicate_of for s in saved if s.duplicate_of is not None]
    adopted = {d.id for d in repeated if d.transmission_id in run.failed_before}
    if adopted:  # a failed attempt stored them: this one decides, routes and answers them
        parts.store.adopt_documents(sorted(adopted), run.tx.id)
    entries += [duplicate_order(parts.store, d) for d in repeated if d.id not in adopted]
    add_log(parts, run, entries)
