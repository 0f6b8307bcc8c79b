"""Structural validation of transaction sets against the compiled specs.

One pass per set (element checks in `edigate.x12.elements`): each segment is placed in the spec's loop tree by searching forward
from where the previous one stood, first in the innermost open loop, then outward. A
segment that fits nowhere is reported once and skipped, so one misplaced segment does not
make every later one "not found" (pyx12's behaviour). Elements are checked against their
data element definitions and code lists, composites against their components, and
segments against their syntax notes (P, R, C, L, E). Every problem is a `Finding` with its
AK3/AK4 (IK3/IK4) code and position.

Summary counts are checked beyond what X12 syntax requires: CTT01 against the number of
line-item loops is reported as a warning, since pyx12 and most translators ignore it.

A partner's `Leniency` profile turns the departures it names (codes outside their list,
trailing separators, lower case, a segment out of order within its loop) from errors into
warnings; the 997/999 lists errors only, so it follows the profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from edigate.x12.checks import ascii_digits
from edigate.x12.directory import is_segment_id
from edigate.x12.elements import UNLISTED, Problem, element_problems, syntax_problems
from edigate.x12.envelope import Transaction
from edigate.x12.hierarchy import hierarchy_problems
from edigate.x12.findings import Finding, FindingLimits, Level, Severity, no_errors, unlisted
from edigate.x12.leniency import LOWERCASE, SEGMENT_ORDER, STRICT, TRAILING_SEPARATORS, Leniency
from edigate.x12.segment import Element, Segment
from edigate.x12.spec import LoopSpec, SegmentSpec, SetSpec, SpecLibrary, bundled_specs

__all__ = ["Validator", "validate_transaction"]

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
_LINE_LOOPS = {"850": "PO1", "855": "PO1", "860": "POC", "810": "IT1", "856": "HL"}
_FOUND_ANYWHERE_CODE = "7"
_NOT_IN_SET_CODE = "6"
_UNRECOGNIZED_CODE = "1"
_UNLISTED_HINT = ("a warning only, the set is accepted: the value is valid X12 but not among the codes "
                  "edigate knows for this element; if it means something for this partner, give it its "
                  "meaning in the partner map's code table")
_CHECKED = 4_000
"""Segments whose element checks a `Validator` remembers (then it starts over)."""


@dataclass(slots=True)
class _Frame:
    loop: LoopSpec
    index: int
    counts: list[int]


@dataclass
class _Walk:
    """The state of one set's walk through its spec."""

    tx: Transaction
    checked: dict[tuple[int, tuple[Element, ...]], list[Problem]]
    """Element problems by segment spec and content: an order's N1, PO4 or PID often repeats
    another's, and the answer depends on nothing else."""
    cap: int = 100
    leniency: Leniency = STRICT
    findings: list[Finding] = field(default_factory=list)
    stack: list[_Frame] = field(default_factory=list)
    line_loops: int = 0
    dropped: int = 0
    dropped_errors: bool = False

    def finding(self, level: Level, code: str, message: str, seg: Segment | None, position: int,
                loop_id: str = "", **more: object) -> None:
        if len(self.findings) >= self.cap:  # counted, not kept: memory stays flat
            self.dropped += 1
            self.dropped_errors = self.dropped_errors or more.get("severity", Severity.ERROR) is Severity.ERROR
            return
        tx = self.tx
        self.findings.append(Finding(
            level, code, message, transaction=tx.control_number, set_id=tx.set_id,
            interchange=tx.interchange.control_number, group=tx.group.control_number if tx.group else None,
            segment_index=seg.index if seg else None, segment_position=position,
            segment_id=more.pop("segment_id", seg.id if seg else None),  # type: ignore[arg-type]
            loop_id=loop_id or None, offset=seg.offset if seg else None, **more))  # type: ignore[arg-type]


