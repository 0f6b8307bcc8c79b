"""The edigate command: run in the test's process, or as a real process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.support.databases import seed_sqlite
from tests.support.paths import REPO

__all__ = ["BIGBOX", "Cli", "cli_runner", "example_root", "put_file", "run_edigate", "run_in_process", "set_routing",
           "start_edigate"]

BIGBOX = (REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_bytes()
Cli = Callable[..., subprocess.CompletedProcess[str]]


def example_root(tmp_path: Path, url: str) -> Path:
    """A workspace on the store at ``url``, with the example partners, maps and data."""
    shutil.copytree(REPO / "partners", tmp_path / "partners")
    shutil.copytree(REPO / "maps", tmp_path / "maps")
    shutil.copytree(REPO / "samples" / "data", tmp_path / "samples" / "data")
    (tmp_path / "edigate.yaml").write_text(f"store: {json.dumps(url)}\n")
    seed_sqlite(url)
    return tmp_path


def cli_runner(root: Path, *, process: bool = False) -> Cli:
    """``edigate ARGS`` run to its end in ``root``; never a traceback or an internal error.

    The command runs as `edigate.cli.main.main` in this process (its exit code, stdout and
    stderr, as the process would give them), which spares each command a Python start;
    ``process`` runs ``python -m edigate.cli.main`` instead, for tests of the program itself."""
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        if process:
            done = subprocess.run([sys.executable, "-m", "edigate.cli.main", *args], capture_output=True, text=True,
                                  cwd=root, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
        else:
            done = run_in_process(root, *args)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
        return done
    return run


def run_in_process(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``edigate ARGS`` as `edigate.cli.main.main` in ``root``: exit code, stdout, stderr."""
    from edigate.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors, --help and --version
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["edigate", *args], code, out.getvalue(), err.getvalue())


def set_routing(root: Path, routing: str, partner: str = "bigbox") -> None:
    """Replace ``partner``'s routing (its file's last section, from ``routing:`` on) with
    ``routing`` (YAML, starting ``routing:``)."""
    path = root / "partners" / f"{partner}.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("routing:")] + routing)


def put_file(root: Path, name: str, data: bytes) -> str:
    """Write ``data`` as ``root/name``; the name, for the command line."""
    (root / name).write_bytes(data)
    return name


def run_edigate(*args: str) -> tuple[int, str, str]:
    """``edigate ARGS`` in the current directory: exit code, stdout, stderr."""
    proc = subprocess.run([sys.executable, "-m", "edigate.cli.main", *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def start_edigate(root: Path, *args: str) -> subprocess.Popen[str]:
    """``edigate ARGS`` as a real process in ``root``, unbuffered, its output piped."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}  # this checkout's code, not the installed one
    return subprocess.Popen([sys.executable, "-m", "edigate.cli.main", *args], cwd=root, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
