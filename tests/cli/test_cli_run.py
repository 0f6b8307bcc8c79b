"""``edigate run`` and ``edigate run --once`` as real processes against a real sshd: a refused
host key is one line on stderr (paramiko's tracebacks only in the debug log), and --once
sends the outputs an earlier run queued, exiting 2 and naming those it could not deliver."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from edigate.store import EventKind, Store
from tests.support.waiting import wait_until
from tests.support.gateway import make_workspace, po_file, sftp_channel_yaml
from tests.support.sshd import SshServer

FOLDER_IN = "  inbound:\n    type: folder\n    path: in\n    glob: \"*.edi\"\n    settle_seconds: 0.5\n"


def _edigate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edigate.cli.main", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "EDIGATE_DEBUG": ""}, timeout=120)


def _sftp(server: SshServer, keys: Path, remote: Path, fingerprint: str | None = None) -> str:
    return sftp_channel_yaml(port=server.port, user=server.user, key=keys / "client", remote_dir=remote,
                             fingerprint=fingerprint or server.fingerprint(), glob="*")


@pytest.fixture
def wrong_key_workspace(tmp_path: Path, sshd: SshServer, ssh_keys: Path) -> Path:
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "po.edi").write_bytes(po_file(1))
    other = SshServer.fingerprint_of(ssh_keys / "other_ed25519.pub")
    channels = "  inbound:\n" + _sftp(sshd, ssh_keys, remote, other) + "  outbound:\n    type: folder\n    path: out\n"
    root = make_workspace(tmp_path / "ws", channels, edigate_yaml="debug_log: logs/debug.log\n")
    (root / "out").mkdir()
    return root


def _assert_one_refusal(err: str, port: int) -> None:
    [line] = err.splitlines()
    assert line.startswith("edigate: error: bigbox:in: host key of 127.0.0.1:") and f":{port} " in line
    assert line.endswith("refusing to connect")


def test_run_once_says_a_refused_host_key_in_one_line(wrong_key_workspace: Path, sshd: SshServer) -> None:
    done = _edigate(wrong_key_workspace, "run", "--once")
    assert done.returncode == 2
    _assert_one_refusal(done.stderr, sshd.port)
    assert done.stdout.splitlines()[1:] == []  # the table's header, nothing processed
    debug = (wrong_key_workspace / "logs" / "debug.log").read_text()
    assert "paramiko.transport" in debug and "Traceback (most recent call last)" in debug
    assert (wrong_key_workspace.parent / "remote" / "po.edi").exists()


def test_check_connect_says_a_refused_host_key_on_stderr(wrong_key_workspace: Path, sshd: SshServer) -> None:
    done = _edigate(wrong_key_workspace, "partners", "check", "--connect")
    assert done.returncode == 1, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("edigate: error: bigbox:in: host key of") and line.endswith("refusing to connect")
    assert "bigbox:in        sftp   FAILED" in done.stdout


def test_the_gateway_log_has_one_line_per_refused_poll(wrong_key_workspace: Path, sshd: SshServer) -> None:
    partner = wrong_key_workspace / "partners" / "bigbox.yaml"
    partner.write_text(partner.read_text().replace('glob: "*"\n', 'glob: "*"\n    poll_seconds: 3600\n', 1))
    proc = subprocess.Popen([sys.executable, "-m", "edigate.cli.main", "run"], cwd=wrong_key_workspace, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "EDIGATE_DEBUG": ""})
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("edigate run:")
        with Store.open(f"sqlite:///{wrong_key_workspace / 'edigate.db'}") as store:
            assert wait_until(lambda: store.events(kind=EventKind.CHANNEL, code="channel.poll_failed")), \
                "the poll never ran"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    _assert_one_refusal(err, sshd.port)


@pytest.mark.slow
def test_run_once_sends_what_an_earlier_run_queued_and_names_what_it_could_not(
        tmp_path: Path, sshd: SshServer, ssh_keys: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    root = make_workspace(tmp_path / "ws", FOLDER_IN + "  outbound:\n" + _sftp(sshd, ssh_keys, outbox))
    (root / "in").mkdir()
    (root / "in" / "po.edi").write_bytes(po_file(7))
    sshd.stop()  # the partner's server is down
    first = _edigate(root, "run", "--once")
    assert first.returncode == 2, first.stderr
    lines = first.stderr.splitlines()
    assert lines[0].startswith("edigate: error: bigbox:out: ") and "3 output(s) stay queued" in lines[0]
    assert lines[1:] == [
        f"edigate: error: not delivered: {name} ({set_id} ISA13 {isa13} of transmission 1); "
        "it stays queued for the next run"
        for name, set_id, isa13 in (("997-bigbox-000000001.x12", "997", "000000001"),
                                    ("855-bigbox-000000002.x12", "855", "000000002"),
                                    ("855-bigbox-000000003.x12", "855", "000000003"))]
    assert "Traceback" not in first.stderr and list(outbox.iterdir()) == []
    again = _edigate(root, "run", "--once")  # still down: still queued, still named
    assert again.returncode == 2 and again.stderr.count("not delivered: ") == 3
    sshd.start()
    last = _edigate(root, "run", "--once")
    assert (last.returncode, last.stderr) == (0, "")
    assert sorted(p.name for p in outbox.iterdir()) == [
        "855-bigbox-000000002.x12", "855-bigbox-000000003.x12", "997-bigbox-000000001.x12"]
    with Store.open(f"sqlite:///{root / 'edigate.db'}") as store:
        assert store.unsent_outbounds() == [] and len(store.transmissions()) == 1
