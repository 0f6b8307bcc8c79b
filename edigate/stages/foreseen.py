"""Orders decided where they are translated: in a big file, an order whose decision reads
nothing from the store is decided by the process that translates it (this one, or the
helper of `edigate.stages.parallel` on the other core), so the decide stage only records
what was foreseen instead of reading the order back, deciding and rendering its 855 on one
core after the map stage.

Such an order is an original (no earlier order to amend or copy: `READS_EARLIER`) of a
partner that takes no stock (no ``rules.atp``): its decision is the partner's rules and
policy applied to the order on the partner's day, as `PartnerSetup.decide` makes it, and
its 855 body is the one `edigate.stages.decide.render_855` renders. Nothing is kept in the
store: a decide stage resumed in another process decides every order itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edigate.errors import ConfigError, EdigateError
from edigate.mapping.locate import locate
from edigate.mapping.outbound import OutboundMap, load_outbound_map
from edigate.model import Order, PoAck, dumps
from edigate.orders.decision import Outcome, as_decided, decide
from edigate.orders.purposes import READS_EARLIER
from edigate.orders.rules import RuleFinding, RuleSet, check_order
from edigate.x12.segment import dump_segments

if TYPE_CHECKING:  # the helper process imports this module, not the partner's configuration
    from edigate.config.partner_setup import PartnerSetup

__all__ = ["Decider", "DeciderRequest", "Foreseen", "render_ack"]

DeciderRequest = tuple[RuleSet, str | None, dt.date]
"""What a helper process needs to decide as this one does: the rules, the 855 map's name, the day."""


@dataclass(frozen=True, slots=True)
class Foreseen:
    """One order's decision as the decide stage would write it."""

    outcome: Outcome
    findings: tuple[RuleFinding, ...]
    export: str | None
    """The order as decided, when that is not the order as received (JSON)."""
    ack_body: str | None
    """The 855 body, for an order an 855 answers (None also when it cannot be rendered)."""


def render_ack(outbound_855: OutboundMap | None, ack: PoAck | None) -> str | None:
    """The 855 body for ``ack`` as the store keeps it; None when there is none to keep."""
    if ack is None or outbound_855 is None:
        return None
    try:
        return dump_segments(outbound_855.render(ack))
    except EdigateError:
        return None


@dataclass(frozen=True, slots=True)
class Decider:
    """A partner's decision on the orders that read nothing from the store."""

    rules: RuleSet
    outbound_855: OutboundMap | None
    today: dt.date

    @classmethod
    def of(cls, flow: PartnerSetup) -> Decider | None:
        """The flow's decider; None when its partner takes stock (every order reads the store)."""
        return None if flow.rules.rules.atp is not None else cls(flow.rules, flow.outbound_855, flow.today)

    @staticmethod
    def request(flow: PartnerSetup) -> DeciderRequest | None:
        """What a helper needs to build the flow's decider (`from_request`)."""
        if flow.rules.rules.atp is not None:
            return None
        return flow.rules, flow.partner.documents.outbound.get("855"), flow.today

    @classmethod
    def from_request(cls, request: DeciderRequest | None, maps_dir: Path) -> Decider | None:
        """The decider a `request` describes, its 855 map compiled from ``maps_dir``; None
        when there is none or the map does not compile (the decide stage decides then)."""
        if request is None:
            return None
        rules, name_855, today = request
        try:
            return cls(rules, load_outbound_map(name_855, maps_dir) if name_855 else None, today)
        except ConfigError:
            return None

    def __call__(self, order: Order) -> Foreseen | None:
        """The order's decision; None when it reads the store, or deciding it failed (the
        decide stage decides it again and logs why)."""
        if order.purpose in READS_EARLIER:
            return None
        try:
            decision = decide(order, check_order(order, self.rules, today=self.today), self.rules.rules.policy,
                              today=self.today)
            export = as_decided(order, decision.ack, self.rules) if decision.outcome is Outcome.ACCEPTED else order
            findings = tuple(locate(order, decision.findings, self.rules)) if decision.findings else ()
            by_855 = order.source is None or order.source.set_id != "860"  # an 860's answer is an 865
            return Foreseen(decision.outcome, findings, None if export is order else dumps(export),
                            render_ack(self.outbound_855, decision.ack) if by_855 else None)
        except Exception:  # noqa: BLE001 - the decide stage meets it again, and records it
            return None
