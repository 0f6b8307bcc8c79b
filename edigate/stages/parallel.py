"""A big file's 850s validated and translated on two cores: a helper process takes the
later sets.

The validate and map stages of a file with thousands of orders are pure Python on one
core. From `PARALLEL_FROM` sets on (`count_sets`), the envelope stage starts a helper
process that translates the file's last eleven twentieths of sets (after
`edigate.stages.envelope.MAIN_SHARE`) and validates the last nine (after `CHECKED_SHARE`),
handing its findings over as soon as it has them (the validate stage uses them in the 997
instead of validating those sets again). Of the sets in between, which this process
validates, the helper is told the accepted ones as soon as the stage has checked them. It
translates the sets it may (kept from its read up to `KEPT_SETS` sets, else read a second
time) while this process translates the first nine twentieths. The map stage saves the
helper's results after its own, keeping only the sets the validate stage accepted, so the
documents come out as a serial run saves them. Both processes decide the orders they
translate where a decision reads nothing from the store (`edigate.stages.foreseen`): the
decide stage then only records those. A validate stage resumed on its own starts the
helper itself; a map stage resumed on its own starts one for the sets after the first half
as many as it accepted.

The helper reads the archived file and compiles the map itself: it is a fresh interpreter
(``python -m edigate.stages.parallel``, never a fork of a gateway that runs threads) and shares
nothing with this process but two pickled requests on its standard input (the work, then
how to decide the orders, sent once the partner's rules are loaded), a byte on a pipe
when its findings are written, and two unnamed temporary files: the findings, and pages of
results. When it cannot run (one core, a helper that failed or died), this process does
that work itself; nothing about the results depends on which process made them.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from edigate.mapping.findings import MapFinding
from edigate.mapping.inbound import InboundMap, load_inbound_map
from edigate.mapping.translate import translate_transaction
from edigate.model import Order, dumps
from edigate.orders.purposes import order_key
from edigate.config.runtime import tune_collector
from edigate.stages.foreseen import Decider, DeciderRequest, Foreseen
from edigate.x12.delimiters import fixed_isa_separators
from edigate.x12.envelope import EnvelopeReader, Transaction
from edigate.x12.leniency import STRICT, Leniency
from edigate.x12.findings import Finding
from edigate.x12.validate import Validator

__all__ = ["KEPT_SETS", "PARALLEL_FROM", "Checked", "SetKey", "Translated", "Translation", "cores", "count_sets", "set_key",
           "translate_range", "translate_sets", "validate_range"]

PARALLEL_FROM = 2000
"""From this many sets, a helper process translates some of them. Below it the helper's
start (an interpreter, edigate's imports, the compiled map: about half a second) costs
more than its share of the work saves."""

KEPT_SETS = 3000
"""Accepted sets a process keeps between validating and translating them (a 20-line 850
holds about 14 kB read), the helper its share, this process its own: up to this many, the
file is read once, not twice."""

_ANSWER_PAGE = 250
"""Results per pickle in the helper's answer: the caller holds one page at a time."""

SetKey = tuple[str, str, str]
"""A set's ISA13, GS06 and ST02."""

Checked = tuple[SetKey, tuple[Finding, ...]]
"""A set's key and its structural findings, as the helper validated it."""


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
    foreseen: Foreseen | None = None
    """The order's decision, when the translating process could make it (`edigate.stages.foreseen`)."""


def set_key(tx: Transaction) -> SetKey:
    return tx.interchange.control_number, tx.group.control_number if tx.group else "", tx.control_number


def translate_range(data: bytes | Path, name: str | None, mapping: InboundMap, partner_id: str,
                    accepted: Collection[SetKey], start: int = 0, stop: int | None = None,
                    decider: Callable[[Order], Foreseen | None] | None = None) -> Iterator[Translated]:
    """The ``accepted`` sets among the file's transactions ``start`` to ``stop`` (counting
    every transaction from 0, in file order) translated one by one; reading stops at ``stop``.
    With a ``decider``, each order is decided too where it can be."""
    return translate_sets(_transactions(data, name, start, stop), mapping, partner_id, accepted, decider)


def translate_sets(events: Iterable[Transaction], mapping: InboundMap, partner_id: str, accepted: Collection[SetKey],
                   decider: Callable[[Order], Foreseen | None] | None = None) -> Iterator[Translated]:
    """`translate_range` over transactions read already."""
    for event in events:
        if set_key(event) in accepted:
            result = translate_transaction(event, mapping, partner_id)
            order = result.order if result.ok and isinstance(result.order, Order) else None  # ok: no error finding
            if order is None:
                yield Translated(result.isa13, result.gs06, result.st02, None, None, result.findings)
                continue
            yield Translated(result.isa13, result.gs06, result.st02, order_key(order), dumps(order), result.findings,
                             None if decider is None else decider(order))


def validate_range(data: bytes | Path, name: str | None, validator: Validator, set_id: str, start: int
                   ) -> tuple[list[Checked], frozenset[SetKey]]:
    """The structural findings of the file's transactions from ``start`` on, and the keys of
    those the validate stage accepts for the map: a ``set_id`` set with no error in its
    envelope or its structure."""
    checked, accepted, _ = _validated(data, name, validator, set_id, start, keep=0)
    return checked, accepted


def _validated(data: bytes | Path, name: str | None, validator: Validator, set_id: str, start: int, keep: int,
               read_from: int | None = None) -> tuple[list[Checked], frozenset[SetKey], list[Transaction] | None]:
    """`validate_range`, and the accepted sets themselves when there are at most ``keep``
    (None when there are more: they are read again to be translated). From ``read_from``
    (before ``start``), the sets up to ``start`` are kept too, unchecked: the caller
    translates them once told which it accepted."""
    checked: list[Checked] = []
    accepted: set[SetKey] = set()
    kept: list[Transaction] | None = []
    first = start if read_from is None else min(read_from, start)
    for n, event in enumerate(_transactions(data, name, first), start=first):
        if n < start:
            if kept is not None and len(kept) < keep:
                kept.append(event)
            else:
                kept = None
            continue
        found = tuple(validator(event))
        checked.append((set_key(event), found))
        if _sound(event, found, set_id):
            accepted.add(set_key(event))
            if kept is not None and len(kept) < keep:
                kept.append(event)
            else:
                kept = None  # too many to hold: translating reads them again
    return checked, frozenset(accepted), kept


def _accepted(events: Iterable[Transaction], validator: Validator, set_id: str) -> set[SetKey]:
    """The keys of the ``set_id`` sets among ``events`` that are `_sound`."""
    return {set_key(e) for e in events if _sound(e, validator(e), set_id)}


def _sound(event: Transaction, found: Iterable[Finding], set_id: str) -> bool:
    """A ``set_id`` set with no error in its envelope or its structure (``found``)."""
    return event.set_id == set_id and not any(f.is_error for f in (*event.findings, *found))


def _transactions(data: bytes | Path, name: str | None, start: int, stop: int | None = None
                  ) -> Iterator[Transaction]:
    """The file's transactions ``start`` to ``stop``, counting every one from 0 in file order."""
    for n, event in enumerate(e for e in EnvelopeReader(data, name=name) if isinstance(e, Transaction)):
        if stop is not None and n >= stop:
            return
        if n >= start:
            yield event


def count_sets(data: bytes) -> int:
    """About how many transaction sets ``data`` holds, before anything has read it: the ST
    segments after a terminator, with the separators a fixed-width first ISA declares (0
    when it has none). Only the helper's share depends on it, never a result."""
    separators = fixed_isa_separators(data)
    if separators is None:
        return 0
    element, terminator = separators
    return sum(data.count(terminator + suffix + b"ST" + element) for suffix in (b"", b"\n", b"\r\n"))


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Translation:
    """A big file's accepted sets from transaction ``start`` on, translating in a helper
    process. Without ``accepted`` the helper first validates those sets to know which are,
    and hands its findings over (`validated`) before it translates.

    Close it (or use it as a context manager) to stop a helper whose answer was not awaited.
    `results` waits for the helper and reads its answer a page at a time; it and `validated`
    answer None when the helper could not start, failed or died (the caller then does that
    work itself).
    """

    def __init__(self, path: Path, name: str | None, maps_dir: Path, map_name: str, partner_id: str,
                 accepted: Collection[SetKey] | None, start: int, leniency: Leniency = STRICT,
                 checked_from: int | None = None) -> None:
        self.start = start
        """The first transaction (counting from 0 in file order) the helper translates."""
        self.checked_from = start if checked_from is None or accepted is not None else max(start, checked_from)
        """The first transaction the helper validates (without ``accepted``): it is told
        which sets before it the caller accepted (`decide`) before it translates those."""
        self._answer = tempfile.TemporaryFile(prefix="edigate-translate-")
        self._checks = tempfile.TemporaryFile(prefix="edigate-validate-")
        self._checked: list[Checked] | None = None if accepted is None else []
        self._ready, ready = os.pipe()
        request = pickle.dumps((os.getpid(), str(path), name, str(maps_dir), map_name, partner_id,
                                None if accepted is None else frozenset(accepted), start,
                                self._checks.fileno(), ready, leniency, self.checked_from))
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: IO[bytes] | None = None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-m", "edigate.stages.parallel"], env=_environment(), stdin=subprocess.PIPE,
                stdout=self._answer, stderr=subprocess.DEVNULL, pass_fds=(self._checks.fileno(), ready))
            assert self._process.stdin is not None
            self._requests = self._process.stdin
            _send(self._requests, request)
        except (OSError, ValueError):
            self._stop()
        finally:
            os.close(ready)

    def decide(self, request: DeciderRequest | None, accepted: Collection[SetKey] | None = None) -> None:
        """Let the helper decide the orders it translates as ``request`` says (None: it does
        not decide), and which of the sets before `checked_from` the caller accepted (for a
        validating helper: without them, it checks itself those it translates); the first
        call counts. The helper waits for it
        before it translates, so that a helper started before the partner's rules were
        loaded can still decide."""
        requests, self._requests = self._requests, None
        if requests is None:
            return
        try:
            message = pickle.dumps((request, None if accepted is None else frozenset(accepted)))
        except Exception:  # noqa: BLE001 - rules that do not pickle: the helper translates, the decide stage decides
            message = pickle.dumps((None, None if accepted is None else frozenset(accepted)))
        try:
            with requests:
                _send(requests, message)
        except (OSError, ValueError):  # the helper is gone: results() says so
            pass

    def validated(self, index: int, key: SetKey) -> tuple[Finding, ...] | None:
        """The helper's structural findings for its ``index``-th set (waiting for them the
        first time); None when it has none for that set."""
        if self._checked is None:
            self._checked = []
            try:
                if os.read(self._ready, 1) == b"v":  # nothing (end of file): the helper died first
                    self._checks.seek(0)
                    self._checked = pickle.load(self._checks)
            except (OSError, EOFError, pickle.UnpicklingError):
                pass
        if index < len(self._checked) and self._checked[index][0] == key:
            return self._checked[index][1]
        return None

    def results(self) -> Iterator[Translated] | None:
        self.decide(None)  # not asked to decide by now: it translates only
        if self._process is None or self._answer.closed or self._process.wait() != 0:
            return None
        self._answer.seek(0)
        return _pages(self._answer)

    def close(self) -> None:
        """Stop the helper if it is still working and drop what it wrote."""
        self.decide(None)
        self._stop()
        for f in (self._answer, self._checks):
            f.close()
        if self._ready >= 0:
            os.close(self._ready)
            self._ready = -1

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
    home = str(Path(__file__).resolve().parents[2])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [home, os.environ.get("PYTHONPATH")]))}


