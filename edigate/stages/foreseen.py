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

from edigate.errors import ConfigError, EdigateError, X12WriteError
from edigate.mapping.locate import locate
from edigate.mapping.outbound import OutboundMap, load_outbound_map
from edigate.model import Order, PoAck, dumps
from edigate.orders.decision import Outcome, decide, with_export
from edigate.orders.purposes import READS_EARLIER
from edigate.orders.rules import RuleFinding, RuleSet, check_order
from edigate.x12.delimiters import Delimiters
from edigate.x12.segment import dump_segments
from edigate.x12.writer import RenderedBody, write_segments

if TYPE_CHECKING:  # the helper process imports this module, not the partner's configuration
    from edigate.config.partner_setup import PartnerSetup

__all__ = ["KEPT_BYTES", "Decider", "DeciderRequest", "Foreseen", "render_ack"]

KEPT_BYTES = 32 * 2**20
"""How much of what was foreseen (its texts) a pass keeps until the decide and answer
stages use it; the orders past it are decided in the decide stage, so that a file of any
size holds at most this much (a 20-line order's 855 twice: about 5 kB)."""

DeciderRequest = tuple[RuleSet, str | None, dt.date, Delimiters]
"""What a helper process needs to decide as this one does: the rules, the 855 map's name,
the day, the delimiters of the partner's envelope."""


@dataclass(frozen=True, slots=True)
class Foreseen:
    """One order's decision as the decide stage would write it."""

    outcome: Outcome
    findings: tuple[RuleFinding, ...]
    export: str | None
    """The order as decided, when that is not the order as received (JSON)."""
    ack_body: str | None
    """The 855 body, for an order an 855 answers (None also when it cannot be rendered)."""
    ack_text: RenderedBody | None = None
    """The 855 body written in the partner's delimiters, for the answer stage's interchange
    (None when it cannot be written: the answer stage then meets why)."""

    @property
    def size(self) -> int:
        """About how many bytes its texts hold (see `KEPT_BYTES`)."""
        texts = (self.export, self.ack_body, None if self.ack_text is None else self.ack_text.text)
        return sum(len(t) for t in texts if t is not None)


def render_ack(outbound_855: OutboundMap | None, ack: PoAck | None) -> str | None:
    """The 855 body for ``ack`` as the store keeps it; None when there is none to keep."""
    return _rendered(outbound_855, ack, None)[0]


def _rendered(outbound_855: OutboundMap | None, ack: PoAck | None, delimiters: Delimiters | None
              ) -> tuple[str | None, RenderedBody | None]:
    """`render_ack`, and the body written in ``delimiters`` when they are given."""
    if ack is None or outbound_855 is None:
        return None, None
    try:
        segments = outbound_855.render(ack)
    except EdigateError:
        return None, None
    if (body := dump_segments(segments)) is None or delimiters is None:
        return body, None
    try:
        return body, RenderedBody(write_segments(segments, delimiters), len(segments), delimiters)
    except X12WriteError:
        return body, None


@dataclass(frozen=True, slots=True)
class Decider:
    """A partner's decision on the orders that read nothing from the store."""

    rules: RuleSet
    outbound_855: OutboundMap | None
    today: dt.date
    delimiters: Delimiters

    @classmethod
    def of(cls, flow: PartnerSetup) -> Decider | None:
        """The flow's decider; None when its partner takes stock (every order reads the store)."""
        if flow.rules.rules.atp is not None:
            return None
        return cls(flow.rules, flow.outbound_855, flow.today, flow.envelope().delimiters)

    @staticmethod
    def request(flow: PartnerSetup) -> DeciderRequest | None:
        """What a helper needs to build the flow's decider (`from_request`)."""
        if flow.rules.rules.atp is not None:
            return None
        return flow.rules, flow.partner.documents.outbound.get("855"), flow.today, flow.envelope().delimiters

    @classmethod
    def from_request(cls, request: DeciderRequest | None, maps_dir: Path) -> Decider | None:
        """The decider a `request` describes, its 855 map compiled from ``maps_dir``; None
        when there is none or the map does not compile (the decide stage decides then)."""
        if request is None:
            return None
        rules, name_855, today, delimiters = request
        try:
            return cls(rules, load_outbound_map(name_855, maps_dir) if name_855 else None, today, delimiters)
        except ConfigError:
            return None

    def __call__(self, order: Order) -> Foreseen | None:
        """The order's decision; None when it reads the store, or deciding it failed (the
        decide stage decides it again and logs why)."""
        if order.purpose in READS_EARLIER:
            return None
        try:
            findings = check_order(order, self.rules, today=self.today)
            decision = with_export(order, decide(order, findings, self.rules.rules.policy, today=self.today),
                                   self.rules)  # as `decide_stored` decides an order that takes no stock
            located = tuple(locate(order, decision.findings, self.rules)) if decision.findings else ()
            by_855 = order.source is None or order.source.set_id != "860"  # an 860's answer is an 865
            body, text = _rendered(self.outbound_855, decision.ack, self.delimiters) if by_855 else (None, None)
            return Foreseen(decision.outcome, located, None if decision.export is None else dumps(decision.export),
                            body, text)
        except Exception:  # noqa: BLE001 - the decide stage meets it again, and records it
            return None
