"""Stable views for BI tools (Power BI, Tableau, Looker): orders, their lines, transmissions,
exceptions, our documents with their acks, and daily KPIs; documented in docs/bi-views.md.

The views read the tables as they are, so a tool connects to names that do not change when a
table does (a later migration redefines a view). The order's fields live in the JSON body of
its document; SQLite and PostgreSQL read JSON, dates and durations differently, so each view
is written once with the few expressions of each dialect filled in.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

VIEWS = ("bi_orders", "bi_order_lines", "bi_transmissions", "bi_exceptions", "bi_documents_and_acks",
         "bi_daily_kpis")

_SQLITE = {
    "field": "json_extract({doc}, '$.{name}')",
    "number": "CAST(json_extract({doc}, '$.{name}') AS REAL)",
    "lines": "json_each(json_extract(d.body, '$.lines')) AS l",
    "line": "l.value",
    "ids": "json_each(json_extract(l.value, '$.product_ids')) AS p",
    "id_pair": "json_extract(p.value, '$[{i}]')",
    "day": "date({col})",
    "po_date": "json_extract(d.body, '$.po_date')",
    "seconds": "((julianday({end}) - julianday({start})) * 86400.0)",
    "now": "strftime('%Y-%m-%d %H:%M:%f', 'now')",
}
_POSTGRESQL = {
    "field": "(({doc})::jsonb ->> '{name}')",
    "number": "CAST((({doc})::jsonb ->> '{name}') AS NUMERIC)",
    "lines": "jsonb_array_elements((d.body)::jsonb -> 'lines') AS l(value)",
    "line": "l.value",
    "ids": "jsonb_array_elements(l.value -> 'product_ids') AS p(value)",
    "id_pair": "(p.value ->> {i})",
    "day": "CAST(({col} AT TIME ZONE 'UTC') AS DATE)",
    "po_date": "CAST(((d.body)::jsonb ->> 'po_date') AS DATE)",
    "seconds": "EXTRACT(EPOCH FROM ({end} - {start}))",
    "now": "now()",
}


_TEMPLATES = {
        "bi_orders": """
SELECT d.id AS order_id, d.partner, {po_number} AS po_number,
       {purpose} AS purpose, d.status, d.created_at AS received_at,
       {po_date} AS po_date, {currency} AS currency,
       d.transmission_id, d.amends AS amends_order_id
FROM documents d WHERE {current_orders}""",
        "bi_order_lines": """
SELECT d.id AS order_id, d.partner, {po_number} AS po_number,
       {line_number} AS line_number, {quantity} AS quantity,
       {uom} AS uom, {unit_price} AS unit_price,
       {quantity} * {unit_price} AS amount,
       {description} AS description,
       {upc} AS upc, {vendor_item} AS vendor_item, {buyer_item} AS buyer_item,
       {sku} AS sku
FROM documents d, {lines} WHERE {current_orders}""",
        "bi_transmissions": """
SELECT t.id AS transmission_id, t.partner, t.channel, t.direction, t.file_name, t.size AS size_bytes,
       t.received_at, t.finished_at, {processing_seconds}
       AS processing_seconds, t.status, t.stage, t.isa13, t.attempt, t.parent_id
FROM transmissions t""",
        "bi_exceptions": """
SELECT e.id AS exception_id, e.transmission_id, t.partner, e.created_at, {error_day} AS day,
       e.stage, e.severity, e.code_list, e.code, e.message, e.isa13, e.st02, e.segment_id,
       e.element_position, e.value, e.hint, e.po_number, e.line_number, e.sku, e.buyer_item,
       t.status AS transmission_status
FROM error_entries e JOIN transmissions t ON t.id = e.transmission_id""",
        "bi_documents_and_acks": """
