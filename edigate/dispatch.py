"""Recorded outputs onto a partner's channel: each file once, each record stamped as sent.

Every path that sends what the store holds (the pipeline's send stage, the scheduler's
retry of queued outputs, `edigate tx resend`, the order desk) goes through `dispatch`, so
the file name a partner sees and the order of send, then stamp, are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from edigate.archive import Archive
from edigate.store import Outbound, Store
from edigate.transport import Channel

__all__ = ["dispatch", "output_name"]


def output_name(out: Outbound) -> str:
    """The file name an output is sent under: ours, made of its set, partner and ISA13."""
    return f"{out.set_id}-{out.partner}-{out.isa13}.x12"


def dispatch(channel: Channel, store: Store, archive: Archive, outs: Iterable[Outbound], *,
             stopping: Callable[[], bool] = lambda: False) -> Iterator[Outbound]:
    """Send each output's file on ``channel`` and stamp it sent, yielding it once stamped.

    A file that answers several records (one interchange recorded per document) is sent
    once. A record is stamped only after its file was sent: a crash in between sends the
    file again rather than never. A file whose receipt comes later (an AS2 async MDN) is
    remembered, so the listener can match that receipt to it. Stops between two outputs
    once ``stopping()``; a `TransportError` ends the iteration, and the outputs not yet
    yielded stay queued.
    """
    sent: set[str] = set()
    for out in outs:
        if stopping():
            return
        if out.sha256 not in sent:
            went = channel.send(output_name(out), archive.get(out.sha256))
            sent.add(out.sha256)
            if (receipt := went.awaiting) is not None:
                store.await_mdn(message_id=receipt.message_id, partner=out.partner, as2_id=receipt.remote_id,
                                mic=receipt.digest, outbound_id=out.id)
        store.mark_sent(out.id)
        yield out
