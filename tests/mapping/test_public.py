"""The mapping package's public surface is what its ``__all__`` lists, and it all exists."""

from __future__ import annotations

import importlib

import pytest

MODULES = ["build", "expr", "findings", "inbound", "mapfile", "outbound", "paths", "readers",
           "rules", "translate", "units", "values"]


@pytest.mark.parametrize("name", ["edigate.mapping", *(f"edigate.mapping.{m}" for m in MODULES)])
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(module, item) for item in module.__all__)
