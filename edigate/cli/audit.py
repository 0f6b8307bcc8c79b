"""`edigate audit`: who changed what, when and why.

Every change a person makes (reprocess, resolve, resend, release, reject, override) is
recorded with the actor (``--as NAME``, ``EDIGATE_ACTOR`` or the OS user, see
`edigate.cli.actor`), the action, its target (``tx:ID`` or ``order:ID``) and the note or
reason given. ``--json`` prints a list of
``{"id", "at", "actor", "action", "target", "note", "transmission_id"}``, oldest first.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from edigate.cli.output import dump_json

if TYPE_CHECKING:
    from edigate.config.context import Context
    from edigate.store import AuditEvent, Store

__all__ = ["add_commands", "event_json", "event_text", "transmission_events"]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from edigate.cli.context import reading
    from edigate.cli.dates import TIME_HELP

    audit = commands.add_parser("audit", help="the audit trail: who changed what, when and why")
    which = audit.add_mutually_exclusive_group()
    which.add_argument("--tx", type=int, metavar="ID", help="only what was done to transmission ID")
    which.add_argument("--order", metavar="ID|PO", help="only what was done to this order (all its versions)")
    audit.add_argument("--since", metavar="D", help=f"from this time: {TIME_HELP}")
    audit.add_argument("--json", action="store_true", help="print the events as JSON")
    audit.set_defaults(handler=reading(_audit))


def transmission_events(store: Store, transmission_id: int) -> list[AuditEvent]:
    """What was done to one transmission: events naming it, and events recorded against it."""
    found = {e.id: e for e in store.audit_events(target=f"tx:{transmission_id}")}
    found.update((e.id, e) for e in store.audit_events(transmission_id=transmission_id))
    return [found[k] for k in sorted(found)]


def event_json(e: AuditEvent) -> dict[str, Any]:
    return {"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action.value, "target": e.target,
            "note": e.note, "transmission_id": e.transmission_id}


def event_text(e: AuditEvent) -> str:
    from edigate.printable import shown

    note = f": {shown(e.note, backslashes=False)}" if e.note else ""
    return f"{e.at:%Y-%m-%d %H:%M:%S}  {shown(e.actor):12} {e.action.value:13} {e.target}{note}"


def _audit(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.cli.dates import parse_time

    since = parse_time(args.since) if args.since else None
    events = _events(ctx.store, args)
    if since is not None:
        events = [e for e in events if e.at >= since]
    if args.json:
        dump_json([event_json(e) for e in events], out)
        return 0
    print(f"{'AT (UTC)':19}  {'ACTOR':12} {'ACTION':13} TARGET: NOTE", file=out)
    for e in events:
        print(event_text(e), file=out)
    return 0


def _events(store: Store, args: argparse.Namespace) -> list[AuditEvent]:
    if args.tx is not None:
        return transmission_events(store, store.transmission(args.tx).id)
    if args.order is not None:
        from edigate.desk import find_order, order_chain
        from edigate.desk.stored import po_of

        doc = find_order(store, args.order)
        return list(order_chain(store, doc.partner, po_of(doc)).events)
    return store.audit_events()
