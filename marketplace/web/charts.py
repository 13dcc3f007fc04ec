"""Charts drawn on the server as SVG: no script, no inline style (the CSP allows neither), only
presentation attributes and classes, so a chart is part of the page like any other markup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    label: str  #: translated name shown in the legend
    values: Sequence[int]
    color: str  #: an SVG colour (presentation attribute)
    kind: str = "line"  #: ``line`` or ``bars``


def _nice_max(value: int) -> int:
    """A round number at least ``value`` for the top of the axis (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * power)
        if top >= value:
            return top
    return power * 10  # pragma: no cover


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], fmt: Callable[[int], str],
               width: int = 720, height: int = 260) -> Markup:
    """An accessible SVG chart: ``labels`` along the x axis, each series as a line (or bars) over the
    same y axis; ``fmt`` writes a y value as people read it (e.g. money)."""
    left, right, top, bottom = 110, 16, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)
    peak = _nice_max(max((v for s in series for v in s.values), default=0))
    pad = 14  # room for the first and last bars inside the plot
    step = (plot_w - 2 * pad) / max(n - 1, 1)

    def x(i: int) -> float:
        return left + pad + (i * step if n > 1 else (plot_w - 2 * pad) / 2)

    def y(v: int) -> float:
        return top + plot_h - (v / peak) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-labelledby="chart-title">',
             f'<title id="chart-title">{escape(title)}</title>']
    for k in range(5):  # grid lines and y labels
        v = peak * k // 4
        gy = y(v)
        parts.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{width - right}" y2="{gy:.1f}" stroke="#d7dce2" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" font-size="11" fill="#555">'
                     f'{escape(fmt(v))}</text>')
    every = max(1, n // 8)
    for i, label in enumerate(labels):  # x labels, thinned out; the last one (today) always shown
        if i == n - 1 or (i % every == 0 and n - 1 - i >= every):
            anchor = "end" if i == n - 1 and n > 1 else "middle"
            parts.append(f'<text x="{x(i) + (pad if anchor == "end" else 0):.1f}" y="{top + plot_h + 18}" '
                         f'text-anchor="{anchor}" font-size="11" fill="#555">{escape(label)}</text>')
    bar_w = max(2.0, min(18.0, step * 0.5))
    for s in series:
        if s.kind == "bars":
            for i, v in enumerate(s.values):
                if v:
                    parts.append(f'<rect class="bar" x="{x(i) - bar_w / 2:.1f}" y="{y(v):.1f}" width="{bar_w:.1f}" '
                                 f'height="{top + plot_h - y(v):.1f}" fill="{s.color}" fill-opacity="0.6">'
                                 f'<title>{escape(labels[i])}: {escape(fmt(v))}</title></rect>')
        else:
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
            parts.append(f'<polyline class="line" points="{points}" fill="none" stroke="{s.color}" stroke-width="2.5"/>')
            for i, v in enumerate(s.values):
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{s.color}">'
                             f'<title>{escape(labels[i])}: {escape(fmt(v))}</title></circle>')
    legend_y = height - 14
    lx = left
    for s in series:  # the legend
        parts.append(f'<rect x="{lx}" y="{legend_y - 9}" width="12" height="12" fill="{s.color}"/>')
        parts.append(f'<text class="legend" x="{lx + 18}" y="{legend_y + 1}" font-size="12" fill="#222">'
                     f'{escape(s.label)}</text>')
        lx += 30 + 8 * len(s.label)
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
