"""860s in, 865s out: a buyer's change applied to the order it names, through the pipeline
on a real store (SQLite, and PostgreSQL when EDIGATE_TEST_PG_URL is set), and the rules
of `edigate.orders.changes` on their own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from edigate.orders.changes import apply_change
from edigate.model import Dates, LineChange, Order, OrderChange, OrderLine, Purpose, SourceRef, loads
from edigate.stages.pipeline import Pipeline
from edigate.store import DocumentKind, DocumentStatus, Status, Store, Transmission
from edigate.x12.envelope import Transaction

from tests.support.paths import REPO
from tests.support.changes import CHANGE, ORDERS, answers, without_860_map
from tests.support.orders import pipeline, workspace

PO = "4500012345"


def elements(tx: Transaction, seg_id: str, last: int = 8) -> list[list[str]]:
    return [[s.get(n) for n in range(1, last + 1)] for s in tx.segments if s.id == seg_id]


def after_the_order(store: Store, tmp_path: Path, purpose: str) -> tuple[Pipeline, Transmission]:
    """The sample 850 ingested, then the sample 860 with BCH01 ``purpose``; the 860's transmission."""
    p = pipeline(store, workspace(tmp_path))
    assert p.ingest(ORDERS, "bigbox").status is Status.DONE
    path = tmp_path / f"860-{purpose}.x12"
    path.write_bytes(CHANGE.read_bytes().replace(b"BCH*04*", f"BCH*{purpose}*".encode()))
    tx = p.ingest(path, "bigbox")
    assert tx.status is Status.DONE, [e.message for e in store.errors(tx.id)]
    return p, tx


def test_an_860_changes_the_order_and_is_answered_with_an_865(store: Store, tmp_path: Path) -> None:
    p, tx = after_the_order(store, tmp_path, "04")
    first, _other, changed = store.documents(kind=DocumentKind.ORDER)
    assert (first.key, first.status) == (f"{PO}:original", DocumentStatus.SUPERSEDED)
    assert changed.key.startswith(f"{PO}:change@") and changed.status is DocumentStatus.ACCEPTED
    assert changed.amends == first.id
    order = loads(Order, changed.body)
    assert [(line.line_number, line.quantity, line.product_ids.vendor_part) for line in order.lines] == [
        ("1", Decimal(36), "ACM-1001"), ("3", Decimal(12), "ACM-3300"), ("4", Decimal(24), "ACM-4410")]
    assert order.dates.requested_ship == date(2026, 12, 5)  # moved by the 860's DTM*010
    assert order.dates.cancel_after == date(2026, 12, 15)  # kept from the 850
    assert order.lines[2].dates.requested_delivery == date(2026, 12, 10)
    assert order.purpose is Purpose.CHANGE and order.source is not None and order.source.set_id == "860"
    outs = {o.set_id: o for o in store.outbounds(tx.id)}
    assert set(outs) == {"997", "865"}
    [ack] = answers(p.archive.get(outs["865"].sha256))
    assert ack.set_id == "865" and ack.group is not None and ack.group.functional_id == "CA"
    assert elements(ack, "BCA", 6) == [["04", "AD", PO, "", "", "20261118"]]
    assert [row[:6] for row in elements(ack, "POC")] == [["1", "CA", "36", "36", "EA", "12.49"],
                                                         ["3", "CA", "12", "12", "CA", "38.4"],
                                                         ["4", "CA", "24", "24", "EA", "7.95"],
                                                         ["2", "DI", "0", "0", "EA", ""]]  # the deleted line
    assert [row[:3] for row in elements(ack, "ACK")] == [["IA", "36", "EA"], ["IA", "12", "CA"], ["IA", "24", "EA"],
                                                         ["ID", "0", "EA"]]
    assert elements(ack, "CTT", 1) == [["4"]]


def test_an_860_cancel_cancels_the_order(store: Store, tmp_path: Path) -> None:
    p, tx = after_the_order(store, tmp_path, "01")
    docs = {d.key.split("@")[0]: d for d in store.documents(kind=DocumentKind.ORDER)}
    assert docs[f"{PO}:original"].status is DocumentStatus.CANCELLED
    assert docs[f"{PO}:cancel"].status is DocumentStatus.ACCEPTED
    assert docs["4500012346:original"].status is DocumentStatus.ACCEPTED  # the other PO stands
    [ack] = [t for o in store.outbounds(tx.id) if o.set_id == "865" for t in answers(p.archive.get(o.sha256))]
    assert elements(ack, "BCA", 3) == [["01", "AT", PO]]
    assert {row[0] for row in elements(ack, "ACK")} == {"ID"}


def test_an_original_860_is_a_change(store: Store, tmp_path: Path) -> None:
    after_the_order(store, tmp_path, "00")
    keys = [(d.key.split("@")[0], d.status) for d in store.documents(kind=DocumentKind.ORDER)]
    assert keys[0] == (f"{PO}:original", DocumentStatus.SUPERSEDED)
    assert keys[2] == (f"{PO}:change", DocumentStatus.ACCEPTED)


def test_an_860_for_a_po_never_received_is_held(store: Store, tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path))
    tx = p.ingest(CHANGE, "bigbox")
    assert tx.status is Status.HELD
    assert "rule.purpose.unknown_po" in [e.code for e in store.errors(tx.id)]
    [doc] = store.documents(kind=DocumentKind.ORDER)
    assert [line.line_number for line in loads(Order, doc.body).lines] == ["1", "4"]  # all but the deleted


