"""Where log records go under the edigate command: edigate's own on stderr, one line each;
the libraries' and every traceback only in the debug log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from edigate.cli.logs import command_logging, use_workspace_logging


def _fail() -> None:
    try:
        raise OSError("Incompatible ssh peer (no acceptable host key)")
    except OSError:
        logging.getLogger("paramiko.transport").error("Exception (client): ...", exc_info=True)
        logging.getLogger("edigate.gateway.scheduler").exception("bigbox:in: refused")


def test_stderr_gets_one_line_per_edigate_record_and_nothing_of_the_libraries(
        capsys: pytest.CaptureFixture[str]) -> None:
    before = list(logging.getLogger().handlers)
    with command_logging(debug=False):
        _fail()
        logging.getLogger("edigate.transport").debug("not shown at INFO")
    assert capsys.readouterr().err == (
        "edigate: error: bigbox:in: refused: Incompatible ssh peer (no acceptable host key)\n")
    assert logging.getLogger().handlers == before  # nothing left behind


def test_a_partners_control_characters_are_escaped_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with command_logging(debug=False):
        logging.getLogger("edigate.transport").warning("p.in: po\x1b]0;owned\x07\n.edi\u202e is left")
    assert capsys.readouterr().err == "edigate: warning: p.in: po\\x1b]0;owned\\x07 .edi\\u202e is left\n"


def test_the_debug_log_gets_everything_with_its_traceback(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    debug_log = tmp_path / "logs" / "debug.log"
    with command_logging(debug=False):
        use_workspace_logging("WARNING", debug_log)
        _fail()
        logging.getLogger("edigate.transport").info("left for the next poll")
    text = debug_log.read_text()
    assert "paramiko.transport" in text and text.count("Traceback (most recent call last)") == 2
    assert "left for the next poll" in text
    assert capsys.readouterr().err.count("\n") == 1  # stderr: WARNING and up, one line


def test_edigate_debug_puts_everything_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with command_logging(debug=True):
        use_workspace_logging("INFO", None)  # changes nothing here
        _fail()
    err = capsys.readouterr().err
    assert "paramiko.transport" in err and "Traceback" in err


def test_outside_the_command_nothing_is_configured() -> None:
    before = list(logging.getLogger().handlers)
    use_workspace_logging("DEBUG", Path("never-written.log"))
    assert logging.getLogger().handlers == before and not Path("never-written.log").exists()
