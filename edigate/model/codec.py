"""JSON in and out of the model, driven by the dataclass annotations.

Decimals travel as strings ("12.50", never floats), dates as ``YYYY-MM-DD``, times as
``HH:MM[:SS[.ffffff]]``, enums as their values, identifier tuples as ``[qualifier, value]``
pairs. `to_json` writes every field; `from_json` accepts a missing field only when it has
a default, and rejects unknown keys and wrong types with a `DataError` (code
``model.json``) whose message starts with the JSON path, e.g. ``$.lines[2].quantity``.

Each type's reader and writer is compiled once from its annotations: the pipeline decodes
every stored order more than once, and walking the annotations per value cost more than
the rest of the gateway together. A record's reader and writer are generated as straight-line
code, a statement per field; a reader checks each value's type as it converts it, so only
the record's own rules (``_check``) run; the path of a bad value is assembled only when
there is one.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, TypeVar

from edigate.errors import DataError
from edigate.model._encode import compile_code, text_writer, writer
from edigate.model._types import InvalidValueError, QualifiedIds, Record, field_types, non_null

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
    return typing.cast(dict[str, Any], writer(type(obj))(obj))


def from_json(cls: type[T], data: Any) -> T:
    """Build a record of type ``cls`` from JSON data, checking every key and type."""
    try:
        return typing.cast(T, _reader(typing.cast(Any, cls))(data))
    except _Bad as bad:
        path = "$" + "".join(reversed(bad.path))
        raise DataError(f"{path}: {bad.message}", code="model.json") from bad.__cause__


def dumps(obj: object) -> str:
    """A record as canonical JSON text, the form the store keeps and JSON exports carry:
    ``json.dumps(to_json(obj))``, written straight to text."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"to_json expects a model record, got {type(obj).__name__}")
    try:
        return text_writer(type(obj))(obj)
    except Exception:  # noqa: BLE001 - a broken record: refused as the dict way refuses it
        return json.dumps(to_json(obj))


def loads(cls: type[T], text: str | bytes) -> T:
    """`from_json` of JSON text; text that is not JSON is a `DataError` too."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DataError(f"$: not JSON: {exc}", code="model.json") from exc
    return from_json(cls, data)


_Read = Callable[[Any], Any]


class _Bad(Exception):
    """A value that does not fit; containers add their step to ``path`` on the way out."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []


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
        return _ids_reader(tp)
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


def _ids_reader(cls: type[QualifiedIds]) -> _Read:
    """Qualifier/value pairs (most of an order's arrays) taken as they are when each is two
    strings; anything else goes through the general reader, which names what is wrong."""
    pairs = _reader(tuple[tuple[str, str], ...])

    def read(value: Any) -> QualifiedIds:
        if value.__class__ is list:
            out = []
            for pair in value:
                if pair.__class__ is list and len(pair) == 2:
                    qualifier, text = pair
                    if qualifier.__class__ is str and text.__class__ is str:
                        out.append((qualifier, text))
                        continue
                break
            else:
                return tuple.__new__(cls, out)
        return tuple.__new__(cls, pairs(value))
    return read


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
    """A reader compiled to straight-line code per field: a text field that holds text, an
    optional field that holds null, a decimal string, an empty array are taken in place
    (`_fast_paths`), anything else goes through the field type's reader (which names what
    is wrong)."""
    hints = field_types(cls)
    env: dict[str, Any] = {"cls": cls, "new": object.__new__, "assign": object.__setattr__,
                           "known": frozenset(hints), "_Bad": _Bad, "_fail": _fail, "_describe": _describe,
                           "_unknown": _unknown_key, "InvalidValueError": InvalidValueError}
    lines = ["def read(data):",
             "    if not isinstance(data, dict):",
             "        raise _fail(f'expected an object for {cls.__name__}, got {_describe(data)}')"]
    default = _default_json(cls)
    if default is not None:
        env["empty"], env["default"] = default
        lines += ["    if data == empty:", "        return default"]
    lines += ["    if not known.issuperset(data):",
              "        raise _unknown(cls, data)",
              "    obj = new(cls)"]
    for i, f in enumerate(dataclasses.fields(cls)):
        lines += _field_lines(i, f, hints[f.name], env, cls.__name__)
    if getattr(cls, "_check", None) is not Record._check:
        lines += ["    try:", "        obj._check()", "    except InvalidValueError as exc:",
                  "        raise _fail(exc.message) from exc"]
    lines.append("    return obj")
    return compile_code("\n".join(lines), "read", env)


