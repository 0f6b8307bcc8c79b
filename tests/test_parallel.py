"""A big file's map stage with a helper process gives what one process gives, in order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from edigate.archive import Archive
from edigate.parallel import Translation, set_key, translate_range
from edigate.partners import load_partners
from edigate.pipeline import Pipeline
from edigate.store import DocumentKind, Store
from edigate.workspace import Workspace
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.validate import Validator

from benchmarks.generate import write_file
from benchmarks.pipeline import conform
from tests.conftest import REPO
from tests.store.conftest import store, url  # noqa: F401  (fixtures: one store per backend)


def _pipeline(root: Path, store: Store, **options: int) -> Pipeline:  # noqa: F811
    root.mkdir(exist_ok=True)
    (root / "samples").symlink_to(REPO / "samples")
    workspace = Workspace(root=root, maps_dir=str(REPO / "maps"), partners_dir=str(REPO / "partners"))
    return Pipeline(workspace, store, Archive(root / "archive"), load_partners(REPO / "partners"),
                    today=dt.date(2026, 11, 26), channel_types=(), **options)


def _orders(folder: Path, count: int, unknown_items_in: tuple[str, ...], broken: tuple[str, ...] = ()) -> Path:
    """``count`` orders of 3 lines the sample catalog knows, but for those POs' items; the
    ``broken`` POs' BEG lacks its PO number and date (a structural error the 997 rejects)."""
    text, po = [], ""
    with open(write_file(folder / f"850-{count}x3.x12", count, 3), encoding="ascii") as source:
        for line in conform(source):
            po = line.split("*")[3] if line.startswith("BEG*") else po
            if po in broken and line.startswith("BEG*"):
                line = "BEG*00*SA~\n"
            text.append(line.replace("*IN*30012~", "*IN*99999~") if po in unknown_items_in else line)
    path = folder / "orders.x12"
    path.write_text("".join(text), encoding="ascii")
    return path


def _outcome(pipeline: Pipeline, path: Path) -> tuple[list[tuple[str, str]], list[tuple[object, ...]]]:
    tx = pipeline.ingest(path, "bigbox")
    docs = pipeline.store.documents(transmission_id=tx.id, kind=DocumentKind.ORDER)
    errors = [(e.stage, e.code, e.st02, e.segment_position, e.element_position, e.message)
              for e in pipeline.store.errors(tx.id) if e.stage == "map"]
    return [(d.key, d.body) for d in sorted(docs, key=lambda d: d.id)], errors


def test_a_helper_translates_the_second_half_to_the_same_orders_in_the_same_order(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    path = _orders(tmp_path, 9, unknown_items_in=("4500000002", "4500000007"),  # findings in both parts
                   broken=("4500000008",))  # rejected by validate: the helper must judge it so too
    answers: list[bool] = []
    results = Translation.results
    monkeypatch.setattr(Translation, "results", lambda self: (answer := results(self), answers.append(
        answer is not None))[0])
    docs, errors = _outcome(_pipeline(tmp_path / "helped", store, helpers=1, parallel_from=4), path)
    with Store.open(f"sqlite:///{tmp_path / 'alone.db'}") as alone:
        expected = _outcome(_pipeline(tmp_path / "alone", alone, helpers=0), path)
    assert answers == [True]  # the helper answered: the second half is its work
    assert len(docs) == 6 and {e[2] for e in errors} == {"0002", "0007"}  # 0008 never reached the map
    assert (docs, errors) == expected


def test_a_helper_that_fails_answers_none_and_the_caller_does_the_work(tmp_path: Path) -> None:
    path = write_file(tmp_path / "850-4x2.x12", 4, 2)
    accepted = frozenset(set_key(e) for e in EnvelopeReader(path) if isinstance(e, Transaction))
    with Translation(path, None, REPO / "maps", "no-such-map", "bigbox", accepted, 2) as helper:
        assert helper.results() is None
    with Translation(path, None, REPO / "maps", "bigbox-850", "bigbox", accepted, 2) as helper:
        got = helper.results()
        assert got is not None and [t.st02 for t in got] == ["0003", "0004"]
    mapping = _pipeline(tmp_path / "ws", Store.open(f"sqlite:///{tmp_path / 'x.db'}")).maps.inbound("bigbox-850")
    assert [t.st02 for t in translate_range(path, None, mapping, "bigbox", accepted, stop=2)] == ["0001", "0002"]


def test_leaving_before_the_answer_stops_the_helper(tmp_path: Path) -> None:
    path = write_file(tmp_path / "850-50x20.x12", 50, 20)
    accepted = frozenset(set_key(e) for e in EnvelopeReader(path) if isinstance(e, Transaction))
    with Translation(path, None, REPO / "maps", "bigbox-850", "bigbox", accepted, 0) as helper:
        process = helper._process
    assert process is not None and process.poll() is not None


def test_a_helper_without_the_accepted_sets_validates_and_skips_what_validate_rejects(tmp_path: Path) -> None:
    path = _orders(tmp_path, 5, unknown_items_in=(), broken=("4500000002", "4500000005"))
    mapping = _pipeline(tmp_path / "ws", Store.open(f"sqlite:///{tmp_path / 'x.db'}")).maps.inbound("bigbox-850")
    assert [t.st02 for t in translate_range(path, None, mapping, "bigbox", Validator(), start=1)] == ["0003", "0004"]


def test_the_helper_runs_this_edigate_never_a_folder_of_that_name_where_it_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planted = tmp_path / "cwd" / "edigate"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()\n")
    monkeypatch.chdir(planted.parent)
    path = write_file(tmp_path / "850-4x2.x12", 4, 2)
    accepted = frozenset(set_key(e) for e in EnvelopeReader(path) if isinstance(e, Transaction))
    with Translation(path, None, REPO / "maps", "bigbox-850", "bigbox", accepted, 2) as helper:
        got = helper.results()
        assert got is not None and len(list(got)) == 2
    assert not (tmp_path / "ran").exists()
