"""The edigate command tunes its own process's collector; importing edigate does not."""

from __future__ import annotations

import subprocess
import sys

from edigate.config.runtime import COLLECTOR_THRESHOLDS

PROBE = "import gc;print(gc.get_threshold(), gc.get_freeze_count() > 0)"


def test_the_command_runs_with_the_tuned_collector_and_importing_edigate_does_not() -> None:
    plain = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    imported = subprocess.run([sys.executable, "-c", f"import edigate.cli.main,edigate.stages.pipeline;{PROBE}"],
                              capture_output=True, text=True, check=True)
    ran = subprocess.run([sys.executable, "-c", "import sys,edigate.cli.main;sys.argv=['edigate','--version']\n"
                          f"try:\n edigate.cli.main.console()\nexcept SystemExit:\n {PROBE}"],
                         capture_output=True, text=True, check=True)
    assert imported.stdout == plain.stdout and plain.stdout.strip().endswith("False")
    assert str(COLLECTOR_THRESHOLDS) not in plain.stdout
    assert ran.stdout.splitlines()[-1] == f"{COLLECTOR_THRESHOLDS} True"
