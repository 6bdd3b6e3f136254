"""The data behind the report's map, as plain JSON-able values.

Basemap (terrain hillshade from the shipped DEM, Natural Earth borders), coverage overlays per
variant / target / altitude (PNG data URLs), sites, range rings and tracks for playback.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import terrain as terrain_mod
from ..basemap import load_borders
from ..coverage_study import grid_of
from ..errors import IadsError
from ..geodesy import SiteGrid, geodesic_inverse
from .comparison import Comparison
from .overlays import (
    CLASS_COLOURS,
    classes_png,
    coverage_classes,
    data_url,
    hillshade_png,
    warp_for,
)

__all__ = ["map_data", "MAX_TRACK_POINTS", "TRACK_POINTS_BUDGET"]

#: Track points kept per variant for playback (sample instants thinned evenly beyond this) ...
MAX_TRACK_POINTS = 40_000
#: ... and over all variants together, so that the page stays well under 15 MB.
TRACK_POINTS_BUDGET = 150_000


def _bbox(comp: Comparison, cov_bounds: list) -> tuple[float, float, float, float]:
    lats, lons = [], []
    for (s, w), (n, e) in cov_bounds:
        lats += [s, n]
        lons += [w, e]
    for site in comp.data.sites:
        lats.append(site.lat)
        lons.append(site.lon)
    for r in comp.data.rings:
        dlat = r.radius_km / 111.2
        dlon = dlat / max(math.cos(math.radians(r.lat)), 0.1)
        lats += [r.lat - dlat, r.lat + dlat]
        lons += [r.lon - dlon, r.lon + dlon]
    for tr in comp.tracks.values():
        if len(tr["lat"]):
            lats += [float(np.nanmin(tr["lat"])), float(np.nanmax(tr["lat"]))]
            lons += [float(np.nanmin(tr["lon"])), float(np.nanmax(tr["lon"]))]
    if not lats:
        return (39.0, 32.0, 41.0, 34.0)
    return (max(min(lats), -80.0), min(lons), min(max(lats), 80.0), max(lons))


def _inside_radius(dem, lat0: float, lon0: float) -> float:
    """Half-width [m] of the largest site grid around (lat0, lon0) inside a geographic DEM."""
    if not dem.crs.is_geographic:
        return np.inf
    left, bottom, right, top = dem.bounds
    cos = math.cos(math.radians(min(max(abs(top), abs(bottom)), 89.0)))
    d = min((top - lat0) * 111.2e3, (lat0 - bottom) * 111.2e3,
            (right - lon0) * 111.3e3 * cos, (lon0 - left) * 111.3e3 * cos)
    return 0.95 * d


def _basemap(bbox, max_px: int) -> dict:
    """Hillshade of the shipped DEM around ``bbox`` and the borders over it. The grid is kept
    inside the DEM where the view's centre lies in it; elsewhere the map shows no relief."""
    s, w, n, e = bbox
    lat0, lon0 = (s + n) / 2, (w + e) / 2
    _, d = geodesic_inverse(lat0, lon0, np.array([s, s, n, n]), np.array([w, e, w, e]))
    radius = float(min(max(2.0 * d.max(), 150e3), 3000e3))
    dem = terrain_mod.builtin_dem()
    inside = _inside_radius(dem, lat0, lon0)
    if inside > 100e3:
        radius = min(radius, inside)
    grid = SiteGrid.covering(lat0, lon0, radius, 2 * radius / max_px)
    warp = warp_for(grid, max_px)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z = terrain_mod.dem_on_grid(dem, grid, outside="sea_level")
        shade = data_url(hillshade_png(z, grid, warp))
    except (RuntimeError, IadsError):  # a grid straddling the DEM's edge: no relief
        shade = None
    (bs, bw), (bn, be) = warp.bounds
    borders = []
    for _name, rings in load_borders((min(bw, w) - 5, min(bs, s) - 5, max(be, e) + 5,
                                      max(bn, n) + 5)):
        for r in rings:
            borders.append(np.round(r[:, ::-1], 3).tolist())
    return {"hillshade": shade, "bounds": warp.bounds, "borders": borders}


