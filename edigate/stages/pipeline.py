"""The gateway pipeline: each received file as a recorded transmission, stage by stage.

poll (fetch from the partner's channel) -> receive (archive the bytes, record the
transmission, then mark the remote file done) -> envelope (control numbers, sets,
duplicate interchange) -> validate (structure; 997/999/TA1 written and recorded) -> map
(accepted 850s saved as canonical orders; a PO already received is a duplicate order) ->
rules (decision per order: accepted, held, rejected) -> route (payloads to destinations)
-> outbound (855 for the decided orders) -> send (outputs on the partner's channel). Every
stage commits what it produced before the next starts and reads its input from the archive
or the store, so a crash resumes at the stage it stopped in; outputs are recorded under keys
made from the transmission, so a resumed stage creates nothing twice, and a stage that
finished is not run again. A small file's stage commits once, its timeline entry included
(`SMALL_FILE`); a large file's commits page by page, and from 2,000 sets its validate and
map stages share the work with a helper process (`edigate.stages.parallel`).

Workers claim transmissions with a lease (`Store.claim_next`) and renew it as each stage
starts; work left by a worker that died is claimed again once its lease has run out.
`run_workers` runs several worker processes over the same store.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import multiprocessing
import os
import queue
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from edigate.store.archive import Archive
from edigate.orders.changes import with_deleted_lines
from edigate.stages.order_changes import translate_changes
from edigate.config.channels import Channel as ChannelConfig
from edigate.orders.decision import Decision
from edigate.orders.decision import Outcome as DecisionOutcome
from edigate.stages.dispatch import dispatch
from edigate.errors import ConfigError, DataError, EdigateError, NotX12Error, TransportError, UsageError
from edigate.config.flow import Flow
from edigate.stages.identify import UNKNOWN_PARTNER, Mismatch, PartnerDirectory
from edigate.orders.inventory import Inventory
from edigate.mapping.locate import SetPositions
from edigate.model import Order, PoAck, Purpose, dumps, loads
from edigate.config.partners import Partner
from edigate.config.prepared import PreparedPartners
from edigate.orders.purposes import Amendments, cancel_destinations, is_cancel
from edigate.mapping.cache import MapCache
from edigate.mapping.findings import Severity as MapSeverity
from edigate.desk import reconcile_functional_ack
from edigate.desk.outputs import archived
from edigate.desk.stored import po_of
from edigate.stages.parallel import (
    PARALLEL_FROM, SetKey, Translated, Translation, cores, count_sets, set_key, translate_range,
)
from edigate.stages.errorlog import (
    UNANSWERED, UNDECIDED, duplicate_entry, duplicate_isa13, duplicate_order, failure_entry, mismatch_entry,
    not_stored, set_failure,
)
from edigate.stages.resends import earlier_attempts
from edigate.orders.routing import Router
from edigate.orders.rules import RuleFinding
from edigate.store import (
    AuditAction, Document, DocumentKind, DocumentStatus, EnvelopeSet, ErrorEntry, NewDocument, Outbound,
    OutboundNumbers, Outcome,
    Severity, StageEvent, Status, Store, Transmission,
)
from edigate.transport import Channel, ChannelOptions, Received, open_channel
from edigate.transport.fetching import fetch_ahead
from edigate.stages.warehouse_out import ShippingOrders
from edigate.config.workspace import Workspace
from edigate.x12.envelope import EnvelopeReader, FunctionalGroup, Interchange, Transaction
from edigate.x12.acks import ack_envelope, ta1
from edigate.x12.findings import FileFindings, Finding
from edigate.x12.respond import Answer, answer_file
from edigate.x12.segment import Segment, dump_segments, load_segments
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter, GroupContent, TransactionContent, write_interchange

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_LEASE", "INBOX", "Pipeline", "RunResult", "STAGES", "WorkersResult", "run_workers"]

STAGES = ("envelope", "validate", "map", "rules", "route", "outbound", "send")
DEFAULT_LEASE = dt.timedelta(minutes=10)
INBOX = "inbox:"
"""How `Pipeline.poll` names a shared inbox of ``edigate.yaml`` (a partner id has no colon)."""
BULK_855 = 100
"""From this many decided orders in one transmission, their 855s travel in one interchange
(recorded once, under the transmission); below it each order gets an interchange of its
own, answered, reconciled and resent on its own."""
BULK_855_SETS = 1000
"""The most 855s in one bulk interchange."""
_PAGE = 500
"""Orders read from the store at a time by the stages that walk them."""
SMALL_FILE = 256 * 1024
"""Up to this size, a transmission's stage runs in one transaction (with its timeline
entry and claim renewal) instead of committing each step: most files are small, and
their per-commit cost outweighs their work. Larger files commit page by page."""
_MAIN_SHARE = Fraction(2, 5)
"""A big file's share of sets this process validates and translates itself, the helper the
rest (`edigate.stages.parallel`): the helper validates its share while we read the envelopes."""
_SET_STAGES = frozenset({"map", "route", "outbound"})
"""Stages whose error entries mean a set that validate accepted did not end as a stored,
routed and answered order (the rules stage's errors are decisions: held or rejected)."""
_NETWORK_STAGES = frozenset({"route", "send"})
"""Stages that wait on other machines: never inside a held transaction."""
_PARTNER_LOCK_STAGES = frozenset({"validate", "rules", "outbound"})
"""Stages that lock what every worker of a partner needs (its control-number sequences,
the stock of its items). Where other workers can run meanwhile (PostgreSQL's row locks)
they commit step by step, so those locks are held for a draw or an allocation, not a stage;
SQLite has a single writer anyway."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one pass of the gateway did: transmissions processed, channels that failed."""

    processed: tuple[Transmission, ...]
    channel_problems: tuple[str, ...]


@dataclass
class _Run:
    """What the stages of one attempt hand each other (all of it also in the store)."""

    tx: Transmission
    partner: Partner
    data: bytes
    build_flow: Callable[[], Flow]
    """The partner's maps and rules, loaded when a stage first needs them, so that a
    configuration error is recorded against that stage."""
    accepted_sets: set[tuple[str, str, str]]
    finished: frozenset[str] = frozenset()
    """Stages an earlier, interrupted pass over this transmission finished."""
    recorded: set[str] = field(default_factory=set)
    """Keys of the outputs recorded for this transmission so far."""
    set_count: int | None = None
    """How many sets the envelope stage found (None when an earlier attempt ran it)."""
    helper: Translation | None = None
    """The helper process translating the file's later sets (`edigate.stages.parallel`)."""
    accepted_changes: set[tuple[str, str, str]] = field(default_factory=set)
    """The 860s validate accepted: applied to the orders they name in the map stage."""
    failed_before: set[int] = field(default_factory=set)
    """Earlier attempts of this transmission that failed: their orders are carried on here."""
    sound_interchanges: set[str] = field(default_factory=set)
    """ISA13s holding at least one set the validate stage accepted."""
    rejected_interchanges: set[str] = field(default_factory=set)
    """ISA13s our TA1 rejects."""
    loaded: Flow | None = None

    @property
    def flow(self) -> Flow:
        if self.loaded is None:
            self.loaded = self.build_flow()
        return self.loaded


@dataclass
class _Envelopes:
    """What the envelope stage read: sets, findings, identity mismatches, the first interchange."""

    sets: list[EnvelopeSet] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    first: Interchange | None = None


class _ClaimLost(Exception):
    """Another worker holds the transmission now (our lease ran out): stop, it carries on."""


class Pipeline:
    """Receives files and runs recorded transmissions through the stages."""

    def __init__(self, workspace: Workspace, store: Store, archive: Archive, partners: Mapping[str, Partner], *,
                 today: dt.date | None = None, channel_types: Collection[str] = ("folder", "sftp", "as2"),
                 lease: dt.timedelta = DEFAULT_LEASE, bulk_855: int = BULK_855, helpers: int | None = None,
                 parallel_from: int = PARALLEL_FROM) -> None:
        self.workspace, self.store, self.archive, self.partners = workspace, store, archive, partners
        self.today = today
        self.lease = lease
        """How long a claim holds without renewal; each stage renews it."""
        self.bulk_855 = bulk_855
        self.helpers = (1 if cores() > 1 else 0) if helpers is None else helpers
        """Helper processes a big file's validate and map stages may use (`edigate.stages.parallel`); 0 for none."""
        self.parallel_from = parallel_from
        self.channel_types = frozenset(channel_types)
        """Channel types this gateway polls and sends on (the demo keeps to folders)."""
        self.channel_options = ChannelOptions(root=workspace.root, settle_seconds=0)
        self.stock = Inventory(store, workspace.root)
        self.maps = MapCache(workspace.maps_path)
        """Compiled maps, kept while their files do not change."""
        self.limits = workspace.findings.limits()
        """Findings listed per set and per file (edigate.yaml ``findings:``)."""
        self.validator = Validator(limits=self.limits)
        """One validator, so each set's compiled spec is kept between transmissions."""
        self.prepared = PreparedPartners(workspace, partners, maps=self.maps, specs=self.validator.library)
        """Each partner's rules and maps, built and checked once (`Prepared.ready`, `.reason`)."""
        self.directory = PartnerDirectory(workspace, partners)
        """Who a file is from, by its envelope."""

    # -- receiving ---------------------------------------------------------------------

    def receive(self, partner: str | None, channel: str, file_name: str, data: bytes) -> Transmission:
        """Archive the bytes, then record the transmission (a duplicate when seen before).

        ``partner`` is the partner whose channel the file came on (or ``ingest --partner``):
        the envelope stage holds the file to it. None (a shared inbox, ``ingest`` without
        ``--partner``) takes the partner of the file's first ISA sender, or records the file
        under `UNKNOWN_PARTNER` for the envelope stage to fail."""
        if partner is not None and partner not in self.partners:
            raise UsageError(f"no partner {partner!r}; known: {', '.join(sorted(self.partners))}")
        archived = self.archive.put(data)
        who = partner or self.directory.identify(data) or UNKNOWN_PARTNER
        got = self.store.record_received(partner=who, channel=channel, file_name=file_name,
                                         sha256=archived.sha256, size=archived.size, archive_path=archived.relative)
        if got.duplicate_of is not None:
            self.store.add_errors(got.transmission.id, [duplicate_entry(self.store, got.duplicate_of, "receive")])
        return got.transmission

    def ingest(self, path: Path, partner: str | None = None) -> Transmission:
        """``edigate ingest``: a file as if received, then processed."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
        tx = self.receive(partner, "cli", path.name, data)
        if tx.status is Status.DUPLICATE:
            return tx
        claimed = self.store.claim(tx.id, f"ingest-{os.getpid()}", lease=self.lease)
        return self.store.transmission(tx.id) if claimed is None else self.process(claimed)

    # -- processing --------------------------------------------------------------------

    def process(self, tx: Transmission) -> Transmission:
        """Run one transmission through the stages it has not finished; its final status.

        When another worker took the transmission over (our lease ran out), stop and
        return it as it stands. Anything else that stops the work is recorded against the
        transmission, which then ends `failed` with the reason: never left `processing`.
        """
        try:
            return self._process(tx)
        except _ClaimLost:
            return self.store.transmission(tx.id)
        except Exception as exc:  # before or between stages: recorded, then the transmission fails
            return self._abandon(tx.id, exc)
        except (KeyboardInterrupt, SystemExit):  # stopped by hand: it waits for the next worker, resumed
            if tx.claimed_by is not None:
                self.store.release(tx.id, tx.claimed_by)
            raise

    def _abandon(self, transmission_id: int, exc: Exception) -> Transmission:
        stage = self.store.transmission(transmission_id).stage or "receive"
        self.store.add_errors(transmission_id, [_failed(transmission_id, stage, exc)])
        return self.store.set_status(transmission_id, Status.FAILED, stage=stage)

    def _process(self, tx: Transmission) -> Transmission:
        partner = self.partners.get(tx.partner)
        if partner is None and tx.partner == UNKNOWN_PARTNER:  # configured since: a reprocess finds it
            found = self.directory.identify(self.archive.get(tx.sha256))
            partner = None if found is None else self.partners[found]
            tx = tx if partner is None else self.store.assign_partner(tx.id, partner.id)
        if partner is None:
            return self._unknown(tx)
        finished = frozenset(s.stage for s in self.store.stages(tx.id) if s.outcome is Outcome.OK)
        earlier = earlier_attempts(self.store, tx)
        run = _Run(tx, partner, self.archive.get(tx.sha256), lambda: self._flow(partner), set(), finished,
                   {o.key for t in (tx, *earlier) for o in self.store.outbounds(t.id)},
                   failed_before={t.id for t in earlier if t.status is Status.FAILED})
        failed: str | None = None
        ended: Status | None = None
        try:
            for name, stage in (("envelope", self._envelope), ("validate", self._validate), ("map", self._map),
                                ("rules", self._rules), ("route", self._route), ("outbound", self._outbound),
                                ("send", self._send)):
                if ended is not None and name != "send":
                    continue  # after a failure or a duplicate, only what was answered goes out
                if name in finished and name != "send" and not (name == "validate" and "map" not in finished):
                    continue  # validate finds the accepted sets again, quietly, for map; send retries the unsent
                status = self._stage(run, name, stage)
                if name == "map" and run.helper is not None:
                    run.helper.close()
                if status is not None and ended is None:
                    ended, failed = status, name
        finally:
            if run.helper is not None:
                run.helper.close()
        if ended is Status.DUPLICATE:
            return self.store.set_status(tx.id, ended, stage=failed)
        return self._finish(run, failed)

    def _flow(self, partner: Partner) -> Flow:
        """The partner's flow; `ConfigError` with its one-line reason when the partner has a
        configuration problem (the transmission then fails with it, to be reprocessed)."""
        prepared = self.prepared[partner.id]
        if not prepared.ready:
            raise ConfigError(prepared.reason)
        return Flow(self.workspace, partner, self.store.control_numbers(partner.id), today=self.today,
                    stock=self.stock, validator=self.validator.lenient(partner.leniency), prepared=prepared)

    def _finish(self, run: _Run, failed: str | None) -> Transmission:
        """The outcome rule: `done` only when each set became a stored document or was
        rejected and answered as rejected; a set that failed in a stage fails the whole."""
        errors = self.store.error_codes(run.tx.id)
        broken = {stage for stage, code in errors if stage in _SET_STAGES or code == UNDECIDED}
        failed = failed or next((s for s in STAGES if s in broken), None)
        rejected = any(stage in ("envelope", "validate") for stage, _ in errors)
        if failed is None and rejected and not any(k.startswith("ack:") for k in run.recorded):
            self.store.add_errors(run.tx.id, [UNANSWERED])
            failed = "validate"
        if failed is not None:
            return self.store.set_status(run.tx.id, Status.FAILED, stage=failed)
        held = self.store.documents(transmission_id=run.tx.id, kind=DocumentKind.ORDER, current=True,
                                    status=DocumentStatus.HELD, limit=1)
        return self.store.set_status(run.tx.id, Status.HELD if held else Status.DONE, stage=STAGES[-1])

    def _unknown(self, tx: Transmission) -> Transmission:
        """A file no configured partner's identity matches: its envelope findings, then failed."""
        event = self.store.start_stage(tx.id, "envelope", worker=tx.claimed_by, lease=self.lease)
        if event is None:
            raise _ClaimLost(tx.id)
        entries: list[ErrorEntry] = []
        try:
            for got in EnvelopeReader(self.archive.get(tx.sha256), name=tx.file_name):
                if isinstance(got, Interchange):
                    entries += map(mismatch_entry, self.directory.interchange(tx.partner, got.header))
        except NotX12Error as exc:
            entries.append(ErrorEntry("envelope", exc.code, exc.message, hint="check that the partner sent X12"))
        self.store.add_errors(tx.id, entries)
        self.store.finish_stage(event, Outcome.FAILED, entries[0].message if entries else "")
        return self.store.set_status(tx.id, Status.FAILED, stage="envelope")

    def _stage(self, run: _Run, name: str, stage: Callable[[_Run], Status | None]) -> Status | None:
        """Run one stage and record its outcome; a small transmission's stage commits once.

        A stage that raises is rolled back as far as it committed as one, then recorded as
        failed with the reason (an unexpected exception too: a bug must not leave the
        transmission `processing`)."""
        whole = self._whole(run, name)
        opened: list[StageEvent] = []
        try:
            with self.store.unit() if whole else nullcontext():
                if name == "validate" and name in run.finished:
                    if not self._renewed(run):
                        raise _ClaimLost(run.tx.id)
                    return stage(run)
                event = self.store.start_stage(run.tx.id, name, worker=run.tx.claimed_by, lease=self.lease)
                if event is None:
                    raise _ClaimLost(run.tx.id)
                opened.append(event)
                status = stage(run)
                self.store.finish_stage(event, Outcome.OK if status is None else Outcome.FAILED)
                return status
        except _ClaimLost:
            raise
        except Exception as exc:
            entry = _failed(run.tx.id, name, exc)
            event = opened[0] if opened and not whole else self.store.start_stage(
                run.tx.id, name, worker=run.tx.claimed_by, lease=self.lease)
            if event is None:
                raise _ClaimLost(run.tx.id) from exc
            self.store.add_errors(run.tx.id, [entry])
            self.store.finish_stage(event, Outcome.FAILED, entry.message)
            return Status.FAILED

    def _whole(self, run: _Run, name: str) -> bool:
        """Whether the stage runs in one transaction (see `SMALL_FILE`)."""
        return (len(run.data) <= SMALL_FILE and name not in _NETWORK_STAGES
                and (self.store.dialect == "sqlite" or name not in _PARTNER_LOCK_STAGES))

    def _renewed(self, run: _Run) -> bool:
        return run.tx.claimed_by is None or self.store.renew(run.tx.id, run.tx.claimed_by, self.lease)

    def _envelope(self, run: _Run) -> Status | None:
        """Control numbers and sets; every ISA and GS checked against the partner's identity
        first (a file that is not theirs goes no further, and reserves no ISA13)."""
        if self._parallel(estimate := count_sets(run.data)):  # it validates its share for the next stage
            run.helper = self._helper(run, None, start=int(estimate * _MAIN_SHARE))
        try:
            read = self._read_envelopes(run)
        except NotX12Error as exc:
            self.store.add_errors(run.tx.id, [ErrorEntry("envelope", exc.code, exc.message,
                                                         hint="check that the partner sent X12")])
            return Status.FAILED
        run.set_count = len(read.sets)
        if read.first is not None:
            self.store.record_envelope(run.tx.id, isa13=read.first.header.control_number,
                                       usage=read.first.header.usage, sets=read.sets)
        if read.mismatches:  # each interchange's ISA first, then its groups
            read.mismatches.sort(key=lambda m: (m.isa13, m.segment_id != "ISA"))
            self._log(run, [*map(mismatch_entry, read.mismatches), *(_entry("envelope", f) for f in read.findings)])
            return Status.FAILED
        findings = [*read.findings, *self._resent(run, read.first)]
        self._log(run, [_entry("envelope", f) for f in findings])
        return Status.DUPLICATE if any(f.is_error and f.code == "025" for f in findings) else None

    def _read_envelopes(self, run: _Run) -> _Envelopes:
        """The file's envelopes, their findings up to the per-file limit, and what in them
        does not fit the partner."""
        read = _Envelopes()
        budget = FileFindings(self.limits.per_file)
        reader = EnvelopeReader(run.data, name=run.tx.file_name, leniency=run.partner.leniency)
        for event in reader:
            read.findings += budget.take(event.findings)
            if isinstance(event, Transaction):
                group = event.group
                read.sets.append(EnvelopeSet(group.control_number if group else "", group.functional_id if group
                                             else "", event.set_id, event.control_number))
            elif isinstance(event, FunctionalGroup):
                read.mismatches += self.directory.group(run.partner.id, event.interchange.control_number, event.header)
            else:
                read.mismatches += self.directory.interchange(run.partner.id, event.header)
                read.first = read.first or event
        read.findings += budget.take(reader.file_findings)
        read.findings += [rest] if (rest := budget.rest()) else []
        return read

    def _resent(self, run: _Run, first: Interchange | None) -> list[Finding]:
        """The first ISA13 reserved for this transmission; when another holds it, TA1 025
        (answered, and the transmission a duplicate of that one) or a warning."""
        if first is None:
            return []
        earlier = self.store.check_interchange(run.tx.id, partner=run.partner.id, isa13=first.header.control_number,
                                               window=dt.timedelta(days=run.partner.duplicates.isa13_window_days))
        if earlier is None:
            return []
        said = duplicate_isa13(self.store, first, earlier.transmission_id, run.partner.duplicates.action)
        if said.is_error:
            self.store.mark_duplicate(run.tx.id, of=earlier.transmission_id)
            self._answer_duplicate(run, first, said)
        return [said]

    def _answer_duplicate(self, run: _Run, first: Interchange, finding: Finding) -> None:
        """The TA1 rejecting a resent interchange with 025 (a rejected interchange always gets
        its TA1, whatever ``acks.ta1``), sent by the send stage like every answer."""
        key = f"ack:{run.tx.id}:{first.header.control_number}"
        if key in run.recorded:
            return
        with self.store.outbound_numbers(run.partner.id) as numbers:
            data = write_interchange(ack_envelope(first.header, None), [], numbers,
                                     service=(ta1(first.header, [finding]),))
            self._record_outbound(run, numbers, key, data)

    def _validate(self, run: _Run) -> Status | None:
        """Structure and the functional acks; once finished, only the accepted sets again, quietly."""
        entries: list[ErrorEntry] = []
        quiet = "validate" in run.finished

        functional_acks: list[Transaction] = []
        ordinals = itertools.count()
        budget = FileFindings(self.limits.per_file)

        def check(tx: Transaction) -> Sequence[Finding]:
            n, helper = next(ordinals), run.helper
            theirs = helper.validated(n - helper.start, set_key(tx)) if helper and n >= helper.start else None
            found = run.flow.validator(tx) if theirs is None else theirs  # None: ours, or the helper has no answer
            entries.extend(_entry("validate", f) for f in budget.take(found))
            sound = not any(f.is_error for f in (*tx.findings, *found))
            if sound:
                run.sound_interchanges.add(tx.interchange.control_number)
            if tx.set_id == "850" and sound:
                run.accepted_sets.add(set_key(tx))
            elif tx.set_id == "860" and sound:
                run.accepted_changes.add(set_key(tx))
            elif tx.set_id in ("997", "999") and sound:
                functional_acks.append(tx)  # small: a partner's answer to what we sent
            return found

        if not quiet and run.helper is None and self._parallel(run.set_count):
            assert run.set_count is not None
            run.helper = self._helper(run, None, start=int(run.set_count * _MAIN_SHARE))
        if quiet:
            for answer in answer_file(run.data, Counter(), request=run.flow.ack_request(), check=check,
                                      name=run.tx.file_name, leniency=run.partner.leniency):
                _drop_rejected(run, answer)
            return None
        with self.store.outbound_numbers(run.partner.id) as numbers:
            for answer in answer_file(run.data, numbers, request=run.flow.ack_request(), check=check,
                                      name=run.tx.file_name, leniency=run.partner.leniency,
                                      max_findings=self.limits.per_file):
                self._record_outbound(run, numbers, f"ack:{run.tx.id}:{answer.answers_interchange}", answer.data)
                _drop_rejected(run, answer)
        if (rest := budget.rest()) is not None:
            entries.append(_entry("validate", rest))
        self._log(run, entries)
        for ack in functional_acks:
            try:
                reconcile_functional_ack(self.store, run.partner.id, run.tx.id, ack)
            except DataError as exc:
                self._log(run, [ErrorEntry("validate", exc.code, exc.message, Severity.WARNING)])
        if not run.partner.duplicates.reserve_rejected:
            self._release_rejected(run)
        return None

    def _release_rejected(self, run: _Run) -> None:
        """An interchange we rejected (its envelope, or every set of it) gives its ISA13
        back, so the partner's corrected resend under the same number is processed."""
        isa13 = self.store.transmission(run.tx.id).isa13
        if isa13 is None:
            return
        rejected = isa13 in run.rejected_interchanges or (
            isa13 not in run.sound_interchanges and any(stage in ("envelope", "validate")
                                                        for stage, _ in self.store.error_codes(run.tx.id)))
        if rejected:
            self.store.release_interchange(run.partner.id, isa13, run.tx.id)

    def _map(self, run: _Run) -> Status | None:
        """Accepted 850s saved as canonical orders, a page per commit (a resumed stage finds
        the pages already saved under this transmission and creates nothing twice). A big
        file's later sets are translated by a helper process meanwhile (`edigate.stages.parallel`);
        its results are saved after ours, in file order."""
        accepted, name = frozenset(run.accepted_sets), run.tx.file_name
        if run.helper is None and self._parallel(len(accepted)):
            run.helper = self._helper(run, accepted, start=len(accepted) // 2)
        helper, done = run.helper, set[SetKey]()
        ours = translate_range(run.data, name, run.flow.inbound, run.partner.id, accepted,
                               stop=None if helper is None else helper.start)
        self._save_translated(run, ours, done)
        if helper is not None:
            theirs = helper.results() or translate_range(run.data, name, run.flow.inbound, run.partner.id,
                                                         accepted, start=helper.start)
            self._save_translated(run, (t for t in theirs if (t.isa13, t.gs06, t.st02) in accepted), done)
            if missing := accepted - done:  # the helper judged a set otherwise than validate did
                self._save_translated(run, translate_range(run.data, name, run.flow.inbound, run.partner.id,
                                                           missing), done)
        return self._map_changes(run)

    def _map_changes(self, run: _Run) -> Status | None:
        """Accepted 860s, each applied to the order it names and saved as that order changed
        (decided, stocked, routed and answered like an 850 change from here on)."""
        if not run.accepted_changes:
            return None
        if run.flow.inbound_860 is None:
            raise UsageError(f"partner {run.partner.id} sent an 860 but names no map for it "
                             "(documents.inbound.860 in its partner file)")
        held = Amendments(self.store).held
        self._save_translated(run, translate_changes(run.data, run.tx.file_name, run.flow.inbound_860,
                                                     run.partner.id, run.accepted_changes,
                                                     lambda po: held(run.partner.id, po)), set())
        return None

    def _parallel(self, sets: int | None) -> bool:
        return self.helpers > 0 and sets is not None and sets >= self.parallel_from

    def _helper(self, run: _Run, accepted: frozenset[SetKey] | None, *, start: int) -> Translation:
        return Translation(self.archive.path(run.tx.sha256), run.tx.file_name, self.workspace.maps_path,
                           run.partner.documents.inbound["850"], run.partner.id, accepted, start,
                           run.partner.leniency)

    def _save_translated(self, run: _Run, translated: Iterable[Translated], done: set[SetKey]) -> None:
        documents: list[NewDocument] = []
        entries: list[ErrorEntry] = []
        for t in translated:
            done.add((t.isa13, t.gs06, t.st02))
            entries += [ErrorEntry("map", f.code, f.message, _MAP_SEVERITY[f.severity], isa13=t.isa13, gs06=t.gs06,
                                   st02=t.st02, segment_id=f.segment_id, segment_position=f.segment_position,
                                   element_position=f.element, value=f.value, hint=f.hint) for f in t.findings]
            if t.key is not None and t.body is not None:
                documents.append(NewDocument(DocumentKind.ORDER, run.partner.id, t.key, t.body, run.tx.id))
            else:
                entries.append(not_stored(run.tx.id, t.isa13, t.gs06, t.st02))
            if len(documents) == _PAGE:
                self._save_orders(run, documents, entries)
                documents, entries = [], []
        self._save_orders(run, documents, entries)

    def _save_orders(self, run: _Run, documents: Sequence[NewDocument], entries: list[ErrorEntry]) -> None:
        saved = self.store.save_documents(documents)
        if saved and not any(s.created or s.duplicate_of for s in saved):
            return  # an earlier, interrupted pass saved this page and logged its findings
        repeated = [s.duplicate_of for s in saved if s.duplicate_of is not None]
        adopted = {d.id for d in repeated if d.transmission_id in run.failed_before}
        if adopted:  # a failed attempt stored them: this one decides, routes and answers them
            self.store.adopt_documents(sorted(adopted), run.tx.id)
        entries += [duplicate_order(self.store, d) for d in repeated if d.id not in adopted]
        self._log(run, entries)

    def _rules(self, run: _Run) -> Status | None:
        """Each order decided, a page per commit. From `bulk_855` orders on, each one's 855
        body is kept with its status, so the outbound stage sends it without deciding again;
        a few orders are decided again there instead, which costs less than writing them."""
        keep = False
        positions = SetPositions(run.data, run.tx.file_name)
        for page in self._pages(run):
            keep = keep or len(page) >= min(self.bulk_855, _PAGE)
            entries: list[ErrorEntry] = []
            decided: dict[int, tuple[DocumentStatus, str | None, str | None]] = {}
            for doc in page:
                if (decision := self._decide(run, doc, entries)) is None:
                    decided[doc.id] = (DocumentStatus.HELD, None, None)  # never routed undecided
                    continue
                status = _DOCUMENT_STATUS[decision.outcome]
                entries += [_rule_entry(positions.locate(f), _severity(status is not DocumentStatus.ACCEPTED))
                            for f in decision.findings]
                export = dumps(decision.export) if decision.export is not None else None
                if keep or doc.status is not status or export != doc.decided:
                    decided[doc.id] = (status, _render_855(run.flow, decision.ack) if keep else None, export)
            self.store.record_decisions(decided)
            self._log(run, entries)
        return None

    def _decide(self, run: _Run, doc: Document, entries: list[ErrorEntry]) -> Decision | None:
        """The rules' decision on one order; None, with the set named in the log, when they
        could not decide (the transmission then fails; its reprocess decides again)."""
        order = _order(doc.body)
        try:
            return run.flow.decide(order, document_id=doc.id)
        except EdigateError as exc:
            entries.append(set_failure("rules", UNDECIDED, order, exc, run.tx.id))
            return None

    def _route(self, run: _Run) -> Status | None:
        """Each accepted order's payloads to its destinations, a page of files per channel
        call (a folder makes the page durable at once)."""
        entries: list[ErrorEntry] = []
        router = Router(run.partner.routing, partner=run.partner.id, file=run.partner.file, lines=run.partner.lines)
        warehouse = ShippingOrders(self.store, self.archive, self.workspace, run.partner, maps=self.maps,
                                   validator=self.validator)
        with ExitStack() as opened:
            channels: dict[str, Channel] = {}
            for page in self._pages(run):
                batches: dict[str, list[tuple[str, bytes]]] = {}
                delivered: dict[str, list[Callable[[], object]]] = {}
                carried: dict[str, list[Document]] = {}
                for doc in page:
                    if doc.status is not DocumentStatus.ACCEPTED or (is_cancel(doc) and not doc.decided):
                        continue  # a cancel of an order that never went out goes nowhere
                    for delivery in router.route(doc.decided or doc.body, document=doc.id,
                                                 x12=warehouse.writer(doc.id),
                                                 only=cancel_destinations(self.store, doc)):
                        if delivery.error:
                            entries.append(ErrorEntry("route", "route.format", f"PO {po_of(doc)}: "
                                                      f"{delivery.error}", hint="fix the destination's format or "
                                                      f"the order, then edigate tx reprocess {run.tx.id}"))
                            continue
                        if delivery.destination not in channels:
                            channels[delivery.destination] = opened.enter_context(open_channel(
                                delivery.target, f"{run.partner.id}:{delivery.destination}", self.channel_options))
                        batches.setdefault(delivery.destination, []).append((delivery.file_name, delivery.payload))
                        carried.setdefault(delivery.destination, []).append(doc)
                        if delivery.sent:
                            delivered.setdefault(delivery.destination, []).append(delivery.sent)
                for destination, files in batches.items():
                    try:
                        channels[destination].send_many(files)
                    except TransportError as exc:  # each order it carried is named, none answered
                        entries += [set_failure("route", "route.send", _order(d.body), exc, run.tx.id)
                                    for d in carried[destination]]
                        continue
                    for sent in delivered.get(destination, ()):
                        sent()
        self._log(run, entries)
        return Status.FAILED if any(e.code == "route.send" for e in entries) else None

    def _outbound(self, run: _Run) -> Status | None:
        """An 855 interchange per decided order not answered yet; from `bulk_855` orders on,
        the 855s travel in interchanges of up to `BULK_855_SETS` sets instead, each recorded
        once under the transmission and built one at a time. Each interchange's numbers are
        spent in the commit that records it."""
        if run.flow.outbound_855 is None and run.flow.outbound_865 is None:
            return None
        decided = self.store.count_documents(transmission_id=run.tx.id, kind=DocumentKind.ORDER,
                                             excluding=(DocumentStatus.HELD,))
        if decided >= self.bulk_855:
            key, chunk = "", list[tuple[int, TransactionContent]]()
            for n, doc in enumerate(self._decided(run)):
                chunk_key = f"855:{run.tx.id}:bulk:{n // BULK_855_SETS + 1}"
                if chunk_key != key:
                    self._write_855(run, key, chunk)
                    key, chunk = chunk_key, []
                if key not in run.recorded and (body := self._body_855(run, doc)) is not None:
                    chunk.append((doc.id, TransactionContent("855", body)))
            self._write_855(run, key, chunk)
            return None
        for doc in self._decided(run):
            if {f"855:{doc.id}", f"865:{doc.id}"} & run.recorded:
                continue
            if (answer := self._answer(run, doc)) is not None:
                self._write_855(run, f"{answer.set_id}:{doc.id}", [(doc.id, answer)])
        return None

    def _answer(self, run: _Run, doc: Document) -> TransactionContent | None:
        """The 855 for an order, or the 865 for an order an 860 changed (when the partner
        names an 865 map; without one, such an order is not answered)."""
        order = _order(doc.body)
        if order.source is None or order.source.set_id != "860":
            body = self._body_855(run, doc) if run.flow.outbound_855 is not None else None
            return None if body is None else TransactionContent("855", body)
        ack = run.flow.decide(order, document_id=doc.id).ack
        if ack is None or run.flow.outbound_865 is None:
            return None
        if doc.amends is not None and order.purpose is not Purpose.CANCEL:  # a cancel keeps its lines
            ack = with_deleted_lines(ack, _order(self.store.document(doc.amends).body), order)
        return TransactionContent("865", run.flow.outbound_865.render(ack))

    def _write_855(self, run: _Run, key: str, chunk: list[tuple[int, TransactionContent]]) -> None:
        """One interchange of 855s or 865s (document id, set), numbered and recorded in one commit."""
        if not chunk:
            return
        with self.store.outbound_numbers(run.partner.id) as numbers:
            group = GroupContent(_FUNCTIONAL_IDS[chunk[0][1].set_id], tuple(c for _, c in chunk))
            data = write_interchange(run.flow.envelope(), [group], numbers.blocks(1, len(chunk)))
            self._record_outbound(run, numbers, key, data, [d for d, _ in chunk])

    def _decided(self, run: _Run) -> Iterator[Document]:
        return (doc for page in self._pages(run) for doc in page if doc.status is not DocumentStatus.HELD)

    # -- helpers -----------------------------------------------------------------------

    def _log(self, run: _Run, entries: Sequence[ErrorEntry]) -> None:
        if entries:
            self.store.add_errors(run.tx.id, entries)

    def _body_855(self, run: _Run, doc: Document) -> tuple[Segment, ...] | None:
        """The order's 855 body as the rules stage rendered it; decided and rendered again
        when none was kept (a row from before bodies were kept; stock taken stays taken).
        None when there is none to send, or it cannot be written (the set named in the log)."""
        if doc.ack_body is not None:
            return load_segments(doc.ack_body)
        order = _order(doc.body)
        try:
            ack = run.flow.decide(order, document_id=doc.id).ack
            return None if ack is None or run.flow.outbound_855 is None else run.flow.outbound_855.render(ack)
        except EdigateError as exc:
            self._log(run, [set_failure("outbound", "poack.unwritten", order, exc, run.tx.id)])
            return None

    def _pages(self, run: _Run) -> Iterator[list[Document]]:
        """The transmission's current orders, a page at a time, as the store has them now."""
        return self.store.document_pages(transmission_id=run.tx.id, kind=DocumentKind.ORDER, size=_PAGE)

    def _record_outbound(self, run: _Run, numbers: OutboundNumbers, key: str, data: bytes,
                         document_ids: Sequence[int] = ()) -> None:
        """Archive what was written and record it with its sets (each set's document, in
        order, when it carries one), committing the numbers it spent."""
        written = archived(self.archive, data)
        due = None
        if written.set_id in ("855", "865", "856", "810"):
            due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=run.partner.acks.expect_within_hours)
        carried = [*document_ids, *[None] * (len(written.st02) - len(document_ids))]
        numbers.record(set_id=written.set_id, key=key, isa13=written.isa13, gs06=written.gs06,
                       st02=written.st02[0] if written.st02 else "", archive_path=written.relative,
                       sha256=written.sha256, transmission_id=run.tx.id,
                       document_id=document_ids[0] if len(document_ids) == 1 else None, ack_due_at=due,
                       sets=list(zip(written.st02, carried, strict=True)))
        run.recorded.add(key)

    def resend(self, transmission_id: int, *, actor: str, set_id: str | None = None) -> list[Outbound]:
        """Send a transmission's outputs again (all, or one set id) on the partner's outbound
        channel, whether sent before or not: the partner lost them. Audited."""
        tx = self.store.transmission(transmission_id)
        partner = self.partners.get(tx.partner)
        if partner is None:
            raise UsageError(f"transmission {transmission_id}: partner {tx.partner!r} is not configured")
        config = partner.channels.outbound
        if config is None:
            raise UsageError(f"partner {partner.id} has no outbound channel to resend on")
        outs = [o for o in self.store.outbounds(transmission_id) if set_id is None or o.set_id == set_id]
        if not outs:
            raise UsageError(f"transmission {transmission_id} has no {set_id or 'outbound'} documents to resend")
        with open_channel(config, f"{partner.id}:out", self.channel_options) as channel:
            for _ in dispatch(channel, self.store, self.archive, outs):
                pass
        self.store.audit(actor=actor, action=AuditAction.RESEND, target=f"tx:{transmission_id}",
                         transmission_id=transmission_id,
                         note="resent " + ", ".join(f"{o.set_id} ISA13 {o.isa13}" for o in outs))
        return [self.store.outbound(o.id) for o in outs]

    def _send(self, run: _Run) -> Status | None:
        """Send each output not sent yet on the partner's outbound channel; a failure waits for a retry."""
        config = run.partner.channels.outbound
        if config is None or config.type not in self.channel_types:
            return None
        unsent = [o for o in self.store.outbounds(run.tx.id) if o.sent_at is None]
        if not unsent:
            return None
        try:
            with open_channel(config, f"{run.partner.id}:out", self.channel_options) as channel:
                for _ in dispatch(channel, self.store, self.archive, unsent):
                    pass
        except TransportError as exc:
            self.store.add_errors(run.tx.id, [ErrorEntry("send", exc.code, exc.message, Severity.WARNING,
                                                         hint="the outputs stay queued and are sent on retry")])
        return None

    # -- channels ----------------------------------------------------------------------

    def inbound(self, source: str) -> tuple[ChannelConfig | None, str | None]:
        """A poll source's channel, and the partner its files are held to: a partner id
        polls the partner's own inbound channel; ``inbox:NAME`` a shared inbox of
        ``edigate.yaml``, whose files go to the partner their envelope names (None)."""
        if source.startswith(INBOX):
            return self.workspace.inboxes.get(source.removeprefix(INBOX)), None
        return self.partners[source].channels.inbound, source

    def sources(self) -> list[str]:
        """What `poll` takes: every partner, then every shared inbox."""
        return [*sorted(self.partners), *(INBOX + name for name in sorted(self.workspace.inboxes))]

    def poll(self, source: str, *, options: ChannelOptions | None = None,
             stopping: Callable[[], bool] = lambda: False,
             on_received: Callable[[Transmission], object] = lambda _tx: None) -> list[Transmission] | None:
        """Fetch what waits on a partner's inbound channel or a shared inbox (`inbound`):
        each file archived, recorded, then marked done there, the next ones downloading and
        archiving meanwhile (`fetch_ahead`). Stops after the file in hand once
        ``stopping()``. None when it did not poll: another process polls the channel now, or
        the channel is not polled here (none, AS2, or a type outside ``channel_types``).
        ``on_received`` sees each transmission as it is recorded (a `TransportError` part
        way loses none of them)."""
        config, partner = self.inbound(source)
        if config is None or config.type not in self.channel_types or config.type == "as2":
            return None  # AS2 messages arrive at the listener
        received: list[Transmission] = []

        def record(got: Received) -> None:
            received.append(tx := self.receive(partner, config.type, got.name, got.data))
            on_received(tx)

        with self.store.try_poll_lock(source) as mine:
            if not mine:
                return None
            with open_channel(config, f"{source}:in", options or self.channel_options) as channel:
                fetch_ahead(channel, channel.list(), record, stopping=stopping,
                            prepare=lambda got: self.archive.put(got.data))
        return received

    def poll_all(self) -> tuple[str, ...]:
        """Poll every partner and shared inbox once; the channels that could not be read
        (the others still are)."""
        problems = []
        for source in self.sources():
            try:
                self.poll(source)
            except TransportError as exc:
                problems.append(f"{source}: {exc.message}")
        return tuple(problems)

    def work(self, worker: str = "edigate") -> list[Transmission]:
        """Claim and process transmissions until none waits (or waits on a live lease)."""
        done = []
        while (tx := self.store.claim_next(worker, lease=self.lease)) is not None:
            done.append(self.process(tx))
        return done

    def run_once(self, worker: str = "edigate") -> RunResult:
        """Poll every partner once, then process every transmission waiting."""
        problems = self.poll_all()
        return RunResult(tuple(self.work(worker)), problems)


@dataclass(frozen=True, slots=True)
class WorkersResult:
    """What `run_workers` did: the ids each worker processed, and the workers that failed."""

    processed: tuple[int, ...]
    failures: tuple[str, ...]


def run_workers(open_pipeline: Callable[[], Pipeline], workers: int, *, name: str = "edigate") -> WorkersResult:
    """``workers`` processes that each open their own pipeline, then claim and process
    until nothing waits. Claims (row locks, leases) keep them from doing anything twice."""
    ctx = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_drain, args=(open_pipeline, f"{name}-{n}", results), daemon=True)
             for n in range(1, workers + 1)]
    for proc in procs:
        proc.start()
    processed: list[int] = []
    waiting = workers
    while waiting:
        try:
            processed += results.get(timeout=0.2)
            waiting -= 1
        except queue.Empty:
            if not any(p.is_alive() for p in procs) and results.empty():
                break
    for proc in procs:
        proc.join()
    failures = tuple(f"worker {p.name} exited with code {p.exitcode}" for p in procs if p.exitcode)
    return WorkersResult(tuple(sorted(processed)), failures)


