"""The operator's view of channels: ``channels status`` and ``partners check --connect``.

Both read the partner files; ``channels status`` reads the last poll, success and error of
each channel from the event log that ``edigate run`` writes, and ``partners check --connect``
tries each channel now (SFTP: log in with the host key checked and list; folders: exist and
are writable; AS2: certificate dates and the partner's URL), writing what failed to the log
and, one line each, to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from edigate.cli.output import dump_json
from edigate.cli.context import reading
from edigate.config.context import Context
from edigate.errors import ConfigError, TransportError, UsageError

if TYPE_CHECKING:
    from edigate.config.partners import Channel, Partner
    from edigate.store import Event

__all__ = ["add_commands", "check_connections", "chosen_partners"]

_POLLED = {"in": ("channel.polled", "channel.poll_failed", "as2.received", "as2.rejected", "as2.duplicate"),
           "out": ("channel.sent", "channel.send_failed")}
"""What counts as a poll (for an outbound channel: a resend of queued outputs)."""
_OK = {"in": ("channel.polled", "as2.received", "channel.check_ok"),
       "out": ("channel.sent", "channel.check_ok", "as2.mdn")}
_FAILED = {"in": ("channel.poll_failed", "as2.rejected", "channel.check_failed"),
           "out": ("channel.send_failed", "channel.check_failed", "as2.mdn_failed")}


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    channels = commands.add_parser("channels", help="the partners' channels as edigate run sees them")
    actions = channels.add_subparsers(dest="channels_command", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="per channel: schedule, last poll, last success, last error")
    status.add_argument("--partner", metavar="P")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=reading(_status))


def _channels(partners: Sequence[Partner]) -> Iterator[tuple[Partner, str, Channel]]:
    for partner in partners:
        for direction in ("in", "out"):
            config = getattr(partner.channels, f"{direction}bound")
            if config is not None:
                yield partner, direction, config


def _schedule(direction: str, config: Channel) -> str:
    if direction == "out":
        return "on send"
    if config.type == "as2":
        return "listener"
    if config.cron is not None:
        return f"cron {config.cron}"
    from edigate.config.channels import DEFAULT_POLL_SECONDS

    return f"every {config.poll_seconds or DEFAULT_POLL_SECONDS} s"


@dataclass(frozen=True, slots=True)
class _Row:
    partner: str
    channel: str
    type: str
    schedule: str
    last_poll: Event | None
    last_success: Event | None
    last_error: Event | None


def _row(latest: Mapping[tuple[str | None, str | None, str], Event], partner: Partner, direction: str,
         config: Channel) -> _Row:
    def newest(codes: Sequence[str]) -> Event | None:
        found = [e for c in codes if (e := latest.get((partner.id, direction, c))) is not None]
        return max(found, key=lambda e: e.id, default=None)

    return _Row(partner.id, direction, config.type, _schedule(direction, config),
                newest(_POLLED[direction]), newest(_OK[direction]), newest(_FAILED[direction]))


def _status(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.store import EventKind

    partners = chosen_partners(ctx.partners, args.partner)
    latest = ctx.store.latest_events(kind=EventKind.CHANNEL)
    rows = [_row(latest, p, d, c) for p, d, c in _channels(partners)]
    if args.json:
        dump_json([_row_json(r) for r in rows], out)
        return 0
    print(f"{'PARTNER':10} {'CH':3} {'TYPE':6} {'SCHEDULE':18} {'LAST POLL (UTC)':19}  {'LAST OK (UTC)':19}  "
          "LAST ERROR", file=out)
    for r in rows:
        error = f"{_when(r.last_error)}  {r.last_error.message}" if r.last_error else "-"
        print(f"{r.partner:10} {r.channel:3} {r.type:6} {r.schedule:18} {_when(r.last_poll):19}  "
              f"{_when(r.last_success):19}  {error}", file=out)
    return 0


def _when(event: Event | None) -> str:
    return f"{event.at:%Y-%m-%d %H:%M:%S}" if event is not None else "-"


def _row_json(r: _Row) -> dict[str, Any]:
    def ev(e: Event | None) -> dict[str, str] | None:
        return None if e is None else {"at": e.at.isoformat(), "code": e.code, "message": e.message}

    return {"partner": r.partner, "channel": r.channel, "type": r.type, "schedule": r.schedule,
            "last_poll": ev(r.last_poll), "last_success": ev(r.last_success), "last_error": ev(r.last_error)}


def chosen_partners(partners: Mapping[str, Partner], partner: str | None) -> list[Partner]:
    """Every partner by id, or only ``partner`` (a usage error naming the known ones if none)."""
    if partner is not None and partner not in partners:
        raise UsageError(f"no partner {partner!r}; known: {', '.join(sorted(partners))}")
    return [partners[partner]] if partner else [partners[k] for k in sorted(partners)]


@dataclass(frozen=True)
class Probe:
    """One channel tried by `partners check --connect`: ``name`` is ``partner:direction``."""

    name: str
    type: str
    ok: bool
    detail: str


def check_connections(ctx: Context, partners: Sequence[Partner], out: TextIO) -> int:
    """Try every channel of ``partners``; one line each; 1 when any failed (logged in the store)."""
    probes = probe_channels(ctx, partners)
    for p in probes:
        if not p.ok:
            print(f"edigate: error: {p.name}: {p.detail}", file=sys.stderr)
        print(f"{p.name:16} {p.type:6} {'ok' if p.ok else 'FAILED':6} {p.detail}", file=out)
    return 1 if any(not p.ok for p in probes) else 0


def probe_channels(ctx: Context, partners: Sequence[Partner]) -> list[Probe]:
    """Each channel of ``partners`` tried once, the outcome recorded in the event log."""
    from edigate.store import EventKind, Severity
    from edigate.transport import ChannelOptions, open_channel

    options = ChannelOptions(root=ctx.workspace.root, settle_seconds=0, as2=ctx.as2)
    probes = []
    for partner, direction, config in _channels(partners):
        name = f"{partner.id}:{direction}"
        try:
            with open_channel(config, name, options) as channel:
                line, ok = channel.probe(), True
        except (TransportError, ConfigError) as exc:
            line, ok = exc.message.removeprefix(f"{name}: "), False
        probes.append(Probe(name, config.type, ok, line))
        ctx.store.record_event(kind=EventKind.CHANNEL, code="channel.check_ok" if ok else "channel.check_failed",
                               message=line, severity=Severity.INFO if ok else Severity.ERROR,
                               partner=partner.id, channel=direction)
    return probes