def _field_lines(i: int, f: dataclasses.Field[Any], tp: Any, env: dict[str, Any], record: str) -> list[str]:
    inner = non_null(tp)
    kind = tp if inner is None else inner
    env[f"r{i}"] = _reader(kind)
    if f.default is not _MISSING:
        env[f"d{i}"], missing = f.default, f"v = d{i}"
    elif f.default_factory is not _MISSING:
        env[f"f{i}"], missing = f.default_factory, f"v = f{i}()"
    else:
        missing = f"raise _fail({f'missing required key {f.name!r} for {record}'!r})"
    branches: list[str] = []
    for condition, action in _fast_paths(i, f, kind, inner is not None, env):
        branches += [f"        {'elif' if branches else 'if'} {condition}:", f"            {action}"]
    convert = ["try:", f"    v = r{i}(v)", "except _Bad as bad:", f"    bad.path.append('.{f.name}')", "    raise"]
    if branches:
        branches.append("        else:")
    indent = "            " if branches else "        "
    slot = env["cls"].__dict__.get(f.name)
    if isinstance(slot, types.MemberDescriptorType):  # set the slot itself: no attribute lookup
        env[f"s{i}"], store = slot.__set__, f"    s{i}(obj, v)"
    else:
        store = f"    assign(obj, {f.name!r}, v)"
    return [f"    if {f.name!r} in data:", f"        v = data[{f.name!r}]", *branches,
            *(indent + line for line in convert), "    else:", f"        {missing}", store]


def _fast_paths(i: int, f: dataclasses.Field[Any], kind: Any, optional: bool,
                env: dict[str, Any]) -> list[tuple[str, str]]:
    """Values taken without a call to the type's reader: (condition, statement) pairs."""
    paths = [("v is None", "pass")] if optional else []
    if kind in (str, int):
        paths.append((f"v.__class__ is {kind.__name__}", "pass"))
    elif kind is Decimal:
        env["decimal_text"] = _decimal_text
        paths.append(("v.__class__ is str and (x := decimal_text(v)) is not None", "v = x"))
    elif typing.get_origin(kind) is tuple and typing.get_args(kind)[-1] is Ellipsis:
        paths.append(("v.__class__ is list and not v", "v = ()"))
    shared = _default_json(type(f.default)) if dataclasses.is_dataclass(f.default) else None
    if shared is not None and shared[1] == f.default:  # the field's own default instance
        env[f"e{i}"] = shared[0]
        paths.append((f"v == e{i}", f"v = d{i}"))
    return paths


def _default_json(cls: type) -> tuple[dict[str, Any], Any] | None:
    """For a record whose every field has a default (``Dates``, ``Pack`` ...): its default
    instance and that instance's JSON, when only that very JSON can equal it (null, text
    and empty arrays: ``0 == false``, so a number or a flag would not do)."""
    fields = dataclasses.fields(cls)
    if any(f.default is _MISSING and f.default_factory is _MISSING for f in fields):
        return None
    obj = cls()
    data = to_json(obj)
    if all(v is None or v == [] or v.__class__ is str for v in data.values()):
        return data, obj
    return None


def _unknown_key(cls: type, data: dict[str, Any]) -> _Bad:
    hints = field_types(cls)
    bad = _fail(f"unknown key for {cls.__name__} (known keys: {', '.join(hints)})")
    bad.path.append(f".{sorted(set(data) - set(hints))[0]}")
    return bad


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
    found = _decimal_text(value) if isinstance(value, str) else None
    if found is None:
        raise _fail(f'expected a decimal string such as "12.50", got {_describe(value)}')
    return found


# Amounts, prices and quantities repeat from line to line and order to order: each distinct
# text is checked and converted once (a Decimal is immutable).
@lru_cache(maxsize=4096)
def _decimal_text(text: str) -> Decimal | None:
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes this
        return None


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
