"""940s to the 3PL and 945s back, on a real store (SQLite, and PostgreSQL when
EDIGATE_TEST_PG_URL is set): every 940 valid by our specs and by pyx12, sent once per order;
a 945 ships the order into the same 856 and 810 a CSV confirmation gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from edigate.errors import DataError
from edigate.desk import order_chain, ship
from edigate.desk.stored import order_of
from edigate.model import ProductIds
from edigate.config.partners import Destination, Partner
from edigate.orders.routing import route
from edigate.stages.pipeline import Pipeline
from edigate.store import DocumentKind, Outbound, Status
from edigate.orders.warehouse import is_x12, read_shipping_advice
from edigate.stages.warehouse_out import ShippingOrders
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.findings import Severity
from tests.support.pyx12 import pyx12_validate
from edigate.x12.validate import Validator

from tests.support.paths import REPO
from tests.support.orders import TODAY
from tests.support.desk import desk_context

SAMPLES = REPO / "samples" / "x12"
ADVICE = SAMPLES / "fastship-945-4010.x12"
PO = "MKT-99018832"


def dropship(pipeline: Pipeline) -> Partner:
    return pipeline.partners["dropship"]


def three_pl(pipeline: Pipeline) -> Destination:
    return next(d for d in dropship(pipeline).routing if d.format == "x12-940")


def valid_sets(data: bytes) -> list[Transaction]:
    """The sets of ``data``, after checking them with edigate's validator and with pyx12."""
    sets = [e for e in EnvelopeReader(data) if isinstance(e, Transaction)]
    errors = [str(f) for t in sets for f in (*t.findings, *Validator()(t)) if f.severity is Severity.ERROR]
    assert sets and not errors, errors
    result = pyx12_validate(data)
    assert result.ok and result.valid, [str(f) for f in result.findings]
    return sets


def segments(tx: Transaction, seg_id: str) -> list[list[str]]:
    return [[s.get(n) for n in range(1, 9)] for s in tx.segments if s.id == seg_id]


def the_940(pipeline: Pipeline) -> Outbound:
    [doc] = pipeline.store.documents(kind=DocumentKind.ORDER, partner="dropship")
    [out] = [o for o in pipeline.store.document_outbounds([doc.id]) if o.set_id == "940"]
    return out


# -- 940 out -------------------------------------------------------------------------------

def test_an_accepted_order_goes_to_the_3pl_as_a_valid_940(pipeline: Pipeline, tmp_path: Path) -> None:
    tx = pipeline.ingest(SAMPLES / "dropship-850-4010.x12", "dropship")
    assert tx.status is Status.DONE, pipeline.store.errors(tx.id)
    [delivered] = (tmp_path / "demo" / "3pl" / "orders").glob(f"dropship-{PO}-original-*.x12")
    [t940] = valid_sets(delivered.read_bytes())
    assert t940.group is not None and t940.group.functional_id == "OW"
    assert t940.interchange.receiver.id.strip() == "FASTSHIP3PL"
    assert segments(t940, "W05")[0][:3] == ["N", PO, PO]
    assert [row[:5] for row in segments(t940, "W01")] == [["1", "EA", "", "VN", "ACM-1001"],
                                                         ["2", "EA", "", "VN", "ACM-2040"]]
    assert [row[:2] for row in segments(t940, "N9")] == [["PO", PO], ["LI", "1"], ["LI", "2"]]
    assert segments(t940, "W76")[0][0] == "3"
    out = the_940(pipeline)
    assert out.partner == "3pl-fastship3pl" and out.sent_at is not None
    assert pipeline.archive.get(out.sha256) == delivered.read_bytes()
    assert "940" not in {o.set_id for o in pipeline.store.outbounds(tx.id)}  # never sent to the partner
    chain = order_chain(pipeline.store, "dropship", PO)
    assert [o.set_id for o in chain.outbounds] == ["940", "855"]  # routed before the 855


def test_writing_again_gives_the_same_interchange_and_new_orders_new_numbers(pipeline: Pipeline,
                                                                            tmp_path: Path) -> None:
    pipeline.ingest(SAMPLES / "dropship-850-4010.x12", "dropship")
    first = the_940(pipeline)
    [doc] = pipeline.store.documents(kind=DocumentKind.ORDER, partner="dropship")
    writer = ShippingOrders(pipeline.store, pipeline.archive, pipeline.workspace, dropship(pipeline))
    again = writer.write(order_of(doc), three_pl(pipeline), document_id=doc.id)
    assert again.outbound == first and again.data == pipeline.archive.get(first.sha256)
    second = tmp_path / "second.x12"
    second.write_bytes((SAMPLES / "dropship-850-4010.x12").read_bytes().replace(b"MKT-99018832", b"MKT-99018833")
                       .replace(b"000007745", b"000007746"))
    pipeline.ingest(second, "dropship")
    outs = [o for o in pipeline.store.document_outbounds([d.id for d in pipeline.store.documents()])
            if o.set_id == "940"]
    assert len(outs) == 2 and len({(o.isa13, o.gs06) for o in outs}) == 2


