"""The 3PL's side of an order, without a store: the 940's key and envelope, and a 945 read
into confirmation rows against the order it ships. Writing and recording 940s is the
route stage's (tests/test_warehouse.py)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from edigate.config.partners import load_partner
from edigate.config.workspace import Workspace
from edigate.errors import DataError
from edigate.orders.warehouse import read_shipping_advice, shipping_order_envelope, shipping_order_key

from tests.orders.conftest import REPO, sample_order

ADVICE = REPO / "samples" / "x12" / "fastship-945-4010.x12"
PO = "MKT-99018832"


def test_a_940_is_keyed_by_partner_order_and_destination() -> None:
    assert shipping_order_key("dropship", 7, "3pl") == "940:dropship:7:3pl"


def test_a_940_goes_in_the_3pls_envelope_and_needs_one() -> None:
    partner = load_partner(REPO / "partners" / "dropship.yaml")
    workspace = Workspace(root=REPO)
    [dest] = [d for d in partner.routing if d.format == "x12-940"]
    assert dest.x12 is not None
    envelope = shipping_order_envelope(workspace, partner, dest)
    assert (envelope.receiver.qualifier, envelope.receiver.id) == (dest.x12.receiver.isa_qualifier,
                                                                   dest.x12.receiver.isa_id)
    assert envelope.gs_version == dest.x12.version and envelope.usage == partner.usage
    with pytest.raises(DataError, match="needs x12.receiver"):
        shipping_order_envelope(workspace, partner, dataclasses.replace(dest, x12=None))


def test_a_945_without_line_numbers_finds_lines_by_product_id() -> None:
    data = ADVICE.read_bytes().replace(b"N9*LI*1~\n", b"").replace(b"N9*LI*2~\n", b"").replace(b"SE*19*", b"SE*17*")
    rows = read_shipping_advice(data, "advice.x12", {PO: sample_order()})
    assert [(r.line_number, r.quantity, r.sscc) for r in rows] == [
        ("1", Decimal(1), "000614141000000045"), ("2", Decimal(2), "000614141000000052")]
