"""The envelope stage: control numbers and sets read, the file held to its partner's identity,
and an interchange resent under an ISA13 we already hold answered with TA1 025.

Resume policy: once finished it is not run again; what it found (the transmission's ISA13
and sets) is in the store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from edigate.config.partners import Partner
from edigate.errors import NotX12Error
from edigate.stages.context import ClaimLost, Parts, Run, add_log, entry, record_outbound
from edigate.stages.errorlog import duplicate_isa13, mismatch_entry
from edigate.stages.identify import UNKNOWN_PARTNER, Mismatch
from edigate.stages.parallel import count_sets
from edigate.store import EnvelopeSet, ErrorEntry, Outcome, Status, Transmission
from edigate.x12.acks import ack_envelope, ta1
from edigate.x12.envelope import EnvelopeReader, FunctionalGroup, Interchange, Transaction
from edigate.x12.findings import FileFindings, Finding
from edigate.x12.writer import write_interchange

__all__ = ["CHECKED_SHARE", "MAIN_SHARE", "NAME", "identify", "run", "unknown"]

NAME = "envelope"
MAIN_SHARE = Fraction(9, 20)
"""A big file's share of sets this process translates itself, the helper the rest
(`edigate.stages.parallel`; what each validates: `CHECKED_SHARE`). Less than half, as the
helper starts later (an interpreter and edigate's imports) and this process saves every
order; since both decide what they translate (`edigate.stages.foreseen`), two fifths left
this process waiting for the helper in the validate and map stages."""
CHECKED_SHARE = Fraction(11, 20)
"""The share of a big file's sets this process validates itself: more than it translates, as
the helper starts later; validating only its own nine twentieths, this process waited up to
0.3 s for the helper's findings. The helper is told which of the sets between the two shares
the validate stage accepted before it translates them."""
_NOT_X12_HINT = "check that the partner sent X12"


@dataclass
class _Envelopes:
    """What the envelope stage read: sets, findings, identity mismatches, the first interchange."""

    sets: list[EnvelopeSet] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    first: Interchange | None = None


def identify(parts: Parts, tx: Transmission) -> tuple[Transmission, Partner | None]:
    """The transmission's partner; one recorded as unknown is looked for again (configured
    since, a reprocess finds it). None when no configured partner's identity matches."""
    partner = parts.partners.get(tx.partner)
    if partner is None and tx.partner == UNKNOWN_PARTNER:
        found = parts.directory.identify(parts.archive.get(tx.sha256))
        partner = None if found is None else parts.partners[found]
        tx = tx if partner is None else parts.store.assign_partner(tx.id, partner.id)
    return tx, partner


def unknown(parts: Parts, tx: Transmission) -> Transmission:
    """A file no configured partner's identity matches: its envelope findings, then failed."""
    event = parts.store.start_stage(tx.id, NAME, worker=tx.claimed_by, lease=parts.lease)
    if event is None:
        raise ClaimLost(tx.id)
    entries: list[ErrorEntry] = []
    try:
        for got in EnvelopeReader(parts.archive.get(tx.sha256), name=tx.file_name):
            if isinstance(got, Interchange):
                entries += map(mismatch_entry, parts.directory.interchange(tx.partner, got.header))
    except NotX12Error as exc:
        entries.append(ErrorEntry(NAME, exc.code, exc.message, hint=_NOT_X12_HINT))
    parts.store.add_errors(tx.id, entries)
    parts.store.finish_stage(event, Outcome.FAILED, entries[0].message if entries else "")
    return parts.store.set_status(tx.id, Status.FAILED, stage=NAME)


def run(parts: Parts, run: Run) -> Status | None:
    """Control numbers and sets; every ISA and GS checked against the partner's identity
    first (a file that is not theirs goes no further, and reserves no ISA13)."""
    if parts.parallel(estimate := count_sets(run.data)):  # it validates its share for the next stage
        run.helper = parts.helper(run, None, start=int(estimate * MAIN_SHARE),
                                  checked_from=int(estimate * CHECKED_SHARE))
    try:
        read = _read(parts, run)
    except NotX12Error as exc:
        parts.store.add_errors(run.tx.id, [ErrorEntry(NAME, exc.code, exc.message, hint=_NOT_X12_HINT)])
        return Status.FAILED
    run.set_count = len(read.sets)
    if read.first is not None:
        parts.store.record_envelope(run.tx.id, isa13=read.first.header.control_number,
                                    usage=read.first.header.usage, sets=read.sets)
    if read.mismatches:  # each interchange's ISA first, then its groups
        read.mismatches.sort(key=lambda m: (m.isa13, m.segment_id != "ISA"))
        add_log(parts, run, [*map(mismatch_entry, read.mismatches), *(entry(NAME, f) for f in read.findings)])
        return Status.FAILED
    findings = [*read.findings, *_resent(parts, run, read.first)]
    add_log(parts, run, [entry(NAME, f) for f in findings])
    return Status.DUPLICATE if any(f.is_error and f.code == "025" for f in findings) else None


def _read(parts: Parts, run: Run) -> _Envelopes:
    """The file's envelopes, their findings up to the per-file limit, and what in them
    does not fit the partner."""
    read = _Envelopes()
    budget = FileFindings(parts.limits.per_file)
    reader = EnvelopeReader(run.data, name=run.tx.file_name, leniency=run.partner.leniency)
    for event in reader:
        read.findings += budget.take(event.findings)
        if isinstance(event, Transaction):
            group = event.group
            read.sets.append(EnvelopeSet(group.control_number if group else "", group.functional_id if group
                                         else "", event.set_id, event.control_number))
        elif isinstance(event, FunctionalGroup):
            read.mismatches += parts.directory.group(run.partner.id, event.interchange.control_number, event.header)
        else:
            read.mismatches += parts.directory.interchange(run.partner.id, event.header)
            read.first = read.first or event
    read.findings += budget.take(reader.file_findings)
    read.findings += [rest] if (rest := budget.rest()) else []
    return read


def _resent(parts: Parts, run: Run, first: Interchange | None) -> list[Finding]:
    """The first ISA13 reserved for this transmission; when another holds it, TA1 025
    (answered, and the transmission a duplicate of that one) or a warning."""
    if first is None or run.retry.force:  # forced past the check, with the reason audited
        return []
    earlier = parts.store.check_interchange(run.tx.id, partner=run.partner.id, isa13=first.header.control_number,
                                            window=dt.timedelta(days=run.partner.duplicates.isa13_window_days))
    if earlier is None:
        return []
    said = duplicate_isa13(parts.store, first, earlier.transmission_id, run.partner.duplicates.action)
    if said.is_error:
        parts.store.mark_duplicate(run.tx.id, of=earlier.transmission_id)
        _answer_duplicate(parts, run, first, said)
    return [said]


def _answer_duplicate(parts: Parts, run: Run, first: Interchange, finding: Finding) -> None:
    """The TA1 rejecting a resent interchange with 025 (a rejected interchange always gets
    its TA1, whatever ``acks.ta1``), sent by the send stage like every answer."""
    key = f"ack:{run.tx.id}:{first.header.control_number}"
    if key in run.recorded:
        return
    with parts.store.outbound_numbers(run.partner.id) as numbers:
        data = write_interchange(ack_envelope(first.header, None), [], numbers,
                                 service=(ta1(first.header, [finding]),))
        record_outbound(parts, run, numbers, key, data)