class Validator:
    """Validates transaction sets with the specs of a `SpecLibrary`."""

    def __init__(self, library: SpecLibrary | None = None, limits: FindingLimits = FindingLimits(),
                 leniency: Leniency = STRICT) -> None:
        self.library = library or bundled_specs()
        self.limits = limits
        self.leniency = leniency
        self._checked: dict[tuple[int, tuple[Element, ...]], list[Problem]] = {}

    def lenient(self, leniency: Leniency) -> Validator:
        """A validator applying ``leniency`` that shares this one's compiled specs and memory."""
        other = Validator(self.library, self.limits, leniency)
        other._checked = self._checked
        return other

    def __call__(self, tx: Transaction) -> list[Finding]:
        return self.validate(tx)

    def validate(self, tx: Transaction) -> list[Finding]:
        """Every structural problem of ``tx``, up to `FindingLimits.per_set` and then one
        finding saying how many more; an unsupported set is one AK5 1 finding."""
        version = tx.group.version if tx.group else ""
        spec = self.library.get(tx.set_id, version)
        if spec is None:
            return [Finding(Level.TRANSACTION, "1", f"transaction set {tx.set_id} version {version or '?'} "
                            "is not supported", Severity.ERROR, "no spec for this set and version",
                            transaction=tx.control_number, set_id=tx.set_id,
                            interchange=tx.interchange.control_number,
                            group=tx.group.control_number if tx.group else None)]
        if len(self._checked) > _CHECKED:
            self._checked.clear()
        return _walk(spec, tx, self._checked, self.limits.per_set, self.leniency)


def validate_transaction(tx: Transaction, library: SpecLibrary | None = None,
                         leniency: Leniency = STRICT) -> list[Finding]:
    return Validator(library, leniency=leniency).validate(tx)


def _walk(spec: SetSpec, tx: Transaction, checked: dict[tuple[int, tuple[Element, ...]], list[Problem]],
          cap: int, leniency: Leniency) -> list[Finding]:
    walk = _Walk(tx, checked, cap, leniency)
    root = spec.root
    walk.stack.append(_Frame(root, 0, [1] + [0] * (len(root.children) - 1)))
    body = tx.segments[1:]
    for position, seg in enumerate(body, 2):
        if leniency.lowercase and not seg[0].isupper():
            seg = _upper_case_id(walk, seg, position)
        if seg.id == "SE" and position == len(tx.segments):
            _close(walk, 0, seg, position)
            _place_trailer(walk, seg, position)
            break
        _place(walk, spec, seg, position)
    else:
        _close(walk, 0, None, len(tx.segments))
    _check_counts(walk, spec)
    if "HL" in spec.segment_ids:
        _check_hierarchy(walk)
    if walk.dropped:
        errors = walk.dropped_errors and no_errors(walk.findings)
        walk.findings.append(unlisted(walk.dropped, errors, cap, "set", transaction=tx.control_number,
                                      set_id=tx.set_id, interchange=tx.interchange.control_number,
                                      group=tx.group.control_number if tx.group else None))
    return walk.findings


def _place(walk: _Walk, spec: SetSpec, seg: Segment, position: int) -> None:
    """Place ``seg`` in the innermost open loop that can take it at or after its last match,
    searching outward; close the loops it leaves and report required children it skips.
    This is the walk's hottest step, so the search is written inline."""
    stack = walk.stack
    sid = seg[0]
    depth = len(stack) - 1
    while True:
        frame = stack[depth]
        candidates = frame.loop.starts.get(sid)
        if candidates:
            start = frame.index if frame.index or not depth else 1
            if candidates[-1] >= start:  # candidates ascend
                for i in candidates:
                    if i >= start:
                        break
                break
        depth -= 1
        if depth < 0:
            _unplaced(walk, spec, seg, position)
            return
    if len(stack) > depth + 1:  # leaving inner loops
        _close(walk, depth + 1, seg, position)
    loop = frame.loop
    if loop.required_from[frame.index + 1] < i:
        _skip(walk, frame, i, seg, position)
    frame.index = i
    counts = frame.counts
    counts[i] += 1
    child = loop.children[i]
    if type(child) is LoopSpec:
        if counts[i] > child.repeat:
            walk.finding(Level.SEGMENT, "4", f"loop {child.id} occurs more than {child.repeat} times", seg,
                         position, child.id)
        if child.id == _LINE_LOOPS.get(spec.set_id):
            walk.line_loops += 1
        inner = [0] * len(child.children)
        inner[0] = 1
        stack.append(_Frame(child, 0, inner))
        target = child.first
        loop_id = child.id
    else:
        assert type(child) is SegmentSpec
        if counts[i] > child.max_use:
            walk.finding(Level.SEGMENT, "5", f"{sid} is used more than {child.max_use} time(s) here", seg,
                         position, loop.id if depth else "")
        if child.usage == "N":
            code = "I4" if spec.version >= "005010" else "2"  # 997 has no implementation codes
            walk.finding(Level.SEGMENT, code, f"{sid} is marked not used", seg, position)
        target = child
        loop_id = loop.id if depth else ""
    elements = seg[1]
    if (elements and elements[-1] == "") or (known := walk.checked.get((id(target), elements))) is None or known:
        _check_segment(walk, target, seg, position, loop_id)


