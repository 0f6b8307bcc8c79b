"""Crash safety: worker processes killed with SIGKILL at random moments, restarted until all
is processed; then every file has one transmission, every order one document, every 997 and
855 one output, and every control number is used once.

200 files and one worker on SQLite always; 200 files and 4 workers on PostgreSQL when
EDIGATE_TEST_PG_URL is set. The moments are drawn in work done (stage entries recorded), not
in seconds, so that the kills land inside the work however fast or busy the machine is.
"""

from __future__ import annotations

import itertools
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from edigate.store import DocumentKind, Status, Store
from edigate.store.tables import LeaseRow, StageRow
from edigate.store.types import utcnow
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.tokenizer import tokenize

from tests.support import pipeline_children
from tests.support.databases import PG_URL, pg_schema
from tests.support.forked import children
from tests.support.paths import REPO

SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"
LEASE_SECONDS = 1.0

def _files(inbox: Path, count: int) -> list[str]:
    """Copies of the bigbox sample, each with its own ISA13 and PO numbers."""
    sample = SAMPLE.read_bytes()
    inbox.mkdir(parents=True)
    names = []
    for n in range(1, count + 1):
        data = sample.replace(b"000000101", b"%09d" % (100000 + n))
        data = data.replace(b"*4500012345*", b"*46%08d1*" % n).replace(b"*4500012346*", b"*46%08d2*" % n)
        names.append(f"po{n:04d}.edi")
        (inbox / names[-1]).write_bytes(data)
    return names


class _Workers:
    """Worker processes over one workspace (`pipeline_children.work`, forked from the
    preloaded server: a fresh interpreter would spend most of a life importing); killed and
    respawned at will."""

    def __init__(self, root: Path, url: str) -> None:
        self.root, self.url, self.logs = root, url, root / "logs"
        self.logs.mkdir()
        self.started = 0

    def spawn(self) -> BaseProcess:
        self.started += 1
        proc = children().Process(target=pipeline_children.work, args=(
            self.root, self.url, REPO, LEASE_SECONDS, self.logs / f"{self.started}.err"))
        proc.start()
        return proc

    def check(self, proc: BaseProcess) -> None:
        assert proc.exitcode in (0, -signal.SIGKILL), self._stderr()

    def _stderr(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in sorted(self.logs.iterdir()) if p.read_text().strip())


def _crash_and_finish(root: Path, url: str, *, workers: int, kills: int, seed: int) -> int:
    """Kill a random worker ``kills`` times at random moments, then run to the end; the kills."""
    rng = random.Random(seed)
    pool = _Workers(root, url)
    procs = [pool.spawn() for _ in range(workers)]
    done = 0
    for _ in range(kills):
        if not _moment(url, root, rng):
            break
        live = [p for p in procs if p.is_alive()]
        if live:
            victim = rng.choice(live)
            victim.kill()
            victim.join()
            done += 1
        for i, proc in enumerate(procs):
            if not proc.is_alive():
                pool.check(proc)
                procs[i] = pool.spawn()
    for _ in range(10):
        for proc in procs:
            proc.join(timeout=900)  # a hang fails; a busy machine (minutes per worker) does not
            pool.check(proc)
        if not _open_work(url, root):
            return done
        _leases_run_out(url)
        procs = [pool.spawn() for _ in range(workers)]
    raise AssertionError("work left after ten rounds of workers")


def _moment(url: str, root: Path, rng: random.Random) -> bool:
    """Wait for a random amount of work (20 to 120 stage entries more), then a random fraction
    of a second, so that a kill lands anywhere in a stage; False when the work ended first."""
    count = select(func.count()).select_from(StageRow)
    with Store.open(url) as store, store.engine.connect() as conn:
        target = conn.execute(count).scalar_one() + rng.randint(20, 120)
        for tick in itertools.count(1):
            if conn.execute(count).scalar_one() >= target:
                break
            conn.rollback()  # the next count sees what the workers committed since
            if tick % 20 == 0 and not _open_work(url, root):
                return False
            time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 0.2))
    return True


