"""JSON Schema (draft 2020-12) of the documents' JSON, generated from the dataclasses.

The same annotations drive `edigate.model.codec`, so the schema cannot drift from what
`to_json` writes and `from_json` accepts.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from edigate.errors import UsageError
from edigate.model._types import QualifiedIds, field_types, non_null
from edigate.model.ack import PoAck
from edigate.model.change import OrderChange
from edigate.model.codec import DATE_PATTERN, DECIMAL_PATTERN, TIME_PATTERN
from edigate.model.invoice import Invoice
from edigate.model.order import Order
from edigate.model.shipment import Shipment

__all__ = ["DOCUMENTS", "json_schema"]

DOCUMENTS: dict[str, type] = {
    "order": Order,
    "poack": PoAck,
    "shipment": Shipment,
    "invoice": Invoice,
    "change": OrderChange,
}

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    Decimal: {"type": "string", "pattern": DECIMAL_PATTERN},
    date: {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    time: {"type": "string", "pattern": TIME_PATTERN},
}


def json_schema(document: str) -> dict[str, Any]:
    """The schema of one document's JSON: ``order``, ``poack``, ``shipment``, ``invoice`` or
    ``change`` (an 860 as read)."""
    cls = DOCUMENTS.get(document)
    if cls is None:
        raise UsageError(f"no schema named {document!r}; choose one of: {', '.join(DOCUMENTS)}")
    defs: dict[str, dict[str, Any]] = {}
    root = _record_schema(cls, defs)
    del defs[cls.__name__]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": defs}


def _record_schema(cls: type, defs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    defs[cls.__name__] = {}  # placeholder: stops recursion on cycles
    fields = dataclasses.fields(cls)
    hints = field_types(cls)
    schema: dict[str, Any] = {
        "title": cls.__name__,
        "description": inspect.cleandoc(cls.__doc__ or "").replace("``", "`"),
        "type": "object",
        "properties": {f.name: _type_schema(hints[f.name], defs) for f in fields},
        "required": [
            f.name
            for f in fields
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ],
        "additionalProperties": False,
    }
    defs[cls.__name__] = schema
    return schema


def _type_schema(tp: Any, defs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    inner = non_null(tp)
    if inner is not None:
        return {"anyOf": [_type_schema(inner, defs), {"type": "null"}]}
    if isinstance(tp, type) and issubclass(tp, QualifiedIds):
        return _type_schema(tuple[tuple[str, str], ...], defs)
    if typing.get_origin(tp) is tuple:
        return _tuple_schema(typing.get_args(tp), defs)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if tp.__name__ not in defs:
            _record_schema(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return {"enum": [m.value for m in tp]}
    return dict(_SCALARS[tp])


def _tuple_schema(args: tuple[Any, ...], defs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    return {
        "type": "array",
        "prefixItems": [_type_schema(a, defs) for a in args],
        "items": False,
        "minItems": len(args),
        "maxItems": len(args),
    }
