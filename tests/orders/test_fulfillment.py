from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edigate.errors import DataError
from edigate.orders.fulfillment import build_shipment, invoice_for, read_confirmation
from edigate.model import to_cents

from tests.support.paths import REPO
from tests.support.orders import sample_order

CSV = REPO / "samples" / "data" / "bigbox-shipment.csv"


def orders() -> dict[str, object]:
    order = sample_order("bigbox", "bigbox-850-4010")
    return {order.po_number: order}


def test_csv_confirmation_builds_the_shipment() -> None:
    shipment = build_shipment(read_confirmation(CSV), orders())  # type: ignore[arg-type]
    assert (shipment.shipment_id, shipment.ship_date, shipment.bol_number) == ("SHP-26-0001", dt.date(2026, 11, 30),
                                                                              "BOL-778812")
    assert shipment.carrier is not None and shipment.carrier.scac == "FDEG"
    assert shipment.gross_weight is not None and shipment.gross_weight.value == Decimal("88.7")
    [so] = shipment.orders
    assert [c.sscc for c in so.cartons] == ["000614141000000014", "000614141000000021", "000614141000000038"]
    assert [(i.line_number, i.quantity_shipped, i.ordered_quantity) for c in so.cartons for i in c.items] == [
        ("1", Decimal(24), Decimal(24)), ("2", Decimal(48), Decimal(48)), ("3", Decimal(12), Decimal(12))]
    assert shipment.ship_to is not None and shipment.ship_to.ids.get("92") == "1482"


def test_json_confirmation_reads_the_same(tmp_path: Path) -> None:
    import csv
    rows = list(csv.DictReader(CSV.read_text().splitlines()))
    path = tmp_path / "ship.json"
    path.write_text(json.dumps(rows))
    assert [r.quantity for r in read_confirmation(path)] == [r.quantity for r in read_confirmation(CSV)]


@pytest.mark.parametrize("old, new, message", [
    (",1,24,", ",1,25,", "PO 4500012345 line 1: ships 25, ordered 24"),
    (",3,12,", ",9,12,", "row 4: PO 4500012345 has no line 9"),
    ("4500012345,2", "4599999999,2", "row 3: PO 4599999999 is not an order we received"),
    ("000614141000000021", "000614141000000022", "row 3: sscc 000614141000000022 is not 18 digits with a valid GS1 check digit"),
])
def test_a_bad_shipment_names_the_row(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = tmp_path / "ship.csv"
    path.write_text(CSV.read_text().replace(old, new, 1))
    with pytest.raises(DataError) as err:
        build_shipment(read_confirmation(path), orders())  # type: ignore[arg-type]
    assert message in str(err.value).splitlines()


def test_unreadable_rows_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "ship.csv"
    path.write_text(CSV.read_text().replace("2026-11-30,4500012345,1", "30/11/2026,4500012345,1").replace(",48,", ",,"))
    with pytest.raises(DataError) as err:
        read_confirmation(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{path}:2: ") and lines[1] == f"{path}:3: missing quantity"


def test_invoice_bills_what_shipped_at_order_prices() -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    shipment = build_shipment([r for r in read_confirmation(CSV) if r.line_number != "3"], {order.po_number: order})
    invoice = invoice_for(order, shipment, invoice_number="INV-1", invoice_date=dt.date(2026, 12, 1))
    assert [(l.line_number, l.quantity, l.unit_price) for l in invoice.lines] == [
        ("1", Decimal(24), Decimal("12.49")), ("2", Decimal(48), Decimal("4.75"))]
    # 24 x 12.49 + 48 x 4.75 = 527.76 of the 988.56 ordered: the 46.08 promotional allowance
    # is prorated to 46.08 x 527.76 / 988.56 = 24.60
    [allowance] = invoice.allowances_charges
    assert allowance.amount == Decimal("24.60")
    assert invoice.tds_amount_cents == 29976 + 22800 - 2460


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 24), min_size=3, max_size=3))
def test_invoiced_never_exceeds_shipped_and_totals_add_up(shipped: list[int]) -> None:
    order = sample_order("bigbox", "bigbox-850-4010")
    rows = [dataclasses.replace(r, quantity=Decimal(min(q, int(r.quantity))))
            for r, q in zip(read_confirmation(CSV), shipped) if q]
    if not rows:
        return
    shipment = build_shipment(rows, {order.po_number: order})
    invoice = invoice_for(order, shipment, invoice_number="INV-2", invoice_date=dt.date(2026, 12, 1))
    by_line = {r.line_number: r.quantity for r in rows}
    assert all(l.quantity == by_line[l.line_number] for l in invoice.lines)
    lines = sum((l.quantity * l.unit_price for l in invoice.lines), Decimal(0))
    allowance = to_cents(Decimal("46.08") * lines / Decimal("988.56"))
    assert invoice.tds_amount_cents == int((to_cents(lines) - allowance) * 100) > 0


def test_shipment_and_invoice_render_valid_856_and_810_for_bigbox() -> None:
    from edigate.config.partners import load_partner
    from tests.support.outbound import assert_valid, outbound

    order = sample_order("bigbox", "bigbox-850-4010")
    shipment = build_shipment(read_confirmation(CSV), {order.po_number: order})
    invoice = invoice_for(order, shipment, invoice_number="INV-3", invoice_date=dt.date(2026, 12, 1))
    maps = load_partner(REPO / "partners" / "bigbox.yaml").documents.outbound
    assert_valid(outbound(maps["856"]), [shipment], "bigbox")
    assert_valid(outbound(maps["810"]), [invoice], "bigbox")
