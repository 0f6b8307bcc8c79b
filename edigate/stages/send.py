"""The send stage: recorded outputs onto the partner's outbound channel, each file once,
each record stamped as sent.

`send` is the one way stored outputs leave: the pipeline's send stage, the scheduler's
retry of queued outputs, the order desk and `edigate tx resend` all call it, so the file
name a partner sees, the order of send then stamp, and what a channel failure leaves
queued are the same everywhere. Its callers differ only in where they report a failure.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from edigate.config.channels import Channel as ChannelConfig
from edigate.config.partners import Partner
from edigate.errors import EdigateError, TransportError, UsageError
from edigate.stages import receipts
from edigate.stages.context import Parts, Run
from edigate.store import AuditAction, ErrorEntry, Outbound, Severity, Status, Store
from edigate.store.archive import ArchiveBackend
from edigate.transport import Channel, ChannelOptions, open_channel

__all__ = ["ALL_CHANNELS", "NAME", "Sent", "dispatch", "outbound", "output_name", "resend", "run", "run_many", "send"]

NAME = "send"
ALL_CHANNELS = ("folder", "sftp", "as2")
_WITHOUT_RECEIPTS = ("folder", "sftp")
"""The channels whose files go without a receipt to note: a batch of them in one `send_many`."""


@dataclass(frozen=True, slots=True)
class Sent:
    """What `send` did: the outputs that went (in order), and the channel failure that
    stopped the rest (they stay queued for a retry)."""

    sent: tuple[Outbound, ...] = ()
    failure: EdigateError | None = None


def output_name(out: Outbound) -> str:
    """The file name an output is sent under: ours, made of its set, partner and ISA13."""
    return f"{out.set_id}-{out.partner}-{out.isa13}.x12"


def dispatch(channel: Channel, store: Store, archive: ArchiveBackend, outs: Iterable[Outbound], *,
             stopping: Callable[[], bool] = lambda: False) -> Iterator[Outbound]:
    """Send each output's file on ``channel`` and stamp it sent, yielding it once stamped.

    A file that answers several records (one interchange recorded per document) is sent
    once. A record is stamped only after its file was sent: a crash in between sends the
    file again rather than never. A file with a receipt (an AS2 MDN) is recorded before it
    goes, so the listener can match a receipt however fast it comes, and the receipt is
    kept (`edigate.stages.receipts`). Stops between two outputs once ``stopping()``; a
    `TransportError` ends the iteration, and the outputs not yet yielded stay queued.
    """
    sent: set[str] = set()
    for out in outs:
        if stopping():
            return
        if out.sha256 not in sent:
            channel.send_noting(output_name(out), archive.get(out.sha256), receipts.noter(store, archive, out))
            sent.add(out.sha256)
        store.mark_sent(out.id)
        yield out


def outbound(partner: Partner, channel_types: Collection[str] = ALL_CHANNELS) -> ChannelConfig | None:
    """The partner's outbound channel when it is one of ``channel_types`` (None: nothing is sent)."""
    config = partner.channels.outbound
    return config if config is not None and config.type in channel_types else None


def send(store: Store, archive: ArchiveBackend, partner: Partner, outs: Sequence[Outbound], *, options: ChannelOptions,
         channel_types: Collection[str] = ALL_CHANNELS, stopping: Callable[[], bool] = lambda: False) -> Sent:
    """Send ``outs`` on the partner's outbound channel, each file once, stopping between two
    once ``stopping()``. Nothing is sent when the partner has no outbound channel, or one of
    a type outside ``channel_types``. A `TransportError` is returned, not raised."""
    config = outbound(partner, channel_types)
    if config is None or not outs or stopping():
        return Sent()
    sent: list[Outbound] = []
    try:
        with open_channel(config, f"{partner.id}:out", options) as channel:
            sent.extend(dispatch(channel, store, archive, outs, stopping=stopping))
    except TransportError as exc:
        return Sent(tuple(sent), exc)
    return Sent(tuple(sent))


