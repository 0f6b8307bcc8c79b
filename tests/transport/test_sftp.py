"""The SFTP channel against a real OpenSSH sshd on loopback (see conftest.py)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edigate.config.channels import SftpChannel as SftpConfig
from edigate.config.channels import SftpTarget
from edigate.config.secrets import SecretRef
from edigate.errors import ConfigError, TransportError
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.base import Channel
from edigate.transport.sftp import SftpChannel, _Session, load_private_key
from tests.support.waiting import wait_until
from tests.support.channels import with_retry
from tests.support.sshd import SshServer


def _drop(remote: Path, count: int, size: int = 300) -> dict[str, str]:
    """Files as a partner drops them; returns name -> sha256."""
    sums = {}
    for n in range(count):
        data = os.urandom(size)
        (remote / f"PO{n:03d}.edi").write_bytes(data)
        sums[f"PO{n:03d}.edi"] = hashlib.sha256(data).hexdigest()
    return sums


def _poll(channel: Channel) -> dict[str, str]:
    """One poll as the gateway runs it: list, fetch, (record), done."""
    got = {}
    for f in channel.list():
        received = channel.fetch(f)
        got[received.name] = received.sha256
        channel.done(f)
    return got


def test_poll_many_files_over_one_connection(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    sums = _drop(remote, 60)
    (remote / "readme.txt").write_text("not matched by the glob")
    with open_channel(sftp_config, "p.in", options) as channel:
        assert _poll(channel) == sums
        assert channel.list() == []
    assert sorted(os.listdir(remote / "archive")) == sorted(sums)
    assert set(os.listdir(remote)) == {"readme.txt", "archive"}
    assert sshd.logins() == 1
    assert not [p for p in (options.spool_dir or Path()).rglob("*") if p.is_file()]


def test_delete_instead_of_archive(
    sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    _drop(remote, 3)
    with open_channel(replace(sftp_config, delete=True), "p.in", options) as channel:
        assert len(_poll(channel)) == 3
    assert os.listdir(remote) == []


def test_files_still_being_written_are_skipped(
    sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    for name in ("a.edi.tmp", "b.edi.part", "c.edi.filepart", ".d.edi"):
        (remote / name).write_bytes(b"partial")
    (remote / "ready.edi").write_bytes(b"done")
    stop = threading.Event()

    def writer() -> None:
        with open(remote / "growing.edi", "ab") as fh:
            while not stop.is_set():
                fh.write(b"x" * 100)
                fh.flush()
                time.sleep(0.005)

    thread = threading.Thread(target=writer)
    thread.start()
    with open_channel(sftp_config, "p.in", replace(options, settle_seconds=0.1)) as channel:
        try:
            time.sleep(0.02)
            assert [f.name for f in channel.list()] == ["ready.edi"]
        finally:
            stop.set()
            thread.join()
        assert sorted(f.name for f in channel.list()) == ["growing.edi", "ready.edi"]


def test_host_key_mismatch_is_refused(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, ssh_keys: Path
) -> None:
    wrong = "SHA256:" + "A" * 43
    slow_retries = with_retry(options, attempts=3, base=30, cap=30)
    channel = open_channel(replace(sftp_config, host_key=wrong), "p.in", slow_retries)
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        channel.list()
    message = str(caught.value)
    assert caught.value.code == "transport.host_key"
    assert f"127.0.0.1:{sshd.port}" in message and wrong in message
    assert sshd.fingerprint() in message and "refusing to connect" in message
    assert "\n" not in message
    assert time.monotonic() - started < 20  # refused at once: a retry would first wait 30 s
    assert sshd.logins() == 0


def _known_hosts(tmp_path: Path, text: str) -> str:
    (tmp_path / "known_hosts").write_text(text)
    return "known_hosts"  # relative to ChannelOptions.root


def test_known_hosts_pins_the_key(
    sshd: SshServer,
    sftp_config: SftpConfig,
    options: ChannelOptions,
    tmp_path: Path,
    ssh_keys: Path,
    remote: Path,
) -> None:
    good = replace(
        sftp_config, host_key=None, known_hosts=_known_hosts(tmp_path, sshd.known_hosts_line())
    )
    _drop(remote, 2)
    with open_channel(good, "p.in", options) as channel:
        assert len(channel.list()) == 2

    other = (ssh_keys / "other_ed25519.pub").read_text().split()
    changed = replace(
        good, known_hosts=_known_hosts(tmp_path, f"[127.0.0.1]:{sshd.port} {other[0]} {other[1]}\n")
    )
    with pytest.raises(TransportError, match=r"CHANGED: server offered ssh-ed25519 SHA256:"):
        open_channel(changed, "p.in", options).list()

    unknown = replace(
        good,
        known_hosts=_known_hosts(
            tmp_path, f"[127.0.0.1]:1 {other[0]} {other[1]}\nexample.com {other[0]} {other[1]}\n"
        ),
    )
    with pytest.raises(TransportError, match=f"127.0.0.1:{sshd.port} is not in known_hosts"):
        open_channel(unknown, "p.in", options).list()


def test_a_pinned_key_of_another_type_is_found(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, tmp_path: Path
) -> None:
    """Partners often give their ECDSA or RSA fingerprint; paramiko asks for Ed25519 first."""
    ecdsa = replace(sftp_config, host_key=sshd.fingerprint("host_ecdsa"))
    with open_channel(ecdsa, "p.in", options) as channel:
        assert channel.list() == []
        channel.close()
        assert channel.list() == []  # the second connection asks for ECDSA at once
    (tmp_path / "known_hosts").write_text(sshd.known_hosts_line("host_ecdsa"))
    known = replace(sftp_config, host_key=None, known_hosts="known_hosts")
    with open_channel(known, "p.in", options) as channel:
        assert channel.list() == []
    assert sshd.logins() == 3


def test_refusal_names_every_key_offered(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions
) -> None:
    wrong = replace(sftp_config, host_key="SHA256:" + "B" * 43)
    with pytest.raises(TransportError, match="does not match host_key") as caught:
        open_channel(wrong, "p.in", options).list()
    assert sshd.fingerprint("host_ed25519") in str(caught.value)
    assert sshd.fingerprint("host_ecdsa") in str(caught.value)


def test_password_login_refused_by_the_server(
    sftp_config: SftpConfig, options: ChannelOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SFTP_PASSWORD", "not-accepted")
    config = replace(sftp_config, private_key=None, password=SecretRef("env", "TEST_SFTP_PASSWORD"))
    with pytest.raises(TransportError, match="refused our login") as caught:
        open_channel(config, "p.in", options).list()
    assert "not-accepted" not in str(caught.value)


def test_wrong_user_key_is_refused_without_retry(
    sftp_config: SftpConfig, options: ChannelOptions, ssh_keys: Path
) -> None:
    config = replace(sftp_config, private_key=SecretRef("file", str(ssh_keys / "other_ed25519")))
    with pytest.raises(TransportError, match="refused our login") as caught:
        open_channel(config, "p.in", options).list()
    assert caught.value.code == "transport.auth"


def test_server_down_then_up(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    sums = _drop(remote, 20)
    sshd.stop()
    with open_channel(sftp_config, "p.in", options) as channel:
        with pytest.raises(
            TransportError, match=r"failed after 3 attempt\(s\): Connection refused"
        ):
            channel.list()
        threading.Timer(0.3, sshd.start).start()
        patient = with_retry(options, attempts=60, base=0.1, cap=1.0)  # a minute for sshd to come back
    with open_channel(sftp_config, "p.in", patient) as channel:
        assert _poll(channel) == sums
    assert sorted(os.listdir(remote / "archive")) == sorted(sums)


@pytest.mark.parametrize(
    "size",
    [
        1 << 20,  # read in line
        pytest.param(
            16 << 20,  # read ahead by paramiko's prefetch thread, which reports the drop itself
            marks=pytest.mark.filterwarnings(
                "ignore::pytest.PytestUnhandledThreadExceptionWarning"
            ),
        ),
    ],
)
def test_connection_dropped_mid_download(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, remote: Path, size: int
) -> None:
    big = os.urandom(size)
    (remote / "big.edi").write_bytes(big)
    spool = (options.spool_dir or Path()) / "p.in"
    watching = threading.Event()

    sessions: list[int] = []

    def kill_when_download_starts() -> None:
        while watching.is_set() and not list(spool.glob(".*.part")):
            time.sleep(0.001)
        for pid in sessions:  # at once, listener first (no reconnecting): a busy machine must
            with contextlib.suppress(ProcessLookupError):  # not let the download finish first
                os.kill(pid, signal.SIGKILL)
        sshd.stop()

    with open_channel(sftp_config, "p.in", options) as channel:
        (listed,) = channel.list()
        assert sshd.proc is not None
        sessions.extend([sshd.proc.pid, *sshd.session_pids()])  # found before the race starts
        watching.set()
        killer = threading.Thread(target=kill_when_download_starts)
        killer.start()
        with pytest.raises(TransportError, match="fetch big.edi"):
            channel.fetch(listed)
        killer.join()
        assert list(spool.iterdir()) == []  # nothing half-written left behind
        sshd.start()
        (again,) = channel.list()
        received = channel.fetch(again)
        assert received.sha256 == hashlib.sha256(big).hexdigest()
        channel.done(again)
    assert os.listdir(remote / "archive") == ["big.edi"]


def _when_appears(folder: Path, pattern: str, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` as soon as a file matching ``pattern`` shows up in ``folder``."""

    def watch() -> None:
        wait_until(lambda: list(folder.glob(pattern)), interval=0.001)
        action()

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


