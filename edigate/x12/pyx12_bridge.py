"""pyx12's verdict on an interchange, as edigate findings: the other side of the differential test.

This is the only module that imports pyx12, and it does so inside functions, so importing
edigate never loads it. pyx12 builds its error tree (ISA / GS / ST / segment / element nodes
carrying X12 codes) inside ``x12n_document`` and offers no way to pass one in; the bridge
swaps in a recording subclass of pyx12's ``err_handler`` for the length of one run (under a
lock) and reads the tree back. Positions: pyx12's ``seg_count`` already counts from ST = 1,
so it is the set position unchanged; its ``cur_line`` counts segments in the file from
ISA = 1, so the file index is ``cur_line - 1``; element ids like ``127.004010`` lose their
version suffix. pyx12 failing to run at all (unreadable file, no map, a crash) is
``ok=False`` with the reason, never an exception.
"""

from __future__ import annotations

import io
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from edigate.x12.findings import Finding, Level
from edigate.x12.spec import SPECS_DIR, bundled_specs

__all__ = ["Pyx12Maps", "Pyx12Result", "Pyx12Set", "count_segments_validated", "validate_with_pyx12"]

BOM = "\u00ef\u00bb\u00bf"  # a UTF-8 BOM decoded as latin-1
NOT_X12 = "does not look like an X12 data file"
_RUN_LOCK = threading.Lock()  # the err_handler swap is process-wide
_ENVELOPE_SEGMENTS = {"ISA": ("ISA", "IEA"), "GS": ("GS", "GE"), "ST": ("ST", "SE")}
DROPPED = "pyx12 drops this from its error tree and its 997/999"
_SYNTAX_NOTE = re.compile(r"Syntax Error \(([A-Z]\d+)\)")


