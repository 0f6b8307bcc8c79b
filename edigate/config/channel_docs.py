"""``docs/channels.md``, written from the channel classes themselves, so it cannot drift.

Every field of a channel class in `edigate.config.channels` says what it means in the
docstring under it; this module reads those docstrings (from the source, with `ast`), the
annotations, defaults and `setting` rules, and writes one table per channel type.
``python -m edigate.config.channel_docs`` rewrites the file; ``--check`` exits 1 when the
committed file differs from what it would write.
"""

from __future__ import annotations

import ast
import collections.abc
import dataclasses
import inspect
import sys
import textwrap
import types
import typing
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

from edigate.config import channels, connectors
from edigate.config.secrets import SecretRef

__all__ = ["DOC", "SECTIONS", "cell", "default", "field_docs", "main", "render", "value", "write_or_check"]

DOC = Path("docs/channels.md")
"""Where the page lives, relative to the repository root."""

SECTIONS: tuple[tuple[str, type, str], ...] = (
    ("folder", channels.FolderChannel, "Inbound or outbound: local folders (a share the partner also mounts)."),
    ("sftp", channels.SftpChannel, "Inbound or outbound: a directory on the partner's SFTP server."),
    ("as2", channels.As2Channel, "Inbound or outbound: AS2 over HTTP(S) with one partner; inbound "
                                 "messages arrive at our listener (`as2:` in `edigate.yaml`)."),
    ("folder (routing target)", channels.FolderTarget, "Where `routing` writes an order's payload."),
    ("sftp (routing target)", channels.SftpTarget, "Where `routing` puts an order's payload on an SFTP server."),
    ("http (routing target)", channels.HttpTarget, "Where `routing` sends an order's payload as one HTTP(S) "
                                                    "request, retried with backoff."),
    ("sap (routing target)", connectors.SapTarget, "SAP S/4HANA: the order as an ORDERS05 IDoc (format "
                                                   "`idoc-orders05`), posted to the IDoc XML inbound service."),
    ("netsuite (routing target)", connectors.NetSuiteTarget, "NetSuite: the order upserted as a `salesOrder` "
                                                             "by external id (format `netsuite-salesorder`)."),
    ("oracle (routing target)", connectors.OracleTarget, "Oracle Fusion Order Management: the order created "
                                                         "through salesOrdersForOrderHub (format `oracle-salesorder`)."),
    ("shopify (commerce)", connectors.ShopifySource, "`commerce:` of a partner: its orders come from a Shopify "
                                                     "shop's webhooks; shipments go back as fulfillments."),
    ("magento (commerce)", connectors.MagentoSource, "`commerce:` of a partner: its orders come from Magento's "
                                                     "orders search; shipments go back with tracking."),
    ("bearer (auth)", channels.BearerAuth, "`auth:` of an HTTP target: a fixed bearer token."),
    ("basic (auth)", channels.BasicAuth, "`auth:` of an HTTP target: user and password."),
    ("oauth2 (auth)", channels.OAuth2Auth, "`auth:` of an HTTP target: OAuth 2 client credentials."),
    ("oauth1 (auth)", channels.OAuth1Auth, "`auth:` of an HTTP target: OAuth 1.0a, HMAC-SHA256 (NetSuite TBA)."),
    ("hmac (auth)", channels.HmacAuth, "`auth:` of an HTTP target: an HMAC of the body in a header."),
)

_HEADER = """\
# Channel fields

<!-- Written by `python -m edigate.config.channel_docs` from edigate/config/channels.py:
     do not edit by hand; change the docstrings there and run it again. -->

A partner file (`partners/<id>.yaml`) declares how files come in and go out:

```yaml
channels:
  inbound:  {type: sftp, ...}    # polled on schedule (AS2: arrives at the listener)
  outbound: {type: as2, ...}     # where our 997/999, 855, 856 and 810 go
```

Secrets (`password`, `private_key`, `key_passphrase`) are never written in the file:
`env:NAME` reads an environment variable, `file:PATH` a file. Paths, `file:` ones too,
are relative to the workspace (the folder of `edigate.yaml`) unless said otherwise. See
[onboarding.md](onboarding.md) for keys, certificates and host key fingerprints.
"""


@cache
def field_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string literal right under it), from ``cls`` and its bases."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or not dataclasses.is_dataclass(klass):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in zip(body, body[1:], strict=False):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                found[node.target.id] = " ".join(after.value.value.split()).replace("``", "`")
    return found


def render() -> str:
    """The whole page."""
    parts = [_HEADER]
    for title, cls, intro in SECTIONS:
        parts.append(f"\n## `type: {title.split()[0]}`{title[len(title.split()[0]):]}\n\n{intro}\n\n"
                     "| field | value | default | meaning |\n| --- | --- | --- | --- |\n")
        parts.extend(f"| `{name}` | {value} | {default} | {cell(doc)} |\n" for name, value, default, doc in _rows(cls))
    return "".join(parts)


def _rows(cls: type) -> Iterator[tuple[str, str, str, str]]:
    hints, docs = typing.get_type_hints(cls), field_docs(cls)
    for f in dataclasses.fields(cls):
        if f.name == "type" or f.metadata.get("internal"):
            continue
        yield f.name, cell(value(hints[f.name], f.metadata)), default(f), docs.get(f.name, "")


def value(tp: Any, meta: typing.Mapping[str, Any]) -> str:
    """What the field holds, in words, with its rules."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1:
        return value(args[0], meta)
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in typing.get_args(tp))
    if typing.get_origin(tp) is tuple:
        return f"a list of {value(args[0], meta)}" + (" (or just one)" if meta.get("one_or_many") else "")
    if tp is SecretRef:
        return "`env:NAME` or `file:PATH`"
    if all(dataclasses.is_dataclass(a) for a in args) and args:
        kinds = [typing.get_args(typing.get_type_hints(a)["type"])[0] for a in args]
        return "a mapping with `type:` " + " / ".join(f"`{k}`" for k in kinds)
    if typing.get_origin(tp) in (collections.abc.Mapping, dict):
        return "a mapping of names to text"
    if dataclasses.is_dataclass(tp):
        return f"a mapping with `type:` `{typing.get_args(typing.get_type_hints(tp)['type'])[0]}`"
    words = {str: "text", int: "a whole number", float: "a number", bool: "`true` or `false`"}[tp]
    if meta.get("hint"):
        words = str(meta["hint"])
    low, high = meta.get("minimum"), meta.get("maximum")
    if low is not None:
        words += f", at least {low:g}" if high is None else f", {low:g} to {high:g}"
    return words


def default(f: dataclasses.Field[Any]) -> str:
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
        return "required"
    value = f.default
    if value is dataclasses.MISSING:
        value = typing.cast(typing.Callable[[], Any], f.default_factory)()
    if value is None:
        return "-"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite ``docs/channels.md`` under the current directory, or with ``--check`` say
    whether it is up to date (exit 1 when not)."""
    return write_or_check(DOC, render(), "edigate.config.channel_docs", list(sys.argv[1:] if argv is None else argv))


def write_or_check(doc: Path, text: str, module: str, args: list[str]) -> int:
    """Write ``text`` to ``doc`` (under the current directory), or with ``--check`` in
    ``args`` exit 1 when the file differs; ``module`` is what rewrites it."""
    target = Path.cwd() / doc
    if "--check" in args:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print(f"{doc} is out of date: run python -m {module}", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
