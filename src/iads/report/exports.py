"""Coverage exports beside the report: GeoTIFF (one band per altitude), GeoJSON and KML outlines
(:mod:`iads.coverage_study`), one set per variant and target."""

from __future__ import annotations

from pathlib import Path

from ..coverage_study import grid_of, outlines, to_geojson, to_geotiff, to_kml
from .comparison import Comparison
from .figures import _safe

__all__ = ["write_exports"]


def write_exports(comp: Comparison, folder: Path) -> list[Path]:
    """Detection and engagement GeoTIFFs and detection outlines (GeoJSON, KML with the
    variant's sites) of every variant with coverage, into ``folder``."""
    out = []
    for v, ds in comp.coverage.items():
        grid = grid_of(ds)
        sites = [(s.label or s.id, s.lat, s.lon) for s in comp.data.sites if s.variant == v]
        for t in ds.target.values:
            stem = f"{_safe(v)}_{_safe(str(t))}"
            out.append(to_geotiff(ds.detection.sel(target=t), grid,
                                  folder / f"detection_{stem}.tif"))
            out.append(to_geotiff(ds.engagement.sel(target=t), grid,
                                  folder / f"engagement_{stem}.tif"))
            det = ds.detection.sel(target=t)
            lines = outlines(det, grid)
            out.append(to_geojson(det, grid, folder / f"detection_{stem}.geojson", lines=lines))
            out.append(to_kml(det, grid, folder / f"detection_{stem}.kml",
                              name=f"{v}: detection of {t}", points=sites, lines=lines))
    return out
