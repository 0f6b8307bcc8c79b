"""``edigate partners check --connect`` and ``edigate channels status`` against real peers."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest

from edigate.cli.main import main
from edigate.store import EventKind, Severity, Store
from tests.support.as2 import make_pki
from tests.support.gateway import make_workspace, sftp_channel_yaml
from tests.support.sshd import SshServer


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


@pytest.fixture
def sftp_workspace(tmp_path: Path, sshd: SshServer, ssh_keys: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "remote").mkdir()
    (tmp_path / "remote" / "waiting.edi").write_bytes(b"ISA")
    inbound = sftp_channel_yaml(port=sshd.port, user=sshd.user, key=ssh_keys / "client",
                                fingerprint=sshd.fingerprint(), remote_dir=tmp_path / "remote")
    root = make_workspace(tmp_path / "ws", f"  inbound:\n{inbound}  outbound:\n    type: folder\n    path: out\n")
    (root / "out").mkdir()
    monkeypatch.chdir(root)
    return root


def test_check_connect_says_what_works(sftp_workspace: Path, sshd: SshServer,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(capsys, "partners", "check", "bigbox", "--connect")
    assert (code, err) == (0, "")
    assert lines[0] == "bigbox: ok"
    assert lines[1].split()[:3] == ["bigbox:in", "sftp", "ok"]
    assert f"logged in to {sshd.user}@127.0.0.1:{sshd.port}, 1 file(s) waiting" in lines[1]
    assert lines[2].split()[:3] == ["bigbox:out", "folder", "ok"]


def test_check_connect_fails_on_a_changed_host_key(sftp_workspace: Path, ssh_keys: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    partner = sftp_workspace / "partners" / "bigbox.yaml"
    other = SshServer.fingerprint_of(ssh_keys / "other_ed25519.pub")
    text = partner.read_text()
    partner.write_text(text.replace(text.split('host_key: "')[1].split('"')[0], other))
    (sftp_workspace / "out").rmdir()
    code, lines, _ = run(capsys, "partners", "check", "--connect")
    assert code == 1
    assert lines[1].split()[:3] == ["bigbox:in", "sftp", "FAILED"]
    assert "does not match host_key" in lines[1] and "refusing to connect" in lines[1]
    assert lines[2].split()[:3] == ["bigbox:out", "folder", "FAILED"] and "does not exist" in lines[2]
    code, lines, _ = run(capsys, "channels", "status", "--json")
    rows = {r["channel"]: r for r in json.loads("\n".join(lines))}
    assert rows["in"]["last_error"]["code"] == "channel.check_failed"
    assert "refusing to connect" in rows["in"]["last_error"]["message"]


def test_status_shows_last_poll_success_and_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = make_workspace(tmp_path / "ws", "  inbound:\n    type: folder\n    path: in\n    cron: \"*/5 * * * *\"\n")
    monkeypatch.chdir(root)
    with Store.open(f"sqlite:///{root / 'edigate.db'}") as store:
        at = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)
        for minutes, code, severity, message in ((0, "channel.polled", Severity.INFO, "2 file(s) received"),
                                                 (5, "channel.poll_failed", Severity.ERROR, "in: cannot list"),
                                                 (10, "channel.polled", Severity.INFO, "0 file(s) received")):
            store.record_event(kind=EventKind.CHANNEL, code=code, message=message, severity=severity,
                               partner="bigbox", channel="in", at=at + dt.timedelta(minutes=minutes))
    code, lines, _ = run(capsys, "channels", "status", "--partner", "bigbox")
    assert code == 0 and lines[0].split()[:4] == ["PARTNER", "CH", "TYPE", "SCHEDULE"]
    assert lines[1].split() == ["bigbox", "in", "folder", "cron", "*/5", "*", "*", "*", "*",
                                "2026-11-26", "08:10:00", "2026-11-26", "08:10:00", "2026-11-26", "08:05:00",
                                "in:", "cannot", "list"]
    code, lines, err = run(capsys, "channels", "status", "--partner", "nobody")
    assert code == 2 and "no partner 'nobody'" in err and err.count("\n") == 1


def test_as2_check_reads_certificate_dates_and_reaches_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    ours, theirs = make_pki("us"), make_pki("them")
    root = tmp_path / "ws"
    root.mkdir()
    for name, data in (("ours.key", ours.key_pem), ("ours.pem", ours.cert_pem), ("theirs.pem", theirs.cert_pem)):
        (root / name).write_bytes(data)
    outbound = ("    type: as2\n    partner_as2_id: BIGBOX\n    partner_certificate: theirs.pem\n"
                "    url: http://127.0.0.1:9/as2\n")
    make_workspace(root, f"  outbound:\n{outbound}",
                   edigate_yaml="as2:\n  as2_id: EDIGATE\n  private_key: file:ours.key\n  certificate: ours.pem\n")
    monkeypatch.chdir(root)
    code, lines, _ = run(capsys, "partners", "check", "--connect")
    assert code == 1
    assert lines[1].split()[:3] == ["bigbox:out", "as2", "FAILED"]
    assert "http://127.0.0.1:9/as2 does not answer" in lines[1]
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        partner = root / "partners" / "bigbox.yaml"
        partner.write_text(partner.read_text().replace("127.0.0.1:9/", f"127.0.0.1:{port}/"))
        code, lines, _ = run(capsys, "partners", "check", "--connect")
    assert code == 0 and lines[1].split()[:3] == ["bigbox:out", "as2", "ok"]
    until = f"{dt.datetime.now(dt.UTC) + dt.timedelta(days=30):%Y-%m-%d}"
    assert (f"BIGBOX certificate valid until {until} (renew it soon); our certificate valid until {until} "
            f"(renew it soon); 127.0.0.1:{port} reachable") in lines[1]
    (root / "theirs.pem").write_bytes(b"not a certificate")
    code, lines, err = run(capsys, "partners", "check", "--connect")  # refused before connecting
    assert code == 2 and "BIGBOX: partner_certificate theirs.pem is not a PEM certificate" in err
