"""Raster layers for the report's map: study grids warped to Web Mercator, encoded as PNG.

Leaflet stretches an image overlay linearly between its south-west and north-east corners in
Web Mercator (EPSG:3857). The coverage grids are azimuthal-equidistant around the study site, so
each layer is resampled (nearest cell) onto a regular Web Mercator raster covering the grid's
latitude/longitude bounding box; cells outside the source grid are transparent.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer

from ..basemap import hillshade
from ..geodesy import SiteGrid

__all__ = ["Warp", "warp_for", "coverage_classes", "classes_png", "hillshade_png",
           "data_url", "CLASS_COLOURS"]

#: Coverage classes drawn on the map: (label, RGBA). Index 0 is transparent.
CLASS_COLOURS = (
    ("not covered", (0, 0, 0, 0)),
    ("detection", (70, 130, 220, 110)),
    ("engagement, cued (active seeker)", (240, 170, 40, 150)),
    ("engagement (radar-guided)", (215, 40, 40, 160)),
)


@dataclass(frozen=True)
class Warp:
    """Nearest-cell map from a :class:`SiteGrid` onto a Web Mercator raster.

    ``rows``/``cols`` index the source grid for every output pixel where ``inside`` is True;
    ``bounds`` = ((south, west), (north, east)) [°] as Leaflet wants them.
    """

    rows: np.ndarray
    cols: np.ndarray
    inside: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]]

    @property
    def shape(self) -> tuple[int, int]:
        return self.inside.shape

    def apply(self, layer: np.ndarray, fill=0) -> np.ndarray:
        """``layer`` (n, n) on the source grid → (height, width) on the Mercator raster."""
        out = np.full(self.shape, fill, dtype=np.asarray(layer).dtype)
        out[self.inside] = np.asarray(layer)[self.rows, self.cols]
        return out


def warp_for(grid: SiteGrid, max_px: int = 512) -> Warp:
    """The Web Mercator raster covering ``grid`` (longest side ``max_px`` pixels at most, and
    not finer than the grid) and its nearest-cell index map."""
    edge = (grid.half_cells + 0.5) * grid.cell_m
    s = np.linspace(-edge, edge, 201)
    ex = np.concatenate([s, np.full_like(s, edge), s[::-1], np.full_like(s, -edge)])
    ey = np.concatenate([np.full_like(s, edge), s[::-1], np.full_like(s, -edge), s])
    to_merc = Transformer.from_crs(grid.crs, "EPSG:3857", always_xy=True)
    mx, my = (np.asarray(a) for a in to_merc.transform(ex, ey))
    x0, x1, y0, y1 = mx.min(), mx.max(), my.min(), my.max()
    side = min(max_px, grid.n)
    scale = max(x1 - x0, y1 - y0) / side
    w = max(1, int(np.ceil((x1 - x0) / scale)))
    h = max(1, int(np.ceil((y1 - y0) / scale)))
    px = x0 + (np.arange(w) + 0.5) * (x1 - x0) / w
    py = y1 - (np.arange(h) + 0.5) * (y1 - y0) / h
    gx, gy = _to_grid_plane(grid, px, py)
    col = np.rint(gx / grid.cell_m).astype(np.int64) + grid.half_cells
    row = grid.half_cells - np.rint(gy / grid.cell_m).astype(np.int64)
    inside = (row >= 0) & (row < grid.n) & (col >= 0) & (col < grid.n)
    geo = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (w_lon, e_lon), (s_lat, n_lat) = (np.asarray(a) for a in geo.transform([x0, x1], [y0, y1]))
    return Warp(row[inside], col[inside], inside,
                ((round(float(s_lat), 5), round(float(w_lon), 5)),
                 (round(float(n_lat), 5), round(float(e_lon), 5))))


def _to_grid_plane(grid: SiteGrid, px: np.ndarray, py: np.ndarray, step: int = 8):
    """Grid-plane coordinates [m] of every Mercator pixel centre (``px`` columns, ``py`` rows):
    exact on every ``step``-th pixel, bilinear in between (both projections are smooth, so the
    error is far below a cell)."""
    from scipy.interpolate import RegularGridInterpolator

    back = Transformer.from_crs("EPSG:3857", grid.crs, always_xy=True)
    ci = np.unique(np.r_[np.arange(0, px.size, step), px.size - 1])
    ri = np.unique(np.r_[np.arange(0, py.size, step), py.size - 1])
    cx, cy = np.meshgrid(px[ci], py[ri])
    gx, gy = (np.asarray(a) for a in back.transform(cx, cy))
    if ci.size < 2 or ri.size < 2:
        xx, yy = np.meshgrid(px, py)
        return (np.asarray(a) for a in back.transform(xx, yy))
    rr, cc = np.meshgrid(np.arange(py.size), np.arange(px.size), indexing="ij")
    pts = np.column_stack([rr.ravel(), cc.ravel()])
    out = []
    for g in (gx, gy):
        f = RegularGridInterpolator((ri.astype(float), ci.astype(float)), g)
        out.append(f(pts).reshape(rr.shape))
    return out


def coverage_classes(detection, engagement, cued=None) -> np.ndarray:
    """Class index per cell (see :data:`CLASS_COLOURS`): engagement over cued over detection."""
    det = np.asarray(detection, dtype=bool)
    out = np.where(det, 1, 0).astype(np.uint8)
    if cued is not None:
        out[np.asarray(cued, dtype=bool)] = 2
    out[np.asarray(engagement, dtype=bool)] = 3
    return out


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def classes_png(classes: np.ndarray) -> bytes:
    """A palette PNG of a class raster, with per-class transparency."""
    from PIL import Image

    img = Image.fromarray(np.asarray(classes, dtype=np.uint8), mode="P")
    palette = [c for _, rgba in CLASS_COLOURS for c in rgba[:3]]
    img.putpalette(palette + [0] * (768 - len(palette)))
    img.info["transparency"] = bytes(rgba[3] for _, rgba in CLASS_COLOURS)
    return _png(img)


def hillshade_png(terrain_m: np.ndarray, grid: SiteGrid, warp: Warp) -> bytes:
    """Grey hillshade of the terrain (:func:`iads.basemap.hillshade`), sea in pale blue, outside
    the grid transparent."""
    from PIL import Image

    z = np.asarray(terrain_m, dtype=float)
    hs = hillshade(z, grid.cell_m, grid.cell_m)
    # palette: 0 transparent (outside the grid), 1 sea, 2..255 grey levels
    idx = (2 + np.clip(hs / 255.0 * 0.7 + 0.3, 0, 1) * 253).astype(np.uint8)
    idx[z <= 0] = 1
    grey = (np.arange(254) / 253 * 255).astype(int)
    palette = [0, 0, 0, 204, 224, 242] + [c for g in grey for c in (g, g, g)]
    img = Image.fromarray(warp.apply(idx), mode="P")
    img.putpalette(palette[:768])
    img.info["transparency"] = 0
    return _png(img)


def data_url(png: bytes) -> str:
    """``data:image/png;base64,...`` for a PNG."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
