"""``edigate run`` as a real process: SIGTERM and SIGINT finish the file in hand and exit 0."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from edigate.store import EventKind, Store
from tests.support.waiting import wait_until
from tests.support.cli import start_edigate
from tests.support.gateway import make_workspace, open_pipeline, po_file

CHANNELS = ("  inbound:\n    type: folder\n    path: in\n    glob: \"*.edi\"\n    archive_dir: done\n"
            "    poll_seconds: 3600\n  outbound:\n    type: folder\n    path: out\n")
FILES = 80


def _received(store: Store) -> list[str]:
    return sorted(t.file_name for t in store.transmissions())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_after_the_file_in_hand(tmp_path: Path, sig: signal.Signals) -> None:
    root = make_workspace(tmp_path / "ws", CHANNELS)
    (root / "in").mkdir()
    names = []
    for n in range(1, FILES + 1):
        (root / "in" / f"po{n:04d}.edi").write_bytes(po_file(n))
        names.append(f"po{n:04d}.edi")
    proc = start_edigate(root, "run")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("edigate run: 5 job(s)")
        with Store.open(f"sqlite:///{root / 'edigate.db'}") as store:
            wait_until(store.transmissions)
            proc.send_signal(sig)  # the poll is under way: files are being received
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            assert "edigate run: stopped" in out and err == ""
            received = _received(store)
            left = sorted(p.name for p in (root / "in").iterdir())
            done = sorted(p.name for p in (root / "done").iterdir())
            assert received == done and sorted(received + left) == names  # nothing lost, nothing twice
            assert len(received) < FILES, "the signal came too late to test anything"
            stopped = store.events(kind=EventKind.SCHEDULER, code="scheduler.stopped")
            assert len(stopped) == 1
        pipeline = open_pipeline(root)  # the next start picks up the rest
        pipeline.poll("bigbox")
        assert _received(pipeline.store) == names
        pipeline.store.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_serves_as2_and_stops_on_sigterm(tmp_path: Path) -> None:
    from tests.support.as2 import as2_workspace, make_pki, partner_message, post

    ours, theirs = make_pki("us"), make_pki("them")
    root = as2_workspace(tmp_path / "ws", ours, theirs, outbound="    type: folder\n    path: out\n")
    proc = start_edigate(root, "run")
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        assert banner.startswith("edigate run: 5 job(s); AS2 on 127.0.0.1:"), banner  # + the MDN outbox
        port = int(banner.split("AS2 on 127.0.0.1:")[1].split(";")[0])
        message = partner_message(theirs, ours)
        message.build(po_file(5), filename="po5.edi", content_type="application/edi-x12")  # type: ignore[attr-defined]
        status, _, _ = post(f"http://127.0.0.1:{port}/as2", message)
        assert status == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and err == "" and "edigate run: stopped" in out
        with Store.open(f"sqlite:///{root / 'edigate.db'}") as store:
            [tx] = store.transmissions()
            assert (tx.channel, tx.file_name) == ("as2", "po5.edi")
            codes = [e.code for e in store.events(kind=EventKind.SCHEDULER)]
            assert codes == ["scheduler.stopped", "listener.started", "scheduler.started"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_serves_metrics_on_the_address_metrics_names(tmp_path: Path) -> None:
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    root = make_workspace(tmp_path / "ws", CHANNELS)  # no metrics: in edigate.yaml
    (root / "in").mkdir()
    proc = start_edigate(root, "run", "--metrics", "127.0.0.1:0")
    try:
        assert proc.stdout is not None and proc.stderr is not None
        banner = proc.stdout.readline()
        assert "; metrics on 127.0.0.1:" in banner, banner or proc.communicate(timeout=60)
        base = f"http://127.0.0.1:{int(banner.split('metrics on 127.0.0.1:')[1].split(';')[0])}"
        families = {f.name for f in text_string_to_metric_families(httpx.get(f"{base}/metrics", timeout=30).text)}
        assert "edigate_channel_up" in families
        assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and err == "" and "edigate run: stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(("args", "message"), [
    (("--once", "--metrics", "127.0.0.1:9464"), "--metrics goes with the scheduled gateway"),
    (("--metrics", "9464"), "is not HOST:PORT"),
])
def test_metrics_on_the_command_line_is_checked(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    from tests.support.cli import cli_runner

    root = make_workspace(tmp_path / "ws", CHANNELS)
    done = cli_runner(root)("run", *args)
    assert done.returncode == 2 and message in done.stderr
