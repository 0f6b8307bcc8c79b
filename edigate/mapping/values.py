"""Value types a map field may declare, turning X12 text into Python values.

``str`` (default), ``decimal`` (X12 R), ``int``, ``date`` (CCYYMMDD or YYMMDD) and the
implied-decimal numerics ``n0`` .. ``n4`` (``n2``: ``4608`` is 46.08).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

__all__ = ["CONVERTERS", "RESULT_TYPES", "ValueProblem"]

_DECIMAL = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")
_INTEGER = re.compile(r"^-?\d+$")


class ValueProblem(ValueError):
    """The text is not a value of the declared type; the message says what was expected."""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def to_decimal(value: Any) -> Decimal:
    if value.__class__ is str:
        return _decimal(value)
    if isinstance(value, Decimal):
        return value
    return _decimal(_text(value))


def to_int(value: Any) -> int:
    if value.__class__ is str:
        return _int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _int(_text(value))


# Quantities, prices and pack sizes repeat from line to line and order to order: each
# distinct text is checked and converted once (Decimals and ints are immutable, and a text
# that is refused raises, which is never cached).
@functools.lru_cache(maxsize=4096)
def _decimal(text: str) -> Decimal:
    text = text.strip()
    if not _DECIMAL.match(text):
        raise ValueProblem("expected a decimal number")
    return Decimal(text)


@functools.lru_cache(maxsize=4096)
def _int(text: str) -> int:
    text = text.strip()
    if not _INTEGER.match(text):
        raise ValueProblem("expected a whole number")
    return int(text)


def to_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = _text(value).strip()
    if len(text) == 6 and text.isdigit():
        text = ("20" if int(text[:2]) < 50 else "19") + text
    if len(text) != 8 or not text.isdigit():
        raise ValueProblem("expected a date CCYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise ValueProblem(f"expected a date CCYYMMDD ({exc})") from exc


def implied(places: int) -> Callable[[Any], Decimal]:
    def convert(value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        return to_decimal(to_int(value)).scaleb(-places)
    return convert


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": _text,
    "decimal": to_decimal,
    "int": to_int,
    "date": to_date,
    **{f"n{n}": implied(n) for n in range(5)},
}

RESULT_TYPES: dict[str, type] = {
    "str": str, "decimal": Decimal, "int": int, "date": date,
    **{f"n{n}": Decimal for n in range(5)},
}
"""The Python type each converter returns, to check a map against the model at load."""
