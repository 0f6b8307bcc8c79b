"""The specialists' commands: ingest files, and list and show transmissions (the actions on
one are in `edigate.cli.tx_actions`).

Each gets the workspace's context (`edigate.cli.context`): ``edigate.yaml`` found from the
current directory upwards or given with ``--workspace``; its ``store`` and ``archive_dir``
(SQLite file ``edigate.db`` beside ``edigate.yaml`` by default). The listing commands and
those acting on recorded transmissions need a store; ``ingest`` and ``run`` make one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from edigate.cli.context import pipeline_at, pipeline_of, reading, writing
from edigate.cli.tables import add_table_options, export, tx_table
from edigate.config.context import Context
from edigate.errors import UsageError

if TYPE_CHECKING:
    from edigate.stages.pipeline import Pipeline
    from edigate.store import Outbound, Store, Transmission

__all__ = ["add_commands", "print_transmissions"]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from edigate.cli.dates import TIME_HELP
    from edigate.store import Status

    ingest = commands.add_parser("ingest", help="run files through the pipeline as if received; the partner is "
                                                "the one the envelope names")
    ingest.add_argument("files", type=Path, nargs="+", metavar="FILE")
    ingest.add_argument("--partner", metavar="P", help="the partner the files must be from (else a mismatch)")
    ingest.set_defaults(handler=writing(_ingest))

    run = commands.add_parser(
        "run", help="the gateway: poll channels on schedule, serve AS2, process, send; "
                    "SIGTERM or Ctrl-C stops it after the file in hand")
    run.add_argument("--once", action="store_true", help="one pass over every channel, then exit (for cron)")
    run.add_argument("--workers", type=_positive, default=1, metavar="N",
                     help="with --once: processes that claim and process transmissions side by side (default 1)")
    run.set_defaults(handler=writing(_run))

    tx = commands.add_parser("tx", help="transmissions: list, show, errors, reprocess, resend, resolve")
    actions = tx.add_subparsers(dest="tx_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="newest first")
    listing.add_argument("--status", metavar="S", help="one of: " + ", ".join(s.value for s in Status))
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

    archive = commands.add_parser("archive", help="the archive of raw files: retention")
    archive_actions = archive.add_subparsers(dest="archive_command", metavar="ACTION", required=True)
    sweep = archive_actions.add_parser(
        "sweep", help="delete archived files older than retention_days, except those still needed "
                      "(open transmissions, outputs waiting for their ack), and event log entries older "
                      "than events_retention_days (alerts and each channel's latest entries stay)")
    sweep.add_argument("--dry-run", action="store_true", help="list what would go, delete nothing")
    sweep.set_defaults(handler=reading(_archive_sweep))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def _ingest(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    """One line per file, the reason under it; the exit code of the worst (`_exit_code`)."""
    from edigate.transport.names import shown  # a partner's file name, one field of one line

    worst = 0
    gw = pipeline_of(ctx)
    for path in args.files:
        tx = gw.ingest(path, args.partner)
        print(f"{tx.id:6}  {tx.status.value:10} {tx.partner:10} {shown(path.name)}", file=out)
        for line in _why(ctx.store, tx):
            print(f"        {line}", file=out)
        worst = max(worst, _exit_code(ctx.store, tx))
        _tell_undelivered(_unsent(ctx, tx), "warning", "it stays queued: edigate run --once sends it")
    return worst


def _unsent(ctx: Context, tx: Transmission) -> list[Outbound]:
    """The transmission's outputs its partner's outbound channel has not taken yet (none
    when the partner has no outbound channel: nothing is sent for it)."""
    partner = ctx.partners.get(tx.partner)
    if partner is None or partner.channels.outbound is None:
        return []
    return [o for o in ctx.store.outbounds(tx.id) if o.sent_at is None]


def _exit_code(store: Store, tx: Transmission) -> int:
    """2 when the transmission failed on our configuration (said on stderr too); 1 when it
    failed, is held or had a set rejected; else 0."""
    codes = store.error_codes(tx.id)
    if tx.status.value == "failed" and any(code == "config" for _, code in codes):
        for e in store.errors(tx.id):
            if e.code == "config":
                print(f"edigate: error: transmission {tx.id}: {e.message}", file=sys.stderr)
        return 2
    return 1 if tx.status.value in ("failed", "held") or (tx.status.value == "done" and codes) else 0


def _why(store: Store, tx: Transmission) -> list[str]:
    """What a specialist reads first: a duplicate's original, or a failure's first errors."""
    from edigate.stages.resends import explain_duplicate

    if tx.status.value == "duplicate" and tx.parent_id is not None:
        said = explain_duplicate(store, tx.parent_id)
        return [f"duplicate of {said.text}; {said.advice}"]
    if tx.status.value != "failed":
        return []
    from edigate.transport.names import shown  # messages may carry a partner's bytes

    errors = [e for e in store.errors(tx.id) if e.severity.value == "error"]
    more = [f"... {len(errors) - 3} more: edigate tx errors {tx.id}"] if len(errors) > 3 else []
    return [f"{e.stage}: {e.code}: {shown(e.message, backslashes=False)}" for e in errors[:3]] + more


def _run(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    if not args.once:
        if args.workers != 1:
            raise UsageError("--workers goes with --once; the scheduled gateway processes in its own threads")
        return _serve(ctx, out)
    from edigate.gateway.scheduler import Gateway

    gw = pipeline_of(ctx)
    gateway = Gateway(gw)
    try:
        problems = gateway.poll_all()  # each failure logged on stderr, one line
        processed, failures = _work(gw, args.workers)
        undelivered = gateway.deliver(ctx.store.unsent_outbounds())  # earlier runs' too, whatever their age
    finally:
        gateway.stop()
    for failure in failures:
        print(f"edigate: error: {failure}", file=sys.stderr)
    _tell_undelivered(undelivered, "error", "it stays queued for the next run")
    print_transmissions(processed, out)
    failed = any(t.status.value == "failed" for t in processed)
    return 2 if problems or failures or undelivered else 1 if failed else 0


def _tell_undelivered(outputs: Sequence[Outbound], severity: str, advice: str) -> None:
    """One stderr line per output the partner's channel did not take, naming it."""
    from edigate.stages.send import output_name

    for o in outputs:
        print(f"edigate: {severity}: not delivered: {output_name(o)} ({o.set_id} ISA13 {o.isa13}"
              f"{f' of transmission {o.transmission_id}' if o.transmission_id else ''}); {advice}",
              file=sys.stderr)


