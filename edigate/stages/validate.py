"""The validate stage: each set's structure checked against its spec and the partner's
leniency, the 997/999 (and TA1) written and recorded, a partner's own 997/999 reconciled
with what we sent, and an interchange we rejected giving its ISA13 back.

Resume policy: replayed. Once finished, it runs again quietly (no timeline entry, no
output, no log) while the translate stage has not finished, to find again the accepted
sets it hands on; after that it is not run again.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from edigate.errors import DataError
from edigate.stages.context import Parts, Run, add_log, entry, record_outbound
from edigate.stages.envelope import CHECKED_SHARE, MAIN_SHARE
from edigate.stages.foreseen import Decider
from edigate.stages.parallel import KEPT_SETS, set_key
from edigate.stages.reconcile import reconcile_functional_ack
from edigate.store import ErrorEntry, Severity, Status
from edigate.x12.findings import FileFindings, Finding
from edigate.x12.envelope import Transaction
from edigate.x12.respond import Answer, answer_file
from edigate.x12.writer import Counter

__all__ = ["NAME", "run"]

NAME = "validate"


class _Checks:
    """The check `answer_file` runs on each set: ours or the helper's findings, kept within
    the per-file budget, and the sets it accepts sorted for the stages after."""

    def __init__(self, parts: Parts, run: Run) -> None:
        self.run = run
        self.entries: list[ErrorEntry] = []
        self.functional_acks: list[Transaction] = []
        self.ordinals = itertools.count()
        self.budget = FileFindings(parts.limits.per_file)

    def __call__(self, tx: Transaction) -> Sequence[Finding]:
        run = self.run
        n, helper = next(self.ordinals), run.helper
        if helper is not None and n == helper.checked_from:  # ours are checked: the helper may translate
            helper.decide(Decider.request(run.flow), run.accepted_sets)
        theirs = (helper.validated(n - helper.checked_from, set_key(tx)) if helper and n >= helper.checked_from
                  else None)
        found = run.flow.validator(tx) if theirs is None else theirs  # None: ours, or the helper has no answer
        self.entries.extend(entry(NAME, f) for f in self.budget.take(found))
        sound = not any(f.is_error for f in (*tx.findings, *found))
        if sound:
            run.sound_interchanges.add(tx.interchange.control_number)
        if tx.set_id == "850" and sound:
            run.accepted_sets.add(set_key(tx))
            if run.read_ours is not None and helper is not None and n < helper.start:
                run.read_ours.append(tx)
                if len(run.read_ours) > KEPT_SETS:  # a file too big to hold: the map stage reads it again
                    run.read_ours = None
        elif tx.set_id == "860" and sound:
            run.accepted_changes.add(set_key(tx))
        elif tx.set_id in ("997", "999") and sound:
            self.functional_acks.append(tx)  # small: a partner's answer to what we sent
        return found


def run(parts: Parts, run: Run) -> Status | None:
    """Structure and the functional acks; once finished, only the accepted sets again, quietly."""
    check = _Checks(parts, run)
    if NAME in run.finished:
        for answer in answer_file(run.data, Counter(), request=run.flow.ack_request(), check=check,
                                  name=run.tx.file_name, leniency=run.partner.leniency):
            _drop_rejected(run, answer)
        return None
    if run.helper is None and parts.parallel(run.set_count):
        assert run.set_count is not None
        run.helper = parts.helper(run, None, start=int(run.set_count * MAIN_SHARE),
                                  checked_from=int(run.set_count * CHECKED_SHARE))
    if run.helper is not None:
        run.read_ours = []
    with parts.store.outbound_numbers(run.partner.id) as numbers:
        for answer in answer_file(run.data, numbers, request=run.flow.ack_request(), check=check,
                                  name=run.tx.file_name, leniency=run.partner.leniency,
                                  max_findings=parts.limits.per_file):
            if run.retry.ack_again or not _answered_before(parts, run, answer.answers_interchange):
                record_outbound(parts, run, numbers, f"ack:{run.tx.id}:{answer.answers_interchange}", answer.data)
            else:
                numbers.discard()  # the numbers this answer drew go back: the next answer takes them, no gap
            _drop_rejected(run, answer)
    if run.helper is not None:  # unless told already (a file of fewer sets than estimated)
        run.helper.decide(Decider.request(run.flow), run.accepted_sets)
    if (rest := check.budget.rest()) is not None:
        check.entries.append(entry(NAME, rest))
    add_log(parts, run, check.entries)
    for ack in check.functional_acks:
        try:
            reconcile_functional_ack(parts.store, run.partner.id, run.tx.id, ack)
        except DataError as exc:
            add_log(parts, run, [ErrorEntry(NAME, exc.code, exc.message, Severity.WARNING)])
    if not run.partner.duplicates.reserve_rejected:
        _release_rejected(parts, run)
    return None


def _answered_before(parts: Parts, run: Run, isa13: str) -> bool:
    """Whether an earlier attempt of this transmission sent the 997/999 for this interchange
    (a TA1 025 refusing it as a duplicate is no answer): a reprocess answers an interchange
    once only, unless ``tx reprocess --ack-again``."""
    earlier = {int(k.split(":")[1]) for k in run.recorded
               if k.startswith("ack:") and k.endswith(f":{isa13}") and k != f"ack:{run.tx.id}:{isa13}"}
    return any(o.key == f"ack:{t}:{isa13}" and o.set_id in ("997", "999")
               for t in earlier for o in parts.store.outbounds(t))


def _drop_rejected(run: Run, answer: Answer) -> None:
    """A TA1 rejected the interchange: none of its sets is mapped, decided or answered, and
    its ISA13 is not kept (`_release_rejected`)."""
    if answer.rejected:
        run.rejected_interchanges.add(answer.answers_interchange)
        run.accepted_sets.difference_update([k for k in run.accepted_sets if k[0] == answer.answers_interchange])


def _release_rejected(parts: Parts, run: Run) -> None:
    """An interchange we rejected (its envelope, or every set of it) gives its ISA13
    back, so the partner's corrected resend under the same number is processed."""
    isa13 = parts.store.transmission(run.tx.id).isa13
    if isa13 is None:
        return
    rejected = isa13 in run.rejected_interchanges or (
        isa13 not in run.sound_interchanges and any(stage in ("envelope", NAME)
                                                    for stage, _ in parts.store.error_codes(run.tx.id)))
    if rejected:
        parts.store.release_interchange(run.partner.id, isa13, run.tx.id)
