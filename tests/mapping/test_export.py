"""Export templates: the analyst's field mapping or jinja2 template, in the sandbox, checked
against the schema the destination names, with mistakes reported at load with file:line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edigate.config.partners import load_partner
from edigate.errors import ConfigError, DataError
from edigate.mapping.export import load_template
from edigate.mapping.translate import translate_file
from edigate.model import Order
from edigate.orders.routing import Router
from tests.conftest import REPO

ROUTING = """
routing:
  - name: erp
    format: template
    template: exports/{template}
    {schema}
    target: {{type: folder, path: out}}
"""


def order() -> Order:
    results = translate_file(REPO / "samples/x12/bigbox-850-4010.x12", "bigbox",
                             maps_dir=REPO / "maps", partners_dir=REPO / "partners")
    found = results[0].order
    assert isinstance(found, Order)
    return found


def workspace(tmp: Path, template: str, schema: str = "") -> Path:
    """A workspace with the shipped exports and a bigbox partner routing through ``template``."""
    shutil.copytree(REPO / "exports", tmp / "exports")
    (tmp / "partners").mkdir()
    text = (REPO / "partners" / "bigbox.yaml").read_text()
    text = text[: text.index("routing:")] + ROUTING.format(template=template, schema=schema)
    (tmp / "partners" / "bigbox.yaml").write_text(text)
    return tmp / "partners" / "bigbox.yaml"


def test_the_shipped_erp_mapping_flattens_the_order_and_matches_its_schema(tmp_path: Path) -> None:
    partner = load_partner(workspace(tmp_path, "erp-order.yaml"))
    (delivery,) = Router(partner.routing, partner="bigbox").route(order(), document=12)
    assert delivery.error is None and delivery.file_name.endswith("-12.json")
    data = json.loads(delivery.payload)
    first = order().lines[0]
    assert data["orderNumber"] == order().po_number and data["document"] == 12
    assert data["lines"][0]["sku"] == first.product_ids.vendor_part
    assert data["lines"][0]["amount"] == float(first.extended_amount or 0)
    assert data["shipTo"]["store"] == "1482" and data["shipTo"]["city"] == "ROGERS"


def test_the_shipped_csv_template_has_a_row_per_line_with_the_address(tmp_path: Path) -> None:
    partner = load_partner(workspace(tmp_path, "order-lines.csv.j2"))
    (delivery,) = Router(partner.routing, partner="bigbox").route(order(), document=3)
    rows = delivery.payload.decode().splitlines()
    assert delivery.file_name.endswith(".csv") and len(rows) == 1 + len(order().lines)
    assert "2200 W MAIN ST" in rows[1] and rows[1].startswith(order().po_number)


def test_a_payload_that_misses_its_schema_is_not_delivered(tmp_path: Path) -> None:
    path = workspace(tmp_path, "erp-order.yaml")
    mapping = tmp_path / "exports" / "erp-order.yaml"
    mapping.write_text(mapping.read_text().replace("currency: order.currency or 'USD'", "currency: \"'dollars'\""))
    (delivery,) = Router(load_partner(path).routing, partner="bigbox").route(order(), document=1)
    assert delivery.payload == b"" and delivery.error is not None
    assert "erp-order.schema.json at currency" in delivery.error


def test_an_xml_template_is_checked_against_the_xsd_the_destination_names(tmp_path: Path) -> None:
    path = workspace(tmp_path, "order.xml.j2", "schema: exports/order.xsd")
    (tmp_path / "exports" / "order.xml.j2").write_text(
        '<order number="{{ order.po_number }}">{% for l in order.lines %}<line qty="{{ l.quantity }}"/>'
        "{% endfor %}</order>\n")
    (tmp_path / "exports" / "order.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="order"><xs:complexType>'
        '<xs:sequence><xs:element name="line" maxOccurs="3"><xs:complexType>'
        '<xs:attribute name="qty" type="xs:decimal"/></xs:complexType></xs:element></xs:sequence>'
        '<xs:attribute name="number" type="xs:string"/></xs:complexType></xs:element></xs:schema>')
    (delivery,) = Router(load_partner(path).routing, partner="bigbox").route(order(), document=1)
    assert delivery.error is None and delivery.file_name.endswith(".xml")
    many = Order(**{**{f: getattr(order(), f) for f in order().__dataclass_fields__},
                    "lines": order().lines * 2})
    (refused,) = Router(load_partner(path).routing, partner="bigbox").route(many, document=2)
    assert refused.error is not None and "order.xsd" in refused.error


@pytest.mark.parametrize(("line", "text", "why"), [
    ("  orderNumber: order.po_number", "  orderNumber: order.po_numbr.upper(", "invalid expression"),
    ("  orderNumber: order.po_number", "  orderNumber: order.__class__", "names starting with '_'"),
    ("  orderNumber: order.po_number", "  orderNumber: ordr.po_number", "unknown name 'ordr'"),
    ("    as: line", "    as: order", "cannot name the item"),
])
def test_template_mistakes_are_config_errors_at_load_with_file_and_line(tmp_path: Path, line: str, text: str,
                                                                        why: str) -> None:
    path = workspace(tmp_path, "erp-order.yaml")
    mapping = tmp_path / "exports" / "erp-order.yaml"
    source = mapping.read_text()
    number = source.splitlines().index(line) + 1
    mapping.write_text(source.replace(line, text))
    with pytest.raises(ConfigError, match=why) as raised:
        load_partner(path)
    assert any(p.line == number and p.file.endswith("erp-order.yaml") for p in raised.value.problems), raised.value


def test_a_jinja_template_that_does_not_parse_names_its_line(tmp_path: Path) -> None:
    path = workspace(tmp_path, "bad.txt.j2")
    (tmp_path / "exports" / "bad.txt.j2").write_text("ok\n{% for x in order.lines %}\nno end\n")
    with pytest.raises(ConfigError) as raised:
        load_partner(path)
    assert raised.value.problems[0].file.endswith("bad.txt.j2") and raised.value.problems[0].line


def test_a_template_cannot_escape_the_sandbox_or_run_forever(tmp_path: Path) -> None:
    escape = tmp_path / "escape.txt.j2"
    escape.write_text("{{ order.po_number.__class__.__mro__ }}")
    with pytest.raises(DataError, match="template failed"):
        load_template(escape).render(order(), partner="p", document=1)
    forever = tmp_path / "forever.txt.j2"
    forever.write_text("{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}")
    with pytest.raises(DataError, match="template failed"):
        load_template(forever).render(order(), partner="p", document=1)


def test_format_template_needs_a_template(tmp_path: Path) -> None:
    path = workspace(tmp_path, "erp-order.yaml")
    path.write_text(path.read_text().replace("    template: exports/erp-order.yaml\n", ""))
    with pytest.raises(ConfigError, match="format template and a template file go together"):
        load_partner(path)


def test_a_csv_mapping_routes_as_a_csv_file_through_the_partner(tmp_path: Path) -> None:
    partner = load_partner(workspace(tmp_path, "netsuite-salesorders.csv.yaml"))
    (delivery,) = Router(partner.routing, partner="bigbox").route(order(), document=4)
    assert delivery.error is None and delivery.file_name.endswith("-4.csv")
    assert delivery.payload.count(b"\r\n") == 1 + len(order().lines)


@pytest.mark.parametrize(("line", "text", "why"), [
    ("  date_format: \"%m/%d/%Y\"", "  date_formats: \"%m/%d/%Y\"", "unknown key"),
    ("    Customer: partner", "    Customer: partner.__class__", "names starting with '_'"),
    ("  as: line", "  as: order", "cannot name the row's item"),
    ("  required: [External ID, Customer, Date, \"PO #\", Item, Quantity]", "  required: [Customers]",
     "a list of the columns' names"),
    ("csv:", "schema: x.json\ncsv:", "stands alone"),
])
def test_csv_mapping_mistakes_are_config_errors_at_load(tmp_path: Path, line: str, text: str, why: str) -> None:
    path = workspace(tmp_path, "netsuite-salesorders.csv.yaml")
    mapping = tmp_path / "exports" / "netsuite-salesorders.csv.yaml"
    source = mapping.read_text()
    assert line in source.splitlines()
    mapping.write_text(source.replace(line, text))
    with pytest.raises(ConfigError, match=why) as raised:
        load_partner(path)
    assert all(p.file.endswith("netsuite-salesorders.csv.yaml") and p.line for p in raised.value.problems)