def _drain(open_pipeline: Callable[[], Pipeline], worker: str, results: multiprocessing.Queue[list[int]]) -> None:
    pipeline = open_pipeline()
    try:
        results.put([t.id for t in pipeline.work(worker)])
    finally:
        pipeline.store.close()


_MAP_SEVERITY = {MapSeverity.ERROR: Severity.ERROR, MapSeverity.WARNING: Severity.WARNING,
                 MapSeverity.NOTE: Severity.INFO}
"""A mapping finding's severity in the error log: a note (a segment no field reads) is info."""

_FUNCTIONAL_IDS = {"855": "PR", "865": "CA"}
"""GS01 of each answer to an order: 855 acknowledgments, 865 change acknowledgments."""

_DOCUMENT_STATUS = {DecisionOutcome.ACCEPTED: DocumentStatus.ACCEPTED, DecisionOutcome.HELD: DocumentStatus.HELD,
                    DecisionOutcome.REJECTED: DocumentStatus.REJECTED}


def _order(body: str) -> Order:
    """An order decoded again when needed: keeping 10,000 orders decoded costs too much memory."""
    return loads(Order, body)


def _render_855(flow: Flow, ack: PoAck | None) -> str | None:
    """The 855 body for ``ack`` as the store keeps it; None when there is none to keep (the
    outbound stage then renders it itself, and reports what stops it)."""
    if ack is None or flow.outbound_855 is None:
        return None
    try:
        return dump_segments(flow.outbound_855.render(ack))
    except EdigateError:
        return None


