"""Tests of the canonical model: construction rules, derived amounts, SSCC, JSON, schema."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
from datetime import UTC, date, time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edigate.model as model
from edigate.errors import DataError, UsageError
from edigate.model import (
    AllowanceCharge,
    AllowanceOrCharge,
    Carton,
    InvalidSsccError,
    InvalidValueError,
    Invoice,
    InvoiceLine,
    Order,
    OrderChange,
    OrderLine,
    Party,
    PartyIds,
    PoAck,
    ProductIds,
    Purpose,
    Shipment,
    Tax,
    from_json,
    is_valid_sscc,
    json_schema,
    sscc_check_digit,
    to_json,
)
from tests.support.strategies import changes, invoices, orders, po_acks, shipments, ssccs

try:
    import jsonschema  # type: ignore[import-untyped]
except ImportError:  # a test extra, not a dependency of edigate
    jsonschema = None
needs_jsonschema = pytest.mark.skipif(
    jsonschema is None, reason="jsonschema not installed (test extra): pip install jsonschema"
)

D = Decimal
DOCS = {
    "order": (Order, orders()),
    "poack": (PoAck, po_acks()),
    "shipment": (Shipment, shipments()),
    "invoice": (Invoice, invoices()),
    "change": (OrderChange, changes()),
}


def _line(
    number: str = "1", quantity: str = "1", price: str | None = "1.00", **kw: Any
) -> OrderLine:
    return OrderLine(number, D(quantity), "EA", None if price is None else D(price), **kw)


def _order(*lines: OrderLine, **kw: Any) -> Order:
    return Order("PO-1", date(2024, 3, 1), lines=lines, **kw)


# --- construction ------------------------------------------------------------------------


def test_public_names_are_exported() -> None:
    assert sorted(model.__all__) == sorted(set(model.__all__))
    for name in model.__all__:
        assert hasattr(model, name), name


def test_model_imports_no_store_or_x12_code() -> None:
    code = (
        "import sys, edigate.model; bad = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'pyx12') or m.startswith('edigate.x12')]; print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_records_are_frozen_and_hashable() -> None:
    order = _order(_line())
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.po_number = "X"  # type: ignore[misc]
    assert hash(order) == hash(copy.deepcopy(order))


_UTC_TIME = time(10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: OrderLine("1", 1.5, "EA"),  # type: ignore[arg-type]
            "OrderLine.quantity: expected Decimal, got float 1.5",
        ),
        (
            lambda: OrderLine("1", D("NaN"), "EA"),
            "OrderLine.quantity: must be a finite Decimal, got NaN",
        ),
        (
            lambda: Order("PO", date(2024, 1, 1), lines=[_line()]),  # type: ignore[arg-type]
            "Order.lines: expected tuple[OrderLine, ...], got list [OrderLine(",
        ),
        (
            lambda: OrderLine("1", D(1), "EA", product_ids=(("UP", "1"),)),  # type: ignore[arg-type]
            "OrderLine.product_ids: expected ProductIds, got tuple",
        ),
        (
            lambda: Party("ST", ids=PartyIds([("92", 42)])),  # type: ignore[list-item]
            "PartyIds: each id must be a (qualifier, value) pair of str, got ('92', 42)",
        ),
        (lambda: Order("", date(2024, 1, 1)), "Order.po_number: must not be empty"),
        (
            lambda: AllowanceCharge("A"),  # type: ignore[arg-type]
            "AllowanceCharge.indicator: expected AllowanceOrCharge, got str 'A'",
        ),
        (
            lambda: Shipment("S1", date(2024, 1, 1), ship_time=_UTC_TIME),
            "Shipment.ship_time: expected time | None, got time",
        ),
    ],
)
def test_construction_rejects_broken_values(build: Any, message: str) -> None:
    with pytest.raises(InvalidValueError, match="^" + re.escape(message)):
        build()


def test_invalid_value_error_is_a_value_error_and_a_data_error() -> None:
    with pytest.raises(ValueError) as info:
        OrderLine("1", 2.0, "EA")  # type: ignore[arg-type]
    assert isinstance(info.value, DataError)
    assert info.value.code == "model.value" and info.value.exit_code == 1


def test_id_accessors_use_x12_qualifiers() -> None:
    ids = PartyIds(
        [
            ("1", "123456789"),
            ("9", "1234567890001"),
            ("UL", "0614141000005"),
            ("92", "0042"),
            ("91", "W7"),
            ("92", "0043"),
        ]
    )
    assert (ids.duns, ids.duns_plus4, ids.gln) == ("123456789", "1234567890001", "0614141000005")
    assert (ids.buyer_location, ids.seller_location) == ("0042", "W7")
    assert ids.get_all("92") == ("0042", "0043") and ids.get("ZZ") is None
    product = ProductIds(
        [
            ("UP", "012345678905"),
            ("EN", "4006381333931"),
            ("BP", "B1"),
            ("VN", "V1"),
            ("SK", "S1"),
            ("IN", "I1"),
            ("UK", "10012345678902"),
            ("UA", "A1"),
            ("CB", "C1"),
        ]
    )
    assert (product.upc, product.ean, product.buyer_part, product.vendor_part, product.sku) == (
        "012345678905",
        "4006381333931",
        "B1",
        "V1",
        "S1",
    )
    assert (product.buyer_item, product.gtin14, product.case_code, product.buyer_catalog) == (
        "I1",
        "10012345678902",
        "A1",
        "C1",
    )


@pytest.mark.parametrize(
    ("code", "purpose"),
    [
        ("00", Purpose.ORIGINAL),
        ("01", Purpose.CANCEL),
        ("04", Purpose.CHANGE),
        ("05", Purpose.REPLACE),
        ("22", Purpose.OTHER),
    ],
)
def test_purpose_from_x12_code(code: str, purpose: Purpose) -> None:
    assert Purpose.from_x12(code) is purpose


# --- derived amounts ---------------------------------------------------------------------


def test_order_amounts_are_exact_and_derived() -> None:
    order = _order(
        _line("1", "3", "0.3333"),
        _line("2", "2", "10"),
        allowances_charges=(AllowanceCharge(AllowanceOrCharge.CHARGE, "D240", D("5.00")),),
    )
    assert order.lines[0].extended_amount == D("0.9999")
    assert order.merchandise_amount == D("20.9999")
    assert order.total_amount == D("25.9999")
    assert (order.line_count, order.quantity_total) == (2, D(5))
    assert order.line("2") is order.lines[1] and order.line("9") is None


def test_order_total_is_unknown_when_a_line_has_no_price() -> None:
    order = _order(_line("1"), _line("2", price=None))
    assert order.lines[1].extended_amount is None
    assert order.merchandise_amount is None and order.total_amount is None


def test_invoice_totals_round_each_line_half_up_to_the_cent() -> None:
    allowance_2pct = AllowanceCharge(AllowanceOrCharge.ALLOWANCE, "C310", percent=D("2"))
    invoice = Invoice(
        "INV-1",
        date(2024, 3, 5),
        "PO-1",
        lines=(
            InvoiceLine("1", D("3"), "EA", D("0.3333")),  # 0.9999  -> 1.00
            InvoiceLine("2", D("2.5"), "EA", D("0.01")),  # 0.025   -> 0.03 (half up, not 0.02)
            InvoiceLine(
                "3",
                D("7"),
                "EA",
                D("1.005"),  # 7.035   -> 7.04
                allowances_charges=(
                    AllowanceCharge(AllowanceOrCharge.ALLOWANCE, amount=D("0.50")),
                ),
            ),
        ),
        allowances_charges=(
            allowance_2pct,  # 2 % of 8.07 = 0.1614 -> 0.16
            AllowanceCharge(AllowanceOrCharge.CHARGE, "D240", D("4.99")),
            AllowanceCharge(AllowanceOrCharge.NO_CHARGE, "D240", D("100")),  # N changes nothing
        ),
        taxes=(Tax("ST", D("0.61")),),
    )
    assert [line.amount for line in invoice.lines] == [D("1.00"), D("0.03"), D("7.04")]
    assert invoice.lines[2].net_amount == D("6.54")
    assert invoice.merchandise_amount == D("8.07")
    # 1.00 + 0.03 + 6.54 - 0.16 + 4.99 + 0.61 = 13.01
    assert invoice.total_amount == D("13.01")
    assert invoice.tds_amount_cents == 1301


@settings(deadline=None)
@given(invoices())
def test_tds_is_the_total_in_whole_cents(invoice: Invoice) -> None:
    assert invoice.total_amount.as_tuple().exponent == -2
    assert isinstance(invoice.tds_amount_cents, int)
    assert D(invoice.tds_amount_cents) / 100 == invoice.total_amount


# --- SSCC ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # Extension 0, GS1 company prefix 0614141, serial 123456789:
        #   digits 0 0 6 1 4 1 4 1 1 2 3 4 5 6 7 8 9 (positions 1..17).
        # Weights 3,1,3,... from the right put 3 on odd positions: 0+6+4+4+1+3+5+7+9 = 39, x3 = 117;
        # and 1 on even positions: 0+1+1+1+2+4+6+8 = 23.  117 + 23 = 140, so the check digit is 0.
        ("00614141123456789", "0"),
        # GS1 General Specifications example (00) 1 0614141 123456789 7:
        #   extension 1 sits on an odd position, adds 3 -> 143 -> check digit 7.
        ("10614141123456789", "7"),
        # 17 zeros: sum 0 -> 0.  One 1 in the last place (weight 3): sum 3 -> 7.
        ("00000000000000000", "0"),
        ("00000000000000001", "7"),
    ],
)
def test_sscc_check_digit_known_examples(first17: str, check: str) -> None:
    assert sscc_check_digit(first17) == check
    assert is_valid_sscc(first17 + check)


@pytest.mark.parametrize(
    "bad",
    [
        "10614141123456788",
        "1061414112345678",
        "106141411234567890",
        "1061414112345678X",
        "١٠٦١٤١٤١١٢٣٤٥٦٧٨٩٧",
        "",
    ],
)
def test_is_valid_sscc_rejects_wrong_digits_and_shapes(bad: str) -> None:
    assert not is_valid_sscc(bad)


def test_sscc_check_digit_wants_17_ascii_digits() -> None:
    with pytest.raises(InvalidSsccError):
        sscc_check_digit("0614141123456789")


def test_carton_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(
        InvalidSsccError, match=r"Carton.sscc: '106141411234567890' is not a valid SSCC-18"
    ):
        Carton(sscc="106141411234567890")
    assert Carton(sscc="106141411234567897").sscc == "106141411234567897"


@given(ssccs, st.integers(0, 17), st.integers(1, 9))
def test_any_single_digit_error_is_caught(sscc: str, position: int, delta: int) -> None:
    changed = sscc[:position] + str((int(sscc[position]) + delta) % 10) + sscc[position + 1 :]
    assert is_valid_sscc(sscc) and not is_valid_sscc(changed)


# --- JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOCS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_json_round_trip_is_exact(name: str, data: st.DataObject) -> None:
    cls, strategy = DOCS[name]
    document = data.draw(strategy)
    text = json.dumps(to_json(document))  # proves the output is plain JSON
    assert from_json(cls, json.loads(text)) == document
    assert json.loads(text) == to_json(from_json(cls, json.loads(text)))


@pytest.mark.parametrize("name", DOCS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_dumps_writes_what_json_dumps_writes_of_to_json(name: str, data: st.DataObject) -> None:
    document = data.draw(DOCS[name][1])
    assert model.dumps(document) == json.dumps(to_json(document))
    assert model.loads(DOCS[name][0], model.dumps(document)) == document


def test_dumps_of_a_broken_record_fails_as_the_dict_way_does() -> None:
    line = _line()
    object.__setattr__(line, "quantity", b"1")  # past the constructor's check
    with pytest.raises(TypeError, match="unsupported format string passed to bytes"):
        model.dumps(line)
    object.__setattr__(line, "quantity", D("1"))
    object.__setattr__(line, "line_number", 7)  # not text, yet JSON: written as the dict way does
    assert model.dumps(line) == json.dumps(to_json(line))


def test_a_record_left_at_its_defaults_reads_back_equal() -> None:
    text = model.dumps(_line())
    assert '"dates": {"requested_ship": null' in text
    assert model.loads(OrderLine, text).dates == model.Dates()
    data = json.loads(text)
    data["dates"]["other"] = [["ZZ", "2026-01-02"]]
    assert from_json(OrderLine, data).dates.get_other("ZZ") == date(2026, 1, 2)
    data["pack"] = {"pack": False}
    with pytest.raises(DataError, match=re.escape("$.pack.pack: expected an integer, got false")):
        from_json(OrderLine, data)


def test_decimals_are_strings_and_keep_their_digits() -> None:
    out = to_json(_line("7", "12.500", "0.0100"))
    assert (out["quantity"], out["unit_price"], out["line_number"]) == ("12.500", "0.0100", "7")
    assert to_json(_line(quantity="1E+2"))["quantity"] == "100"


def test_missing_defaulted_keys_take_their_defaults() -> None:
    order = from_json(
        Order,
        {
            "po_number": "PO-1",
            "po_date": "2024-03-01",
            "lines": [{"line_number": "1", "quantity": "2", "uom": "EA"}],
        },
    )
    assert order == _order(_line("1", "2", None))


def _order_json(**line: Any) -> dict[str, Any]:
    return {
        "po_number": "PO-1",
        "po_date": "2024-03-01",
        "lines": [
            {"line_number": "1", "quantity": "1", "uom": "EA"},
            {"line_number": "2", "quantity": "1", "uom": "EA", **line},
        ],
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _order_json(quantity=1.5),
            '$.lines[1].quantity: expected a decimal string such as "12.50", got number 1.5',
        ),
        (
            _order_json(quantity="1,5"),
            '$.lines[1].quantity: expected a decimal string such as "12.50", got string "1,5"',
        ),
        (_order_json(colour="red"), "$.lines[1].colour: unknown key for OrderLine"),
        (_order_json(uom=None), "$.lines[1].uom: expected a string, got null"),
        (
            _order_json(product_ids=[["UP"]]),
            "$.lines[1].product_ids[0]: expected an array of 2 items, got 1",
        ),
        (
            _order_json(product_ids={"UP": "1"}),
            "$.lines[1].product_ids: expected an array, got an object",
        ),
        (
            _order_json(dates={"cancel_after": "20240301"}),
            '$.lines[1].dates.cancel_after: expected a date "YYYY-MM-DD"',
        ),
        (
            _order_json(dates={"cancel_after": "2024-02-30"}),
            "$.lines[1].dates.cancel_after: not a calendar date",
        ),
        (_order_json(pack={"pack": True}), "$.lines[1].pack.pack: expected an integer, got true"),
        (
            _order_json(allowances_charges=[{"indicator": "X"}]),
            '$.lines[1].allowances_charges[0].indicator: expected one of A, C, N, got string "X"',
        ),
        ({"po_number": "PO-1"}, "$: missing required key 'po_date' for Order"),
        ({"po_number": "", "po_date": "2024-03-01"}, "$: Order.po_number: must not be empty"),
        ([], "$: expected an object for Order, got an array"),
    ],
)
def test_from_json_errors_name_the_path(data: Any, message: str) -> None:
    with pytest.raises(DataError, match="^" + re.escape(message)) as info:
        from_json(Order, data)
    assert info.value.code == "model.json"


def test_from_json_reports_an_invalid_sscc_at_its_path() -> None:
    data = {
        "shipment_id": "S1",
        "ship_date": "2024-03-01",
        "orders": [{"po_number": "PO-1", "cartons": [{"sscc": "106141411234567890"}]}],
    }
    with pytest.raises(
        DataError, match=r"^\$\.orders\[0\]\.cartons\[0\]: Carton\.sscc: '106141411234567890'"
    ):
        from_json(Shipment, data)


# --- JSON Schema ---------------------------------------------------------------------------


@needs_jsonschema
@pytest.mark.parametrize("name", DOCS)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = json_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@needs_jsonschema
@pytest.mark.parametrize("name", DOCS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_to_json_output_validates_against_the_schema(name: str, data: st.DataObject) -> None:
    cls, strategy = DOCS[name]
    validator = jsonschema.Draft202012Validator(
        json_schema(name), format_checker=jsonschema.FormatChecker()
    )
    validator.validate(to_json(data.draw(strategy)))


@needs_jsonschema
def test_schema_rejects_what_from_json_rejects() -> None:
    validator = jsonschema.Draft202012Validator(json_schema("order"))
    for bad in (_order_json(quantity=1.5), _order_json(colour="red"), {"po_number": "PO-1"}):
        assert not validator.is_valid(bad)


def test_unknown_schema_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no schema named 'orders'; choose one of: order, poack"):
        json_schema("orders")


# --- fields added for what only some partners send ------------------------------------------


def test_added_fields_are_written_only_when_they_hold_a_value() -> None:
    plain = _order(_line())
    data = to_json(plain)
    assert not {"contacts", "amounts", "extensions"} & set(data)
    assert not {"prices", "descriptions", "item_details", "amounts", "extensions"} & set(data["lines"][0])
    assert list(data["dates"]) == ["requested_ship", "requested_delivery", "cancel_after", "ship_not_before",
                                   "ship_no_later", "other"]
    kept = _order(_line(amounts=(model.Amount("1", D("5")),)), extensions=model.Extensions([("dept", "42")]))
    text = model.dumps(kept)
    assert text.endswith(', "source": null, "extensions": [["dept", "42"]]}')
    assert '"notes": [], "amounts": [{"qualifier": "1", "amount": "5"}]}' in text
    assert model.loads(Order, text) == kept and model.loads(Order, model.dumps(plain)) == plain
    assert kept.extensions.get("dept") == "42"
