"""JSON in and out of the model, driven by the dataclass annotations.

Decimals travel as strings ("12.50", never floats), dates as ``YYYY-MM-DD``, times as
``HH:MM[:SS[.ffffff]]``, enums as their values, identifier tuples as ``[qualifier, value]``
pairs. `to_json` writes every field; `from_json` accepts a missing field only when it has
a default, and rejects unknown keys and wrong types with a `DataError` (code
``model.json``) whose message starts with the JSON path, e.g. ``$.lines[2].quantity``.

Each type's reader and writer is compiled once from its annotations: the pipeline decodes
every stored order more than once, and walking the annotations per value cost more than
the rest of the gateway together. A reader checks each value's type as it converts it, so
a record is filled slot by slot and only its own rules (``_check``) run; the path of a bad
value is assembled only when there is one.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from edigate.errors import DataError
from edigate.model._types import InvalidValueError, QualifiedIds, field_types, non_null

__all__ = ["DECIMAL_PATTERN", "DATE_PATTERN", "TIME_PATTERN", "dumps", "from_json", "loads", "to_json"]

T = TypeVar("T")

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_PATTERN = r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"

_JSON = dict[str, Any] | list[Any] | str | int | bool | None


def to_json(obj: object) -> dict[str, Any]:
    """A model record as a JSON-ready dict (only str, int, bool, None, list, dict inside)."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"to_json expects a model record, got {type(obj).__name__}")
    return typing.cast(dict[str, Any], _writer(type(obj))(obj))


def from_json(cls: type[T], data: Any) -> T:
    """Build a record of type ``cls`` from JSON data, checking every key and type."""
    try:
        return typing.cast(T, _reader(typing.cast(Any, cls))(data))
    except _Bad as bad:
        path = "$" + "".join(reversed(bad.path))
        raise DataError(f"{path}: {bad.message}", code="model.json") from bad.__cause__


def dumps(obj: object) -> str:
    """A record as canonical JSON text, the form the store keeps and JSON exports carry."""
    return json.dumps(to_json(obj))


def loads(cls: type[T], text: str | bytes) -> T:
    """`from_json` of JSON text; text that is not JSON is a `DataError` too."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DataError(f"$: not JSON: {exc}", code="model.json") from exc
    return from_json(cls, data)


_Write = Callable[[Any], Any]
_Read = Callable[[Any], Any]


class _Bad(Exception):
    """A value that does not fit; containers add their step to ``path`` on the way out."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []


# -- writing -------------------------------------------------------------------------------


def _identity(value: Any) -> Any:
    return value


@cache
def _writer(tp: Any) -> _Write:
    inner = non_null(tp)
    if inner is not None:
        write = _writer(inner)
        return write if write is _identity else (lambda v: None if v is None else write(v))
    if typing.get_origin(tp) is tuple or (isinstance(tp, type) and issubclass(tp, QualifiedIds)):
        return _tuple_writer(tp)
    if dataclasses.is_dataclass(tp):
        return _record_writer(typing.cast(type, tp))
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return lambda v: v.value
    if tp is Decimal:
        return lambda v: format(v, "f")
    if tp in (date, time):
        return lambda v: v.isoformat()
    return _identity


def _tuple_writer(tp: Any) -> _Write:
    args = (tuple[str, str], Ellipsis) if not typing.get_args(tp) else typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        item = _writer(args[0])
        if item is _identity:
            return list
        return lambda v: [item(x) for x in v]
    writers = tuple(_writer(a) for a in args)
    return lambda v: [w(x) for w, x in zip(writers, v, strict=True)]


def _record_writer(cls: type) -> _Write:
    fields = tuple((name, None if (w := _writer(tp)) is _identity else w)
                   for name, tp in field_types(cls).items())

    def write(obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) if w is None else w(getattr(obj, name)) for name, w in fields}
    return write


# -- reading -------------------------------------------------------------------------------


def _fail(message: str) -> _Bad:
    return _Bad(message)


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


