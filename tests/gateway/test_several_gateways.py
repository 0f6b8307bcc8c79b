"""Three ``edigate run`` processes, each in a working directory of its own, share one
PostgreSQL store and the ``postgresql`` archive; one is killed (SIGKILL) while it holds a
transmission. Every file is then processed once, every order stored once, every 997 and
855 written and delivered once, and the outbound control numbers have no gap.

PostgreSQL only (EDIGATE_TEST_PG_URL); every wait is on the store's state, with the shared
60 s patience (longer where the killed gateway's claim must first run out)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from edigate.store import DocumentKind, Status, Store
from edigate.store.archive_db import DatabaseArchive
from tests.support.cluster import Cluster, cluster, stop
from tests.support.databases import PG_URL, pg_schema
from tests.support.waiting import PATIENCE, wait_until

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set EDIGATE_TEST_PG_URL")]

FILES = 60
LEASE = 10  # seconds: how long the killed gateway's claim outlives it


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_schema()


def _pid(worker: str | None) -> int | None:
    host, _, pid = (worker or "").rpartition("-")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


def _victim(store: Store, procs: dict[int, subprocess.Popen[str]]) -> tuple[int, int] | None:
    """A gateway that holds a transmission in processing now, and that transmission."""
    for tx in store.transmissions(status=Status.PROCESSING):
        if (pid := _pid(tx.claimed_by)) in procs:
            return pid, tx.id
    return None


def _settled(store: Store) -> bool:
    done = store.transmissions(status=Status.DONE)
    return len(done) >= FILES and not store.unsent_outbounds() and not store.transmissions(status=Status.PROCESSING)


def test_three_gateways_one_killed_process_everything_once(tmp_path: Path, pg_url: str) -> None:
    group: Cluster = cluster(tmp_path, pg_url, 3, lease_seconds=LEASE)
    names = group.drop(FILES)
    with Store.open(pg_url) as store:
        procs = {p.pid: p for p in (group.start(i) for i in range(3))}
        try:
            caught: list[tuple[int, int]] = []
            assert wait_until(lambda: caught.append(v) or True if (v := _victim(store, procs)) else False), \
                "no gateway ever claimed a file"
            victim, held = caught[0]
            os.kill(victim, signal.SIGKILL)
            procs.pop(victim).wait()
            # the victim's claim runs out after LEASE seconds, then another gateway resumes it
            assert wait_until(lambda: _settled(store), timeout=PATIENCE + 3 * LEASE), "work left undone"
        finally:
            codes = [stop(p) for p in procs.values()]
        assert codes == [0, 0]
        assert store.transmission(held).status is Status.DONE  # another gateway took it over
        _every_file_once(store, names)
        _every_answer_once(store, group)
        _archive_holds_everything(store, tmp_path)


def _every_file_once(store: Store, names: list[str]) -> None:
    transmissions = store.transmissions()
    done = Counter(t.file_name for t in transmissions if t.status is Status.DONE)
    assert done == Counter(names)
    assert {t.status for t in transmissions} <= {Status.DONE, Status.DUPLICATE}
    # a file is fetched twice only when the killed gateway was polling it: at most one
    assert sum(t.status is Status.DUPLICATE for t in transmissions) <= 1
    orders = store.documents(kind=DocumentKind.ORDER)
    assert len(orders) == 2 * FILES == len({o.key for o in orders})


def _every_answer_once(store: Store, group: Cluster) -> None:
    outbounds = [o for t in store.transmissions(status=Status.DONE) for o in store.outbounds(t.id)]
    assert Counter(o.set_id for o in outbounds) == {"997": FILES, "855": 2 * FILES}
    assert len({(o.partner, o.key) for o in outbounds}) == len(outbounds)
    assert len({o.document_id for o in outbounds if o.set_id == "855"}) == 2 * FILES  # one 855 per order
    for kind in ("isa13", "gs06"):
        numbers = sorted(int(getattr(o, kind)) for o in outbounds)
        assert numbers == list(range(1, len(outbounds) + 1)), f"{kind} has gaps or repeats"
    sets = sorted(int(s.st02) for o in outbounds for s in store.outbound_sets(outbound_id=o.id))
    assert sets == list(range(1, len(sets) + 1)), "ST02 has gaps or repeats"
    written = Counter(p.name.split("-")[0] for p in group.outbox.iterdir() if not p.name.startswith("."))
    assert written == {"997": FILES, "855": 2 * FILES}


def _archive_holds_everything(store: Store, tmp_path: Path) -> None:
    archive = DatabaseArchive(store, tmp_path / "check-cache")
    for tx in store.transmissions(status=Status.DONE):
        assert archive.get(tx.sha256)  # verified against its hash on read
