"""Inline SVG charts for the report: line charts with interval bands, and matrices.

Pure string building; every label passes through :func:`html.escape`. No script, no external
reference: the SVG is part of the HTML page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

__all__ = ["Line", "line_chart", "matrix_chart", "PALETTE", "colour"]

#: Colours of the variants, in their order (Okabe–Ito, readable by colour-blind readers).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


@dataclass
class Line:
    """One series: ``y`` (None = not measured) against ``x``, optional ``low``/``high`` band."""

    label: str
    x: list[float]
    y: list[float | None]
    colour: str
    low: list[float | None] = field(default_factory=list)
    high: list[float | None] = field(default_factory=list)
    dashed: bool = False


def _ok(v) -> bool:
    return v is not None and isinstance(v, int | float) and math.isfinite(v)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    if abs(v) >= 1e4:
        return f"{v:,.0f}"
    return f"{v:g}"


def line_chart(lines: list[Line], title: str, xlabel: str, ylabel: str,
               width: int = 560, height: int = 320) -> str:
    """An SVG line chart; points with ``y`` None are left out (and said so in the legend)."""
    ml, mr, mt, mb = 70, 16, 30, 48
    pts = [(x, y) for ln in lines for x, y in zip(ln.x, ln.y, strict=False) if _ok(x) and _ok(y)]
    pts += [(x, v) for ln in lines for x, v in zip(ln.x, ln.low + ln.high, strict=False)
            if _ok(x) and _ok(v)]
    head = (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height + 18 * len(lines)}" role="img" aria-label="{escape(title)}">'
            f'<text x="{ml}" y="18" class="ct">{escape(title)}</text>')
    if not pts:
        return head + (f'<text x="{ml}" y="{mt + 40}" class="na">not measured</text></svg>')
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(0.0, min(ys)), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y1 = y0 + 1
    y1 *= 1.05
    pw, ph = width - ml - mr, height - mt - mb

    def sx(v):
        return ml + (v - x0) / (x1 - x0) * pw

    def sy(v):
        return mt + ph - (v - y0) / (y1 - y0) * ph

    out = [head, f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" class="frame"/>']
    for t in _ticks(y0, y1):
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
                   f'class="grid"/><text x="{ml - 4}" y="{sy(t) + 4:.1f}" class="yt">'
                   f'{escape(_fmt(t))}</text>')
    for t in _ticks(x0, x1):
        out.append(f'<text x="{sx(t):.1f}" y="{mt + ph + 16}" class="xt">{escape(_fmt(t))}'
                   '</text>')
    out.append(f'<text x="{ml + pw / 2}" y="{mt + ph + 36}" class="xl">{escape(xlabel)}</text>'
               f'<text transform="translate(14 {mt + ph / 2}) rotate(-90)" class="xl">'
               f'{escape(ylabel)}</text>')
    for ln in lines:
        band = [(x, lo, hi) for x, lo, hi in zip(ln.x, ln.low, ln.high, strict=False)
                if _ok(x) and _ok(lo) and _ok(hi)]
        if len(band) >= 2:
            poly = [f"{sx(x):.1f},{sy(hi):.1f}" for x, _, hi in band]
            poly += [f"{sx(x):.1f},{sy(lo):.1f}" for x, lo, _ in reversed(band)]
            out.append(f'<polygon points="{" ".join(poly)}" fill="{ln.colour}" '
                       'fill-opacity="0.15" stroke="none"/>')
        xy = [(x, y) for x, y in zip(ln.x, ln.y, strict=False) if _ok(x) and _ok(y)]
        if xy:
            d = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}"
                         for i, (x, y) in enumerate(xy))
            dash = ' stroke-dasharray="6 4"' if ln.dashed else ""
            out.append(f'<path d="{d}" fill="none" stroke="{ln.colour}" stroke-width="2"'
                       f'{dash}/>')
            out.extend(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{ln.colour}">'
                       f'<title>{escape(ln.label)}: {escape(_fmt(x))} → {escape(_fmt(y))}'
                       '</title></circle>' for x, y in xy if not ln.dashed)
    for i, ln in enumerate(lines):
        yy = height + 18 * i
        missing = sum(1 for y in ln.y if not _ok(y))
        note = f" ({missing} point(s) not measured)" if missing else ""
        if not any(_ok(y) for y in ln.y):
            note = " (not measured)"
        dash = ' stroke-dasharray="6 4"' if ln.dashed else ""
        out.append(f'<line x1="{ml}" x2="{ml + 24}" y1="{yy - 4}" y2="{yy - 4}" '
                   f'stroke="{ln.colour}" stroke-width="2"{dash}/>'
                   f'<text x="{ml + 30}" y="{yy}" class="lg">{escape(ln.label + note)}</text>')
    out.append("</svg>")
    return "".join(out)


def matrix_chart(rows: list[str], cols: list[str], values: list[list[float | None]],
                 title: str, row_title: str = "truth", col_title: str = "identity",
                 unit: str = "min") -> str:
    """An SVG heat-map table: ``values[i][j]`` for row ``rows[i]``, column ``cols[j]``."""
    cw, ch, left, top = 78, 26, 120, 64
    w = left + cw * len(cols) + 10
    h = top + ch * len(rows) + 10
    flat = [v for r in values for v in r if _ok(v)]
    vmax = max(flat) if flat else 1.0
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'role="img" aria-label="{escape(title)}"><text x="4" y="16" class="ct">'
           f'{escape(title)}</text><text x="{left}" y="34" class="lg">{escape(col_title)} →'
           f'</text><text x="4" y="{top - 6}" class="lg">{escape(row_title)} ↓</text>']
    for j, c in enumerate(cols):
        out.append(f'<text x="{left + cw * j + cw / 2}" y="{top - 6}" class="xt">{escape(c)}'
                   '</text>')
    for i, r in enumerate(rows):
        y = top + ch * i
        out.append(f'<text x="{left - 6}" y="{y + ch / 2 + 4}" class="yt">{escape(r)}</text>')
        for j in range(len(cols)):
            v = values[i][j] if i < len(values) and j < len(values[i]) else None
            x = left + cw * j
            if _ok(v):
                a = 0.08 + 0.8 * (v / vmax if vmax > 0 else 0)
                label = f"{v:.1f}"
                fill = f'fill="#0072B2" fill-opacity="{a:.2f}"'
            else:
                label, fill = "–", 'fill="#eee"'
            out.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" {fill}>'
                       f'<title>{escape(r)} as {escape(cols[j])}: '
                       f'{escape(label)} {escape(unit)}</title></rect>'
                       f'<text x="{x + cw / 2 - 1}" y="{y + ch / 2 + 4}" class="mv">'
                       f'{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)
