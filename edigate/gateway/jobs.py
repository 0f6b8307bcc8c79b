"""The gateway's jobs as values: the periodic ones every gateway runs (`PERIODIC`) and the
schedule entry each job gets (`JobSpec`). Adding a periodic job is one entry here:
``Periodic("report", 3600, lambda gw: write(gw.store))`` (or in the ``periodic`` given to `Gateway`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edigate.gateway.scheduler import Gateway

__all__ = ["PERIODIC", "JobSpec", "Periodic", "Wakes"]


@dataclass(frozen=True, slots=True)
class Periodic:
    """A job over the whole gateway, every ``seconds``."""

    name: str
    seconds: float
    run: Callable[[Gateway], object]
    wanted: Callable[[Gateway], bool] = lambda _gw: True
    """Whether this gateway runs it at all (the MDN outbox only where AS2 is set up)."""
    everywhere: bool = False
    """Every gateway sharing the store runs it each time (else one gateway per period)."""


PERIODIC: tuple[Periodic, ...] = (
    Periodic("process", 5, lambda gw: gw.process(), everywhere=True),
    Periodic("retry-sends", 120, lambda gw: gw.retry_sends()),
    Periodic("alerts", 300, lambda gw: gw.check_alerts()),
    Periodic("tickets", 60, lambda gw: gw.sync_tickets(), wanted=lambda gw: gw.files_tickets),
    Periodic("archive-sweep", 86_400, lambda gw: gw.sweep_archive()),
    Periodic("as2-mdns", 60, lambda gw: gw.deliver_mdns(), wanted=lambda gw: gw.serves_as2),
    Periodic("erp-read-back", 300, lambda gw: gw.read_back(), wanted=lambda gw: gw.reads_back()),
)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One scheduled job: its id, what it runs (a task and its argument), and when."""

    id: str
    task: str
    trigger: Any  # an APScheduler trigger
    arg: str | None = None
    every: dt.timedelta | None = None
    """How often it runs between all gateways sharing the store (None: on each, each time)."""

    @property
    def schedule(self) -> str:
        return str(self.trigger)


class Wakes:
    """The jobs `Gateway.wake` asked for, and the ones running now.

    APScheduler skips a run that falls due while the job is still running (one instance at a
    time), so a wake during a run would wait a whole period; instead the running job is told
    and runs once more when it is done."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked: set[str] = set()
        self._running: set[str] = set()

    def ask(self, job: str) -> bool:
        """Note that ``job`` was asked for; True when the scheduler should start it now (it
        is not running)."""
        with self._lock:
            self._asked.add(job)
            return job not in self._running

    def begin(self, job: str) -> bool:
        """``job`` starts; True when it was asked for."""
        with self._lock:
            self._running.add(job)
            asked = job in self._asked
            self._asked.discard(job)
            return asked

    def again(self, job: str) -> bool:
        """``job`` ended a run; True when it was asked for meanwhile (it then runs again and
        stays running), else it is no longer running."""
        with self._lock:
            if job in self._asked:
                self._asked.discard(job)
                return True
            self._running.discard(job)
            return False

    def running(self, job: str) -> bool:
        with self._lock:
            return job in self._running

    def end(self, job: str) -> None:
        """``job`` stopped (also after a failure)."""
        with self._lock:
            self._running.discard(job)