SELECT o.id AS document_id, o.partner, o.set_id, o.key, o.isa13, o.gs06, o.st02, o.created_at,
       o.sent_at, o.ack_due_at, o.ack_status, o.ack_result, a.received_at AS ack_received_at,
       {ack_seconds}
       AS ack_seconds,
       CASE WHEN o.ack_status = 'pending' AND o.ack_due_at < {now} THEN 1 ELSE 0 END AS ack_overdue,
       o.document_id AS order_id, o.transmission_id
FROM outbound_documents o LEFT JOIN transmissions a ON a.id = o.ack_transmission_id""",
        "bi_daily_kpis": """
SELECT day, partner, SUM(orders) AS orders_received, SUM(files) AS files_received,
       SUM(failed) AS files_failed, SUM(errors) AS errors, SUM(sent) AS documents_sent,
       SUM(accepted) AS documents_accepted, SUM(rejected) AS documents_rejected
FROM (
  SELECT {order_day} AS day, d.partner, 1 AS orders, 0 AS files, 0 AS failed, 0 AS errors,
         0 AS sent, 0 AS accepted, 0 AS rejected
  FROM documents d WHERE {current_orders}
  UNION ALL
  SELECT {file_day}, t.partner, 0, CASE WHEN t.attempt = 1 AND t.status <> 'duplicate' THEN 1 ELSE 0 END,
         CASE WHEN t.status = 'failed' THEN 1 ELSE 0 END, 0, 0, 0, 0
  FROM transmissions t WHERE t.direction = 'in'
  UNION ALL
  SELECT {error_day}, t.partner, 0, 0, 0, 1, 0, 0, 0
  FROM error_entries e JOIN transmissions t ON t.id = e.transmission_id WHERE e.severity = 'error'
  UNION ALL
  SELECT {sent_day}, o.partner, 0, 0, 0, 0, 1,
         CASE WHEN o.ack_status = 'accepted' THEN 1 ELSE 0 END, CASE WHEN o.ack_status = 'rejected' THEN 1 ELSE 0 END
  FROM outbound_documents o WHERE o.set_id IN ('855', '856', '810')
) AS facts
GROUP BY day, partner""",
    }
"""Each view's SELECT, with the expressions that differ per dialect as ``{names}``."""


def _views(sql: dict[str, str]) -> dict[str, str]:
    """Every view's SELECT in the dialect of ``sql``."""
    def field(doc: str, name: str) -> str:
        return sql["field"].format(doc=doc, name=name)

    def number(doc: str, name: str) -> str:
        return sql["number"].format(doc=doc, name=name)

    def product(qualifier: str) -> str:
        return (f"(SELECT {sql['id_pair'].format(i=1)} FROM {sql['ids']} "
                f"WHERE {sql['id_pair'].format(i=0)} = '{qualifier}' LIMIT 1)")

    line, day, seconds = sql["line"], sql["day"], sql["seconds"]
    parts = {
        "po_number": field("d.body", "po_number"), "purpose": field("d.body", "purpose"),
        "currency": field("d.body", "currency"), "po_date": sql["po_date"], "lines": sql["lines"],
        "current_orders": "d.kind = 'order' AND d.superseded_by IS NULL",
        "line_number": field(line, "line_number"), "quantity": number(line, "quantity"),
        "uom": field(line, "uom"), "unit_price": number(line, "unit_price"),
        "description": field(line, "description"), "upc": product("UP"), "vendor_item": product("VN"),
        "buyer_item": product("IN"), "sku": product("SK"), "now": sql["now"],
        "processing_seconds": seconds.format(end="t.finished_at", start="t.received_at"),
        "ack_seconds": seconds.format(end="a.received_at", start="COALESCE(o.sent_at, o.created_at)"),
        "error_day": day.format(col="e.created_at"), "order_day": day.format(col="d.created_at"),
        "file_day": day.format(col="t.received_at"), "sent_day": day.format(col="COALESCE(o.sent_at, o.created_at)"),
    }
    return {name: template.format(**parts) for name, template in _TEMPLATES.items()}


def upgrade() -> None:
    sql = _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE
    for name, body in _views(sql).items():
        op.execute(f"CREATE VIEW {name} AS {body}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
