"""Write pyx12 map XML (maps.xml, control maps, set maps, dataele.xml, codes.xml) from source/.

Run ``python -m edigate.x12.specs.build`` after editing a YAML source; the output is
deterministic, and a test fails when the checked-in XML differs from what this writes.

Conventions the XML follows (edigate's own validator relies on them too):

* usage: X12 requirement M becomes ``R``; O and X become ``S`` (X's condition is a syntax note).
* syntax notes are ``<syntax>`` children of the segment or composite, e.g. ``P0607``.
* code lists: an ID element whose number has a list in codes.yaml carries
  ``<valid_codes external="NUMBER"/>``; the codes live in codes.xml under that id. Where
  codes-<version>.yaml has the element's complete list for the map's version, the element
  carries ``external="NUMBER.VERSION"`` instead (a code set that is never partial). Inline
  ``<code>`` lists appear only on envelope qualifiers (ISA11/12, GS01, GS08, ST01).
* a code set whose <source> is "X12 subset" lists only part of a larger X12 list; edigate's
  validator reports other values as warnings.
* data_ele is the element number, or "NUMBER.VERSION" where the versions define it differently.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from edigate.errors import ConfigError
from edigate.x12.specs.source import (
    Composite,
    LoopUse,
    Position,
    SegmentDef,
    SegmentUse,
    SetSpec,
    Sources,
    applies,
    load_sources,
)

__all__ = ["SPECS_DIR", "base_element_number", "map_file_name", "render_all", "write_all"]

SPECS_DIR = Path(__file__).parent
USAGE = {"M": "R", "O": "S", "X": "S"}
TABLE_XID = {"header": ("HEADER", "Table 1 - Header"), "detail": ("DETAIL", "Table 2 - Detail"),
             "summary": ("FOOTER", "Table 3 - Summary")}
FUNCTIONAL_GROUPS = ("PO", "PR", "SH", "IN", "PC", "CA", "IB", "AG", "OW", "SW", "FA")
PARTIAL_SOURCE = "X12 subset"
"""codes.xml <source> of a curated subset of a larger list: unknown values only warn."""


def base_element_number(data_ele: str) -> str:
    """The X12 element number of a map's data_ele ("127.005010" -> "127"), for AK4/IK4."""
    return data_ele.split(".", 1)[0]


def map_file_name(set_id: str, version: str) -> str:
    """pyx12-style map file name: 850 and 004010 -> 850.4010.xml."""
    return f"{set_id}.{version[2:6]}.xml"


@dataclass(frozen=True)
class Context:
    """What a map is being written for: sources, version, and envelope codes to inline."""

    sources: Sources
    version: str
    inline_codes: dict[str, tuple[str, ...]]

    def data_ele(self, number: str) -> str:
        return f"{number}.{self.version}" if number in self.sources.varying_elements else number

    def element(self, number: str) -> tuple[str, str]:
        """(data type, name) of an element in this version."""
        definition = self.sources.elements[self.version].get(number)
        if definition is None:
            raise ConfigError(f"elements.yaml: element {number} is not defined for version {self.version}")
        return definition.data_type, definition.name


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _in_version(version: str | None, ctx: Context) -> bool:
    return applies(version, ctx.version)


def _positions(positions: tuple[Position, ...], ctx: Context) -> list[Position]:
    return [p for p in positions if _in_version(p.version, ctx)]


def _syntax(parent: ET.Element, rules: tuple[tuple[str, str | None], ...], ctx: Context) -> None:
    for rule, version in rules:
        if _in_version(version, ctx):
            _sub(parent, "syntax", rule)


def _valid_codes(node: ET.Element, xid: str, number: str, ctx: Context) -> None:
    if xid in ctx.inline_codes:
        codes = _sub(node, "valid_codes")
        for code in ctx.inline_codes[xid]:
            _sub(codes, "code", code)
    elif ctx.element(number)[0] != "ID":
        return
    elif number in ctx.sources.version_codes.get(ctx.version, {}):
        _sub(node, "valid_codes", external=f"{number}.{ctx.version}")
    elif number in ctx.sources.codes:
        _sub(node, "valid_codes", external=number)


def _element(parent: ET.Element, xid: str, pos: Position, seq: int, ctx: Context) -> None:
    node = _sub(parent, "element", xid=xid)
    _sub(node, "data_ele", ctx.data_ele(pos.ref))
    _sub(node, "name", ctx.element(pos.ref)[1])
    _sub(node, "usage", USAGE[pos.requirement])
    _sub(node, "seq", f"{seq:02d}")
    _valid_codes(node, xid, pos.ref, ctx)


