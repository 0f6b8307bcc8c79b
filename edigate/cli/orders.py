"""The order desk's commands: the exception queue, stock, shipments, invoices and overdue acks.

Each gets the workspace's context as the gateway commands do (`edigate.cli.context`):
``edigate.yaml`` found from the current directory upwards, or ``--workspace DIR``. All but
``inventory load`` need a store already there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from edigate.cli.actor import current_actor
from edigate.cli.context import reading, writing
from edigate.cli.output import dump_json, output_json
from edigate.cli.tables import add_table_options, export, orders_table, overdue_table
from edigate.config.context import Context
from edigate.errors import UsageError

if TYPE_CHECKING:
    from edigate.desk import OrderChain
    from edigate.orders.overrides import Override
    from edigate.store import As2Message, Document, Outbound

__all__ = ["add_commands"]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from edigate.cli.dates import TIME_HELP
    from edigate.orders.book import DocumentStatus

    orders = commands.add_parser("orders", help="orders: list, show, and work the exception queue")
    actions = orders.add_subparsers(dest="orders_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="current orders, oldest first")
    listing.add_argument("--held", action="store_true", help="only orders waiting in the exception queue")
    listing.add_argument("--partner", metavar="P")
    listing.add_argument("--status", metavar="S", help="one of: " + ", ".join(s.value for s in DocumentStatus))
    listing.add_argument("--since", metavar="D", help=f"received from this time: {TIME_HELP}")
    listing.add_argument("--po", metavar="PO", help="only this PO number")
    listing.add_argument("--sku", metavar="SKU", help="only orders with a line for this SKU or item number")
    listing.add_argument("--json", action="store_true")
    add_table_options(listing).set_defaults(handler=reading(_list))
    show = actions.add_parser("show", help="the whole chain: 850 -> 855 -> 856 -> 810 -> acks, and the "
                                           "orders that cancel, change or replace it")
    show.add_argument("ref", metavar="ID|PO")
    show.add_argument("--partner", metavar="P")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=reading(_show))
    release = actions.add_parser("release", help="accept a held order; route it and send the 855")
    reject = actions.add_parser("reject", help="reject a held order with an RD 855")
    override = actions.add_parser("override", help="correct a held order: a line's price, quantity, unit, item "
                                                   "or dates, the ship-to or the order's dates (a new version under "
                                                   "the same order id and PO); rules checked again")
    for cmd, handler in ((release, _release), (reject, _reject), (override, _override)):
        cmd.add_argument("ref", metavar="ID|PO", help="the order id, or its PO number")
        cmd.add_argument("--partner", metavar="P", help="the partner, when two sent the same PO")
        cmd.add_argument("--json", action="store_true")
        cmd.set_defaults(handler=reading(handler))
    for cmd in (release, reject, override):
        cmd.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the audit trail)")
    _override_options(override)

    _shipping_commands(commands)

    stock = commands.add_parser("inventory", help="available to promise: stock levels and what orders took")
    stock_actions = stock.add_subparsers(dest="inventory_command", metavar="ACTION", required=True)
    levels = stock_actions.add_parser("show", help="on hand, allocated and available per SKU and warehouse")
    levels.add_argument("--sku", metavar="SKU")
    levels.add_argument("--json", action="store_true")
    levels.set_defaults(handler=reading(_inventory))
    load = stock_actions.add_parser("load", help="load an inventory feed (sku, warehouse, on_hand, available_date)")
    load.add_argument("file", type=Path, metavar="FILE")
    load.set_defaults(handler=writing(_load_inventory))

    acks = commands.add_parser("acks", help="functional acks of what we sent")
    ack_actions = acks.add_subparsers(dest="acks_command", metavar="ACTION", required=True)
    late = ack_actions.add_parser("overdue", help="outbound documents without an ack past their window")
    late.add_argument("--json", action="store_true")
    add_table_options(late).set_defaults(handler=reading(_overdue))


def _shipping_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ship = commands.add_parser("ship", help="shipment confirmation (CSV, JSON or a 3PL's X12 945) -> 856, and 810 "
                                            "where the partner bills so")
    ship.add_argument("file", type=Path, metavar="FILE")
    ship.add_argument("--partner", required=True, metavar="P")
    ship.add_argument("--json", action="store_true", help="print the shipment and the files written as JSON")
    ship.set_defaults(handler=reading(_ship))
    invoice = commands.add_parser("invoice", help="810 for what shipped of PO and is not invoiced yet")
    invoice.add_argument("po", metavar="PO")
    invoice.add_argument("--partner", required=True, metavar="P")
    invoice.add_argument("--json", action="store_true", help="print the invoices written as JSON")
    invoice.set_defaults(handler=reading(_invoice))


def _list(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.cli.dates import parse_choice, parse_time
    from edigate.desk import held_orders
    from edigate.desk.finding import orders_matching
    from edigate.store import DocumentKind, DocumentStatus

    status = parse_choice(args.status, DocumentStatus) if args.status else None
    since = parse_time(args.since) if args.since else None
    docs = held_orders(ctx.store, args.partner) if args.held else \
        ctx.store.documents(kind=DocumentKind.ORDER, partner=args.partner, current=True, status=status)
    docs = orders_matching(docs, po=args.po, sku=args.sku, since=since)
    if export(args, out, lambda: orders_table(docs)):
        return 0
    if args.json:
        dump_json([_doc_json(d) for d in docs], out)
        return 0
    print(f"{'ID':>6}  {'RECEIVED (UTC)':19}  {'PARTNER':10} {'STATUS':10} {'TX':>6}  PO:PURPOSE", file=out)
    for d in docs:
        print(f"{d.id:6}  {d.created_at:%Y-%m-%d %H:%M:%S}  {d.partner:10} {d.status.value:10} "
              f"{d.transmission_id or '':>6}  {d.key}", file=out)
    return 0


def _show(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.stages import receipts
    from edigate.desk import find_order, order_chain
    from edigate.desk.stored import po_of

    doc = find_order(ctx.store, args.ref, args.partner)
    chain = order_chain(ctx.store, doc.partner, po_of(doc))
    errors = ctx.store.errors(chain.transmission.id) if chain.transmission else []
    mdns = receipts.by_output(ctx.store, chain.outbounds)
    if args.json:
        dump_json(_chain_json(chain, mdns), out)
        return 0
    _print_chain(chain, out, mdns)
    still = _still_found(ctx, chain)
    for e in errors:
        if e.stage == "rules" and e.po_number in (None, chain.po_number):  # not the file's other orders'
            line = f" line {e.line_number}" + (f" ({e.sku})" if e.sku else "") if e.line_number else ""
            done = "" if still is None or (e.code, e.line_number) in still else " (resolved by override)"
            print(f"  finding{line} {e.code}: {e.message}{done}", file=out)
    return 0


def _still_found(ctx: Context, chain: OrderChain) -> frozenset[tuple[str, str | None]] | None:
    """The findings the order has as it stands, when an override changed it (else None)."""
    from edigate.desk.queue import still_found
    from edigate.store import AuditAction

    if not any(e.action is AuditAction.OVERRIDE for e in chain.events):
        return None
    return still_found(ctx, ctx.partner(chain.order.partner), chain.order)


def _print_chain(chain: OrderChain, out: TextIO, mdns: Mapping[int, As2Message] | None = None) -> None:
    from edigate.stages import receipts
    from edigate.desk.stored import purpose_of
    from edigate.printable import shown

    d, t = chain.order, chain.transmission
    same = [v.id for v in chain.versions if v.key == d.key]  # this order's versions, its id the first's
    version = f" (version {same.index(d.id) + 1}, document {d.id})" if d.id in same and same[0] != d.id else ""
    print(f"order {same[0] if same else d.id}{version}: PO {chain.po_number} from {d.partner}: {d.status.value}",
          file=out)
    if t is not None:
        print(f"  850 in transmission {t.id} ({shown(t.file_name)}, ISA13 {shown(t.isa13 or '-')}): "
              f"{t.status.value}", file=out)
    if len(chain.versions) > 1:
        for v in chain.versions:
            print(f"  order {v.id} ({purpose_of(v)}): {v.status.value}{_links(chain, v)}", file=out)
    for o in chain.outbounds:
        due = f", due {o.ack_due_at:%Y-%m-%d %H:%M}" if o.ack_status.value == "pending" and o.ack_due_at else ""
        result = f": {o.ack_result}" if o.ack_result else ""
        print(f"  {o.set_id} ISA13 {o.isa13} GS06 {o.gs06} ST02 {o.st02} {'sent' if o.sent_at else 'queued'}; "
              f"ack {o.ack_status.value}{due}{result}{receipts.receipt_text((mdns or {}).get(o.id))}", file=out)
    for e in chain.events:
        print(f"  {e.at:%Y-%m-%d %H:%M:%S} {e.actor} {e.action.value} {e.target}: {e.note}", file=out)


def _links(chain: OrderChain, doc: Document) -> str:
    """How ``doc`` stands to the other orders of its PO: what it amends, what amended it."""
    from edigate.desk.stored import purpose_of

    later = chain.amended_by(doc)
    words = [f"{purpose_of(later)} order {later.id} retired it"] if later else []
    if doc.amends is not None:
        words.append(f"amends order {doc.amends}")
    if doc.superseded_by is not None:
        words.append(f"corrected as order {doc.superseded_by}")
    return f" ({'; '.join(words)})" if words else ""


def _release(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.desk import find_order, release

    doc = find_order(ctx.store, args.ref, args.partner)
    done = release(ctx, ctx.partner(doc.partner), doc.id, actor=current_actor(), reason=args.reason)
    destinations = [d.destination for d in done.deliveries]
    if args.json:
        dump_json({**_decided_json(ctx, done.document, done.po_ack, done.problems, args.reason),
               "routed_to": destinations}, out)
        return 1 if done.problems else 0
    sent = f"855 ISA13 {done.po_ack.isa13}" if done.po_ack else "no 855 (the partner takes none)"
    print(f"{_named(ctx, done.document)}: accepted; {sent}; routed to "
          f"{', '.join(destinations) or 'no destination'}", file=out)
    for problem in done.problems:
        print(f"  not delivered or sent: {problem}", file=out)
    return 1 if done.problems else 0


def _reject(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.desk import find_order, reject

    doc = find_order(ctx.store, args.ref, args.partner)
    done = reject(ctx, ctx.partner(doc.partner), doc.id, reason=args.reason, actor=current_actor())
    if args.json:
        dump_json(_decided_json(ctx, done.document, done.po_ack, done.problems, args.reason), out)
        return 1 if done.problems else 0
    sent = f"855 ISA13 {done.po_ack.isa13}" if done.po_ack else "no 855 (the partner takes none)"
    print(f"{_named(ctx, done.document)}: rejected; {sent}", file=out)
    for problem in done.problems:
        print(f"  not sent: {problem}", file=out)
    return 1 if done.problems else 0


def _named(ctx: Context, doc: Document) -> str:
    """An order as the specialist knows it: its stable id and PO, and the version when overridden."""
    from edigate.desk.stored import po_of, version_of

    stable, version = version_of(ctx.store, doc)
    return f"order {stable} (PO {po_of(doc)}" + (f", version {version})" if version > 1 else ")")


def _decided_json(ctx: Context, doc: Document, po_ack: Outbound | None, problems: tuple[str, ...],
                  reason: str) -> dict[str, Any]:
    from edigate.desk.stored import po_of, version_of

    stable, version = version_of(ctx.store, doc)
    return {"order": stable, "po": po_of(doc), "partner": doc.partner, "version": version, "document": doc.id,
            "status": doc.status.value, "reason": reason,
            "po_ack": None if po_ack is None else _outbound_json(po_ack), "problems": list(problems)}


def _override_options(override: argparse.ArgumentParser) -> None:
    override.add_argument("--line", metavar="N", help="the line to change (its dates too, with a date option)")
    override.add_argument("--price", metavar="X", help="the line's unit price")
    override.add_argument("--quantity", metavar="Q", help="the line's quantity (in its unit, or in --unit's)")
    override.add_argument("--unit", metavar="U", help="the line's unit: quantity and price converted by the "
                                                      "partner map's units: section, else the pack (PO4, else "
                                                      "the catalog's) for CA/BX/PK/CT <-> EA, 12 for DZ")
    override.add_argument("--item", metavar="SKU", help="our catalog SKU instead of the one ordered (855: IS)")
    override.add_argument("--ship-to", metavar="STORE", help="the store or DC number to ship to")
    for flag, what in (("--ship-date", "requested ship"), ("--deliver-date", "requested delivery"),
                       ("--cancel-after", "cancel-after")):
        override.add_argument(flag, metavar="YYYY-MM-DD", help=f"the {what} date (of the line with --line)")


def _override_of(args: argparse.Namespace) -> Override:
    from edigate.orders.overrides import Override

    def number(flag: str, text: str | None) -> Decimal | None:
        try:
            return None if text is None else Decimal(text)
        except InvalidOperation as exc:
            raise UsageError(f"--{flag} {text!r} is not a number") from exc

    def day(flag: str, text: str | None) -> dt.date | None:
        try:
            return None if text is None else dt.date.fromisoformat(text)
        except ValueError as exc:
            raise UsageError(f"--{flag} {text!r} is not a date (YYYY-MM-DD)") from exc

    return Override(line=args.line, price=number("price", args.price), quantity=number("quantity", args.quantity),
                    unit=args.unit.strip().upper() if args.unit else None, item=args.item, ship_to=args.ship_to,
                    ship_date=day("ship-date", args.ship_date), deliver_date=day("deliver-date", args.deliver_date),
                    cancel_after=day("cancel-after", args.cancel_after))


def _override(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.desk import find_order, override
    from edigate.desk.stored import po_of, version_of

    change = _override_of(args)
    if not args.reason.strip():
        raise UsageError("an override needs a reason (--reason TEXT)")
    doc = find_order(ctx.store, args.ref, args.partner)
    done = override(ctx, ctx.partner(doc.partner), doc.id, change, actor=current_actor(), reason=args.reason)
    stable, version = version_of(ctx.store, done.document)
    if args.json:
        dump_json({"order": stable, "po": po_of(done.document), "partner": done.document.partner, "version": version,
                   "document": done.document.id, "status": done.document.status.value, "line": args.line,
                   "price": None if change.price is None else str(change.price), "changes": list(done.changes),
                   "conversion": None if done.conversion is None else done.conversion.json(),
                   "reason": args.reason, "findings": [{"code": f.code, "line": f.line, "message": f.message}
                                                       for f in done.findings]}, out)
        return 0
    print(f"{_named(ctx, done.document)}: {'; '.join(done.changes)}; still held", file=out)
    for f in done.findings:
        print(f"  {f}", file=out)
    if not done.findings:
        print(f"  no findings remain: edigate orders release {stable} --reason TEXT", file=out)
    return 0


def _ship(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.desk import ship

    done = ship(ctx, ctx.partner(args.partner), args.file)
    s = done.shipment
    if args.json:

        dump_json({"shipment": s.shipment_id, "orders": [o.po_number for o in s.orders],
                   "outputs": [output_json(o) for o in (*done.asn[:1], *done.invoices)],
                   "problems": list(done.problems)}, out)
        return 1 if done.problems else 0
    print(f"shipment {s.shipment_id}: {len(s.orders)} order(s)", file=out)
    for o in (*done.asn[:1], *done.invoices):
        print(f"  {o.set_id} ISA13 {o.isa13} GS06 {o.gs06} ST02 {o.st02}: archive/{o.archive_path}", file=out)
    for problem in done.problems:
        print(f"  not sent: {problem}", file=out)
    return 1 if done.problems else 0


def _invoice(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.desk import invoice

    done = invoice(ctx, ctx.partner(args.partner), args.po)
    if args.json:

        dump_json({"po": args.po, "outputs": [output_json(o) for o in done]}, out)
        return 0
    for o in done:
        print(f"810 ISA13 {o.isa13} GS06 {o.gs06} ST02 {o.st02}: archive/{o.archive_path}", file=out)
    return 0


def _inventory(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    levels = ctx.store.inventory(sku=args.sku)
    if args.json:
        dump_json([{"sku": v.sku, "warehouse": v.warehouse, "on_hand": str(v.on_hand), "allocated": str(v.allocated),
                "available": str(v.available),
                "available_date": v.available_date.isoformat() if v.available_date else None} for v in levels], out)
        return 0
    print(f"{'SKU':16} {'WAREHOUSE':10} {'ON HAND':>10} {'ALLOCATED':>10} {'AVAILABLE':>10}  MORE ON", file=out)
    for v in levels:
        print(f"{v.sku:16} {v.warehouse or '-':10} {v.on_hand:>10} {v.allocated:>10} {v.available:>10}  "
              f"{v.available_date or ''}", file=out)
    return 0


def _load_inventory(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    import hashlib

    from edigate.orders.inventory import read_feed

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise UsageError(f"{args.file}: cannot read: {exc.strerror}") from exc
    levels = read_feed(args.file, data)
    loaded = ctx.store.load_inventory(levels, source=str(args.file), sha256=hashlib.sha256(data).hexdigest())
    print(f"{args.file}: {len(levels)} SKU level(s) " + ("loaded" if loaded else "unchanged since the last load"),
          file=out)
    return 0


def _overdue(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.desk import overdue

    late = overdue(ctx.store)
    if export(args, out, lambda: overdue_table(late)):
        return 0
    if args.json:
        dump_json([_outbound_json(o) for o in late], out)
        return 0
    print(f"{'DUE (UTC)':16}  {'PARTNER':10} {'SET':4} {'ISA13':9} {'GS06':9} {'ST02':9} KEY", file=out)
    for o in late:
        due = f"{o.ack_due_at:%Y-%m-%d %H:%M}" if o.ack_due_at else ""
        print(f"{due:16}  {o.partner:10} {o.set_id:4} {o.isa13:9} {o.gs06:9} {o.st02:9} {o.key}", file=out)
    return 0


def _doc_json(d: Document, chain: OrderChain | None = None) -> dict[str, Any]:
    from edigate.desk.stored import po_of

    later = chain.amended_by(d) if chain is not None else None
    return {"id": d.id, "partner": d.partner, "key": d.key, "po_number": po_of(d),
            "status": d.status.value, "transmission_id": d.transmission_id, "created_at": d.created_at.isoformat(),
            "superseded_by": d.superseded_by, "amends": d.amends,
            **({"amended_by": later.id if later else None} if chain is not None else {})}


def _outbound_json(o: Outbound) -> dict[str, Any]:
    """`output_json`, with the order's side: its key and document, and the partner's ack of it."""
    return {**output_json(o), "key": o.key, "document_id": o.document_id,
            "ack_due_at": o.ack_due_at.isoformat() if o.ack_due_at else None, "ack_status": o.ack_status.value,
            "ack_result": o.ack_result, "ack_transmission_id": o.ack_transmission_id}


def _chain_json(chain: OrderChain, mdns: Mapping[int, As2Message] | None = None) -> dict[str, Any]:
    from edigate.stages import receipts

    t = chain.transmission
    return {"order": {**_doc_json(chain.order, chain), "body": json.loads(chain.order.body),
                      "decided": json.loads(chain.order.decided) if chain.order.decided else None},
            "versions": [_doc_json(d, chain) for d in chain.versions],
            "transmission": None if t is None else {"id": t.id, "file_name": t.file_name, "isa13": t.isa13,
                                                    "status": t.status.value},
            "outbounds": [{**_outbound_json(o), "receipt": receipts.receipt_json((mdns or {}).get(o.id))}
                          for o in chain.outbounds],
            "audit": [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action.value, "target": e.target,
                       "note": e.note} for e in chain.events]}

