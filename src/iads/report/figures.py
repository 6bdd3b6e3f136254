"""The report's charts, drawn twice from the same series: inline SVG for the page
(:mod:`iads.report.charts`) and static PNG + SVG files beside it (matplotlib), plus one static
coverage map per variant (:func:`iads.plots.coverage_map`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .charts import Line, colour, line_chart, matrix_chart
from .comparison import Comparison

__all__ = ["ChartSpec", "chart_specs", "inline_charts", "write_figures"]


@dataclass
class ChartSpec:
    """A line chart (``lines``) or a matrix (``rows``/``cols``/``values``)."""

    title: str
    xlabel: str = ""
    ylabel: str = ""
    lines: list[Line] | None = None
    rows: list[str] | None = None
    cols: list[str] | None = None
    values: list[list[float | None]] | None = None


def chart_specs(comp: Comparison) -> dict[str, ChartSpec]:
    """Every chart the series allow, keyed by a file-name-safe name."""
    d = comp.data
    order = {v.name: i for i, v in enumerate(d.variants)}
    label = {v.name: v.label or v.name for v in d.variants}
    specs: dict[str, ChartSpec] = {}
    cov = d.series.coverage_by_altitude
    for target in sorted({s.target for s in cov.values()}):
        lines, ring = [], None
        for v, s in sorted(cov.items(), key=lambda kv: order[kv[0]]):
            if s.target != target:
                continue
            lines.append(Line(label[v], s.altitude_m, s.area_km2, colour(order[v])))
            if ring is None and any(r is not None for r in s.ring_km2):
                ring = Line("range-ring area", s.altitude_m, s.ring_km2, "#555555", dashed=True)
        if ring is not None:
            lines.append(ring)
        specs[f"coverage_by_altitude_{_safe(target)}"] = ChartSpec(
            f"Area covered by altitude: {target}", "altitude [m]", "area [km²]", lines)
    sat = d.series.saturation
    if sat:
        specs["saturation"] = ChartSpec(
            "Saturation: leakers against the raid size", "raid size [missiles]",
            "leakers (mean, 95% interval)",
            [Line(label[v], s.raid_size, s.leakers_mean, colour(order[v]), s.low, s.high)
             for v, s in sorted(sat.items(), key=lambda kv: order[kv[0]])])
    for v, m in sorted(d.series.identity_matrix.items(), key=lambda kv: order[kv[0]]):
        specs[f"identity_matrix_{_safe(v)}"] = ChartSpec(
            f"Identity held vs truth: {label[v]} [min]", rows=m.truth, cols=m.identity,
            values=m.minutes)
    return specs


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def inline_charts(specs: dict[str, ChartSpec]) -> dict[str, str]:
    """Inline SVG of each chart."""
    out = {}
    for key, s in specs.items():
        if s.lines is not None:
            out[key] = line_chart(s.lines, s.title, s.xlabel, s.ylabel)
        else:
            out[key] = matrix_chart(s.rows, s.cols, s.values, s.title)
    return out


def _tex_safe(text: str) -> str:
    """Matplotlib reads ``$...$`` as mathematics: show dollars literally."""
    return str(text).replace("$", r"\$")


def _figure(spec: ChartSpec):
    import matplotlib.pyplot as plt

    from ..plots import NOT_FOR_FIRE_CONTROL

    if spec.lines is not None:
        fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
        for ln in spec.lines:
            x = np.asarray(ln.x, dtype=float)
            y = np.asarray([np.nan if v is None else v for v in ln.y], dtype=float)
            ax.plot(x, y, "--" if ln.dashed else "-o", color=ln.colour, ms=3,
                    label=_tex_safe(ln.label))
            if ln.low and ln.high:
                lo = np.asarray([np.nan if v is None else v for v in ln.low], dtype=float)
                hi = np.asarray([np.nan if v is None else v for v in ln.high], dtype=float)
                ax.fill_between(x, lo, hi, color=ln.colour, alpha=0.15, lw=0)
        ax.set_xlabel(_tex_safe(spec.xlabel))
        ax.set_ylabel(_tex_safe(spec.ylabel))
        ax.grid(alpha=0.3)
        if spec.lines:
            ax.legend(fontsize=7)
    else:
        vals = np.asarray([[np.nan if v is None else v for v in r] for r in spec.values],
                          dtype=float).reshape(len(spec.rows), len(spec.cols))
        fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(spec.cols), 1.2 + 0.5 * len(spec.rows)),
                               dpi=110)
        ax.imshow(vals, cmap="Blues", aspect="auto")
        ax.set_xticks(range(len(spec.cols)), [_tex_safe(c) for c in spec.cols], rotation=30,
                      ha="right", fontsize=8)
        ax.set_yticks(range(len(spec.rows)), [_tex_safe(r) for r in spec.rows], fontsize=8)
        ax.set_xlabel("identity")
        ax.set_ylabel("truth")
        for (i, j), v in np.ndenumerate(vals):
            ax.text(j, i, "–" if np.isnan(v) else f"{v:.1f}", ha="center", va="center",
                    fontsize=7)
    ax.set_title(_tex_safe(spec.title), fontsize=9)
    fig.text(0.99, 0.005, NOT_FOR_FIRE_CONTROL, ha="right", fontsize=6, color="0.4")
    return fig


def _coverage_map(comp: Comparison, variant: str, path: Path) -> Path:
    from .. import plots
    from ..coverage_study import grid_of

    ds = comp.coverage[variant]
    target = str(ds.target.values[0])
    heights = ds.height.values
    h = heights[len(heights) // 2]
    sel = {"target": target, "height": h}
    layers = {"detection": ds.detection.sel(sel).values,
              "engagement (radar-guided)": ds.engagement.sel(sel).values}
    if "engagement_cued" in ds:
        layers["engagement (cued, active seeker)"] = ds.engagement_cued.sel(sel).values
    label = next((v.label or v.name for v in comp.data.variants if v.name == variant), variant)
    fig = plots.coverage_map(grid_of(ds), ds.terrain.values, layers, title=_tex_safe(
        f"{label}: {target} at {h:g} m {ds.height.attrs.get('reference', 'agl').upper()}"))
    return plots.save(fig, path)


def write_figures(comp: Comparison, specs: dict[str, ChartSpec], folder: Path) -> list[Path]:
    """Static PNG and SVG of every chart and a PNG coverage map per variant, into ``folder``."""
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for key, spec in specs.items():
        fig = _figure(spec)
        for ext in ("png", "svg"):
            p = folder / f"{key}.{ext}"
            fig.savefig(p, bbox_inches="tight")
            out.append(p)
        plt.close(fig)
    for v in comp.variant_names:
        if v in comp.coverage:
            out.append(_coverage_map(comp, v, folder / f"coverage_map_{_safe(v)}.png"))
    return out
