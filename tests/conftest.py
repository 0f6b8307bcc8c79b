"""Shared fixtures, defined once for the whole suite: the bundled samples and the public X12
corpus, a store on every backend, a real sshd, and the gateway on the example partners.

Tests request these by name; no test module imports a fixture or a helper from another test
module (helpers live in ``tests/support``).
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import pytest

import edigate.transport.as2  # noqa: F401  (first: tests import pyas2lib, whose oscrypto needs the fix)
from edigate.config.partners import Partner, load_partners
from edigate.config.workspace import Workspace
from edigate.stages.pipeline import Pipeline
from edigate.store import Store
from edigate.store.archive import Archive
from tests.support.databases import BACKENDS, SchemaPool, pg_schema, seed_sqlite
from tests.support.paths import CORPUS, REPO, corpus_index, corpus_root
from tests.support.sshd import SSH_KEYGEN, SSHD, SshServer, make_keys

__all__ = ["CORPUS", "REPO", "corpus_index", "corpus_root"]  # kept for tests that still import them here

# pytest keeps each test module with its asserts rewritten as a pyc beside it, but only where
# bytecode may be written: under PYTHONDONTWRITEBYTECODE (as on CI) every worker of every run
# would rewrite all ~200 test modules again (5 of a collection's 12 s of CPU). The processes
# tests start still obey the variable.
sys.dont_write_bytecode = False

TODAY = dt.date(2026, 11, 26)
"""The day every pipeline test runs on: the samples' orders are due after it."""


@pytest.fixture(scope="session")
def corpus() -> Path:
    return corpus_root()


@pytest.fixture(scope="session")
def samples() -> Path:
    return REPO / "samples" / "x12"


# -- the store ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_pool() -> Iterator[SchemaPool]:
    pool = SchemaPool()
    yield pool
    pool.close()


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store URL per backend: a SQLite file of the test's own, or a PostgreSQL schema of its own
    (an emptied one from `pg_pool` when the test opens the `store`, which would migrate it anyway)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'edigate.db'}"
    elif "store" in request.fixturenames:
        pool: SchemaPool = request.getfixturevalue("pg_pool")
        with pool.schema() as url:
            yield url
    else:
        yield from pg_schema()


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    """The store at ``url``, open; on SQLite a copy of a file migrated once per process
    (`seed_sqlite`: what opening an empty file would build)."""
    seed_sqlite(url)
    with Store.open(url) as opened:
        yield opened


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3-compatible server on loopback (``moto[server]``), for the s3 archive."""
    import socket

    moto_server = pytest.importorskip("moto.server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


# -- the gateway on the example partners ----------------------------------------------------


@pytest.fixture
def example_workspace(tmp_path: Path) -> Workspace:
    """A workspace in ``tmp_path`` on the repository's partners and maps, ``samples`` linked in.

    A module whose tests change partners or maps overrides this with a copy of its own."""
    (tmp_path / "samples").symlink_to(REPO / "samples")
    return Workspace(root=tmp_path, maps_dir=str(REPO / "maps"), partners_dir=str(REPO / "partners"))


@pytest.fixture
def pipeline(store: Store, example_workspace: Workspace) -> Pipeline:
    """The gateway on ``store`` and the example workspace, on `TODAY`; folder channels only
    (the example partners' SFTP hosts are not ours to call)."""
    ws = example_workspace
    partners = dict(_repo_partners()) if ws.partners_path == REPO / "partners" else load_partners(ws.partners_path)
    return Pipeline(ws, store, Archive(ws.root / "archive"), partners, today=TODAY, channel_types=("folder",))


@functools.cache
def _repo_partners() -> Mapping[str, Partner]:
    """The repository's partners, loaded once per test process (frozen values; each pipeline
    gets a dict of its own)."""
    return MappingProxyType(load_partners(REPO / "partners"))


# -- a real sshd ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Host and client keys, generated once."""
    if SSHD is None or SSH_KEYGEN is None:
        pytest.skip("OpenSSH sshd is not installed (apt-get install openssh-server)")
    return make_keys(tmp_path_factory.mktemp("sshkeys"))


@pytest.fixture
def sshd(ssh_keys: Path, tmp_path: Path) -> Iterator[SshServer]:
    """A running sshd for one test on a free port; it and its sessions are always killed afterwards."""
    workdir = tmp_path / "sshd"
    workdir.mkdir()
    server = SshServer(workdir, ssh_keys)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow run first: under xdist they start while the quick ones fill the other
    workers, instead of one of them ending the run alone on a single worker."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
