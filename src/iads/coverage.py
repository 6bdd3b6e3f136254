"""Detection and engagement coverage over terrain, by altitude layer.

Pure functions over a site-centred grid (:class:`iads.geodesy.SiteGrid`). The inputs are the
terrain on the grid and a radar's **minimum visible height** raster (:mod:`iads.viewshed`); every
altitude layer is a threshold of it, combined with what the radar and the target allow:

* line of sight: the target's height above sea level ≥ the minimum visible height (MSL);
* the radar's azimuth sector about its boresight, its elevation limits (the cone of silence above
  the maximum elevation), and its instrumented range;
* the range at which the target (its RCS in the radar's band at the chosen aspect) reaches the
  asked Pd, from the radar range equation (:mod:`iads.radar.range_equation`).

Engagement coverage is the engagement radar's coverage ∧ the missile's envelope (slant range
between minimum and maximum range, altitude band). Beyond the engagement radar's coverage a missile
with an active seeker may still be fired on external cueing: that part is returned separately.

Geometry is exact on the effective earth (radius k·a): slant range and elevation angle come from
:func:`iads.geodesy.effective_earth_geometry`. Antenna lobing, multipath and clutter are not
modelled here (see the models page).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geodesy import K_STANDARD, SiteGrid, effective_earth_geometry
from .viewshed import MEAN_EARTH_RADIUS, visible_area_km2

__all__ = [
    "RadarGeometry",
    "MissileEnvelope",
    "target_heights_msl",
    "sector_mask",
    "radar_layers",
    "engagement_layers",
    "layer_areas_km2",
    "ring_area_km2",
    "range_height",
]



@dataclass(frozen=True)
class RadarGeometry:
    """What limits a radar's coverage, in SI units.

    Attributes
    ----------
    antenna_msl_m
        Antenna phase centre above sea level [m] (ground + mast).
    max_range_m
        Detection range for the target at the asked Pd, already capped by the instrumented
        range [m].
    boresight_rad
        Sector centre, clockwise from north [rad].
    sector_width_rad
        Sector width [rad]; 2π (or more) for all-round coverage.
    elevation_min_rad, elevation_max_rad
        Elevation limits [rad]; above the maximum is the cone of silence.
    """

    antenna_msl_m: float
    max_range_m: float
    boresight_rad: float = 0.0
    sector_width_rad: float = 2 * np.pi
    elevation_min_rad: float = -np.pi / 2
    elevation_max_rad: float = np.pi / 2


@dataclass(frozen=True)
class MissileEnvelope:
    """A missile's kinematic envelope against a target class.

    Attributes
    ----------
    range_min_m, range_max_m
        Slant range limits [m].
    altitude_min_m, altitude_max_m
        Target altitude band above sea level [m].
    active_seeker
        Whether the missile can complete an intercept on its own seeker once cued.
    """

    range_min_m: float
    range_max_m: float
    altitude_min_m: float
    altitude_max_m: float
    active_seeker: bool = False


def _slant2_sin_el(ground_range_m, h1_m: float, h2_m, k: float):
    """Squared slant range [m²] and sine of the elevation angle [-] on the effective earth.

    The same exact spherical geometry as :func:`iads.geodesy.effective_earth_geometry`, kept
    without its square root and arcsine so that layer thresholds (range ≤ R ⇔ slant² ≤ R²,
    el ≥ e ⇔ sin el ≥ sin e) cost a few multiplications per cell.
    """
    R = k * 6_378_137.0
    s2 = np.sin(np.asarray(ground_range_m, dtype=float) / (2.0 * R)) ** 2
    r1 = R + h1_m
    r2 = R + np.asarray(h2_m, dtype=float)
    slant2 = (r2 - r1) ** 2 + 4.0 * r1 * r2 * s2
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_el = (r2 - r1 - 2.0 * r2 * s2) / np.sqrt(slant2)
    return slant2, np.where(slant2 > 0, sin_el, 1.0)


def target_heights_msl(heights_m, terrain_m, reference: str) -> np.ndarray:
    """Target heights above sea level per layer and cell, (L, n, n) [m].

    ``reference="agl"``: layer heights above the ground; ``"msl"``: above sea level (cells
    where the terrain is higher than the layer are NaN: a target cannot fly there).
    """
    h = np.asarray(heights_m, dtype=float)[:, None, None]
    z = np.asarray(terrain_m, dtype=float)[None, :, :]
    if reference == "agl":
        return h + z
    if reference == "msl":
        return np.where(h >= z, h + 0.0 * z, np.nan)
    raise ValueError(f"reference must be 'agl' or 'msl', got {reference!r}")


def sector_mask(grid: SiteGrid, boresight_rad: float, width_rad: float) -> np.ndarray:
    """Cells whose azimuth from the site lies within the sector, (n, n) bool.

    The azimuth of a cell on an azimuthal-equidistant grid is its true azimuth from the site.
    """
    if width_rad >= 2 * np.pi:
        return np.ones((grid.n, grid.n), dtype=bool)
    az = np.arctan2(grid.x[None, :], grid.y[:, None])
    off = np.angle(np.exp(1j * (az - boresight_rad)))  # wrapped to (-π, π]
    mask = np.abs(off) <= width_rad / 2
    mask[grid.half_cells, grid.half_cells] = True
    return mask


def radar_layers(
    grid: SiteGrid,
    terrain_m: np.ndarray,
    mvh_msl_m: np.ndarray,
    radar: RadarGeometry,
    heights_m,
    reference: str = "agl",
    k: float = K_STANDARD,
) -> np.ndarray:
    """Radar coverage per altitude layer, (L, n, n) bool.

    Parameters
    ----------
    grid
        The site-centred grid (the radar on its centre cell).
    terrain_m
        Terrain height above sea level on the grid, (n, n) [m].
    mvh_msl_m
        Minimum height above sea level a target must have to be in line of sight, (n, n) [m].
    radar
        Sector, elevation and range limits.
    heights_m
        Layer heights [m], above ground (``reference="agl"``) or sea level (``"msl"``).
    k
        Effective earth radius factor [-].
    """
    h_msl = target_heights_msl(heights_m, terrain_m, reference)
    rng = grid.ground_range()[None, :, :]
    with np.errstate(invalid="ignore"):
        slant2, sin_el = _slant2_sin_el(rng, radar.antenna_msl_m, h_msl, k)
        ok = h_msl >= np.asarray(mvh_msl_m)[None, :, :]
        ok &= slant2 <= radar.max_range_m**2
        ok &= (sin_el >= np.sin(radar.elevation_min_rad))
        ok &= (sin_el <= np.sin(radar.elevation_max_rad))
    ok &= sector_mask(grid, radar.boresight_rad, radar.sector_width_rad)[None, :, :]
    return ok


def engagement_layers(
    grid: SiteGrid,
    terrain_m: np.ndarray,
    radar_cover: np.ndarray,
    antenna_msl_m: float,
    missile: MissileEnvelope,
    heights_m,
    reference: str = "agl",
    cueing_cover: np.ndarray | None = None,
    k: float = K_STANDARD,
    ground_range_m: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Engagement coverage per layer: (guided, cued), each (L, n, n) bool.

    ``guided`` = the engagement radar's coverage ``radar_cover`` ∧ the missile envelope.
    ``cued`` = the envelope ∧ ``cueing_cover`` (external sensors) ∧ ¬``radar_cover``, only for an
    active-seeker missile; all False otherwise. The envelope's range is the slant range from the
    engagement radar's site (launchers co-located with it), its altitude band above sea level.
    ``ground_range_m`` (n, n) [m] gives each cell's ground range from the fire unit when it is
    not the grid's centre; by default the grid's own ground range.
    """
    h_msl = target_heights_msl(heights_m, terrain_m, reference)
    rng = (grid.ground_range() if ground_range_m is None else ground_range_m)[None, :, :]
    with np.errstate(invalid="ignore"):
        slant2, _ = _slant2_sin_el(rng, antenna_msl_m, h_msl, k)
        env = (slant2 >= missile.range_min_m**2) & (slant2 <= missile.range_max_m**2)
        env &= (h_msl >= missile.altitude_min_m) & (h_msl <= missile.altitude_max_m)
    guided = env & radar_cover
    if missile.active_seeker and cueing_cover is not None:
        cued = env & cueing_cover & ~radar_cover
    else:
        cued = np.zeros_like(guided)
    return guided, cued


