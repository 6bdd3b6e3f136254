"""Coverage of a whole scenario: every radar, every target, every altitude layer, on one grid.

Composition only (the physics is in :mod:`iads.viewshed`, :mod:`iads.coverage` and
:mod:`iads.radar`):

1. one site-centred study grid around the scenario's air-defence systems;
2. for each radar (system radars, fire-unit engagement radars, stand-alone sensors): its minimum
   visible height on a grid centred on the radar itself (so GDAL-compatible line of sight holds
   for it), then its coverage per target and height — line of sight ∧ sector ∧ elevation limits
   ∧ the range at which the target reaches the asked Pd (capped by the instrumented range) —
   carried onto the study grid by nearest cell;
3. engagement coverage per fire unit: its engagement radar's coverage ∧ the envelope of the best
   missile it holds (range, minimum range, altitude band); for active-seeker missiles the part
   outside the engagement radar's coverage but inside the rest of the system's detection is
   reported separately as "cued";
4. unions over systems and over the scenario, areas per layer, and the range-ring areas the
   press compares them with.

Antenna height above ground = the catalog mast height + the position's ``height_agl_m``.
Launchers are taken to stand with their fire unit's engagement radar (the envelope is measured
from the radar).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from pyproj import Transformer

from . import coverage as cv
from . import radar as radar_phys
from . import terrain as terrain_mod
from . import viewshed
from .catalog import Catalog, load_catalog
from .geodesy import SiteGrid, geodesic_inverse
from .scenario.schema import CoverageStudy

__all__ = ["RadarSite", "settings_of", "scenario_coverage", "area_table",
           "run_scenario_coverage"]


def settings_of(sc) -> CoverageStudy:
    """The scenario's coverage study settings (its ``coverage:`` section or the defaults)."""
    return sc.coverage


@dataclass(frozen=True)
class RadarSite:
    """One radar placed in the scenario."""

    id: str
    type: str
    system: str | None
    fire_unit: str | None
    lat_deg: float
    lon_deg: float
    antenna_agl_m: float
    boresight_deg: float
    sector_deg: float


def radar_sites(sc, cat: Catalog) -> list[RadarSite]:
    """Every radar of the scenario with its resolved position, mast and sector."""
    out = []

    def add(unit, parent_pos, system=None, fire_unit=None):
        pos = sc.position_of(unit) or parent_pos
        rd = cat.radars[unit.type]
        sector = unit.sector_deg if unit.sector_deg is not None else rd.azimuth_sector_deg.value
        out.append(RadarSite(
            id=unit.id, type=unit.type, system=system, fire_unit=fire_unit,
            lat_deg=pos.lat, lon_deg=pos.lon,
            antenna_agl_m=rd.antenna_height_m.value + pos.height_agl_m,
            boresight_deg=unit.boresight_deg or 0.0, sector_deg=sector))

    for s in sc.systems:
        spos = sc.position_of(s)
        for r in s.radars:
            add(r, spos, s.id)
        for fu in s.fire_units:
            fpos = sc.position_of(fu) or spos
            add(fu.radar, fpos, s.id, fu.id)
    for sen in sc.sensors:
        if sen.orbit is None:
            add(sen, None)
    return out


def _study_centre(sites: list[RadarSite]) -> tuple[float, float]:
    lat = np.mean([s.lat_deg for s in sites])
    lon = np.mean([s.lon_deg for s in sites])
    return float(lat), float(lon)


class _Carrier:
    """Nearest-cell resampling between site-centred grids, index maps computed once per pair."""

    def __init__(self):
        self._maps: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @staticmethod
    def _key(g: SiteGrid) -> tuple:
        return (g.lat0_deg, g.lon0_deg, g.cell_m, g.half_cells)

    def __call__(self, src: SiteGrid, layers: np.ndarray, dst: SiteGrid,
                 fill=False) -> np.ndarray:
        """``layers`` (..., n_src, n_src) on ``src`` → (..., n_dst, n_dst) on ``dst``."""
        if self._key(src) == self._key(dst):
            return layers
        key = (self._key(src), self._key(dst))
        if key not in self._maps:
            xx, yy = np.meshgrid(dst.x, dst.y)
            t = Transformer.from_crs(dst.crs, src.crs, always_xy=True)
            sx, sy = t.transform(xx, yy)
            col = np.rint(np.asarray(sx) / src.cell_m).astype(np.int64) + src.half_cells
            row = src.half_cells - np.rint(np.asarray(sy) / src.cell_m).astype(np.int64)
            inside = (row >= 0) & (row < src.n) & (col >= 0) & (col < src.n)
            self._maps[key] = (row[inside], col[inside], inside)
        row, col, inside = self._maps[key]
        out = np.full(layers.shape[:-2] + (dst.n, dst.n), fill, dtype=layers.dtype)
        out[..., inside] = layers[..., row, col]
        return out


