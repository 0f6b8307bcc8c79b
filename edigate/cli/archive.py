"""`edigate archive sweep`: retention of the archive of raw files and of the event log."""

from __future__ import annotations

import argparse
from typing import TextIO

from edigate.cli.context import reading
from edigate.cli.output import dump_json
from edigate.config.context import Context

__all__ = ["add_commands"]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    archive = commands.add_parser("archive", help="the archive of raw files: retention")
    archive_actions = archive.add_subparsers(dest="archive_command", metavar="ACTION", required=True)
    sweep = archive_actions.add_parser(
        "sweep", help="delete archived files older than retention_days, except those still needed "
                      "(open transmissions, outputs waiting for their ack), and event log entries older "
                      "than events_retention_days (alerts and each channel's latest entries stay)")
    sweep.add_argument("--dry-run", action="store_true", help="list what would go, delete nothing")
    sweep.add_argument("--json", action="store_true", help="print what went (or would go) as JSON (shape: README)")
    sweep.set_defaults(handler=reading(_archive_sweep))


def _archive_sweep(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.gateway.retention import sweep_archive

    days, event_days = ctx.workspace.retention_days, ctx.workspace.events_retention_days
    removed, pruned = sweep_archive(ctx.store, ctx.archive, days, event_days, dry_run=args.dry_run)
    if args.json:
        dump_json({"dry_run": args.dry_run, "archive": ctx.archive.location, "retention_days": days,
                   "removed": list(removed), "events_retention_days": event_days, "events_pruned": pruned}, out)
        return 0
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {len(removed)} archived file(s) older than {days} days from {ctx.archive.location}", file=out)
    print(f"{verb} {pruned} event log entr{'y' if pruned == 1 else 'ies'} older than {event_days} days", file=out)
    return 0