def _upper_case_id(walk: _Walk, seg: Segment, position: int) -> Segment:
    """``seg`` under its upper-case id, with a warning, when that is a segment id."""
    upper = seg[0].upper()
    if upper == seg[0] or not _SEGMENT_ID.match(upper):
        return seg
    walk.finding(Level.SEGMENT, _UNRECOGNIZED_CODE, f"segment id {seg[0]!r} is in lower case", seg, position,
                 severity=Severity.WARNING, hint=walk.leniency.note(LOWERCASE))
    return seg._replace(id=upper)


def _place_trailer(walk: _Walk, seg: Segment, position: int) -> None:
    root = walk.stack[0]
    last = len(root.loop.children) - 1
    root.index, root.counts[last] = last, 1
    _check_segment(walk, root.loop.children[last], seg, position, "")  # type: ignore[arg-type]


def _unplaced(walk: _Walk, spec: SetSpec, seg: Segment, position: int) -> None:
    if walk.leniency.segment_order and _out_of_order(walk, seg, position):
        return
    if not _SEGMENT_ID.match(seg.id):
        code, why = _UNRECOGNIZED_CODE, f"{seg.id!r} is not a segment ID"
    elif seg.id in spec.segment_ids:
        code, why = _FOUND_ANYWHERE_CODE, f"{seg.id} is not in its proper place here"
    elif not is_segment_id(seg.id):
        code, why = _UNRECOGNIZED_CODE, f"{seg.id} is not an X12 segment ID"
    else:
        code, why = _NOT_IN_SET_CODE, f"{seg.id} is not a segment of the {spec.set_id} transaction set"
    loop = walk.stack[-1].loop.id if len(walk.stack) > 1 else ""
    walk.finding(Level.SEGMENT, code, why, seg, position, loop,
                 hint="move or remove the segment; later segments were checked as if it were absent")


def _out_of_order(walk: _Walk, seg: Segment, position: int) -> bool:
    """Place ``seg`` where its open loop has it earlier (the partner's order, not the
    standard's), with a warning; False when no open loop has it before where the walk stands."""
    for frame in reversed(walk.stack):
        children = frame.loop.children
        for i in frame.loop.starts.get(seg[0], ()):
            child = children[i]
            if i == 0 or i >= frame.index or not isinstance(child, SegmentSpec):
                continue
            frame.counts[i] += 1
            loop_id = frame.loop.id if frame is not walk.stack[0] else ""
            walk.finding(Level.SEGMENT, _FOUND_ANYWHERE_CODE, f"{seg[0]} comes after segments its loop places "
                         "after it", seg, position, loop_id, severity=Severity.WARNING,
                         hint=walk.leniency.note(SEGMENT_ORDER))
            if frame.counts[i] > child.max_use:
                walk.finding(Level.SEGMENT, "5", f"{seg[0]} is used more than {child.max_use} time(s) here", seg,
                             position, loop_id)
            _check_segment(walk, child, seg, position, loop_id)
            return True
    return False


def _skip(walk: _Walk, frame: _Frame, upto: int, seg: Segment | None, position: int) -> None:
    """Children passed over between the last match and ``upto``: report the mandatory ones."""
    for j in range(frame.index + 1, upto):
        child = frame.loop.children[j]
        if child.usage == "R" and frame.counts[j] == 0:
            sid = child.id if isinstance(child, SegmentSpec) else child.first.id
            what = "segment" if isinstance(child, SegmentSpec) else f"loop {child.id} (starting with)"
            loop = "" if frame.loop.id == "ST_LOOP" else frame.loop.id
            walk.finding(Level.SEGMENT, "3", f"required {what} {sid} is missing", seg, position,
                         child.id if isinstance(child, LoopSpec) else loop, segment_id=sid)


