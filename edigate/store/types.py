"""Reusable column types: UTC datetimes on every backend, and annotated shorthands.

SQLite keeps no time zone, so `UTCDateTime` stores naive UTC and hands back aware UTC;
PostgreSQL stores ``timestamptz``. Naive datetimes are refused on the way in.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import BigInteger, DateTime, Integer, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import mapped_column

__all__ = [
    "BigId", "UTCDateTime", "bigid", "created", "hexdigest", "ident", "intpk", "short", "utcnow",
    "when",
]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always aware UTC in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps UTC only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if not isinstance(value, dt.datetime):
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


#: Integer primary keys; BIGINT on PostgreSQL, INTEGER (rowid) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

intpk = Annotated[int, mapped_column(BigId, primary_key=True)]
bigid = Annotated[int, mapped_column(BigId)]
ident = Annotated[str, mapped_column(String(64))]
short = Annotated[str, mapped_column(String(32))]
hexdigest = Annotated[str, mapped_column(String(64))]
when = Annotated[dt.datetime, mapped_column(UTCDateTime())]
created = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]
