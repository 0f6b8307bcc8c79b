"""`edigate tickets list` and `edigate tickets sync`: the tickets exceptions opened in the
ticket systems of ``edigate.yaml`` (`tickets:`), where each stands on both sides, and one
sync run by hand (what the gateway's ``tickets`` job does every minute).

``tickets list --json``: ``[{"system", "key", "ticket", "status", "there", "partner",
"title", "opened_at", "closed_at", "queued", "last_error"}, ...]``; ``status`` is ours
(``pending``, ``open``, ``closed``, ``closed-there``: closed in the ticket system, read back),
``there`` the status the system last showed.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any, TextIO

from edigate.cli.context import reading
from edigate.cli.output import dump_json
from edigate.config.context import Context

__all__ = ["add_commands"]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tickets = commands.add_parser("tickets", help="tickets in Jira, ServiceNow, Zendesk, Freshdesk, Salesforce")
    actions = tickets.add_subparsers(dest="tickets_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="each exception's ticket per system, ours and theirs status")
    listing.add_argument("--open", action="store_true", help="only tickets not closed")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=reading(_list, strict_partners=False))
    sync = actions.add_parser("sync", help="send the queued ticket work now, close what was resolved, "
                                           "read back tickets closed in the systems")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(handler=reading(_sync, strict_partners=False))


def _list(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    links = ctx.store.ticket_links(open_only=args.open)
    rows = [{"system": t.system, "key": t.event_key, "ticket": t.external_id, "status": t.status,
             "there": t.remote_status, "partner": t.partner, "title": t.title, "opened_at": _iso(t.opened_at),
             "closed_at": _iso(t.closed_at), "queued": t.pending, "last_error": t.last_error} for t in links]
    if args.json:
        dump_json(rows, out)
        return 0
    print(f"{'SYSTEM':12} {'TICKET':14} {'STATUS':13} {'THERE':14} {'KEY':28} TITLE", file=out)
    for r in rows:
        print(f"{r['system']:12} {r['ticket'] or '-':14} {r['status']:13} {r['there'] or '-':14} {r['key']:28} "
              f"{r['title']}", file=out)
        if r["last_error"]:
            print(f"        {r['queued']} queued, last failure: {r['last_error']}", file=out)
    return 0


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


def _sync(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.gateway.tickets import sync_tickets

    done = sync_tickets(ctx.store, ctx.workspace.tickets, dt.datetime.now(dt.UTC))
    result: dict[str, Any] = {"done": done.done, "failed": done.failed, "closed_there": done.closed_there,
                              "problems": list(done.problems)}
    if args.json:
        dump_json(result, out)
    else:
        print(f"{done.done} done, {done.failed} failed (queued again), {done.closed_there} closed there", file=out)
        for p in done.problems:
            print(f"        {p}", file=out)
    return 0
