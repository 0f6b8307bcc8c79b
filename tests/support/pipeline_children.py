"""The entry point of the crash tests' worker processes: the gateway on one workspace, polling
the bigbox folder and processing until nothing is left (folder channels only)."""

from __future__ import annotations

import datetime as dt
import faulthandler
import os
import signal
from pathlib import Path

from edigate.config.partners import load_partners
from edigate.config.workspace import Workspace
from edigate.stages.pipeline import Pipeline
from edigate.store import Store
from edigate.store.archive import Archive

__all__ = ["work"]


def work(root: Path, url: str, repo: Path, lease: float, stderr: Path) -> None:
    """One worker until the work is done; its standard error (and a SIGUSR1 stack dump) to ``stderr``."""
    with open(stderr, "wb") as err, open(os.devnull, "wb") as null:
        os.dup2(err.fileno(), 2)
        os.dup2(null.fileno(), 1)
    faulthandler.register(signal.SIGUSR1)
    os.chdir(repo)
    ws = Workspace(root=root, maps_dir=str(repo / "maps"), partners_dir=str(repo / "partners"))
    partners = {"bigbox": load_partners(repo / "partners")["bigbox"]}
    with Store.open(url) as store:
        gw = Pipeline(ws, store, Archive(root / "archive"), partners, today=dt.date(2026, 11, 26),
                      channel_types=("folder",), lease=dt.timedelta(seconds=lease),
                      poll_lease=dt.timedelta(seconds=5 * lease))  # renewed in time however busy the machine
        while gw.poll("bigbox") or gw.work(f"w{os.getpid()}"):
            pass
