"""`edigate schema` prints the JSON Schema of every canonical document, the 860's change too."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run_edigate as run


@pytest.mark.parametrize(("document", "title"), [("order", "Order"), ("poack", "PoAck"), ("shipment", "Shipment"),
                                                 ("invoice", "Invoice"), ("change", "OrderChange")])
def test_schema_prints_each_document(document: str, title: str) -> None:
    code, out, _ = run("schema", document)
    assert code == 0 and json.loads(out)["title"] == title


def test_an_unknown_schema_is_a_usage_error() -> None:
    code, out, err = run("schema", "receipt")
    assert code == 2 and out == "" and "change" in err and "Traceback" not in err
