"""A real OpenSSH ``sshd`` on 127.0.0.1, for the SFTP tests and the SFTP benchmark.

`SshServer` runs one server (a free port, a temporary config, the current user logging in
with a generated key over ``internal-sftp``); it can be stopped, restarted on the same port,
or have its sessions killed. `make_keys` generates the host and client keys it uses.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

from tests.support.waiting import wait_until

__all__ = ["SSHD", "SSH_KEYGEN", "SshServer", "make_keys"]

SSHD = shutil.which("sshd") or next(
    (p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.path.exists(p)), None
)
SSH_KEYGEN = shutil.which("ssh-keygen")

_CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_ed25519
HostKey {dir}/host_ecdsa
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
AllowUsers {user}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel INFO
MaxStartups 50
"""


def _keygen(path: Path, kind: str = "ed25519") -> None:
    assert SSH_KEYGEN is not None
    subprocess.run([SSH_KEYGEN, "-q", "-t", kind, "-N", "", "-f", str(path)], check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _process_table() -> dict[int, int]:
    """pid -> parent pid for every live (not zombie) process, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    return parents


def _descendant_levels(pid: int) -> list[list[int]]:
    """The live descendants of ``pid``: its children, then grandchildren, and so on."""
    parents, levels, frontier = _process_table(), [], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        if frontier:
            levels.append(frontier)
    return levels


def _kill_deepest_first(pid: int) -> None:
    """SIGKILL the descendants of ``pid``, grandchildren first, and wait until none runs."""
    pids = [child for level in reversed(_descendant_levels(pid)) for child in level]
    for child in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    wait_until(lambda: not set(pids) & set(_process_table()), interval=0.005)


class SshServer:
    """One sshd: start, stop (listener only), kill (listener and every session)."""

    def __init__(self, workdir: Path, keys: Path) -> None:
        self.dir = workdir
        self.port = _free_port()
        self.user = getpass.getuser()
        self.log = workdir / "sshd.log"
        for name in ("host_ed25519", "host_ecdsa"):
            shutil.copy(keys / f"{name}.pub", workdir / f"{name}.pub")
            shutil.copy(keys / name, workdir / name)
            os.chmod(workdir / name, 0o600)
        shutil.copy(keys / "client.pub", workdir / "authorized_keys")
        (workdir / "sshd_config").write_text(
            _CONFIG.format(port=self.port, dir=workdir, user=self.user)
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert SSHD is not None
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(self.dir / "sshd_config")],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        self._wait_listening()

    def _wait_listening(self) -> None:
        if not wait_until(self._listening):
            raise RuntimeError(f"sshd did not listen on {self.port}: {self.log.read_text()[-2000:]}")

    def _listening(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"sshd exited: {self.log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """Stop listening; sessions already open are killed too, as on a server reboot."""
        if self.proc is None:
            return
        _kill_deepest_first(self.proc.pid)
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc = None

    def drop_sessions(self) -> None:
        """Kill every open session but keep listening: a network blip."""
        if self.proc is not None:
            _kill_deepest_first(self.proc.pid)

    def session_pids(self) -> list[int]:
        """The processes serving the sessions open now, deepest first (the listener excluded)."""
        assert self.proc is not None
        return [child for level in reversed(_descendant_levels(self.proc.pid)) for child in level]

    def logins(self) -> int:
        return self.log.read_text(errors="replace").count("Accepted publickey")

    def known_hosts_line(self, key: str = "host_ed25519") -> str:
        kind, blob = (self.dir / f"{key}.pub").read_text().split()[:2]
        return f"[127.0.0.1]:{self.port} {kind} {blob}\n"

    def fingerprint(self, key: str = "host_ed25519") -> str:
        return self.fingerprint_of(self.dir / f"{key}.pub")

    @staticmethod
    def fingerprint_of(public_key: Path) -> str:
        out = subprocess.run(
            [SSH_KEYGEN or "ssh-keygen", "-l", "-f", str(public_key)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return out.split()[1]




def make_keys(keys: Path) -> Path:
    """Host keys (Ed25519, ECDSA, another Ed25519) and a client key in ``keys``."""
    keys.mkdir(parents=True, exist_ok=True)
    _keygen(keys / "host_ed25519")
    _keygen(keys / "host_ecdsa", "ecdsa")
    _keygen(keys / "other_ed25519")
    _keygen(keys / "client")
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    return keys
