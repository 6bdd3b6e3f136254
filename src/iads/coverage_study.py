"""Coverage studies: terrain + line of sight + coverage composed into labelled xarray grids.

This is the thin composition layer over the pure modules (:mod:`iads.terrain`,
:mod:`iads.viewshed`, :mod:`iads.coverage`); the CLI and the report call these functions.

* :func:`site_visibility` — one observer: its minimum-visible-height map and the visible area by
  altitude layer (``iads coverage --site``).
* :func:`to_geotiff` / :func:`to_geojson` / :func:`to_kml` — exports of any layer stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from . import terrain as terrain_mod
from . import viewshed
from .errors import TerrainError
from .geodesy import K_STANDARD, SiteGrid

__all__ = ["site_visibility", "default_cell_m", "to_geotiff", "to_geojson", "to_kml", "outlines",
           "grid_of"]

#: Largest default grid side: the default cell grows with the range so grids stay this size.
DEFAULT_MAX_CELLS = 2001


def default_cell_m(dem: terrain_mod.Dem, lat_deg: float, lon_deg: float,
                   max_range_m: float) -> float:
    """The DEM's native spacing at the site [m], coarsened so the grid side stays
    ≤ ``DEFAULT_MAX_CELLS``."""
    native = terrain_mod.native_cell_size_m(dem, lat_deg)
    return float(max(native, 2.0 * max_range_m / (DEFAULT_MAX_CELLS - 1)))


def grid_of(ds: xr.Dataset) -> SiteGrid:
    """The :class:`SiteGrid` a coverage dataset is on."""
    a = ds.attrs
    return SiteGrid(a["site_lat_deg"], a["site_lon_deg"], int(a["half_cells"]), a["cell_m"])


def site_visibility(
    lat_deg: float,
    lon_deg: float,
    antenna_height_m: float,
    heights_m: Sequence[float],
    *,
    reference: str = "agl",
    k: float = K_STANDARD,
    max_range_m: float = 300e3,
    cell_m: float | None = None,
    dem: terrain_mod.Dem | None = None,
    outside: str = "error",
    progress: Callable[[str], None] | None = None,
) -> xr.Dataset:
    """Line of sight from one site, by altitude layer.

    Parameters
    ----------
    lat_deg, lon_deg
        The site [°].
    antenna_height_m
        Observer (antenna) height above the ground at the site [m].
    heights_m
        Target heights of the layers [m], above ground (``reference="agl"``) or sea level
        (``"msl"``).
    k
        Effective earth radius factor [-] (GDAL ``-cc`` = 1/k).
    max_range_m
        Ground range of the study [m]; cells beyond are not visible and not counted.
    cell_m
        Grid cell [m]; default :func:`default_cell_m`.
    dem
        Terrain; default the shipped GLOBE extract.
    outside
        ``"error"`` or ``"sea_level"`` for grid cells outside the DEM.

    Returns
    -------
    xarray.Dataset
        ``terrain`` (y, x) [m MSL], ``mvh_agl`` (y, x) [m], ``visible`` (height, y, x) bool,
        ``area_km2`` (height) — true area of visible cells within ``max_range_m``; coordinates
        ``x``, ``y`` [m] in the site's azimuthal-equidistant CRS (``attrs["crs_wkt"]``).
    """
    step = progress or (lambda _msg: None)
    if reference not in viewshed.REFERENCES:
        raise ValueError(f"reference must be one of {viewshed.REFERENCES}, got {reference!r}")
    heights = np.asarray(heights_m, dtype=float)
    dem = dem or terrain_mod.builtin_dem()
    grid = SiteGrid.covering(lat_deg, lon_deg, max_range_m,
                             cell_m or default_cell_m(dem, lat_deg, lon_deg, max_range_m))
    step("terrain")
    z = terrain_mod.dem_on_grid(dem, grid, outside=outside)
    within = grid.ground_range() <= max_range_m
    if reference == "msl":
        lowest = float(z[within].min())
        bad = heights[heights < lowest]
        if bad.size:
            raise TerrainError(
                "every cell within range is higher than this layer",
                field="heights", expected=f"heights above sea level ≥ {lowest:.0f} m "
                "(the lowest terrain within range)", found=f"{bad[0]:g} m")
    step("line of sight")
    mvh = viewshed.minimum_visible_height(z, grid, antenna_height_m, k=k,
                                          max_range_m=max_range_m)
    step("layers")
    vis = viewshed.layers(mvh, heights, reference=reference, dem=z) & within[None]
    area = viewshed.visible_area_km2(vis, grid)
    return xr.Dataset(
        {
            "terrain": (("y", "x"), z, {"units": "m", "long_name": "terrain above sea level"}),
            "mvh_agl": (("y", "x"), mvh, {"units": "m",
                                          "long_name": "minimum visible height above ground"}),
            "visible": (("height", "y", "x"), vis),
            "area_km2": (("height",), np.atleast_1d(area), {"units": "km2"}),
        },
        coords={"height": ("height", heights, {"units": "m", "reference": reference}),
                "y": ("y", grid.y, {"units": "m"}), "x": ("x", grid.x, {"units": "m"})},
        attrs={"crs_wkt": grid.crs.to_wkt(), "site_lat_deg": lat_deg, "site_lon_deg": lon_deg,
               "half_cells": grid.half_cells, "cell_m": grid.cell_m,
               "antenna_height_m": antenna_height_m, "k": k, "max_range_m": max_range_m,
               "reference": reference, "dem": getattr(dem, "name", "dem")},
    )


def to_geotiff(mask: xr.DataArray, grid: SiteGrid, path: str | Path) -> Path:
    """Write a (height, y, x) or (y, x) layer stack as a GeoTIFF, one band per layer."""
    import rasterio

    arr = np.asarray(mask)
    arr = arr[None] if arr.ndim == 2 else arr
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dtype = "uint8" if arr.dtype == bool else "float32"
    with rasterio.open(path, "w", driver="GTiff", height=grid.n, width=grid.n,
                       count=arr.shape[0], dtype=dtype, crs=grid.crs,
                       transform=grid.transform, compress="deflate") as dst:
        dst.write(arr.astype(dtype))
        if "height" in mask.dims:
            for i, h in enumerate(np.atleast_1d(mask["height"].values), start=1):
                dst.set_band_description(i, f"height {h:g} m")
    return path


def outlines(mask: xr.DataArray, grid: SiteGrid) -> list[tuple[float | None, list]]:
    """Per layer of a (height, y, x) or (y, x) stack: its height [m] (None without a height
    dim) and its outlines as lists of [lon, lat] points [°] (contours at 0.5 on cell centres,
    matplotlib's marching squares)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pyproj import Transformer

    t = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True)
    arr = np.asarray(mask)
    arr = arr[None] if arr.ndim == 2 else arr
    heights = np.atleast_1d(mask["height"].values) if "height" in mask.dims else [None]
    out = []
    fig, ax = plt.subplots()
    for h, layer in zip(heights, arr, strict=True):
        lines = []
        if layer.any() and not layer.all():
            cs = ax.contour(grid.x, grid.y, layer.astype(float), levels=[0.5])
            for seg in cs.allsegs[0]:
                lon, lat = t.transform(seg[:, 0], seg[:, 1])
                lines.append(np.round(np.column_stack([lon, lat]), 5).tolist())
        out.append((None if h is None else float(h), lines))
    plt.close(fig)
    return out


