"""A big file's 850s translated on two cores: a helper process takes the later sets.

The validate and map stages of a file with thousands of orders are pure Python on one
core. From `PARALLEL_FROM` sets on, the validate stage starts a helper process for the
file's last three fifths of sets: the helper validates them itself (to know which the
validate stage accepts) and translates those, while this process validates the whole
file and then translates the first two fifths. The map stage saves the helper's results
after its own, keeping only the sets the validate stage accepted, so the documents come out
as a serial run saves them. A map stage resumed on its own starts a helper for the second
half of the accepted sets.

The helper reads the archived file and compiles the map itself: it is a fresh interpreter
(``python -m edigate.parallel``, never a fork of a gateway that runs threads) and shares
nothing with this process but the pickled request on its standard input and its answer,
pages of results written to an unnamed temporary file. When it cannot run (one core, a
helper that failed or died), this process translates its sets too; nothing about the
results depends on which process made them.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from edigate.mapping.findings import MapFinding
from edigate.mapping.inbound import InboundMap, load_inbound_map
from edigate.mapping.translate import translate_transaction
from edigate.model import dumps
from edigate.purposes import order_key
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.findings import Finding
from edigate.x12.validate import Validator

__all__ = ["PARALLEL_FROM", "SetKey", "Translated", "Translation", "cores", "set_key", "sound", "translate_range",
           "translate_range_from"]

PARALLEL_FROM = 2000
"""From this many sets, a helper process translates some of them. Below it the helper's
start (an interpreter, edigate's imports, the compiled map: about half a second) costs
more than its share of the work saves."""

_ANSWER_PAGE = 250
"""Results per pickle in the helper's answer: the caller holds one page at a time."""

SetKey = tuple[str, str, str]
"""A set's ISA13, GS06 and ST02."""


@dataclass(frozen=True, slots=True)
class Translated:
    """One accepted set's translation, ready to save: the order's key and JSON body (None
    when the set did not translate cleanly) and the map's findings with their control numbers."""

    isa13: str
    gs06: str
    st02: str
    key: str | None
    body: str | None
    findings: tuple[MapFinding, ...]


def set_key(tx: Transaction) -> SetKey:
    return tx.interchange.control_number, tx.group.control_number if tx.group else "", tx.control_number


def translate_range(data: bytes | Path, name: str | None, mapping: InboundMap, partner_id: str,
                    accepted: Collection[SetKey] | Validator, start: int = 0, stop: int | None = None
                    ) -> Iterator[Translated]:
    """The accepted sets among the file's transactions ``start`` to ``stop`` (counting every
    transaction, in file order) translated one by one; reading stops at ``stop``.

    ``accepted`` holds the keys of the sets the validate stage accepted, or is the validator
    that decides it here: a set of the map's type without an error in its envelope or its
    structure, as the validate stage accepts it.
    """
    validator, keys = (accepted, frozenset[SetKey]()) if isinstance(accepted, Validator) else (None, accepted)
    for n, event in enumerate(e for e in EnvelopeReader(data, name=name) if isinstance(e, Transaction)):
        if stop is not None and n >= stop:
            return
        if n < start:
            continue
        if validator is None:
            if set_key(event) not in keys:
                continue
        elif event.set_id != mapping.set_id or not sound(event.findings, validator(event)):
            continue
        result = translate_transaction(event, mapping, partner_id)
        clean = result.order is not None and result.ok
        yield Translated(result.isa13, result.gs06, result.st02,
                         order_key(result.order) if clean and result.order else None,
                         dumps(result.order) if clean and result.order else None, result.findings)


def sound(*findings: Iterable[Finding]) -> bool:
    """Whether a set has no error among its envelope and structural findings."""
    return not any(f.is_error for group in findings for f in group)


def translate_range_from(path: str, name: str | None, maps_dir: str, map_name: str, partner_id: str,
                         accepted: frozenset[SetKey] | None, start: int) -> Iterator[Translated]:
    """`translate_range` to the end, in a helper process: the file and the map by their paths;
    without ``accepted``, a validator decides which sets are."""
    mapping = load_inbound_map(map_name, Path(maps_dir))
    return translate_range(Path(path), name, mapping, partner_id,
                           Validator() if accepted is None else accepted, start)


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Translation:
    """A big file's accepted sets from transaction ``start`` on, translating in a helper
    process (``accepted`` None: it validates them to know which are).

    Close it (or use it as a context manager) to stop a helper whose answer was not awaited.
    `results` waits for the helper and reads its answer a page at a time; None when the
    helper could not start, failed or died (the caller then translates that half itself).
    """

    def __init__(self, path: Path, name: str | None, maps_dir: Path, map_name: str, partner_id: str,
                 accepted: Collection[SetKey] | None, start: int) -> None:
        request = pickle.dumps((str(path), name, str(maps_dir), map_name, partner_id,
                                None if accepted is None else frozenset(accepted), start))
        self.start = start
        """The first transaction (counting from 0 in file order) the helper translates."""
        self._answer = tempfile.TemporaryFile(prefix="edigate-translate-")
        self._process: subprocess.Popen[bytes] | None = None
        try:
            self._process = subprocess.Popen([sys.executable, "-P", "-m", "edigate.parallel"], env=_environment(),
                                             stdin=subprocess.PIPE, stdout=self._answer,
                                             stderr=subprocess.DEVNULL)
            assert self._process.stdin is not None
            with self._process.stdin as request_pipe:
                request_pipe.write(request)
        except OSError:
            self._stop()

    def results(self) -> Iterator[Translated] | None:
        if self._process is None or self._answer.closed or self._process.wait() != 0:
            return None
        self._answer.seek(0)
        return _pages(self._answer)

    def close(self) -> None:
        """Stop the helper if it is still working and drop its answer."""
        self._stop()
        self._answer.close()

    def __enter__(self) -> Translation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stop(self) -> None:
        if self._process is not None and self._process.poll() is None:  # stopped before its answer was read
            self._process.kill()
            self._process.wait()


def _environment() -> dict[str, str]:
    """Ours, with the folder this edigate was imported from first on the helper's path: it
    runs the same code, never an ``edigate`` folder in the working directory (``-P``)."""
    home = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [home, os.environ.get("PYTHONPATH")]))}


def _pages(answer: IO[bytes]) -> Iterator[Translated]:
    while True:
        try:
            page = pickle.load(answer)
        except EOFError:
            return
        yield from page


def _serve() -> int:
    """The helper process: a pickled request on stdin; pickled pages of results on stdout."""
    request = pickle.loads(sys.stdin.buffer.read())
    page: list[Translated] = []
    for translated in translate_range_from(*request):
        page.append(translated)
        if len(page) == _ANSWER_PAGE:
            pickle.dump(page, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
            page = []
    pickle.dump(page, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    from edigate.parallel import _serve as serve  # the module by its name, so its classes pickle by it

    sys.exit(serve())
