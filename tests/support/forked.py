"""The processes tests start to work on one store at once, forked from a server that has
imported the store and the pipeline once per test process (multiprocessing's forkserver).

A child started with ``spawn`` (or ``python -c``) imports SQLAlchemy, the table models and
the pipeline afresh: 0.6 to 0.8 s of CPU each, and the store and crash tests start dozens.
A forkserver child is a fork of a process that has imported those modules and nothing else:
it holds no engine, connection, thread or test state of the parent, as a spawned one; it
opens its own store as a spawned child does.
"""

from __future__ import annotations

import functools
import multiprocessing
from multiprocessing.context import ForkServerContext

__all__ = ["PRELOAD", "children"]

PRELOAD = ["tests.support.store_children", "tests.support.pipeline_children"]
"""The modules the server imports before it forks: every child's entry points."""


@functools.cache
def children() -> ForkServerContext:
    """The context whose processes are forked from the preloaded server (started on first use,
    kept until the test process ends)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx
