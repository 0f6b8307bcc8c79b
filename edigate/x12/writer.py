"""X12 writer: segments to text with a given delimiter set, and whole interchanges.

`SegmentWriter` renders one segment, dropping trailing empty elements and refusing a
value that holds one of the interchange's delimiters. `write_interchange` builds the
ISA/GS/ST envelopes around transaction bodies, with control numbers drawn from the
`ControlNumbers` it is given and counts (SE01, GE01, IEA01) computed, never typed in.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from edigate.errors import X12WriteError
from edigate.x12.delimiters import Delimiters
from edigate.x12.envelope import Party
from edigate.x12.segment import Composite, Element, Repeats, Segment

__all__ = [
    "ControlNumbers", "Counter", "Envelope", "GroupContent", "RenderedBody", "SegmentWriter", "TransactionContent",
    "build_interchange", "encode", "write_interchange", "write_segments",
]

Kind = Literal["interchange", "group", "transaction"]
_MAX = {"interchange": 999_999_999, "group": 999_999_999, "transaction": 999_999_999}


class ControlNumbers(Protocol):
    """Where control numbers come from: the store in production, a counter in tests."""

    def next(self, kind: Kind) -> int: ...


@dataclass
class Counter:
    """In-memory control numbers, one sequence per kind, starting at ``start``."""

    start: int = 1
    _seqs: dict[str, Iterator[int]] = field(default_factory=dict)

    def next(self, kind: Kind) -> int:
        seq = self._seqs.setdefault(kind, itertools.count(self.start))
        return next(seq)


class SegmentWriter:
    """Renders segments with one delimiter set."""

    def __init__(self, delimiters: Delimiters) -> None:
        self.delimiters = delimiters
        self._forbidden = delimiters.chars
        self._others = tuple(sorted(delimiters.chars - {delimiters.element}))
        self._end = delimiters.segment + delimiters.suffix

    def render(self, seg_id: str, elements: Sequence[Element]) -> str:
        """The segment's text, terminator and suffix included."""
        d = self.delimiters
        esep = d.element
        try:  # the common case, text values only, joined at once
            text = esep.join(elements)  # type: ignore[arg-type]
        except TypeError:  # a composite, a repetition, or a value that is not text
            text = None
        if text is not None and text.count(esep) == len(elements) - 1:  # no value holds ``esep``
            for char in self._others:
                if char in text:
                    break
            else:
                text = text.rstrip(esep)
                return f"{seg_id}{esep}{text}{self._end}" if text else seg_id + self._end
        texts = [self._element(seg_id, n, e) for n, e in enumerate(elements, 1)]
        while texts and not texts[-1]:
            texts.pop()
        return d.element.join([seg_id, *texts]) + self._end

    def segment(self, seg: Segment) -> str:
        if seg.id == "ISA":
            return self._isa(seg.elements)
        return self.render(seg.id, seg.elements)

    def _isa(self, elements: Sequence[Element]) -> str:
        """ISA is fixed-width and carries the separators themselves in ISA11 and ISA16."""
        d = self.delimiters
        for n, value in enumerate(elements, 1):
            if not isinstance(value, str) or d.element in value or d.segment in value:
                raise X12WriteError(f"value {value!r} is not plain text without separators",
                                    segment="ISA", element=n)
        return d.element.join(["ISA", *elements]) + self._end  # type: ignore[list-item]

    def _element(self, seg_id: str, n: int, element: Element) -> str:
        d = self.delimiters
        if isinstance(element, Repeats):
            if d.repetition is None:
                raise X12WriteError("repeated element but the interchange has no repetition "
                                    "separator", segment=seg_id, element=n)
            return d.repetition.join(self._element(seg_id, n, e) for e in element)
        if isinstance(element, Composite):
            parts = [self._value(seg_id, n, c) for c in element]
            while parts and not parts[-1]:
                parts.pop()
            return d.component.join(parts)
        return self._value(seg_id, n, element)

    def _value(self, seg_id: str, n: int, value: str) -> str:
        if not isinstance(value, str):
            raise X12WriteError(f"expected text, got {type(value).__name__}", segment=seg_id, element=n)
        bad = self._forbidden.intersection(value)
        if bad:
            raise X12WriteError(f"value {value!r} contains the delimiter {''.join(sorted(bad))!r}",
                                segment=seg_id, element=n)
        return value


def write_segments(segments: Iterable[Segment | RenderedBody], delimiters: Delimiters) -> str:
    """Render many segments as one text (a body written already as it is)."""
    writer = SegmentWriter(delimiters)
    return "".join(_written(s, delimiters) if isinstance(s, RenderedBody) else writer.segment(s) for s in segments)


def _written(body: RenderedBody, delimiters: Delimiters) -> str:
    if body.delimiters != delimiters:
        raise X12WriteError("a body written with other delimiters than its interchange's", segment="ST")
    return body.text