def _missile_envelope(cat: Catalog, missile_id: str, ballistic: bool) -> cv.MissileEnvelope:
    m = cat.missiles[missile_id]
    rmax = m.range_max_ballistic_km if (ballistic and m.range_max_ballistic_km) else m.range_max_km
    return cv.MissileEnvelope(
        range_min_m=m.range_min_km.value * 1e3, range_max_m=rmax.value * 1e3,
        altitude_min_m=m.altitude_min_m.value, altitude_max_m=m.altitude_max_km.value * 1e3,
        active_seeker=m.guidance in ("active", "command_active"))


def scenario_coverage(sc, settings: CoverageStudy | None = None,
                      catalog: Catalog | None = None,
                      progress: Callable[[str, float], None] | None = None) -> xr.Dataset:
    """Detection and engagement coverage of every radar and fire unit of scenario ``sc``.

    Returns an :class:`xarray.Dataset` on the study grid (coordinates ``x``, ``y`` [m] in its
    azimuthal-equidistant CRS, ``attrs["crs_wkt"]``) with dims ``target`` and ``height``:
    ``detection_by_radar`` (radar, target, height, y, x), ``detection`` (target, height, y, x,
    the union), ``detection_by_network`` (network, target, height, y, x: the union over the
    radars of each network's members), ``engagement`` and ``engagement_cued`` (target, height,
    y, x), ``terrain``,
    ``mvh_agl_min`` (the lowest height above ground any radar sees, [m]) and ``area_km2``.
    """
    st = settings or sc.coverage
    cat = catalog or load_catalog()
    step = progress or (lambda _m, _f: None)
    sites = radar_sites(sc, cat)
    if not sites:
        raise ValueError("the scenario places no ground radar: nothing to cover")
    dem = (terrain_mod.builtin_dem() if sc.terrain.dem == "builtin"
           else terrain_mod.load_dem(sc.terrain.dem))
    k = sc.terrain.k_factor
    lat0, lon0 = _study_centre(sites)
    max_r = st.max_range_km * 1e3
    grid = SiteGrid.covering(lat0, lon0, max_r, st.cell_m)
    z = terrain_mod.dem_on_grid(dem, grid, outside=sc.terrain.outside)
    heights = np.asarray(st.heights_m, dtype=float)
    targets = [cat.resolve("targets", t) for t in st.targets]
    nr, nt, nh = len(sites), len(targets), len(heights)
    det = np.zeros((nr, nt, nh, grid.n, grid.n), dtype=bool)
    mvh_min = np.full((grid.n, grid.n), np.inf)
    antenna_msl = {}
    carry = _Carrier()
    for i, s in enumerate(sites):
        step(f"line of sight: {s.id}", i / (nr + 1))
        rd = cat.radars[s.type]
        _, off = geodesic_inverse(lat0, lon0, s.lat_deg, s.lon_deg)
        reach = min(rd.instrumented_range_km.value * 1e3, max_r + float(off))
        g = SiteGrid.covering(s.lat_deg, s.lon_deg, reach, st.cell_m)
        zr = terrain_mod.dem_on_grid(dem, g, outside=sc.terrain.outside)
        mvh = viewshed.minimum_visible_height(zr, g, s.antenna_agl_m, k=k, max_range_m=reach)
        ant = float(zr[g.half_cells, g.half_cells]) + s.antenna_agl_m
        antenna_msl[s.id] = ant
        mvh_min = np.minimum(mvh_min, carry(g, np.nan_to_num(mvh, nan=np.inf), grid,
                                            fill=np.inf))
        ref = rd.reference_detection
        snr_ref = radar_phys.reference_snr_db(ref.pd, ref.pfa, ref.n_pulses, ref.swerling)
        for j, tid in enumerate(targets):
            tg = cat.targets[tid]
            rcs = getattr(tg.rcs_m2[rd.band], st.aspect).value
            r_det = radar_phys.detection_range(rcs, st.pd, ref.pfa, ref.n_pulses,
                                               tg.swerling[rd.band], ref.range_km.value * 1e3,
                                               ref.rcs_m2.value, snr_ref)
            geom = cv.RadarGeometry(
                antenna_msl_m=ant, max_range_m=min(float(r_det), reach),
                boresight_rad=np.radians(s.boresight_deg),
                sector_width_rad=np.radians(s.sector_deg),
                elevation_min_rad=np.radians(rd.elevation_min_deg.value),
                elevation_max_rad=np.radians(rd.elevation_max_deg.value))
            lay = cv.radar_layers(g, zr, np.nan_to_num(mvh, nan=np.inf) + zr, geom, heights,
                                  reference=st.reference, k=k)
            det[i, j] = carry(g, lay, grid)
    within = grid.ground_range() <= max_r
    det &= within
    step("engagement", nr / (nr + 1))
    eng = np.zeros((nt, nh, grid.n, grid.n), dtype=bool)
    cued = np.zeros_like(eng)
    index = {s.id: i for i, s in enumerate(sites)}
    lon, lat = grid.lonlat()
    networks = {}
    for net in sc.networks:
        members = set(net.members)
        networks[net.id] = [i for i, s in enumerate(sites)
                            if members & {s.id, s.system, s.fire_unit}]
    for system in sc.systems:
        # cueing: the system's own radars and every radar of a network it belongs to
        cue_idx = {index[s.id] for s in sites if s.system == system.id}
        for net_id in sc.networks_of(system.id):
            cue_idx.update(networks[net_id])
        sys_det = det[sorted(cue_idx)].any(axis=0)
        for fu in system.fire_units:
            fs = sites[index[fu.radar.id]]
            # the envelope is measured from the fire unit, on the study grid
            _, fu_range = geodesic_inverse(fs.lat_deg, fs.lon_deg, lat, lon)
            missiles = sorted({m for ln in fu.launchers for m in ln.load})
            for j, tid in enumerate(targets):
                ballistic = cat.targets[tid].category == "ballistic_missile"
                for mid in missiles:
                    env = _missile_envelope(cat, mid, ballistic)
                    gd, cu = cv.engagement_layers(
                        grid, z, det[index[fu.radar.id], j], antenna_msl[fs.id], env, heights,
                        reference=st.reference, cueing_cover=sys_det[j], k=k,
                        ground_range_m=fu_range)
                    eng[j] |= gd
                    cued[j] |= cu
    cued &= ~eng
    union = det.any(axis=0)
    by_net = np.stack([det[idx].any(axis=0) if idx else np.zeros_like(union)
                       for idx in networks.values()]) if networks else np.zeros(
        (0,) + union.shape, dtype=bool)
    area = viewshed.visible_area_km2
    step("done", 1.0)
    return xr.Dataset(
        {
            "terrain": (("y", "x"), z, {"units": "m"}),
            "mvh_agl_min": (("y", "x"), np.where(within, mvh_min, np.nan), {"units": "m"}),
            "detection_by_radar": (("radar", "target", "height", "y", "x"), det),
            "detection": (("target", "height", "y", "x"), union),
            "detection_by_network": (("network", "target", "height", "y", "x"), by_net),
            "engagement": (("target", "height", "y", "x"), eng),
            "engagement_cued": (("target", "height", "y", "x"), cued),
            "detection_km2": (("target", "height"), area(union, grid)),
            "engagement_km2": (("target", "height"), area(eng, grid)),
            "engagement_cued_km2": (("target", "height"), area(cued, grid)),
        },
        coords={"radar": [s.id for s in sites], "network": list(networks), "target": targets,
                "height": ("height", heights, {"units": "m", "reference": st.reference}),
                "y": grid.y, "x": grid.x},
        attrs={"crs_wkt": grid.crs.to_wkt(), "site_lat_deg": lat0, "site_lon_deg": lon0,
               "half_cells": grid.half_cells, "cell_m": grid.cell_m, "k": k,
               "max_range_m": max_r, "pd": st.pd, "aspect": st.aspect,
               "scenario": sc.name, "radars_json": json.dumps([asdict(s) for s in sites])},
    )


