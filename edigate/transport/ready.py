"""When a file on an inbound channel is whole: the channel's ``ready`` rule.

``stable`` takes a file whose size and modification time are the same at two looks
``settle_seconds`` apart; ``marker`` takes a file once the partner wrote its marker
(``NAME.done``/``NAME.ok``, or the same with the extension replaced); ``rename`` takes a
file under its final name at once (temporary names are never taken). A time window alone
cannot tell a paused writer from a finished one, so the pipeline also leaves an X12 file
whose last interchange has no IEA yet (`ReadyRule.taken`, with the rule the gateway gives
in `ChannelOptions.unfinished`), and every channel checks at fetch and at done that the file
is still the one listed (`unchanged`): one that changed is left for the next poll.
"""

from __future__ import annotations

import fnmatch
import posixpath
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from edigate.errors import TransportError
from edigate.transport.base import ChannelOptions, Received, RemoteFile

__all__ = ["LEFT", "MARKER_SUFFIXES", "ReadyRule", "changed", "ordered", "unchanged"]

LEFT = "transport.left"
"""The code of the `TransportError` a channel raises for a file it leaves where it is, for
a later poll: one that changed since it was listed, or one not finished yet."""
MARKER_SUFFIXES = (".done", ".ok")

Look = Callable[[], Mapping[str, RemoteFile]]
"""Every plain, non-temporary file on the channel, by handle."""


@dataclass(frozen=True, slots=True)
class ReadyRule:
    """One inbound channel's rule: which names, and when a file is whole."""

    glob: str = "*"
    ready: str = "stable"
    settle: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    unfinished: Callable[[bytes], bool] | None = None
    wait: timedelta = timedelta(0)
    """How long an unfinished file is left for its writer, from its modification time."""

    @classmethod
    def of(cls, config: Any, options: ChannelOptions) -> ReadyRule:
        """The rule of a channel config (targets, which are never polled, take every name)."""
        settle = options.settle_seconds
        if settle is None:
            settle = getattr(config, "settle_seconds", 0.0)
        wait = timedelta(minutes=getattr(config, "truncated_after_minutes", 0.0))
        return cls(getattr(config, "glob", "*"), getattr(config, "ready", "stable"), settle, options.sleep,
                   options.unfinished, wait)

    def wanted(self, name: str) -> bool:
        """A name the channel takes (a marker is never data)."""
        marker = self.ready == "marker" and name.lower().endswith(MARKER_SUFFIXES)
        return not marker and fnmatch.fnmatchcase(name, self.glob)

    def pick(self, look: Look) -> list[RemoteFile]:
        """The files that are whole by the rule, oldest first."""
        first = look()
        files = {h: f for h, f in first.items() if self.wanted(f.name)}
        if self.ready == "marker":
            return ordered(_marked(files, first))
        if self.ready == "rename" or self.settle <= 0 or not files:
            return ordered(files.values())
        self.sleep(self.settle)
        return ordered(f for h, f in look().items() if files.get(h) == f)


    def taken(self, channel_id: str, file: RemoteFile, got: Received) -> Received:
        """``got``, unless its bytes are unfinished and the file is younger than ``wait``
        (a writer may only have paused): then `TransportError` ``transport.left``."""
        young = file.mtime is not None and got.received_at - file.mtime < self.wait
        if young and self.unfinished is not None and self.unfinished(got.data):
            raise TransportError(f"{channel_id}: {file.name} is left for the next poll: it is not finished "
                                 "(its last interchange has no IEA yet)", code=LEFT)
        return got


def _marked(files: Mapping[str, RemoteFile], everything: Mapping[str, RemoteFile]) -> Iterable[RemoteFile]:
    for handle, file in files.items():
        stem = handle[: len(handle) - len(posixpath.splitext(file.name)[1])]
        marker = next((m for base in (handle, stem) for suffix in MARKER_SUFFIXES
                       if (m := base + suffix) in everything), None)
        if marker is not None:
            yield replace(file, marker=marker)


def ordered(files: Iterable[RemoteFile]) -> list[RemoteFile]:
    """Oldest first, then by name."""
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(files, key=lambda f: (f.mtime or oldest, f.name))


def unchanged(listed: RemoteFile, now: RemoteFile | None) -> bool:
    """Whether the file is still the one listed: there, same size, same modification time."""
    return now is not None and (now.size, now.mtime) == (listed.size, listed.mtime)


def changed(channel_id: str, file: RemoteFile, now: RemoteFile | None) -> TransportError:
    """The error for a file that changed since it was listed (or went away)."""
    if now is None:
        what = "went away since it was listed"
    elif now.size != file.size:
        what = f"changed since it was listed ({file.size} -> {now.size} bytes)"
    else:
        what = "changed since it was listed (written again)"
    return TransportError(f"{channel_id}: {file.name} {what}; it is left for the next poll", code=LEFT)