@dataclass(frozen=True, slots=True)
class Pyx12Set:
    """One transaction set as pyx12 judged it; ``ordinal`` counts sets in the file from 1."""

    interchange: str
    group: str
    transaction: str
    ordinal: int
    set_id: str
    accepted: bool
    findings: tuple[Finding, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        """(ISA13, GS06, ST02)."""
        return (self.interchange, self.group, self.transaction)


@dataclass(frozen=True, slots=True)
class Pyx12Result:
    """pyx12's whole verdict: per set, plus interchange and group findings.

    ``ok`` is False when pyx12 could not validate the file at all (``reason`` says why);
    ``valid`` is ``x12n_document``'s own return value.
    """

    name: str
    ok: bool
    reason: str = ""
    valid: bool = False
    segments: int = 0
    sets: tuple[Pyx12Set, ...] = ()
    envelope_findings: tuple[Finding, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding: envelope first, then each set's in file order."""
        return self.envelope_findings + tuple(f for s in self.sets for f in s.findings)

    def set_for(self, transaction: str, group: str | None = None,
                interchange: str | None = None) -> Pyx12Set:
        """The first set with these control numbers (KeyError if none)."""
        for s in self.sets:
            if s.transaction == transaction and group in (None, s.group) \
                    and interchange in (None, s.interchange):
                return s
        raise KeyError((interchange, group, transaction))


# ----------------------------------------------------------------- running pyx12


class Pyx12Maps:
    """pyx12's XML maps and its map index, parsed once and kept, for callers that run pyx12 many times.

    ``x12n_document`` parses maps.xml and its XML maps on every run (most of its time on a small
    file). pyx12 4 counts loops and segments in its walker, not in the map, and a run only
    memoizes each node's path, so one parsed map serves every run; a file changed on disk since
    is parsed again.
    """

    def __init__(self) -> None:
        self._maps: dict[tuple[str, str | None, int, str | None], Any] = {}
        self._indexes: dict[tuple[str, int], Any] = {}

    def load(self, map_file: str, param: Any, map_path: str | None = None) -> Any:
        """pyx12's ``load_map_file``, the kept map when the file has not changed."""
        from pyx12.map_if._loader import load_map_file  # type: ignore[import-untyped]  # unpatched

        mtime = _mtime(map_path, map_file)
        if mtime is None:
            return load_map_file(map_file, param, map_path)  # pyx12 says what is wrong with it
        key = (map_file, map_path, mtime, param.get("exclude_external_codes"))
        if key not in self._maps:
            self._maps[key] = self.parse(map_file, param, map_path)
        return self._maps[key]

    def parse(self, map_file: str, param: Any, map_path: str | None) -> Any:
        """A map not kept yet: pyx12's own ``load_map_file`` (a subclass may keep maps between
        processes too)."""
        from pyx12.map_if._loader import load_map_file  # unpatched

        return load_map_file(map_file, param, map_path)

    def index(self, map_path: str | None, read: Callable[[str | None], Any]) -> Any:
        """pyx12's map index (maps.xml, only ever looked up in), the kept one when unchanged;
        ``read`` is pyx12's own ``map_index``."""
        mtime = _mtime(map_path, "maps.xml")
        if map_path is None or mtime is None:
            return read(map_path)
        key = (map_path, mtime)
        if key not in self._indexes:
            self._indexes[key] = read(map_path)
        return self._indexes[key]

    @contextmanager
    def installed(self) -> Iterator[None]:
        """pyx12 reads its maps from here for the block, for a caller that runs
        ``x12n_document`` itself (one run at a time, as the bridge's own)."""
        with _RUN_LOCK, _kept_maps(self):
            yield


@contextmanager
def _kept_maps(maps: Pyx12Maps | None) -> Iterator[None]:
    """pyx12's map loading and map index swapped for ``maps``' (nothing when None); hold _RUN_LOCK."""
    import pyx12.map_if  # type: ignore[import-untyped]
    import pyx12.map_index  # type: ignore[import-untyped]

    if maps is None:
        yield
        return
    load_map_file, map_index = pyx12.map_if.load_map_file, pyx12.map_index.map_index
    pyx12.map_if.load_map_file = maps.load
    pyx12.map_index.map_index = lambda path=None: maps.index(path, map_index)
    try:
        yield
    finally:
        pyx12.map_if.load_map_file, pyx12.map_index.map_index = load_map_file, map_index


def _mtime(map_path: str | None, name: str) -> int | None:
    """The file's mtime in ns; 0 for pyx12's bundled maps (no path); None when it cannot be read."""
    if map_path is None:
        return 0
    try:
        return os.stat(os.path.join(map_path, name)).st_mtime_ns
    except OSError:
        return None


def validate_with_pyx12(data: bytes, *, name: str = "<bytes>", strict_codes: bool = False,
                        maps: Pyx12Maps | None = None) -> Pyx12Result:
    """Run pyx12's ``x12n_document`` with edigate's specs on ``data`` and translate its errors.

    Code lists that edigate marks partial are excluded, as edigate only warns on them,
    unless ``strict_codes`` asks pyx12 to check every list. ``maps`` keeps the parsed maps
    between calls (the result is the same; the differential tests run pyx12 thousands of times).
    """
    text = data.decode("latin-1").removeprefix(BOM)
    exclude = () if strict_codes else tuple(bundled_specs().partial_code_lists())
    try:
        valid, errh, segments, logged = _run(io.StringIO(text), exclude, maps)
    except Exception as exc:  # pyx12 raises EngineError, IndexError, KeyError ... on bad input
        return Pyx12Result(name, ok=False, reason=_crash_reason(exc))
    if not errh.children:
        return Pyx12Result(name, ok=False, reason=_refusal_reason(logged, text))
    sets, envelope = _translate(errh)
    return Pyx12Result(name, ok=True, valid=valid, segments=segments, sets=sets,
                       envelope_findings=envelope)


def count_segments_validated(path: str | Path) -> int:
    """Run ``x12n_document`` with edigate's specs on a file; the number of segments it processed.

    For the benchmark: nothing is translated, and pyx12's errors are counted, not kept.
    """
    with open(path, encoding="latin-1", newline="") as fh:
        _, _, segments, _ = _run(fh)
    return segments


def _run(src: TextIO, exclude_codes: tuple[str, ...] = (),
         maps: Pyx12Maps | None = None) -> tuple[bool, Any, int, list[str]]:
    """(x12n_document's result, its error tree, segments seen, error log lines)."""
    import pyx12.error_handler  # type: ignore[import-untyped]
    import pyx12.params  # type: ignore[import-untyped]
    import pyx12.x12n_document  # type: ignore[import-untyped]

    recorder = _recording_handler_class()
    seen = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    with _RUN_LOCK, _quiet_pyx12_log() as logged, _kept_maps(maps):
        original = pyx12.error_handler.err_handler
        pyx12.error_handler.err_handler = recorder
        try:
            params = pyx12.params.params()
            if exclude_codes:
                params.set("exclude_external_codes", ",".join(exclude_codes))
            valid = pyx12.x12n_document.x12n_document(
                params, src, None, None, map_path=str(SPECS_DIR), callback=count)
        finally:
            pyx12.error_handler.err_handler = original
    return valid, recorder.last, seen[0], logged


_RECORDER: type | None = None


def _recording_handler_class() -> Any:
    """pyx12's ``err_handler``, remembering its last instance and each element's segment id."""
    global _RECORDER
    if _RECORDER is None:
        import pyx12.error_handler

        class Recorder(pyx12.error_handler.err_handler):  # type: ignore[misc]
            last: Any = None

            def __init__(self) -> None:
                super().__init__()
                type(self).last = self

            def add_ele(self, map_node: Any) -> None:
                super().add_ele(map_node)
                self.cur_ele_node.edigate_segment_id = _segment_id_of(map_node)

            def seg_error(self, err_cde: str, err_str: str, err_value: str | None = None,
                          src_line: int | None = None) -> None:
                node = self.cur_seg_node
                if node is None or node.id not in _ENVELOPE_SEGMENTS:
                    super().seg_error(err_cde, err_str, err_value, src_line)
                    return
                # pyx12 would drop this ("No current segment in error_handler"): keep it.
                segment_id = _ENVELOPE_SEGMENTS[node.id][bool(node.is_closed())]
                kept = getattr(node, "edigate_segment_errors", [])
                node.edigate_segment_errors = [*kept, (segment_id, err_cde, err_str, err_value)]

        _RECORDER = Recorder
    return _RECORDER


def _segment_id_of(map_node: Any) -> str | None:
    node = map_node.parent
    while node is not None and not node.is_segment():
        node = node.parent
    return node.id if node is not None else None


class _quiet_pyx12_log:
    """Collect pyx12's log lines instead of letting every data error reach stderr."""

    def __enter__(self) -> list[str]:
        self.logger = logging.getLogger("pyx12")
        self.lines: list[str] = []
        self.handler = _ListHandler(self.lines)
        self.saved = (self.logger.propagate, self.logger.level)
        self.logger.addHandler(self.handler)
        self.logger.propagate = False
        self.logger.setLevel(logging.ERROR)
        return self.lines

    def __exit__(self, *_: object) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.propagate, level = self.saved
        self.logger.setLevel(level)


class _ListHandler(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.lines) < 100:  # the reason is near the start; do not hoard a bad file's log
            self.lines.append(record.getMessage())


def _crash_reason(exc: Exception) -> str:
    if "Map not found" in str(exc):
        return f"pyx12 found no map: {exc}"
    return f"pyx12 failed: {type(exc).__name__}: {exc}"


def _refusal_reason(logged: list[str], text: str) -> str:
    """Why pyx12 read no interchange; names an ISA12 pyx12 4.0.0 refuses (it takes 00401, 00501)."""
    said = next((line for line in logged if NOT_X12 in line), "")
    reason = f"pyx12 refused the file: {NOT_X12}" if said else "pyx12 read no interchange"
    isa12 = text[84:89] if text.startswith("ISA") else ""
    if isa12.isdigit() and isa12 not in ("00401", "00501"):
        reason += f" (ISA12 {isa12} is not one pyx12 reads)"
    return reason


# ----------------------------------------------------------------- reading the error tree


def _translate(errh: Any) -> tuple[tuple[Pyx12Set, ...], tuple[Finding, ...]]:
    sets: list[Pyx12Set] = []
    envelope: list[Finding] = []
    for isa in errh.children:
        isa13 = isa.isa_trn_set_id or ""
        envelope += _node_findings(isa, Level.INTERCHANGE, interchange=isa13)
        for gs in isa.children:
            gs06 = gs.gs_control_num or ""
            envelope += _node_findings(gs, Level.GROUP, interchange=isa13, group=gs06)
            for st in gs.children:
                sets.append(_set(st, isa13, gs06, len(sets) + 1))
    return tuple(sets), tuple(envelope)


def _set(st: Any, isa13: str, gs06: str, ordinal: int) -> Pyx12Set:
    where = {"interchange": isa13, "group": gs06, "transaction": st.trn_set_control_num or "",
             "set_id": st.trn_set_id}
    findings = list(_node_findings(st, Level.TRANSACTION, **where))
    for seg in st.children:
        findings += _segment_findings(seg, **where)
    return Pyx12Set(isa13, gs06, where["transaction"], ordinal, st.trn_set_id or "",
                    accepted=st.ack_code == "A", findings=tuple(findings))


def _node_findings(node: Any, level: Level, **where: Any) -> Iterator[Finding]:
    """ISA, GS or ST node: its own codes, then element errors of its header/trailer segments."""
    for code, message in node.errors:
        yield Finding(level, code, message, **where)
    for segment_id, code, message, value in getattr(node, "edigate_segment_errors", ()):
        yield Finding(Level.SEGMENT, code, message, hint=DROPPED, segment_id=segment_id,
                      segment_position=1 if segment_id == "ST" else None, value=value, **where)
    for ele in node.elements:
        segment_id = getattr(ele, "edigate_segment_id", None)
        position = 1 if segment_id == "ST" else None
        yield from _element_findings(ele, segment_id, position, None, **where)


def _segment_findings(seg: Any, **where: Any) -> Iterator[Finding]:
    position = seg.seg_count
    index = seg.cur_line - 1 if seg.cur_line and seg.cur_line > 0 else None
    for code, message, value in seg.errors:
        note = _SYNTAX_NOTE.search(message or "")
        yield Finding(Level.SEGMENT, code, message, segment_id=seg.seg_id, segment_position=position,
                      segment_index=index, loop_id=seg.ls_id, value=value,
                      element_ref=note.group(1) if note else None, **where)
    for ele in seg.elements:
        yield from _element_findings(ele, seg.seg_id, position, index, **where)


def _element_findings(ele: Any, segment_id: str | None, position: int | None, index: int | None,
                      **where: Any) -> Iterator[Finding]:
    for code, message, value in ele.errors:
        yield Finding(Level.ELEMENT, code, message, segment_id=segment_id,
                      segment_position=position, segment_index=index,
                      element=_int_or_none(ele.ele_pos), component=_int_or_none(ele.subele_pos),
                      repetition=_int_or_none(ele.repeat_pos),
                      element_ref=base_element_ref(ele.ele_ref_num), value=value, **where)


def base_element_ref(ref: str | None) -> str | None:
    """``127.004010`` -> ``127``: our dataele.xml keys version-specific lengths by suffix."""
    return ref.split(".", 1)[0] if ref else None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
