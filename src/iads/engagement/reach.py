"""Kinematic reach of an interceptor: its time of flight to points of the envelope, from the
flyout model itself (so that launch feasibility and the flyout agree).

:func:`reach_table` flies one missile of the type (:func:`iads.flyout.flyout`, the same
point-mass model, boost-coast speed profile and drag) to each stationary point of a grid of
ground ranges and heights, launched as the engagement launches (towards the point raised by the
type's loft, at least at the lowest launch elevation); the time
of the closest approach is its time of flight, +inf where it does not come within the fuze
radius (energy out, time out, ground). :meth:`ReachTable.time_of_flight` interpolates it
(bilinear; +inf next to an unreachable node). The grid is fixed; tables are cached per
parameter set (same inputs, same table).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..flyout import InterceptorParams, flyout, launch_direction
from ..geodesy import geodetic_to_ecef
from ..kinematics import geodetic_of

__all__ = ["ReachTable", "reach_table"]


@dataclass(frozen=True)
class ReachTable:
    """Time of flight [s] on a grid of ground range [m] × height [m] (+inf: out of reach)."""

    range_m: np.ndarray
    height_m: np.ndarray
    tof_s: np.ndarray

    def time_of_flight(self, ground_m, height_m) -> np.ndarray:
        """Bilinear time of flight [s] at ground ranges and heights (broadcast); +inf outside
        the grid or next to an unreachable node."""
        g, h = np.broadcast_arrays(np.asarray(ground_m, float), np.asarray(height_m, float))
        out = np.empty(g.shape)
        _bilinear(self.range_m, self.height_m, self.tof_s, np.ascontiguousarray(g).ravel(),
                  np.ascontiguousarray(h).ravel(), out.reshape(-1))
        return out


@njit(cache=True)
def _bilinear(R, H, T, g, h, out):
    """out[k]: the bilinear interpolation of T on the grid R × H at (g[k], h[k]) (the cell of
    the last node at or below each coordinate, edge cells extrapolating), +inf outside the
    grid or where a corner is +inf."""
    nr, nh = R.size, H.size
    for k in range(g.size):
        gk, hk = g[k], h[k]
        if not (gk >= R[0] and gk <= R[nr - 1] and hk >= H[0] and hk <= H[nh - 1]):
            out[k] = np.inf
            continue
        i = min(max(np.searchsorted(R, gk, side="right") - 1, 0), nr - 2)
        j = min(max(np.searchsorted(H, hk, side="right") - 1, 0), nh - 2)
        fr = (gk - R[i]) / (R[i + 1] - R[i])
        fh = (hk - H[j]) / (H[j + 1] - H[j])
        v = ((1 - fr) * (1 - fh) * T[i, j] + fr * (1 - fh) * T[i + 1, j]
             + (1 - fr) * fh * T[i, j + 1] + fr * fh * T[i + 1, j + 1])
        out[k] = v if math.isfinite(v) else np.inf


def _ecef(lat, lon, h):
    return np.stack([np.asarray(c, float) for c in geodetic_to_ecef(lat, lon, h)], axis=-1)


@functools.lru_cache(maxsize=32)
def _table(params: InterceptorParams, range_max_m: float, altitude_max_m: float,
           min_elevation_deg: float, dt: float) -> ReachTable:
    ranges = np.unique(np.concatenate([[1_000.0, 2_500.0, 5_000.0],
                                       np.linspace(0.0, range_max_m, 26)[1:]]))
    heights = np.concatenate([[10.0, 100.0, 500.0, 1_000.0, 2_500.0],
                              np.linspace(5_000.0, max(altitude_max_m, 6_000.0), 7)])
    gg, hh = np.meshgrid(ranges, heights, indexing="ij")
    lat0, lon0 = 40.0, 32.0
    launch = _ecef(lat0, lon0, 0.0)
    # points due north at the ground distance (spherical approximation of the arc)
    lat = lat0 + np.degrees(gg.ravel() / 6_371_000.0)
    pts = _ecef(lat, np.full(lat.shape, lon0), hh.ravel())
    m = pts.shape[0]
    lp = np.broadcast_to(launch, (m, 3)).copy()
    dirs = launch_direction(params, lp, pts, np.zeros((m, 3)), params.speed_max_mps,
                            min_elevation_deg=min_elevation_deg)

    def truth(t, j):
        j = np.asarray(j, np.int64)
        return pts[j], np.zeros((j.size, 3)), np.ones(j.size, bool)

    res = flyout(lp, dirs, 0.0, params, truth, rng=np.random.default_rng(0), dt=dt,
                 refine=5)
    ok = (res.reason == 0) & (res.miss_m <= params.fuze_radius_m)
    tof = np.where(ok, res.t_cpa, np.inf).reshape(gg.shape)
    return ReachTable(range_m=ranges, height_m=heights, tof_s=tof)


def reach_table(params: InterceptorParams, range_max_m: float, altitude_max_m: float,
                min_elevation_deg: float = 10.0, dt: float = 0.1) -> ReachTable:
    """The :class:`ReachTable` of an interceptor (grid: 28 ground ranges from 1 km to
    ``range_max_m`` [m], 12 heights from 10 m to ``altitude_max_m`` [m]), flown with step
    ``dt`` [s]."""
    return _table(params, float(range_max_m), float(altitude_max_m), float(min_elevation_deg),
                  float(dt))


def ground_and_height(launcher_pos, points):
    """Ground distance (spherical, [m]) from a launcher and height [m] of ECEF points."""
    p = np.asarray(points, float).reshape(-1, 3)
    lp = np.asarray(launcher_pos, float)
    c = (p @ lp) / (np.linalg.norm(p, axis=1) * np.linalg.norm(lp))
    ground = 6_371_000.0 * np.arccos(np.clip(c, -1.0, 1.0))
    return ground, geodetic_of(p)[2]

