"""Export templates: a routed destination's payload as the analyst defines it, not as code does.

Two kinds, chosen by the file's extension:

- ``.yaml``: a field mapping written to JSON. Each value is a map expression (the same
  sandbox as ``when`` and the maps) over ``order`` (the canonical order, with its
  accessors: ``order.ship_to.ids.buyer_location``, ``line.product_ids.vendor_part``),
  ``partner`` and ``document``; a nested mapping is a nested object; ``each:`` with
  ``as:`` and ``fields:`` makes a list, one object per item::

      fields:
        orderNumber: order.po_number
        shipTo: {store: order.ship_to.ids.buyer_location, name: order.ship_to.name}
        lines:
          each: order.lines
          as: line
          fields: {sku: line.product_ids.vendor_part, qty: line.quantity}

- ``.j2``/``.jinja``: a jinja2 template rendered in the bounded sandbox, for XML, CSV or
  any text a system reads (same names).

- ``.yaml`` with ``csv:`` instead of ``fields:``: a CSV file (RFC 4180: a header row,
  fields quoted only when they hold a comma, quote or line break, CRLF line ends; UTF-8),
  one row per item of ``rows`` (named by ``as``), its ``columns`` in the order written.
  Dates are written in ``date_format`` (strftime, stated by the template: the importing
  system reads dates in one format), decimals as plain decimals (``12.50``, never
  ``1.25E+1``); a ``required`` column that comes out empty is a `DataError`, so a bad
  order is an exception, never a silent row::

      csv:
        rows: order.lines
        as: line
        date_format: "%m/%d/%Y"
        required: [Item]
        columns: {PO: order.po_number, Item: line.product_ids.vendor_part}

A field mapping or jinja template may name a JSON Schema (``.json``) or an XSD (``.xsd``) the output must match
(the destination's ``schema`` or a ``schema:`` key in the mapping); an output that does
not is a `DataError` (``route.schema``) and is not delivered. Mistakes in a template are
`ConfigError`s with file:line, found when the template is first loaded.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jinja2 import TemplateError, TemplateSyntaxError
from lxml import etree

from edigate.config.yamlsource import Map, Node, Scalar, Seq, display_name, load_yaml
from edigate.errors import ConfigError, ConfigProblem, DataError
from edigate.mapping.expr import Expression, ExpressionFailed, compile_expression
from edigate.mapping.sandbox import BUDGET, Budget, Limits, environment

__all__ = ["ExportTemplate", "load_template"]

NAMES = frozenset({"order", "partner", "document"})
TEMPLATE_LIMITS = Limits(steps=1_000_000, seconds=10.0, length=10_000_000)
"""A whole template does more than one expression; still bounded."""
Context = Mapping[str, Any]
Render = Callable[[Context], Any]


@dataclass(frozen=True, slots=True)
class ExportTemplate:
    """A compiled template: ``render`` gives the payload's bytes, checked against its schema."""

    file: str
    render_fn: Callable[[Context], bytes]
    check: Callable[[bytes], None] | None = None
    extension: str = "json"
    """The file-name extension of its payloads: ``json``, ``csv``, or a jinja template's
    own (``orders.xml.j2``: ``xml``)."""

    def render(self, order: object, *, partner: str, document: int) -> bytes:
        data = self.render_fn({"order": order, "partner": partner, "document": document})
        if self.check is not None:
            self.check(data)
        return data


def load_template(path: Path, schema: Path | None = None) -> ExportTemplate:
    """Compile the template at ``path`` (and load ``schema`` if given); `ConfigError` with
    file:line for any mistake. Cached per file and modification time."""
    mtimes = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (path, schema) if p is not None)
    return _load(path, schema, mtimes)


@cache
def _load(path: Path, schema: Path | None, _mtimes: tuple[int, ...]) -> ExportTemplate:
    if path.suffix in (".yaml", ".yml"):
        fn, named, extension = _field_mapping(path)
        schema = schema or (path.parent / named if named else None)
    elif path.suffix in (".j2", ".jinja"):
        fn, extension = _jinja(path), Path(path.stem).suffix.lstrip(".") or "txt"
    else:
        raise ConfigError(f"{display_name(path)}: an export template is a .yaml field mapping or a .j2 template")
    return ExportTemplate(display_name(path), fn, _checker(schema) if schema else None, extension)


# -- field mappings -------------------------------------------------------------------------

