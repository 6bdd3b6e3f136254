"""Measurement fusion: several radars feeding one tracking node.

The node works in one local ENU frame [m]. Each radar's plots (azimuth, elevation, range about the
radar) become Cartesian detections in that frame by the unbiased converted-measurement transform
(:func:`radar_detections`), and the scans of all radars are processed one after the other in time
order by the same tracker (:func:`fuse_scans`): *sequential-update* measurement fusion. For linear
Gaussian models, updating with two sensors one after the other at the same time is exactly the
joint update with both measurements stacked (tested), so nothing is lost by going sensor by sensor,
and sensors with different revisit times need no special handling.

Estimates of one target from several sources taken as independent are combined by their
information-weighted mean (:func:`information_fusion`).

Analysis only; not for fire control.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numba import njit

from .filters import convert_radar_measurements
from .tracker import Detections, Tracker, Tracks

__all__ = ["radar_detections", "fuse_scans", "information_fusion"]


def radar_detections(az_rad, el_rad, r_m, sigma_az_rad, sigma_el_rad, sigma_r_m,
                     sensor_enu_m) -> Detections:
    """One radar scan as Cartesian detections in the node's ENU frame.

    Parameters
    ----------
    az_rad, el_rad, r_m
        Plots about the radar (D,): azimuth clockwise from north [rad], elevation [rad], slant
        range [m].
    sigma_az_rad, sigma_el_rad, sigma_r_m
        The radar's measurement noise standard deviations [rad], [rad], [m].
    sensor_enu_m
        The radar's position in the node's ENU frame (3,) [m]. (Over the few hundred km of one
        air picture the radar's own ENU axes are taken as parallel to the node's.)

    Returns
    -------
    Detections
        Positions (D, 3) [m] and per-plot covariances (D, 3, 3) [m²].
    """
    z, R = convert_radar_measurements(az_rad, el_rad, r_m, sigma_az_rad, sigma_el_rad, sigma_r_m)
    return Detections(np.asarray(z).reshape(-1, 3) + np.asarray(sensor_enu_m, float),
                      np.asarray(R).reshape(-1, 3, 3))


def fuse_scans(tracker: Tracker, tracks: Tracks, scans: Iterable[tuple[float, Detections]],
               t0_s: float):
    """Run the tracker over the scans of several sensors, merged in time order.

    Parameters
    ----------
    tracker
        The node's tracker.
    tracks
        Tracks valid at ``t0_s``.
    scans
        ``(time [s], Detections)`` pairs from any sensors, in any order; they are sorted by time
        (stable, so scans with equal times keep their given order).
    t0_s
        Time of ``tracks`` [s].

    Returns
    -------
    tracks, associations, time
        Tracks after the last scan, the list of per-scan
        :class:`~iads.tracking.association.Association` (in processing order) and the time of the
        last scan [s].
    """
    ordered = sorted(scans, key=lambda s: s[0])
    t = float(t0_s)
    out = []
    for ts, det in ordered:
        if ts < t:
            raise ValueError(f"scan at t = {ts} s is before the tracks' time {t} s")
        tracks, assoc = tracker.step(tracks, det, ts - t)
        out.append(assoc)
        t = float(ts)
    return tracks, out, t


def information_fusion(x, P, starts, rows=None):
    """Information-weighted means of groups of estimates taken as independent.

    Group ``g`` is rows ``starts[g]`` to ``starts[g + 1]`` (the last to the end) of ``x``,
    ``P`` (of ``x[rows]``, ``P[rows]`` if ``rows`` is given, without copying them):
    ``P_f = (Σ Pᵢ⁻¹)⁻¹``, ``x_f = P_f Σ Pᵢ⁻¹ xᵢ`` (``P_f`` symmetrised), the inverses
    by Cholesky factors (Gauss–Jordan elimination with partial pivoting for a matrix that is
    not positive definite; compiled, one pass).

    Parameters
    ----------
    x, P
        Means (K, n) and covariances (K, n, n) [SI units], grouped.
    starts
        First row of each group (G,), increasing, ``starts[0] == 0``.
    rows
        Optional: the rows of ``x`` and ``P`` to fuse, in group order (R,) int.

    Returns
    -------
    x_f, P_f
        Fused means (G, n) and covariances (G, n, n).
    """
    x = np.ascontiguousarray(x, dtype=float)
    P = np.ascontiguousarray(P, dtype=float)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    rows = (np.arange(x.shape[0]) if rows is None
            else np.ascontiguousarray(rows, dtype=np.int64).reshape(-1))
    G, n = starts.size, x.shape[1]
    xf = np.empty((G, n))
    Pf = np.empty((G, n, n))
    if G:
        _information_fusion(x, P, rows, np.append(starts, rows.size), xf, Pf)
    return xf, Pf


@njit(cache=True)
def _inverse(A, out, work):
    """``out = A⁻¹`` by Gauss–Jordan elimination with partial pivoting (``work``: n × n)."""
    n = A.shape[0]
    for i in range(n):
        for j in range(n):
            work[i, j] = A[i, j]
            out[i, j] = 1.0 if i == j else 0.0
    for c in range(n):
        p = c
        for r in range(c + 1, n):
            if abs(work[r, c]) > abs(work[p, c]):
                p = r
        if p != c:
            for j in range(n):
                work[c, j], work[p, j] = work[p, j], work[c, j]
                out[c, j], out[p, j] = out[p, j], out[c, j]
        d = 1.0 / work[c, c]
        for j in range(n):
            work[c, j] *= d
            out[c, j] *= d
        for r in range(n):
            if r != c:
                f = work[r, c]
                if f != 0.0:
                    for j in range(n):
                        work[r, j] -= f * work[c, j]
                        out[r, j] -= f * out[c, j]


@njit(cache=True, inline="always")
def _inverse_spd(A, out, work, n):
    """``out = A⁻¹`` for a symmetric positive definite ``A`` (n × n) by its Cholesky factor
    ``A = L Lᵀ`` (``work``: n × n, L then L⁻¹, lower); Gauss–Jordan (:func:`_inverse`) if a
    pivot is not positive."""
    for j in range(n):
        d = A[j, j]
        for k in range(j):
            d -= work[j, k] * work[j, k]
        if not d > 0.0:
            _inverse(A, out, work)
            return
        d = math.sqrt(d)
        work[j, j] = d
        for i in range(j + 1, n):
            v = A[i, j]
            for k in range(j):
                v -= work[i, k] * work[j, k]
            work[i, j] = v / d
    # L⁻¹ in place (lower triangle)
    for j in range(n):
        work[j, j] = 1.0 / work[j, j]
        for i in range(j + 1, n):
            v = 0.0
            for k in range(j, i):
                v -= work[i, k] * work[k, j]
            work[i, j] = v / work[i, i]
    # A⁻¹ = L⁻ᵀ L⁻¹
    for i in range(n):
        for j in range(i + 1):
            v = 0.0
            for k in range(i, n):
                v += work[k, i] * work[k, j]
            out[i, j] = v
            out[j, i] = v


@njit(cache=True)
def _information_fusion(x, P, rows, bounds, xf, Pf):
    if x.shape[1] == 6:  # the states of tracks: sizes known to the compiler (loops unrolled)
        _fuse_groups(x, P, rows, bounds, xf, Pf, 6)
    else:
        _fuse_groups(x, P, rows, bounds, xf, Pf, x.shape[1])


@njit(cache=True, inline="always")
def _fuse_groups(x, P, rows, bounds, xf, Pf, n):
    """:func:`information_fusion` of states of size ``n`` (inlined: a constant ``n`` makes
    every matrix loop one of fixed length)."""
    info = np.empty((n, n))
    I = np.empty((n, n))
    F = np.empty((n, n))
    work = np.empty((n, n))
    v = np.empty(n)
    for g in range(bounds.size - 1):
        I[:] = 0.0
        v[:] = 0.0
        for q in range(bounds[g], bounds[g + 1]):
            k = rows[q]
            _inverse_spd(P[k], info, work, n)
            for i in range(n):
                s = 0.0
                for j in range(n):
                    I[i, j] += info[i, j]
                    s += info[i, j] * x[k, j]
                v[i] += s
        _inverse_spd(I, F, work, n)
        for i in range(n):
            s = 0.0
            for j in range(n):
                s += F[i, j] * v[j]
                Pf[g, i, j] = 0.5 * (F[i, j] + F[j, i])
            xf[g, i] = s
