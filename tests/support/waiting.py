"""Waiting on a condition in tests: a generous bound, so a busy machine never decides a verdict."""

from __future__ import annotations

import time
from collections.abc import Callable

PATIENCE = 60.0
"""How long a test waits for something that normally takes a fraction of a second."""


def wait_until(condition: Callable[[], object], *, timeout: float = PATIENCE, interval: float = 0.02) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; whether it came true."""
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= give_up:
            return bool(condition())
        time.sleep(interval)
    return True
