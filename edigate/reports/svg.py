"""Charts as inline SVG, so the HTML report needs no script and no file beside it.

Each function returns `markupsafe.Markup` ready to drop into a template; every label that
came from data (partner ids, codes) is escaped here. Each ``<svg>`` carries ``data-chart``
with its name, so a test (or a reader of the DOM) can find it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

__all__ = ["PALETTE", "bar_chart", "hbar_chart", "line_chart"]

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'
_EMPTY = "no data in this period"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2g}"


def _nice(peak: float, *, whole: bool) -> float:
    """A round top for the axis (1, 2, 2.5 or 5 times a power of ten per quarter), so the
    four gridlines fall on readable values; whole numbers only for counts."""
    step = peak / 4
    magnitude = 10 ** math.floor(math.log10(step)) if step > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step)
    return max(step, 1) * 4 if whole else step * 4


def _svg(name: str, title: str, width: int, height: int, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{escape(name)}" role="img" '
            f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" {_FONT}>'
            f"<title>{escape(title)}</title>")
    return Markup(head + "".join(body) + "</svg>")


def _empty(name: str, title: str, width: int, height: int) -> Markup:
    return _svg(name, title, width, height, [
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="#ccc"/>',
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#777">{_EMPTY}</text>'])


def bar_chart(name: str, title: str, points: Sequence[tuple[str, float]], *, width: int = 720,
              height: int = 220, color: str = PALETTE[0], labels: int = 12, x_title: str = "",
              y_title: str = "") -> Markup:
    """Vertical bars, one per point, with at most ``labels`` labels under them and the
    axes' titles (what is counted, in which unit)."""
    if not points or not any(v for _, v in points):
        return _empty(name, title, width, height)
    left, bottom, top = 62, 48, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = _nice(max(v for _, v in points), whole=all(v == int(v) for _, v in points))
    step = plot_w / len(points)
    body = _y_axis(left, top, plot_w, plot_h, peak, _number)
    every = max(1, -(-len(points) // labels))
    for i, (label, value) in enumerate(points):
        h = plot_h * value / peak
        x = left + i * step
        body.append(f'<rect x="{x + step * 0.1:.2f}" y="{top + plot_h - h:.2f}" width="{max(step * 0.8, 0.5):.2f}" '
                    f'height="{h:.2f}" fill="{color}"><title>{escape(label)}: {_number(value)}</title></rect>')
        if i % every == 0:
            body.append(f'<text x="{x + step / 2:.2f}" y="{height - bottom + 14}" text-anchor="middle" '
                        f'fill="#333">{escape(label)}</text>')
    return _svg(name, title, width, height, body + _titles(width, height, top, x_title, y_title))


def _titles(width: int, height: int, top: float, x_title: str, y_title: str) -> list[str]:
    """The axis titles: the x title centred under the labels, the y title up the left side."""
    middle = top + (height - top - 48) / 2
    return ([f'<text data-axis="x" x="{width / 2:.1f}" y="{height - 8}" text-anchor="middle" '
             f'fill="#555">{escape(x_title)}</text>'] if x_title else []) + \
        ([f'<text data-axis="y" x="12" y="{middle:.1f}" text-anchor="middle" fill="#555" '
          f'transform="rotate(-90 12 {middle:.1f})">{escape(y_title)}</text>'] if y_title else [])


def hbar_chart(name: str, title: str, items: Sequence[tuple[str, float]], *, width: int = 720,
               row: int = 22, unit: str = "") -> Markup:
    """Horizontal bars, largest first as given, with the value (and ``unit``, said once
    under the bars) at the end of each bar."""
    height = max(row * len(items) + 16 + (18 if unit else 0), 60)
    if not items:
        return _empty(name, title, width, height)
    left = 8 + 6 * min(max(len(label) for label, _ in items), _LABEL)
    plot_w = width - left - 80
    peak = max(v for _, v in items) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = 8 + i * row
        w = plot_w * value / peak
        body += [f'<text x="{left - 6}" y="{y + row * 0.65:.1f}" text-anchor="end" fill="#333">'
                 f'{escape(_cut(label))}</text>',
                 f'<rect x="{left}" y="{y + 3}" width="{max(w, 0.5):.2f}" height="{row - 6}" fill="{PALETTE[3]}"/>',
                 f'<text x="{left + w + 4:.2f}" y="{y + row * 0.65:.1f}" fill="#333">{escape(_number(value))}</text>']
    if unit:
        body.append(f'<text data-axis="x" x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                    f'fill="#555">{escape(unit)}</text>')
    return _svg(name, title, width, height, body)


_LABEL = 44
"""Characters of a horizontal bar's label shown; a longer one is cut with an ellipsis."""


def _cut(label: str) -> str:
    return label if len(label) <= _LABEL else label[:_LABEL - 1] + "\u2026"


def line_chart(name: str, title: str, x_labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[float | None]]], *, width: int = 720,
               height: int = 240, x_title: str = "", y_title: str = "") -> Markup:
    """One line per series of shares (0 to 1) over shared x labels (None leaves a gap), with a
    legend and the axes' titles; a lone x label stands in the middle, so a single week is seen."""
    if not x_labels or not series:
        return _empty(name, title, width, height)
    left, bottom, top = 62.0, 48, 12 + 16 * ((len(series) + 3) // 4)
    plot_w, plot_h = width - left - 28, height - bottom - top
    body = _y_axis(left, top, plot_w, plot_h, 1.0, lambda v: f"{v:.0%}")
    step = plot_w / max(len(x_labels) - 1, 1)
    if len(x_labels) == 1:
        left, step = left + plot_w / 2, 0
    every = max(1, -(-len(x_labels) // 10))
    for i, label in enumerate(x_labels):
        if i % every == 0:
            body.append(f'<text x="{left + i * step:.2f}" y="{height - bottom + 14}" text-anchor="middle" '
                        f'fill="#333">{escape(label)}</text>')
    for n, (label, values) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        body += _polyline(values, color, left, top, step, plot_h, 1.0)
        lx, ly = 62 + (n % 4) * (plot_w / 4), 12 + 16 * (n // 4)
        body += [f'<rect x="{lx:.1f}" y="{ly - 8}" width="10" height="10" fill="{color}"/>',
                 f'<text x="{lx + 14:.1f}" y="{ly + 1}" fill="#333">{escape(label[:24])}</text>']
    return _svg(name, title, width, height, body + _titles(width, height, top, x_title, y_title))


def _polyline(values: Sequence[float | None], color: str, left: float, top: float, step: float,
              plot_h: float, peak: float) -> list[str]:
    parts: list[str] = []
    run: list[tuple[float, float]] = []
    for i, v in enumerate([*values, None]):
        if v is not None:
            run.append((left + i * step, top + plot_h - plot_h * v / peak))
            parts.append(f'<circle cx="{run[-1][0]:.2f}" cy="{run[-1][1]:.2f}" r="2.5" fill="{color}"/>')
        elif len(run) == 1:  # a point alone draws no line: a larger dot and its value, so it is seen
            (x, y), v_was = run[0], values[i - 1]
            parts += [f'<circle cx="{x:.2f}" cy="{y:.2f}" r="5" fill="{color}"/>',
                      f'<text x="{x:.2f}" y="{y - 9:.2f}" text-anchor="middle" fill="{color}">{v_was:.0%}</text>']
            run = []
        elif run:
            points = " ".join(f"{x:.2f},{y:.2f}" for x, y in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
            run = []
    return parts


def _y_axis(left: float, top: float, plot_w: float, plot_h: float, peak: float,
            text: Callable[[float], str]) -> list[str]:
    body = []
    for k in range(5):
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        body += [f'<line x1="{left}" x2="{left + plot_w:.2f}" y1="{y:.2f}" y2="{y:.2f}" stroke="#e5e5e5"/>',
                 f'<text x="{left - 4}" y="{y + 4:.2f}" text-anchor="end" fill="#555">{escape(text(value))}</text>']
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h:.2f}" stroke="#999"/>')
    return body