def _leases_run_out(url: str) -> None:
    """Wait until the leases dead workers held have run out: a transmission's and, on
    PostgreSQL, the poll lock's (five times LEASE_SECONDS here), left by a worker killed while
    polling. Every worker of the round has ended, so any lease still held is a dead one's.
    (Workers forked ready to work end a round in about a second: ten such rounds are shorter
    than the store's default poll lease, 30 s, which a fresh interpreter's imports used to
    wait out.)"""
    time.sleep(LEASE_SECONDS * 1.2)
    with Store.open(url) as store, store.engine.connect() as conn:
        latest = conn.execute(select(func.max(LeaseRow.expires_at)).where(LeaseRow.holder.is_not(None))).scalar()
    if latest is not None:
        time.sleep(max(0.0, (latest - utcnow()).total_seconds()))


def _open_work(url: str, root: Path) -> bool:
    with Store.open(url) as store:
        waiting = any(t.status.is_open for t in store.transmissions())
    return waiting or any((root / "demo" / "bigbox" / "in").iterdir())


def _sets(data: bytes) -> Iterator[Transaction]:
    return (e for e in EnvelopeReader(data) if isinstance(e, Transaction))


def _check(url: str, root: Path, names: list[str]) -> None:
    with Store.open(url) as store:
        txs = store.transmissions()
        assert {t.status for t in txs} <= {Status.DONE, Status.DUPLICATE}
        kept = Counter(t.file_name for t in txs if t.status is Status.DONE)
        assert kept == Counter(names)  # exactly one transmission per file that is not a duplicate
        orders = store.documents(kind=DocumentKind.ORDER)
        assert sorted(Counter(d.key for d in orders).values()) == [1] * 2 * len(names)
        outputs = [o for t in txs for o in store.outbounds(t.id)]
        done = {t.id for t in txs if t.status is Status.DONE}
        assert Counter(o.transmission_id for o in outputs if o.set_id == "997") == Counter(dict.fromkeys(done, 1))
        assert sorted(Counter(o.document_id for o in outputs if o.set_id == "855").values()) == [1] * len(orders)
        archive = root / "archive"
        pos = [seg.elements[2] for o in outputs if o.set_id == "855"
               for seg in tokenize((archive / o.archive_path).read_bytes()) if seg.id == "BAK"]
        assert sorted(pos) == sorted(d.key.split(":")[0] for d in orders)
        for field in ("isa13", "gs06"):  # each output its own interchange and group numbers, no gaps
            assert sorted(int(getattr(o, field)) for o in outputs) == list(range(1, len(outputs) + 1))
        assert all(o.sent_at is not None for o in outputs)
        # a kill inside a send may leave its hidden temporary file (".name.part"), never a partial file
        sent = [p.name for p in (root / "demo" / "bigbox" / "out").iterdir() if not p.name.startswith(".")]
        assert sorted(sent) == sorted(f"{o.set_id}-bigbox-{o.isa13}.x12" for o in outputs)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "samples").symlink_to(REPO / "samples")
    return tmp_path


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_and_repeats_nothing_on_sqlite(workspace: Path) -> None:
    names = _files(workspace / "demo" / "bigbox" / "in", 200)  # enough work for the kills to land in it
    url = f"sqlite:///{workspace / 'edigate.db'}"
    kills = _crash_and_finish(workspace, url, workers=1, kills=6, seed=5)
    assert kills >= 3
    _check(url, workspace, names)


@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="EDIGATE_TEST_PG_URL not set")
def test_sigkill_among_four_workers_on_postgresql(workspace: Path) -> None:
    names = _files(workspace / "demo" / "bigbox" / "in", 200)
    for url in pg_schema():
        kills = _crash_and_finish(workspace, url, workers=4, kills=8, seed=7)
        assert kills >= 4
        _check(url, workspace, names)
