"""Envelopes: ISA/IEA, GS/GE and ST/SE read into values, with every envelope check.

`EnvelopeReader` walks the tokenizer's segments once and yields, as each closes, a
`Transaction` (ST..SE with its segments), a `FunctionalGroup` (at GE) and an
`Interchange` (at IEA), the values of `edigate.x12.events`. Memory holds one transaction at a time, not the file. Each
problem becomes a `Finding` carrying its TA1, AK9 or AK5 code; no exception escapes
for a broken envelope. Only input with no readable ISA at all raises `NotX12Error`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import compress, count as count_from
from operator import itemgetter

from edigate.errors import NotX12Error
from edigate.x12 import checks
from edigate.x12.delimiters import Delimiters
from edigate.x12.events import Event, FunctionalGroup, GroupHeader, Interchange, InterchangeHeader, Party, Transaction
from edigate.x12.findings import FileFindings, Finding, Level, Severity
from edigate.x12.leniency import STRICT, Leniency
from edigate.x12.segment import Composite, Element, Repeats, Segment, element_text
from edigate.x12.tokenizer import Note, Source, Tokenizer

__all__ = [
    "EnvelopeReader", "Event", "FunctionalGroup", "GroupHeader", "Interchange",
    "InterchangeHeader", "Party", "Transaction", "read_envelopes",
]

_CONTROL = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
_ID = itemgetter(0)
MAX_SET_SEGMENTS = 200_000
"""Segments of one set kept for validation; past them a set is rejected (AK5 5), read to its
SE and counted, so memory stays flat however long a set is."""
MAX_ENVELOPE_FINDINGS = 100
"""Envelope findings listed per interchange (and outside any); then one says how many more."""
_INTERCHANGE_SERVICE = frozenset({"TA1", "TA3", "ISB", "ISE"})


@dataclass
class _OpenSet:
    segments: list[Segment]
    findings: list[Finding] = field(default_factory=list)
    dropped: int = 0
    """Segments past `MAX_SET_SEGMENTS`, counted and not kept."""


@dataclass
class _OpenGroup:
    header: GroupHeader
    set_count: int = 0
    control_numbers: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _OpenInterchange:
    header: InterchangeHeader
    group_count: int = 0
    group_numbers: set[str] = field(default_factory=set)
    service: list[Segment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    budget: FileFindings = field(default_factory=lambda: FileFindings(MAX_ENVELOPE_FINDINGS, "interchange"))


class EnvelopeReader:
    """Reads a file's envelopes; iterate it for `Transaction`/`FunctionalGroup`/`Interchange`."""

    def __init__(self, source: Source, *, name: str | None = None, chunk_size: int | None = None,
                 leniency: Leniency = STRICT) -> None:
        kwargs = {"chunk_size": chunk_size} if chunk_size else {}
        self.leniency = leniency
        """What the partner may send: ISA fields it leaves unpadded are then warnings."""
        self.tokenizer = Tokenizer(source, name=name, **kwargs)
        self.name = self.tokenizer.name
        self.segment_count = 0
        self._isa: _OpenInterchange | None = None
        self._gs: _OpenGroup | None = None
        self._st: _OpenSet | None = None
        self._out: list[Event] = []
        self.file_findings: list[Finding] = []
        """Problems outside any interchange, such as unreadable data after the last IEA."""
        self._outside = FileFindings(MAX_ENVELOPE_FINDINGS)
        self.max_set_segments = MAX_SET_SEGMENTS

    @property
    def notes(self) -> list[Note]:
        return self.tokenizer.notes

    def __iter__(self) -> Iterator[Event]:
        handlers = {"ISA": self._on_isa, "GS": self._on_gs, "ST": self._on_st,
                    "SE": self._on_se, "GE": self._on_ge, "IEA": self._on_iea}
        out = self._out
        count = done = 0  # segments read so far; in the batches before this one
        body = None  # the open set's segment list, between control segments
        try:
            for batch in self.tokenizer.batches():
                # the control segments' places, found without a Python step per segment
                at = 0
                for n in compress(count_from(), map(_CONTROL.__contains__, map(_ID, batch))):
                    if n > at:
                        body = self._body(body, batch, at, n)
                    seg = batch[n]
                    if seg[0] != "ISA" and not all(type(e) is str for e in seg[1]):
                        self._compound_control(seg)
                    count = done + n + 1
                    handlers[seg[0]](seg)
                    body = self._st.segments if self._st is not None else None
                    if out:
                        yield from out
                        out.clear()
                    at = n + 1
                if at < len(batch):
                    body = self._body(body, batch, at, len(batch))
                count = done = done + len(batch)
                if body is not None and len(body) > self.max_set_segments:
                    self._trim()  # once a batch: the loop above stays as it was
        except NotX12Error as exc:
            if count == 0:
                raise
            self._broken(exc)
        finally:
            self.segment_count = count
        self._close_interchange(None)
        if (rest := self._outside.rest(level=Level.INTERCHANGE, code="022", file=self.name)) is not None:
            self.file_findings.append(rest)
        yield from out
        out.clear()

    def _body(self, body: list[Segment] | None, batch: list[Segment], start: int, end: int) -> list[Segment] | None:
        """Segments ``batch[start:end]``, none a control segment: into the open set, else strays."""
        if body is not None:
            body += batch[start:end]
        else:
            for seg in batch[start:end]:
                self._stray(seg)
        return body

    def _trim(self) -> None:
        st = self._st
        assert st is not None
        st.dropped += len(st.segments) - self.max_set_segments
        del st.segments[self.max_set_segments:]

    # -- findings ----------------------------------------------------------------------

    def _finding(self, level: Level, code: str, message: str, seg: Segment | None = None,
                 element: int | None = None, value: str | None = None, hint: str = "",
                 severity: Severity = Severity.ERROR) -> Finding:
        isa, gs, st = self._isa, self._gs, self._st
        return Finding(
            level, code, message, severity, hint, file=self.name,
            interchange=isa.header.control_number if isa else None,
            group=gs.header.control_number if gs else None,
            transaction=st.segments[0].get(2) if st else None,
            set_id=st.segments[0].get(1) if st else None,
            segment_index=seg.index if seg else None,
            segment_position=len(st.segments) if st and seg else None,
            segment_id=seg.id if seg else None, element=element, value=value,
            offset=seg.offset if seg else None,
        )

    def _interchange_finding(self, code: str, message: str, seg: Segment | None = None,
                             element: int | None = None, value: str | None = None, hint: str = "",
                             severity: Severity = Severity.ERROR) -> None:
        finding = self._finding(Level.INTERCHANGE, code, message, seg, element, value, hint, severity)
        if self._isa is not None:
            self._isa.findings += self._isa.budget.take((finding,))
        else:
            self.file_findings += self._outside.take((finding,))

    # -- handlers ----------------------------------------------------------------------

    def _on_isa(self, seg: Segment) -> None:
        if self._isa is not None:
            self._close_interchange(None, before=seg)
        elements = tuple(element_text(e) for e in seg.elements)
        header = _interchange_header(elements, seg, self.tokenizer.delimiters)
        self._isa = _OpenInterchange(header)
        for p in checks.isa_problems(elements):
            self._interchange_finding(p.code, p.message, seg, p.element or None, p.value,
                                      hint=self.leniency.note(p.option), severity=self.leniency.severity(p.option))

    def _on_gs(self, seg: Segment) -> None:
        self._close_group(None, missing_from=seg)
        header = GroupHeader(seg.get(1), seg.get(2), seg.get(3), seg.get(4), seg.get(5), seg.get(6),
                             seg.get(7), seg.get(8), seg)
        isa = self._isa
        assert isa is not None  # the tokenizer starts every interchange with ISA
        isa.group_count += 1
        self._gs = group = _OpenGroup(header)
        for p in checks.gs_problems(tuple(seg.get(n) for n in range(1, len(seg.elements) + 1))):
            level = Level.INTERCHANGE if p.code == "024" else Level.GROUP
            group.findings.append(self._finding(level, p.code, p.message, seg, p.element, p.value))
        number = header.control_number
        if number in isa.group_numbers:
            group.findings.append(self._finding(
                Level.GROUP, "19", f"GS06 group control number {number} is used twice in this "
                "interchange", seg, 6, number, severity=_strict_from_5010(header.version)))
        isa.group_numbers.add(number)

    def _on_st(self, seg: Segment) -> None:
        self._close_set(seg)
        self._st = _OpenSet([seg])
        gs = self._gs
        if gs is None:
            self._set_finding("18", "ST outside a functional group: no GS before it", seg,
                              hint="the sender must wrap transaction sets in GS/GE")
            return
        gs.set_count += 1
        self._check_st(seg, gs)

    def _check_st(self, seg: Segment, gs: _OpenGroup) -> None:
        set_id, number = seg.get(1), seg.get(2)
        if len(set_id) != 3 or not set_id.isalnum():
            self._set_finding("6", "ST01 transaction set identifier is missing or invalid", seg, 1, set_id)
        elif checks.FUNCTIONAL_IDS.get(set_id, gs.header.functional_id) != gs.header.functional_id:
            self._set_finding("6", f"transaction set {set_id} does not belong in a "
                              f"{gs.header.functional_id} functional group (GS01)", seg, 1, set_id,
                              hint=f"GS01 should be {checks.FUNCTIONAL_IDS[set_id]}", severity=Severity.WARNING)
        if not 4 <= len(number) <= 9:
            self._set_finding("7", "ST02 control number must be 4 to 9 characters", seg, 2, number)
        elif number in gs.control_numbers:
            self._set_finding("23", f"ST02 control number {number} is used twice in this group", seg, 2,
                              number, severity=_strict_from_5010(gs.header.version))
        gs.control_numbers.add(number)

    def _set_finding(self, code: str, message: str, seg: Segment | None, element: int | None = None,
                     value: str | None = None, hint: str = "", severity: Severity = Severity.ERROR) -> None:
        assert self._st is not None
        self._st.findings.append(self._finding(Level.TRANSACTION, code, message, seg, element, value, hint,
                                               severity))

    def _on_se(self, seg: Segment) -> None:
        st = self._st
        if st is None:
            self._interchange_finding("022", "SE without a matching ST", seg)
            return
        if len(st.segments) > self.max_set_segments:
            self._trim()
        st.segments.append(seg)
        count, number, st02 = seg.get(1), seg.get(2), st.segments[0].get(2)
        actual = len(st.segments) + st.dropped
        if not checks.ascii_digits(count) or len(count) > 12 or int(count) != actual:  # SE01 is N0 1/10
            self._set_finding("4", f"SE01 says {count or 'nothing'} segments, the set has "
                              f"{actual} (ST and SE included)", seg, 1, count)
        if number != st02:
            self._set_finding("3", f"SE02 control number {number!r} does not match ST02 {st02!r}",
                              seg, 2, number)
        self._emit_set()

    def _on_ge(self, seg: Segment) -> None:
        self._close_set(seg)
        if self._gs is None:
            self._interchange_finding("022", "GE without a matching GS", seg)
            return
        self._close_group(seg)

    def _on_iea(self, seg: Segment) -> None:
        self._close_interchange(seg)

    def _compound_control(self, seg: Segment) -> None:
        position = next(n for n, e in enumerate(seg.elements, 1) if type(e) is not str)
        self._interchange_finding(
            "022", f"{seg.id}{position:02d} holds a component or repetition separator; envelope "
            "elements are simple", seg, position, self._text(seg.elements[position - 1]),
            hint="the delimiters declared in the ISA are probably not the ones the file uses")

    def _text(self, element: Element) -> str:
        d = self.tokenizer.delimiters
        if isinstance(element, Repeats):
            return ((d and d.repetition) or "^").join(self._text(e) for e in element)
        if isinstance(element, Composite):
            return (d.component if d else ">").join(element)
        return element

    def _stray(self, seg: Segment) -> None:
        if self._isa is not None and self._gs is None and seg.id in _INTERCHANGE_SERVICE:
            self._isa.service.append(seg)
            return
        where = "between transaction sets" if self._gs is not None else "outside any functional group"
        self._interchange_finding("022", f"segment {seg.id!r} stands {where}", seg,
                                  hint="every segment must be inside ST..SE")

    # -- closing -----------------------------------------------------------------------

    def _emit_set(self) -> None:
        st = self._st
        assert st is not None and self._isa is not None
        head = st.segments[0]
        gs = self._gs
        if st.dropped:
            self._set_finding("5", f"the set has more than {self.max_set_segments:,} segments; the "
                              f"{st.dropped:,} after them were counted, not checked", None,
                              hint="ask the sender to split the document")
        self._out.append(Transaction(head.get(1), head.get(2), tuple(st.segments), self._isa.header,
                                     gs.header if gs else None, tuple(st.findings)))
        self._st = None

    def _close_set(self, missing_from: Segment | None) -> None:
        if self._st is not None:
            what = missing_from.id if missing_from else "the end of the file"
            self._set_finding("2", f"transaction set has no SE trailer before {what}", missing_from,
                              hint="the file may be truncated or two sets were merged")
            self._emit_set()

    def _close_group(self, trailer: Segment | None, *, missing_from: Segment | None = None) -> None:
        gs = self._gs
        if gs is None:
            return
        if trailer is None:
            self._close_set(missing_from)
            what = missing_from.id if missing_from else "the end of the file"
            gs.findings.append(self._finding(Level.GROUP, "3", f"functional group has no GE "
                                             f"trailer before {what}", missing_from))
        else:
            self._check_ge(trailer, gs)
        assert self._isa is not None
        self._out.append(FunctionalGroup(gs.header, self._isa.header, gs.set_count, trailer,
                                         tuple(gs.findings)))
        self._gs = None

    def _check_ge(self, seg: Segment, gs: _OpenGroup) -> None:
        count, number = seg.get(1), seg.get(2)
        if not checks.ascii_digits(count) or int(count) != gs.set_count:
            gs.findings.append(self._finding(Level.GROUP, "5", f"GE01 says {count or 'nothing'} "
                                             f"transaction sets, the group has {gs.set_count}", seg, 1, count))
        if not _same_number(number, gs.header.control_number):
            gs.findings.append(self._finding(Level.GROUP, "4", f"GE02 {number!r} does not match "
                                             f"GS06 {gs.header.control_number!r}", seg, 2, number))

    def _close_interchange(self, trailer: Segment | None, before: Segment | None = None) -> None:
        isa = self._isa
        if isa is None:
            return
        self._close_set(trailer or before)
        self._close_group(None, missing_from=trailer or before)
        if trailer is None:
            what = "before the next ISA" if before else "at the end of the file"
            self._interchange_finding("023", f"the interchange is not closed by an IEA segment {what}",
                                      hint="the file may be truncated; ask the sender to resend")
        else:
            self._check_iea(trailer, isa)
        if (rest := isa.budget.rest(level=Level.INTERCHANGE, code="022", file=self.name,
                                    interchange=isa.header.control_number)) is not None:
            isa.findings.append(rest)
        self._out.append(Interchange(isa.header, isa.group_count, trailer, tuple(isa.service),
                                     tuple(isa.findings)))
        self._isa = None

    def _check_iea(self, seg: Segment, isa: _OpenInterchange) -> None:
        count, number = seg.get(1), seg.get(2)
        if not checks.ascii_digits(count) or int(count) != isa.group_count:
            self._interchange_finding("021", f"IEA01 says {count or 'nothing'} functional groups, "
                                      f"the interchange has {isa.group_count}", seg, 1, count)
        if not _same_number(number, isa.header.control_number):
            self._interchange_finding("001", f"IEA02 {number!r} does not match ISA13 "
                                      f"{isa.header.control_number!r}", seg, 2, number)
        elif len(number) != 9:
            self._interchange_finding("018", "IEA02 should be 9 digits, zero-padded like ISA13", seg, 2,
                                      number, severity=Severity.WARNING)

    def _broken(self, exc: NotX12Error) -> None:
        """The tokenizer gave up mid-file: record it on the open interchange."""
        self._interchange_finding("022", f"unreadable data: {exc.message}",
                                  hint="the file may be corrupt or hold mixed delimiters")


def _strict_from_5010(version: str) -> Severity:
    """Unique group and set control numbers are required from 005010 on; before, many
    senders reuse them, so they are reported as warnings."""
    return Severity.ERROR if version >= "005010" else Severity.WARNING


def _same_number(a: str, b: str) -> bool:
    if checks.ascii_digits(a) and checks.ascii_digits(b):
        return int(a) == int(b)
    return a == b


def _interchange_header(e: tuple[str, ...], seg: Segment, delimiters: Delimiters | None) -> InterchangeHeader:
    assert delimiters is not None
    return InterchangeHeader(
        sender=Party(e[4], e[5].strip()), receiver=Party(e[6], e[7].strip()), date=e[8], time=e[9],
        control_number=e[12], version=e[11], usage=e[14], ack_requested=e[13] == "1",
        delimiters=delimiters, segment=seg,
    )


def read_envelopes(source: Source, *, name: str | None = None, leniency: Leniency = STRICT) -> Iterator[Event]:
    """Envelope events of ``source``; see `EnvelopeReader`."""
    return iter(EnvelopeReader(source, name=name, leniency=leniency))
