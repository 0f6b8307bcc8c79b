"""Only edigate/store imports SQLAlchemy; the package's public surface is what it lists."""

from __future__ import annotations

import re
from pathlib import Path

import edigate.store

ROOT = Path(edigate.store.__file__).resolve().parent.parent
IMPORT = re.compile(r"^\s*(from|import)\s+(sqlalchemy|alembic)\b", re.MULTILINE)


def test_only_the_store_imports_sqlalchemy() -> None:
    offenders = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")
                 if IMPORT.search(p.read_text(encoding="utf-8")) and "store" not in p.relative_to(ROOT).parts]
    assert offenders == []


def test_public_surface_is_listed() -> None:
    for name in edigate.store.__all__:
        assert hasattr(edigate.store, name), name
    assert "Store" in edigate.store.__all__
