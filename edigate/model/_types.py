"""The type rules every model value obeys, read once from the dataclass annotations.

One walker serves three readers: construction (`Record` checks each field's type, so a
float or a list never gets into the model), the JSON codec and the JSON Schema generator.
Supported field types: str, int, bool, Decimal, date, time, StrEnum subclasses,
``X | None``, ``tuple[X, ...]``, fixed tuples ``tuple[X, Y]``, `QualifiedIds` subclasses
and other records.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from datetime import date, datetime, time
from decimal import Decimal
from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar

from edigate.errors import DataError

__all__ = ["InvalidValueError", "QualifiedIds", "Record", "added", "field_types", "non_null", "omitted_when_empty",
           "type_name"]


class InvalidValueError(DataError, ValueError):
    """A model value was built with a field that breaks its rules (type, SSCC, ...)."""

    code = "model.value"


class QualifiedIds(tuple[tuple[str, str], ...]):
    """Identifiers as sent: an ordered tuple of (qualifier, value) pairs, looked up by qualifier.

    A qualifier may repeat; `get` returns the first value, `get_all` every value.
    """

    __slots__ = ()

    def __new__(cls, pairs: typing.Iterable[tuple[str, str]] = ()) -> typing.Self:
        items = tuple(pairs)
        for pair in items:
            if not (
                isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) for s in pair)
            ):
                raise InvalidValueError(
                    f"{cls.__name__}: each id must be a (qualifier, value) pair of str, "
                    f"got {pair!r}"
                )
        return super().__new__(cls, items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({tuple(self)!r})"

    def get(self, qualifier: str) -> str | None:
        """The first value sent with this qualifier, or None."""
        for q, value in self:  # a loop, not next() over a generator: rules ask this per line, often
            if q == qualifier:
                return value
        return None

    def get_all(self, qualifier: str) -> tuple[str, ...]:
        """Every value sent with this qualifier, in order."""
        return tuple(value for q, value in self if q == qualifier)


_OMIT = "omit_when_empty"


def added(default: Any = None) -> Any:
    """A field that holds what only some partners send: written to JSON only when it holds
    something other than ``default`` (None, ``()`` or an empty record), so the documents
    that do not carry it read and write exactly as before it existed."""
    return dataclasses.field(default=default, metadata={_OMIT: True})


@cache
def omitted_when_empty(cls: type) -> frozenset[str]:
    """The fields of a record declared with `added`."""
    return frozenset(f.name for f in dataclasses.fields(cls) if f.metadata.get(_OMIT))


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """Resolved annotations of a record's fields, in declaration order (read once per class)."""
    found = _FIELD_TYPES.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELD_TYPES[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    return found


def non_null(tp: Any) -> Any | None:
    """For ``X | None`` return X; for any other type return None."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"only 'X | None' unions are supported, not {tp}")
        return args[0]
    return None


def type_name(tp: Any) -> str:
    """A field type as written in the model (``tuple[OrderLine, ...]``), for error messages."""
    if isinstance(tp, type):
        return tp.__name__
    return re.sub(r"\b(?:\w+\.)+", "", str(tp))


def _short_repr(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@cache
def checker(tp: Any) -> Callable[[object], bool]:
    """Whether a value is an instance of field type ``tp`` (deeply for tuples), compiled once
    per type: records check every field on construction."""
    inner = non_null(tp)
    if inner is not None:
        check = checker(inner)
        return lambda v: v is None or check(v)
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = checker(args[0])
            return lambda v: isinstance(v, tuple) and all(map(item, v))
        checks = tuple(checker(a) for a in args)
        return lambda v: (isinstance(v, tuple) and len(v) == len(checks)
                          and all(c(x) for c, x in zip(checks, v, strict=True)))
    if tp is int:
        return lambda v: isinstance(v, int) and not isinstance(v, bool)
    if tp is date:
        return lambda v: isinstance(v, date) and not isinstance(v, datetime)
    if tp is Decimal:
        return lambda v: isinstance(v, Decimal) and v.is_finite()
    if tp is time:
        return lambda v: isinstance(v, time) and v.tzinfo is None
    return lambda v: isinstance(v, tp)


@cache
def _field_checks(cls: Any) -> tuple[tuple[str, Any, Callable[[object], bool]], ...]:
    return tuple((name, tp, checker(tp)) for name, tp in field_types(cls).items())


@cache
def _all_fit(cls: Any) -> Callable[[object], bool]:
    """Whether every field of a record fits its type, as one generated expression per class
    (records are built by the ten thousand: a loop calling a checker per field cost more)."""
    env: dict[str, Any] = {"datetime": datetime}  # the one global `_fit_test` names; types go in as t<i>
    tests = []
    for i, (name, tp) in enumerate(field_types(cls).items()):
        inner = non_null(tp)
        test = _fit_test(i, inner if inner is not None else tp, f"obj.{name}", env)
        tests.append(f"(obj.{name} is None or {test})" if inner is not None else test)
    source = f"def fits(obj):\n    return {' and '.join(tests) or 'True'}"
    exec(compile(source, f"<fits {cls.__name__}>", "exec"), env)  # noqa: S102 - our own source, from field names
    return typing.cast(Callable[[object], bool], env["fits"])


def _fit_test(i: int, tp: Any, v: str, env: dict[str, Any]) -> str:
    """`checker` (``tp`` not optional) as an expression over ``v``."""
    special = {int: f"not isinstance({v}, bool)", date: f"not isinstance({v}, datetime)",
               Decimal: f"{v}.is_finite()", time: f"{v}.tzinfo is None"}
    if isinstance(tp, type) and typing.get_origin(tp) is None:
        env[f"t{i}"] = tp
        extra = special.get(tp)
        return f"(isinstance({v}, t{i}) and {extra})" if extra else f"isinstance({v}, t{i})"
    env[f"c{i}"] = checker(tp)
    return f"c{i}({v})"


class Record:
    """Base of the model's dataclasses: checks field types on construction, then `_check`.

    Subclasses are ``@dataclass(frozen=True, slots=True)`` and override `_check` (not
    ``__post_init__``) for rules beyond types.
    """

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def __post_init__(self) -> None:
        if not _all_fit(typing.cast(Any, type(self)))(self):
            self._refuse()
        self._check()

    def _refuse(self) -> None:
        """Raise for the first field whose value does not fit its type."""
        for name, tp, check in _field_checks(typing.cast(Any, type(self))):
            value = getattr(self, name)
            if check(value):
                continue
            if isinstance(value, Decimal) and not value.is_finite():
                raise InvalidValueError(
                    f"{type(self).__name__}.{name}: must be a finite Decimal, got {value}"
                )
            raise InvalidValueError(
                f"{type(self).__name__}.{name}: expected {type_name(tp)}, "
                f"got {type(value).__name__} {_short_repr(value)}"
            )

    def _check(self) -> None:
        """Rules beyond field types; raise `InvalidValueError` when one is broken."""
