"""A ticket's body in the forms the systems take: plain text (ServiceNow, Zendesk,
Salesforce), HTML (Freshdesk) and the Atlassian Document Format (Jira Cloud REST v3)."""

from __future__ import annotations

import html
from typing import Any

from edigate.connectors.tickets.base import LogLine, Ticket

__all__ = ["adf", "adf_text", "as_html", "as_text"]

_HEAD = ("Code", "Segment", "Element", "Value", "Hint")


def _cells(line: LogLine) -> tuple[str, ...]:
    return (line.code, line.segment or "", line.element or "", line.value or "", line.hint or line.message)


def as_text(ticket: Ticket) -> str:
    """The summary, the error log one line per entry, then the commands that fix it."""
    parts = [ticket.summary]
    if ticket.errors:
        parts.append("Error log:")
        parts.extend("- " + " | ".join(f"{h.lower()}: {c}" for h, c in zip(_HEAD, _cells(e)) if c)
                     for e in ticket.errors)
    if ticket.commands:
        parts.append("To fix it:")
        parts.extend(f"  {c}" for c in ticket.commands)
    parts.append(f"edigate key: {ticket.key}")
    return "\n".join(parts)


def as_html(ticket: Ticket) -> str:
    parts = [f"<p>{html.escape(ticket.summary)}</p>"]
    if ticket.errors:
        head = "".join(f"<th>{h}</th>" for h in _HEAD)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(e)) + "</tr>"
                       for e in ticket.errors)
        parts.append(f"<table><tr>{head}</tr>{rows}</table>")
    if ticket.commands:
        parts.append("<p>To fix it:</p><pre>" + html.escape("\n".join(ticket.commands)) + "</pre>")
    parts.append(f"<p>edigate key: {html.escape(ticket.key)}</p>")
    return "".join(parts)


def _text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value} if value else {"type": "text", "text": " "}


def _paragraph(value: str) -> dict[str, Any]:
    return {"type": "paragraph", "content": [_text(value)]}


def _row(cells: tuple[str, ...], kind: str) -> dict[str, Any]:
    return {"type": "tableRow", "content": [{"type": kind, "content": [_paragraph(c)]} for c in cells]}


def adf(ticket: Ticket) -> dict[str, Any]:
    """The description as an ADF document: the summary, the error log as a table, the
    commands in a code block."""
    content: list[dict[str, Any]] = [_paragraph(ticket.summary)]
    if ticket.errors:
        content.append({"type": "heading", "attrs": {"level": 3}, "content": [_text("Error log")]})
        content.append({"type": "table", "content": [_row(_HEAD, "tableHeader"),
                                                      *(_row(_cells(e), "tableCell") for e in ticket.errors)]})
    if ticket.commands:
        content.append({"type": "heading", "attrs": {"level": 3}, "content": [_text("To fix it")]})
        content.append({"type": "codeBlock", "attrs": {"language": "shell"},
                        "content": [_text("\n".join(ticket.commands))]})
    content.append(_paragraph(f"edigate key: {ticket.key}"))
    return {"type": "doc", "version": 1, "content": content}


def adf_text(text: str) -> dict[str, Any]:
    """Plain text as an ADF document: one paragraph per line."""
    return {"type": "doc", "version": 1, "content": [_paragraph(line) for line in text.splitlines() or [""]]}