def _failed(transmission_id: int, stage: str, exc: Exception) -> ErrorEntry:
    """The error-log line of a stage that could not go on; a bug is also logged, one line on
    stderr and its traceback in the debug log."""
    entry = failure_entry(stage, exc, transmission_id)
    if not isinstance(exc, EdigateError):
        log.error("transmission %s: %s stage: %s", transmission_id, stage, entry.message, exc_info=exc)
    return entry


def _drop_rejected(run: _Run, answer: Answer) -> None:
    """A TA1 rejected the interchange: none of its sets is mapped, decided or answered, and
    its ISA13 is not kept (`Pipeline._release_rejected`)."""
    if answer.rejected:
        run.rejected_interchanges.add(answer.answers_interchange)
        run.accepted_sets.difference_update([k for k in run.accepted_sets if k[0] == answer.answers_interchange])


def _rule_entry(f: RuleFinding, severity: Severity) -> ErrorEntry:
    return ErrorEntry("rules", f.code, f.message, severity, isa13=f.isa13, gs06=f.gs06, st02=f.st02,
                      segment_position=f.segment_position, segment_id=f.segment_id, element_position=f.element,
                      value=f.value, hint=f.hint,
                      po_number=f.po_number, line_number=f.line, sku=f.sku, buyer_item=f.buyer_item)


def _severity(is_error: bool) -> Severity:
    return Severity.ERROR if is_error else Severity.WARNING


def _entry(stage: str, f: Finding) -> ErrorEntry:
    return ErrorEntry(stage, f.code, f.text, _severity(f.is_error), f.level.value, f.interchange, f.group,
                      f.transaction, f.segment_position, f.segment_id, f.element, f.component, f.value, f.hint)
