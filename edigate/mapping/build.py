"""Build model records from the nested dicts the rules produce, without re-checking types.

`Record.__post_init__` checks every field's type on construction; for a 10k-order file
that check costs more than tokenizing and mapping together. Here it is not needed: the
map compiler refuses at load any field whose declared type does not fit the model field
(``rules.Compiler.fits``), and the converters always return the declared type. So records
are filled slot by slot and only their own rules (``_check``) run. Anything that does not
fit raises `InvalidValueError`, which the engine turns into a ``map.model`` finding.

Each record type's builder is generated once as straight-line code, a statement per field
(a loop over the fields, with a converter call per field, cost as much as the mapping).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import cache
from typing import Any

from edigate.model._types import InvalidValueError, QualifiedIds, Record, field_types, non_null

__all__ = ["build"]

_MISSING: Any = dataclasses.MISSING
Convert = Callable[[Any], Any]


def build(cls: type, data: Mapping[str, Any]) -> Any:
    """Record ``cls`` from ``data`` (missing or None fields take their defaults)."""
    return _builder(cls)(data)


@cache
def _builder(cls: type) -> Convert:
    types = field_types(cls)
    env: dict[str, Any] = {"new": object.__new__, "cls": cls, "_required": _required}
    lines = ["def build(data):", "    obj = new(cls)", "    get = data.get"]
    for i, f in enumerate(dataclasses.fields(cls)):
        env[f"s{i}"] = cls.__dict__[f.name].__set__  # the slot itself: no attribute lookup
        lines.append(f"    v = get({f.name!r})")
        inner = non_null(types[f.name]) or types[f.name]
        if isinstance(inner, type) and dataclasses.is_dataclass(inner):  # a sub-record, in place
            env[f"t{i}"], env[f"c{i}"] = inner, _builder(inner)
            lines.append(f"    if v is not None: v = v if isinstance(v, t{i}) else c{i}(v) if v else None")
        elif isinstance(inner, type) and issubclass(inner, QualifiedIds):  # the pairs, in place
            env[f"t{i}"], env["tuple_new"] = inner, tuple.__new__
            lines.append(f"    if v is not None: v = tuple_new(t{i}, v)")
        elif (convert := _converter(types[f.name])) is not None:
            env[f"c{i}"] = convert
            lines.append(f"    if v is not None: v = c{i}(v)")
        lines.append(f"    if v is None: {_default(cls, f, i, env)}")
        lines.append(f"    s{i}(obj, v)")
    if getattr(cls, "_check", None) is not Record._check:
        lines.append("    obj._check()")
    lines.append("    return obj")
    exec(compile("\n".join(lines), f"<build {cls.__name__}>", "exec"), env)  # noqa: S102 - our own source, from field names
    return typing.cast(Convert, env["build"])


def _default(cls: type, f: dataclasses.Field[Any], i: int, env: dict[str, Any]) -> str:
    if f.default is not _MISSING:
        env[f"d{i}"] = f.default
        return f"v = d{i}"
    if f.default_factory is not _MISSING:
        env[f"f{i}"] = f.default_factory
        return f"v = f{i}()"
    return f"raise _required(cls, {f.name!r})"


def _required(cls: type, name: str) -> InvalidValueError:
    return InvalidValueError(f"{cls.__name__}.{name}: required, but the map gave no value")


def _converter(tp: Any) -> Convert | None:
    inner = non_null(tp) or tp
    if isinstance(inner, type) and issubclass(inner, QualifiedIds):
        return lambda pairs: tuple.__new__(inner, pairs)
    if isinstance(inner, type) and issubclass(inner, StrEnum):
        return lambda value: _enum(inner, value)
    if isinstance(inner, type) and dataclasses.is_dataclass(inner):
        make = _builder(inner)
        return lambda value: (value if isinstance(value, inner) else make(value) if value else None)
    if typing.get_origin(inner) is tuple:
        item = _converter(typing.get_args(inner)[0])
        if item is None:
            return tuple
        return lambda values: tuple([item(v) for v in values])
    return None


def _enum(cls: type[StrEnum], value: Any) -> StrEnum:
    try:
        return cls(value)
    except ValueError as exc:
        choices = ", ".join(m.value for m in cls)
        raise InvalidValueError(f"{cls.__name__}: {value!r} is not one of {choices}") from exc