def _coverage(ds, max_px: int) -> dict:
    grid = grid_of(ds)
    warp = warp_for(grid, max_px)
    targets = [str(t) for t in ds.target.values]
    heights = [float(h) for h in ds.height.values]
    images = {}
    cued = ds.get("engagement_cued")
    for t in targets:
        row = []
        for h in heights:
            sel = {"target": t, "height": h}
            cls = coverage_classes(ds.detection.sel(sel).values, ds.engagement.sel(sel).values,
                                   None if cued is None else cued.sel(sel).values)
            row.append(data_url(classes_png(warp.apply(cls))))
        images[t] = row
    areas = {}
    for key in ("detection_km2", "engagement_km2"):
        if key in ds:
            areas[key] = {t: [round(float(v), 1) for v in ds[key].sel(target=t).values]
                          for t in targets}
    return {"targets": targets, "heights": heights,
            "reference": str(ds.height.attrs.get("reference", "agl")),
            "bounds": warp.bounds, "images": images, "areas": areas}


def _tracks(tr: dict[str, np.ndarray], max_points: int) -> dict:
    t = tr["time_s"]
    ok = np.isfinite(t) & np.isfinite(tr["lat"]) & np.isfinite(tr["lon"])
    idx = np.flatnonzero(ok)
    if idx.size > max_points:
        # thin by keeping every k-th sample time, so each kept instant stays whole
        times = np.unique(t[idx])
        keep = set(times[:: int(math.ceil(idx.size / max_points))].tolist())
        idx = idx[np.isin(t[idx], list(keep))]
    nodes = sorted({str(v) for v in tr["node"][idx]})
    labels = sorted({str(v) for v in tr["identity"][idx]})
    out = {"t0": float(t[idx].min()) if idx.size else 0.0,
           "t1": float(t[idx].max()) if idx.size else 0.0,
           "nodes": nodes, "identities": labels, "by_node": {}}
    for node in nodes:
        sel = idx[tr["node"][idx].astype(str) == node]
        keys = np.array([f"{k}" for k in tr["track"][sel]], dtype=object)
        order = np.lexsort((t[sel], keys))
        sel, keys = sel[order], keys[order]
        names, inv = np.unique(keys, return_inverse=True)
        out["by_node"][node] = {
            "tracks": [str(n) for n in names],
            "truth": [str(tr["truth_category"][sel[inv == i][-1]]) for i in range(len(names))],
            "k": inv.tolist(),
            "t": np.round(t[sel], 2).tolist(),
            "lat": np.round(tr["lat"][sel], 4).tolist(),
            "lon": np.round(tr["lon"][sel], 4).tolist(),
            "alt": np.round(np.nan_to_num(tr["alt_m"][sel]), 0).tolist(),
            "id": [labels.index(str(v)) for v in tr["identity"][sel]],
        }
    return out


def map_data(comp: Comparison, max_px: int = 512) -> dict:
    """Everything the map draws, JSON-able (see the module docstring)."""
    coverage = {v: _coverage(ds, max_px) for v, ds in comp.coverage.items()}
    bbox = _bbox(comp, [c["bounds"] for c in coverage.values()])
    base = _basemap(bbox, max_px=700)
    per_variant = min(MAX_TRACK_POINTS, TRACK_POINTS_BUDGET // max(len(comp.tracks), 1))
    return {
        "view": ((bbox[0], bbox[1]), (bbox[2], bbox[3])),
        "basemap": base,
        "classes": [{"label": lb, "rgba": list(c)} for lb, c in CLASS_COLOURS[1:]],
        "coverage": coverage,
        "sites": [s.model_dump() for s in comp.data.sites],
        "rings": [r.model_dump() for r in comp.data.rings],
        "tracks": {v: _tracks(tr, per_variant) for v, tr in comp.tracks.items()},
    }
