"""Whether an X12 file ends with a closed interchange: how the gateway tells a file whose
writer has paused from one that is finished, whatever the file's timestamps say.

Only the tail of the file is read: its last segment must be an IEA whose IEA02 matches the
ISA13 of the last ISA. The envelope stage checks the whole file later; this is only the
question "may more still come?".
"""

from __future__ import annotations

from edigate.x12.delimiters import ISA_LENGTH, fixed_isa_separators

__all__ = ["interchange_open"]

_LEADING = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 BOM and whitespace, tolerated before the ISA
_TRAILING = b" \t\r\n\x1a\x00"  # whitespace, a Ctrl-Z and NUL padding: what the tokenizer ignores at the end
_TAIL = 64 * 1024  # what is read from the end: a file may be large, its IEA is short


def interchange_open(data: bytes) -> bool:
    """True when ``data`` looks like X12 still being written: empty, a part of an ISA, or a
    last interchange without its IEA. False for a closed interchange, and for anything that
    is not X12 (nothing more will make it so: the envelope stage refuses it). Reads the
    first ISA and the tail; copies neither the whole file nor a large part of it."""
    head = data[:256]
    start = len(head) - len(head.lstrip(_LEADING))
    isa = data[start:start + ISA_LENGTH]
    if len(isa) < ISA_LENGTH:
        return b"ISA".startswith(isa[:3])
    separators = fixed_isa_separators(isa)
    if separators is None:
        return False  # not X12, or an ISA only the tokenizer reads: the envelope stage judges
    element, terminator = separators
    trailer = _last_segment(data[-_TAIL:], terminator).split(element)
    if trailer[0] != b"IEA" or len(trailer) < 3:
        return True
    fields = _last_isa(data, start, element, terminator)
    return len(fields) < 14 or not _same_number(fields[13], trailer[2])


def _last_segment(tail: bytes, terminator: bytes) -> bytes:
    """The last segment that holds anything, terminated or not."""
    for piece in reversed(tail.rstrip(_TRAILING).rsplit(terminator, 2)):
        if piece.strip(_TRAILING):
            return piece.strip(_TRAILING)
    return b""


def _last_isa(data: bytes, start: int, element: bytes, terminator: bytes) -> list[bytes]:
    """The elements of the last ISA segment (an ``ISA`` inside a value does not count)."""
    end = len(data)
    while (pos := data.rfind(b"ISA" + element, start, end)) > start:
        before = data[max(start, pos - 8):pos]
        if before.endswith(terminator) or before.rstrip(b"\r\n").endswith(terminator):
            break
        end = pos
    pos = max(pos, start)
    return data[pos:pos + ISA_LENGTH + 64].split(terminator, 1)[0].split(element)


def _same_number(isa13: bytes, iea02: bytes) -> bool:
    return isa13.isdigit() and iea02.strip().isdigit() and int(isa13) == int(iea02)
