"""Streaming X12 tokenizer: bytes in, segments out, delimiters read from each ISA.

The file is read in chunks and decoded as Latin-1, so that string positions are byte
offsets and any byte can be a delimiter. Segments are split on the interchange's
terminator in bulk, one chunk at a time; memory holds one chunk, not the file. A segment
whose bytes are not ASCII is decoded again as UTF-8 when they are valid UTF-8.

What the tokenizer tolerates (a UTF-8 BOM, whitespace and line breaks between segments,
blank segments, a final segment without terminator, a trailing Ctrl-Z) it records in
``notes``; what it cannot read raises `NotX12Error`.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Generator, Iterator
from itertools import chain
from dataclasses import dataclass
from typing import BinaryIO, Union

from edigate.errors import InputError, NotX12Error
from edigate.x12.delimiters import ISA_LENGTH, Delimiters
from edigate.x12.segment import Composite, Element, Repeats, Segment

__all__ = ["Note", "Source", "Tokenizer", "tokenize"]

Source = Union[str, os.PathLike[str], bytes, BinaryIO]

CHUNK_SIZE = 1 << 20
MAX_SEGMENT = 16 << 20
"""A segment longer than this means the terminator is not what the ISA said."""

_WS = " \t\r\n"
_END_JUNK = " \t\r\n\x1a\x00"
_BOM = "\xef\xbb\xbf"
_BUDGET = 64
"""Segments needing a closer look in one chunk before `_Clean` stops looking for runs there."""
_RUN = 1 << 16
_BATCH = 1024
"""Segments per batch, about: a batch is alive at once, so it stays far below a chunk."""
_SEEN = 4096
"""Segment texts remembered with their elements (then the memory starts over)."""


@dataclass(frozen=True, slots=True)
class Note:
    """Something the tokenizer tolerated, with the byte offset where it was."""

    code: str
    message: str
    offset: int


class _Buffer:
    """The unread part of the stream, as Latin-1 text, and the file offset of its start."""

    __slots__ = ("text", "base", "eof", "_read", "_size")

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._read = stream.read
        self._size = size
        self.text = ""
        self.base = 0
        self.eof = False

    def more(self) -> bool:
        """Append the next chunk; False at end of file."""
        if self.eof:
            return False
        chunk = self._read(self._size)
        if not chunk:
            self.eof = True
            return False
        if isinstance(chunk, str):
            raise InputError("X12 input must be opened in binary mode")
        self.text += chunk.decode("latin-1")
        return True

    def fill(self, n: int) -> None:
        while len(self.text) < n and self.more():
            pass

    def advance_to(self, offset: int) -> None:
        self.text = self.text[offset - self.base:]
        self.base = offset


class Tokenizer:
    """Iterates the segments of every interchange in a file or stream."""

    def __init__(self, source: Source, *, name: str | None = None, chunk_size: int = CHUNK_SIZE) -> None:
        self.source = source
        self.name = name or _name_of(source)
        self.chunk_size = chunk_size
        self.notes: list[Note] = []
        self._noted: set[str] = set()
        self.delimiters: Delimiters | None = None
        self.bytes_read = 0

    def __iter__(self) -> Iterator[Segment]:
        return chain.from_iterable(self.batches())

    def batches(self) -> Iterator[list[Segment]]:
        """The segments in lists, about a chunk each: a reader that loops over each list
        itself saves a generator step per segment."""
        stream, close = _open(self.source, self.name)
        try:
            buf = _Buffer(stream, self.chunk_size)
            yield from self._run(buf)
            self.bytes_read = buf.base + len(buf.text)
        finally:
            if close:
                stream.close()

    def note(self, code: str, message: str, offset: int) -> None:
        """Record a tolerated quirk; each kind once per file, so notes stay few."""
        if code not in self._noted:
            self._noted.add(code)
            self.notes.append(Note(code, message, offset))

    def _run(self, buf: _Buffer) -> Generator[list[Segment], None, None]:
        buf.fill(3)
        if buf.text.startswith(_BOM):
            self.note("bom", "UTF-8 byte order mark before the ISA, ignored", 0)
            buf.advance_to(3)
        index = 0
        while True:
            if not self._skip_to_isa(buf, first=index == 0):
                return
            isa, delimiters, end = read_isa(buf, self.name)
            self.delimiters = delimiters
            first = Segment("ISA", isa, index, buf.base)
            buf.advance_to(end)
            index = yield from self._body(buf, delimiters, index + 1, [first])

    def _skip_to_isa(self, buf: _Buffer, *, first: bool) -> bool:
        """Skip whitespace before an ISA; False at a clean end of file."""
        while True:
            stripped = buf.text.lstrip(_END_JUNK)
            if stripped or buf.eof:
                break
            buf.advance_to(buf.base + len(buf.text))
            buf.more()
        if stripped != buf.text and "\x1a" in buf.text[: len(buf.text) - len(stripped)]:
            self.note("ctrl-z", "Ctrl-Z (DOS end of file) after the last segment, ignored", buf.base)
        buf.advance_to(buf.base + len(buf.text) - len(stripped))
        if not stripped:
            if first:
                raise NotX12Error("the file is empty", file=self.name)
            return False
        buf.fill(3)
        if not buf.text.startswith("ISA"):
            what = "does not start with an ISA segment" if first else "has data after IEA that is not an ISA"
            raise NotX12Error(f"not X12: the file {what} (found {buf.text[:20]!r})",
                              file=self.name, offset=buf.base)
        return True

    def _body(self, buf: _Buffer, d: Delimiters, index: int, out: list[Segment]
              ) -> Generator[list[Segment], None, int]:
        """Yield the segments after an ISA, a chunk at a time, until the delimiters must be
        read again. Runs of plain segments go through `_Clean` in bulk; each segment that
        needs a closer look (blank, indented, compound, non-ASCII, ISA, IEA) goes one by one."""
        term, esep = d.segment, d.element
        new = tuple.__new__
        after_iea = False
        seen: dict[str, tuple[str, tuple[str, ...]]] = {}  # by segment text: one element separator
        while True:
            text, base, pos = buf.text, buf.base, 0
            clean = _Clean(text, d, seen)
            while True:
                if not after_iea and clean.budget > 0:
                    end = clean.end(pos)
                    if end:
                        index = clean.segments(pos, end, base, index, out)
                        pos = end
                        if len(out) >= _BATCH:
                            yield out
                            out = []
                stop = text.find(term, pos)
                if stop < 0:
                    break
                part, start, pos = text[pos:stop], base + pos, stop + 1
                clean.budget -= 1
                if not part or part[0] in _WS:
                    part, start = self._unindent(part, start)
                    if not part:
                        continue
                if after_iea or (part[0] == "I" and part[:3] == "ISA"):
                    after_iea = False
                    if not _same_isa(part, d):
                        buf.advance_to(start)
                        if out:
                            yield out
                        return index
                    out.append(new(Segment, ("ISA", tuple(part.split(esep)[1:]), index, start)))
                    index += 1
                    continue
                out.append(_segment(part, d, index, start))
                index += 1
                if out[-1][0] == "IEA":
                    after_iea = True
            buf.text, buf.base = text[pos:], base + pos
            if out:
                yield out
                out = []
            if len(buf.text) > MAX_SEGMENT:
                raise NotX12Error(f"no segment terminator {term!r} in {MAX_SEGMENT} bytes",
                                  file=self.name, offset=buf.base)
            if not buf.more():
                last, index = self._last(buf, d, index, after_iea)
                if last is not None:
                    yield [last]
                return index

    def _unindent(self, part: str, start: int) -> tuple[str, int]:
        """A segment text that starts with whitespace, without it, and where it starts; ""
        for a blank segment. Either is noted."""
        stripped = part.lstrip(_WS)
        if not stripped:
            self.note("blank-segment", "blank segment (two terminators in a row), skipped", start)
            return "", start
        if " " in part[:len(part) - len(stripped)] or "\t" in part[:len(part) - len(stripped)]:
            self.note("indent", "segment indented with spaces or tabs, ignored", start)
        return stripped, start + len(part) - len(stripped)

    def _last(self, buf: _Buffer, d: Delimiters, index: int, after_iea: bool) -> tuple[Segment | None, int]:
        """The text after the last terminator: whitespace, or a final unterminated segment."""
        stripped = buf.text.strip(_END_JUNK)
        if stripped:
            start = buf.base + buf.text.index(stripped[0])
            if after_iea or stripped.startswith("ISA"):
                buf.advance_to(start)
                return None, index
        if "\x1a" in buf.text:
            self.note("ctrl-z", "Ctrl-Z (DOS end of file) after the last segment, ignored", buf.base)
        last = None
        if stripped:
            self.note("no-final-terminator", f"the last segment has no terminator {d.segment!r}", start)
            fields = _redecode(stripped).split(d.element)
            last = Segment(fields[0], _split_fields(fields, d.component, d.repetition), index, start)
            index += 1
        buf.advance_to(buf.base + len(buf.text))
        return last, index


class _Clean:
    """Finds, in one chunk of text, runs of segments that need no closer look, and splits
    them in bulk: each segment is its terminator, suffix and text, the text ASCII, free of
    component and repetition separators, neither blank, indented, ISA nor IEA.

    The next place that breaks a run is remembered per kind (a component separator, a
    repetition separator, a terminator and suffix followed by a blank, indented, ISA or
    IEA segment), so a chunk is searched once per kind however many runs it holds.
    ``budget`` stops the search for runs in a chunk where such segments are common.
    """

    __slots__ = ("text", "d", "seen", "sep", "limit", "budget", "_inside", "_after", "_next")

    def __init__(self, text: str, d: Delimiters, seen: dict[str, tuple[str, tuple[str, ...]]]) -> None:
        self.text, self.d, self.seen = text, d, seen
        self.sep = sep = d.segment + d.suffix
        self.limit = text.rfind(sep) + 1
        """Runs end at or before the last terminator followed by its whole suffix."""
        self.budget = _BUDGET
        if self.limit <= 0 or not text.isascii() or (d.suffix and text.count(d.segment, 0, self.limit - 1)
                                                     != text.count(sep, 0, self.limit - 1 + len(d.suffix))):
            self.budget = 0  # non-ASCII text, or a terminator without its suffix: one by one
        self._inside = (d.component,) if d.repetition is None else (d.component, d.repetition)
        self._after = re.compile(f"{re.escape(sep)}(?:[{re.escape(_WS + d.segment)}]|ISA|IEA)")
        """One regular expression rather than seven str.find: one pass over the chunk."""
        self._next = [-1] * (len(self._inside) + 1)
        if self.budget:
            self._next = [*(text.find(c) for c in self._inside), self._search(0)]

    def _search(self, pos: int) -> int:
        """Where the next terminator stands whose segment after it needs a closer look."""
        found = self._after.search(self.text, pos)
        return -1 if found is None else found.start()

    def end(self, pos: int) -> int:
        """Where the clean run starting at ``pos`` ends (just after a terminator), or 0."""
        text, d = self.text, self.d
        head = pos + len(d.suffix)
        if not text.startswith(d.suffix, pos) or text[head:head + 1] in _WS + d.segment \
                or text.startswith(("ISA", "IEA"), head):
            return 0
        cap = text.find(d.segment, pos + _RUN)  # runs of about _RUN bytes keep batches small
        end = self.limit if cap < 0 else min(self.limit, cap + 1)
        found, inside = self._next, len(self._inside)
        for n, at in enumerate(found):
            if 0 <= at < pos:
                at = found[n] = text.find(self._inside[n], pos) if n < inside else self._search(pos)
            if at < 0 or at >= end:
                continue
            if n < inside:  # a separator inside a segment: the run ends before it
                at = text.rfind(d.segment, pos, at)
            end = at + 1
        return end if end > head else 0

    def segments(self, pos: int, end: int, base: int, index: int, out: list[Segment]) -> int:
        """Append the segments of the clean run ``text[pos:end]``; the next index.

        A segment's text seen before in the file gives the same id and elements without
        splitting again: qualifiers, units, parties and item descriptions repeat from
        order to order, and equal tuples shared cost less to build and to keep.
        """
        skip = len(self.d.suffix)
        step, esep, new = len(self.sep), self.d.element, tuple.__new__
        seen = self.seen
        get = seen.get
        offset = base + pos + skip
        for part in self.text[pos + skip:end - 1].split(self.sep):
            known = get(part)
            if known is None:
                fields = part.split(esep)
                sid = fields[0]
                del fields[0]
                known = seen[part] = (sid, tuple(fields))
                if len(seen) > _SEEN:
                    seen.clear()
            out.append(new(Segment, (known[0], known[1], index, offset)))
            offset += len(part) + step
            index += 1
        return index


def read_isa(buf: _Buffer, name: str) -> tuple[tuple[str, ...], Delimiters, int]:
    """Read the ISA at the start of ``buf``: its 16 elements, delimiters, end offset.

    The element separator is the byte after ``ISA``; ISA16 follows the sixteenth separator
    and the terminator the byte after it. At fixed width these are bytes 104 and 105; a
    sender whose ISA is not fixed-width is still read, and the envelope checks report it.
    """
    buf.fill(ISA_LENGTH + 2)
    text = buf.text
    if len(text) < 4:
        raise NotX12Error("the ISA segment is truncated", file=name, offset=buf.base)
    esep = text[3]
    if esep.isalnum() or esep in _WS:
        raise NotX12Error(f"the ISA element separator {esep!r} is a letter, digit or space",
                          file=name, offset=buf.base)
    pos = 3
    for _ in range(15):
        pos = text.find(esep, pos + 1, pos + 200)
        if pos < 0:
            raise NotX12Error("the ISA segment is truncated or has fewer than 16 elements",
                              file=name, offset=buf.base)
    if pos + 2 >= len(text):
        raise NotX12Error(f"the ISA segment is {pos + 2} bytes, shorter than {ISA_LENGTH}",
                          file=name, offset=buf.base)
    elements = tuple(text[4:pos + 2].split(esep))
    delimiters = _delimiters(elements, esep, text[pos + 2], _suffix(text, pos + 3), name, buf.base)
    return elements, delimiters, buf.base + pos + 3


def _delimiters(elements: tuple[str, ...], esep: str, term: str, suffix: str, name: str,
                offset: int) -> Delimiters:
    isa11 = elements[10]
    repetition = isa11 if len(isa11) == 1 and not isa11.isalnum() and isa11 != " " else None
    if term in ("\r", "\n"):
        suffix = ""
    try:
        return Delimiters(esep, elements[15], term, repetition, suffix)
    except ValueError as exc:
        raise NotX12Error(f"the ISA declares unusable delimiters: {exc}", file=name, offset=offset) from exc


def _suffix(text: str, pos: int) -> str:
    if text.startswith("\r\n", pos):
        return "\r\n"
    return text[pos] if text[pos:pos + 1] in ("\n", "\r") else ""


def _same_isa(part: str, d: Delimiters) -> bool:
    """Whether an ISA met in bulk is fixed-width and declares the delimiters in use."""
    if len(part) != ISA_LENGTH - 1 or part[3] != d.element or part[104] != d.component:
        return False
    isa11 = part[82]
    repetition = isa11 if not isa11.isalnum() and isa11 != " " else None
    return repetition == d.repetition


def _segment(part: str, d: Delimiters, index: int, start: int) -> Segment:
    """One segment that `_Clean` did not take in bulk (compound, non-ASCII ...)."""
    if not part.isascii():
        part = _redecode(part)
    fields = part.split(d.element)
    sid = fields[0]
    if d.component in part or (d.repetition is not None and d.repetition in part):
        return tuple.__new__(Segment, (sid, _split_fields(fields, d.component, d.repetition), index, start))
    del fields[0]
    return tuple.__new__(Segment, (sid, tuple(fields), index, start))


def _split_fields(fields: list[str], csep: str, rsep: str | None) -> tuple[Element, ...]:
    out: list[Element] = []
    for value in fields[1:]:
        if rsep is not None and rsep in value:
            out.append(Repeats(Composite(v.split(csep)) if csep in v else v for v in value.split(rsep)))
        elif csep in value:
            out.append(Composite(value.split(csep)))
        else:
            out.append(value)
    return tuple(out)


def _redecode(text: str) -> str:
    """Latin-1 text whose bytes may be UTF-8: decode them as UTF-8 when they are."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return text


def _name_of(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", None) or "<stream>"


def _open(source: Source, name: str) -> tuple[BinaryIO, bool]:
    if isinstance(source, bytes):
        return io.BytesIO(source), True
    if isinstance(source, (str, os.PathLike)):
        try:
            return open(source, "rb"), True
        except OSError as exc:
            raise InputError(f"{name}: cannot read: {exc.strerror}") from exc
    return source, False


def tokenize(source: Source, *, name: str | None = None) -> Iterator[Segment]:
    """The segments of ``source`` (a path, bytes, or a binary stream)."""
    return iter(Tokenizer(source, name=name))