def _composite(parent: ET.Element, xid: str, pos: Position, seq: int, ctx: Context) -> None:
    comp: Composite = ctx.sources.composites[pos.ref]
    node = _sub(parent, "composite", xid=xid)
    _sub(node, "data_ele", comp.id)
    _sub(node, "name", comp.name)
    _sub(node, "usage", USAGE[pos.requirement])
    _sub(node, "seq", f"{seq:02d}")
    _syntax(node, comp.syntax, ctx)
    for sub_seq, sub in enumerate(_positions(comp.positions, ctx), start=1):
        _element(node, f"{xid}-{sub_seq:02d}", sub, sub_seq, ctx)


def segment_xml(parent: ET.Element, use: SegmentUse, ctx: Context, end_tag: str = "") -> None:
    """Append one <segment> with its elements, composites and syntax notes."""
    seg: SegmentDef = ctx.sources.segments[use.segment]
    node = _sub(parent, "segment", xid=seg.id)
    _sub(node, "name", seg.name)
    if end_tag:
        _sub(node, "end_tag", end_tag)
    _sub(node, "usage", USAGE[use.requirement])
    _sub(node, "pos", use.pos)
    _sub(node, "max_use", use.max_use)
    _syntax(node, seg.syntax, ctx)
    for seq, pos in enumerate(_positions(seg.positions, ctx), start=1):
        xid = f"{seg.id}{seq:02d}"
        if pos.ref in ctx.sources.composites:
            _composite(node, xid, pos, seq, ctx)
        else:
            _element(node, xid, pos, seq, ctx)


def _loop(parent: ET.Element, xid: str, name: str, usage: str, pos: str, repeat: str,
          loop_type: str | None = None) -> ET.Element:
    attrs = {"xid": xid} if loop_type is None else {"xid": xid, "type": loop_type}
    node = _sub(parent, "loop", **attrs)
    _sub(node, "name", name)
    _sub(node, "usage", usage)
    _sub(node, "pos", pos)
    _sub(node, "repeat", repeat)
    return node


def _children(parent: ET.Element, items: tuple[SegmentUse | LoopUse, ...], ctx: Context) -> None:
    for item in items:
        if not _in_version(item.version, ctx):
            continue
        if isinstance(item, SegmentUse):
            segment_xml(parent, item, ctx)
            continue
        name = f"{ctx.sources.segments[item.children[0].segment].name} Loop"  # type: ignore[union-attr]
        node = _loop(parent, item.id, name, USAGE[item.requirement], item.pos, item.repeat)
        _children(node, item.children, ctx)


def _tables(parent: ET.Element, spec: SetSpec, ctx: Context) -> None:
    for index, (table, items) in enumerate(spec.tables, start=1):
        if not items:
            continue
        xid, name = TABLE_XID[table]
        required = any(i.requirement == "M" and _in_version(i.version, ctx) for i in items)
        repeat = ">1" if table == "detail" else "1"
        node = _loop(parent, xid, name, "R" if required else "S", f"{index}0".zfill(3), repeat,
                     "wrapper")
        _children(node, items, ctx)


def _envelope(root: ET.Element, ctx: Context, spec: SetSpec | None) -> None:
    """ISA/GS loops (and ST/SE around the set's tables when spec is given)."""
    isa_loop = _loop(root, "ISA_LOOP", "Interchange Control Header", "R", "001", ">1", "explicit")
    segment_xml(isa_loop, SegmentUse("ISA", "010", "M", "1"), ctx, "IEA")
    gs_loop = _loop(isa_loop, "GS_LOOP", "Functional Group Header", "R", "020", ">1", "explicit")
    segment_xml(gs_loop, SegmentUse("GS", "010", "M", "1"), ctx, "GE")
    if spec is not None:
        st_loop = _loop(gs_loop, "ST_LOOP", "Transaction Set Header", "R", "020", ">1",
                        "explicit")
        segment_xml(st_loop, SegmentUse("ST", "005", "M", "1"), ctx)
        _tables(st_loop, spec, ctx)
        segment_xml(st_loop, SegmentUse("SE", "040", "M", "1"), ctx)
    segment_xml(gs_loop, SegmentUse("GE", "030", "M", "1"), ctx)
    segment_xml(isa_loop, SegmentUse("TA1", "020", "O", "1"), ctx)
    segment_xml(isa_loop, SegmentUse("IEA", "030", "M", "1"), ctx)


def _inline_codes(sources: Sources, version: str, spec: SetSpec | None) -> dict[str, tuple[str, ...]]:
    known = tuple(icvn for icvn, _ in sources.index.interchange_versions)
    icvns = tuple(i for i, v in sources.index.interchange_versions if v == version) or known
    codes: dict[str, tuple[str, ...]] = {"ISA12": icvns, "GS01": FUNCTIONAL_GROUPS}
    if version < "004020":
        codes["ISA11"] = ("U",)
    gs08 = dict(sources.index.group_versions)[version]
    if spec is None:
        all_gs08 = {g for s in sources.sets for v in s.versions if v == version
                    for g in s.gs08_for(v, gs08)}
        codes["GS08"] = tuple(sorted(all_gs08))
    else:
        codes["GS08"] = spec.gs08_for(version, gs08)
        codes["ST01"] = (spec.id,)
    return codes


