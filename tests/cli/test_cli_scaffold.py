"""`edigate partners new` and `edigate maps new`: files that `partners check` accepts as
written, that point to the configuration reference, and that take a partner's first file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import BIGBOX, cli_runner


def test_a_new_partner_and_its_maps_are_checked_ok_and_take_a_file(tmp_path: Path) -> None:
    assert cli_runner(tmp_path)("init", "ws").returncode == 0
    root = tmp_path / "ws"
    cli = cli_runner(root)
    made = cli("partners", "new", "acme", "--name", "Acme Retail", "--isa-id", "ACMERETAIL", "--gs-id", "ACME",
               "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout) == {"files": ["partners/acme.yaml", "maps/acme-850.yaml"],
                                       "next": ["edigate partners check acme"]}
    partner = (root / "partners" / "acme.yaml").read_text()
    assert "docs/configuration.md" in partner and "docs/channels.md" in partner
    assert "extends: 850-4010" in (root / "maps" / "acme-850.yaml").read_text()
    mapped = cli("maps", "new", "acme-855", "--set", "855", "--json")
    assert mapped.returncode == 0 and json.loads(mapped.stdout)["files"] == ["maps/acme-855.yaml"]
    (root / "partners" / "acme.yaml").write_text(partner.replace("855: 855-4010", "855: acme-855"))
    checked = cli("partners", "check", "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["partners"] == [{"id": "acme", "ok": True}, {"id": "bigbox", "ok": True}]
    sent = BIGBOX.replace(b"BIGBOXRETAIL   ", b"ACMERETAIL     ").replace(b"GS*PO*BIGBOX*", b"GS*PO*ACME*")
    sent = sent.replace(b"*0*P*>", b"*0*T*>")  # a new partner starts in test (usage: T)
    (root / "acme.x12").write_bytes(sent)
    ingested = cli("ingest", "acme.x12", "--json")
    [tx] = json.loads(ingested.stdout)["transmissions"]
    assert ingested.returncode == 0 and (tx["partner"], tx["status"]) == ("acme", "done"), ingested.stderr
    orders = json.loads(cli("orders", "list", "--partner", "acme", "--json").stdout)
    assert [o["po_number"] for o in orders] == ["4500012345", "4500012346"]


def test_nothing_is_overwritten_and_bad_names_are_refused_in_one_line(tmp_path: Path) -> None:
    assert cli_runner(tmp_path)("init", "ws").returncode == 0
    cli = cli_runner(tmp_path / "ws")
    before = (tmp_path / "ws" / "partners" / "bigbox.yaml").read_bytes()
    for args, why in ((("partners", "new", "bigbox", "--name", "X", "--isa-id", "X"), "bigbox.yaml exists"),
                      (("maps", "new", "bigbox-850", "--set", "850"), "bigbox-850.yaml exists"),
                      (("partners", "new", "Big Box", "--name", "X", "--isa-id", "X"), "use lower-case letters"),
                      (("maps", "new", "x-850", "--set", "850", "--version", "005010"), "no base map '850-5010'"),
                      (("maps", "new", "x-850", "--set", "850", "--version", "4010"), "is not an X12 version")):
        done = cli(*args)
        assert done.returncode == 2 and why in done.stderr and len(done.stderr.splitlines()) == 1, (args, done.stderr)
    assert (tmp_path / "ws" / "partners" / "bigbox.yaml").read_bytes() == before
    assert not (tmp_path / "ws" / "maps" / "x-850.yaml").exists()
