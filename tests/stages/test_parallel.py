"""A big file's map stage with a helper process gives what one process gives, in order."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from edigate.store.archive import Archive
from edigate.stages.parallel import Translation, count_sets, set_key, translate_range, validate_range
from edigate.config.partners import load_partners
from edigate.stages.pipeline import Pipeline
from edigate.stages.table import Stage
from edigate.store import DocumentKind, Store
from edigate.config.workspace import Workspace
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.tokenizer import tokenize
from edigate.x12.validate import Validator

from benchmarks.generate import write_file
from benchmarks.pipeline import conform
from tests.support.waiting import wait_until
from tests.support.paths import REPO


def _pipeline(root: Path, store: Store, **options: int) -> Pipeline:
    root.mkdir(exist_ok=True)
    if not (root / "samples").exists():  # a second gateway over the same workspace
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


def _outcome(pipeline: Pipeline, path: Path) -> tuple[list[tuple[str, str]], list[tuple[object, ...]], list[str]]:
    """The orders saved, the validate and map findings logged, and the 997's AK segments."""
    tx = pipeline.ingest(path, "bigbox")
    docs = pipeline.store.documents(transmission_id=tx.id, kind=DocumentKind.ORDER)
    errors = [(e.stage, e.code, e.st02, e.segment_position, e.element_position, e.message)
              for e in pipeline.store.errors(tx.id) if e.stage in ("validate", "map")]
    [ack] = [o for o in pipeline.store.outbounds(tx.id) if o.set_id == "997"]
    ak = [s.id + "*" + "*".join(map(str, s.elements)) for s in tokenize(pipeline.archive.get(ack.sha256))
          if s.id.startswith("AK")]
    return [(d.key, d.body) for d in sorted(docs, key=lambda d: d.id)], errors, ak


