"""A file's segments as a reader sees them: numbered, placed in their envelope and in the
loops of their set's spec, each written back with the file's own delimiters.

This is what `edigate x12 view` and `edigate tx view` print; the inspector
(`edigate.desk.inspect`) puts findings under these lines. Only this package knows about
delimiters, so the element columns a finding points at are measured here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from edigate.x12.delimiters import Delimiters
from edigate.x12.segment import Composite, Element, Repeats, Segment
from edigate.x12.spec import LoopSpec, SetSpec, SpecLibrary, bundled_specs
from edigate.x12.tokenizer import Source, Tokenizer

__all__ = ["Outlined", "outline"]


@dataclass(frozen=True, slots=True)
class Outlined:
    """One segment: its number in the file (from 1), its envelope, where it stands in its
    set (``position``, ST being 1), how deep in the set's loops, and its element texts."""

    number: int
    id: str
    elements: tuple[str, ...]
    separator: str
    depth: int
    loop: str | None = None
    """The loop this segment opens, if it opens one."""
    isa13: str | None = None
    gs06: str | None = None
    st02: str | None = None
    position: int | None = None
    offset: int = 0


@dataclass
class _Place:
    """The walk of one set through its spec: the open loops and the child each is at."""

    spec: SetSpec | None
    stack: list[list[object]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.spec is not None:
            self.stack.append([self.spec.root, 0])

    def place(self, sid: str) -> tuple[int, str | None]:
        """How deep ``sid`` stands (0 in the set's own table) and the loop it opens."""
        if self.spec is None:
            return 0, None
        depth = len(self.stack) - 1
        while depth >= 0:
            loop, index = self.stack[depth]
            assert isinstance(loop, LoopSpec) and isinstance(index, int)
            start = index if index or not depth else 1
            found = next((i for i in loop.starts.get(sid, ()) if i >= start), None)
            if found is not None:
                break
            depth -= 1
        else:
            return len(self.stack) - 1, None  # not in the spec: the validator says so
        del self.stack[depth + 1:]
        self.stack[depth][1] = found
        child = loop.children[found]
        if isinstance(child, LoopSpec):
            self.stack.append([child, 0])
            return depth + 1, child.id
        return depth, None


@dataclass
class _Envelope:
    isa13: str | None = None
    gs06: str | None = None
    version: str = ""
    st02: str | None = None
    position: int = 0
    place: _Place = field(default_factory=lambda: _Place(None))


def outline(source: Source, *, name: str | None = None, library: SpecLibrary | None = None) -> Iterator[Outlined]:
    """Every segment of ``source`` in order; raises `NotX12Error` when it is not X12."""
    specs = library or bundled_specs()
    tokenizer = Tokenizer(source, name=name)
    env = _Envelope()
    for batch in tokenizer.batches():
        d = tokenizer.delimiters
        assert d is not None  # every batch follows an ISA
        for seg in batch:
            yield _outlined(seg, env, d, specs)


def _outlined(seg: Segment, env: _Envelope, d: Delimiters, specs: SpecLibrary) -> Outlined:
    depth, loop = _track(seg, env, specs)
    texts = tuple(_text(e, d) for e in seg.elements)
    inside = env.st02 is not None
    out = Outlined(seg.index + 1, seg.id, texts, d.element, depth, loop, env.isa13, env.gs06,
                   env.st02, env.position if inside else None, seg.offset)
    if seg.id == "SE":
        env.st02 = None
    return out


def _track(seg: Segment, env: _Envelope, specs: SpecLibrary) -> tuple[int, str | None]:
    """Update the envelope for ``seg``; its depth in the outline and the loop it opens."""
    sid = seg.id
    if sid in ("ISA", "IEA"):
        env.isa13, env.gs06, env.st02 = (seg.get(13) or None) if sid == "ISA" else env.isa13, None, None
        return 0, None
    if sid in ("GS", "GE"):
        if sid == "GS":
            env.gs06, env.version = seg.get(6) or None, seg.get(8)
        env.st02 = None
        return 1, None
    if sid == "ST":
        env.st02, env.position = seg.get(2), 1
        env.place = _Place(specs.get(seg.get(1), env.version))
        return 2, None
    if env.st02 is None:
        return 2, None
    env.position += 1
    depth, loop = env.place.place(sid)
    return 2 + depth, loop


def _text(element: Element, d: Delimiters) -> str:
    if isinstance(element, Repeats):
        return (d.repetition or "").join(_text(e, d) for e in element)
    if isinstance(element, Composite):
        parts = list(element)
        while parts and not parts[-1]:
            parts.pop()
        return d.component.join(parts)
    return element
