"""Static figures (matplotlib, Agg): coverage maps, minimum-visible-height maps, range–height.

Only drawing: every number drawn comes from :mod:`iads.coverage`, :mod:`iads.viewshed` and the
report's tables. Maps are drawn in the site's azimuthal-equidistant plane (km from the site), so
range rings are true circles and distances from the site read directly.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from pyproj import Transformer  # noqa: E402

from .basemap import hillshade, load_borders  # noqa: E402
from .geodesy import SiteGrid  # noqa: E402

__all__ = ["coverage_map", "mvh_map", "range_height_plot", "save"]

NOT_FOR_FIRE_CONTROL = "iads · public figures · analysis only, not for fire control"


def _extent_km(grid: SiteGrid):
    e = (grid.half_cells + 0.5) * grid.cell_m / 1e3
    return (-e, e, -e, e)


def _background(ax, grid: SiteGrid, terrain_m: np.ndarray, borders: bool = True) -> None:
    hs = hillshade(terrain_m, grid.cell_m, grid.cell_m)
    sea = terrain_m <= 0
    rgb = np.dstack([hs / 255.0] * 3) * 0.55 + 0.4
    rgb[sea] = (0.80, 0.88, 0.95)
    ax.imshow(rgb, extent=_extent_km(grid), origin="upper", interpolation="nearest")
    if borders:
        t = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True)
        lim = grid.half_cells * grid.cell_m
        for _, rings in load_borders():
            for r in rings:
                x, y = t.transform(r[:, 0], r[:, 1])
                x, y = np.asarray(x), np.asarray(y)
                if np.all(np.abs(x) > 2 * lim) or np.all(np.abs(y) > 2 * lim):
                    continue
                ax.plot(x / 1e3, y / 1e3, color="0.25", lw=0.6)
    ax.set_xlim(_extent_km(grid)[:2])
    ax.set_ylim(_extent_km(grid)[2:])
    ax.set_xlabel("east of site [km]")
    ax.set_ylabel("north of site [km]")
    ax.set_aspect("equal")


def coverage_map(
    grid: SiteGrid,
    terrain_m: np.ndarray,
    layers: dict[str, np.ndarray],
    rings_km: dict[str, float] | None = None,
    title: str = "",
    colors: tuple[str, ...] = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd"),
):
    """A map of coverage masks over hillshade and borders, with labelled range rings.

    ``layers`` maps a legend label to an (n, n) bool mask; masks are drawn in order.
    """
    fig, ax = plt.subplots(figsize=(7.5, 7.0), dpi=110)
    _background(ax, grid, terrain_m)
    handles = []
    for (label, mask), color in zip(layers.items(), colors, strict=False):
        cmap = ListedColormap([(0, 0, 0, 0), color])
        ax.imshow(np.asarray(mask, dtype=int), extent=_extent_km(grid), origin="upper",
                  cmap=cmap, alpha=0.45, vmin=0, vmax=1, interpolation="nearest")
        handles.append(plt.Rectangle((0, 0), 1, 1, color=color, alpha=0.45, label=label))
    th = np.linspace(0, 2 * np.pi, 361)
    for label, r in (rings_km or {}).items():
        (ln,) = ax.plot(r * np.sin(th), r * np.cos(th), ls="--", lw=1.0, color="k")
        ax.annotate(label, (0, r), xytext=(3, 3), textcoords="offset points", fontsize=7)
    if rings_km:
        handles.append(plt.Line2D([], [], ls="--", color="k", label="range rings"))
    ax.plot([0], [0], marker="^", color="k", ms=7)
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)
    ax.set_title(title, fontsize=9)
    fig.text(0.99, 0.005, NOT_FOR_FIRE_CONTROL, ha="right", fontsize=6, color="0.4")
    return fig


def mvh_map(grid: SiteGrid, terrain_m: np.ndarray, mvh_agl_m: np.ndarray, title: str = "",
            max_km: float = 10.0):
    """The minimum height above ground a target needs to be seen, as a colour map [km]."""
    fig, ax = plt.subplots(figsize=(7.5, 7.0), dpi=110)
    _background(ax, grid, terrain_m)
    im = ax.imshow(np.clip(mvh_agl_m / 1e3, 0, max_km), extent=_extent_km(grid), origin="upper",
                   cmap="magma_r", alpha=0.6, vmin=0, vmax=max_km, interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.8, label="minimum visible height above ground [km]")
    ax.plot([0], [0], marker="^", color="k", ms=7)
    ax.set_title(title, fontsize=9)
    fig.text(0.99, 0.005, NOT_FOR_FIRE_CONTROL, ha="right", fontsize=6, color="0.4")
    return fig


def range_height_plot(ground_range_m, altitudes_m, masks: dict[str, np.ndarray],
                      title: str = "", terrain_profile_m=None):
    """Range–height diagrams: one filled region per label, ground range vs altitude [km]."""
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    d = np.asarray(ground_range_m) / 1e3
    a = np.asarray(altitudes_m) / 1e3
    colors = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
    for (label, m), c in zip(masks.items(), colors, strict=False):
        ax.contourf(d, a, m.astype(float), levels=[0.5, 1.5], colors=[c], alpha=0.35)
        ax.contour(d, a, m.astype(float), levels=[0.5], colors=[c], linewidths=1.0)
        ax.plot([], [], color=c, lw=6, alpha=0.5, label=label)
    if terrain_profile_m is not None:
        ax.fill_between(d, 0, np.asarray(terrain_profile_m) / 1e3, color="0.5", label="terrain")
    ax.set_xlabel("ground range [km]")
    ax.set_ylabel("altitude above sea level [km]")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(title, fontsize=9)
    fig.text(0.99, 0.005, NOT_FOR_FIRE_CONTROL, ha="right", fontsize=6, color="0.4")
    return fig


def save(fig, path: str | Path) -> Path:
    """Save and close a figure; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
