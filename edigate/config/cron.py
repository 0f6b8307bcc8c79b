"""Crontab expressions from partner files, read the way cron reads them.

APScheduler 3's ``CronTrigger.from_crontab`` numbers weekdays from Monday = 0 (its own
documented historical mistake); crontab numbers them from Sunday = 0 (and 7). Numeric
weekdays are turned into names first, so ``0 6 * * 1-5`` means weekdays as a crontab would.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["cron_problem", "cron_trigger"]

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NUMERIC = re.compile(r"(\*|[0-7](?:-[0-7])?)(?:/([1-9]))?")


def _weekdays(field: str) -> str:
    """Crontab weekday numbers (ranges and steps too) as day names; names are left alone."""
    return ",".join(_weekday_item(item) for item in field.split(","))


def _weekday_item(item: str) -> str:
    match = _NUMERIC.fullmatch(item)
    if match is None or item == "*":
        return item
    span, step = match.group(1), int(match.group(2) or 1)
    first, _, last = ("0-6" if span == "*" else span).partition("-")
    stop = int(last) if last else (6 if match.group(2) else int(first))
    days = {_DAYS[n] for n in range(int(first), stop + 1, step)}
    if not days:
        raise ValueError(f"weekday range {item!r} is empty")
    return ",".join(d for d in _DAYS[:7] if d in days)


def cron_trigger(expression: str, timezone: str = "UTC") -> Any:
    """An APScheduler ``CronTrigger`` for a 5-field crontab; `ValueError` if it is not one."""
    from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=_weekdays(weekday), timezone=timezone)


def cron_problem(expression: str) -> str | None:
    """What is wrong with ``expression`` as a crontab, or None."""
    try:
        cron_trigger(expression)
    except ValueError as exc:
        return f"not a crontab schedule {expression!r}: {exc}"
    return None