LINE = OrderLine("1", Decimal(10), "EA", Decimal("2.50"), dates=Dates(requested_ship=date(2026, 12, 1)))
HELD = Order(PO, date(2026, 11, 18), lines=(LINE, OrderLine("2", Decimal(5), "CA")))


def change(*lines: LineChange, purpose: Purpose = Purpose.CHANGE, **header: object) -> OrderChange:
    return OrderChange(PO, date(2026, 11, 18), purpose, "04", lines=lines,
                       source=SourceRef("bigbox", "1", "1", "0001"), **header)  # type: ignore[arg-type]


def test_a_change_replaces_only_the_values_it_sends() -> None:
    moved = Dates(requested_ship=date(2026, 12, 9))
    order, _ = apply_change(change(LineChange("1", "PC", unit_price=Decimal("2.25"), dates=moved)), HELD)
    assert order.lines[0] == OrderLine("1", Decimal(10), "EA", Decimal("2.25"), dates=moved)
    assert order.lines[1] == HELD.lines[1]
    assert order.source == SourceRef("bigbox", "1", "1", "0001", set_id="860")


def test_delete_add_and_replace_lines() -> None:
    order, _ = apply_change(change(LineChange("2", "DI"), LineChange("9", "AI", Decimal(3), uom="DZ")), HELD)
    assert [(line.line_number, line.quantity, line.uom) for line in order.lines] == [
        ("1", Decimal(10), "EA"), ("9", Decimal(3), "DZ")]
    replaced, _ = apply_change(change(LineChange("7", "AI", Decimal(1), uom="EA"), purpose=Purpose.REPLACE), HELD)
    assert [line.line_number for line in replaced.lines] == ["7"] and replaced.purpose is Purpose.REPLACE


def test_a_line_that_cannot_be_applied_is_a_finding() -> None:
    order, problems = apply_change(change(LineChange("5", "AI"), LineChange("8", "DI"), LineChange("9", "PC")), HELD)
    assert order.lines == HELD.lines
    assert [(f.value, f.severity.value, f.message) for f in problems] == [
        ("5", "error", "POC line 5 (AI) adds a line the order does not have, without the quantity and unit a new "
                       "line needs"),
        ("8", "warning", "POC line 8 (DI) deletes a line the order does not have"),
        ("9", "error", "POC line 9 (PC) changes a line the order does not have, without the quantity and unit "
                       "a new line needs")]


def test_header_dates_move_and_other_dates_merge_by_qualifier() -> None:
    held = Order(PO, date(2026, 11, 18), dates=Dates(cancel_after=date(2026, 12, 20),
                                                    other=(("017", date(2026, 12, 2)), ("118", date(2026, 12, 3)))))
    sent = Dates(cancel_after=date(2026, 12, 24), other=(("017", date(2026, 12, 5)),))
    order, _ = apply_change(change(dates=sent), held)
    assert order.dates.cancel_after == date(2026, 12, 24)
    assert order.dates.other == (("118", date(2026, 12, 3)), ("017", date(2026, 12, 5)))


def test_translate_reads_an_860_with_the_partners_860_map() -> None:
    from edigate.mapping import translate_file

    [result] = translate_file(CHANGE, "bigbox", maps_dir=REPO / "maps", partners_dir=REPO / "partners")
    change = result.order
    assert result.ok and isinstance(change, OrderChange) and change.po_number == PO
    assert (change.purpose, change.change_number, change.change_date) == (Purpose.CHANGE, "1", date(2026, 11, 20))
    assert [(c.line_number, c.change_code, c.quantity) for c in change.lines] == [
        ("1", "QI", Decimal(36)), ("2", "DI", Decimal(0)), ("4", "AI", Decimal(24))]
    assert change.lines[2].product_ids.vendor_part == "ACM-4410"  # bigbox-860's cross-reference
    assert change.totals is not None and change.totals.line_count == 3
    assert not [f for f in result.findings if f.code == "map.unused"]


def test_an_860_for_a_partner_without_an_860_map_fails_saying_what_to_add(store: Store,
                                                                          tmp_path: Path) -> None:
    p = pipeline(store, without_860_map(tmp_path))
    tx = p.ingest(CHANGE, "bigbox")
    assert tx.status is Status.FAILED
    [entry] = [e for e in store.errors(tx.id) if e.stage == "map"]
    assert "names no map for it (documents.inbound.860" in entry.message
    assert [o.set_id for o in store.outbounds(tx.id)] == ["997"]  # the 860 itself was sound


def test_a_segment_no_field_reads_is_info_in_the_error_log(store: Store, tmp_path: Path) -> None:
    from edigate.store import Severity

    path = tmp_path / "po.x12"
    data = ORDERS.read_bytes().replace(b"TD5*O*2*FDEG*M*FEDEX GROUND~", b"TD5*O*2*FDEG*M*FEDEX GROUND~\nTD4*ZZZ~", 1)
    path.write_bytes(data.replace(b"SE*33*0001~", b"SE*34*0001~"))
    tx = pipeline(store, workspace(tmp_path)).ingest(path, "bigbox")
    [entry] = [e for e in store.errors(tx.id) if e.code == "map.unused"]
    assert (entry.severity, entry.segment_id, entry.st02) == (Severity.INFO, "TD4", "0001")