def test_a_940_that_would_break_its_spec_is_not_sent(pipeline: Pipeline) -> None:
    pipeline.ingest(SAMPLES / "dropship-850-4010.x12", "dropship")
    [doc] = pipeline.store.documents(kind=DocumentKind.ORDER, partner="dropship")
    order = order_of(doc)
    no_items = dataclasses.replace(order, lines=tuple(dataclasses.replace(line, product_ids=ProductIds())
                                                      for line in order.lines))
    writer = ShippingOrders(pipeline.store, pipeline.archive, pipeline.workspace, dropship(pipeline))
    dest = dataclasses.replace(three_pl(pipeline), name="3pl-again")
    [delivery] = route(no_items, [dest], partner="dropship", document=doc.id, x12=writer.writer(doc.id))
    assert delivery.payload == b"" and delivery.error is not None
    assert "the 940 breaks its spec" in delivery.error and "W01" in delivery.error
    assert [o.key for o in pipeline.store.document_outbounds([doc.id]) if o.set_id == "940"] == [
        f"940:dropship:{doc.id}:3pl"]  # the first one, from the pipeline; nothing for the broken one
    [no_writer] = route(order, [dest], partner="dropship", document=1)
    assert no_writer.error is not None and "needs the store" in no_writer.error


def test_a_5010_940_is_valid_too(pipeline: Pipeline) -> None:
    pipeline.ingest(SAMPLES / "dropship-850-4010.x12", "dropship")
    [doc] = pipeline.store.documents(kind=DocumentKind.ORDER, partner="dropship")
    dest = three_pl(pipeline)
    assert dest.x12 is not None
    v5010 = dataclasses.replace(dest, name="3pl-5010", x12=dataclasses.replace(dest.x12, version="005010",
                                                                                 map="940-5010"))
    written = ShippingOrders(pipeline.store, pipeline.archive, pipeline.workspace,
                             dropship(pipeline)).write(order_of(doc), v5010, document_id=doc.id)
    [t940] = valid_sets(written.data)
    assert t940.group is not None and t940.group.version == "005010"


# -- 945 in --------------------------------------------------------------------------------

def test_a_945_ships_the_order_into_a_valid_856_and_810(pipeline: Pipeline) -> None:
    pipeline.ingest(SAMPLES / "dropship-850-4010.x12", "dropship")
    assert pipeline.store.inventory(sku="ACM-1001")[0].allocated == 1
    done = ship(desk_context(pipeline), dropship(pipeline), ADVICE, today=TODAY)
    s = done.shipment
    assert (s.shipment_id, s.bol_number, s.tracking_number) == ("SHP-945-0001", "BOL-55120", "1Z999AA10123456799")
    assert s.carrier is not None and s.carrier.scac == "UPSN" and s.ship_date == dt.date(2026, 11, 21)
    [so] = s.orders
    assert [(c.sscc, [(i.line_number, i.quantity_shipped) for i in c.items]) for c in so.cartons] == [
        ("000614141000000045", [("1", Decimal(1))]), ("000614141000000052", [("2", Decimal(2))])]
    [asn] = done.asn
    [bill] = done.invoices
    valid_sets(pipeline.archive.get(asn.sha256))
    [t810] = valid_sets(pipeline.archive.get(bill.sha256))
    assert segments(t810, "BIG")[0][1] == "SHP-945-0001-1"
    [level] = pipeline.store.inventory(sku="ACM-1001")
    assert (level.on_hand, level.allocated) == (499, 0)  # the shipped stock left the warehouse


def test_a_broken_945_is_refused_with_what_is_wrong(tmp_path: Path) -> None:
    data = ADVICE.read_bytes().replace(b"W06*F*MKT-99018832*20261121*SHP-945-0001**MKT-99018832~\n", b"")
    with pytest.raises(DataError, match="W06") as caught:
        read_shipping_advice(data.replace(b"SE*19*", b"SE*18*"), "advice.x12", {})
    assert caught.value.code == "shipment.945"
    with pytest.raises(DataError, match="not a 945"):
        read_shipping_advice((SAMPLES / "dropship-850-4010.x12").read_bytes(), "po.x12", {})


def test_a_945_shipping_more_than_ordered_is_refused(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.ingest(SAMPLES / "dropship-850-4010.x12", "dropship")
    advice = tmp_path / "advice.x12"
    advice.write_bytes(ADVICE.read_bytes().replace(b"W12*CC*2*2*", b"W12*CC*2*5*"))
    with pytest.raises(DataError, match="ships 5, ordered 2"):
        ship(desk_context(pipeline), dropship(pipeline), advice, today=TODAY)


def test_x12_is_told_from_csv_and_json_by_content() -> None:
    assert is_x12(b"\xef\xbb\xbf\r\nISA*00*")
    assert not is_x12(b"shipment_id,ship_date\n") and not is_x12(b'[{"shipment_id": "S"}]')
