"""The order domain stays pure: edigate/orders reaches stored orders and stock through the
order book (`edigate.orders.book.OrderBook`), never through the store, a channel, a stage or
the order desk."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import edigate.orders

ORDERS = Path(edigate.orders.__file__).resolve().parent
FORBIDDEN = ("edigate.store", "edigate.transport", "edigate.stages", "edigate.desk", "sqlalchemy", "paramiko")


def imported(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN)


def test_the_order_domain_imports_no_store_transport_stage_or_desk() -> None:
    offenders = {p.relative_to(ORDERS).as_posix(): sorted(n for n in imported(p) if forbidden(n))
                 for p in sorted(ORDERS.rglob("*.py"))}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_importing_the_order_domain_loads_no_store_stage_or_desk() -> None:
    """Not even through the modules it uses (the transport package is reached today only
    through `edigate.mapping.translate`, for the helper that shows file names safely)."""
    modules = sorted(f"edigate.orders.{p.stem}" for p in ORDERS.glob("*.py") if p.stem != "__init__")
    loaded = tuple(f for f in FORBIDDEN if f != "edigate.transport")
    code = (f"import sys\nfor m in {modules!r}: __import__(m)\n"
            f"print('\\n'.join(sorted(m for m in sys.modules if m.startswith({loaded!r}))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from edigate.store import Store\n    import sqlalchemy.orm\n", encoding="utf-8")
    assert sorted(n for n in imported(bad) if forbidden(n)) == ["edigate.store", "sqlalchemy.orm"]
