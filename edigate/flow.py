"""One received file through every stage, in memory: the functional core of the pipeline.

envelope + structure -> 997/999/TA1 -> each accepted 850 through the partner's map ->
business rules -> decision (accept, hold, reject) -> routing payloads -> one 855
interchange for the decided orders. Nothing here touches the store or a channel: the
pipeline records what this returns, stage by stage, and `edigate demo` prints it.
Orders are handled as each transaction set closes, so a large file is not held whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from edigate.decision import Decision, Outcome, decide
from edigate.inventory import Inventory
from edigate.mapping.cache import MapCache
from edigate.mapping.inbound import InboundMap
from edigate.mapping.outbound import OutboundMap
from edigate.mapping.translate import TranslationResult, translate_transaction
from edigate.model import Order, PoAck
from edigate.partners import Partner
from edigate.routing import Delivery, route
from edigate.rules import RuleSet, check_order, load_rules
from edigate.workspace import Workspace
from edigate.x12.envelope import Party, Transaction
from edigate.x12.findings import Finding, no_errors
from edigate.x12.respond import AckRequest, Answer, answer_file
from edigate.x12.tokenizer import Source
from edigate.x12.validate import Validator
from edigate.x12.writer import ControlNumbers, Envelope, GroupContent, TransactionContent, write_interchange

__all__ = ["FileOutcome", "Flow", "OrderOutcome"]


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """One 850: its translation, the decision on it, and where it goes."""

    translation: TranslationResult
    decision: Decision | None = None
    deliveries: tuple[Delivery, ...] = ()


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """Everything one received file produced."""

    name: str
    findings: tuple[Finding, ...]
    acks: tuple[Answer, ...]
    orders: tuple[OrderOutcome, ...]
    po_acks: bytes | None

    @property
    def valid(self) -> bool:
        return no_errors(self.findings)


@dataclass
class _Collected:
    findings: list[Finding] = field(default_factory=list)
    orders: list[OrderOutcome] = field(default_factory=list)


class Flow:
    """A partner's maps, rules and routes, loaded once, applied to each file received."""

    def __init__(self, workspace: Workspace, partner: Partner, numbers: ControlNumbers, *,
                 today: dt.date | None = None, validator: Validator | None = None,
                 stock: Inventory | None = None, maps: MapCache | None = None) -> None:
        self.workspace = workspace
        self.stock = stock
        """Where available-to-promise takes stock; without it (no store) ``rules.atp`` does not run."""
        self.partner = partner
        self.numbers = numbers
        self.today = today or dt.date.today()
        self.validator = validator or Validator()
        maps = maps or MapCache(workspace.maps_path)
        self.inbound: InboundMap = maps.inbound(partner.documents.inbound["850"])
        name_855 = partner.documents.outbound.get("855")
        self.outbound_855: OutboundMap | None = maps.outbound(name_855) if name_855 else None
        self.rules: RuleSet = load_rules(partner.rules, file=partner.file, root=workspace.root)

    def run(self, source: Source, *, name: str | None = None) -> FileOutcome:
        collected = _Collected()

        def check(tx: Transaction) -> Sequence[Finding]:
            found = self.validator(tx)
            collected.findings += [*tx.findings, *found]
            if tx.set_id == "850" and no_errors(tx.findings) and no_errors(found):
                collected.orders.append(self.order(tx))
            return found

        acks = tuple(answer_file(source, self.numbers, request=self.ack_request(), check=check, name=name))
        decided = [o.decision.ack for o in collected.orders if o.decision and o.decision.ack]
        po_acks = self.po_acks(decided) if decided and self.outbound_855 else None
        return FileOutcome(name or str(source), tuple(collected.findings), acks, tuple(collected.orders), po_acks)

    def order(self, tx: Transaction) -> OrderOutcome:
        """Map, check, decide and route one accepted 850."""
        translation = translate_transaction(tx, self.inbound, self.partner.id)
        if not translation.ok or translation.order is None:
            return OrderOutcome(translation)
        order = translation.order
        decision = self.decide(order)
        deliveries = route(order, self.partner.routing, partner=self.partner.id) \
            if decision.outcome is Outcome.ACCEPTED else []
        return OrderOutcome(translation, decision, tuple(deliveries))

    def decide(self, order: Order, *, document_id: int | None = None) -> Decision:
        """The partner's rules and policy applied to one order (and its stock, once it is stored)."""
        findings = check_order(order, self.rules, today=self.today)
        if self.stock is not None and document_id is not None:
            return self.stock.promise(order, document_id, findings, self.rules, partner=self.partner.id,
                                      today=self.today)
        return decide(order, findings, self.rules.rules.policy, today=self.today)

    def po_acks(self, acks: Sequence[PoAck]) -> bytes:
        """One interchange holding an 855 per decided order, in the partner's envelope."""
        assert self.outbound_855 is not None
        sets = tuple(TransactionContent("855", self.outbound_855.render(ack)) for ack in acks)
        return write_interchange(self.envelope(), [GroupContent("PR", sets)], self.numbers)

    def envelope(self) -> Envelope:
        p = self.partner
        ours, theirs = p.our_identity(self.workspace), p.identity.theirs
        return Envelope(Party(ours.isa_qualifier, ours.isa_id), Party(theirs.isa_qualifier, theirs.isa_id),
                        ours.gs_id, theirs.gs_id, version=p.isa_version, gs_version=p.version, usage=p.usage,
                        delimiters=p.delimiters.to_x12())

    def ack_request(self) -> AckRequest:
        """The acks the partner asked for (functional by version unless set; TA1 policy)."""
        policy = self.partner.acks
        return AckRequest(policy.functional or "auto", policy.ta1)

