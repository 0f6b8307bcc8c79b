"""Hostile partners through the whole pipeline: punctuation PO numbers, a routing condition
that divides by zero, a file of broken segments. SQLite always, PostgreSQL when configured."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tracemalloc
from pathlib import Path

import pytest

from edigate.store.archive import Archive
from edigate.config.partners import load_partners
from edigate.stages.pipeline import Pipeline
from edigate.store import Status, Store
from edigate.config.workspace import FindingSettings, Workspace

from tests.support.paths import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"


def pipeline_for(store: Store, root: Path, partners: Path = REPO / "partners",
                 findings: FindingSettings = FindingSettings()) -> Pipeline:
    workspace = Workspace(root=root, maps_dir=str(REPO / "maps"), partners_dir=str(partners), findings=findings)
    (root / "samples").symlink_to(REPO / "samples")
    return Pipeline(workspace, store, Archive(root / "archive"), load_partners(partners, root=root),
                    today=dt.date(2026, 11, 26), channel_types=("folder",))


def variant(root: Path, isa13: int, first: str, second: str) -> Path:
    """The bigbox sample with its two POs renamed and its own ISA13."""
    data = SAMPLE.read_bytes().replace(b"4500012345", first.encode()).replace(b"4500012346", second.encode())
    path = root / f"in-{isa13}.x12"
    path.write_bytes(data.replace(b"000000101", f"{isa13:09d}".encode()))
    return path


def test_punctuation_pos_each_get_an_export_of_their_own(store: Store, tmp_path: Path) -> None:
    pipeline = pipeline_for(store, tmp_path)
    pos = [("A/B", "A_B"), ("A B", ".."), ("...", "./.")]
    for n, (first, second) in enumerate(pos, 201):
        tx = pipeline.ingest(variant(tmp_path, n, first, second), "bigbox")
        assert tx.status is Status.DONE, pipeline.store.errors(tx.id)
    exports = sorted((tmp_path / "demo" / "erp" / "orders").iterdir())
    assert len(exports) == 6 and all(p.name.startswith("bigbox-") and "/" not in p.name[7:] for p in exports)
    assert sorted(json.loads(p.read_text())["po_number"] for p in exports) == sorted(po for pair in pos for po in pair)
    assert not [p for p in exports if p.name.startswith(".")]


def test_a_routing_condition_dividing_by_zero_fails_the_transmission_with_file_and_line(
        store: Store, tmp_path: Path) -> None:
    partners = tmp_path / "partners"
    shutil.copytree(REPO / "partners", partners)
    text = (partners / "bigbox.yaml").read_text()
    (partners / "bigbox.yaml").write_text(text.replace("    format: json\n", "    format: json\n"
                                                        "    when: \"order.total / 0 > 1\"\n", 1))
    line = next(n for n, t in enumerate((partners / "bigbox.yaml").read_text().splitlines(), 1) if "when:" in t)
    pipeline = pipeline_for(store, tmp_path, partners)
    tx = pipeline.ingest(SAMPLE, "bigbox")
    assert (tx.status, tx.stage) == (Status.FAILED, "route")
    [error] = [e for e in pipeline.store.errors(tx.id) if e.stage == "route"]
    assert error.code == "route.when"
    assert f"bigbox.yaml:{line}: routing[0].when: expression 'order.total / 0 > 1' failed: " in error.message
    assert "division by zero" in error.message


def test_a_file_of_broken_segments_gives_a_small_ack_few_rows_and_flat_memory(store: Store,
                                                                              tmp_path: Path) -> None:
    pipeline = pipeline_for(store, tmp_path, findings=FindingSettings(per_set=50, per_file=80))
    head, _, rest = SAMPLE.read_bytes().partition(b"CUR*BY*USD~\n")
    path = tmp_path / "broken.x12"
    path.write_bytes(head + b"A~" * 20_000 + rest.replace(b"SE*33*0001", b"SE*20033*0001", 1))
    tracemalloc.start()
    try:
        tx = pipeline.ingest(path, "bigbox")
        used = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    errors = pipeline.store.errors(tx.id)
    validate = [e for e in errors if e.stage == "validate"]
    assert len(validate) <= 52 and validate[-1].message.startswith("19950 more finding(s) in this set")
    [ack] = [o for o in pipeline.store.outbounds(tx.id) if o.set_id == "997"]
    data = pipeline.archive.get(ack.sha256)
    assert len(data) < 5_000 and data.count(b"AK3*") == 50 and b"AK5*R" in data and b"AK5*A" in data
    assert used < 20_000_000, used  # with every one of the 20,000 findings kept and stored: about 80 MB
