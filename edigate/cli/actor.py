"""Who is acting: the name every audited change records.

``edigate --as NAME`` wins, then ``EDIGATE_ACTOR``, then the operating-system user; the
audit trail never records a bare ``cli``.
"""

from __future__ import annotations

import contextvars
import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["acting_as", "current_actor"]

_AS: contextvars.ContextVar[str | None] = contextvars.ContextVar("edigate_actor", default=None)


def current_actor() -> str:
    """``--as``, else ``EDIGATE_ACTOR``, else the login name, else ``unknown``."""
    named = _AS.get() or os.environ.get("EDIGATE_ACTOR", "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment and none in the password database
        return "unknown"


@contextmanager
def acting_as(name: str | None) -> Iterator[None]:
    """Record ``name`` (when given) as the actor for the commands run inside the block."""
    token = _AS.set(name.strip() if name and name.strip() else None)
    try:
        yield
    finally:
        _AS.reset(token)
