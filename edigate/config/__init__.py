"""Configuration loading: located YAML, a dataclass-driven schema, secret references.

`load_file` is the one entry point the partner and workspace loaders use: it reads a
YAML file and validates it as a frozen dataclass, raising `edigate.errors.ConfigError`
with every problem located as ``file:line: path: message``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from edigate.config.schema import Built, build, did_you_mean, setting
    from edigate.config.secrets import SecretRef
    from edigate.config.yamlsource import (
        Document,
        Map,
        Node,
        Scalar,
        Seq,
        display_name,
        load_yaml,
        parse_yaml,
        to_python,
    )

__all__ = [
    "Built",
    "Document",
    "Map",
    "Node",
    "Scalar",
    "SecretRef",
    "Seq",
    "build",
    "did_you_mean",
    "display_name",
    "load_file",
    "load_yaml",
    "parse_yaml",
    "setting",
    "to_python",
]

T = TypeVar("T")

_WHERE = {
    "Built": "schema", "build": "schema", "did_you_mean": "schema", "setting": "schema", "SecretRef": "secrets",
    **dict.fromkeys(("Document", "Map", "Node", "Scalar", "Seq", "display_name", "load_yaml", "parse_yaml",
                     "to_python"), "yamlsource"),
}


def __getattr__(name: str) -> Any:
    """The names above, imported when first asked for: `edigate.config.runtime`, which
    every ``edigate`` command imports at start, needs neither them nor yaml."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def load_file(
    cls: type[T],
    path: Path,
    *,
    base: Path,
    display: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Built[T]:
    """Read ``path`` and validate it as ``cls``; ``display`` is the name used in messages."""
    from edigate.config.schema import build
    from edigate.config.yamlsource import load_yaml

    return build(cls, load_yaml(path, display=display), base=base, extra=extra)
