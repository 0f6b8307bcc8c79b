"""What the stages share: the gateway's parts, built once, and one attempt's run.

`Parts` holds what every stage reads (workspace, store, archive, partners, the validator
and compiled maps, each partner's prepared rules); `Run` is what the stages of one attempt
over a transmission hand each other, all of it also in the store, so that a stage resumed
in another process finds it again. The helpers here are the few every stage uses: its
error-log lines, the transmission's orders page by page, and an output archived and
recorded (`record_outbound`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from edigate.config.partner_setup import PartnerSetup
from edigate.config.partners import Partner
from edigate.config.prepared import PreparedPartners
from edigate.config.workspace import Workspace
from edigate.errors import ConfigError, EdigateError
from edigate.mapping.cache import MapCache
from edigate.model import Order, loads
from edigate.orders.inventory import Inventory
from edigate.stages.identify import PartnerDirectory
from edigate.stages.foreseen import Foreseen
from edigate.stages.parallel import PARALLEL_FROM, SetKey, Translation, cores
from edigate.stages.errorlog import failure_entry
from edigate.stages.outputs import archived, record_written
from edigate.store import Document, DocumentKind, DocumentStatus, ErrorEntry, OutboundNumbers, Severity, Store
from edigate.store import Status, Transmission
from edigate.store.archive import ArchiveBackend
from edigate.store.leases import DEFAULT_TTL
from edigate.store.work import DEFAULT_LEASE
from edigate.transport import ChannelOptions
from edigate.x12.envelope import Transaction
from edigate.x12.findings import Finding
from edigate.x12.validate import Validator
from edigate.x12.writer import RenderedBody

__all__ = ["BULK_855", "DEFAULT_LEASE", "ClaimLost", "Parts", "Retry", "Run", "StageRun", "entry", "failed",
           "order_of_body",
           "pages", "record_outbound", "severity"]

log = logging.getLogger("edigate.stages.pipeline")

BULK_855 = 100
"""From this many decided orders in one transmission, their 855s travel in one interchange
(recorded once, under the transmission); below it each order gets an interchange of its
own, answered, reconciled and resent on its own."""
PAGE = 500
"""Orders read from the store at a time by the stages that walk them."""


class ClaimLost(Exception):
    """Another worker holds the transmission now (our lease ran out): stop, it carries on."""


class Parts:
    """The gateway's parts every stage reads, built once per process."""

    def __init__(self, workspace: Workspace, store: Store, archive: ArchiveBackend, partners: Mapping[str, Partner], *,
                 today: dt.date | None = None, channel_types: Collection[str] = ("folder", "sftp", "as2"),
                 lease: dt.timedelta | None = None, bulk_855: int = BULK_855, helpers: int | None = None,
                 parallel_from: int = PARALLEL_FROM, validator: Validator | None = None,
                 maps: MapCache | None = None, poll_lease: dt.timedelta = DEFAULT_TTL) -> None:
        self.workspace, self.store, self.archive, self.partners = workspace, store, archive, partners
        self.today = today
        self.lease = lease if lease is not None else dt.timedelta(seconds=workspace.lease_seconds)
        """How long a claim holds without renewal; each stage renews it."""
        self.poll_lease = poll_lease
        """How long a poll's lock on its source outlives a gateway that died polling (PostgreSQL)."""
        self.bulk_855 = bulk_855
        self.helpers = (1 if cores() > 1 else 0) if helpers is None else helpers
        """Helper processes a big file's validate and map stages may use (`edigate.stages.parallel`); 0 for none."""
        self.parallel_from = parallel_from
        self.channel_types = frozenset(channel_types)
        """Channel types this gateway polls and sends on (the demo keeps to folders)."""
        self.channel_options = ChannelOptions(root=workspace.root, settle_seconds=0, as2=workspace.as2)
        self.stock = Inventory(store, workspace.root)
        self.maps = MapCache(workspace.maps_path) if maps is None else maps
        """Compiled maps, kept while their files do not change (the context's, when given)."""
        self.limits = workspace.findings.limits()
        """Findings listed per set and per file (edigate.yaml ``findings:``)."""
        self.validator = Validator(limits=self.limits) if validator is None else validator
        """One validator, so each set's compiled spec is kept between transmissions (the
        context's, when given: built with the same limits)."""
        self.prepared = PreparedPartners(workspace, partners, maps=self.maps, specs=self.validator.library)
        """Each partner's rules and maps, built and checked once (`Prepared.ready`, `.reason`)."""
        self.directory = PartnerDirectory(workspace, partners)
        """Who a file is from, by its envelope."""

    def flow(self, partner: Partner) -> PartnerSetup:
        """The partner's flow; `ConfigError` with its one-line reason when the partner has a
        configuration problem (the transmission then fails with it, to be reprocessed)."""
        prepared = self.prepared[partner.id]
        if not prepared.ready:
            raise ConfigError(prepared.reason)
        return PartnerSetup(self.workspace, partner, self.store.control_numbers(partner.id), today=self.today,
                    stock=self.stock, validator=self.validator.lenient(partner.leniency), prepared=prepared)

    def parallel(self, sets: int | None) -> bool:
        """Whether a file of ``sets`` sets shares its work with a helper process."""
        return self.helpers > 0 and sets is not None and sets >= self.parallel_from

    def helper(self, run: Run, accepted: frozenset[SetKey] | None, *, start: int,
               checked_from: int | None = None) -> Translation:
        """A helper process translating the file from ``start`` on, validating it first from
        ``checked_from`` on when ``accepted`` is None; tell it how to decide the orders it
        translates once the flow is loaded, and which sets were accepted (`Translation.decide`)."""
        return Translation(self.archive.local_copy(run.tx.sha256), run.tx.file_name, self.workspace.maps_path,
                           run.partner.documents.inbound["850"], run.partner.id, accepted, start,
                           run.partner.leniency, checked_from)


