"""``--json`` on init, partners, ingest, run --once, ship, invoice and archive sweep: one JSON
document of the shape the README gives; errors stay one line on stderr, exit codes as without."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.support.cli import Cli, cli_runner
from tests.support.paths import REPO


def _json(cli: Cli, *args: str, code: int = 0) -> Any:
    done = cli(*args, "--json")
    assert done.returncode == code, done.stderr
    return json.loads(done.stdout)


def test_json_on_the_workspace_commands(tmp_path: Path) -> None:
    made = _json(cli_runner(tmp_path), "init", "ws")
    assert set(made) == {"workspace", "files", "store", "next"} and "edigate.yaml" in made["files"]
    root = Path(made["workspace"])
    cli = cli_runner(root)
    [partner] = _json(cli, "partners", "list")
    assert set(partner) == {"id", "name", "isa_qualifier", "isa_id", "version", "usage", "inbound", "outbound"}
    assert (partner["id"], partner["inbound"]) == ("bigbox", ["850", "860"])  # bigbox acts on 860s too
    assert _json(cli, "partners", "check") == {"partners": [{"id": "bigbox", "ok": True}], "connections": None}
    probes = _json(cli, "partners", "check", "--connect", code=1)["connections"]  # no folders yet
    assert [(p["name"], p["type"], p["ok"]) for p in probes] == [("bigbox:in", "folder", False),
                                                                 ("bigbox:out", "folder", False)]
    assert set(probes[0]) == {"name", "type", "ok", "detail"} and "does not exist" in probes[0]["detail"]

    ingested = _json(cli, "ingest", "samples/x12/bigbox-850-4010.x12")
    [tx] = ingested["transmissions"]
    assert set(tx) >= {"id", "partner", "status", "stage", "isa13", "file", "received_at", "path", "exit_code",
                       "why", "queued"}
    assert (tx["status"], tx["exit_code"], ingested["exit_code"]) == ("done", 0, 0)
    again = _json(cli, "ingest", "samples/x12/bigbox-850-4010.x12")["transmissions"][0]
    assert again["status"] == "duplicate" and "duplicate of transmission 1" in again["why"][0]
    (root / "demo" / "bigbox" / "in").mkdir(parents=True, exist_ok=True)
    passed = _json(cli, "run", "--once")
    assert passed == {"transmissions": [], "channel_problems": [], "worker_failures": [], "undelivered": [],
                      "exit_code": 0}
    swept = _json(cli, "archive", "sweep", "--dry-run")
    assert set(swept) == {"dry_run", "archive", "retention_days", "removed", "events_retention_days",
                          "events_pruned"} and swept["dry_run"] is True and swept["removed"] == []


def test_json_on_ship_and_invoice(tmp_path: Path) -> None:
    root = Path(_json(cli_runner(tmp_path), "init", "ws")["workspace"])
    shutil.copyfile(REPO / "samples" / "data" / "bigbox-shipment.csv", root / "shipment.csv")
    cli = cli_runner(root)
    assert _json(cli, "ingest", "samples/x12/bigbox-850-4010.x12")["exit_code"] == 0
    partner = root / "partners" / "bigbox.yaml"
    text = partner.read_text()
    partner.write_text(text.replace("    810: bigbox-810\n", ""))  # billed on demand, not on shipment
    shipped = _json(cli, "ship", "shipment.csv", "--partner", "bigbox")
    assert set(shipped) == {"shipment", "orders", "outputs", "problems"}
    assert (shipped["shipment"], shipped["orders"], shipped["problems"]) == ("SHP-26-0001", ["4500012345"], [])
    assert [o["set_id"] for o in shipped["outputs"]] == ["856"]
    assert set(shipped["outputs"][0]) == {"id", "partner", "set_id", "isa13", "gs06", "st02", "transmission_id",
                                          "archive_path", "sent_at"}
    partner.write_text(text)
    billed = _json(cli, "invoice", "4500012345", "--partner", "bigbox")
    assert billed["po"] == "4500012345" and [o["set_id"] for o in billed["outputs"]] == ["810"]
    refused = cli("invoice", "4500012345", "--partner", "bigbox", "--json")  # an error stays one stderr line
    assert (refused.returncode, refused.stdout) == (1, "") and len(refused.stderr.splitlines()) == 1
    missing = cli("ship", "nothing.csv", "--partner", "bigbox", "--json")
    assert (missing.returncode, missing.stdout) == (2, "") and len(missing.stderr.splitlines()) == 1
