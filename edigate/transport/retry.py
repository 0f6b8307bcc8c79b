"""Bounded exponential backoff with jitter, for reconnecting to a channel's server."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """``attempts`` tries in all; the n-th wait is between half and all of ``base * 2**n``.

    Waits never exceed ``cap`` seconds, so a retry loop is bounded by
    ``(attempts - 1) * cap`` plus the time the attempts themselves take.
    """

    attempts: int = 4
    base: float = 0.5
    cap: float = 10.0

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The waits between attempts: one fewer than ``attempts``."""
        uniform = (rng or random).uniform
        for n in range(max(self.attempts, 1) - 1):
            ceiling = min(self.cap, self.base * 2**n)
            yield uniform(ceiling / 2, ceiling)
