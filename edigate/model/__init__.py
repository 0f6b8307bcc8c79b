"""The canonical document model every stage exchanges: orders, acknowledgments, ship
notices and invoices as frozen dataclasses, with JSON in and out and a JSON Schema.

It imports nothing from the store or the X12 layer. Amounts, quantities and prices are
`Decimal`; collections are tuples; values are checked on construction and a broken one
raises `InvalidValueError` (a `DataError` and a `ValueError`).
"""

from __future__ import annotations

from edigate.model._types import InvalidValueError, QualifiedIds
from edigate.model.ack import AckType, LineAck, LineStatus, PoAck
from edigate.model.change import LineChange, OrderChange
from edigate.model.codec import dumps, from_json, loads, to_json
from edigate.model.common import (
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    Amount,
    Carrier,
    Contact,
    Dates,
    Extensions,
    Fob,
    Note,
    Party,
    PartyIds,
    ProductIds,
    Purpose,
    Reference,
    SourceRef,
    Terms,
    to_cents,
)
from edigate.model.invoice import Invoice, InvoiceLine, Tax
from edigate.model.order import (
    DeclaredTotals,
    Destination,
    ItemDescription,
    ItemDetail,
    Order,
    OrderLine,
    OrderType,
    Pack,
    Packaging,
    Price,
    Schedule,
    SubLine,
)
from edigate.model.schema import DOCUMENTS, json_schema
from edigate.model.shipment import (
    Carton,
    InvalidSsccError,
    Shipment,
    ShippedItem,
    ShippedOrder,
    Weight,
    is_valid_sscc,
    sscc_check_digit,
)

__all__ = [
    "DOCUMENTS",
    "AckType",
    "Address",
    "AllowanceCharge",
    "AllowanceOrCharge",
    "Amount",
    "Carrier",
    "Carton",
    "Contact",
    "Dates",
    "DeclaredTotals",
    "Destination",
    "Extensions",
    "Fob",
    "InvalidSsccError",
    "InvalidValueError",
    "Invoice",
    "InvoiceLine",
    "ItemDescription",
    "ItemDetail",
    "LineChange",
    "LineAck",
    "LineStatus",
    "Note",
    "Order",
    "OrderChange",
    "OrderLine",
    "OrderType",
    "Pack",
    "Packaging",
    "Party",
    "PartyIds",
    "PoAck",
    "Price",
    "ProductIds",
    "Purpose",
    "QualifiedIds",
    "Reference",
    "Schedule",
    "ShippedItem",
    "ShippedOrder",
    "Shipment",
    "SourceRef",
    "SubLine",
    "Tax",
    "Terms",
    "Weight",
    "dumps",
    "from_json",
    "loads",
    "is_valid_sscc",
    "json_schema",
    "sscc_check_digit",
    "to_cents",
    "to_json",
]