def to_geojson(mask: xr.DataArray, grid: SiteGrid, path: str | Path, lines=None) -> Path:
    """Write the outlines of each layer of a (height, y, x) stack as GeoJSON (lon/lat).

    Contours at 0.5 of the mask on cell centres (matplotlib's marching squares), one
    MultiLineString feature per layer with its height. ``lines``: :func:`outlines` of the mask,
    if already computed.
    """
    feats = [{"type": "Feature", "properties": {"height_m": h},
              "geometry": {"type": "MultiLineString", "coordinates": ln}}
             for h, ln in (lines if lines is not None else outlines(mask, grid))]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def to_kml(mask: xr.DataArray, grid: SiteGrid, path: str | Path, name: str = "coverage",
           points: Sequence[tuple[str, float, float]] = (), lines=None) -> Path:
    """Write the outlines of each layer of a (height, y, x) stack as KML 2.2 (Google Earth).

    One folder per layer (its height), the outlines as LineStrings (the same contours as
    :func:`to_geojson`); ``points`` = (label, lat [°], lon [°]) placemarks such as sites;
    ``lines``: :func:`outlines` of the mask, if already computed. Every text is XML-escaped.
    """
    from xml.sax.saxutils import escape

    def coords(line):
        return " ".join(f"{lon:.5f},{lat:.5f},0" for lon, lat in line)

    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
             f"<name>{escape(name)}</name>",
             '<Style id="outline"><LineStyle><color>ff2828d7</color><width>2</width>'
             "</LineStyle></Style>"]
    for h, layer in (lines if lines is not None else outlines(mask, grid)):
        title = name if h is None else f"{name}: {h:g} m"
        parts.append(f"<Folder><name>{escape(title)}</name>")
        for i, line in enumerate(layer):
            parts.append(f"<Placemark><name>{escape(title)} #{i + 1}</name>"
                         "<styleUrl>#outline</styleUrl><LineString><tessellate>1</tessellate>"
                         f"<coordinates>{coords(line)}</coordinates></LineString></Placemark>")
        parts.append("</Folder>")
    for label, lat, lon in points:
        parts.append(f"<Placemark><name>{escape(str(label))}</name><Point><coordinates>"
                     f"{lon:.5f},{lat:.5f},0</coordinates></Point></Placemark>")
    parts.append("</Document></kml>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
