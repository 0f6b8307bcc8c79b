"""A map's segment and element paths checked against the transaction set's spec, at load.

The map compiler checks that a path is well formed (``BEG03``, ``N1[N101=ST]/N104``); only
the spec knows that an 850 has no ``BXX`` segment or that ``BEG`` has no element 14. Both
directions are checked: the paths an inbound map reads (``from``, ``pairs``, ``each``,
``values``, conditions, ``el('...')`` in expressions) and the segments and element
positions an outbound map writes. Each mistake is a `ConfigProblem` at the map's file:line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from jinja2 import TemplateError

from edigate.config.yamlsource import Map, Node, Scalar, Seq
from edigate.errors import ConfigProblem
from edigate.mapping.expr import el_arguments
from edigate.mapping.mapfile import Entry, MapSource
from edigate.mapping.paths import Path, PathError, parse_path
from edigate.mapping.sandbox import environment
from edigate.mapping.units import unit_codes
from edigate.x12.checks import ascii_digits
from edigate.x12.spec import CompositeSpec, ElementSpec, LoopSpec, SegmentSpec, SetSpec

__all__ = ["check_against_spec"]

_PATH_KEYS = ("from", "pairs", "each")
_BLOCK_KEYS = ("each", "group_by", "hl", "segments")


@dataclass(frozen=True, slots=True)
class _Written:
    """One path (or segment and position) the map names, and where it names it."""

    file: str
    line: int
    path: str
    text: str


def check_against_spec(source: MapSource, spec: SetSpec) -> list[ConfigProblem]:
    """Every segment or element ``source`` names that ``spec`` does not have."""
    segments = _segments(spec.root)
    problems: list[ConfigProblem] = []
    for written in _inbound_paths(source):
        try:
            parsed = parse_path(written.text)
        except PathError:
            continue  # the map compiler reports a malformed path
        problems += _path_problems(written, parsed, segments, spec)
    if source.segments is not None:
        problems += _outbound_problems(source.segments, "segments", segments, spec)
    return problems + list(_unit_problems(source, segments))


def _unit_problems(source: MapSource, segments: Mapping[str, list[SegmentSpec]]) -> Iterator[ConfigProblem]:
    """Each unit of the ``units:`` section that is neither a unit code of the set's spec
    (element 355) nor a unit the map's ``codes.uom`` table names."""
    if not source.units:
        return
    known = {code for specs in segments.values() for s in specs for f in s.by_position
             if isinstance(f, ElementSpec) and f.ref == "355" and f.codes for code in f.codes}
    table = source.plain_tables().get("codes", {}).get("uom", {})
    known |= {code for pair in table.items() for code in pair if code != "*"}
    for code, entry, where in unit_codes(source):
        if known and code not in known:
            yield ConfigProblem(entry.file, entry.line, where, f"unknown unit code {code!r}: not an X12 unit "
                                "(element 355) nor a unit of codes.uom; add it to codes.uom if the partner uses it")


def _segments(loop: LoopSpec) -> dict[str, list[SegmentSpec]]:
    """Every segment of the set by id (one id may stand in several loops)."""
    found: dict[str, list[SegmentSpec]] = {}
    for child in loop.children:
        if isinstance(child, SegmentSpec):
            found.setdefault(child.id, []).append(child)
        else:
            for sid, specs in _segments(child).items():
                found.setdefault(sid, []).extend(specs)
    return found


def _inbound_paths(source: MapSource) -> Iterator[_Written]:
    for section, entries in source.sections.items():
        for key, entry in entries.items():
            yield from _spec_paths(entry, f"{section}.{key}")


def _spec_paths(entry: Entry, path: str) -> Iterator[_Written]:
    """The paths one field spec reads: itself when a path, else its keys that hold paths."""
    node = entry.node
    if isinstance(node, Scalar):
        yield _Written(entry.file, entry.line, path, node.text)
        return
    if not isinstance(node, Map):
        return
    for key, value in node.entries:
        where = f"{path}.{key.text}"
        if key.text in _PATH_KEYS and isinstance(value, Scalar):
            yield _Written(entry.file, key.line, where, value.text)
        elif key.text == "values" and isinstance(value, Seq):
            yield from (_Written(entry.file, v.line, where, v.text) for v in value.items if isinstance(v, Scalar))
        elif key.text == "value":
            yield from _spec_paths(Entry(entry.file, key.line, value), where)
        elif key.text == "fields" and isinstance(value, Map):
            for name, spec in value.entries:
                yield from _spec_paths(Entry(entry.file, name.line, spec), f"{where}.{name.text}")
        elif key.text == "expr" and isinstance(value, Scalar):
            yield from (_Written(entry.file, key.line, where, text) for text in _el_paths(value.text))