def _close(walk: _Walk, depth: int, seg: Segment | None, position: int) -> None:
    """Close every loop above ``depth``, reporting required children never seen."""
    while len(walk.stack) > max(depth, 1):
        frame = walk.stack.pop()
        end = len(frame.loop.children)
        if frame.loop.required_from[frame.index + 1] < end:
            _skip(walk, frame, end, seg, position)
    if depth == 0:
        root = walk.stack[0]
        _skip(walk, root, len(root.loop.children) - 1, seg, position)


def _check_counts(walk: _Walk, spec: SetSpec) -> None:
    if spec.set_id not in _LINE_LOOPS:
        return
    ctt = next((s for s in walk.tx.segments if s.id == "CTT"), None)
    if ctt is None or not ascii_digits(ctt.get(1)) or int(ctt.get(1)) == walk.line_loops:
        return
    position = walk.tx.segments.index(ctt) + 1
    walk.finding(Level.ELEMENT, "I12", f"CTT01 says {ctt.get(1)} line items, the set has {walk.line_loops} "
                 f"{_LINE_LOOPS[spec.set_id]} loops", ctt, position, element=1, element_ref="354",
                 value=ctt.get(1), severity=Severity.WARNING, hint="the sender's count is wrong or lines are missing")


def _check_hierarchy(walk: _Walk) -> None:
    for p in hierarchy_problems(walk.tx.segments):
        walk.finding(Level.SEGMENT, "8", "HL has data element errors", p.segment, p.position, "HL")
        walk.finding(Level.ELEMENT, "7", p.message, p.segment, p.position, "HL", element=p.element,
                     element_ref=p.ref, value=p.value, hint="each HL02 must name an HL01 given before it")


# -- elements ------------------------------------------------------------------------

def _check_segment(walk: _Walk, spec: SegmentSpec, seg: Segment, position: int, loop_id: str) -> None:
    elements = seg[1]
    if elements and elements[-1] == "":
        walk.finding(Level.SEGMENT, "8", f"{seg.id} ends with empty elements (trailing separators)", seg,
                     position, loop_id, severity=walk.leniency.severity(TRAILING_SEPARATORS),
                     hint=walk.leniency.note(TRAILING_SEPARATORS)
                     or "X12 omits trailing separators; the data is read as if they were absent")
    problems = walk.checked.get((id(spec), elements))  # only plain segments are remembered, and
    if problems is None:                                # only a plain segment equals a plain one
        problems = _problems(walk, spec, elements)
    if not problems:
        return
    lenient = walk.leniency
    if any(p.code != UNLISTED and not lenient.accepts(p.option) for p in problems):
        walk.finding(Level.SEGMENT, "8", f"{seg.id} has data element errors", seg, position, loop_id)
    for p in problems:
        if p.code == UNLISTED:
            severity, hint = Severity.WARNING, _UNLISTED_HINT
        else:
            severity, hint = lenient.severity(p.option), lenient.note(p.option)
        walk.finding(Level.ELEMENT, p.code, p.message, seg, position, loop_id, element=p.element,
                     component=p.component, element_ref=p.ref, value=p.value, severity=severity, hint=hint)


def _problems(walk: _Walk, spec: SegmentSpec, elements: tuple[Element, ...]) -> list[Problem]:
    """Element and syntax-note problems, remembered for segments of plain text (a composite
    and a repetition of the same texts are equal tuples, but not the same problems).
    `_check_segment`, the one caller, has already looked them up and missed."""
    plain = all(e.__class__ is str for e in elements)
    key = (id(spec), elements)  # the spec lives as long as the validator's library
    problems = element_problems(elements, spec)
    if spec.rules:
        problems = syntax_problems(elements, spec.rules, spec.elements, problems)
    if plain:
        walk.checked[key] = problems
    return problems
