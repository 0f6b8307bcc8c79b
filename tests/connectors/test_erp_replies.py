"""The ERPs' answers through the running gateway: the sample 850 in, ORDERS05 IDocs to a local
SAP service, then SAP's ORDRSP, DESADV and INVOIC dropped on the target's ``replies``
channel, polled by ``edigate run --once``, become the partner's 855, 856 and 810, valid by
our validator and Bots' grammar; a reply that cannot be taken is a failed transmission
with its error log, not a loss. NetSuite's fulfillments and invoices, and Oracle's order
status, shipped fulfillment lines (with tracking) and Receivables invoices, are read back by
``edigate run`` with marks kept in the store: nothing twice, and an order shipped and billed
in full is no longer asked about."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from edigate.gateway.scheduler import Gateway
from edigate.store import Status, Store
from tests.connectors.netsuite_system import NetSuite, problem
from tests.connectors.oracle_system import Fusion
from tests.connectors.sap_system import SapSystem, desadv, invoic, ordrsp
from tests.support.cli import BIGBOX, Cli, cli_runner, set_routing
from tests.support.cli import put_file as _file
from tests.support.erp import file_problems
from tests.support.gateway import make_workspace, open_pipeline
from tests.support.httpd import serve
from tests.support.waiting import wait_until

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ORDERS05 [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ORDERS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><MESTYP>ORDRSP</MESTYP></EDI_DC40>
<E1EDK02 SEGMENT="1"><QUALF>001</QUALF><BELNR>&secret;</BELNR><DATUM>20261201</DATUM></E1EDK02>
</IDOC></ORDERS05>"""


def route_to_sap(root: Path, url: str, extra: str = "") -> None:
    set_routing(root, f"""routing:
  - name: s4
    format: idoc-orders05
    target: {{type: sap, url: "{url}/sap/bc/idoc_xml?sap-client=100",
             auth: {{type: basic, user: EDI_USER, password: env:SAP_PW}}, client: "100",
             sender_partner: EDIGATE, receiver_port: SAPS4H, receiver_partner: S4HCLNT100,
             sold_to: "100042", sales_org: "1000",
             replies: {{type: folder, path: sap/replies, glob: "*.xml", ready: rename}}{", " + extra if extra else ""}}}
""")


def outbox(root: Path) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for path in sorted((root / "demo" / "bigbox" / "out").iterdir()):
        found.setdefault(path.name.split("-")[0], []).append(path.read_bytes())
    return found


