"""Map background: country borders (Natural Earth) and terrain hillshade.

Borders ship with the package (``data/borders_50m.geojson``, extracted by
``tools/extract_borders.py`` from Natural Earth 1:50m via npm ``world-atlas``; public domain).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["load_borders", "hillshade"]


@lru_cache(maxsize=1)
def _borders() -> tuple[tuple[str, tuple[np.ndarray, ...]], ...]:
    path = resources.files("iads") / "data" / "borders_50m.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        (f["properties"]["name"], tuple(np.asarray(r, dtype=float)
                                        for r in f["geometry"]["coordinates"]))
        for f in fc["features"]
    )


def load_borders(bbox: tuple[float, float, float, float] | None = None):
    """Country outlines as ``[(name, [ring (k, 2) lon/lat [°], ...]), ...]``.

    ``bbox`` = (lon_min, lat_min, lon_max, lat_max) [°] keeps only rings that touch it.
    """
    out = []
    for name, rings in _borders():
        if bbox is not None:
            rings = tuple(r for r in rings if not (
                r[:, 0].max() < bbox[0] or r[:, 0].min() > bbox[2]
                or r[:, 1].max() < bbox[1] or r[:, 1].min() > bbox[3]))
        if rings:
            out.append((name, list(rings)))
    return out


def hillshade(z_m, dx_m: float, dy_m: float, azimuth_deg: float = 315.0,
              altitude_deg: float = 45.0, z_factor: float = 1.0) -> np.ndarray:
    """Hillshade of a DEM, 0–255, with Horn's (1981) gradient, as ``gdaldem hillshade`` does.

    Parameters
    ----------
    z_m
        Heights, (rows, cols), row 0 to the north [m].
    dx_m, dy_m
        Cell sizes east–west and north–south [m] (both positive).
    azimuth_deg
        Direction the light comes from, clockwise from north [°].
    altitude_deg
        Elevation of the light above the horizon [°].

    Edge cells (no full 3×3 neighbourhood) are 0, as in gdaldem without ``-compute_edges``.
    """
    z = np.asarray(z_m, dtype=float) * z_factor
    out = np.zeros(z.shape)
    if z.shape[0] < 3 or z.shape[1] < 3:
        return out
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    # gradients: x positive east, y positive north (row index grows southwards)
    gx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * dx_m)
    gy = ((a + 2 * b + c) - (g + 2 * h + i)) / (8.0 * dy_m)
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)
    # light direction (east, north, up) and the surface normal (-gx, -gy, 1)
    lx, ly, lz = np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt)
    shade = (lz - gx * lx - gy * ly) / np.sqrt(1.0 + gx * gx + gy * gy)
    out[1:-1, 1:-1] = np.clip(255.0 * shade, 0.0, 255.0)
    return out