@cache
def _reader(tp: Any) -> _Read:
    inner = non_null(tp)
    if inner is not None:
        read = _reader(inner)
        return lambda v: None if v is None else read(v)
    if isinstance(tp, type) and issubclass(tp, QualifiedIds):
        pairs = _reader(tuple[tuple[str, str], ...])
        return lambda v: tuple.__new__(tp, pairs(v))
    if typing.get_origin(tp) is tuple:
        return _tuple_reader(tp)
    if dataclasses.is_dataclass(tp):
        return _record_reader(typing.cast(type, tp))
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return _enum_reader(tp)
    parse = _PARSERS.get(tp)
    if parse is None:
        raise TypeError(f"the codec does not support field type {tp!r}")
    return parse


def _tuple_reader(tp: Any) -> _Read:
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        item = _reader(args[0])

        def read_all(value: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise _fail(f"expected an array, got {_describe(value)}")
            try:
                return tuple([item(x) for x in value])
            except _Bad as bad:
                bad.path.append(f"[{_failed_at(item, value)}]")
                raise
        return read_all
    readers = tuple(_reader(a) for a in args)

    def read_fixed(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _fail(f"expected an array, got {_describe(value)}")
        if len(value) != len(readers):
            raise _fail(f"expected an array of {len(readers)} items, got {len(value)}")
        out = []
        for i, (read, x) in enumerate(zip(readers, value, strict=True)):
            try:
                out.append(read(x))
            except _Bad as bad:
                bad.path.append(f"[{i}]")
                raise
        return tuple(out)
    return read_fixed


def _failed_at(read: _Read, values: list[Any]) -> int:
    """The index of the first item ``read`` refuses (only called once one was refused)."""
    for i, x in enumerate(values):
        try:
            read(x)
        except _Bad:
            return i
    return len(values)  # pragma: no cover - read refused one a moment ago


_MISSING: Any = dataclasses.MISSING


def _record_reader(cls: type) -> _Read:
    hints = field_types(cls)
    known = frozenset(hints)
    slots: tuple[tuple[str, _Read, Any, Any], ...] = tuple(
        (f.name, _reader(hints[f.name]), f.default, f.default_factory)
        for f in dataclasses.fields(cls))
    new, assign = object.__new__, object.__setattr__

    def read(data: Any) -> Any:
        if not isinstance(data, dict):
            raise _fail(f"expected an object for {cls.__name__}, got {_describe(data)}")
        if not known.issuperset(data):
            unknown = sorted(set(data) - known)[0]
            bad = _fail(f"unknown key for {cls.__name__} (known keys: {', '.join(hints)})")
            bad.path.append(f".{unknown}")
            raise bad
        obj: Any = new(cls)
        for name, read_value, default, factory in slots:
            if name in data:
                try:
                    value = read_value(data[name])
                except _Bad as bad:
                    bad.path.append(f".{name}")
                    raise
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            else:
                raise _fail(f"missing required key {name!r} for {cls.__name__}")
            assign(obj, name, value)
        try:
            obj._check()
        except InvalidValueError as exc:
            raise _fail(exc.message) from exc
        return obj
    return read


def _enum_reader(cls: type[StrEnum]) -> _Read:
    members = {m.value: m for m in cls}

    def read(value: Any) -> StrEnum:
        member = members.get(value) if isinstance(value, str) else None
        if member is None:
            raise _fail(f"expected one of {', '.join(members)}, got {_describe(value)}")
        return member
    return read


def _str_in(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(f"expected a string, got {_describe(value)}")
    return value


def _int_in(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(f"expected an integer, got {_describe(value)}")
    return value


def _bool_in(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"expected true or false, got {_describe(value)}")
    return value


_DECIMAL = re.compile(DECIMAL_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_TIME = re.compile(TIME_PATTERN)


def _decimal_in(value: Any) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise _fail(f'expected a decimal string such as "12.50", got {_describe(value)}')
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already excludes this
        raise _fail(f"not a decimal: {value!r}") from exc


def _date_in(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise _fail(f'expected a date "YYYY-MM-DD", got {_describe(value)}')
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"not a calendar date: {value!r}") from exc


def _time_in(value: Any) -> time:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise _fail(f'expected a time "HH:MM" or "HH:MM:SS", got {_describe(value)}')
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"not a time of day: {value!r}") from exc


_PARSERS: dict[Any, _Read] = {
    str: _str_in,
    int: _int_in,
    bool: _bool_in,
    Decimal: _decimal_in,
    date: _date_in,
    time: _time_in,
}
