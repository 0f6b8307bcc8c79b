"""The HTML report: self-contained, escaped, and drawn by a real headless Chromium without
console errors, every chart on the page and painted."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from edigate.reports.kpi import Report, build_report
from edigate.reports.html import render_html, write_html
from edigate.store import Store
from tests.support import report_fixture
from tests.support.report_fixture import NOW, SINCE, UNTIL

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                                             "(.ci/run installs it): apt-get install chromium")
CHARTS = ("volume", "exceptions", "otif", "cycle-0", "cycle-1", "cycle-2", "cycle-3")
COLORS = {"volume and received -> 997": (0x1F, 0x77, 0xB4), "exceptions and shipped -> invoiced": (0xD6, 0x27, 0x28),
          "bigbox's OTIF and received -> 855": (0xFF, 0x7F, 0x0E), "received -> shipped": (0x2C, 0xA0, 0x2C)}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    path = tmp_path_factory.mktemp("report") / "edigate.db"
    with Store.open(f"sqlite:///{path}") as store:
        report_fixture.build(store)
        yield build_report(store, since=SINCE, until=UNTIL, now=NOW)


@pytest.fixture(scope="module")
def page(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "kpi.html"
    write_html(report, path)
    return path


def test_the_page_needs_nothing_outside_itself(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import", html, re.IGNORECASE)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}  # the SVG namespace
    for name in CHARTS:
        assert f'data-chart="{name}"' in html


def test_text_from_the_store_is_escaped(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'edigate.db'}") as store:
        store.record_received(partner="<img src=x onerror=alert(1)>", channel="folder", file_name="x", sha256="0" * 64,
                              size=1, received_at=SINCE)
        html = render_html(build_report(store, since=SINCE, until=UNTIL, now=NOW))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--hide-scrollbars", *args],
        capture_output=True, text=True, timeout=120, check=True)


def _console(stderr: str) -> list[str]:
    """What the page wrote to the console, and script errors (Chromium logs both as CONSOLE)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@needs_chromium
def test_the_console_check_sees_a_broken_page(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>console.error('boom'); missing();</script></body></html>")
    seen = _console(_chromium(tmp_path, "--dump-dom", broken.as_uri()).stderr)
    assert len(seen) == 2 and "boom" in seen[0] and "missing is not defined" in seen[1]


@needs_chromium
def test_chromium_renders_every_chart_without_console_errors(page: Path, tmp_path: Path) -> None:
    run = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert _console(run.stderr) == []
    dom = run.stdout
    assert "Order desk KPIs" in dom and "42.9%" in dom
    for name in CHARTS:
        chart = re.search(rf'<svg[^>]*data-chart="{name}".*?</svg>', dom, re.DOTALL)
        assert chart is not None, name
        assert re.search(r"<(rect|polyline)[^>]*fill=\"#|<polyline", chart.group(0)), name


@needs_chromium
def test_the_screenshot_shows_the_charts(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "kpi.png"
    run = _chromium(tmp_path, "--window-size=1280,2600", f"--screenshot={shot}", page.as_uri())
    assert _console(run.stderr) == []
    from PIL import Image  # here: collecting the suite in every xdist worker need not import it

    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2600)
    counts = {color: n for n, color in image.getcolors(maxcolors=1 << 20) or []}
    white = counts.get((255, 255, 255), 0)
    assert white < 0.95 * image.width * image.height, "the page is blank"
    for what, color in COLORS.items():
        assert counts.get(color, 0) > 100, f"{what}: no pixels of {color} painted"


def test_axes_have_titles_and_the_period_before_is_shown(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert 'data-axis="y"' in html and ">orders</text>" in html and ">OTIF, % of orders</text>" in html
    assert ">per 1,000 orders</text>" in html and "AK4 7 &#34;Invalid code value&#34;" in html
    assert '<table id="previous">' in html and "Against the 31 days before" in html


def test_a_single_point_is_drawn_large_with_its_value() -> None:
    from edigate.reports.svg import line_chart

    svg = str(line_chart("otif", "OTIF", ["03-02"], [("acme", [0.5])]))
    assert 'r="5"' in svg and ">50%</text>" in svg
    assert 'cx="377.00"' in svg  # the middle of the plot, not on the axis