def _work(gw: Pipeline, workers: int) -> tuple[list[Transmission], tuple[str, ...]]:
    """Process what waits, in this process or in ``workers`` processes; the transmissions
    processed, and the workers that failed."""
    if workers == 1:
        return gw.work(), ()
    from edigate.stages.pipeline import run_workers

    gw.store.close()  # the workers open their own connections
    done = run_workers(functools.partial(pipeline_at, gw.workspace.root), workers)
    return [gw.store.transmission(i) for i in done.processed], done.failures


def _serve(ctx: Context, out: TextIO) -> int:
    """Run the scheduled gateway in the foreground until SIGTERM or SIGINT; exit 0 when stopped."""
    import signal
    import threading

    from edigate.gateway.scheduler import Gateway

    stop = threading.Event()
    handlers = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        gateway = Gateway(pipeline_of(ctx))
        try:
            gateway.start()
            listening = f"; AS2 on {gateway.listener.host}:{gateway.listener.port}" if gateway.listener else ""
            print(f"edigate run: {len(gateway.jobs())} job(s){listening}; SIGTERM or Ctrl-C stops",
                  file=out, flush=True)
            while not stop.wait(0.5):
                pass
            print("edigate run: stopping after the work in hand", file=out, flush=True)
        finally:
            gateway.stop()
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
    print("edigate run: stopped", file=out, flush=True)
    return 0


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
        _dump([_tx_json(t) for t in rows], out)
        return 0
    print_transmissions(rows, out)
    return 0


def print_transmissions(rows: Sequence[Transmission], out: TextIO) -> None:
    """The transmission table, newest first, as `tx list` prints it; what came from a partner
    (file name, ISA13) is escaped, so no name forges a row or colours the terminal."""
    from edigate.transport.names import shown

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
        _dump({**_tx_json(t), "duplicate_of": duplicate, "audit": [event_json(e) for e in events],
               "stages": [_plain(s) for s in stages],
               "errors": [_plain(e) for e in errors],
               "documents": [{"id": d.id, "kind": d.kind.value, "key": d.key, "status": d.status.value}
                             for d in documents],
               "outputs": [{**_plain(o), "receipt": receipts.receipt_json(mdns.get(o.id))}
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
        _dump([_plain(e) for e in errors], out)
        return 0
    from edigate.transport.names import shown  # ST02, segment ids and messages may carry a partner's bytes

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


def _archive_sweep(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.gateway.scheduler import sweep_archive

    days, event_days = ctx.workspace.retention_days, ctx.workspace.events_retention_days
    removed, pruned = sweep_archive(ctx.store, ctx.archive, days, event_days, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {len(removed)} archived file(s) older than {days} days from {ctx.archive.root}", file=out)
    print(f"{verb} {pruned} event log entr{'y' if pruned == 1 else 'ies'} older than {event_days} days", file=out)
    return 0


def _duplicate_json(store: Store, t: Transmission) -> dict[str, Any] | None:
    """For a duplicate: the transmission it repeats, that one's status now, what to do."""
    if t.status.value != "duplicate" or t.parent_id is None:
        return None
    from edigate.stages.resends import explain_duplicate

    said = explain_duplicate(store, t.parent_id)
    return {"id": said.original, "status": said.status.value, "text": said.text, "advice": said.advice}


def _tx_json(t: Transmission) -> dict[str, Any]:
    data: dict[str, Any] = _plain(t)
    return data


def _plain(value: Any) -> Any:
    """A store record as JSON-ready data."""
    import dataclasses
    from enum import Enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _dump(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")
