"""Fetch ahead: the network work of a poll overlaps the recording of what came in.

`fetch_ahead` runs a channel's ``fetch`` and ``done`` on one helper thread while the caller
records each file (archive, store) on its own: file k+1 downloads while file k is written
down, and file k is marked done on the far side only after its ``record`` returned. The
channel is touched by the helper thread alone, so channels need not be thread-safe.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from edigate.transport.base import Channel, Received, RemoteFile

__all__ = ["fetch_ahead"]

_End = BaseException | None  # what ends the fetched queue: a fetch error, or None when all came


def fetch_ahead(channel: Channel, files: Sequence[RemoteFile], record: Callable[[Received], object], *,
                stopping: Callable[[], bool] = lambda: False, depth: int = 4) -> int:
    """Fetch ``files`` in order, ``record`` each in this thread, then mark it done; how many
    were recorded. When ``stopping()`` turns true, the file in hand is finished and the rest
    are left on the channel. A fetch or done failure is raised once the recorded files are
    marked done; files fetched but not recorded stay on the channel for the next poll."""
    helper = _Helper(channel, files, depth)
    thread = threading.Thread(target=helper.run, name=f"fetch-{channel.id}", daemon=True)
    thread.start()
    count, failure = 0, None
    try:
        while not stopping():
            item = helper.fetched.get()
            if not isinstance(item, tuple):
                failure, helper.ended = item, True
                break
            remote, got = item
            record(got)
            helper.recorded.put(remote)
            count += 1
    finally:
        helper.finish()
        thread.join()
    if failure is not None:
        raise failure
    if helper.done_error is not None:
        raise helper.done_error
    return count


class _Helper:
    """The helper thread's side: fetch into ``fetched``, mark done what comes back recorded."""

    def __init__(self, channel: Channel, files: Sequence[RemoteFile], depth: int) -> None:
        self.channel, self.files = channel, files
        self.fetched: queue.Queue[tuple[RemoteFile, Received] | _End] = queue.Queue(depth)
        self.recorded: queue.Queue[RemoteFile | None] = queue.Queue()
        self.abandon = threading.Event()
        self.ended = False  # the caller has seen the end of ``fetched``
        self.closed = False  # the caller will record no more
        self.done_error: BaseException | None = None

    def run(self) -> None:
        end: _End = None
        try:
            for remote in self.files:
                self._mark_done(wait=False)
                if self.abandon.is_set():
                    break
                self._put((remote, self.channel.fetch(remote)))
        except BaseException as exc:  # handed to the caller's thread, which raises it
            end = exc
        self.fetched.put(end)
        self._mark_done(wait=True)

    def _put(self, item: tuple[RemoteFile, Received]) -> None:
        while not self.abandon.is_set():
            try:
                self.fetched.put(item, timeout=0.05)
                return
            except queue.Full:
                self._mark_done(wait=False)  # keep up with the caller while it records

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
                    self.done_error = exc
                    self.abandon.set()

    def finish(self) -> None:
        """The caller is through: stop fetching, let the helper mark done and end."""
        self.abandon.set()
        self.recorded.put(None)
        while not self.ended:
            self.ended = not isinstance(self.fetched.get(), tuple)