def _send(pipe: IO[bytes], request: bytes) -> None:
    pipe.write(len(request).to_bytes(8, "big") + request)
    pipe.flush()


def _received(pipe: IO[bytes]) -> Any:
    """The next request `_send` wrote; None at the end of the pipe."""
    size = pipe.read(8)
    return pickle.loads(pipe.read(int.from_bytes(size, "big"))) if len(size) == 8 else None


def _pages(answer: IO[bytes]) -> Iterator[Translated]:
    while True:
        try:
            page = pickle.load(answer)
        except EOFError:
            return
        yield from page


def _orphaned(parent: int) -> None:
    """End the helper once the gateway that started it is gone (killed, say): nobody will
    read its answer."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(3)


def _serve() -> int:
    """The helper process: a pickled request on stdin; when asked, its findings to the
    checks file and a byte on the ready pipe; then how to decide (or nothing) on stdin, and
    pickled pages of results on stdout."""
    requests = sys.stdin.buffer
    (parent, path, name, maps_dir, map_name, partner_id, accepted, start, checks, ready, leniency,
     checked_from) = _received(requests)
    threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()
    tune_collector()
    mapping = load_inbound_map(map_name, Path(maps_dir))
    kept: list[Transaction] | None = None
    validating = accepted is None
    with os.fdopen(ready, "wb", buffering=0) as ready_pipe:
        if accepted is None:
            checked, accepted, kept = _validated(Path(path), name, Validator(leniency=leniency), mapping.set_id,
                                                 checked_from, KEPT_SETS, read_from=start)
            with os.fdopen(checks, "wb") as out:
                pickle.dump(checked, out, protocol=pickle.HIGHEST_PROTOCOL)
            ready_pipe.write(b"v")  # told before translating: the validate stage waits for these, not for that
    told, theirs = _received(requests) or (None, None)
    if theirs is not None and validating:
        accepted = accepted | theirs  # the validate stage's judgement of the sets before ours
    elif start < checked_from:  # not told: the sets before those we validated are checked here
        before = kept[:checked_from - start] if kept is not None else _transactions(Path(path), name, start,
                                                                                      checked_from)
        accepted = accepted | _accepted(before, Validator(leniency=leniency), mapping.set_id)
    events = _transactions(Path(path), name, start) if kept is None else kept
    page: list[Translated] = []
    decider = Decider.from_request(told, Path(maps_dir))
    for translated in translate_sets(events, mapping, partner_id, accepted, decider):
        page.append(translated)
        if len(page) == _ANSWER_PAGE:
            pickle.dump(page, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
            page = []
    pickle.dump(page, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    from edigate.stages.parallel import _serve as serve  # the module by its name, so its classes pickle by it

    sys.exit(serve())
