from __future__ import annotations

import random

from edigate.transport.retry import Backoff


def test_backoff_doubles_with_jitter_and_is_bounded() -> None:
    delays = list(Backoff(attempts=6, base=1.0, cap=5.0).delays(random.Random(1)))
    assert len(delays) == 5
    for n, delay in enumerate(delays):
        ceiling = min(5.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling


def test_one_attempt_means_no_retry() -> None:
    assert list(Backoff(attempts=1).delays()) == []
