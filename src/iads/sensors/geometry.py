"""Look geometry from a radar to objects: azimuth, refracted elevation and range, masking.

Radio refraction is modelled, as everywhere in iads, by an effective spherical earth of radius
k·a (a = 6,378,137 m, k = 4/3 by default; :mod:`iads.geodesy`). A look is computed in three steps:

1. the true geometry in the radar's local ENU frame (from ECEF positions): azimuth clockwise
   from north, and the **ground range** ``d`` and central angle on the osculating sphere of the
   ellipsoid in that azimuth (radius of curvature ``R_α``, Euler's formula; < 1 m from the
   WGS-84 geodesic distance at 600 km); the object's ellipsoidal height ``h2`` exactly;
2. the effective-earth geometry of :func:`iads.geodesy.effective_earth_geometry`: radar at
   ``h1``, object at ``h2``, ``d`` apart along a sphere of radius k·a: the **elevation** as the
   radar sees it (apparent, refracted), the same model as the coverage rasters of
   :mod:`iads.coverage`. The **range** is the straight-line distance (the delay of the bent
   ray differs from it by centimetres; the effective-earth slant, by up to 0.05 %, is a
   construct of the model and is not used);
3. masking: with a minimum-visible-height raster (:class:`TerrainMask`, from
   :mod:`iads.viewshed` on a site-centred grid) the object is in line of sight iff its height
   ≥ the raster's minimum visible height (MSL) at its cell (cell = nearest centre of
   ``(d sin az, d cos az)`` on the azimuthal-equidistant grid); without one, iff the straight
   line in the effective geometry clears the sphere of radius k·a (exact smooth-earth test).

:func:`measurement_to_ecef` inverts step 2 (and the geodesic of step 1 with PROJ), so a plot's
(range, azimuth, elevation) becomes an ECEF position with refraction taken out: a noise-free
measurement maps back to the object within a few metres at 600 km.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ..geodesy import K_STANDARD, SiteGrid, geodesic_forward
from ..kinematics import _E2, WGS84_A, _ecef, _enu_rows, _geodetic, geodetic_of

__all__ = ["LookGeometry", "look_geometry", "TerrainMask", "NO_DATA_FLOOR_M",
           "measurement_to_ecef"]

_TWO_PI = 2.0 * math.pi
# columns of the geometry kernel's output
_AZ, _EL, _SLANT, _GROUND, _H2, _H1, _NOSE, _RDOT, _LOS, _UE, _UN, _UU = range(12)
_NCOL = 12


@njit(cache=True)
def _look_one(rp, rv, op, ov, k_a, rows, cache, out):
    """Geometry of one look from a radar at rp (velocity rv) to an object at op (ov).

    ``rows`` (3, 3) holds the radar's E, N, U rows and ``cache`` (7,) the radar position they
    belong to, its height and the meridian and prime-vertical radii of curvature there; all
    are recomputed when the radar has moved.
    """
    if rp[0] != cache[0] or rp[1] != cache[1] or rp[2] != cache[2]:
        lat, lon, h = _geodetic(rp[0], rp[1], rp[2])
        _enu_rows(lat, lon, rows)
        cache[0] = rp[0]
        cache[1] = rp[1]
        cache[2] = rp[2]
        cache[3] = lat
        cache[4] = h
        s = math.sin(lat)
        w2 = 1.0 - _E2 * s * s
        cache[5] = WGS84_A / math.sqrt(w2)
        cache[6] = WGS84_A * (1.0 - _E2) / (w2 * math.sqrt(w2))
    h1 = cache[4]
    dx = op[0] - rp[0]
    dy = op[1] - rp[1]
    dz = op[2] - rp[2]
    e = rows[0, 0] * dx + rows[0, 1] * dy + rows[0, 2] * dz
    n = rows[1, 0] * dx + rows[1, 1] * dy + rows[1, 2] * dz
    u = rows[2, 0] * dx + rows[2, 1] * dy + rows[2, 2] * dz
    true_range = math.sqrt(dx * dx + dy * dy + dz * dz)
    hor = math.sqrt(e * e + n * n)
    az = math.atan2(e, n)
    if az < 0.0:
        az += _TWO_PI
    # ground range on the osculating sphere in this azimuth
    n_rad = cache[5]
    m_rad = cache[6]
    ca = math.cos(az)
    sa = math.sin(az)
    r_alpha = 1.0 / (ca * ca / m_rad + sa * sa / n_rad)
    theta = math.atan2(hor, u + r_alpha + h1)
    d = r_alpha * theta
    _, _, h2 = _geodetic(op[0], op[1], op[2])
    # effective earth (radius k a)
    th = d / k_a
    r1 = k_a + h1
    r2 = k_a + h2
    s2 = math.sin(0.5 * th) ** 2
    slant = math.sqrt((r2 - r1) ** 2 + 4.0 * r1 * r2 * s2)
    if slant > 0.0:
        sin_el = (r2 - r1 - 2.0 * r2 * s2) / slant
        el = math.asin(min(1.0, max(-1.0, sin_el)))
    else:
        el = 0.0
    # smooth-earth line of sight in the effective geometry
    cth = math.cos(th)
    los = 1.0
    if r1 * r2 * cth < r1 * r1 and r1 * r2 * cth < r2 * r2 and slant > 0.0:
        if r1 * r2 * math.sin(th) / slant < k_a:
            los = 0.0
    if h1 < -1e-3 or h2 < -1e-3:  # an end inside the sphere
        los = 0.0
    # aspect: angle between the object's velocity and the direction object -> radar
    sp = math.sqrt(ov[0] * ov[0] + ov[1] * ov[1] + ov[2] * ov[2])
    if sp > 0.0 and true_range > 0.0:
        c = -(ov[0] * dx + ov[1] * dy + ov[2] * dz) / (sp * true_range)
        nose = math.acos(min(1.0, max(-1.0, c)))
    else:
        nose = 0.5 * math.pi
    if true_range > 0.0:
        rdot = ((ov[0] - rv[0]) * dx + (ov[1] - rv[1]) * dy + (ov[2] - rv[2]) * dz) / true_range
        ue, un, uu = e / true_range, n / true_range, u / true_range
    else:
        rdot = 0.0
        ue, un, uu = 0.0, 0.0, 1.0
    out[_AZ] = az
    out[_EL] = el
    out[_SLANT] = true_range
    out[_GROUND] = d
    out[_H2] = h2
    out[_H1] = h1
    out[_NOSE] = nose
    out[_RDOT] = rdot
    out[_LOS] = los
    out[_UE] = ue
    out[_UN] = un
    out[_UU] = uu


@njit(cache=True, parallel=True)
def _look_kernel(rpos, rvel, opos, ovel, k_a, out):
    one = rpos.shape[0] == 1
    n = opos.shape[0]
    chunk = 512
    for c in prange((n + chunk - 1) // chunk):
        rows = np.empty((3, 3))
        cache = np.full(7, np.nan)
        for j in range(c * chunk, min(n, (c + 1) * chunk)):
            r = 0 if one else j
            _look_one(rpos[r], rvel[r], opos[j], ovel[j], k_a, rows, cache, out[j])


@dataclass(frozen=True)
class LookGeometry:
    """Geometry of L looks from a radar to objects (all arrays (L,)).

    Attributes
    ----------
    azimuth_rad
        Azimuth of the object, clockwise from true north, in [0, 2π) [rad].
    elevation_rad
        Apparent elevation on the effective earth [rad].
    range_m
        Straight-line (true) range [m]: what the radar's delay measures (the ray's bending
        adds centimetres). The effective-earth slant differs from it by up to 0.05 %
        (260 m at 600 km and 30 km height) and is not used.
    ground_range_m
        Distance along the earth between the radar and the object's foot [m].
    height_m
        Object's height above the ellipsoid (≈ MSL) [m].
    antenna_height_m
        Radar phase centre's height above the ellipsoid [m].
    off_nose_rad
        Angle between the object's velocity and the direction from the object to the radar
        [rad]: 0 nose-on, π tail-on; π/2 for an object without velocity.
    range_rate_mps
        Rate of change of the true range [m/s] (negative: closing).
    smooth_los
        Line of sight over a smooth effective earth (bool).
    unit_enu
        Unit line-of-sight vector in the radar's true ENU frame (L, 3) [-].
    """

    azimuth_rad: np.ndarray
    elevation_rad: np.ndarray
    range_m: np.ndarray
    ground_range_m: np.ndarray
    height_m: np.ndarray
    antenna_height_m: np.ndarray
    off_nose_rad: np.ndarray
    range_rate_mps: np.ndarray
    smooth_los: np.ndarray
    unit_enu: np.ndarray


def look_geometry(radar_pos, radar_vel, obj_pos, obj_vel, k: float = K_STANDARD) -> LookGeometry:
    """Geometry of looks from radar positions to object positions (ECEF).

    Parameters
    ----------
    radar_pos, radar_vel
        Radar phase centre and its velocity, (3,) or (L, 3) [m], [m/s].
    obj_pos, obj_vel
        Objects, (L, 3) [m], [m/s].
    k
        Effective earth radius factor [-].
    """
    op = np.ascontiguousarray(np.asarray(obj_pos, float).reshape(-1, 3))
    ov = np.ascontiguousarray(np.asarray(obj_vel, float).reshape(-1, 3))
    rp = np.ascontiguousarray(np.asarray(radar_pos, float).reshape(-1, 3))
    rv = np.ascontiguousarray(np.asarray(radar_vel, float).reshape(-1, 3))
    if rp.shape[0] not in (1, op.shape[0]) or rv.shape != rp.shape or ov.shape != op.shape:
        raise ValueError("radar and object arrays must be (3,)/(L, 3) and (L, 3)")
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    out = np.empty((op.shape[0], _NCOL))
    if op.shape[0]:
        _look_kernel(rp, rv, op, ov, k * WGS84_A, out)
    return _geometry_of(out)


def _geometry_of(out) -> LookGeometry:
    """The :class:`LookGeometry` of the rows (L, ``_NCOL``) :func:`_look_one` wrote."""
    return LookGeometry(
        azimuth_rad=out[:, _AZ], elevation_rad=out[:, _EL], range_m=out[:, _SLANT],
        ground_range_m=out[:, _GROUND], height_m=out[:, _H2], antenna_height_m=out[:, _H1],
        off_nose_rad=out[:, _NOSE], range_rate_mps=out[:, _RDOT],
        smooth_los=out[:, _LOS] > 0.5, unit_enu=out[:, _UE:_UU + 1])


#: height given to cells without terrain data in :meth:`TerrainMask.from_terrain` [m]: far
#: below the line of sight anywhere on a mask grid (the curvature drop at 1,000 km on a 4/3
#: earth is ~59 km)
NO_DATA_FLOOR_M = -1.0e6


@dataclass(frozen=True)
class TerrainMask:
    """A radar's minimum visible height raster on its site-centred grid.

    Attributes
    ----------
    grid
        The grid, centred on the radar.
    mvh_msl_m
        Lowest height above sea level at which an object in each cell is in line of sight,
        (n, n) [m]; NaN (beyond the computed range) is never visible, nor is anything outside
        the grid.
    """

    grid: SiteGrid
    mvh_msl_m: np.ndarray

    def __post_init__(self):
        m = np.asarray(self.mvh_msl_m, float)
        if m.shape != (self.grid.n, self.grid.n):
            raise ValueError(f"mvh shape {m.shape} does not match the grid "
                             f"({self.grid.n}, {self.grid.n})")
        object.__setattr__(self, "mvh_msl_m", m)

    @classmethod
    def from_terrain(cls, grid: SiteGrid, terrain_m, antenna_agl_m: float,
                     k: float = K_STANDARD, max_range_m: float | None = None) -> TerrainMask:
        """Compute the raster with :func:`iads.viewshed.minimum_visible_height` (GDAL sweep).

        NaN terrain (no data, e.g. beyond the DEM: :func:`iads.terrain.dem_on_grid` with
        ``outside="nan"``) masks nothing: those cells are lowered to :data:`NO_DATA_FLOOR_M`,
        below any line of sight on the grid, so an object above them is hidden only by the known
        terrain and the earth's curvature between it and the radar, and the line of sight
        passes them on to the cells behind unchanged. (The choice: no data is not a wall.)
        """
        from ..viewshed import minimum_visible_height

        z = np.asarray(terrain_m, float)
        missing = np.isnan(z)
        if missing.any():
            if missing[grid.half_cells, grid.half_cells]:
                raise ValueError("the radar's own cell has no terrain data")
            z = np.where(missing, NO_DATA_FLOOR_M, z)
        mvh = minimum_visible_height(z, grid, antenna_agl_m, k=k, max_range_m=max_range_m)
        return cls(grid, mvh + z)

    def visible(self, ground_range_m, azimuth_rad, height_m) -> np.ndarray:
        """Line of sight to objects at ground range [m], azimuth [rad], height MSL [m]."""
        d = np.asarray(ground_range_m, float)
        az = np.asarray(azimuth_rad, float)
        g = self.grid
        col = np.rint(d * np.sin(az) / g.cell_m).astype(np.int64) + g.half_cells
        row = g.half_cells - np.rint(d * np.cos(az) / g.cell_m).astype(np.int64)
        inside = (row >= 0) & (row < g.n) & (col >= 0) & (col < g.n)
        mvh = np.full(d.shape, np.nan)
        mvh[inside] = self.mvh_msl_m[row[inside], col[inside]]
        with np.errstate(invalid="ignore"):
            return np.asarray(height_m, float) >= mvh


def measurement_to_ecef(radar_pos, range_m, azimuth_rad, elevation_rad,
                        k: float = K_STANDARD, iterations: int = 4) -> np.ndarray:
    """ECEF position [m] of plots (range, azimuth, apparent elevation) from a radar.

    The inverse of :func:`look_geometry`: for a trial effective-earth slant ``s`` the
    effective triangle (radar at ``h1``, apparent elevation) gives the object's height and
    ground range, the geodesic from the radar along the azimuth its foot; ``s`` is corrected
    until the straight-line distance to that point equals the measured range (the map is
    within 0.05 % of the identity, so a few fixed-point steps reach the millimetre).

    Parameters
    ----------
    radar_pos
        Radar phase centre, ECEF (3,) or (D, 3) [m].
    range_m, azimuth_rad, elevation_rad
        Plots (D,): range [m], azimuth [rad], apparent elevation [rad].
    k
        Effective earth radius factor [-].
    iterations
        Fixed-point steps on the slant.
    """
    r = np.asarray(range_m, float).reshape(-1)
    az = np.asarray(azimuth_rad, float).reshape(-1)
    el = np.asarray(elevation_rad, float).reshape(-1)
    rp = np.asarray(radar_pos, float).reshape(-1, 3)
    lat1, lon1, h1 = geodetic_of(rp)
    re = k * WGS84_A
    r1 = re + h1

    def point(slant):
        x = slant * np.cos(el)
        z = r1 + slant * np.sin(el)
        h2 = np.hypot(x, z) - re
        d = re * np.arctan2(x, z)
        lat2, lon2 = geodesic_forward(lat1, lon1, az, d)
        return _ecef(lat2, lon2, h2)

    s = r.copy()
    for _ in range(int(iterations)):
        p = point(s)
        s = s + (r - np.linalg.norm(p - rp, axis=1))
    return point(s)
