from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from edigate.cli.main import main
from tests.support.cli import cli_runner, run_in_process

BAD_INPUTS = {
    "empty.x12": b"",
    "junk.bin": bytes(range(256)) * 4,
    "truncated.x12": b"ISA*00*    ",
    "short-isa.x12": b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *261126*1200*U*00401*1*0*P*>",
}


def run(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "edigate.cli.main", *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def in_process(*args: str) -> tuple[int, str, str]:
    """`run`'s command as `edigate.cli.main.main` runs it in this process (for the commands'
    behaviour; `run` stays a real process for the program's exit codes and bad inputs)."""
    done = run_in_process(Path.cwd(), *args)
    return done.returncode, done.stdout, done.stderr


def test_parse_prints_structure(samples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["x12", "parse", str(samples / "bigbox-850-4010.x12")]) == 0
    out = capsys.readouterr().out
    assert "1 interchange(s), 2 transaction set(s)" in out
    assert "GS PO 1001" in out and "ST 850 0002" in out


def test_parse_json_structure(samples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["x12", "parse", str(samples / "distrib-850-5010.x12"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    isa = doc["interchanges"][0]
    assert doc["valid"] is True and doc["segments"] == 30 and doc["findings"] == []
    assert isa["sender"] == {"qualifier": "01", "id": "123456789"}
    assert isa["delimiters"] == {"element": "|", "component": ":", "segment": "\n", "repetition": "^", "suffix": ""}
    assert isa["groups"][0]["version"] == "005010"
    assert isa["groups"][0]["sets"][0] == {"id": "850", "control_number": "0001", "segments": 26,
                                           "offset": isa["groups"][0]["sets"][0]["offset"], "accepted": True}


def test_validate_exit_codes(samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = samples / "dropship-850-4010.x12"
    assert main(["x12", "validate", str(good)]) == 0
    assert capsys.readouterr().out.endswith("valid: 1 transaction sets, 0 errors\n")
    bad = tmp_path / "bad.x12"
    bad.write_bytes(good.read_bytes().replace(b"SE*24*7745", b"SE*25*7745"))
    assert main(["x12", "validate", str(bad), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [(f["level"], f["code"], f["segment_id"], f["element"], f["value"]) for f in doc["findings"]] == [
        ("AK5", "4", "SE", 1, "25")]


def test_parse_and_validate_print_a_partners_names_escaped(samples: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    forged = tmp_path / "po.x12\n x.x12: valid: 9 transaction sets, 0 errors\x1b[2J"
    sample = (samples / "bigbox-850-4010.x12").read_bytes()
    forged.write_bytes(sample.replace(b"BIGBOXRETAIL   ", b"BIGBOX\x1b[2J\rXXXX"))
    assert main(["x12", "validate", str(forged)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line == (f"{tmp_path}/po.x12\\n x.x12: valid: 9 transaction sets, 0 errors\\x1b[2J: "
                    "valid: 2 transaction sets, 0 errors")
    assert main(["x12", "parse", str(forged)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and len(out.splitlines()) == 5
    assert "ZZ:BIGBOX\\x1b[2J\\rXXXX -> ZZ:EDIGATE" in out


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    for command in ("parse", "validate"):
        code, out, err = run("x12", command, str(path))
        assert code == 2, err
        assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert err.startswith(f"edigate: error: {path}")


def test_missing_iea_is_exit_1(tmp_path: Path, samples: Path) -> None:
    path = tmp_path / "no-iea.x12"
    path.write_bytes((samples / "bigbox-850-4010.x12").read_bytes().rsplit(b"IEA", 1)[0])
    code, out, err = run("x12", "validate", str(path))
    assert code == 1 and err == ""
    assert "TA1 023" in out


def test_missing_file_and_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = run("x12", "parse", str(tmp_path / "nope.x12"))
    assert code == 2 and err.strip() == f"edigate: error: {tmp_path / 'nope.x12'}: cannot read: No such file or directory"
    code, _, err = run("x12", "frobnicate")
    assert code == 2 and "invalid choice" in err


def test_ingest_and_tx_commands(tmp_path: Path, samples: Path) -> None:
    from tests.support.paths import REPO

    shutil.copytree(REPO / "partners", tmp_path / "partners")
    shutil.copytree(REPO / "maps", tmp_path / "maps")
    shutil.copytree(REPO / "samples" / "data", tmp_path / "samples" / "data")
    cli = cli_runner(tmp_path)
    first = cli("ingest", str(samples / "bigbox-850-4010.x12"), "--partner", "bigbox")
    assert first.returncode == 0 and first.stdout.split()[:2] == ["1", "done"], first.stderr
    again = cli("ingest", str(samples / "bigbox-850-4010.x12"), "--partner", "bigbox")
    assert again.stdout.split()[:2] == ["2", "duplicate"]
    listing = json.loads(cli("tx", "list", "--json").stdout)
    assert [(t["id"], t["status"]) for t in listing] == [(2, "duplicate"), (1, "done")]
    shown = json.loads(cli("tx", "show", "1", "--json").stdout)
    assert [s["stage"] for s in shown["stages"]][:3] == ["envelope", "validate", "map"]
    assert {o["set_id"] for o in shown["outputs"]} == {"997", "855"}
    missing = cli("tx", "show", "99")
    assert missing.returncode == 2 and missing.stderr.strip() == "edigate: error: no transmission 99"
    assert cli("tx", "resolve", "2", "--note", "resend, nothing to do").stdout.strip() == "transmission 2: resolved"

    outbox = tmp_path / "demo" / "bigbox" / "out"
    sent = sorted(p.name for p in outbox.iterdir())
    for p in outbox.iterdir():
        p.unlink()  # the partner lost them
    resent = cli("tx", "resend", "1", "--set", "855")
    assert resent.returncode == 0 and resent.stdout.count("resent 855 ISA13") == 2, resent.stderr
    assert sorted(p.name for p in outbox.iterdir()) == [n for n in sent if n.startswith("855-")]
    nothing = cli("tx", "resend", "1", "--set", "810")
    assert nothing.returncode == 2 and nothing.stderr.strip() == "edigate: error: transmission 1 has no 810 documents to resend"
    from edigate.cli.actor import current_actor
    from edigate.store import AuditAction, Store

    with Store.open(f"sqlite:///{tmp_path / 'edigate.db'}") as store:
        [audit] = [a for a in store.audit_events(transmission_id=1) if a.action is AuditAction.RESEND]
        assert audit.actor == current_actor() != "cli" and audit.note.count("855 ISA13") == 2  # the OS user
        assert all(t.claimed_by is None or t.claimed_by.startswith("ingest-") for t in store.transmissions())

    assert cli("archive", "sweep", "--dry-run").stdout.startswith("would remove 0 archived file(s) older than 365")


def test_validate_writes_acks(tmp_path: Path, samples: Path) -> None:
    out = tmp_path / "ack.x12"
    code, stdout, err = in_process("x12", "validate", str(samples / "distrib-850-5010.x12"), "--ack", "999", "--out", str(out))
    assert code == 0 and err == ""
    text = out.read_text()
    assert "|999|" in text and "TA1|000023001|261119|1405|A|000" in text and "IK5|A" in text
    code, _, _ = in_process("x12", "validate", str(out))
    assert code == 0


def test_translate_and_maps_test(samples: Path, tmp_path: Path) -> None:
    from tests.support.paths import REPO

    code, out, err = in_process("translate", str(samples / "dropship-850-4010.x12"), "--partner", "dropship", "--json")
    assert code == 0, err
    [result] = json.loads(out)
    assert result["order"]["po_number"] == "MKT-99018832" and result["isa13"] == "000007745" and result["ok"]
    expect = REPO / "tests" / "mapping" / "expected" / "dropship-850-4010.json"
    code, out, _ = in_process("maps", "test", "dropship-850", str(samples / "dropship-850-4010.x12"), "--expect", str(expect))
    assert code == 0 and out.strip().endswith("matches")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(expect.read_text().replace("MKT-99018832", "MKT-0"))
    code, out, _ = in_process("maps", "test", "dropship-850", str(samples / "dropship-850-4010.x12"), "--expect", str(wrong))
    assert code == 1 and "MKT-0" in out


def test_partners_and_schema_commands() -> None:
    code, out, _ = in_process("partners", "list")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == ["bigbox", "distrib", "dropship"]
    code, out, _ = in_process("partners", "check", "bigbox")
    assert (code, out.strip()) == (0, "bigbox: ok")
    code, _, err = in_process("partners", "check", "nobody")
    assert code == 2 and err.strip() == "edigate: error: no partner 'nobody'; known: bigbox, distrib, dropship"
    code, out, _ = in_process("schema", "invoice")
    assert code == 0 and json.loads(out)["title"] == "Invoice"


def test_translate_with_unknown_partner_is_one_line(samples: Path) -> None:
    code, out, err = run("translate", str(samples / "bigbox-850-4010.x12"), "--partner", "nobody")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _workspace_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """A copy of the bundled partners, maps and data, and the `edigate` command run in it."""
    from tests.support.paths import REPO

    for folder in ("partners", "maps", "samples/data"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    return cli_runner(tmp_path)


def test_a_misspelt_rule_setting_is_refused_by_check_and_ingest(tmp_path: Path, samples: Path) -> None:
    cli = _workspace_cli(tmp_path)
    partner = tmp_path / "partners" / "bigbox.yaml"
    text = partner.read_text()
    partner.write_text(text.replace("tolerance_percent", "tolerence_percent"))
    line = text[: text.index("tolerance_percent")].count("\n") + 1
    located = (f"partners/bigbox.yaml:{line}: rules.prices.tolerence_percent: unknown key "
               "(did you mean 'tolerance_percent'?)")
    check = cli("partners", "check")
    assert (check.returncode, check.stdout) == (2, "")
    assert check.stderr.splitlines() == [f"edigate: error: {located}"]
    ingest = cli("ingest", str(samples / "bigbox-850-4010.x12"), "--partner", "bigbox")
    assert ingest.returncode != 0 and located in ingest.stderr + ingest.stdout + cli("tx", "errors", "1").stdout
    partner.write_text(text)  # fixed: the file waiting is processed on reprocess
    assert cli("partners", "check", "bigbox").stdout == "bigbox: ok\n"
    again = cli("tx", "reprocess", "1")
    assert again.returncode == 0 and again.stdout.strip().endswith(": done"), again.stderr


def test_partners_check_reports_every_problem_of_every_partner(tmp_path: Path) -> None:
    cli = _workspace_cli(tmp_path)
    (tmp_path / "partners" / "distrib.yaml").write_text("id: distrib\nname: [\n")
    with (tmp_path / "maps" / "bigbox-850.yaml").open("a") as fh:
        fh.write("order:\n  release_number: BEG14\n")
    check = cli("partners", "check")
    assert check.returncode == 2 and check.stdout == ""
    assert [line.split(": ")[2:4] for line in check.stderr.splitlines()] == [
        ["partners/distrib.yaml:3", "invalid YAML"],
        ["maps/bigbox-850.yaml:17", "order.release_number"],
    ]
    only = cli("partners", "check", "dropship")
    assert (only.returncode, only.stdout) == (0, "dropship: ok\n")


def test_validate_reports_the_code_its_ack_carries(tmp_path: Path, samples: Path) -> None:
    source = (samples / "distrib-850-5010.x12").read_text()
    bad = tmp_path / "gs07.x12"
    bad.write_text(source.replace("|501|X|005010", "|501|U|005010"))
    code, out, _ = in_process("x12", "validate", str(bad), "--json")
    assert code == 1 and [f["code"] for f in json.loads(out)["findings"]] == ["024"]
    for kind in ("ta1", "999"):
        acks = tmp_path / f"{kind}.x12"
        code, _, err = in_process("x12", "validate", str(bad), "--ack", kind, "--out", str(acks))
        assert (code, err) == (1, "")
        assert acks.read_text().splitlines()[1:] == ["TA1|000023001|261119|1405|R|024", "IEA|0|000000001"]


def test_validate_refuses_to_acknowledge_acks(tmp_path: Path, samples: Path) -> None:
    ack = tmp_path / "999.x12"
    assert in_process("x12", "validate", str(samples / "distrib-850-5010.x12"), "--ack", "999", "--out", str(ack))[0] == 0
    again = tmp_path / "again.x12"
    code, out, err = in_process("x12", "validate", str(ack), "--ack", "997", "--out", str(again))
    assert (code, out) == (2, "") and not again.exists()
    assert err.splitlines() == [f"edigate: error: {ack}: holds functional acknowledgments (997/999), which no 997 "
                                "answers; use --ack ta1 to acknowledge the interchange"]
    code, _, _ = in_process("x12", "validate", str(ack), "--ack", "ta1", "--out", str(again))
    assert code == 0 and "TA1|000000001|" in again.read_text()


def test_tx_errors_names_the_order_line_and_item(tmp_path: Path, samples: Path) -> None:
    cli = _workspace_cli(tmp_path)
    text = (samples / "bigbox-850-4010.x12").read_text().replace("PO1*2*60*EA*15.00", "PO1*2*60*EA*16.00")
    path = tmp_path / "price.x12"
    path.write_text(text.replace("AMT*TT*1854.00", "AMT*TT*1914.00"))
    assert cli("ingest", str(path), "--partner", "bigbox").stdout.split()[:2] == ["1", "held"]
    [line] = cli("tx", "errors", "1").stdout.splitlines()
    assert ("rule.price.mismatch: PO 4500012346 ST02 0002 line 2 SKU ACM-4520 (buyer item 30232) PO1 @17 "
            "element 4: price 16.00 differs" in line)
    [entry] = json.loads(cli("tx", "errors", "1", "--json").stdout)
    assert {k: entry[k] for k in ("po_number", "st02", "line_number", "sku", "buyer_item", "segment_position")} == {
        "po_number": "4500012346", "st02": "0002", "line_number": "2", "sku": "ACM-4520", "buyer_item": "30232",
        "segment_position": 17}
