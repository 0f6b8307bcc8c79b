"""The specialists' commands: list and show transmissions (the actions on one are in
`edigate.cli.tx_actions`; ingest and run in `edigate.cli.ingest`).

Each gets the workspace's context (`edigate.cli.context`): ``edigate.yaml`` found from the
current directory upwards or given with ``--workspace``; its ``store`` and ``archive_dir``
(SQLite file ``edigate.db`` beside ``edigate.yaml`` by default). The listing commands and
those acting on recorded transmissions need a store; ``ingest`` and ``run`` make one.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from edigate.cli.context import reading
from edigate.cli.output import dump_json, record_json
from edigate.cli.tables import add_table_options, export, tx_table
from edigate.config.context import Context

if TYPE_CHECKING:
    from edigate.store import Store, Transmission

__all__ = ["STATUSES", "add_commands", "print_transmissions"]

STATUSES = ("received", "processing", "done", "held", "failed", "duplicate", "resolved", "superseded")
"""`edigate.store.Status`'s values, spelled out: importing the store (SQLAlchemy, Alembic) to
build the parser would cost every command, ``x12 parse`` included, about a second."""


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from edigate.cli.dates import TIME_HELP

    tx = commands.add_parser("tx", help="transmissions: list, show, errors, reprocess, resend, resolve")
    actions = tx.add_subparsers(dest="tx_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="newest first")
    listing.add_argument("--status", metavar="S", help="one of: " + ", ".join(STATUSES))
    listing.add_argument("--partner", metavar="P")
    listing.add_argument("--since", metavar="D", help=TIME_HELP)
    listing.add_argument("--po", metavar="PO", help="only files that carried this PO (or whose errors name it)")
    listing.add_argument("--sku", metavar="SKU", help="only files with an order line for this SKU or item number")
    listing.add_argument("--json", action="store_true")
    add_table_options(listing).set_defaults(handler=reading(_tx_list))
    for name, handler, text in (("show", reading(_tx_show), "envelope, stage timeline, error log, outputs"),
                                ("errors", reading(_tx_errors), "the error log with positions and hints")):
        cmd = actions.add_parser(name, help=text)
        cmd.add_argument("id", type=int, metavar="ID")
        cmd.add_argument("--json", action="store_true")
        cmd.set_defaults(handler=handler)
    from edigate.cli import tx_actions

    tx_actions.add_commands(actions)

def _tx_list(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.cli.dates import parse_choice, parse_time
    from edigate.desk.finding import transmissions_matching
    from edigate.store import Status

    status = parse_choice(args.status, Status) if args.status else None
    since = parse_time(args.since) if args.since else None
    rows = transmissions_matching(ctx.store, ctx.store.transmissions(status=status, partner=args.partner,
                                                                     since=since), po=args.po, sku=args.sku)
    if export(args, out, lambda: tx_table(rows)):
        return 0
    if args.json:
        dump_json([record_json(t) for t in rows], out)
        return 0
    print_transmissions(rows, out)
    return 0


def print_transmissions(rows: Sequence[Transmission], out: TextIO) -> None:
    """The transmission table, newest first, as `tx list` prints it; what came from a partner
    (file name, ISA13) is escaped, so no name forges a row or colours the terminal."""
    from edigate.printable import shown

    print(f"{'ID':>6}  {'RECEIVED (UTC)':19}  {'PARTNER':10} {'STATUS':10} {'STAGE':9} {'ISA13':9}  FILE", file=out)
    for t in rows:
        print(f"{t.id:6}  {t.received_at:%Y-%m-%d %H:%M:%S}  {t.partner:10} {t.status.value:10} "
              f"{t.stage or '':9} {shown(t.isa13 or ''):9}  {shown(t.file_name)}", file=out)


def _tx_show(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.cli.audit import event_json, event_text, transmission_events
    from edigate.stages import receipts

    store = ctx.store
    t = store.transmission(args.id)
    stages, errors = store.stages(t.id), store.errors(t.id)
    documents, outbounds = store.documents(transmission_id=t.id), store.outbounds(t.id)
    duplicate, events = _duplicate_json(store, t), transmission_events(store, t.id)
    mdns = receipts.by_output(store, outbounds)
    if args.json:
        dump_json({**record_json(t), "duplicate_of": duplicate, "audit": [event_json(e) for e in events],
               "stages": [record_json(s) for s in stages],
               "errors": [record_json(e) for e in errors],
               "documents": [{"id": d.id, "kind": d.kind.value, "key": d.key, "status": d.status.value}
                             for d in documents],
               "outputs": [{**record_json(o), "receipt": receipts.receipt_json(mdns.get(o.id))}
                           for o in outbounds]}, out)
        return 0
    print(f"transmission {t.id}: {t.status.value} (stage {t.stage or '-'}), partner {t.partner}, "
          f"channel {t.channel}, file {t.file_name!r}, {t.size} bytes, sha256 {t.sha256[:16]}...", file=out)
    if duplicate is not None:
        print(f"  duplicate of {duplicate['text']}; {duplicate['advice']}", file=out)
    print(f"  ISA13 {t.isa13 or '-'}  usage {t.usage or '-'}  sets "
          f"{', '.join(f'{s.set_id} {s.st02}' for s in t.sets if s.set_id) or '-'}", file=out)
    for s in stages:
        took = f"{s.duration_ms} ms" if s.duration_ms is not None else "running"
        print(f"  stage {s.stage:9} {s.outcome.value:8} {took}", file=out)
    for d in documents:
        print(f"  {d.kind.value} {d.key}: {d.status.value}", file=out)
    for o in outbounds:
        print(f"  output {o.set_id} ISA13 {o.isa13} ST02 {o.st02}: archive/{o.archive_path}"
              f"{receipts.receipt_text(mdns.get(o.id))}", file=out)
    for e in events:  # who reprocessed, resolved or resent it, and why
        print(f"  {event_text(e)}", file=out)
    print(f"  {len(errors)} error log entries (edigate tx errors {t.id})", file=out)
    return 0


def _tx_errors(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    errors = ctx.store.errors(ctx.store.transmission(args.id).id)
    if args.json:
        dump_json([record_json(e) for e in errors], out)
        return 0
    from edigate.printable import shown  # ST02, segment ids and messages may carry a partner's bytes

    for e in errors:
        item = f"SKU {e.sku}" if e.sku else f"item {e.buyer_item}" if e.buyer_item else ""
        if e.sku and e.buyer_item:
            item += f" (buyer item {e.buyer_item})"
        where = " ".join(x for x in (f"PO {e.po_number}" if e.po_number else "", f"ST02 {e.st02}" if e.st02 else "",
                                     f"line {e.line_number}" if e.line_number else "", item,
                                     f"{e.segment_id}" if e.segment_id else "",
                                     f"@{e.segment_position}" if e.segment_position else "",
                                     f"element {e.element_position}" if e.element_position else "") if x)
        value = f" value {e.value!r}" if e.value else ""
        hint = f"; {e.hint}" if e.hint else ""
        where = f"{shown(where)}: " if where else ""
        print(f"{e.stage:9} {e.severity.value:7} {e.code_list or ''} {e.code}: {where}"
              f"{shown(e.message, backslashes=False)}{value}{hint}", file=out)
    return 0


def _duplicate_json(store: Store, t: Transmission) -> dict[str, Any] | None:
    """For a duplicate: the transmission it repeats, that one's status now, what to do."""
    from edigate.stages.resends import duplicate_of, explain_duplicate

    if (original := duplicate_of(store, t)) is None:
        return None
    said = explain_duplicate(store, original)
    return {"id": said.original, "status": said.status.value, "text": said.text, "advice": said.advice}