def test_connection_blip_mid_download_is_retried(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    data = os.urandom(1 << 20)
    (remote / "po.edi").write_bytes(data)
    spool = (options.spool_dir or Path()) / "p.in"
    with open_channel(sftp_config, "p.in", options) as channel:
        (listed,) = channel.list()
        watcher = _when_appears(spool, ".*.part", sshd.drop_sessions)
        received = channel.fetch(listed)  # reconnects and fetches again, within the call
        watcher.join()
        assert received.sha256 == hashlib.sha256(data).hexdigest()
        assert [p.name for p in spool.iterdir()] == ["po.edi"]
    assert sshd.logins() == 2


def test_connection_blip_mid_upload_is_retried(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    data = os.urandom(8 << 20)
    (remote / "855.edi").write_bytes(b"previous")
    with open_channel(sftp_config, "p.out", options) as channel:
        watcher = _when_appears(remote, ".*.part", sshd.drop_sessions)
        channel.send("855.edi", data)
        watcher.join()
    assert (remote / "855.edi").read_bytes() == data
    assert sshd.logins() == 2
    # the interrupted upload's hidden .part may stay on the server; no final name is partial
    assert {p.name for p in remote.iterdir()} - {"855.edi"} <= {
        p.name for p in remote.glob(".855.edi.*.part")
    }


def test_a_dead_sftp_subsystem_on_a_live_connection_is_reconnected(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    with open_channel(sftp_config, "p.out", options) as channel:
        channel.send("855-1.edi", b"one")
        deepest = sshd.session_pids()[0]  # the sftp-server; the SSH connection above it lives on
        os.kill(deepest, signal.SIGKILL)
        channel.send("855-2.edi", b"two")
    assert (remote / "855-1.edi").read_bytes() == b"one" and (remote / "855-2.edi").read_bytes() == b"two"
    assert sshd.logins() == 2


def test_upload_is_atomic_and_replaces(
    sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    versions = [bytes([65 + n]) * 300_000 for n in range(3)]
    target = remote / "997.edi"
    target.write_bytes(b"old")
    seen: set[bytes] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.add(target.read_bytes())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        with open_channel(sftp_config, "p.out", options) as channel:
            for _ in range(3):
                for data in versions:
                    sent = channel.send("997.edi", data)
    finally:
        stop.set()
        thread.join()
    assert seen <= {b"old", *versions}
    assert sent.name == "997.edi" and sent.sha256 == hashlib.sha256(versions[-1]).hexdigest()
    assert os.listdir(remote) == ["997.edi"]  # no temporary file left
    assert target.read_bytes() == versions[-1]


class _ServerWithoutPosixRename:
    """Just enough of an SFTP client for `_replace`: a server that lacks posix-rename."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def posix_rename(self, old: str, new: str) -> None:
        raise OSError("Operation unsupported")

    def remove(self, path: str) -> None:
        if self.files.pop(path, None) is None:
            raise FileNotFoundError(2, "No such file")

    def rename(self, old: str, new: str) -> None:
        if new in self.files:
            raise OSError("Failure")  # what OpenSSH answers for an existing name
        self.files[new] = self.files.pop(old)


def test_without_posix_rename_the_old_file_is_removed_first(options: ChannelOptions) -> None:
    config = SftpConfig(
        host="h", user="u", password=SecretRef("env", "X"), host_key="SHA256:" + "C" * 43
    )
    channel = SftpChannel(config, "p.out", options)
    server = _ServerWithoutPosixRename({"997.edi": b"old", ".997.edi.1.part": b"new"})
    session = _Session(transport=None, sftp=server)  # type: ignore[arg-type]
    channel._replace(session, ".997.edi.1.part", "997.edi")
    assert server.files == {"997.edi": b"new"} and session.posix_rename is False
    server.files[".997.edi.2.part"] = b"newer"
    channel._replace(session, ".997.edi.2.part", "997.edi")  # posix-rename not asked again
    assert server.files == {"997.edi": b"newer"}


def test_a_silent_server_times_out(sftp_config: SftpConfig, options: ChannelOptions) -> None:
    """A server that accepts the connection and never answers: bounded, then one line."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        config = replace(sftp_config, port=listener.getsockname()[1])
        quick = replace(with_retry(options, attempts=2, base=0.01, cap=0.01), timeout=0.3)
        started = time.monotonic()
        with pytest.raises(TransportError, match=r"failed after 2 attempt\(s\)") as caught:
            open_channel(config, "p.in", quick).list()
    assert time.monotonic() - started < 15  # 0.3 s twice; a library's own timeout is 15 s or more
    assert "\n" not in str(caught.value)


def test_send_to_a_routing_target(
    sshd: SshServer, sftp_config: SftpConfig, options: ChannelOptions, remote: Path
) -> None:
    target = SftpTarget(
        host="127.0.0.1",
        port=sshd.port,
        user=sshd.user,
        private_key=sftp_config.private_key,
        host_key=sshd.fingerprint(),
        remote_dir=str(remote),
    )
    with open_channel(target, "p.3pl", options) as channel:
        sent = channel.send("940-0001.edi", b"ISA*...~")
    assert (remote / sent.name).read_bytes() == b"ISA*...~"


def test_key_passphrase() -> None:
    text = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
        .decode()
    )
    assert load_private_key(text, "s3cret", "k").get_name() == "ssh-ed25519"
    with pytest.raises(ConfigError, match="k: the private key needs key_passphrase"):
        load_private_key(text, None, "k")
    with pytest.raises(ConfigError, match="k: not a readable .* private key"):
        load_private_key(text, "wrong", "k")
