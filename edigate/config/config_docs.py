"""``docs/configuration.md``: every setting of ``edigate.yaml`` and of a partner file, written
from the configuration classes themselves, so the reference cannot drift from what loads.

One table per section: each field with what it holds (its rules), its default and the
docstring under it (`edigate.config.channel_docs.field_docs`); the channel fields have a page
of their own (``docs/channels.md``). ``python -m edigate.config.config_docs`` rewrites the
file; ``--check`` exits 1 when the committed file differs from what it would write.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import sys
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from edigate.config import alerts, archive, channel_docs, channels, partners, tickets, workspace
from edigate.config.yamlsource import Map, Scalar
from edigate.x12.leniency import Leniency

__all__ = ["DOC", "SECTIONS", "main", "render"]

DOC = Path("docs/configuration.md")
"""Where the page lives, relative to the repository root."""

SECTIONS: tuple[tuple[str, type, str], ...] = (
    ("edigate.yaml", workspace.Workspace, "The workspace file: the store, the archive, where partners and "
                                          "maps live, our identity, the AS2 listener, alerts and logs. Every "
                                          "setting has a default; a folder without the file is a workspace "
                                          "with all of them."),
    ("archive", archive.ArchiveSettings, "Where every file received and sent is kept: the local folder, the "
                                         "store's PostgreSQL database, or an S3-compatible bucket."),
    ("identity", workspace.Identity, "Envelope identifiers: ISA qualifier and id, GS id (`identity:` in "
                                     "`edigate.yaml` is ours; a partner's `identity.theirs` is theirs)."),
    ("as2", workspace.As2Listener, "Our AS2 side: the listener's address and limits, our AS2 id, key and "
                                   "certificate."),
    ("metrics", workspace.MetricsSettings, "Prometheus metrics, `/healthz` and `/readyz` of `edigate run`."),
    ("findings", workspace.FindingSettings, "How many findings an error log and an ack list."),
    ("alerts", alerts.AlertSettings, "When the scheduled checks raise an alert, and where alerts go."),
    ("alerts.smtp", alerts.SmtpSettings, "Alerts by e-mail."),
    ("alerts.webhook", alerts.WebhookSettings, "Alerts as a JSON POST."),
    ("tickets", tickets.TicketSettings, "Ticket systems: a failed transmission, a held order, an overdue "
                                        "997/MDN and a silent partner each open one ticket per system, a "
                                        "recurrence comments on it, `tx resolve` and `orders release`/`reject` "
                                        "close it."),
    ("tickets.systems", tickets.TicketSystem, "One ticket system by name: Jira Cloud, ServiceNow, Zendesk, "
                                              "Freshdesk or Salesforce Service Cloud, over HTTP(S)."),
    ("tickets.routes", tickets.TicketRoute, "Each entry of `routes:`: the project, assignee and priority of "
                                            "one partner's or one code's tickets."),
    ("partners/<id>.yaml", partners.Partner, "One trading partner: who they are, the version and delimiters "
                                             "we write, how files travel (`channels`, see "
                                             "[channels.md](channels.md)), which maps translate which sets, "
                                             "ack and duplicate policies, business rules and routing."),
    ("identity (partner)", partners.Identities, "The partner's envelope identifiers, and ours when they differ "
                                                "from `edigate.yaml`'s."),
    ("delimiters", partners.Delimiters, "The delimiters we write to the partner (what they send is read "
                                        "from each ISA)."),
    ("documents", partners.Documents, "Which transaction sets flow each way, and the map for each "
                                      "(`maps/<name>.yaml`)."),
    ("acks", partners.AckPolicy, "The acknowledgments we send, and how soon we expect theirs."),
    ("duplicates", partners.DuplicatePolicy, "What an interchange control number seen again means."),
    ("leniency", Leniency, "What the partner may send that X12 does not allow, accepted with a warning in the "
                           "error log (and left out of the 997/999); strict when not set."),
    ("routing", partners.Destination, "Each entry of the `routing:` list: where accepted orders go."),
    ("routing.x12", partners.WarehouseX12, "For a `format: x12-940` destination: the 3PL's envelope."),
)

_HEADER = """\
# Configuration reference

<!-- Written by `python -m edigate.config.config_docs` from the configuration classes in
     edigate/config/: do not edit by hand; change the docstrings there and run it again. -->

Two kinds of file configure edigate: the workspace's `edigate.yaml` and one
`partners/<id>.yaml` per trading partner. Both are checked when they load, every problem
reported as `file:line: setting: message`. Paths are relative to the workspace (the folder
of `edigate.yaml`). Secrets are never written in a file: `env:NAME` reads an environment
variable, `file:PATH` a file. Channel settings (`channels:`, `inboxes:`, routing `target:`)
are in [channels.md](channels.md); business rules (`rules:`) in the README's "Business
rules" section; maps in `maps/README.md`.
"""


def render() -> str:
    """The whole page."""
    parts = [_HEADER]
    for title, cls, intro in SECTIONS:
        parts.append(f"\n## `{title}`\n\n{intro}\n\n| setting | value | default | meaning |\n"
                     "| --- | --- | --- | --- |\n")
        parts.extend(f"| `{name}` | {value} | {default} | {channel_docs.cell(doc)} |\n"
                     for name, value, default, doc in _rows(cls))
    return "".join(parts)


def _rows(cls: type) -> Iterator[tuple[str, str, str, str]]:
    hints, docs = typing.get_type_hints(cls), channel_docs.field_docs(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        yield f.name, channel_docs.cell(_value(hints[f.name], f.metadata)), _default(f), docs.get(f.name, "")


def _default(f: dataclasses.Field[Any]) -> str:
    """A section's default is its own defaults, shown in its table."""
    made = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    if type(made) in _TITLES:
        return "see its section"
    return "none" if dataclasses.is_dataclass(made) else channel_docs.default(f)


def _value(tp: Any, meta: typing.Mapping[str, Any]) -> str:
    """What the setting holds, in words: a section of this page, channels, or a plain value."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1:
        return _value(args[0], meta)
    if tp in _TITLES:
        return f"a mapping: [`{_TITLES[tp]}`](#{_anchor(_TITLES[tp])})"
    if typing.get_origin(tp) is tuple and args[0] in _TITLES:
        return f"a list of mappings: [`{_TITLES[args[0]]}`](#{_anchor(_TITLES[args[0]])})"
    if tp is channels.Channels:
        return "`inbound:` and `outbound:`, each a channel: [channels.md](channels.md)"
    if typing.get_origin(tp) in (collections.abc.Mapping, dict):
        keys, values = typing.get_args(tp)
        if typing.get_args(values) == (Map, Scalar):
            return "a mapping of rule names to their settings"
        if all(dataclasses.is_dataclass(a) for a in typing.get_args(values)):
            return "a mapping of names to channels: [channels.md](channels.md)"
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and all(dataclasses.is_dataclass(a) for a in args):
        return "a channel with `type:`: [channels.md](channels.md)"
    return channel_docs.value(tp, meta)


_TITLES: dict[Any, str] = {cls: title for title, cls, _ in SECTIONS[1:]}


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading ``## `title` ``."""
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite ``docs/configuration.md`` under the current directory, or with ``--check`` say
    whether it is up to date (exit 1 when not)."""
    return channel_docs.write_or_check(DOC, render(), "edigate.config.config_docs",
                                       list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