def _field_mapping(path: Path) -> tuple[Callable[[Context], bytes], str | None, str]:
    doc = load_yaml(path, display=display_name(path))
    if doc.problems:
        raise ConfigError(list(doc.problems))
    root = doc.root
    csv_node = root.get("csv") if isinstance(root, Map) else None
    if isinstance(root, Map) and csv_node is not None:
        if root.keys() != ["csv"]:
            raise ConfigError([ConfigProblem(doc.file, root.line, "csv", "csv: stands alone (no fields:, schema:)")])
        return _csv_mapping(doc.file, csv_node[1]), None, "csv"
    fields = root.get("fields") if isinstance(root, Map) else None
    if not isinstance(root, Map) or fields is None:
        raise ConfigError([ConfigProblem(doc.file, root.line if root else None, "",
                                         "needs a fields: mapping (or csv: alone)")])
    unknown = [k for k in root.keys() if k not in ("fields", "schema")]
    if unknown:
        raise ConfigError([ConfigProblem(doc.file, root.line, unknown[0], "unknown key (fields, schema)")])
    schema = root.get("schema")
    build = _Builder(doc.file).node(fields[1], "fields", NAMES)

    def render(context: Context) -> bytes:
        return (json.dumps(build(context), default=_json_value, ensure_ascii=False) + "\n").encode()

    return render, schema[1].text if schema and isinstance(schema[1], Scalar) else None, "json"


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, frozenset, set)):
        return list(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):  # enums
        return getattr(value, "value")
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


class _Builder:
    """Compiles a located YAML tree into a function of the context."""

    def __init__(self, file: str) -> None:
        self.file = file

    def node(self, node: Node, path: str, names: frozenset[str]) -> Render:
        if isinstance(node, Scalar):
            return self.scalar(node, path, names)
        if isinstance(node, Seq):
            items = [self.node(item, f"{path}[{i}]", names) for i, item in enumerate(node.items)]
            return lambda ctx: [item(ctx) for item in items]
        if node.get("each") is not None:
            return self.each(node, path, names)
        fields = [(key.text, self.node(value, f"{path}.{key.text}", names)) for key, value in node.entries]
        return lambda ctx: {name: fn(ctx) for name, fn in fields}

    def scalar(self, node: Scalar, path: str, names: frozenset[str]) -> Render:
        if not isinstance(node.value, str):
            constant = node.value  # a number, true/false or null as written
            return lambda ctx: constant
        expression = compile_expression(node.text, self.file, node.line, path, names=names)
        return lambda ctx: self.evaluate(expression, ctx)

    def each(self, node: Map, path: str, names: frozenset[str]) -> Render:
        keys = dict(node.entries)
        as_node, fields = node.get("as"), node.get("fields")
        extra = [k for k in node.keys() if k not in ("each", "as", "fields")]
        if as_node is None or fields is None or extra or not isinstance(as_node[1], Scalar):
            raise ConfigError([ConfigProblem(self.file, node.line, path,
                                             "a list is written each: <expression>, as: <name>, fields: {...}")])
        name = as_node[1].text
        if not name.isidentifier() or name.startswith("_") or name in NAMES:
            raise ConfigError([ConfigProblem(self.file, as_node[1].line, f"{path}.as",
                                             f"{name!r} cannot name the item (a plain name, not {sorted(NAMES)})")])
        items = self.scalar(_scalar(keys, "each", self.file, path), f"{path}.each", names)
        body = self.node(fields[1], f"{path}.fields", names | {name})
        return lambda ctx: [body({**ctx, name: item}) for item in (items(ctx) or ())]

    @staticmethod
    def evaluate(expression: Expression, ctx: Context) -> Any:
        try:
            return expression(ctx)
        except ExpressionFailed as exc:
            raise DataError(exc.message, code="route.template") from exc


# -- CSV files -------------------------------------------------------------------------------

_CSV_KEYS = ("rows", "as", "columns", "date_format", "required")


def _csv_mapping(file: str, node: Node) -> Callable[[Context], bytes]:
    """A ``csv:`` mapping compiled: rows, their columns, the date format, required columns."""
    found = node.get("columns") if isinstance(node, Map) else None
    columns_map = found[1] if found else None
    if not isinstance(node, Map) or node.get("rows") is None or node.get("as") is None \
            or not isinstance(columns_map, Map):
        raise ConfigError([ConfigProblem(file, node.line, "csv", "needs rows:, as: and columns: {name: expression}")])
    unknown = [k for k in node.keys() if k not in _CSV_KEYS]
    if unknown:
        raise ConfigError([ConfigProblem(file, node.line, f"csv.{unknown[0]}",
                                         f"unknown key ({', '.join(_CSV_KEYS)})")])
    keys = dict(node.entries)
    name = _scalar(keys, "as", file, "csv").text
    if not name.isidentifier() or name.startswith("_") or name in NAMES:
        raise ConfigError([ConfigProblem(file, node.line, "csv.as", f"{name!r} cannot name the row's item")])
    builder = _Builder(file)
    rows = builder.scalar(_scalar(keys, "rows", file, "csv"), "csv.rows", NAMES)
    columns = [(key.text, builder.node(value, f"csv.columns.{key.text}", NAMES | {name}))
               for key, value in columns_map.entries]
    date_format = _csv_text(node, "date_format", file) or "%Y-%m-%d"
    required = _csv_required(node, file, {c for c, _ in columns})

    def render(context: Context) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([c for c, _ in columns])
        items, count = rows(context) or (), 0
        if not isinstance(items, Iterable) or isinstance(items, (str, bytes, Mapping)):
            raise DataError(f"{file}: csv.rows gave {type(items).__name__}, not a list", code="route.template")
        for count, item in enumerate(items, start=1):
            row = {c: _csv_value(fn({**context, name: item}), date_format) for c, fn in columns}
            empty = [c for c in required if row[c] == ""]
            if empty:
                raise DataError(f"{file}: row {count}: {', '.join(empty)} empty (required)", code="route.template")
            writer.writerow(row.values())
        if count == 0:
            raise DataError(f"{file}: no rows (csv.rows gave nothing)", code="route.template")
        return out.getvalue().encode("utf-8")

    return render


