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
    xx, yy = np.meshgrid(px, py)
    back = Transformer.from_crs("EPSG:3857", grid.crs, always_xy=True)
    gx, gy = (np.asarray(a) for a in back.transform(xx, yy))
    col = np.rint(gx / grid.cell_m).astype(np.int64) + grid.half_cells
    row = grid.half_cells - np.rint(gy / grid.cell_m).astype(np.int64)
    inside = (row >= 0) & (row < grid.n) & (col >= 0) & (col < grid.n)
    geo = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (w_lon, e_lon), (s_lat, n_lat) = (np.asarray(a) for a in geo.transform([x0, x1], [y0, y1]))
    return Warp(row[inside], col[inside], inside,
                ((round(float(s_lat), 5), round(float(w_lon), 5)),
                 (round(float(n_lat), 5), round(float(e_lon), 5))))


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
    grey = hs / 255.0 * 0.55 + 0.4
    rgba = np.zeros(z.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = (np.clip(grey, 0, 1) * 255)[..., None].astype(np.uint8)
    rgba[z <= 0, :3] = (204, 224, 242)
    rgba[..., 3] = 255
    out = np.zeros(warp.shape + (4,), dtype=np.uint8)
    out[warp.inside] = rgba[warp.rows, warp.cols]
    return _png(Image.fromarray(out, mode="RGBA"))


def data_url(png: bytes) -> str:
    """``data:image/png;base64,...`` for a PNG."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