def _el_paths(expression: str) -> Iterator[str]:
    """The paths written as ``el('PATH')`` in an expression (nothing if it does not parse)."""
    try:
        tree = environment().parse("{{ " + expression + " }}")
    except TemplateError:  # the expression compiler reports the syntax
        return
    yield from (text for text in el_arguments(tree) if text is not None)


def _path_problems(written: _Written, parsed: Path, segments: Mapping[str, list[SegmentSpec]],
                   spec: SetSpec) -> Iterator[ConfigProblem]:
    found = segments.get(parsed.segment)
    if not found:
        yield _unknown_segment(written, parsed.segment, spec)
        return
    positions = [c.position for c in parsed.conditions]
    if parsed.element:
        positions.append(parsed.element)
    for position in positions:
        message = _position_problem(found, parsed.segment, position, parsed.component
                                    if position == parsed.element else 1)
        if message:
            yield ConfigProblem(written.file, written.line, written.path, f"{written.text!r}: {message}")


def _unknown_segment(written: _Written, segment: str, spec: SetSpec) -> ConfigProblem:
    message = f"{written.text!r}: the {spec.set_id} ({spec.version}) spec has no segment {segment}"
    return ConfigProblem(written.file, written.line, written.path, message)


def _position_problem(found: list[SegmentSpec], segment: str, position: int, component: int) -> str | None:
    """Why ``position`` (and ``component``) is not in any of the segment's definitions."""
    fields = [s.by_position[position] for s in found if position < len(s.by_position)]
    present = [f for f in fields if f is not None]
    if not present:
        last = max(len(s.by_position) - 1 for s in found)
        return f"{segment} has no element {position:02d} (it has {last})"
    if component > 1 and not any(isinstance(f, CompositeSpec) and component <= len(f.components)
                                 for f in present):
        return f"{segment}{position:02d} has no component {component}"
    return None


def _outbound_problems(entry: Entry, path: str, segments: Mapping[str, list[SegmentSpec]],
                       spec: SetSpec) -> Iterator[ConfigProblem]:
    """The segments an outbound map writes, and their element positions, against the spec."""
    if not isinstance(entry.node, Seq):
        return
    for i, item in enumerate(entry.node.items):
        if not isinstance(item, Map):
            continue
        keys = {k.text: (k, v) for k, v in item.entries}
        if "each" in keys or "hl" in keys:
            inner = keys.get("segments")
            if inner is not None:
                yield from _outbound_problems(Entry(entry.file, inner[0].line, inner[1]),
                                              f"{path}[{i}].segments", segments, spec)
            continue
        for sid, (key, elements) in keys.items():
            if sid != "when":
                yield from _written_segment(Entry(entry.file, key.line, elements), sid, f"{path}[{i}].{sid}",
                                            segments, spec)


def _written_segment(entry: Entry, sid: str, path: str, segments: Mapping[str, list[SegmentSpec]],
                     spec: SetSpec) -> Iterator[ConfigProblem]:
    written = _Written(entry.file, entry.line, path, sid)
    found = segments.get(sid)
    if not found:
        yield _unknown_segment(written, sid, spec)
        return
    for position, line in _positions(entry.node, entry.line):
        message = _position_problem(found, sid, position, 1)
        if message:
            yield ConfigProblem(entry.file, line, f"{path}[{position}]", message)


def _positions(node: Node, line: int) -> Iterator[tuple[int, int]]:
    """The element positions an outbound segment writes (a pair group's first only)."""
    if isinstance(node, Seq):
        yield from ((i, item.line) for i, item in enumerate(node.items, 1)
                    if not (isinstance(item, Scalar) and item.value is None and not item.quoted))
    elif isinstance(node, Map):
        yield from ((int(k.text), k.line) for k, _ in node.entries if ascii_digits(k.text) and int(k.text) > 0)
