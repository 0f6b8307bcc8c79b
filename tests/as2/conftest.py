"""AS2 fixtures: keys made once per session, waitress on loopback, a gateway started on an AS2
workspace (helpers: tests/support/as2.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edigate.gateway.scheduler import Gateway
from edigate.transport.as2 import OurKeys
from tests.support.as2 import OUR_ID, Pki, as2_workspace, make_pki
from tests.support.gateway import open_pipeline
from tests.support.waiting import PATIENCE

waitress = pytest.importorskip("waitress")
pyas2lib = pytest.importorskip("pyas2lib")


@pytest.fixture(scope="session")
def ours() -> Pki:
    return make_pki("edigate test")


@pytest.fixture(scope="session")
def theirs() -> Pki:
    return make_pki("bigbox test")


@pytest.fixture(scope="session")
def our_keys(ours: Pki) -> OurKeys:
    return OurKeys(OUR_ID, ours.key_pem, ours.cert_pem)


@pytest.fixture
def serve() -> Iterator[Callable[[object], str]]:
    """Start a WSGI app with waitress on a free loopback port; every one stops at teardown."""
    running: list[tuple[object, threading.Thread]] = []

    def start(app: object) -> str:
        server = waitress.create_server(app, host="127.0.0.1", port=0,
                                        asyncore_loop_timeout=0.05, threads=2)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.effective_port}/as2"

    yield start
    for server, thread in running:
        try:
            server.trigger.pull_trigger(lambda s=server: _close_all(s))  # type: ignore[attr-defined]
        except OSError:  # its trigger is closed already: close what is left from here
            _close_all(server)
        thread.join(PATIENCE)
        server.task_dispatcher.shutdown()  # type: ignore[attr-defined]
        assert not thread.is_alive(), "waitress did not stop"


def _close_all(server: object) -> None:
    """Run inside waitress's loop thread: close every socket, so its loop returns."""
    for channel in list(server._map.values()):  # type: ignore[attr-defined]
        channel.close()


@pytest.fixture
def started(tmp_path: Path, ours: Pki, theirs: Pki) -> Iterator[Callable[[str], tuple[Gateway, str]]]:
    """A gateway on an AS2 workspace (given its outbound channel), listening; stopped after."""
    running: list[Gateway] = []

    def start(outbound: str, inbound: str = "") -> tuple[Gateway, str]:
        pipeline = open_pipeline(as2_workspace(tmp_path / "ws", ours, theirs, outbound=outbound,
                                                inbound=inbound))
        gateway = Gateway(pipeline, settle_seconds=0)
        running.append(gateway)
        gateway.start()
        assert gateway.listener is not None
        return gateway, f"http://127.0.0.1:{gateway.listener.port}/as2"

    yield start
    for gateway in running:
        gateway.stop()
        gateway.store.close()
