"""The one reading of a time a specialist types, for every ``--since`` and ``--until``:
``2h``, ``30m``, ``3d``, ``1w`` (that long ago), ``today``, ``yesterday`` (their UTC
midnight), ``YYYY-MM-DD`` (UTC midnight), or an ISO 8601 time (UTC when it names no
offset). Also the check of a ``--status`` against the values it may take."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

from edigate.errors import UsageError

__all__ = ["TIME_HELP", "parse_choice", "parse_time"]

TIME_HELP = "2h, 3d, 1w, today, yesterday, YYYY-MM-DD or an ISO time (UTC)"

_AGO = re.compile(r"(\d+)\s*(m|min|h|d|w)", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
E = TypeVar("E", bound=Enum)


def parse_time(text: str, *, option: str = "--since", end: bool = False, now: dt.datetime | None = None) -> dt.datetime:
    """``text`` as a UTC time. With ``end``, a day (``today``, ``YYYY-MM-DD``) means its
    end, the next midnight, so that ``--until 2026-03-31`` includes that day."""
    now = now or dt.datetime.now(dt.UTC)
    word = text.strip().lower()
    if word in ("today", "yesterday"):
        return _day(now.date() - dt.timedelta(days=word == "yesterday"), end)
    if (ago := _AGO.fullmatch(word)) is not None:
        return now - dt.timedelta(**{_UNITS[ago.group(2).lower()]: int(ago.group(1))})
    try:
        if len(word) == 10:
            return _day(dt.date.fromisoformat(word), end)
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a time: use {TIME_HELP}") from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _day(day: dt.date, end: bool) -> dt.datetime:
    midnight = dt.datetime.combine(day, dt.time(), dt.UTC)
    return midnight + dt.timedelta(days=1) if end else midnight


def parse_choice(text: str, kind: type[E], option: str = "--status", values: Iterable[str] | None = None) -> E:
    """``text`` as a member of ``kind``; a usage error listing the valid values otherwise."""
    allowed = list(values) if values is not None else [str(m.value) for m in kind]
    if text in allowed:
        return kind(text)
    raise UsageError(f"{option} {text!r} is not one of: {', '.join(allowed)}")