def _csv_text(node: Map, key: str, file: str) -> str | None:
    found = node.get(key)
    value = found[1] if found else None
    if value is None:
        return None
    if not isinstance(value, Scalar) or not isinstance(value.value, str):
        raise ConfigError([ConfigProblem(file, value.line, f"csv.{key}", "must be text")])
    return value.value


def _csv_required(node: Map, file: str, columns: set[str]) -> tuple[str, ...]:
    found = node.get("required")
    value = found[1] if found else None
    if value is None:
        return ()
    items = value.items if isinstance(value, Seq) else None
    names = [i.text for i in items or () if isinstance(i, Scalar)]
    if items is None or len(names) != len(items) or not set(names) <= columns:
        raise ConfigError([ConfigProblem(file, value.line, "csv.required", "a list of the columns' names")])
    return tuple(names)


def _csv_value(value: object, date_format: str) -> str:
    """One CSV field: empty for none, plain decimals, dates in the stated format."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.strftime(date_format)
    if isinstance(getattr(value, "value", None), str):  # enums
        return str(getattr(value, "value"))
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        raise DataError(f"a CSV field cannot hold a {type(value).__name__}", code="route.template")
    return str(value)


def _scalar(keys: dict[Scalar, Node], key: str, file: str, path: str) -> Scalar:
    node = next(v for k, v in keys.items() if k.text == key)
    if not isinstance(node, Scalar):
        raise ConfigError([ConfigProblem(file, node.line, f"{path}.{key}", "must be an expression")])
    return node


# -- jinja2 templates -------------------------------------------------------------------------

def _jinja(path: Path) -> Callable[[Context], bytes]:
    file = display_name(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the template: {exc}") from exc
    try:
        template = environment(TEMPLATE_LIMITS).from_string(source)
    except TemplateSyntaxError as exc:
        raise ConfigError([ConfigProblem(file, exc.lineno, "", exc.message or "invalid template")]) from exc

    def render(context: Context) -> bytes:
        try:
            return template.render(**context, **{BUDGET: Budget(TEMPLATE_LIMITS)}).encode()
        except (TemplateError, ArithmeticError, ValueError, TypeError, LookupError) as exc:
            raise DataError(f"{file}: template failed: {exc}", code="route.template") from exc

    return render


# -- schemas --------------------------------------------------------------------------------

def _checker(schema: Path) -> Callable[[bytes], None]:
    file = display_name(schema)
    if schema.suffix == ".xsd":
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            xsd = etree.XMLSchema(etree.parse(str(schema), parser))
        except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
            raise ConfigError(f"{file}: not a usable XSD: {exc}") from exc
        return lambda data: _check_xml(data, xsd, file)
    try:
        loaded = json.loads(schema.read_text(encoding="utf-8"))
        validator_class = jsonschema.validators.validator_for(loaded)
        validator_class.check_schema(loaded)
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        raise ConfigError(f"{file}: not a usable JSON Schema: {exc}") from exc
    validator = validator_class(loaded, format_checker=validator_class.FORMAT_CHECKER)
    return lambda data: _check_json(data, validator, file)


def _check_json(data: bytes, validator: Any, file: str) -> None:
    error = jsonschema.exceptions.best_match(validator.iter_errors(json.loads(data)))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise DataError(f"payload does not match {file} at {where}: {error.message}", code="route.schema")


def _check_xml(data: bytes, xsd: etree.XMLSchema, file: str) -> None:
    try:
        document = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise DataError(f"payload is not well-formed XML: {exc}", code="route.schema") from exc
    if not xsd.validate(document):
        raise DataError(f"payload does not match {file}: {str(xsd.error_log).splitlines()[0]}", code="route.schema")