def layer_areas_km2(layers: np.ndarray, grid: SiteGrid,
                    within_m: float | None = None) -> np.ndarray:
    """Covered area per layer [km²]: true cell areas (:func:`iads.viewshed.cell_area_m2`)
    summed over covered cells; ``within_m`` keeps only cells whose centre lies within that
    ground range of the site."""
    layers = np.asarray(layers, dtype=bool)
    if within_m is not None:
        layers = layers & (grid.ground_range() <= within_m)
    return np.atleast_1d(visible_area_km2(layers, grid))


def ring_area_km2(radius_m) -> np.ndarray:
    """Area of a range ring (a spherical cap of ground radius ρ) [km²]: 2πR²(1 − cos(ρ/R))."""
    r = np.asarray(radius_m, dtype=float)
    R = MEAN_EARTH_RADIUS
    return 2 * np.pi * R * R * (1 - np.cos(r / R)) / 1e6


def range_height(
    radar: RadarGeometry,
    ground_range_m,
    altitudes_m,
    mvh_profile_msl_m=None,
    k: float = K_STANDARD,
) -> np.ndarray:
    """Vertical coverage (range–height diagram) along one azimuth, (A, G) bool.

    Parameters
    ----------
    radar
        Antenna height, detection range and elevation limits (the sector is ignored: the
        diagram is drawn along an azimuth inside it).
    ground_range_m
        Ground ranges along the azimuth, (G,) [m].
    altitudes_m
        Target altitudes above sea level, (A,) [m].
    mvh_profile_msl_m
        Minimum visible height above sea level at each ground range, (G,) [m], e.g. sampled from
        the viewshed raster; ``None`` for a smooth sea-level earth (then only the effective-earth
        horizon masks).
    """
    d = np.asarray(ground_range_m, dtype=float)[None, :]
    h = np.asarray(altitudes_m, dtype=float)[:, None]
    slant, el = effective_earth_geometry(d, radar.antenna_msl_m, h, k)
    ok = (slant <= radar.max_range_m) & (el >= radar.elevation_min_rad)
    ok &= el <= radar.elevation_max_rad
    if mvh_profile_msl_m is None:
        # smooth earth: the target must be above the tangent ray from the antenna
        R = k * 6_378_137.0
        d_h = np.sqrt(2 * R * max(radar.antenna_msl_m, 0.0) + radar.antenna_msl_m**2)
        # beyond the antenna's horizon point the ray is tangent there: at arc θ past it the
        # target must stand at r ≥ R / cos θ
        theta = np.maximum(d - d_h, 0.0) / R
        ok &= h >= R * (1.0 / np.cos(theta) - 1.0)
    else:
        ok &= h >= np.asarray(mvh_profile_msl_m, dtype=float)[None, :]
    return ok
