"""The exception queue: held orders released, rejected or corrected by a specialist.

Releasing an order continues what the pipeline stopped: it takes the order's stock (a line
the stock cannot fill is answered IB or IQ, per the partner's ``rules.atp``), routes it and
sends the 855. Rejecting gives back any stock the order held. Every action is audited.

A release stands: the order is marked released with its export and its 855 kept, so a
reprocess of its transmission (a destination that did not take it) does not decide it
again; it delivers what did not go and sends that 855.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from edigate.config.context import Context
from edigate.orders.decision import as_decided, po_ack
from edigate.errors import UsageError
from edigate.orders.inventory import Inventory
from edigate.model import Order, Purpose, dumps, loads, to_json
from edigate.desk.outputs import ALL_CHANNELS, deliver, partner_setup, send
from edigate.desk.stored import find_order, order_of, po_of, target_of
from edigate.config.partners import Partner
from edigate.orders.purposes import Amendments, is_cancel
from edigate.stages.answer import answer_order
from edigate.stages.decide import RELEASED
from edigate.stages.route import Routing
from edigate.x12.segment import dump_segments
from edigate.orders.routing import Delivery
from edigate.orders.overrides import Conversion, Override, acknowledge, apply_override, unit_conversion
from edigate.orders.rules import RuleFinding, check_order
from edigate.store import AuditAction, Document, DocumentKind, DocumentStatus, Outbound, Status, Store

__all__ = ["Overridden", "Rejected", "Released", "override", "reject", "release", "still_found"]

_BLOCKING = frozenset({"rule.purpose.shipped", "rule.purpose.retired"})


@dataclass(frozen=True, slots=True)
class Released:
    document: Document
    po_ack: Outbound | None
    deliveries: tuple[Delivery, ...]
    problems: tuple[str, ...] = ()
    """What could not be delivered or sent (also in the transmission's error log); sends are retried."""
    findings: tuple[RuleFinding, ...] = ()
    """Lines the stock could not fill, answered IB or IQ in the 855."""


@dataclass(frozen=True, slots=True)
class Rejected:
    document: Document
    po_ack: Outbound | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Overridden:
    """The new version of a held order, and the rule findings it still has."""

    document: Document
    findings: tuple[RuleFinding, ...]
    changes: tuple[str, ...] = ()
    """Each change made, as "what old -> new"."""
    conversion: Conversion | None = None
    """How a change of unit converted the line (the map's declaration, the pack or 12 to the dozen)."""


def release(ctx: Context, partner: Partner, order_id: int, *, actor: str, reason: str = "",
            today: dt.date | None = None, channel_types: Collection[str] = ALL_CHANNELS) -> Released:
    """Accept a held order as it stands and continue the pipeline: its purpose applied to the
    earlier order, stock, routing (the order as decided), the 855."""
    store = ctx.store
    doc = _held(store, order_id)
    stock = Inventory(store, ctx.workspace.root)
    flow = partner_setup(ctx, partner, today=today, stock=stock)
    order = order_of(doc)
    with store.unit():  # the decision whole or not at all: a reprocess trusts the RELEASED mark
        _amend(store, order, doc)
        short = [] if order.purpose is Purpose.CANCEL else stock.take(order, doc.id, flow.rules)
        ack = acknowledge(po_ack(order, short, today=flow.today), _as_received(store, doc), order, flow.rules.units)
        export = as_decided(order, ack, flow.rules)
        # rendered here, so an 855 that cannot be written stops the release before it is recorded
        ack_body = None if flow.outbound_855 is None else dump_segments(flow.outbound_855.render(ack))
        doc = store.set_document_status(doc.id, DocumentStatus.ACCEPTED, ack_body=ack_body,
                                        decided=None if export is order else dumps(export))
        store.mark_once(RELEASED, str(doc.id))  # a reprocess keeps this decision (edigate.stages.decide)
        note = "released from the queue" + (f": {reason.strip()}" if reason.strip() else "")
        store.audit(actor=actor, action=AuditAction.RESOLVE, target=target_of(doc), note=note,
                    transmission_id=doc.transmission_id)
    deliveries = _route(ctx, partner, doc, export)
    problems = deliver(ctx, partner, doc, deliveries)
    if problems:  # as in the pipeline: no 855 before the order reached its destinations
        return _undelivered(ctx, doc, deliveries, problems, tuple(short))
    sent = answer_order(store, ctx.archive, flow, doc, ack)
    if doc.transmission_id is not None:
        store.finish_held_transmission(doc.transmission_id)
    problems += send(ctx, partner, [sent] if sent else [], channel_types)
    return Released(doc, sent, deliveries, problems, tuple(short))


def _undelivered(ctx: Context, doc: Document, deliveries: tuple[Delivery, ...], problems: tuple[str, ...],
                 short: tuple[RuleFinding, ...]) -> Released:
    """A released order a destination did not take: its transmission fails at the route
    stage (in the queue, with the answer in its log). ``tx reprocess`` keeps the release
    (the decide stage does not decide a released order again): it delivers what did not
    go, nothing twice, then sends the 855 this release answers with."""
    if doc.transmission_id is not None:
        ctx.store.set_status(doc.transmission_id, Status.FAILED, stage="route")
    return Released(doc, None, deliveries, problems, short)


def _amend(store: Store, order: Order, doc: Document) -> None:
    """A released cancel, change or replace retires the earlier order, unless that order
    shipped or was retired already: then releasing it would hide the problem."""
    amendments = Amendments(store)
    amendment = amendments.check(order, doc.id, doc.partner)
    blocking = [f for f in amendment.findings if f.code in _BLOCKING]
    if blocking:
        raise UsageError(f"order {doc.id} cannot be released: {blocking[0].message}; {blocking[0].hint}",
                         code="orders.amend")
    amendments.apply(amendment, order)


def _route(ctx: Context, partner: Partner, doc: Document, export: Order) -> tuple[Delivery, ...]:
    """The deliveries of a released order: as decided; a cancel only where the earlier order went."""
    if is_cancel(doc):
        if doc.decided is None:
            return ()
        export = loads(Order, doc.decided)
    return tuple(Routing(ctx.store, ctx.archive, ctx.workspace, partner).deliveries(doc, export))


def reject(ctx: Context, partner: Partner, order_id: int, *, reason: str, actor: str,
           today: dt.date | None = None, channel_types: Collection[str] = ALL_CHANNELS) -> Rejected:
    """Refuse a held order: every line IR in an RD 855; any stock it held goes back."""
    if not reason.strip():
        raise UsageError("a rejection needs a reason")
    store = ctx.store
    doc = _held(store, order_id)
    flow = partner_setup(ctx, partner, today=today)
    doc = store.set_document_status(doc.id, DocumentStatus.REJECTED)
    store.release_allocations(doc.id)
    store.audit(actor=actor, action=AuditAction.RESOLVE, target=target_of(doc), note=f"rejected: {reason}",
                transmission_id=doc.transmission_id)
    sent = answer_order(store, ctx.archive, flow, doc, po_ack(order_of(doc), (), today=flow.today, reject=True))
    if doc.transmission_id is not None:
        store.finish_held_transmission(doc.transmission_id)
    return Rejected(doc, sent, send(ctx, partner, [sent] if sent else [], channel_types))


def override(ctx: Context, partner: Partner, order_id: int, change: Override | None = None, *,
             line: str | None = None, price: Decimal | None = None, actor: str, reason: str = "",
             today: dt.date | None = None) -> Overridden:
    """Correct a held order (``change``, or line ``line``'s ``price``): a new version of it
    under the same order id and PO, audited with ``reason``, its rules checked again."""
    store = ctx.store
    doc = _held(store, order_id)
    order = order_of(doc)
    change = change or Override(line=line, price=price)
    if change.price is not None:
        _check_price(change.price)
    flow = partner_setup(ctx, partner, today=today)
    changed, said = apply_override(order, change, flow.rules)
    conversion = unit_conversion(order, change, flow.rules)
    if change.price is not None:
        quantity = next(n.quantity for n in changed.lines if n.line_number == change.line)
        if not quantity > 0:
            raise UsageError(f"order {doc.id} line {change.line} has quantity {quantity}: a price needs a positive "
                             f"quantity to answer; reject the order instead (edigate orders reject {doc.id})")
    saved = store.save_document(kind=DocumentKind.ORDER, partner=doc.partner, key=doc.key,
                                body=json.dumps(to_json(changed)), transmission_id=doc.transmission_id,
                                status=DocumentStatus.HELD, supersedes=doc.id)
    assert saved.document is not None
    store.release_allocations(doc.id)
    findings = tuple(check_order(changed, flow.rules, today=flow.today))
    why = f": {reason.strip()}" if reason.strip() else ""
    by = f" (unit converted by {conversion.source})" if conversion is not None else ""
    store.audit(actor=actor, action=AuditAction.OVERRIDE, target=target_of(saved.document),
                note=f"{'; '.join(said)}{by} (was order {doc.id}){why}; findings now: "
                     f"{', '.join(f.code for f in findings) or 'none'}", transmission_id=doc.transmission_id)
    return Overridden(saved.document, findings, said, conversion)


PRICE_DIGITS = 17
"""Digits a unit price may have: PO104 (855, 850), IT104 (810) and W0112 are R 1/17."""


def _check_price(price: Decimal) -> None:
    """A price the 855 can carry: a finite, non-negative number of at most 17 digits."""
    if not price.is_finite():
        raise UsageError(f"price {price} is not a finite number")
    if price.is_signed():  # -0 too: PO104 would carry the sign
        raise UsageError(f"price {price} is negative")
    try:
        _, figures, exponent = price.normalize().as_tuple()
    except ArithmeticError:  # an exponent past what Decimal's context takes
        raise UsageError(f"price {price} has too many digits; PO104 holds at most {PRICE_DIGITS}") from None
    assert isinstance(exponent, int)  # finite
    # as X12 writes it: a fraction below 1 with its leading 0 (0.05 is 3 digits)
    digits = len(figures) + exponent if exponent >= 0 else max(len(figures) + exponent, 1) - exponent
    if digits > PRICE_DIGITS:
        raise UsageError(f"price {price} has {digits} digits; PO104 holds at most {PRICE_DIGITS}")


def still_found(ctx: Context, partner: Partner, doc: Document,
                today: dt.date | None = None) -> frozenset[tuple[str, str | None]]:
    """The rule findings (code, line) the order as it stands now still has: those of an
    earlier version missing here were resolved by an override."""
    flow = partner_setup(ctx, partner, today=today)
    return frozenset((f.code, f.line) for f in check_order(order_of(doc), flow.rules, today=flow.today))


def _held(store: Store, order_id: int) -> Document:
    doc = find_order(store, str(order_id))
    if doc.id != order_id and doc.status is not DocumentStatus.HELD:
        raise UsageError(f"order {order_id} was replaced by order {doc.id}, which is {doc.status.value}")
    if doc.status is not DocumentStatus.HELD:
        raise UsageError(f"order {doc.id} (PO {po_of(doc)}) is {doc.status.value}, not held", code="orders.not_held")
    return doc


def _as_received(store: Store, doc: Document) -> Order:
    """The order as it came, before any override: what the 855 answers line by line."""
    return order_of(store.documents(kind=DocumentKind.ORDER, partner=doc.partner, key=doc.key)[0])
