"""The receive stage: a file from a partner's channel, a shared inbox, the AS2 listener or
``edigate ingest`` archived, then recorded as a transmission, then marked done where it
came from. It runs before any worker claims the file (`Resume.BEFORE_CLAIMS`): the same
bytes received again are recorded as a duplicate of the first.

`poll` is the one poll of a channel and `poll_sources` the one loop over them all: the
pipeline's ``run --once`` and the scheduler's jobs both use them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from edigate.config.channels import As2Channel, FolderChannel, SftpChannel
from edigate.config.channels import Channel as ChannelConfig
from edigate.config.connectors import SapTarget
from edigate.errors import UsageError
from edigate.stages.context import Parts
from edigate.stages.errorlog import duplicate_entry
from edigate.stages.identify import UNKNOWN_PARTNER
from edigate.store import Transmission
from edigate.store.archive import ArchivedFile
from edigate.transport import ChannelOptions, Received, open_channel
from edigate.transport.fetching import fetch_ahead

__all__ = ["INBOX", "NAME", "REPLIES", "inbound", "poll", "poll_sources", "polled", "receive", "sources"]

NAME = "receive"
INBOX = "inbox:"
"""How a poll source names a shared inbox of ``edigate.yaml`` (a partner id has no colon)."""
REPLIES = "replies:"
"""How a poll source names the channel an ERP answers on (``replies:<partner>:<destination>``,
a SAP target's ``replies``); the transmissions it brings have this channel prefix too."""


def receive(parts: Parts, partner: str | None, channel: str, file_name: str, data: bytes, *,
            archived: ArchivedFile | None = None) -> Transmission:
    """Archive the bytes (unless ``archived`` says they are), then record the transmission
    (a duplicate when seen before).

    ``partner`` is the partner whose channel the file came on (or ``ingest --partner``):
    the envelope stage holds the file to it. None (a shared inbox, ``ingest`` without
    ``--partner``) takes the partner of the file's first ISA sender, or records the file
    under `UNKNOWN_PARTNER` for the envelope stage to fail."""
    if partner is not None and partner not in parts.partners:
        raise UsageError(f"no partner {partner!r}; known: {', '.join(sorted(parts.partners))}")
    archived = archived or parts.archive.put(data)
    who = partner or (None if channel.startswith(REPLIES) else parts.directory.identify(data)) or UNKNOWN_PARTNER
    got = parts.store.record_received(partner=who, channel=channel, file_name=file_name,
                                      sha256=archived.sha256, size=archived.size, archive_path=archived.relative)
    if got.duplicate_of is not None:
        parts.store.add_errors(got.transmission.id, [duplicate_entry(parts.store, got.duplicate_of, NAME)])
    return got.transmission


def inbound(parts: Parts, source: str) -> tuple[ChannelConfig | None, str | None]:
    """A poll source's channel, and the partner its files are held to: a partner id
    polls the partner's own inbound channel; ``inbox:NAME`` a shared inbox of
    ``edigate.yaml``, whose files go to the partner their envelope names (None)."""
    if source.startswith(INBOX):
        return parts.workspace.inboxes.get(source.removeprefix(INBOX)), None
    if source.startswith(REPLIES):
        partner, _, destination = source.removeprefix(REPLIES).partition(":")
        return _replies(parts, partner).get(destination), partner
    return parts.partners[source].channels.inbound, source


def _replies(parts: Parts, partner: str) -> dict[str, FolderChannel | SftpChannel]:
    """The partner's destinations that answer on a channel of their own, by name."""
    found = parts.partners.get(partner)
    return {d.name: d.target.replies for d in (found.routing if found else ())
            if isinstance(d.target, SapTarget) and d.target.replies is not None}


def sources(parts: Parts) -> list[str]:
    """What `poll` takes: every partner, then every shared inbox, then the ERP reply channels."""
    return [*sorted(parts.partners), *(INBOX + name for name in sorted(parts.workspace.inboxes)),
            *(f"{REPLIES}{p}:{d}" for p in sorted(parts.partners) for d in sorted(_replies(parts, p)))]


def polled(parts: Parts, source: str) -> FolderChannel | SftpChannel | None:
    """The source's channel when it is polled here: not AS2 (messages arrive at the
    listener), and of a type this gateway polls."""
    config = inbound(parts, source)[0]
    if config is None or config.type not in parts.channel_types or isinstance(config, As2Channel):
        return None
    return config


def poll(parts: Parts, source: str, *, options: ChannelOptions | None = None,
         stopping: Callable[[], bool] = lambda: False,
         on_received: Callable[[Transmission], object] = lambda _tx: None) -> list[Transmission] | None:
    """Fetch what waits on a partner's inbound channel or a shared inbox (`inbound`):
    each file archived, recorded, then marked done there, the next ones downloading
    meanwhile (`fetch_ahead`); the files fetched by the time the last ones are recorded are
    archived and recorded together. Stops after the file in hand once ``stopping()``.
    None when it did not poll: another process polls the channel now, or the channel is
    not polled here (`polled`). ``on_received`` sees each transmission as it is recorded
    (a `TransportError` part way loses none of them)."""
    config = polled(parts, source)
    if config is None:
        return None
    partner = inbound(parts, source)[1]
    label = f"{REPLIES}{config.type}" if source.startswith(REPLIES) else config.type
    received: list[Transmission] = []
    fetched: list[tuple[Received, ArchivedFile]] = []  # archived in the open block, not recorded yet

    def archive(got: Received) -> None:
        fetched.append((got, parts.archive.put(got.data)))

    @contextmanager
    def together() -> Iterator[None]:
        """The files fetched meanwhile archived and made durable together (two syncs, not
        two a file: `edigate.store.archive.Archive.batched`), then recorded in one commit."""
        try:
            with parts.archive.batched():
                yield
            with parts.store.unit():
                txs = [receive(parts, partner, label, got.name, got.data, archived=put) for got, put in fetched]
            received.extend(txs)
            for tx in txs:
                on_received(tx)
        finally:
            fetched.clear()

    with parts.store.try_poll_lock(source, parts.poll_lease) as mine:
        if not mine:
            return None
        with open_channel(config, f"{source}:in", options or parts.channel_options) as channel:
            fetch_ahead(channel, channel.list(), archive, together=together,
                        stopping=lambda: stopping() or mine.lost())
    return received


def poll_sources(parts: Parts, poll_one: Callable[[str], str | None]) -> tuple[str, ...]:
    """Every partner and shared inbox polled here, once, by ``poll_one`` (which returns
    the channel's problem, if any); the problems, one line each."""
    problems = []
    for source in sources(parts):
        if polled(parts, source) is not None and (problem := poll_one(source)) is not None:
            problems.append(problem)
    return tuple(problems)
