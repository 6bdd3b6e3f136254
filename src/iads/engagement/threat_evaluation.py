"""Threat evaluation: which defended points a track threatens, how soon, and what it is worth.

Pure functions over arrays of track states (ECEF [m], [m/s]): the straight-line (constant
velocity) extrapolation of each track is compared with each defended point.

* **Time to a point** (:func:`time_to_points`): the time of closest approach of the
  extrapolated track to the point, t* = (d·v)/|v|², d = point − track position, and the miss
  distance there |d − v t*|. The point is *threatened* when t* > 0 and the miss is at most the
  point's radius; its time to go is then t*, else +inf.
* **Value** (:func:`threat_values`): ``base_value`` plus the values of the points it threatens
  (assumption: additive), the WTA value of a target.

A ballistic track extrapolated in a straight line overshoots its curved descent: its time to
go is a lower bound early in flight, close to the truth in the terminal phase (stated
limitation of a constant-velocity evaluator).
"""

from __future__ import annotations

import numpy as np

__all__ = ["time_to_points", "threat_values"]


def time_to_points(pos, vel, points, radius_m):
    """Time to go from each track to each point and the miss distance there.

    Parameters
    ----------
    pos, vel
        Track positions (T, 3) [m] and velocities (T, 3) [m/s], ECEF.
    points
        Defended points (A, 3) [m], ECEF.
    radius_m
        Radius of each point (A,) or one [m]: closer passes threaten it.

    Returns
    -------
    tgo, miss
        (T, A) [s] (+inf: not threatened) and (T, A) [m] (closest approach, at t* ≥ 0).
    """
    p = np.asarray(pos, float).reshape(-1, 3)
    v = np.asarray(vel, float).reshape(-1, 3)
    a = np.asarray(points, float).reshape(-1, 3)
    d = a[None, :, :] - p[:, None, :]  # (T, A, 3)
    vv = np.einsum("ij,ij->i", v, v)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        ts = np.where(vv > 0, np.einsum("taj,tj->ta", d, v) / vv, 0.0)
    ts = np.maximum(ts, 0.0)
    miss = np.linalg.norm(d - v[:, None, :] * ts[:, :, None], axis=2)
    r = np.broadcast_to(np.asarray(radius_m, float), (a.shape[0],))[None, :]
    tgo = np.where((ts > 0) & (miss <= r), ts, np.inf)
    return tgo, miss


def threat_values(tgo, point_value, base_value: float = 1.0):
    """WTA value of each track: ``base_value`` + Σ values of the points it threatens (T,)."""
    tgo = np.asarray(tgo, float)
    w = np.asarray(point_value, float).reshape(1, -1)
    return base_value + np.sum(np.where(np.isfinite(tgo), w, 0.0), axis=1)
