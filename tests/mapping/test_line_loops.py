"""Loops inside an 850 line: a per-line N1 loop (ship-to, mark-for) becomes one of the line's
parties and keeps its REF, PER and address to itself, an SLN loop one of its sub-lines; a loop
no field reads has every one of its segments noted; PKG reaches the order and the line; an
order without any of them reads and writes as before."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from edigate.mapping.inbound import load_inbound_map, split_loops
from edigate.mapping.translate import translate_with_map
from edigate.model import Order, dumps, loads
from edigate.x12.envelope import EnvelopeReader, Transaction

MapWriter = Callable[[str, str], Path]

LINE_PARTIES = ("N1*ST*BIGBOX DC 7*92*0007~N3*1 DC ROAD~N4*DALLAS*TX*75001*US~REF*DP*099~"
                "PER*RE*JOE DOCK*TE*5551234~N1*Z7*STORE 12*92*0012~")
SUB_LINE = "SLN*1**I*2*EA*3.10~PID*F****INNER BOWL~"


def _with(samples: Path, tmp_path: Path, extra: str, after: str = "PO4*6*1*EA~\n") -> Path:
    text = (samples / "bigbox-850-4010.x12").read_text()
    assert after in text
    path = tmp_path / "line-loops.x12"
    path.write_text(text.replace(after, after + extra, 1))
    return path


def _translate(path: Path, maps: Path, name: str = "850-4010") -> tuple[Order, list[str]]:
    result = translate_with_map(path, load_inbound_map(name, maps))[0]
    assert result.order is not None, result.findings
    return result.order, [f"{f.code} {f.segment_id} {f.message}" for f in result.findings]


def test_line_n1_loops_are_the_lines_parties(samples: Path, tmp_path: Path, maps_dir: Path) -> None:
    order, notes = _translate(_with(samples, tmp_path, LINE_PARTIES), maps_dir)
    first = order.lines[0]
    ship_to, mark_for = first.parties
    assert (ship_to.role, ship_to.name, ship_to.ids.buyer_location) == ("ST", "BIGBOX DC 7", "0007")
    assert ship_to.address is not None and (ship_to.address.city, ship_to.address.postal_code) == ("DALLAS", "75001")
    assert [(r.qualifier, r.value) for r in ship_to.references] == [("DP", "099")]
    assert [(c.name, c.phone) for c in ship_to.contacts] == [("JOE DOCK", "5551234")]
    assert first.party("Z7") == mark_for and mark_for.ids.buyer_location == "0012"
    assert first.references == () and first.contacts == ()  # the N1 loop's REF and PER stay in it
    assert order.ship_to is not None and order.ship_to.name == "BIGBOX STORE 1482"  # the header's is untouched
    assert [line.parties for line in order.lines[1:]] == [(), ()]
    assert not any(n.startswith("map.unused") for n in notes)
    assert loads(Order, dumps(order)) == order


def test_an_order_without_line_parties_writes_the_same_json(samples: Path, maps_dir: Path) -> None:
    order, _ = _translate(samples / "bigbox-850-4010.x12", maps_dir)
    assert all(line.parties == () for line in order.lines)
    assert '"parties"' not in dumps(order)


def test_a_line_loop_no_field_reads_is_noted_segment_by_segment(write_map: MapWriter, samples: Path,
                                                                 tmp_path: Path) -> None:
    folder = write_map("no-line-parties", "extends: 850-4010\nline:\n  parties: null\n").parent
    order, notes = _translate(_with(samples, tmp_path, LINE_PARTIES), folder, "no-line-parties")
    assert order.lines[0].parties == () and order.lines[0].references == ()
    unused = {n.split()[1] for n in notes if n.startswith("map.unused")}
    assert {"N1", "N3", "N4", "REF", "PER"} <= unused


def test_a_sub_line_keeps_its_segments_to_itself(samples: Path, tmp_path: Path, maps_dir: Path) -> None:
    order, notes = _translate(_with(samples, tmp_path, SUB_LINE + LINE_PARTIES.split("~N1*Z7")[0] + "~",
                                    after="PID*F****STAINLESS STEEL MIXING BOWL 3QT~\nPO4*6*1*EA~\n"), maps_dir)
    first = order.lines[0]
    assert first.description == "STAINLESS STEEL MIXING BOWL 3QT"
    assert [d.text for d in first.descriptions] == ["STAINLESS STEEL MIXING BOWL 3QT"]  # not the SLN's PID
    (sub,) = first.sublines
    assert (sub.line_number, sub.relationship, sub.quantity, sub.uom, sub.unit_price, sub.description) == (
        "1", "I", Decimal(2), "EA", Decimal("3.10"), "INNER BOWL")
    assert first.parties == () and first.references == ()  # an N1 after an SLN belongs to the SLN loop
    assert {n.split()[1] for n in notes if n.startswith("map.unused")} >= {"N1", "N3", "REF"}
    assert loads(Order, dumps(order)) == order


def test_packaging_descriptions_reach_the_order(samples: Path, tmp_path: Path, maps_dir: Path) -> None:
    path = _with(samples, tmp_path, "PKG*F*68***SHRINK WRAP EACH~PKG*S*01*VI*BOX~PKG****01~")
    text = path.read_text().replace("FOB*CC~", "FOB*CC~PKG*F*65***FLOOR LOAD~", 1)
    path.write_text(text)
    order, notes = _translate(path, maps_dir)
    assert [(p.type, p.characteristic, p.agency, p.code, p.text) for p in order.lines[0].packaging] == [
        ("F", "68", None, None, "SHRINK WRAP EACH"), ("S", "01", "VI", "BOX", None), (None, None, None, "01", None)]
    assert order.lines[1].packaging == ()
    assert [p.text for p in order.packaging] == ["FLOOR LOAD"]
    assert not any(n.startswith("map.unused PKG") for n in notes)


def test_split_loops_keeps_inner_loops_apart(samples: Path, tmp_path: Path) -> None:
    path = _with(samples, tmp_path, LINE_PARTIES + "AMT*1*297.6~")
    tx = next(e for e in EnvelopeReader(path) if isinstance(e, Transaction))
    loops = split_loops(tx.body)
    line = loops.lines[0]
    assert [seg.get(1) for seg in line["N1"]] == ["ST", "Z7"]
    assert "REF" not in line and "N3" not in line and "AMT" in line
    ship_to = loops.inner[line["N1"][0].index]
    assert sorted(ship_to) == ["N1", "N3", "N4", "PER", "REF"]


def test_the_outbound_850_writes_line_parties_back(samples: Path, tmp_path: Path, maps_dir: Path) -> None:
    from edigate.mapping.outbound import load_outbound_map
    from tests.mapping.test_outbound import interchange
    order, _ = _translate(_with(samples, tmp_path, LINE_PARTIES), maps_dir)
    for version in ("4010", "5010"):
        path = tmp_path / f"out-{version}.x12"
        path.write_bytes(interchange(load_outbound_map(f"850-{version}-outbound", maps_dir), [order], "bigbox"))
        again, notes = _translate(path, maps_dir, f"850-{version}")
        written = [dataclasses.replace(p, references=()) for p in order.lines[0].parties]  # party REF is not written
        assert again.lines[0].parties == tuple(written), notes
        assert [line.parties for line in again.lines[1:]] == [(), ()]
