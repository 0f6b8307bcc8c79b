"""A partner's maps, rules and envelope, prepared once (`edigate.config.prepared`): what the
pipeline and the order desk apply to each file and order (validator, inbound 850 and 860
maps, 855 and 865 maps, rules and decision, ack policy, our envelope). Nothing here touches
the store or a channel, except stock taken through `Inventory` and purposes applied to
earlier orders once an order is stored (`edigate.orders.stored`, over an order book).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from edigate.orders.decision import Decision, decide
from edigate.errors import ConfigError
from edigate.orders.inventory import Inventory
from edigate.mapping.locate import locate
from edigate.mapping.cache import MapCache
from edigate.mapping.inbound import InboundMap
from edigate.mapping.outbound import OutboundMap
from edigate.model import Order
from edigate.config.partners import Partner
from edigate.config.prepared import Prepared, prepare
from edigate.orders.stored import decide_stored
from edigate.orders.rules import RuleSet, check_order
from edigate.config.workspace import Workspace
from edigate.x12.envelope import Party
from edigate.x12.respond import AckRequest
from edigate.x12.validate import Validator
from edigate.x12.writer import ControlNumbers, Envelope

__all__ = ["PartnerSetup"]


class PartnerSetup:
    """A partner's configuration loaded for use: its maps compiled, its rules built with their
    data, its envelope and ack policy; what the pipeline and the desk apply to its files."""

    def __init__(self, workspace: Workspace, partner: Partner, numbers: ControlNumbers, *,
                 today: dt.date | None = None, validator: Validator | None = None,
                 stock: Inventory | None = None, maps: MapCache | None = None,
                 prepared: Prepared | None = None) -> None:
        self.workspace = workspace
        self.stock = stock
        """Where available-to-promise takes stock; without it (no store) ``rules.atp`` does not run."""
        self.partner = partner
        self.numbers = numbers
        self.today = today or dt.date.today()
        self.validator = validator or Validator()
        ready = (prepared or prepare(partner, workspace, maps=maps, specs=self.validator.library)).require()
        if "850" not in ready.inbound and partner.commerce is None:  # a platform's orders come as orders
            raise ConfigError(f"partner {partner.id} names no inbound 850 map (documents.inbound.850)")
        assert ready.rules is not None  # a partner without problems has its rules built
        self._inbound: InboundMap | None = ready.inbound.get("850")
        name_855 = partner.documents.outbound.get("855")
        self.outbound_855: OutboundMap | None = ready.map_for(name_855) if name_855 else None
        self.inbound_860: InboundMap | None = ready.inbound.get("860")
        """The partner's 860 map: its changes are applied to the orders held (`edigate.orders.changes`)."""
        name_865 = partner.documents.outbound.get("865")
        self.outbound_865: OutboundMap | None = ready.map_for(name_865) if name_865 else None
        """The partner's 865 map: the answer to an order changed by an 860."""
        self.rules: RuleSet = ready.rules

    @property
    def inbound(self) -> InboundMap:
        """The partner's 850 map (a commerce partner may have none: its orders are not X12)."""
        if self._inbound is None:
            raise ConfigError(f"partner {self.partner.id} names no inbound 850 map (documents.inbound.850)")
        return self._inbound

    def decide(self, order: Order, *, document_id: int | None = None) -> Decision:
        """The partner's rules and policy applied to one order; once it is stored, its stock
        and its purpose too (a cancel, change or replace applied to the earlier order). Each
        finding names its PO, control numbers, line, SKU and segment (`edigate.mapping.locate`)."""
        decision = self._decide(order, document_id)
        if not decision.findings:
            return decision
        return replace(decision, findings=tuple(locate(order, decision.findings, self.rules)))

    def _decide(self, order: Order, document_id: int | None) -> Decision:
        if self.stock is None or document_id is None:
            findings = check_order(order, self.rules, today=self.today)
            return decide(order, findings, self.rules.rules.policy, today=self.today)
        return decide_stored(order, document_id, self.partner.id, self.rules, self.stock, today=self.today)

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

