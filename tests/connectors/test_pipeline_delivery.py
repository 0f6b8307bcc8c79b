"""The gateway routes to HTTP, SAP and template destinations named in a partner file: the
sample 850 in through the CLI, the orders out to local servers, a refusal in the queue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.connectors.sap_system import SapSystem
from tests.support.httpd import Answer, Request, serve
from tests.support.cli import BIGBOX, Cli, set_routing
from tests.support.cli import put_file as _file


def test_orders_reach_an_http_destination_once_each(cli: Cli, root: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_TOKEN", "erp-token")
    answers: list[Answer] = [(503, {"Retry-After": "0"}, b"busy")]

    def erp(r: Request) -> Answer:
        return answers.pop(0) if answers else (201, {}, b'{"created": true}')

    with serve(erp) as server:
        set_routing(root, f"""routing:
  - name: erp
    format: template
    template: exports/erp-order.yaml
    target:
      type: http
      url: {server.url}/api/orders
      auth: {{type: bearer, token: env:ERP_TOKEN}}
      backoff_seconds: 0
""")
        (root / "exports").mkdir()
        for name in ("erp-order.yaml", "erp-order.schema.json"):
            (root / "exports" / name).write_text((Path(__file__).parents[2] / "exports" / name).read_text())
        done = cli("ingest", _file(root, "po.x12", BIGBOX))
    assert done.returncode == 0, done.stdout + done.stderr
    delivered = [json.loads(r.body) for r in server.requests if r.body]
    assert sorted({d["orderNumber"] for d in delivered}) == ["4500012345", "4500012346"]
    assert len(server.requests) == 3  # one 503, retried once with the same key
    assert server.requests[0].header("idempotency-key") == server.requests[1].header("idempotency-key")
    assert all(r.header("authorization") == "Bearer erp-token" for r in server.requests)


def test_a_destination_that_keeps_failing_puts_each_order_in_the_queue(cli: Cli, root: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAP_PW", "s3cret")
    system = SapSystem("EDI_USER", "s3cret", receiver="S4HCLNT100")
    with serve(system) as server:
        set_routing(root, f"""routing:
  - name: s4
    format: idoc-orders05
    target:
      type: sap
      url: "{server.url}/sap/bc/idoc_xml?sap-client=100"
      auth: {{type: basic, user: EDI_USER, password: env:SAP_PW}}
      client: "100"
      sender_partner: EDIGATE
      receiver_port: SAPS4H
      receiver_partner: WRONGLS
      sold_to: "100042"
      sales_org: "1000"
      attempts: 2
      backoff_seconds: 0
""")
        done = cli("ingest", _file(root, "po.x12", BIGBOX))
    assert done.returncode == 1 and system.idocs == []
    errors = json.loads(cli("tx", "errors", "1", "--json").stdout)
    assert [(e["stage"], e["code"]) for e in errors] == [("route", "route.send")] * len(errors) and errors
    assert all("answered 500" in e["message"] and "No partner profile" in e["message"] for e in errors)


def test_orders_reach_sap_as_idocs_through_the_gateway(cli: Cli, root: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAP_PW", "s3cret")
    system = SapSystem("EDI_USER", "s3cret")
    with serve(system) as server:
        set_routing(root, f"""routing:
  - name: s4
    format: idoc-orders05
    target: {{type: sap, url: "{server.url}/sap/bc/idoc_xml?sap-client=100",
             auth: {{type: basic, user: EDI_USER, password: env:SAP_PW}}, client: "100",
             sender_partner: EDIGATE, receiver_port: SAPS4H, receiver_partner: S4HCLNT100,
             sold_to: "100042", sales_org: "1000"}}
""")
        done = cli("ingest", _file(root, "po.x12", BIGBOX))
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(system.idocs) == 2 and all(b"<IDOCTYP>ORDERS05</IDOCTYP>" in i for i in system.idocs)


def test_each_payload_is_its_own_outcome_and_a_reprocess_delivers_only_what_failed(
        cli: Cli, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_TOKEN", "erp-token")
    refuse = {"4500012346"}

    def erp(r: Request) -> Answer:
        if json.loads(r.body)["orderNumber"] in refuse:
            return 422, {"Content-Type": "application/json"}, b'{"error": "customer 100042 is on credit hold"}'
        return 201, {}, b'{"created": true}'

    with serve(erp) as server:
        set_routing(root, f"""routing:
  - name: erp
    format: template
    template: exports/erp-order.yaml
    target: {{type: http, url: "{server.url}/api/orders", auth: {{type: bearer, token: env:ERP_TOKEN}},
             backoff_seconds: 0}}
""")
        (root / "exports").mkdir()
        for name in ("erp-order.yaml", "erp-order.schema.json"):
            (root / "exports" / name).write_text((Path(__file__).parents[2] / "exports" / name).read_text())
        done = cli("ingest", _file(root, "po.x12", BIGBOX))
        errors = json.loads(cli("tx", "errors", "1", "--json").stdout)
        first = sorted(json.loads(r.body)["orderNumber"] for r in server.requests)
        outbox = sorted(p.name.split("-")[0] for p in (root / "demo" / "bigbox" / "out").iterdir())
        refuse.clear()
        again = cli("tx", "reprocess", "1")
        second = sorted(json.loads(r.body)["orderNumber"] for r in server.requests[len(first):])
    assert done.returncode == 1 and first == ["4500012345", "4500012346"]
    assert [(e["stage"], e["code"], e["po_number"]) for e in errors] == [("route", "route.send", "4500012346")]
    assert "422" in errors[0]["message"] and "credit hold" in errors[0]["message"]
    assert outbox == ["855", "997"]  # the delivered order answered; the refused one not yet
    assert again.returncode == 0, again.stdout + again.stderr
    assert second == ["4500012346"]  # the delivered one is not delivered twice
    after = sorted(p.name.split("-")[0] for p in (root / "demo" / "bigbox" / "out").iterdir())
    assert after == ["855", "855", "997"]
