"""Settings for a process of edigate's own: applied once by the ``edigate`` command and by
its helper processes, never by the library (a program that imports edigate keeps its own)."""

from __future__ import annotations

import gc

__all__ = ["COLLECTOR_THRESHOLDS", "tune_collector"]

COLLECTOR_THRESHOLDS = (50_000, 20, 20)
"""Allocations between young collections, and the older generations' counts."""


def tune_collector() -> None:
    """Run the cyclic garbage collector less often, and never over what start-up made.

    A big file makes millions of short-lived objects (segments, records, findings) that
    reference counting frees; at Python's default of a young collection every 700
    allocations, the collector ran thousands of times over a 10,000-order file, walking
    every object alive each time: 17% of the process's CPU. `gc.freeze` moves what exists
    now (modules, compiled specs) out of its reach.
    """
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
