"""The pyx12 maps in edigate/x12/specs: generated faithfully, complete, and usable by pyx12."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from lxml import etree

import pyx12.errors
import pyx12.params
import pyx12.x12n_document
from edigate.x12.specs.build import SPECS_DIR, base_element_number, render_all
from edigate.x12.specs.source import load_sources
from tests.support.pyx12 import MAPS

PYX12_MAPS = Path(pyx12.__file__).parent / "map"
NOT_X12 = "does not look like an X12 data file"  # pyx12 logs this and returns False
EXPECTATIONS = Path(__file__).parent / "specs_expectations.tsv"
SET_MAPS = sorted(p.name for p in SPECS_DIR.glob("*.xml") if p.name[0].isdigit())
CONTROL_MAPS = ["x12.control.00401.xml", "x12.control.00501.xml"]
EXPECTED_MAPS = [f"{s}.4010.xml" for s in ("810", "850", "855", "856", "860", "997")] + [
    f"{s}.5010.xml" for s in ("810", "850", "855", "856", "860", "999")]


@dataclass(frozen=True)
class Expectation:
    file: str
    isa12: str
    outcome: str
    evidence: str
    reason: str


def _expectations() -> list[Expectation]:
    with EXPECTATIONS.open(newline="", encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return [Expectation(**row) for row in rows]


def _parse(name: str) -> etree._ElementTree:
    return etree.parse(str(SPECS_DIR / name))


# ----------------------------------------------------------------- generated output


def _digests(rendered: dict[str, str]) -> dict[str, str]:
    return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in rendered.items()}


@pytest.fixture(scope="session")
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each generated file's digest, from one rendering per test run (16 versions take seconds
    to write): under xdist, the first worker to ask renders, the others wait and read its digests."""
    if not hasattr(request.config, "workerinput"):
        return _digests(render_all())
    kept = tmp_path_factory.getbasetemp().parent / "specs-rendered.json"  # this run's, shared by its workers
    with open(f"{kept}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not kept.exists():
            kept.with_suffix(".part").write_text(json.dumps(_digests(render_all())))
            os.replace(kept.with_suffix(".part"), kept)
        return dict(json.loads(kept.read_text()))


@pytest.mark.slow
def test_checked_in_xml_matches_generator(rendered: dict[str, str]) -> None:
    on_disk = {p.name: p for p in SPECS_DIR.glob("*.xml")}
    assert set(on_disk) == set(rendered), "run: python -m edigate.x12.specs.build"
    for name, path in on_disk.items():
        assert _digests({name: path.read_text(encoding="utf-8")})[name] == rendered[name], f"{name} is stale"


@pytest.mark.slow
def test_generator_is_deterministic(rendered: dict[str, str]) -> None:
    """A second rendering from freshly loaded sources is the same, file for file (the first may
    be another xdist worker's, in a process of its own)."""
    assert _digests(render_all(load_sources())) == rendered


def test_every_requested_map_exists() -> None:
    assert set(EXPECTED_MAPS) <= set(SET_MAPS)


VERSIONS = ("003040", "003050", "003060", "003070", "004010", "004020", "004030", "004050", "004060", "005010",
            "005020", "005030", "005040", "006010", "006020", "006050")
SETS = ("810", "824", "846", "850", "855", "856", "860", "865", "940", "945", "997")


@pytest.mark.parametrize("version", VERSIONS)
def test_every_set_has_a_map_in_every_version_partners_use(version: str) -> None:
    assert {f"{s}.{version[2:]}.xml" for s in SETS} <= set(SET_MAPS)
    index = _index()
    for suffix in ("", "VICS", "UCS"):
        assert index[("00401", version + suffix, "PO")] == f"850.{version[2:]}.xml"


# ----------------------------------------------------------------- completeness


def _data_elements() -> dict[str, tuple[str, int, int]]:
    return {
        e.get("ele_num"): (e.get("data_type"), int(e.get("min_len")), int(e.get("max_len")))
        for e in _parse("dataele.xml").iter("data_ele")
    }


@pytest.mark.parametrize("name", SET_MAPS + CONTROL_MAPS)
def test_every_referenced_element_is_defined(name: str) -> None:
    defined = _data_elements()
    used = {e.findtext("data_ele") for e in _parse(name).iter("element")}
    assert used - set(defined) == set()


@pytest.mark.parametrize("name", SET_MAPS)
def test_every_external_code_set_exists(name: str) -> None:
    code_sets = {c.findtext("id") for c in _parse("codes.xml").iter("codeset")}
    used = {v.get("external") for v in _parse(name).iter("valid_codes") if v.get("external")}
    assert used - code_sets == set()


def test_element_lengths_differ_per_version() -> None:
    defined = _data_elements()
    assert defined["127.004010"] == ("AN", 1, 30)
    assert defined["127.005010"] == ("AN", 1, 50)
    assert defined["352"] == ("AN", 1, 80)
    assert "127" not in defined


def test_maps_point_at_their_version_of_an_element() -> None:
    ref01 = {name: _parse(name).find(".//segment[@xid='REF']/element[@xid='REF02']")
             for name in ("850.4010.xml", "850.5010.xml")}
    assert ref01["850.4010.xml"].findtext("data_ele") == "127.004010"
    assert ref01["850.5010.xml"].findtext("data_ele") == "127.005010"
    assert base_element_number("127.005010") == "127"


def test_850_covers_product_id_pairs_po106_to_po125() -> None:
    po1 = _parse("850.4010.xml").find(".//segment[@xid='PO1']")
    xids = [e.get("xid") for e in po1.iter("element")]
    assert xids[-1] == "PO125" and "PO106" in xids
    assert "P2425" in [s.text for s in po1.iter("syntax")]


def test_source_codes_are_all_quoted_strings() -> None:
    for codeset in load_sources().codes.values():
        assert all(isinstance(code, str) and code for code, _ in codeset.codes)


def test_every_code_list_records_its_source() -> None:
    """codes.yaml names each list's source and whether it is complete; a partial list warns."""
    raw = yaml.safe_load((SPECS_DIR / "source" / "codes.yaml").read_text(encoding="utf-8"))
    for number, body in raw.items():
        kind = str(body.get("source", "")).split(":", 1)[0]
        assert kind == ("partial" if body.get("partial") else "complete"), number


def test_the_004010_maps_check_coded_elements_against_their_whole_004010_list() -> None:
    complete = load_sources().version_codes["004010"]
    assert {"353", "355", "66", "366", "91", "336"} <= set(complete) and "1005" not in complete
    uom = _parse("850.4010.xml").find(".//element[@xid='PO103']/valid_codes")
    assert uom is not None and uom.get("external") == "355.004010"
    assert _parse("850.5010.xml").find(".//element[@xid='PO103']/valid_codes").get("external") == "355"
    codesets = {c.findtext("id"): c for c in _parse("codes.xml").iter("codeset")}
    assert codesets["355.004010"].findtext("source") is None  # never partial
    assert len(codesets["355.004010"].findall(".//code")) == len(complete["355"])


# ----------------------------------------------------------------- pyx12 schemas


@pytest.mark.parametrize(
    ("name", "schema"),
    [(n, "map.xsd") for n in SET_MAPS + CONTROL_MAPS]
    + [("maps.xml", "maps.xsd"), ("dataele.xml", "dataele.xsd"), ("codes.xml", "codes.xsd")],
)
def test_xml_validates_against_pyx12_schema(name: str, schema: str) -> None:
    xsd = etree.XMLSchema(etree.parse(str(PYX12_MAPS / schema)))
    doc = _parse(name)
    assert xsd.validate(doc), str(xsd.error_log)


# ----------------------------------------------------------------- map selection


def _index() -> dict[tuple[str, str, str], str]:
    return {
        (version.get("icvn"), m.get("vriic"), m.get("fic")): m.text
        for version in _parse("maps.xml").iter("version")
        for m in version.iter("map")
    }


@pytest.mark.parametrize(
    ("icvn", "gs08", "gs01", "expected"),
    [
        ("00401", "004010", "PO", "850.4010.xml"),
        ("00401", "004010VICS", "PO", "850.4010.xml"),
        ("00401", "004010UCS", "PR", "855.4010.xml"),
        ("00401", "004010", "SH", "856.4010.xml"),
        ("00401", "004010", "IN", "810.4010.xml"),
        ("00401", "004010", "PC", "860.4010.xml"),
        ("00401", "004010", "FA", "997.4010.xml"),
        ("00501", "005010", "PO", "850.5010.xml"),
        ("00501", "005010", "FA", "997.5010.xml"),
        ("00501", "005010X231A1", "FA", "999.5010.xml"),
        ("00401", "005010", "PO", "850.5010.xml"),
    ],
)
def test_maps_index_resolves(icvn: str, gs08: str, gs01: str, expected: str) -> None:
    assert _index()[(icvn, gs08, gs01)] == expected


# ----------------------------------------------------------------- pyx12 on the corpus


def _read_text(path: Path, isa12: str) -> str:
    """pyx12 wants text: decode bytes one to one, drop a BOM, optionally rewrite ISA12."""
    text = path.read_bytes().decode("latin-1").removeprefix("\u00ef\u00bb\u00bf")
    if isa12 != "-":
        text = text[:84] + isa12 + text[89:]
    return text


def _run_pyx12(text: str) -> tuple[str, str]:
    """(outcome, exception text) of one pyx12 run with map_path= our folder (its maps parsed
    once for all the tests: `test_kept_maps_give_the_verdict_of_maps_parsed_afresh`)."""
    try:
        with MAPS.installed():
            ok = pyx12.x12n_document.x12n_document(
                pyx12.params.params(), io.StringIO(text), None, None, map_path=str(SPECS_DIR))
    except pyx12.errors.EngineError as exc:
        return ("map_not_found" if "Map not found" in str(exc) else "engine_error"), str(exc)
    except IndexError as exc:
        return "pyx12_crash", repr(exc)
    return ("valid" if ok else "invalid"), ""


@pytest.mark.parametrize("case", _expectations(), ids=lambda c: f"{c.file}[{c.isa12}]")
def test_pyx12_validates_corpus_file_with_our_maps(
    case: Expectation, corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="pyx12")
    outcome, raised = _run_pyx12(_read_text(corpus / case.file, case.isa12))
    if outcome == "invalid" and NOT_X12 in caplog.text:
        outcome = "not_x12"
    assert outcome == case.outcome, case.reason
    if case.evidence != "-":
        assert case.evidence in caplog.text + raised, case.reason
