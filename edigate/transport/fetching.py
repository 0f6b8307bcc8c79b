"""Fetch ahead: the network work of a poll overlaps the recording of what came in.

`fetch_ahead` runs a channel's ``fetch`` and ``done`` on a helper thread and ``record`` in
the caller's thread: the next files download while one is recorded, and a file is marked
done on the far side only after its ``record`` returned (with ``together``, after the block
its record ran in ended: the files that came meanwhile are recorded in one). Files are
recorded in the order listed. A file the channel leaves for a later poll (changed since it was listed, or
not finished: `edigate.transport.ready.LEFT`) is neither recorded nor marked done, and the
others go on. The channel is touched by the helper thread alone, so channels need not be
thread-safe.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext

from edigate.errors import TransportError
from edigate.transport.base import Channel, Received, RemoteFile
from edigate.transport.ready import LEFT

__all__ = ["fetch_ahead"]

log = logging.getLogger(__name__)

_Item = tuple[RemoteFile, Received]
_End = BaseException | None  # what ends a queue: a failure, or None when every file came
_Queue = queue.Queue[_Item | _End]


def fetch_ahead(channel: Channel, files: Sequence[RemoteFile], record: Callable[[Received], object], *,
                together: Callable[[], AbstractContextManager[object]] | None = None,
                stopping: Callable[[], bool] = lambda: False, depth: int = 4) -> int:
    """Fetch ``files`` and ``record`` each (in this thread), then mark it done; how many
    were recorded. With ``together``, the files fetched by the time the caller is free (up
    to ``depth``) are recorded inside one ``together()`` block (one transaction) and marked
    done once it ended. When ``stopping()`` turns true, the files in hand are finished and
    the rest are left on the channel. A failure of fetch or done is raised once the
    recorded files are marked done; files fetched but not recorded (a block that raised)
    stay on the channel for the next poll."""
    helper = _Helper(channel, files, depth)
    thread = threading.Thread(target=helper.run, name=f"fetch-{channel.id}", daemon=True)
    ready: _Queue = helper.fetched
    thread.start()
    count, failure, ended = 0, None, False
    try:
        while not ended and not stopping():
            batch, end, ended = _take(ready, depth if together is not None else 1)
            with together() if together is not None and batch else nullcontext():
                for _, got in batch:
                    record(got)
            for remote, _ in batch:
                helper.recorded.put(remote)
            count += len(batch)
            failure = end
    finally:
        helper.abandon.set()
        helper.recorded.put(None)
        while not ended:  # let the fetching thread put its last item and end
            ended = not isinstance(ready.get(), tuple)
        thread.join()
    if failure is not None:
        raise failure
    if helper.done_error is not None:
        raise helper.done_error
    return count


def _take(ready: _Queue, most: int) -> tuple[list[_Item], _End, bool]:
    """The next file (waiting for it) and those ready after it, up to ``most``; then what
    ended the queue and whether it ended (a failure, or None once every file came)."""
    first = ready.get()
    if not isinstance(first, tuple):
        return [], first, True
    batch = [first]
    while len(batch) < most:
        try:
            item = ready.get_nowait()
        except queue.Empty:
            break
        if not isinstance(item, tuple):
            return batch, item, True
        batch.append(item)
    return batch, None, False


def _put(target: _Queue, item: _Item, abandon: threading.Event, meanwhile: Callable[[], None]) -> None:
    """Put ``item`` unless the caller gave up; do ``meanwhile`` while the queue is full."""
    while not abandon.is_set():
        try:
            target.put(item, timeout=0.05)
            return
        except queue.Full:
            meanwhile()


class _Helper:
    """The fetching thread: fetch into ``fetched``, mark done what comes back recorded."""

    def __init__(self, channel: Channel, files: Sequence[RemoteFile], depth: int) -> None:
        self.channel, self.files = channel, files
        self.fetched: _Queue = queue.Queue(depth)
        self.recorded: queue.Queue[RemoteFile | None] = queue.Queue()
        self.abandon = threading.Event()
        self.closed = False  # the caller will record no more
        self.done_error: BaseException | None = None

    def run(self) -> None:
        end: _End = None
        try:
            for remote in self.files:
                self._mark_done(wait=False)
                if self.abandon.is_set():
                    break
                got = self._fetch(remote)
                if got is not None:
                    _put(self.fetched, (remote, got), self.abandon,
                         lambda: self._mark_done(wait=False))  # keep up with the caller while it records
        except BaseException as exc:  # handed to the caller's thread, which raises it
            end = exc
        self.fetched.put(end)
        self._mark_done(wait=True)

    def _fetch(self, remote: RemoteFile) -> Received | None:
        """The file, or None when the channel leaves it for a later poll."""
        try:
            return self.channel.fetch(remote)
        except TransportError as exc:
            if exc.code != LEFT:
                raise
            log.info("%s", exc.message)
            return None

    def _mark_done(self, *, wait: bool) -> None:
        """``done`` for each file the caller recorded; with ``wait``, until the caller ends."""
        while not self.closed:
            try:
                remote = self.recorded.get(block=wait)
            except queue.Empty:
                return
            if remote is None:
                self.closed = True
                return
            if self.done_error is None:
                try:
                    self.channel.done(remote)
                except BaseException as exc:  # the file stays; the next poll finds a duplicate
                    if isinstance(exc, TransportError) and exc.code == LEFT:
                        log.info("%s", exc.message)  # the partner wrote more: fetched again next poll
                        continue
                    self.done_error = exc
                    self.abandon.set()
