"""The transmission store: every file, stage, error, document and control number, on
SQLite by default or PostgreSQL by URL.

Only this package imports SQLAlchemy. It hands out frozen records
(`edigate.store.records`), never ORM objects, and every write commits its own transaction,
unless the caller groups several in `Store.unit()` (the pipeline does, for each stage of a
small file), so each pipeline stage is durable before the next starts. Database failures
surface as one `edigate.errors.StoreError`.

    store = Store.open("sqlite:///edigate.db")       # migrates to the newest schema
    got = store.record_received(partner="acme", channel="sftp", file_name="po.x12",
                                sha256=digest, size=len(data), archive_path=path)
    tx = store.claim_next("worker-1")
"""

from __future__ import annotations

from edigate.store.as2 import As2Mixin, MdnVerdict
from edigate.store.documents import DocumentsMixin
from edigate.store.events import EventsMixin
from edigate.store.marks import MarksMixin
from edigate.store.fulfillment import (
    Allocation,
    AllocationRequest,
    AllocationStatus,
    Amended,
    FulfillmentMixin,
    InventoryLevel,
    StockLevel,
)
from edigate.store.migrate import migrate
from edigate.store.numbers import OutboundNumbers
from edigate.store.orderbook import OrderBookMixin
from edigate.store.records import (
    AckStatus,
    As2MdnOut,
    As2Message,
    AuditAction,
    AuditEvent,
    ControlKind,
    Direction,
    Document,
    DocumentKind,
    DocumentStatus,
    EnvelopeSet,
    ErrorEntry,
    Event,
    EventKind,
    Interchange,
    NewDocument,
    Outbound,
    OutboundSet,
    Outcome,
    Received,
    Replacement,
    SavedDocument,
    Severity,
    StageEvent,
    Status,
    Transmission,
)
from edigate.store.reports import ReportsMixin
from edigate.store.scheduling import SchedulingMixin, job_store
from edigate.store.tickets import TicketLink, TicketsMixin, TicketWork
from edigate.store.transmissions import TransmissionsMixin
from edigate.store.work import (
    MAX_CONTROL_NUMBER,
    ReservedNumbers,
    StoreControlNumbers,
    WorkMixin,
)

__all__ = [
    "MAX_CONTROL_NUMBER",
    "AckStatus",
    "As2MdnOut",
    "As2Message",
    "MdnVerdict",
    "Allocation",
    "AllocationRequest",
    "AllocationStatus",
    "Amended",
    "AuditAction",
    "AuditEvent",
    "ControlKind",
    "Direction",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "EnvelopeSet",
    "ErrorEntry",
    "Event",
    "EventKind",
    "Interchange",
    "InventoryLevel",
    "NewDocument",
    "Outbound",
    "OutboundNumbers",
    "OutboundSet",
    "Outcome",
    "Received",
    "Replacement",
    "ReservedNumbers",
    "SavedDocument",
    "Severity",
    "StageEvent",
    "Status",
    "StockLevel",
    "Store",
    "StoreControlNumbers",
    "TicketLink",
    "TicketWork",
    "Transmission",
    "job_store",
    "migrate",
]


class Store(OrderBookMixin, TransmissionsMixin, DocumentsMixin, EventsMixin, FulfillmentMixin, ReportsMixin,
            SchedulingMixin, WorkMixin, As2Mixin, TicketsMixin, MarksMixin):
    """The repository: open with `Store.open(url)`, close with `close()` or ``with``."""
