"""The answer stage: an order an 860 changed is answered with an 865 whether its file is
small or large (from `Pipeline.bulk_855` decided orders on, the 855s travel in bulk)."""

from __future__ import annotations

from pathlib import Path

from edigate.store import DocumentKind, DocumentStatus, Status, Store

from tests.support.changes import CHANGE, ORDERS, answers
from tests.support.orders import pipeline, workspace


def test_an_860_in_a_bulk_file_is_answered_with_an_865_as_in_a_small_one(store: Store,
                                                                         tmp_path: Path) -> None:
    p = pipeline(store, workspace(tmp_path))
    p.bulk_855 = 1  # every file answers in bulk
    first = p.ingest(ORDERS, "bigbox")
    assert first.status is Status.DONE
    assert [(o.set_id, o.key) for o in store.outbounds(first.id)] == [
        ("997", f"ack:{first.id}:000000101"), ("855", f"855:{first.id}:bulk:1")]
    path = tmp_path / "860.x12"
    path.write_bytes(CHANGE.read_bytes())
    tx = p.ingest(path, "bigbox")
    assert tx.status is Status.DONE, [e.message for e in store.errors(tx.id)]
    [changed] = store.documents(transmission_id=tx.id, kind=DocumentKind.ORDER)
    assert changed.status is DocumentStatus.ACCEPTED and changed.ack_body is None
    outs = {o.set_id: o for o in store.outbounds(tx.id)}
    assert set(outs) == {"997", "865"} and outs["865"].key == f"865:{changed.id}"
    [ack] = answers(p.archive.get(outs["865"].sha256))
    assert ack.set_id == "865" and ack.group is not None and ack.group.functional_id == "CA"