@dataclass(frozen=True, slots=True)
class Retry:
    """How a reprocess attempt runs (``tx reprocess``): ``force`` past the duplicate checks
    (TA1 025 for an ISA13 held by another transmission), ``ack_again`` with a 997/999 even
    for an interchange an earlier attempt answered already."""

    force: bool = False
    ack_again: bool = False


@dataclass
class Run:
    """What the stages of one attempt hand each other (all of it also in the store)."""

    tx: Transmission
    partner: Partner
    data: bytes
    build_flow: Callable[[], PartnerSetup]
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
    read_ours: list[Transaction] | None = None
    """With a helper, the accepted 850s before its share as the validate stage read them: the
    map stage translates these rather than read the file's first part again."""
    accepted_changes: set[tuple[str, str, str]] = field(default_factory=set)
    """The 860s validate accepted: applied to the orders they name in the map stage."""
    failed_before: set[int] = field(default_factory=set)
    """Earlier attempts of this transmission that failed: their orders are carried on here."""
    sound_interchanges: set[str] = field(default_factory=set)
    """ISA13s holding at least one set the validate stage accepted."""
    rejected_interchanges: set[str] = field(default_factory=set)
    """ISA13s our TA1 rejects."""
    retry: Retry = Retry()
    loaded: PartnerSetup | None = None
    foreseen: dict[int, Foreseen] = field(default_factory=dict)
    """Orders this pass saved and decided as it translated them, by document id, until the
    decide stage records them (`edigate.stages.foreseen`), up to `foreseen.KEPT_BYTES`."""
    foreseen_bytes: int = 0
    answers: dict[int, tuple[str, RenderedBody]] = field(default_factory=dict)
    """The 855 bodies the decide stage recorded from what was foreseen, by document id, with
    each written already, until the answer stage puts them in its interchanges."""

    @property
    def flow(self) -> PartnerSetup:
        if self.loaded is None:
            self.loaded = self.build_flow()
        return self.loaded

    def close_helper(self) -> None:
        if self.helper is not None:
            self.helper.close()


StageRun = Callable[[Parts, Run], Status | None]
"""A stage: what it does to one run; a status ends the transmission's pass (failed, duplicate)."""


def add_log(parts: Parts, run: Run, entries: Sequence[ErrorEntry]) -> None:
    """Error-log lines against the run's transmission (none: nothing written)."""
    if entries:
        parts.store.add_errors(run.tx.id, entries)


def pages(parts: Parts, run: Run) -> Iterator[list[Document]]:
    """The transmission's current orders, a page at a time, as the store has them now."""
    return parts.store.document_pages(transmission_id=run.tx.id, kind=DocumentKind.ORDER, size=PAGE)


def record_outbound(parts: Parts, run: Run, numbers: OutboundNumbers, key: str, data: bytes,
                    document_ids: Sequence[int] = ()) -> None:
    """Archive what was written and record it with its sets (each set's document, in
    order, when it carries one), committing the numbers it spent."""
    record_written(numbers, archived(parts.archive, data), run.partner, key, run.tx.id, document_ids)
    run.recorded.add(key)


def order_of_body(body: str) -> Order:
    """An order decoded again when needed: keeping 10,000 orders decoded costs too much memory."""
    return loads(Order, body)


def severity(is_error: bool) -> Severity:
    return Severity.ERROR if is_error else Severity.WARNING


def entry(stage: str, f: Finding) -> ErrorEntry:
    """A structural finding as a line of the error log of ``stage``."""
    return ErrorEntry(stage, f.code, f.text, severity(f.is_error), f.level.value, f.interchange, f.group,
                      f.transaction, f.segment_position, f.segment_id, f.element, f.component, f.value, f.hint)


def failed(transmission_id: int, stage: str, exc: Exception) -> ErrorEntry:
    """The error-log line of a stage that could not go on; a bug is also logged, one line on
    stderr and its traceback in the debug log."""
    line = failure_entry(stage, exc, transmission_id)
    if not isinstance(exc, EdigateError):
        log.error("transmission %s: %s stage: %s", transmission_id, stage, line.message, exc_info=exc)
    return line