@dataclass(frozen=True, slots=True)
class Envelope:
    """What goes into ISA and GS: identities, versions, usage, delimiters."""

    sender: Party
    receiver: Party
    gs_sender: str
    gs_receiver: str
    version: str = "00401"
    gs_version: str = "004010"
    usage: str = "P"
    ack_requested: bool = False
    delimiters: Delimiters = Delimiters()
    authorization: tuple[str, str] = ("00", "")
    security: tuple[str, str] = ("00", "")


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """A transaction's body segments written already (`SegmentWriter.segment` with
    ``delimiters``), and how many there are: an interchange of thousands of sets takes each
    as it is instead of rendering its segments again."""

    text: str
    segments: int
    delimiters: Delimiters


@dataclass(frozen=True, slots=True)
class TransactionContent:
    """A transaction set to envelope: its id and body segments (ST and SE are added), or
    its body written already (``rendered``, with ``body`` empty)."""

    set_id: str
    body: tuple[Segment, ...]
    implementation_reference: str = ""
    rendered: RenderedBody | None = None


@dataclass(frozen=True, slots=True)
class GroupContent:
    """A functional group to envelope: GS01 and its transaction sets."""

    functional_id: str
    transactions: tuple[TransactionContent, ...]
    version: str | None = None


def _fixed(value: str, width: int, name: str, *, fill: str = " ") -> str:
    if len(value) > width:
        raise X12WriteError(f"value {value!r} is longer than {width} characters", segment="ISA",
                            element=int(name[3:]))
    return value.rjust(width, "0") if fill == "0" else value.ljust(width, fill)


def _isa(env: Envelope, number: int, when: dt.datetime) -> Segment:
    d = env.delimiters
    if env.version >= "00402":
        isa11 = d.repetition or "^"
        if isa11 in (d.element, d.component, d.segment):
            raise X12WriteError("no repetition separator distinct from the others", segment="ISA", element=11)
    else:
        isa11 = "U"
    values = (
        _fixed(env.authorization[0], 2, "ISA01"), _fixed(env.authorization[1], 10, "ISA02"),
        _fixed(env.security[0], 2, "ISA03"), _fixed(env.security[1], 10, "ISA04"),
        _fixed(env.sender.qualifier, 2, "ISA05"), _fixed(env.sender.id, 15, "ISA06"),
        _fixed(env.receiver.qualifier, 2, "ISA07"), _fixed(env.receiver.id, 15, "ISA08"),
        when.strftime("%y%m%d"), when.strftime("%H%M"), isa11, _fixed(env.version, 5, "ISA12"),
        _fixed(str(number), 9, "ISA13", fill="0"), "1" if env.ack_requested else "0",
        env.usage, d.component,
    )
    return Segment("ISA", values)


def build_interchange(env: Envelope, groups: Sequence[GroupContent], numbers: ControlNumbers,
                      *, when: dt.datetime | None = None, service: Sequence[Segment] = ()
                      ) -> Iterator[Segment | RenderedBody]:
    """The segments of one interchange, envelopes and counts included.

    ``service`` segments (such as TA1) go between ISA and the first GS.
    """
    when = when or dt.datetime.now()
    isa = _isa(env, numbers.next("interchange"), when)
    yield isa
    yield from service
    for group in groups:
        yield from _group(env, group, numbers, when)
    yield Segment("IEA", (str(len(groups)), isa.elements[12]))


def _group(env: Envelope, group: GroupContent, numbers: ControlNumbers, when: dt.datetime
           ) -> Iterator[Segment | RenderedBody]:
    gs06 = str(numbers.next("group"))
    yield Segment("GS", (group.functional_id, env.gs_sender, env.gs_receiver, when.strftime("%Y%m%d"),
                         when.strftime("%H%M"), gs06, "X", group.version or env.gs_version))
    for tx in group.transactions:
        st02 = str(numbers.next("transaction")).rjust(4, "0")
        head = (tx.set_id, st02, tx.implementation_reference) if tx.implementation_reference else (tx.set_id, st02)
        yield Segment("ST", head)
        if tx.rendered is None:
            yield from tx.body
        else:
            yield tx.rendered
        yield Segment("SE", (str((len(tx.body) if tx.rendered is None else tx.rendered.segments) + 2), st02))
    yield Segment("GE", (str(len(group.transactions)), gs06))


def write_interchange(env: Envelope, groups: Sequence[GroupContent], numbers: ControlNumbers,
                      *, when: dt.datetime | None = None, service: Sequence[Segment] = ()) -> bytes:
    """One interchange as bytes, ready to send."""
    text = write_segments(build_interchange(env, groups, numbers, when=when, service=service), env.delimiters)
    return encode(text, env.delimiters)


def encode(text: str, delimiters: Delimiters) -> bytes:
    """UTF-8 for the data, one byte for each delimiter (a sender may use 0x85 or 0x80).

    UTF-8 is self-synchronizing and no value holds a delimiter, so a delimiter's UTF-8 form
    appears only where the delimiter does and can be replaced by its single byte.
    """
    data = text.encode("utf-8")
    for char in delimiters.chars | {delimiters.suffix[:1]} - {""}:
        if not char.isascii():
            data = data.replace(char.encode("utf-8"), char.encode("latin-1"))
    return data
