"""A batch's timeline entries for one stage: opened in one statement for all its
transmissions (each renewing its claim) and closed in one, each entry keeping its own
transmission's start, finish and outcome. Five stages of a small file were three
statements each (`edigate.stages.runner` runs a batch's small files stage by stage)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from edigate.stages.context import Parts, Run
from edigate.stages.table import Stage
from edigate.store import Outcome, StageEvent, Transmission
from edigate.store.types import utcnow

__all__ = ["Timeline", "now"]


def now() -> dt.datetime:
    """When a stage starts for one transmission of the batch (its entry's own start)."""
    return utcnow()


@dataclass
class Timeline:
    """The entries opened for a batch's stage, and those its transmissions finished."""

    stage: str
    asked: frozenset[int]
    opened: dict[int, StageEvent]
    closing: list[StageEvent] = field(default_factory=list)

    @classmethod
    def open(cls, parts: Parts, runs: Sequence[Run], stage: Stage) -> Timeline:
        """The entries of ``runs`` for ``stage``; none when they are not all one worker's
        claims (each then opens its own, as alone)."""
        workers = {r.tx.claimed_by for r in runs}
        if len(workers) != 1 or (worker := workers.pop()) is None:
            return cls(stage.stored, frozenset(), {})
        ids = [r.tx.id for r in runs]
        return cls(stage.stored, frozenset(ids), parts.store.start_stages(ids, stage.stored, worker=worker, lease=parts.lease))

    def lost(self, parts: Parts, run: Run) -> Transmission | None:
        """The transmission as it stands when its claim was no longer ours (another worker
        took it over) as the entries were opened; None otherwise."""
        if run.tx.id in self.asked and run.tx.id not in self.opened:
            return parts.store.transmission(run.tx.id)
        return None

    def event(self, run: Run) -> StageEvent | None:
        return self.opened.get(run.tx.id)

    def finished(self, event: StageEvent, outcome: Outcome, started: dt.datetime) -> None:
        """The stage ended for one transmission (its work committed with the batch's)."""
        end = utcnow()
        self.closing.append(dataclasses.replace(
            event, started_at=started, finished_at=end, outcome=outcome,
            duration_ms=int((end - started).total_seconds() * 1000)))

    def close(self, parts: Parts) -> None:
        """Close the entries of the transmissions that finished; a failed one's entry was
        closed with its failure already."""
        parts.store.finish_stages(self.closing)
