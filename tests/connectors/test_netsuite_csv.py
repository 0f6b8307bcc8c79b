"""NetSuite's offline option: the sample partners' orders as CSV import files for the CSV
Import Assistant (Oracle NetSuite Help Center, CSV Imports: "Transactions Import Type" and
"Import Format and Mapping Considerations": one file with header and line data, the
External ID on every row; the Sales Order's field labels as column names), written by the
shipped template `exports/netsuite-salesorders.csv.yaml`, delivered to a folder and read
back with the csv module as NetSuite reads it (RFC 4180, UTF-8)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edigate.config.channels import FolderTarget
from edigate.config.partners import Destination
from edigate.connectors.netsuite import external_id
from edigate.errors import DataError
from edigate.mapping.export import load_template
from edigate.model import Order, ProductIds
from edigate.orders.routing import Router
from edigate.transport import ChannelOptions, open_channel
from tests.support.cli import Cli, put_file, set_routing
from tests.support.erp import sample_orders
from tests.support.paths import REPO

TEMPLATE = REPO / "exports" / "netsuite-salesorders.csv.yaml"
COLUMNS = ["External ID", "Customer", "Date", "PO #", "Memo", "Currency", "Ship Date", "Shipping Addressee",
           "Shipping Address 1", "Shipping City", "Shipping State", "Shipping Zip", "Shipping Country",
           "Item", "Description", "Quantity", "Units", "Rate", "Amount"]


@cache
def first_order(partner: str) -> Order:
    return sample_orders(partner)[0]


def destination() -> Destination:
    return Destination(name="netsuite-csv", format="template", template=str(TEMPLATE),
                       target=FolderTarget(path="netsuite"))


def deliver(orders: list[Order], partner: str, root: Path) -> list[Path]:
    """Route each order to the CSV destination and write it into ``root/netsuite``."""
    router = Router([destination()], partner=partner)
    written = []
    with open_channel(destination().target, f"{partner}:netsuite-csv", ChannelOptions(root=root)) as channel:
        for n, order in enumerate(orders, start=1):
            (delivery,) = router.route(order, document=n)
            assert delivery.error is None, delivery.error
            written.append(root / "netsuite" / channel.send(delivery.file_name, delivery.payload).name)
    return written


def read(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("partner", ["bigbox", "distrib", "dropship"])
def test_each_order_is_a_file_with_a_row_per_line_and_the_external_id_on_every_row(partner: str,
                                                                                   tmp_path: Path) -> None:
    orders = sample_orders(partner)
    files = deliver(orders, partner, tmp_path)
    assert [f.suffix for f in files] == [".csv"] * len(orders)
    for order, path in zip(orders, files, strict=True):
        data = path.read_bytes()
        assert data.startswith(",".join(COLUMNS).encode() + b"\r\n") and data.endswith(b"\r\n")
        rows = read(data)
        assert len(rows) == len(order.lines)
        for row, line in zip(rows, order.lines, strict=True):
            assert row["External ID"] == external_id(partner, order.po_number) == f"{partner}-{order.po_number}"
            assert (row["Customer"], row["PO #"]) == (partner, order.po_number)
            assert row["Date"] == order.po_date.strftime("%m/%d/%Y")
            ids = line.product_ids
            assert row["Item"] == (ids.vendor_part or ids.sku or ids.buyer_part or ids.upc)
            assert Decimal(row["Quantity"]) == line.quantity and row["Units"] == line.uom
            assert row["Rate"] == ("" if line.unit_price is None else str(line.unit_price))
            assert "E" not in row["Rate"] + row["Amount"]  # plain decimals
            if line.extended_amount is not None:
                assert Decimal(row["Amount"]) == line.extended_amount
            ship = line.dates.requested_ship or order.dates.requested_ship
            assert row["Ship Date"] == (ship.strftime("%m/%d/%Y") if ship else "")
            if order.ship_to and order.ship_to.address:
                assert row["Shipping City"] == order.ship_to.address.city


def test_the_same_order_again_is_the_same_file_and_the_same_external_id(tmp_path: Path) -> None:
    order = sample_orders("bigbox")[0]
    template = load_template(TEMPLATE)
    first, again = (template.render(order, partner="bigbox", document=n) for n in (1, 2))
    assert first == again  # a re-import updates the order NetSuite has by its External ID
    assert {r["External ID"] for r in read(first)} == {"bigbox-4500012345"}


def test_text_with_commas_quotes_line_breaks_and_accents_is_quoted_per_rfc_4180() -> None:
    order = sample_orders("bigbox")[0]
    assert order.ship_to is not None
    tricky = 'Café "Nord", Dock 4\r\nBack door'
    changed = dataclasses.replace(order, ship_to=dataclasses.replace(order.ship_to, name=tricky))
    data = load_template(TEMPLATE).render(changed, partner="bigbox", document=1)
    assert '"Café ""Nord"", Dock 4\r\nBack door"'.encode() in data
    assert [r["Shipping Addressee"] for r in read(data)] == [tricky] * len(order.lines)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))
def test_any_description_reads_back_as_written(description: str) -> None:
    order = first_order("distrib")
    lines = (dataclasses.replace(order.lines[0], description=description), *order.lines[1:])
    data = load_template(TEMPLATE).render(dataclasses.replace(order, lines=lines), partner="distrib", document=1)
    assert read(data)[0]["Description"] == description


def test_a_line_without_an_item_is_an_error_not_a_silent_row(tmp_path: Path) -> None:
    order = sample_orders("bigbox")[0]
    lines = (order.lines[0], dataclasses.replace(order.lines[1], product_ids=ProductIds()), *order.lines[2:])
    bad = dataclasses.replace(order, lines=lines)
    with pytest.raises(DataError, match="row 2: Item empty") as raised:
        load_template(TEMPLATE).render(bad, partner="bigbox", document=1)
    assert raised.value.code == "route.template"
    (delivery,) = Router([destination()], partner="bigbox").route(bad, document=7)
    assert delivery.payload == b"" and delivery.error is not None and "Item empty" in delivery.error
    no_lines = dataclasses.replace(order, lines=())
    with pytest.raises(DataError, match="no rows"):
        load_template(TEMPLATE).render(no_lines, partner="bigbox", document=1)


def test_through_the_pipeline_a_line_without_an_item_fails_its_order_into_the_queue(cli: Cli, root: Path) -> None:
    shutil.copytree(REPO / "exports", root / "exports")
    set_routing(root, partner="distrib", routing="""routing:
  - name: netsuite-csv
    format: template
    template: exports/netsuite-salesorders.csv.yaml
    target: {type: folder, path: netsuite/import}
""")
    sample = next((REPO / "samples" / "x12").glob("distrib-850-*.x12")).read_bytes()
    bad = sample.replace(b"PO1|2|96|EA|3.95|PE|UP|012345678912|VN|ACM-2040", b"PO1|2|96|EA|3.95|PE")
    assert bad != sample
    done = cli("ingest", put_file(root, "po.x12", bad))
    assert done.returncode == 1, done.stdout + done.stderr
    errors = json.loads(cli("tx", "errors", "1", "--json").stdout)
    assert [e["stage"] for e in errors] == ["route"] and "Item empty" in errors[0]["message"]
    assert not list((root / "netsuite" / "import").glob("*DP-778812*"))  # no file with a silent row
