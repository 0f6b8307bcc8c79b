"""Payload formats that routing takes from the connectors, by the name a destination gives.

A `PayloadFormat` writes one order for one destination; routing calls it for a destination
whose ``format`` is a key of `PAYLOAD_FORMATS`. The writers are pure: they open no socket
(the channel of the destination's ``target`` sends the bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from edigate.config.connectors import NetSuiteTarget, OracleTarget, SapTarget
from edigate.config.partners import Destination
from edigate.errors import ConfigError
from edigate.model import Order

__all__ = ["PAYLOAD_FORMATS", "PayloadFormat"]


@dataclass(frozen=True, slots=True)
class PayloadFormat:
    """How one format writes an order: ``write(order, destination, partner, document)``,
    and the file-name extension its payloads get for a destination."""

    extension: Callable[[Destination], str]
    write: Callable[[Order, Destination, str, int], bytes]


def _template(order: Order, dest: Destination, partner: str, document: int) -> bytes:
    from edigate.mapping.export import load_template

    if dest.template is None:
        raise ConfigError(f"routing {dest.name}: format template needs a template file")
    template = load_template(Path(dest.template), Path(dest.schema) if dest.schema else None)
    return template.render(order, partner=partner, document=document)


def _template_extension(dest: Destination) -> str:
    """``json`` for a field mapping, ``csv`` for a CSV mapping; for ``orders.xml.j2``, ``xml``."""
    from edigate.mapping.export import load_template

    try:
        return load_template(Path(dest.template or ""), Path(dest.schema) if dest.schema else None).extension
    except ConfigError:
        return "txt"  # writing it fails too, and says why


def _orders05(order: Order, dest: Destination, partner: str, document: int) -> bytes:
    from edigate.connectors.sap_orders import orders05

    if not isinstance(dest.target, SapTarget):
        raise ConfigError(f"routing {dest.name}: format idoc-orders05 needs a target of type sap")
    return orders05(order, dest.target, document=document, partner=partner)


def _sales_order(order: Order, dest: Destination, partner: str, document: int) -> bytes:
    from edigate.connectors.netsuite import sales_order_payload

    if not isinstance(dest.target, NetSuiteTarget):
        raise ConfigError(f"routing {dest.name}: format netsuite-salesorder needs a target of type netsuite")
    return sales_order_payload(order, dest.target, partner=partner)


def _oracle(order: Order, dest: Destination, partner: str, document: int) -> bytes:
    from edigate.connectors.oracle import sales_order_payload

    if not isinstance(dest.target, OracleTarget):
        raise ConfigError(f"routing {dest.name}: format oracle-salesorder needs a target of type oracle")
    return sales_order_payload(order, dest.target, partner=partner)


PAYLOAD_FORMATS: Mapping[str, PayloadFormat] = {
    "template": PayloadFormat(_template_extension, _template),
    "idoc-orders05": PayloadFormat(lambda dest: "xml", _orders05),
    "netsuite-salesorder": PayloadFormat(lambda dest: "json", _sales_order),
    "oracle-salesorder": PayloadFormat(lambda dest: "json", _oracle),
}