def test_a_helper_translates_the_second_half_to_the_same_orders_in_the_same_order(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _orders(tmp_path, 9, unknown_items_in=("4500000002", "4500000007"),  # findings in both parts
                   broken=("4500000008",))  # rejected by validate: the helper must judge it so too
    answers: list[bool] = []
    results, validated = Translation.results, Translation.validated
    monkeypatch.setattr(Translation, "results", lambda self: (answer := results(self), answers.append(
        answer is not None))[0])
    monkeypatch.setattr(Translation, "validated", lambda self, *a: (answer := validated(self, *a), answers.append(
        answer is not None))[0])
    docs, errors, ak = _outcome(_pipeline(tmp_path / "helped", store, helpers=1, parallel_from=4), path)
    with Store.open(f"sqlite:///{tmp_path / 'alone.db'}") as alone:
        expected = _outcome(_pipeline(tmp_path / "alone", alone, helpers=0), path)
    assert answers == [True] * 6  # the helper validated sets 5 to 9 and translated those it accepted
    assert len(docs) == 6 and {e[2] for e in errors if e[0] == "map"} == {"0002", "0007"}
    assert [e[2] for e in errors if e[0] == "validate"] and "AK5*R*5" in ak  # 0008 never reached the map
    assert (docs, errors, ak) == expected


def test_the_sets_this_process_validates_past_its_share_reach_the_helper_as_it_judged_them(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _orders(tmp_path, 20, unknown_items_in=("4500000010",),  # translated by the helper, validated here
                   broken=("4500000011", "4500000015"))  # rejected here, and by the helper's own validation
    answered: list[bool] = []
    results = Translation.results
    monkeypatch.setattr(Translation, "results", lambda self: (answer := results(self), answered.append(
        answer is not None and (self.start, self.checked_from) == (9, 11)))[0])
    with Store.open(f"sqlite:///{tmp_path / 'alone.db'}") as alone:
        expected = _outcome(_pipeline(tmp_path / "alone", alone, helpers=0), path)
    assert _outcome(_pipeline(tmp_path / "helped", store, helpers=1, parallel_from=4), path) == expected
    assert answered == [True]  # sets 9 to 19 translated by the helper, which validated 11 to 19
    assert len(expected[0]) == 17 and {e[2] for e in expected[1] if e[0] == "map"} == {"0010"}


def test_a_validating_helper_not_told_what_was_accepted_checks_the_sets_before_its_own(tmp_path: Path) -> None:
    path = _orders(tmp_path, 5, unknown_items_in=(), broken=("4500000002", "4500000005"))
    checked, _ = validate_range(path, None, Validator(), "850", start=3)
    with Translation(path, None, REPO / "maps", "bigbox-850", "bigbox", None, 1, checked_from=3) as helper:
        assert helper.validated(0, checked[0][0]) == checked[0][1] and checked[0][0][2] == "0004"
        got = helper.results()  # never told: it validated sets 1 and 2 itself
        assert got is not None and [t.st02 for t in got] == ["0003", "0004"]
    with Translation(path, None, REPO / "maps", "bigbox-850", "bigbox", None, 1, checked_from=3) as helper:
        helper.decide(None, set())  # told the caller accepted neither set 1 nor 2: only its own is translated
        got = helper.results()
        assert got is not None and [t.st02 for t in got] == ["0004"]


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


def test_a_helper_without_the_accepted_sets_validates_them_and_skips_what_validate_rejects(tmp_path: Path) -> None:
    path = _orders(tmp_path, 5, unknown_items_in=(), broken=("4500000002", "4500000005"))
    checked, accepted = validate_range(path, None, Validator(), "850", start=1)
    assert [(key[2], bool(found)) for key, found in checked] == [
        ("0002", True), ("0003", False), ("0004", False), ("0005", True)]
    assert sorted(key[2] for key in accepted) == ["0003", "0004"]
    with Translation(path, None, REPO / "maps", "bigbox-850", "bigbox", None, 1) as helper:
        assert helper.validated(0, ("000000101", "1001", "0002")) == checked[0][1]
        assert helper.validated(1, ("000000101", "1001", "0002")) is None  # not that set's key
        got = helper.results()
        assert got is not None and [t.st02 for t in got] == ["0003", "0004"]
    with Translation(path, None, REPO / "maps", "no-such-map", "bigbox", None, 1) as failed:
        assert failed.validated(0, checked[0][0]) is None and failed.results() is None


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


def test_count_sets_reads_the_separators_of_the_first_isa_and_skips_st_as_a_value(tmp_path: Path) -> None:
    path = _orders(tmp_path, 7, unknown_items_in=())
    data = path.read_bytes()
    assert b"N1*ST*" in data and count_sets(data) == 7
    pipes = data.replace(b"*", b"|").replace(b"~\n", b"\r\n")  # '|' and CR LF: ISA16 '>' stays
    assert count_sets(pipes) == 7 and count_sets(data.replace(b"\n", b"")) == 7
    assert count_sets(b"not x12") == 0 == count_sets(data[:50])


def test_a_helper_whose_gateway_was_killed_ends_too(tmp_path: Path) -> None:
    path = write_file(tmp_path / "850-5000x20.x12", 5000, 20)  # seconds of work for the helper
    code = (f"import sys,time;sys.path.insert(0,{str(REPO)!r});from pathlib import Path;"
            "from edigate.stages.parallel import Translation;"
            f"t=Translation(Path({str(path)!r}),None,Path({str(REPO / 'maps')!r}),'bigbox-850','bigbox',None,0);"
            "print(t._process.pid,flush=True);time.sleep(60)")
    gateway = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert gateway.stdout is not None
    with gateway.stdout:
        helper = int(gateway.stdout.readline())
    gateway.kill()
    gateway.wait()
    assert wait_until(lambda: not _alive(helper)), "the helper outlived its gateway"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def _decided(pipeline: Pipeline, path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], bytes]:
    """Each order's decision as stored, the rules' findings logged, and the 855s undated."""
    tx = pipeline.ingest(path, "bigbox")
    docs = pipeline.store.documents(transmission_id=tx.id, kind=DocumentKind.ORDER)
    errors = [(e.code, e.st02, e.line_number, e.segment_position, e.message)
              for e in pipeline.store.errors(tx.id) if e.stage == "rules"]
    [answers] = [o for o in pipeline.store.outbounds(tx.id) if o.set_id == "855"]
    undated = [s for s in tokenize(pipeline.archive.get(answers.sha256)) if s.id not in ("ISA", "GS")]
    return ([(d.key, d.status, d.decided, d.ack_body) for d in sorted(docs, key=lambda d: d.id)], errors,
            repr(undated).encode())


@pytest.mark.parametrize("kept_bytes, in_stage", [(None, 1), (1, 8)])  # 1 byte: only the first is kept
def test_orders_decided_as_they_are_translated_are_decided_as_the_decide_stage_decides_them(
        kept_bytes: int | None, in_stage: int, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, po, text = _orders(tmp_path, 9, unknown_items_in=()), "", []
    for line in path.read_text().splitlines(keepends=True):
        po = line.split("*")[3] if line.startswith("BEG*") else po
        if po in ("4500000002", "4500000007"):  # a price finding in each part: held
            line = line.replace("*12.49*", "*13.49*")
        text.append(line.replace("BEG*00*SA*4500000005*", "BEG*05*SA*4500000005*"))  # reads the store
    path.write_text("".join(text))
    from edigate.stages import decide, translate

    if kept_bytes is not None:
        monkeypatch.setattr(translate, "KEPT_BYTES", kept_bytes)
    decided_in_stage: list[int] = []
    deciding = decide._foreseen
    monkeypatch.setattr(decide, "_foreseen", lambda run, doc, *a: (decided_in_stage.append(doc.id),
                                                                    deciding(run, doc, *a))[1])
    got = _decided(_pipeline(tmp_path / "helped", store, helpers=1, parallel_from=4, bulk_855=2), path)
    assert len(decided_in_stage) == in_stage  # the replacement, and what was not kept: decided in the stage
    with Store.open(f"sqlite:///{tmp_path / 'alone.db'}") as alone:
        expected = _decided(_pipeline(tmp_path / "alone", alone, helpers=0, bulk_855=2), path)
    assert len(decided_in_stage) == in_stage + 9
    docs, errors, _ = got
    assert [d[1].value for d in docs] == ["accepted"] + ["held"] + ["accepted"] * 2 + ["held"] + [
        "accepted"] + ["held"] + ["accepted"] * 2
    assert all(d[3] for d in docs if d[1].value == "accepted") and {e[1] for e in errors} == {"0002", "0005", "0007"}
    assert got == expected


@pytest.mark.parametrize("stopped_before", ["rules", "outbound"])
def test_a_pass_stopped_after_orders_were_foreseen_is_resumed_by_another_deciding_alike(
        stopped_before: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _orders(tmp_path, 9, unknown_items_in=())
    from edigate.stages import runner

    run_stage = runner._run_stage

    def stopping(parts: Pipeline, run: object, stage: Stage, timeline: object = None) -> object:
        if stage.stored == stopped_before:
            raise KeyboardInterrupt  # the worker stopped: what this pass foresaw is gone with it
        return run_stage(parts, run, stage, timeline)  # type: ignore[arg-type]

    helped = _pipeline(tmp_path / "helped", store, helpers=1, parallel_from=4, bulk_855=2)
    monkeypatch.setattr(runner, "_run_stage", stopping)
    with pytest.raises(KeyboardInterrupt):
        helped.ingest(path, "bigbox")
    monkeypatch.setattr(runner, "_run_stage", run_stage)
    [tx] = store.transmissions()
    again = _pipeline(tmp_path / "helped", store, helpers=1, parallel_from=4, bulk_855=2).take(tx.id, "another")
    with Store.open(f"sqlite:///{tmp_path / 'alone.db'}") as alone:
        expected = _decided(_pipeline(tmp_path / "alone", alone, helpers=0, bulk_855=2), path)
    docs = store.documents(transmission_id=again.id, kind=DocumentKind.ORDER)
    [answers] = [o for o in store.outbounds(again.id) if o.set_id == "855"]
    undated = [s for s in tokenize(helped.archive.get(answers.sha256)) if s.id not in ("ISA", "GS")]
    assert again.status.value == "done"
    assert [(d.key, d.status, d.decided, d.ack_body) for d in sorted(docs, key=lambda d: d.id)] == expected[0]
    assert repr(undated).encode() == expected[2]


@pytest.mark.parametrize("kept_sets, kept_read", [(1, False), (3000, True)])
def test_this_process_keeps_at_most_kept_sets_of_its_share_and_else_reads_them_again_alike(
        kept_sets: int, kept_read: bool, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edigate.stages import translate, validate

    path = _orders(tmp_path, 9, unknown_items_in=())
    monkeypatch.setattr(validate, "KEPT_SETS", kept_sets)
    from_kept: list[int] = []
    kept = translate.translate_sets
    monkeypatch.setattr(translate, "translate_sets", lambda sets, *a: (from_kept.append(len(sets)), kept(sets, *a))[1])
    got = _decided(_pipeline(tmp_path / "helped", store, helpers=1, parallel_from=4, bulk_855=2), path)
    assert bool(from_kept) is kept_read and all(n <= kept_sets for n in from_kept)
    with Store.open(f"sqlite:///{tmp_path / 'alone.db'}") as alone:
        assert got == _decided(_pipeline(tmp_path / "alone", alone, helpers=0, bulk_855=2), path)
