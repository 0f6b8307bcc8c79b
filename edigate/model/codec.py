"""JSON in and out of the model, driven by the dataclass annotations.

Decimals travel as strings ("12.50", never floats), dates as ``YYYY-MM-DD``, times as
``HH:MM[:SS[.ffffff]]``, enums as their values, identifier tuples as ``[qualifier, value]``
pairs. `to_json` writes every field; `from_json` accepts a missing field only when it has
a default, and rejects unknown keys and wrong types with a `DataError` (code
``model.json``) whose message starts with the JSON path, e.g. ``$.lines[2].quantity``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from datetime import date, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from edigate.errors import DataError
from edigate.model._types import InvalidValueError, QualifiedIds, field_types, non_null

__all__ = ["DECIMAL_PATTERN", "DATE_PATTERN", "TIME_PATTERN", "from_json", "to_json"]

T = TypeVar("T")

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_PATTERN = r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"

_JSON = dict[str, Any] | list[Any] | str | int | bool | None


def to_json(obj: object) -> dict[str, Any]:
    """A model record as a JSON-ready dict (only str, int, bool, None, list, dict inside)."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"to_json expects a model record, got {type(obj).__name__}")
    return _record_out(obj)


def _record_out(obj: Any) -> dict[str, Any]:
    return {name: _value_out(getattr(obj, name)) for name in field_types(type(obj))}


def _value_out(value: Any) -> _JSON:
    if isinstance(value, tuple):
        return [_value_out(item) for item in value]
    if dataclasses.is_dataclass(value):
        return _record_out(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return typing.cast(_JSON, value)


def from_json(cls: type[T], data: Any) -> T:
    """Build a record of type ``cls`` from JSON data, checking every key and type."""
    return typing.cast(T, _record_in(cls, data, "$"))


def _fail(path: str, message: str) -> DataError:
    return DataError(f"{path}: {message}", code="model.json")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {json.dumps(value)}"
    return type(value).__name__


def _record_in(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise _fail(path, f"expected an object for {cls.__name__}, got {_describe(data)}")
    hints = field_types(cls)
    unknown = sorted(set(data) - set(hints))
    if unknown:
        raise _fail(
            f"{path}.{unknown[0]}",
            f"unknown key for {cls.__name__} (known keys: {', '.join(hints)})",
        )
    kwargs = {}
    for field in dataclasses.fields(cls):
        if field.name in data:
            kwargs[field.name] = _value_in(
                hints[field.name], data[field.name], f"{path}.{field.name}"
            )
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise _fail(path, f"missing required key {field.name!r} for {cls.__name__}")
    try:
        return cls(**kwargs)
    except InvalidValueError as exc:
        raise _fail(path, exc.message) from exc


def _value_in(tp: Any, value: Any, path: str) -> Any:
    inner = non_null(tp)
    if inner is not None:
        return None if value is None else _value_in(inner, value, path)
    if isinstance(tp, type) and issubclass(tp, QualifiedIds):
        pairs = _tuple_in(tuple[tuple[str, str], ...], value, path)
        return tp(pairs)
    if typing.get_origin(tp) is tuple:
        return _tuple_in(tp, value, path)
    if dataclasses.is_dataclass(tp):
        return _record_in(typing.cast(type, tp), value, path)
    return _scalar_in(tp, value, path)


def _tuple_in(tp: Any, value: Any, path: str) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise _fail(path, f"expected an array, got {_describe(value)}")
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_value_in(args[0], item, f"{path}[{i}]") for i, item in enumerate(value))
    if len(value) != len(args):
        raise _fail(path, f"expected an array of {len(args)} items, got {len(value)}")
    return tuple(
        _value_in(a, item, f"{path}[{i}]")
        for i, (a, item) in enumerate(zip(args, value, strict=True))
    )


def _scalar_in(tp: Any, value: Any, path: str) -> Any:
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        allowed = [m.value for m in tp]
        if not isinstance(value, str) or value not in allowed:
            raise _fail(path, f"expected one of {', '.join(allowed)}, got {_describe(value)}")
        return tp(value)
    parse = _PARSERS.get(tp)
    if parse is None:
        raise TypeError(f"{path}: the codec does not support field type {tp!r}")
    return parse(value, path)


def _str_in(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, f"expected a string, got {_describe(value)}")
    return value


def _int_in(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(path, f"expected an integer, got {_describe(value)}")
    return value


def _bool_in(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, f"expected true or false, got {_describe(value)}")
    return value


def _decimal_in(value: Any, path: str) -> Decimal:
    if not isinstance(value, str) or not re.fullmatch(DECIMAL_PATTERN, value):
        raise _fail(path, f'expected a decimal string such as "12.50", got {_describe(value)}')
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already excludes this
        raise _fail(path, f"not a decimal: {value!r}") from exc


def _date_in(value: Any, path: str) -> date:
    if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
        raise _fail(path, f'expected a date "YYYY-MM-DD", got {_describe(value)}')
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _fail(path, f"not a calendar date: {value!r}") from exc


def _time_in(value: Any, path: str) -> time:
    if not isinstance(value, str) or not re.fullmatch(TIME_PATTERN, value):
        raise _fail(path, f'expected a time "HH:MM" or "HH:MM:SS", got {_describe(value)}')
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise _fail(path, f"not a time of day: {value!r}") from exc


_PARSERS: dict[Any, typing.Callable[[Any, str], Any]] = {
    str: _str_in,
    int: _int_in,
    bool: _bool_in,
    Decimal: _decimal_in,
    date: _date_in,
    time: _time_in,
}
