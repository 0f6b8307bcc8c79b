"""A batch's timeline entries for one stage: opened in one statement for all its
transmissions (each renewing its claim) and closed in one, each entry keeping its own
transmission's start, finish and outcome. Five stages of a small file were three
statements each (`edigate.stages.runner` runs a batch's small files stage by stage).
What the runner reads of each claimed transmission before its stages is read for the
batch at once too (`Known`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from edigate.stages.context import Parts, Run
from edigate.stages.table import Stage
from edigate.store import Outcome, StageEvent, Store, Transmission
from edigate.store.types import utcnow

__all__ = ["Known", "Timeline", "now"]


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
        opened = parts.store.start_stages(ids, stage.stored, worker=worker, lease=parts.lease)
        return cls(stage.stored, frozenset(ids), opened)

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


@dataclass(frozen=True, slots=True)
class Known:
    """The stages each claimed transmission finished and the keys of the outputs it
    recorded, read for a batch in two reads instead of two per file; what it does not hold
    is read alone."""

    finished: dict[int, frozenset[str]] = field(default_factory=dict)
    recorded: dict[int, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, parts: Parts, ids: Sequence[int]) -> Known:
        """What the batch's transmissions ``ids`` hold (nothing read for one alone)."""
        if len(ids) < 2:
            return cls()
        try:
            ok = {i: frozenset(e.stage for e in found if e.outcome is Outcome.OK)
                  for i, found in parts.store.stages_of(ids).items()}
            outputs = parts.store.outbounds_of(ids)
        except Exception:  # each file reads alone, where its failure is recorded against it
            return cls()
        return cls(ok, {i: frozenset(o.key for o in found) for i, found in outputs.items()})

    def finished_of(self, store: Store, tx_id: int) -> frozenset[str]:
        if (found := self.finished.get(tx_id)) is not None:
            return found
        return frozenset(e.stage for e in store.stages(tx_id) if e.outcome is Outcome.OK)

    def recorded_of(self, store: Store, tx_id: int) -> set[str]:
        if (found := self.recorded.get(tx_id)) is not None:
            return set(found)
        return {o.key for o in store.outbounds(tx_id)}
