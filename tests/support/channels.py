"""Channel options for tests that try a transport's retries."""

from __future__ import annotations

from dataclasses import replace

from edigate.transport import Backoff, ChannelOptions

__all__ = ["with_retry"]


def with_retry(options: ChannelOptions, attempts: int, base: float, cap: float) -> ChannelOptions:
    return replace(options, retry=Backoff(attempts=attempts, base=base, cap=cap))
