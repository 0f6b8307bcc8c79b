"""Several gateways sharing one PostgreSQL store and its archive, each a real ``edigate run``
process in a working directory of its own, all polling one shared inbound folder and
writing to one shared outbound folder (as hosts mounting the partner's drop would).
Used by the several-gateway test and by ``benchmarks/gateways.py``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.gateway import make_workspace, po_file
from tests.support.paths import REPO

__all__ = ["Cluster", "cluster", "stop"]


@dataclass(frozen=True)
class Cluster:
    """The shared folders and the gateways' workspaces."""

    inbox: Path
    outbox: Path
    workspaces: tuple[Path, ...]

    def drop(self, count: int, start: int = 1) -> list[str]:
        """``count`` bigbox files (one 850 with two orders each) into the shared inbox."""
        names = []
        for n in range(start, start + count):
            (self.inbox / f".po{n:05d}.part").write_bytes(po_file(n))
            (self.inbox / f".po{n:05d}.part").rename(self.inbox / f"po{n:05d}.edi")
            names.append(f"po{n:05d}.edi")
        return names

    def start(self, index: int) -> subprocess.Popen[str]:
        """``edigate run`` in workspace ``index``, on this checkout's code, output to files there."""
        root = self.workspaces[index]
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        with (root / "run.out").open("w") as out, (root / "run.err").open("w") as err:
            return subprocess.Popen([sys.executable, "-m", "edigate.cli.main", "run"], cwd=root, env=env,
                                    text=True, stdout=out, stderr=err)


def cluster(root: Path, url: str, gateways: int, *, lease_seconds: int = 600, poll_seconds: int = 5) -> Cluster:
    """``gateways`` workspaces under ``root`` on the store at ``url`` with the ``postgresql`` archive."""
    inbox, outbox = root / "shared" / "in", root / "shared" / "out"
    inbox.mkdir(parents=True)
    outbox.mkdir(parents=True)
    channels = (f"  inbound:\n    type: folder\n    path: {inbox}\n    glob: \"*.edi\"\n    ready: rename\n"
                f"    archive_dir: {root / 'shared' / 'done'}\n    poll_seconds: {poll_seconds}\n"
                f"  outbound:\n    type: folder\n    path: {outbox}\n")
    yaml = (f"store: {json.dumps(url)}\nmaps_dir: {REPO / 'maps'}\narchive:\n  backend: postgresql\n"
            f"lease_seconds: {lease_seconds}\n")
    workspaces = []
    for n in range(1, gateways + 1):
        ws = make_workspace(root / f"gw{n}", channels)
        (ws / "edigate.yaml").write_text(yaml)
        workspaces.append(ws)
    return Cluster(inbox, outbox, tuple(workspaces))


def stop(proc: subprocess.Popen[str]) -> int:
    """SIGTERM, then the exit code once the gateway has finished the work in hand."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=120)