def run(parts: Parts, run: Run) -> Status | None:
    """The send stage: each output of the transmission not sent yet; a failure waits for a retry."""
    unsent = [o for o in parts.store.outbounds(run.tx.id) if o.sent_at is None]
    got = send(parts.store, parts.archive, run.partner, unsent, options=parts.channel_options,
               channel_types=parts.channel_types)
    if got.failure is not None:
        parts.store.add_errors(run.tx.id, [ErrorEntry(NAME, got.failure.code, got.failure.message, Severity.WARNING,
                                                      hint="the outputs stay queued and are sent on retry")])
    return None


def run_many(parts: Parts, runs: Sequence[Run]) -> list[Run]:
    """The send stage for a batch of transmissions: the outputs of each partner's
    transmissions on one channel, in one `Channel.send_many` (a folder makes them durable
    with two syncs, an SFTP server takes them over one session), then stamped sent in one
    transaction. Returns the runs left to the stage's own `run`: those of a channel with
    receipts (AS2), and every run of a partner whose batch failed, so that each failure is
    told and logged as it is for one transmission (a file sent already is the same
    delivery again)."""
    groups: dict[str, tuple[ChannelConfig, list[Run]]] = {}
    left: list[Run] = []
    for r in runs:
        config = outbound(r.partner, parts.channel_types)
        if config is None:
            continue  # nothing goes out here: its send stage is done
        if config.type in _WITHOUT_RECEIPTS:
            groups.setdefault(r.partner.id, (config, []))[1].append(r)
        else:
            left.append(r)
    for config, group in groups.values():
        if not _sent_together(parts, config, group):
            left += group
    return left


def _sent_together(parts: Parts, config: ChannelConfig, group: Sequence[Run]) -> bool:
    """One partner's unsent outputs of ``group`` sent over one session and stamped; False
    when the channel or the archive failed. A channel that may take a failed batch again
    whole (a folder) gets it in one `Channel.send_many`, stamped in one statement; on any
    other, each output is stamped as its file goes, so a batch failing part way leaves
    only the unsent ones to send again, not a second copy of those the partner has."""
    found = parts.store.outbounds_of([r.tx.id for r in group])
    outs = [o for r in group for o in found[r.tx.id] if o.sent_at is None]
    if not outs:
        return True
    try:
        with open_channel(config, f"{group[0].partner.id}:out", parts.channel_options) as channel:
            if not channel.batch_resend_harmless:
                collections.deque(dispatch(channel, parts.store, parts.archive, outs), maxlen=0)
                return True
            files: dict[str, tuple[str, bytes]] = {}
            for out in outs:  # a file answering several records goes once
                if out.sha256 not in files:
                    files[out.sha256] = (output_name(out), parts.archive.get(out.sha256))
            channel.send_many(list(files.values()))
    except EdigateError:
        return False
    parts.store.mark_sent_many([o.id for o in outs])
    return True


def resend(parts: Parts, transmission_id: int, *, actor: str, set_id: str | None = None) -> list[Outbound]:
    """Send a transmission's outputs again (all, or one set id) on the partner's outbound
    channel, whether sent before or not: the partner lost them. Audited."""
    store = parts.store
    tx = store.transmission(transmission_id)
    partner = parts.partners.get(tx.partner)
    if partner is None:
        raise UsageError(f"transmission {transmission_id}: partner {tx.partner!r} is not configured")
    if partner.channels.outbound is None:
        raise UsageError(f"partner {partner.id} has no outbound channel to resend on")
    outs = [o for o in store.outbounds(transmission_id) if set_id is None or o.set_id == set_id]
    if not outs:
        raise UsageError(f"transmission {transmission_id} has no {set_id or 'outbound'} documents to resend")
    got = send(store, parts.archive, partner, outs, options=parts.channel_options,
               channel_types=(partner.channels.outbound.type,))
    if got.failure is not None:
        raise got.failure
    store.audit(actor=actor, action=AuditAction.RESEND, target=f"tx:{transmission_id}",
                transmission_id=transmission_id,
                note="resent " + ", ".join(f"{o.set_id} ISA13 {o.isa13}" for o in outs))
    return [store.outbound(o.id) for o in outs]