def area_table(ds: xr.Dataset, rings_km: dict[str, float]) -> list[dict]:
    """Rows of covered area vs range-ring area per target and height [km²]."""
    rows = []
    rings = {label: float(cv.ring_area_km2(r * 1e3)) for label, r in rings_km.items()}
    for t in ds.target.values:
        for h in ds.height.values:
            sel = {"target": t, "height": h}
            row = {"target": str(t), "height_m": float(h),
                   "detection_km2": float(ds.detection_km2.sel(sel)),
                   "engagement_km2": float(ds.engagement_km2.sel(sel)),
                   "engagement_cued_km2": float(ds.engagement_cued_km2.sel(sel))}
            for label, a in rings.items():
                row[f"ring {label} km2"] = a
            rows.append(row)
    return rows


def run_scenario_coverage(path, out, console=None, settings: CoverageStudy | None = None):
    """Load a scenario, compute its coverage and write maps, tables, GeoTIFF and GeoJSON."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from . import plots
    from .coverage_study import grid_of, to_geojson, to_geotiff
    from .scenario import load_scenario

    sc = load_scenario(path)
    st = settings or sc.coverage
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("coverage", total=1.0)
        ds = scenario_coverage(sc, st, progress=lambda m, f: bar.update(
            task, description=m, completed=f))
    grid = grid_of(ds)
    written = []
    rows = area_table(ds, st.rings_km)
    with (out / "coverage_areas.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    written.append(out / "coverage_areas.csv")
    (out / "coverage_areas.json").write_text(json.dumps(rows, indent=1))
    for t in ds.target.values:
        to_geotiff(ds.detection.sel(target=t), grid, out / f"detection_{t}.tif")
        to_geotiff(ds.engagement.sel(target=t), grid, out / f"engagement_{t}.tif")
        to_geojson(ds.detection.sel(target=t), grid, out / f"detection_{t}.geojson")
        for h in ds.height.values:
            fig = plots.coverage_map(
                grid, ds.terrain.values,
                {"detection": ds.detection.sel(target=t, height=h).values,
                 "engagement (radar-guided)": ds.engagement.sel(target=t, height=h).values,
                 "engagement (cued, active seeker)":
                     ds.engagement_cued.sel(target=t, height=h).values},
                rings_km=st.rings_km,
                title=f"{sc.name}: {t} at {h:g} m {st.reference.upper()}, Pd {st.pd:g} "
                      f"single scan, {st.aspect} aspect")
            written.append(plots.save(fig, out / f"map_{t}_{int(h)}m.png"))
    fig = plots.mvh_map(grid, ds.terrain.values, ds.mvh_agl_min.values,
                        title=f"{sc.name}: lowest height above ground seen by any radar "
                              "(line of sight only)")
    written.append(plots.save(fig, out / "min_visible_height.png"))
    to_geotiff(ds.mvh_agl_min.fillna(-1), grid, out / "min_visible_height.tif")
    written.extend(_range_height_figures(sc, ds, st, out))
    if console is not None:
        _print_areas(console, rows, st)
        console.print(f"wrote {len(written) + 2 * ds.sizes['target'] * 3} files to {out}")
    return ds, rows


def _range_height_figures(sc, ds, st: CoverageStudy, out: Path) -> list[Path]:
    from . import plots

    cat = load_catalog()
    sites = json.loads(ds.attrs["radars_json"])
    seen, paths = set(), []
    d = np.linspace(1e3, st.max_range_km * 1e3, 600)
    alts = np.linspace(0, 30e3, 601)
    for s in sites:
        if s["type"] in seen:
            continue
        seen.add(s["type"])
        rd = cat.radars[s["type"]]
        ref = rd.reference_detection
        snr_ref = radar_phys.reference_snr_db(ref.pd, ref.pfa, ref.n_pulses, ref.swerling)
        masks = {}
        for t in ds.target.values:
            tg = cat.targets[str(t)]
            rcs = getattr(tg.rcs_m2[rd.band], st.aspect).value
            r_det = radar_phys.detection_range(rcs, st.pd, ref.pfa, ref.n_pulses,
                                               tg.swerling[rd.band], ref.range_km.value * 1e3,
                                               ref.rcs_m2.value, snr_ref)
            geom = cv.RadarGeometry(
                antenna_msl_m=s["antenna_agl_m"], max_range_m=min(
                    float(r_det), rd.instrumented_range_km.value * 1e3),
                elevation_min_rad=np.radians(rd.elevation_min_deg.value),
                elevation_max_rad=np.radians(rd.elevation_max_deg.value))
            masks[f"{t} (Pd {st.pd:g})"] = cv.range_height(geom, d, alts, k=ds.attrs["k"])
        fig = plots.range_height_plot(
            d, alts, masks, title=f"{s['type']} ({rd.band}-band): vertical coverage over a "
                                  f"smooth earth (k = {ds.attrs['k']:.3g}), antenna "
                                  f"{s['antenna_agl_m']:g} m")
        paths.append(plots.save(fig, out / f"range_height_{s['type']}.png"))
    return paths


def _print_areas(console, rows, st: CoverageStudy) -> None:
    from rich.table import Table

    ring_keys = [k for k in rows[0] if k.startswith("ring ")]
    t = Table(title="Area covered vs the range rings (km²)", title_justify="left",
              caption="detection: any radar, Pd single scan; engagement: fire-unit radar ∧ "
                      "missile envelope; cued: active seeker beyond the engagement radar",
              caption_justify="left")
    for c in ("target", "height m", "detection", "engagement", "cued"):
        t.add_column(c, justify="left" if c == "target" else "right")
    for k in ring_keys:
        t.add_column(k[5:-4].split(" (")[0], justify="right")
    for r in rows:
        t.add_row(r["target"], f"{r['height_m']:g}", f"{r['detection_km2']:,.0f}",
                  f"{r['engagement_km2']:,.0f}", f"{r['engagement_cued_km2']:,.0f}",
                  *(f"{r['detection_km2'] / r[k]:.0%}" for k in ring_keys))
    console.print(t)
    console.print("ring columns: detection area as a share of the ring's area")
