"""The translation benchmark compares like with like: its pyx12 baseline maps the same
fields to the same orders as the bigbox map."""

from __future__ import annotations

from pathlib import Path

from benchmarks.generate import write_file
from benchmarks.translate import edigate_orders, same_orders


def test_baseline_gives_the_bigbox_map_orders_on_the_sample(samples: Path) -> None:
    path = samples / "bigbox-850-4010.x12"
    assert len([o for o in edigate_orders(str(path)) if o is not None]) == 2
    assert same_orders(path)


def test_baseline_gives_the_bigbox_map_orders_on_generated_orders(tmp_path: Path) -> None:
    assert same_orders(write_file(tmp_path / "850-30x20.x12", 30, 20))
