"""The translate stage for 860s: each accepted 860 of a file read by the partner's map and
applied (`edigate.orders.changes.apply_change`) to the order held for its PO number, giving
orders ready to save, as `edigate.stages.parallel.translate_range` gives them for 850s."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

from edigate.mapping.inbound import InboundMap
from edigate.mapping.translate import translate_transaction
from edigate.model import Order, OrderChange, dumps
from edigate.orders.changes import apply_change
from edigate.orders.purposes import order_key
from edigate.stages.parallel import SetKey, Translated, set_key
from edigate.x12.envelope import EnvelopeReader, Transaction

__all__ = ["translate_changes"]


def translate_changes(data: bytes, name: str | None, mapping: InboundMap, partner_id: str,
                      accepted: Collection[SetKey], held: Callable[[str], Order | None]) -> Iterator[Translated]:
    """The ``accepted`` 860s of a file, each read by ``mapping`` and applied to the order
    ``held`` gives for its PO number, as orders ready to save (like `translate_range`'s)."""
    for event in EnvelopeReader(data, name=name):
        if isinstance(event, Transaction) and event.set_id == "860" and set_key(event) in accepted:
            result = translate_transaction(event, mapping, partner_id)
            change = result.order if result.ok and isinstance(result.order, OrderChange) else None
            if change is None:
                yield Translated(result.isa13, result.gs06, result.st02, None, None, result.findings)
                continue
            order, problems = apply_change(change, held(change.po_number))
            findings = (*result.findings, *problems)
            if any(f.is_error for f in problems):
                yield Translated(result.isa13, result.gs06, result.st02, None, None, findings)
            else:
                yield Translated(result.isa13, result.gs06, result.st02, order_key(order), dumps(order), findings)
