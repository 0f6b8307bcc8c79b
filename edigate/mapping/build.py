"""Build model records from the nested dicts the rules produce, without re-checking types.

`Record.__post_init__` checks every field's type on construction; for a 10k-order file
that check costs more than tokenizing and mapping together. Here it is not needed: the
map compiler refuses at load any field whose declared type does not fit the model field
(``rules.Compiler.fits``), and the converters always return the declared type. So records
are filled slot by slot and only their own rules (``_check``) run. Anything that does not
fit raises `InvalidValueError`, which the engine turns into a ``map.model`` finding.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import cache
from typing import Any

from edigate.model._types import InvalidValueError, QualifiedIds, field_types, non_null

__all__ = ["build"]

_MISSING: Any = dataclasses.MISSING
Convert = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class _Slot:
    name: str
    convert: Convert | None
    default: Any
    factory: Any


def build(cls: type, data: Mapping[str, Any]) -> Any:
    """Record ``cls`` from ``data`` (missing or None fields take their defaults)."""
    obj: Any = object.__new__(cls)
    for slot in _slots(cls):
        value = data.get(slot.name)
        if value is not None and slot.convert is not None:
            value = slot.convert(value)
        if value is None:
            value = _default(cls, slot)
        object.__setattr__(obj, slot.name, value)
    obj._check()
    return obj


def _default(cls: type, slot: _Slot) -> Any:
    if slot.default is not _MISSING:
        return slot.default
    if slot.factory is not _MISSING:
        return slot.factory()
    raise InvalidValueError(f"{cls.__name__}.{slot.name}: required, but the map gave no value")


@cache
def _slots(cls: type) -> tuple[_Slot, ...]:
    types = field_types(cls)
    return tuple(_Slot(f.name, _converter(types[f.name]), f.default, f.default_factory)
                 for f in dataclasses.fields(cls))


def _converter(tp: Any) -> Convert | None:
    inner = non_null(tp) or tp
    if isinstance(inner, type) and issubclass(inner, QualifiedIds):
        return lambda pairs: tuple.__new__(inner, pairs)
    if isinstance(inner, type) and issubclass(inner, StrEnum):
        return lambda value: _enum(inner, value)
    if isinstance(inner, type) and dataclasses.is_dataclass(inner):
        return lambda value: (value if isinstance(value, inner)
                              else build(inner, value) if value else None)
    if typing.get_origin(inner) is tuple:
        item = _converter(typing.get_args(inner)[0])
        if item is None:
            return tuple
        return lambda values: tuple(item(v) for v in values)
    return None


def _enum(cls: type[StrEnum], value: Any) -> StrEnum:
    try:
        return cls(value)
    except ValueError as exc:
        choices = ", ".join(m.value for m in cls)
        raise InvalidValueError(f"{cls.__name__}: {value!r} is not one of {choices}") from exc
