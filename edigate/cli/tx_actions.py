"""The specialists' actions on a recorded transmission: reprocess (the archived bytes or a
corrected copy), resend its outputs, resolve it by hand. Each is audited with the actor
(`edigate.cli.actor`) and prints one line per outcome, or with ``--json`` one object:

- ``tx reprocess``: ``{"reprocessed": ID, "transmission": {...as tx list --json...},
  "file": NAME|null, "forced": REASON|null, "ack_again": BOOL, "why": [LINE, ...]}``
- ``tx resend``: ``{"transmission": ID, "resent": [{...an output as tx show --json...}, ...]}``
- ``tx resolve``: ``{"transmission": {...}, "note": TEXT, "actor": NAME}``
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from edigate.cli.actor import current_actor
from edigate.cli.context import pipeline_of, reading
from edigate.config.context import Context
from edigate.errors import UsageError

__all__ = ["add_commands"]

ACK_POLICY = ("a reprocess sends no second 997/999 for an interchange an earlier attempt answered; "
              "--ack-again sends one")


def add_commands(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``tx reprocess``, ``tx resend`` and ``tx resolve`` under ``edigate tx``."""
    again = actions.add_parser("reprocess", help="run again as a new attempt: the archived bytes (after a fix "
                                                 "of the map or configuration) or a corrected file",
                               description=f"Runs transmission ID again as a new attempt linked to it. "
                                           f"Acks: {ACK_POLICY}.")
    again.add_argument("id", type=int, metavar="ID")
    again.add_argument("--file", type=Path, metavar="FIXED", help="a corrected copy of the file to run instead "
                                                                 "(archived beside the first)")
    again.add_argument("--force", action="store_true", help="past the duplicate checks (the same bytes as "
                                                           "another file, TA1 025 for a held ISA13); needs --reason")
    again.add_argument("--reason", metavar="TEXT", help="why it is forced (kept in the audit trail)")
    again.add_argument("--ack-again", action="store_true", help="send a 997/999 even for an interchange "
                                                               "already answered")
    again.add_argument("--json", action="store_true")
    again.set_defaults(handler=reading(_reprocess))
    resend = actions.add_parser("resend", help="send the outputs (997/999/TA1, 855) again; the partner lost them")
    resend.add_argument("id", type=int, metavar="ID")
    resend.add_argument("--set", dest="set_id", metavar="SET", help="only this set, e.g. 855 or 997")
    resend.add_argument("--json", action="store_true")
    resend.set_defaults(handler=reading(_resend))
    resolve = actions.add_parser("resolve", help="close a held or failed transmission by hand")
    resolve.add_argument("id", type=int, metavar="ID")
    resolve.add_argument("--note", required=True, metavar="TEXT")
    resolve.add_argument("--json", action="store_true")
    resolve.set_defaults(handler=reading(_resolve))


def _reprocess(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.cli.output import dump_json, record_json, tx_exit_code, tx_why
    from edigate.stages.reprocess import Corrected, reprocess

    if args.force != (args.reason is not None):
        raise UsageError("--force and --reason go together: --force --reason TEXT")
    corrected = None if args.file is None else Corrected(args.file.name, _read(args.file))
    done = reprocess(pipeline_of(ctx), args.id, actor=current_actor(), worker=f"reprocess-{os.getpid()}",
                     corrected=corrected, force=args.reason, ack_again=args.ack_again)
    why = tx_why(ctx.store, done)
    if args.json:
        dump_json({"reprocessed": args.id, "transmission": record_json(done), "file": corrected and corrected.name,
               "forced": args.reason, "ack_again": args.ack_again, "why": why}, out)
    else:
        print(f"transmission {args.id} reprocessed as {done.id}: {done.status.value}", file=out)
        for line in why:
            print(f"        {line}", file=out)
    return tx_exit_code(ctx.store, done)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc


def _resend(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.cli.output import dump_json, record_json

    sent = pipeline_of(ctx).resend(args.id, actor=current_actor(), set_id=args.set_id)
    if args.json:
        dump_json({"transmission": args.id, "resent": [record_json(o) for o in sent]}, out)
        return 0
    for o in sent:
        print(f"resent {o.set_id} ISA13 {o.isa13} GS06 {o.gs06} ({o.archive_path})", file=out)
    return 0


def _resolve(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.cli.output import dump_json, record_json

    actor = current_actor()
    t = ctx.store.resolve(args.id, actor=actor, note=args.note)
    if args.json:
        dump_json({"transmission": record_json(t), "note": args.note, "actor": actor}, out)
        return 0
    print(f"transmission {t.id}: {t.status.value}", file=out)
    return 0
