"""Recorded outputs onto a partner's channel: each file once, each record stamped as sent.

Every path that sends what the store holds (the pipeline's send stage, the scheduler's
retry of queued outputs, `edigate tx resend`, the order desk) goes through `dispatch`, so
the file name a partner sees and the order of send, then stamp, are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from edigate.stages import receipts
from edigate.store.archive import Archive
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
    file again rather than never. A file with a receipt (an AS2 MDN) is recorded before it
    goes, so the listener can match a receipt however fast it comes, and the receipt is
    kept (`edigate.stages.receipts`). Stops between two outputs
    once ``stopping()``; a `TransportError` ends the iteration, and the outputs not yet
    yielded stay queued.
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
