"""Where log records go while the ``edigate`` command runs.

edigate's own records (loggers under ``edigate``) go to stderr, one line each, traceback
left out, at the workspace's ``log_level``: the CLI's errors and the gateway's log. Every
record, the libraries' own (paramiko, pyas2lib, APScheduler...) and tracebacks included,
goes to the debug log only: the workspace's ``debug_log`` file, or stderr when the
environment sets ``EDIGATE_DEBUG``. Libraries never write on stderr otherwise (paramiko's
handshake tracebacks, for one, said nothing the one-line refusal did not).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["command_logging", "use_workspace_logging"]

_FULL = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


class _Stderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record comes (the CLI's tests swap it):
    edigate's records on one line each, or, with ``debug``, every record in full."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug
        if debug:
            self.setFormatter(logging.Formatter(_FULL))
        else:
            self.addFilter(_ours)
            self.setFormatter(_OneLine())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


class _OneLine(logging.Formatter):
    """``edigate: error: message: the exception's own message``, on one line, a partner's
    control characters (an ESC in a file name) escaped as the CLI prints them."""

    def format(self, record: logging.LogRecord) -> str:
        from edigate.printable import shown

        text = record.getMessage()
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            text = f"{text}: {str(exc) or type(exc).__name__}"
        return f"edigate: {record.levelname.lower()}: {shown(' '.join(text.split()), backslashes=False)}"


def _ours(record: logging.LogRecord) -> bool:
    return record.name == "edigate" or record.name.startswith("edigate.")


class _DebugLog(logging.FileHandler):
    """The workspace's ``debug_log``: every record in full."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.path = path
        self.setFormatter(logging.Formatter(_FULL))


@contextmanager
def command_logging(debug: bool | None = None) -> Iterator[None]:
    """Install the handlers on the root logger for one command; all removed after it."""
    debug = bool(os.environ.get("EDIGATE_DEBUG")) if debug is None else debug
    root, ours = logging.getLogger(), logging.getLogger("edigate")
    levels = root.level, ours.level
    handler = _Stderr(debug)
    if debug:
        root.setLevel(logging.DEBUG)
    ours.setLevel(logging.DEBUG if debug else logging.INFO)
    root.addHandler(handler)
    try:
        yield
    finally:
        for installed in [h for h in root.handlers if h is handler or isinstance(h, _DebugLog)]:
            root.removeHandler(installed)
            installed.close()
        root.setLevel(levels[0])
        ours.setLevel(levels[1])


def use_workspace_logging(level: str, debug_log: Path | None) -> None:
    """The workspace's ``log_level`` (for stderr) and ``debug_log``, once the command has
    read it. Nothing changes outside a `command_logging` block (edigate used as a library)."""
    root = logging.getLogger()
    stderr = next((h for h in root.handlers if isinstance(h, _Stderr)), None)
    if stderr is None or stderr.debug:
        return  # not under the command, or EDIGATE_DEBUG: everything goes to stderr already
    stderr.setLevel(level)
    logs = [h for h in root.handlers if isinstance(h, _DebugLog)]
    if debug_log is not None and not any(h.path == debug_log for h in logs):
        debug_log.parent.mkdir(parents=True, exist_ok=True)
        root.addHandler(_DebugLog(debug_log))
        root.setLevel(logging.DEBUG)
    logging.getLogger("edigate").setLevel(logging.DEBUG if debug_log is not None else level)