def test_sap_replies_become_855_856_810_through_the_running_gateway(cli: Cli, root: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAP_PW", "s3cret")
    system = SapSystem("EDI_USER", "s3cret")
    with serve(system) as server:
        route_to_sap(root, server.url)
        assert cli("ingest", _file(root, "po.x12", BIGBOX)).returncode == 0
    replies = root / "sap" / "replies"
    replies.mkdir(parents=True)
    for n, idoc in enumerate(system.idocs):
        for kind, data in (("ordrsp", ordrsp(idoc)), ("desadv", desadv(idoc, delivery=f"008000123{n}")),
                           ("invoic", invoic(idoc))):
            (replies / f"{kind}-{n}.xml").write_bytes(data)
    (replies / "unknown.xml").write_bytes(ordrsp(system.idocs[0]).replace(b"4500012345", b"9999999999"))
    (replies / "xxe.xml").write_bytes(XXE)
    ran = cli("run", "--once")
    assert "replies:" not in ran.stderr, ran.stderr  # the other partners' channels are not set up here
    listed = json.loads(cli("tx", "list", "--json").stdout)
    by_file = {t["file_name"]: t for t in listed}
    assert all(by_file[f"{k}-{n}.xml"]["status"] == "done" for k in ("ordrsp", "desadv", "invoic") for n in (0, 1))
    assert by_file["unknown.xml"]["status"] == "failed" and by_file["xxe.xml"]["status"] == "failed"
    codes = {name: [e["code"] for e in json.loads(cli("tx", "errors", str(by_file[name]["id"]), "--json").stdout)]
             for name in ("unknown.xml", "xxe.xml")}
    assert codes == {"unknown.xml": ["reply.unknown_order"], "xxe.xml": ["sap.reply"]}
    sent = outbox(root)
    assert (len(sent["855"]), len(sent["856"]), len(sent["810"])) == (4, 2, 2)  # ours twice, SAP's twice
    for set_id in ("855", "856", "810"):
        for data in sent[set_id]:
            assert file_problems(data) == [], (set_id, data.decode())
    assert b"/etc/passwd" not in b"".join(b for files in sent.values() for b in files)


def test_netsuite_fulfillments_and_invoices_read_back_once_as_856_and_810(cli: Cli, root: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NS_CONSUMER_SECRET", "cons-secret")
    monkeypatch.setenv("NS_TOKEN_SECRET", "tok-secret")
    system = NetSuite("1234567_SB1", "cons-secret", "tok-secret")
    with serve(system) as server:
        system.url = server.url
        set_routing(root, f"""routing:
  - name: ns
    format: netsuite-salesorder
    target: {{type: netsuite, url: "{server.url}", customer: "4242", backoff_seconds: 0, read_back: true,
             auth: {{type: oauth1, consumer_key: ck, consumer_secret: env:NS_CONSUMER_SECRET, token_id: tk,
                    token_secret: env:NS_TOKEN_SECRET, realm: 1234567_SB1}}}}
""")
        assert cli("ingest", _file(root, "po.x12", BIGBOX)).returncode == 0
        assert system.created == 2
        first = cli("run", "--once", "--json")  # nothing shipped yet: nothing read back
        for n, eid in enumerate(system.orders):
            system.fulfil_and_bill(eid, bill=n == 0)  # the second order is shipped, not billed yet
        system.fail.append(problem(401, "Unauthorized", "INVALID_LOGIN", "Invalid login attempt."))
        refused = cli("run", "--once", "--json")  # nothing read, nothing lost: the mark stays
        second = cli("run", "--once", "--json")
        third = cli("run", "--once", "--json")  # a restart reads from its mark: nothing twice
        queries = system.queries
    assert json.loads(first.stdout)["transmissions"] == []
    assert json.loads(refused.stdout)["transmissions"] == [] and refused.returncode == 2
    assert any("bigbox:ns" in p and "INVALID_LOGIN" in p for p in json.loads(refused.stdout)["channel_problems"])
    read = json.loads(second.stdout)["transmissions"]
    assert sorted(t["file"] for t in read) == ["netsuite-IF1.json", "netsuite-IF2.json", "netsuite-INV1.json"]
    assert all(t["status"] == "done" for t in read)
    assert json.loads(third.stdout)["transmissions"] == []
    assert "TO_DATE('2026-12-10', 'YYYY-MM-DD')" in queries[-1]  # the high-water mark, kept in the store
    assert "'bigbox-4500012346')" in queries[-1] and "4500012345" not in queries[-1]  # shipped and billed: done
    sent = outbox(root)
    assert (len(sent["856"]), len(sent["810"])) == (2, 1)
    for data in [*sent["856"], *sent["810"]]:
        assert file_problems(data) == [], data.decode()


def route_to_oracle(root: Path, url: str) -> None:
    """BigBox's orders routed to the Oracle pod at ``url``, read back (secret: $ORACLE_SECRET)."""
    set_routing(root, f"""routing:
  - name: fusion
    format: oracle-salesorder
    target: {{type: oracle, url: "{url}", source_system: EDIGATE, business_unit: Vision Operations,
             buying_party_number: "1006", backoff_seconds: 0, read_back: true,
             auth: {{type: oauth2, token_url: "{url}/oauth2/v1/token", client_id: edigate,
                    client_secret: env:ORACLE_SECRET}}}}
""")


def test_oracle_orders_are_created_once_and_their_status_changes_read_back(cli: Cli, root: Path, url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORACLE_SECRET", "secret")
    pod = Fusion()
    with serve(pod) as server:
        route_to_oracle(root, server.url)
        assert cli("ingest", _file(root, "po.x12", BIGBOX)).returncode == 0
        cli("run", "--once")
        pod.orders[("EDIGATE", "bigbox-4500012345")]["StatusCode"] = "CLOSED"
        cli("run", "--once")
        cli("run", "--once")  # nothing changed: nothing noted again
    assert sorted(pod.orders) == [("EDIGATE", "bigbox-4500012345"), ("EDIGATE", "bigbox-4500012346")]
    with Store.open(url) as store:
        said = sorted(e.message for e in store.events(code="readback.status"))
    assert said == ["PO 4500012345: Oracle says CLOSED", "PO 4500012345: Oracle says OPEN",
                    "PO 4500012346: Oracle says OPEN"]


def test_an_oracle_order_we_cannot_use_is_a_problem_of_its_own_and_the_next_is_still_read(
        cli: Cli, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORACLE_SECRET", "secret")
    pod = Fusion()
    with serve(pod) as server:
        route_to_oracle(root, server.url)
        assert cli("ingest", _file(root, "po.x12", BIGBOX)).returncode == 0
        cli("run", "--once")
        pod.ship("bigbox-4500012345", "1", 24, "2026-12-10")
        pod.line("bigbox-4500012345", "1")["SourceTransactionLineId"] = "9"  # a line PO 4500012345 does not have
        pod.ship("bigbox-4500012346", "1", 120, "2026-12-10")
        ran = cli("run", "--once", "--json")
    out = json.loads(ran.stdout)
    assert ran.returncode == 2
    assert [p for p in out["channel_problems"] if "fusion" in p] == [
        "bigbox:fusion: Oracle order 500000 ships line 9, which PO 4500012345 does not have"]
    assert [t["status"] for t in out["transmissions"]] == ["done"]  # PO 4500012346's shipment, read after it
    [asn] = outbox(root)["856"]
    assert b"4500012346" in asn and b"4500012345" not in asn


def test_oracle_shipments_and_invoices_become_the_856_and_810_once_each(cli: Cli, root: Path, url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORACLE_SECRET", "secret")
    pod = Fusion()
    with serve(pod) as server:
        route_to_oracle(root, server.url)
        assert cli("ingest", _file(root, "po.x12", BIGBOX)).returncode == 0
        nothing = json.loads(cli("run", "--once", "--json").stdout)["transmissions"]
        pod.ship("bigbox-4500012345", "1", 24, "2026-12-10", tracking="1Z999AA10123456784")
        pod.ship("bigbox-4500012346", "1", 120, "2026-12-10", tracking="1Z999AA10123456791")
        pod.ship("bigbox-4500012346", "2", 60, "2026-12-10")
        pod.bill("bigbox-4500012346", ["1", "2"], "2026-12-11")  # 4500012346 shipped and billed in full
        first = json.loads(cli("run", "--once", "--json").stdout)["transmissions"]
        pod.reads.clear()
        again = json.loads(cli("run", "--once", "--json").stdout)["transmissions"]  # nothing twice
        done_read = list(pod.reads)
        pod.ship("bigbox-4500012345", "2", 48, "2026-12-11")
        pod.bill("bigbox-4500012345", ["1", "2"], "2026-12-12")
        later = json.loads(cli("run", "--once", "--json").stdout)["transmissions"]
    assert nothing == [] and again == []
    assert done_read == ["bigbox-4500012345"]  # the order shipped and billed in full is not asked about again
    assert sorted(t["file"].split("-")[1] for t in first) == ["500000", "500001", "invoice"]
    assert sorted(t["file"] for t in later)[1] == "oracle-invoice-700101.json"
    assert len(later) == 2 and all(t["status"] == "done" for t in first + later)
    sent = outbox(root)
    asn, bills = sent["856"], sent["810"]
    assert (len(asn), len(bills)) == (3, 2)
    for data in asn + bills:
        assert file_problems(data) == [], data.decode()
    shipped = b"".join(asn)
    assert [shipped.count(sn1) for sn1 in (b"SN1*1*24*EA", b"SN1*1*120*EA", b"SN1*2*60*EA", b"SN1*2*48*EA")] == [1] * 4
    assert b"SN1*3*" not in shipped  # line 3 has not shipped
    assert shipped.count(b"REF*CN*1Z999AA10123456784~") == 1 and shipped.count(b"REF*CN*1Z999AA10123456791~") == 1
    billed = b"".join(bills)
    assert b"BIG*20261211*700100*20261118*4500012346" in billed and b"BIG*20261212*700101*20261118*4500012345" in billed
    with Store.open(url) as store:
        assert store.mark_value("readback.high_water", "bigbox:fusion") is None  # only NetSuite's reads keep one


def test_sap_posts_its_idocs_to_the_listener_and_they_become_the_856(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAP_PW", "s3cret")
    monkeypatch.setenv("SAP_POST_PW", "p0st")
    root = make_workspace(tmp_path / "ws", "  outbound: {type: folder, path: demo/bigbox/out}\n",
                          edigate_yaml="as2:\n  host: 127.0.0.1\n  port: 8080\n")
    system = SapSystem("EDI_USER", "s3cret")
    with serve(system) as server:
        route_to_sap(root, server.url, extra="replies_login: {type: basic, user: SAPPOST, password: env:SAP_POST_PW}")
        assert cli_runner(root)("ingest", _file(root, "po.x12", BIGBOX)).returncode == 0
    pipeline = open_pipeline(root)
    gateway = Gateway(pipeline, settle_seconds=0, as2_port=0)
    gateway.start()
    try:
        assert gateway.listener is not None
        inbox = gateway.listener.url + "sap/bigbox/s4"
        with httpx.Client(timeout=30) as client:
            refused = client.post(inbox, content=desadv(system.idocs[0]), auth=("SAPPOST", "wrong"))
            taken = client.post(inbox, content=desadv(system.idocs[0]), auth=("SAPPOST", "p0st"),
                                headers={"Content-Type": "application/xml"})
            empty = client.post(inbox, content=b"", auth=("SAPPOST", "p0st"))
        assert wait_until(lambda: any(t.status is Status.DONE and t.channel == "replies:http"
                                      for t in pipeline.store.transmissions()))
        store_transmissions = pipeline.store.transmissions()
    finally:
        gateway.stop()
        pipeline.store.close()
    assert (refused.status_code, taken.status_code, empty.status_code) == (401, 200, 411)  # nothing: nothing recorded
    assert len([t for t in store_transmissions if t.channel == "replies:http"]) == 1
    asn = outbox(root)["856"]
    assert len(asn) == 1 and file_problems(asn[0]) == []
