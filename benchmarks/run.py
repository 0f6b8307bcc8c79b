"""`make bench`: edigate against pyx12 on the same generated files, as ratios in one run.

Each measurement runs in a fresh Python process so that its peak RSS is its own. Prints
segments/s, MB/s and peak RSS for each reader, and edigate's ratio to pyx12.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.generate import write_file  # noqa: E402

OUT = HERE / "out"

READERS = {
    "edigate": "benchmarks.readers:edigate_envelopes",
    "pyx12": "benchmarks.readers:pyx12_reader",
    "bytes.split": "benchmarks.readers:bare_split",
}


def measure(reader: str, path: Path) -> dict[str, float]:
    """Run one reader over one file in a child process; return its figures."""
    code = ("import json,sys;from benchmarks.readers import measure;"
            f"print(json.dumps(measure({reader!r}, sys.argv[1])))")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          cwd=HERE.parent, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _row(name: str, figures: dict[str, float]) -> str:
    return (f"  {name:12} {figures['segments']:>10,.0f} segments  {figures['seconds']:7.2f} s  "
            f"{figures['segments'] / figures['seconds']:>12,.0f} segments/s  "
            f"{figures['mb'] / figures['seconds']:7.1f} MB/s  peak RSS {figures['rss_mb']:6.1f} MB")


def compare(path: Path, readers: list[str]) -> None:
    size = path.stat().st_size / 1e6
    print(f"\n{path.name} ({size:.1f} MB)")
    results = {name: measure(name, path) for name in readers}
    for name, figures in results.items():
        print(_row(name, figures))
    if len(readers) >= 2 and readers[1].startswith("pyx12"):
        ours, theirs = results[readers[0]], results[readers[1]]
        ratio = (ours["segments"] / ours["seconds"]) / (theirs["segments"] / theirs["seconds"])
        print(f"  edigate / pyx12 segments/s ratio: {ratio:.1f}x   "
              f"peak RSS ratio: {ours['rss_mb'] / theirs['rss_mb']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", action="store_true", help="also read a ~500 MB interchange (memory bar)")
    parser.add_argument("--sftp-only", action="store_true",
                        help="only the SFTP gateway benchmark (same as python benchmarks/sftp.py)")
    args = parser.parse_args()
    if args.sftp_only:
        from benchmarks import sftp

        sftp.main([])
        return
    print("Tokenizer + envelope pass (edigate) vs pyx12 X12Reader vs a bare bytes.split loop")
    for orders in (1_000, 10_000):
        path = write_file(OUT / f"850-{orders}x20-4010.x12", orders, 20)
        compare(path, list(READERS))
    path = write_file(OUT / "850-10000x20-5010.x12", 10_000, 20, version="5010")
    compare(path, ["edigate", "pyx12"])
    print("\nValidation + 997 (edigate) vs pyx12 x12n_document, same specs")
    for orders in (1_000, 10_000):
        compare(OUT / f"850-{orders}x20-4010.x12", ["edigate-validate", "pyx12-validate"])
    from benchmarks import cli

    cli.main([])
    from benchmarks import translate

    translate.main(OUT / "850-10000x20-4010.x12")

    from benchmarks import pipeline

    pipeline.main([])

    from benchmarks import report

    report.main([])

    from benchmarks import sftp

    sftp.main([])

    from benchmarks import gateways

    gateways.main([])
    if args.big:
        path = write_file(OUT / "850-210000x20-4010.x12", 210_000, 20)
        compare(path, ["edigate"])


if __name__ == "__main__":
    main()
