"""Orders for the domain tests: the samples translated, rules of the example partners, and a
workspace whose dropship partner promises from a stock feed the test writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

from edigate.config.partners import load_partner, load_partners
from edigate.config.workspace import Workspace
from edigate.mapping.translate import translate_file
from edigate.model import Order
from edigate.orders.rules import RuleSet, load_rules
from edigate.stages.pipeline import Pipeline
from edigate.store import AllocationStatus, Store
from edigate.store.archive import Archive
from edigate.x12.envelope import EnvelopeReader, Transaction
from tests.support.paths import REPO

__all__ = ["FEED", "SAMPLE", "TODAY", "acks", "pipeline", "rules_of", "sample_order", "taken", "with_line",
           "workspace"]


TODAY = dt.date(2026, 11, 26)


def rules_of(partner: str) -> RuleSet:
    p = load_partner(REPO / "partners" / f"{partner}.yaml")
    return load_rules(p.rules, file=p.file, root=REPO)


def sample_order(partner: str, sample: str) -> Order:
    [first, *_] = translate_file(REPO / "samples" / "x12" / f"{sample}.x12", partner, maps_dir=REPO / "maps",
                                 partners_dir=REPO / "partners")
    assert first.order is not None
    return first.order


def with_line(order: Order, n: int, **changes: object) -> Order:
    lines = list(order.lines)
    lines[n] = dataclasses.replace(lines[n], **changes)
    return dataclasses.replace(order, lines=tuple(lines))


SAMPLE = REPO / "samples" / "x12" / "dropship-850-4010.x12"


FEED = "sku,warehouse,on_hand,available_date\nACM-1001,,500,\nACM-2040,,{spatulas},{date}\n"


def workspace(tmp_path: Path, *, spatulas: int = 240, date: str = "", **edits: str) -> Workspace:
    """The example partners with dropship's feed in the workspace (``stock.csv``) and ``edits``
    (text -> replacement) applied to dropship.yaml."""
    shutil.copytree(REPO / "partners", tmp_path / "partners")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    path = tmp_path / "partners" / "dropship.yaml"
    text = path.read_text(encoding="utf-8").replace("file: samples/data/inventory.csv", "file: stock.csv")
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    (tmp_path / "stock.csv").write_text(FEED.format(spatulas=spatulas, date=date), encoding="utf-8")
    return Workspace(root=tmp_path, maps_dir=str(REPO / "maps"), partners_dir=str(tmp_path / "partners"))


def pipeline(store: Store, ws: Workspace) -> Pipeline:
    """The gateway on ``store`` and the stock workspace ``ws``, on `TODAY`, folder channels only."""
    return Pipeline(ws, store, Archive(ws.root / "archive"), load_partners(ws.partners_path, root=ws.root),
                    today=TODAY, channel_types=("folder",))


def acks(p: Pipeline, tx_id: int) -> list[list[str]]:
    """ACK01..ACK05 of every 855 the transmission sent."""
    rows = []
    for out in p.store.outbounds(tx_id):
        if out.set_id == "855":
            for event in EnvelopeReader(p.archive.get(out.sha256)):
                if isinstance(event, Transaction):
                    rows += [[s.get(n) for n in range(1, 6)] for s in event.segments if s.id == "ACK"]
    return rows


def taken(p: Pipeline) -> dict[str, Decimal]:
    return {a.sku: a.quantity for a in p.store.allocations() if a.status is AllocationStatus.ACTIVE}
