"""The gateway pipeline: each received file as a recorded transmission, stage by stage.

poll (fetch from the partner's channel) -> receive (archive the bytes, record the
transmission, then mark the remote file done) -> envelope -> validate (997/999/TA1) ->
translate (canonical orders) -> decide (accepted, held, rejected) -> route (payloads to
destinations) -> answer (855/865) -> send (outputs on the partner's channel). The stages
and how each resumes are listed in `edigate.stages.table`; the runner
(`edigate.stages.runner`) claims transmissions with a lease, renews it as each stage
starts, and commits each stage before the next. From 2,000 sets a file's validate and
translate stages share the work with a helper process (`edigate.stages.parallel`).

`Pipeline` is the gateway's parts (`edigate.stages.context.Parts`) with the entry points
the command line, the scheduler and the AS2 listener call; `run_workers` runs several
worker processes over the same store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edigate.config.channels import Channel as ChannelConfig
from edigate.errors import TransportError, UsageError
from edigate.stages import receive, runner, send
from edigate.stages.context import BULK_855, DEFAULT_LEASE, Parts
from edigate.stages.receive import INBOX
from edigate.stages.runner import SMALL_FILE, WorkersResult, run_workers
from edigate.stages.table import STAGES
from edigate.store import Outbound, Status, Transmission
from edigate.transport import ChannelOptions

__all__ = ["BULK_855", "DEFAULT_LEASE", "INBOX", "Pipeline", "RunResult", "SMALL_FILE", "STAGES", "WorkersResult",
           "run_workers"]


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one pass of the gateway did: transmissions processed, channels that failed."""

    processed: tuple[Transmission, ...]
    channel_problems: tuple[str, ...]


class Pipeline(Parts):
    """Receives files and runs recorded transmissions through the stages."""

    def receive(self, partner: str | None, channel: str, file_name: str, data: bytes) -> Transmission:
        """`edigate.stages.receive.receive`: archived, then recorded."""
        return receive.receive(self, partner, channel, file_name, data)

    def ingest(self, path: Path, partner: str | None = None) -> Transmission:
        """``edigate ingest``: a file as if received, then processed."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
        tx = self.receive(partner, "cli", path.name, data)
        if tx.status is Status.DUPLICATE:
            return tx
        return self.take(tx.id, f"ingest-{os.getpid()}")

    def process(self, tx: Transmission) -> Transmission:
        """Run one claimed transmission through the stages it has not finished (`runner.process`)."""
        return runner.process(self, tx)

    def take(self, transmission_id: int, worker: str) -> Transmission:
        """Claim one transmission and process it (`runner.take`)."""
        return runner.take(self, transmission_id, worker)

    def resend(self, transmission_id: int, *, actor: str, set_id: str | None = None) -> list[Outbound]:
        """``edigate tx resend``: a transmission's outputs sent again (`send.resend`)."""
        return send.resend(self, transmission_id, actor=actor, set_id=set_id)

    def inbound(self, source: str) -> tuple[ChannelConfig | None, str | None]:
        """A poll source's channel, and the partner its files are held to (`receive.inbound`)."""
        return receive.inbound(self, source)

    def sources(self) -> list[str]:
        """What `poll` takes: every partner, then every shared inbox."""
        return receive.sources(self)

    def poll(self, source: str, *, options: ChannelOptions | None = None,
             stopping: Callable[[], bool] = lambda: False,
             on_received: Callable[[Transmission], object] = lambda _tx: None) -> list[Transmission] | None:
        """Fetch what waits on a source's channel (`receive.poll`); None when it did not poll."""
        return receive.poll(self, source, options=options, stopping=stopping, on_received=on_received)

    def poll_all(self) -> tuple[str, ...]:
        """Poll every partner and shared inbox once; the channels that could not be read
        (the others still are)."""
        def poll_one(source: str) -> str | None:
            try:
                self.poll(source)
            except TransportError as exc:
                return f"{source}: {exc.message}"
            return None

        return receive.poll_sources(self, poll_one)

    def work(self, worker: str = "edigate", *, stopping: Callable[[], bool] = lambda: False) -> list[Transmission]:
        """Claim and process transmissions until none waits (or waits on a live lease)."""
        return runner.work(self, worker, stopping=stopping)

    def run_once(self, worker: str = "edigate") -> RunResult:
        """Poll every partner once, then process every transmission waiting."""
        problems = self.poll_all()
        return RunResult(tuple(self.work(worker)), problems)
