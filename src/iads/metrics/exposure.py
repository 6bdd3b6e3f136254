"""Exposure of an aircraft to a radar: the "signature collection" view of claim C2.

For one object and one radar, from the radar's looks and plots:

* **detections**: plots of the object;
* **time under detection** (:func:`time_under_detection`): the union over the plots of one
  revisit interval from each plot, ``∪ [τ, τ + T_revisit)`` clipped at the end — the time
  during which the radar's most recent look saw it;
* **aspect angles observed** (:func:`aspect_histogram`): histogram of the off-nose angle of the
  looks that produced a plot (0° nose-on, 180° tail-on), 10° bins by default;
* **closest approach** (:func:`closest_approach`): smallest straight-line range between the
  radar and the object along their exact paths, sampled every ``step_s`` then refined by a
  golden-section search around the best sample.

Time under track (the picture side) comes from the simulation's per-sample records.
"""

from __future__ import annotations

import math

import numpy as np

from ..kinematics import Paths, positions

__all__ = ["time_under_detection", "aspect_histogram", "closest_approach"]


def time_under_detection(times_s, revisit_s: float, t_end_s: float) -> float:
    """Measure of ``∪ [τ, min(τ + revisit, t_end))`` over plot times ``τ`` [s]."""
    t = np.sort(np.asarray(times_s, float).reshape(-1))
    if t.size == 0:
        return 0.0
    ends = np.minimum(t + revisit_s, t_end_s)
    nxt = np.append(t[1:], np.inf)
    return float(np.sum(np.maximum(np.minimum(ends, nxt) - t, 0.0)))


def aspect_histogram(off_nose_rad, bin_deg: float = 10.0) -> np.ndarray:
    """Counts of off-nose angles in bins of ``bin_deg`` over [0°, 180°] (last bin closed)."""
    a = np.degrees(np.asarray(off_nose_rad, float).reshape(-1))
    nb = int(round(180.0 / bin_deg))
    edges = np.linspace(0.0, 180.0, nb + 1)
    return np.histogram(np.clip(a, 0.0, 180.0), bins=edges)[0].astype(np.int64)


def closest_approach(paths: Paths, obj: int, platform: Paths, t0_s: float, t1_s: float,
                     step_s: float = 5.0):
    """Smallest range between object ``obj`` of ``paths`` and a radar platform over [t0, t1].

    Returns ``(range_m, time_s)``. Sampled every ``step_s`` [s], then a golden-section search
    on the bracket around the smallest sample (exact for the piecewise-linear paths when the
    minimum lies inside one segment of each).
    """
    n = max(2, int(math.ceil((t1_s - t0_s) / step_s)) + 1)
    t = np.linspace(t0_s, t1_s, n)

    def dist(tt):
        tt = np.atleast_1d(np.asarray(tt, float))
        po, _ = positions(paths, tt, np.full(tt.shape, obj, np.int64))
        pr, _ = positions(platform, tt, np.zeros(tt.shape, np.int64))
        return np.linalg.norm(po - pr, axis=1)

    d = dist(t)
    i = int(np.argmin(d))
    a, b = t[max(i - 1, 0)], t[min(i + 1, n - 1)]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(60):
        c1, c2 = b - g * (b - a), a + g * (b - a)
        if dist(c1)[0] < dist(c2)[0]:
            b = c2
        else:
            a = c1
        if b - a < 1e-3:
            break
    tm = 0.5 * (a + b)
    dm = float(dist(tm)[0])
    if d[i] < dm:
        return float(d[i]), float(t[i])
    return dm, float(tm)