def _document(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _generated_note(root: ET.Element) -> None:
    root.insert(0, ET.Comment(" Generated by edigate.x12.specs.build from source/*.yaml; do not edit. "))


def set_map(sources: Sources, spec: SetSpec, version: str) -> str:
    """The pyx12 map of one transaction set in one version, as XML text."""
    ctx = Context(sources, version, _inline_codes(sources, version, spec))
    root = ET.Element("transaction", xid=spec.id)
    _generated_note(root)
    _sub(root, "name", f"{spec.name} ({spec.id} {version})")
    _envelope(root, ctx, spec)
    return _document(root)


def control_map(sources: Sources, version: str) -> str:
    """The envelope-only map pyx12 reads before it knows the group's set."""
    ctx = Context(sources, version, _inline_codes(sources, version, None))
    root = ET.Element("transaction", xid="X12")
    _generated_note(root)
    _sub(root, "name", f"X12 Control ({version})")
    _envelope(root, ctx, None)
    return _document(root)


def _index_entries(sources: Sources) -> list[tuple[str, str, str, str]]:
    """(gs08, gs01, set id, map file) for every map, refusing two maps for one key."""
    defaults = dict(sources.index.group_versions)
    entries: dict[tuple[str, str], tuple[str, str]] = {}
    for spec in sources.sets:
        for version in spec.versions:
            for gs08 in spec.gs08_for(version, defaults[version]):
                key = (gs08, spec.functional_group)
                if key in entries:
                    raise ValueError(f"GS08 {gs08} GS01 {key[1]} selects two maps")
                entries[key] = (spec.id, map_file_name(spec.id, version))
    return [(g, f, s, m) for (g, f), (s, m) in sorted(entries.items())]


def maps_index(sources: Sources) -> str:
    """maps.xml: every accepted ISA12 lists every (GS08, GS01) -> map file."""
    root = ET.Element("maps")
    _generated_note(root)
    entries = _index_entries(sources)
    for icvn, _version in sources.index.interchange_versions:
        node = _sub(root, "version", icvn=icvn)
        for gs08, gs01, set_id, map_file in entries:
            _sub(node, "map", map_file, vriic=gs08, fic=gs01, abbr=set_id)
    return _document(root)


def dataele(sources: Sources) -> str:
    """dataele.xml: one entry per element number, or per number and version where they differ."""
    entries: dict[str, tuple[str, int, int, str]] = {}
    for version, table in sources.elements.items():
        ctx = Context(sources, version, {})
        for number, d in table.items():
            entries[ctx.data_ele(number)] = (d.data_type, d.min_len, d.max_len, d.name)
    root = ET.Element("data_elements")
    _generated_note(root)
    for key in sorted(entries):
        data_type, min_len, max_len, name = entries[key]
        _sub(root, "data_ele", ele_num=key, data_type=data_type, min_len=str(min_len),
             max_len=str(max_len), name=name)
    return _document(root)


def codes(sources: Sources) -> str:
    """codes.xml: one external code set per element number, codes in source order."""
    root = ET.Element("codesets")
    _generated_note(root)
    for number in sorted(sources.codes):
        codeset = sources.codes[number]
        node = _sub(root, "codeset")
        _sub(node, "id", number)
        _sub(node, "name", codeset.name)
        if codeset.partial:
            _sub(node, "source", PARTIAL_SOURCE)
        _sub(node, "data_ele", number)
        version = _sub(node, "version")
        for code, _text in codeset.codes:
            _sub(version, "code", code)
    for version_id, lists in sorted(sources.version_codes.items()):
        for number in sorted(lists, key=lambda n: (len(n), n)):
            node = _sub(root, "codeset")
            _sub(node, "id", f"{number}.{version_id}")
            _sub(node, "name", sources.elements[version_id][number].name)
            _sub(node, "data_ele", number)
            version = _sub(node, "version")
            for code in lists[number]:
                _sub(version, "code", code)
    return _document(root)


def render_all(sources: Sources | None = None) -> dict[str, str]:
    """Every generated file name mapped to its XML text."""
    src = sources or load_sources()
    files = {"maps.xml": maps_index(src), "dataele.xml": dataele(src), "codes.xml": codes(src)}
    for icvn, version in src.index.interchange_versions:
        if icvn in ("00401", "00501"):
            files[f"x12.control.{icvn}.xml"] = control_map(src, version)
    for spec in src.sets:
        for version in spec.versions:
            files[map_file_name(spec.id, version)] = set_map(src, spec, version)
    return files


def write_all(target: Path = SPECS_DIR) -> list[Path]:
    """Write every generated file into ``target``; return the paths written."""
    written = []
    for name, text in sorted(render_all().items()):
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    for path in write_all():
        print(path.relative_to(SPECS_DIR.parent.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
