"""Scan schedules: when a radar's beam looks at each object.

Rotating radar (:class:`RotatingScan`)
    The beam turns clockwise at ω = 2π/T from azimuth ``phase_rad`` at ``t0_s`` (the phase is
    drawn from the radar's generator by :func:`scan_from_catalog`). An object is looked at when
    the beam crosses it: ``az_beam(t) = az_object(t)`` (mod 2π), solved with the exact
    kinematics (:func:`beam_crossings`), so each look is time-stamped at its own crossing.
Phased array, search (:class:`SectorScan`)
    One search frame every ``frame_s`` over the sector [left, left + width]. The dwells of a
    frame are spread evenly across it in **raster order**: beam positions column by column from
    the left (anticlockwise) edge of the sector to the right, and within a column from the
    lowest elevation bar to the highest. The beam positions are not catalogued, so the columns
    are taken as infinitely narrow: the look at an object is when the sweep ``left + width
    (t - t_frame)/frame_s`` crosses its azimuth (the elevation bars of a column share its time),
    the same crossing equation as a rotating beam with ω = width/frame_s and a flyback at the
    end of each frame.
Phased array, track (:func:`track_dwells`)
    Objects under track (an input set, ordered) are revisited every ``track_revisit_s``; the
    n dwells of one revisit interval are spaced evenly across it, the j-th at offset
    ``j/n · track_revisit_s``. The beam is taken to be pointed at the object (no pointing
    error). Search and track share the timeline without a time budget.

Crossing solver
---------------
For one window the beam starts at azimuth b at time tₐ and sweeps at rate ρ. With the object's
azimuth A(t) unwrapped continuously from A(tₐ) ∈ [b, b + 2π), the crossings are the roots of
``g(t) = (ρ (t - tₐ) - (A(t) - b)) / 2π = m`` for the integers m in [g(tₐ), g(t_b)). Each
window (a revolution or a frame at most) is sampled at least ``n_min`` times (2 by default), and
more densely near the radar: between two samples an object moves at most half its horizontal
distance from the radar (using a bound on its speed), so its azimuth turns by less than π/3 and
unwrapping between samples is safe. Each integer crossed between two samples is solved by
Newton's method on g, ``g' = (ρ - A')/2π`` with ``A' = (v_E n - v_N e)/(e² + n²)`` from the
exact velocities, safeguarded by bisection on the bracket. An object moving at angular rate A'
is a fixed point of ``t ← tₐ + (A(t) - b)/ρ`` with contraction factor |A'|/ρ (0.05 for a
fighter tangential at 10 km from a 10 s radar); Newton converges quadratically from the
interpolated start, in 2-4 iterations to 1e-10 s (the iteration counts are returned). A window
split in two gives the same crossings as the whole (half-open windows). An object whose azimuth
turns faster than the beam (|A'| > ρ: a fast object passing next to the radar) may cross the
beam several times between two samples; only the net crossings are found then.
Objects are processed in parallel (numba ``prange``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ..kinematics import Paths, _enu_rows, _eval_one, _geodetic

__all__ = [
    "RotatingScan",
    "SectorScan",
    "Crossings",
    "beam_azimuth",
    "beam_crossings",
    "track_dwells",
    "scan_pieces",
]

_TWO_PI = 2.0 * math.pi


@dataclass(frozen=True)
class RotatingScan:
    """A mechanically rotating antenna, turning clockwise.

    Attributes
    ----------
    period_s
        Time of one revolution [s].
    phase_rad
        Beam azimuth at ``t0_s``, clockwise from north [rad].
    t0_s
        Reference time [s].
    """

    period_s: float
    phase_rad: float = 0.0
    t0_s: float = 0.0

    def __post_init__(self):
        if not self.period_s > 0:
            raise ValueError(f"period_s must be > 0, got {self.period_s}")


@dataclass(frozen=True)
class SectorScan:
    """A phased array's search frames over an azimuth sector.

    Attributes
    ----------
    frame_s
        Search revisit time (one frame) [s].
    left_rad
        Anticlockwise edge of the sector (boresight - width/2) [rad].
    width_rad
        Sector width, (0, 2π] [rad].
    t0_s
        Start of frame 0 [s].
    """

    frame_s: float
    left_rad: float
    width_rad: float
    t0_s: float = 0.0

    def __post_init__(self):
        if not self.frame_s > 0:
            raise ValueError(f"frame_s must be > 0, got {self.frame_s}")
        if not 0 < self.width_rad <= _TWO_PI + 1e-12:
            raise ValueError(f"width_rad must be in (0, 2π], got {self.width_rad}")


def beam_azimuth(scan, t) -> np.ndarray:
    """Beam azimuth at time(s) ``t`` [s], in [0, 2π) [rad]."""
    t = np.asarray(t, float)
    if isinstance(scan, RotatingScan):
        az = scan.phase_rad + _TWO_PI * (t - scan.t0_s) / scan.period_s
    else:
        x = (t - scan.t0_s) / scan.frame_s
        az = scan.left_rad + scan.width_rad * (x - np.floor(x))
    return np.mod(az, _TWO_PI)


def scan_pieces(scan, t_start: float, t_end: float):
    """Split [t_start, t_end) into pieces of continuous beam motion.

    Returns ``(start_s, duration_s, beam_start_rad, rate_rad_s)``: arrays (Q,), (Q,), (Q,) and
    a float. Rotating scans break at every revolution from ``t0_s``, sector scans at every
    frame.
    """
    if not t_end >= t_start:
        raise ValueError(f"need t_end >= t_start, got [{t_start}, {t_end})")
    if isinstance(scan, RotatingScan):
        period, t0 = scan.period_s, scan.t0_s
        rate = _TWO_PI / period
    elif isinstance(scan, SectorScan):
        period, t0 = scan.frame_s, scan.t0_s
        rate = scan.width_rad / period
    else:
        raise TypeError(f"unknown scan {type(scan).__name__}")
    k0 = math.floor((t_start - t0) / period) + 1
    k1 = math.ceil((t_end - t0) / period) - 1
    # a cut within rounding of an end would leave a sliver (1e-14 s) that the crossing solver
    # cannot step through: it belongs to the neighbouring piece
    eps = 1e-9 * max(1.0, abs(t_start), abs(t_end))
    edges = [t_start]
    for k in range(k0, k1 + 1):
        c = t0 + period * float(k)
        if t_start + eps < c < t_end - eps:
            edges.append(c)
    edges.append(t_end)
    # scalar arithmetic, the same operations as beam_azimuth's (a few pieces per window)
    start, dur, beam = [], [], []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b - a > 0:
            start.append(a)
            dur.append(b - a)
            if isinstance(scan, RotatingScan):
                az = scan.phase_rad + _TWO_PI * (a - scan.t0_s) / scan.period_s
            else:
                x = (a - scan.t0_s) / scan.frame_s
                az = scan.left_rad + scan.width_rad * (x - math.floor(x))
            beam.append(az % _TWO_PI)
    return np.array(start, float), np.array(dur, float), np.array(beam, float), rate


@dataclass(frozen=True)
class Crossings:
    """Beam crossings (looks) sorted by time.

    Attributes
    ----------
    time_s
        Crossing times (C,) [s].
    object
        Object rows in the paths (C,) int.
    iterations
        Newton/bisection iterations each root took (C,) int (0: a sample hit the root).
    """

    time_s: np.ndarray
    object: np.ndarray
    iterations: np.ndarray

    def __len__(self) -> int:
        return self.time_s.shape[0]


@njit(cache=True, inline="always")
def _azimuth(PO, i, PR, t, bo, br, rows):
    """Azimuth of object i from the radar [rad], its rate [rad/s] and the horizontal distance
    [m] at time t (``rows[4, 0]`` 1: the radar is a fixed point, already in ``br``)."""
    if rows[4, 0] != 1.0:
        _eval_one(PR, 0, t, br)
    _eval_one(PO, i, t, bo)
    if br[0] != rows[3, 0] or br[1] != rows[3, 1] or br[2] != rows[3, 2]:
        # the radar moved since the last call (or first call): new local frame
        lat, lon, _ = _geodetic(br[0], br[1], br[2])
        _enu_rows(lat, lon, rows)
        rows[3, 0] = br[0]
        rows[3, 1] = br[1]
        rows[3, 2] = br[2]
    dx = bo[0] - br[0]
    dy = bo[1] - br[1]
    dz = bo[2] - br[2]
    vx = bo[3] - br[3]
    vy = bo[4] - br[4]
    vz = bo[5] - br[5]
    e = rows[0, 0] * dx + rows[0, 1] * dy + rows[0, 2] * dz
    n = rows[1, 0] * dx + rows[1, 1] * dy + rows[1, 2] * dz
    ve = rows[0, 0] * vx + rows[0, 1] * vy + rows[0, 2] * vz
    vn = rows[1, 0] * vx + rows[1, 1] * vy + rows[1, 2] * vz
    h2 = e * e + n * n
    rate = (ve * n - vn * e) / h2 if h2 > 0.0 else 0.0
    return math.atan2(e, n), rate, math.sqrt(h2)


@njit(cache=True)
def _wrap_pi(x):
    return x - _TWO_PI * math.floor((x + math.pi) / _TWO_PI)


@njit(cache=True, inline="always")
def _solve(PO, i, PR, ta, rate, m, tl, tr, fl, fr, az_ref, q_ref, tol, bo, br, rows):
    """Root of f(t) = g(t) - m in [tl, tr] with f(tl) = fl, f(tr) = fr of opposite signs."""
    if fl == 0.0:
        return tl, 0
    lo, hi, flo = tl, tr, fl
    t = tl + (tr - tl) * fl / (fl - fr)
    for it in range(1, 200):
        az, ar, _ = _azimuth(PO, i, PR, t, bo, br, rows)
        q = q_ref + _wrap_pi(az - az_ref)
        f = (rate * (t - ta) - q) / _TWO_PI - m
        if f == 0.0:
            return t, it
        if (f < 0.0) == (flo < 0.0):
            lo = t
            flo = f
        else:
            hi = t
        eps = tol + 4e-16 * abs(t)
        df = (rate - ar) / _TWO_PI
        if df != 0.0:
            step = f / df
            if abs(step) <= eps:
                return t - step, it
            tn = t - step
        else:
            tn = 0.5 * (lo + hi)
        if not (lo < tn < hi):
            tn = 0.5 * (lo + hi)
        if hi - lo <= eps:
            return tn, it
        t = tn
    return t, 200


@njit(cache=True, inline="always")
def _emit(PO, i, PR, ta, rate, t_prev, ts, g_prev, g_s, az_prev, q_prev, tol, bo, br, rows,
          out_t, out_it, base, c, cap):
    """Solve every integer crossing of g between two samples; returns the new count or -1."""
    if g_s >= g_prev:
        m = math.ceil(g_prev)
        while m < g_s:
            if c >= cap:
                return -1
            out_t[base + c], out_it[base + c] = _solve(
                PO, i, PR, ta, rate, float(m), t_prev, ts, g_prev - m, g_s - m, az_prev, q_prev,
                tol, bo, br, rows)
            c += 1
            m += 1
    else:
        m = math.floor(g_prev)
        while m > g_s:
            if c >= cap:
                return -1
            out_t[base + c], out_it[base + c] = _solve(
                PO, i, PR, ta, rate, float(m), t_prev, ts, g_prev - m, g_s - m, az_prev, q_prev,
                tol, bo, br, rows)
            c += 1
            m -= 1
    return c


@njit(cache=True, inline="always")
def _object_crossings(PO, i, PR, vmax, p_start, p_dur, p_beam, rate, n_min, tol, cap, out_t,
                      out_it, counts, jj, bo, br, rows):
    """The crossings of object ``i`` (row ``jj`` of the output) over all pieces of the window;
    ``bo``, ``br``, ``rows``: scratch (``rows`` keeps the radar's ENU frame across objects)."""
    base = jj * cap
    c = 0
    for q_i in range(p_start.shape[0]):
        if c < 0:
            break
        ta = p_start[q_i]
        dur = p_dur[q_i]
        tb = ta + dur
        b = p_beam[q_i]
        az_prev, _, hor = _azimuth(PO, i, PR, ta, bo, br, rows)
        q_prev = az_prev - b
        q_prev -= _TWO_PI * math.floor(q_prev / _TWO_PI)  # [0, 2π)
        t_prev = ta
        g_prev = -q_prev / _TWO_PI
        while t_prev < tb and c >= 0:
            # at most half the horizontal distance travelled between samples: the azimuth
            # turns by less than π/3, so unwrapping between samples is safe
            step = dur / n_min
            if vmax > 0.0:
                step = min(step, max(0.5 * hor / vmax, dur / 1024.0))
            ts = t_prev + step
            if ts > tb - 1e-9 * step or ts <= t_prev:  # ts <= t_prev: step below rounding
                ts = tb
            az_s, _, hor = _azimuth(PO, i, PR, ts, bo, br, rows)
            q_s = q_prev + _wrap_pi(az_s - az_prev)
            g_s = (rate * (ts - ta) - q_s) / _TWO_PI
            c = _emit(PO, i, PR, ta, rate, t_prev, ts, g_prev, g_s, az_prev, q_prev, tol,
                      bo, br, rows, out_t, out_it, base, c, cap)
            q_prev = q_s
            az_prev = az_s
            t_prev = ts
            g_prev = g_s
    counts[jj] = c


@njit(cache=True, parallel=True)
def _crossings_kernel(PO, objs, PR, vmax, p_start, p_dur, p_beam, rate, n_min, tol, cap,
                      out_t, out_it, counts):
    n = objs.shape[0]
    chunk = 64
    # a radar on one segment without velocity is the same point at every time: evaluated once
    fixed = PR[0][1] - PR[0][0] == 1 and PR[4][PR[0][0]] < 0
    for d in range(3):
        fixed = fixed and PR[3][PR[0][0], d] == 0.0
    for ch in prange((n + chunk - 1) // chunk):
        bo = np.empty(6)
        br = np.empty(6)
        # E, N, U rows, the radar position they belong to, and whether it is fixed
        rows = np.full((5, 3), np.nan)
        if fixed:
            _eval_one(PR, 0, 0.0, br)
            rows[4, 0] = 1.0
        for jj in range(ch * chunk, min(n, (ch + 1) * chunk)):
            _object_crossings(PO, objs[jj], PR, vmax[jj], p_start, p_dur, p_beam, rate, n_min,
                              tol, cap, out_t, out_it, counts, jj, bo, br, rows)


@njit(cache=True)
def _gather(out_t, out_it, counts, objs, cap, t_start, t_end):
    """The roots in [t_start, t_end) of each object's row of the kernel's output, object by
    object: times, object rows and iterations."""
    m = 0
    for jj in range(objs.shape[0]):
        for k in range(jj * cap, jj * cap + counts[jj]):
            if out_t[k] >= t_start and out_t[k] < t_end:
                m += 1
    t = np.empty(m)
    o = np.empty(m, np.int64)
    it = np.empty(m, np.int64)
    m = 0
    for jj in range(objs.shape[0]):
        for k in range(jj * cap, jj * cap + counts[jj]):
            if out_t[k] >= t_start and out_t[k] < t_end:
                t[m] = out_t[k]
                o[m] = objs[jj]
                it[m] = out_it[k]
                m += 1
    return t, o, it


def beam_crossings(paths: Paths, platform: Paths, scan, t_start: float, t_end: float,
                   objects=None, *, n_min: int = 2, tol_s: float = 1e-10) -> Crossings:
    """Times in [t_start, t_end) at which the beam crosses each object.

    Parameters
    ----------
    paths
        The objects' paths.
    platform
        The radar's path (one object: a stationary point for a ground radar).
    scan
        :class:`RotatingScan` or :class:`SectorScan` (search frames).
    t_start, t_end
        The window [s].
    objects
        Rows of ``paths`` to consider (all by default).
    n_min
        Fewest samples per revolution or frame used to bracket the crossings and unwrap the
        azimuths (more where the object is close: see the module docstring).
    tol_s
        Convergence tolerance on the crossing time [s].

    Returns
    -------
    Crossings
        Sorted by time (ties by object row).
    """
    objs = (np.arange(len(paths), dtype=np.int64) if objects is None
            else np.ascontiguousarray(np.asarray(objects, np.int64).reshape(-1)))
    if len(platform) != 1:
        raise ValueError("platform must hold exactly one path (the radar)")
    if int(n_min) < 1:
        raise ValueError("n_min must be >= 1")
    start, dur, beam, rate = scan_pieces(scan, float(t_start), float(t_end))
    n = objs.shape[0]
    vmax = np.ascontiguousarray(paths.speed_max[objs] + platform.speed_max[0]) if n else np.zeros(0)
    cap = 2 * max(start.shape[0], 1) + 2
    while True:
        out_t = np.empty(n * cap)
        out_it = np.empty(n * cap, np.int64)
        counts = np.empty(n, np.int64)
        if n:
            _crossings_kernel(paths.arrays, objs, platform.arrays, vmax, start, dur, beam, rate,
                              int(n_min), float(tol_s), cap, out_t, out_it, counts)
        if not np.any(counts < 0):
            break
        cap *= 4
    # roots at the closed end of a sub-interval belong to the next window
    t, o, it = _gather(out_t, out_it, counts, objs, cap, float(t_start), float(t_end))
    order = np.lexsort((o, t))
    return Crossings(t[order], o[order], it[order])


def track_dwells(tracked, t_start: float, t_end: float, revisit_s: float,
                 t0_s: float = 0.0):
    """Track dwells in [t_start, t_end) for the objects under track.

    Parameters
    ----------
    tracked
        Object rows under track, in dwell order, (n,) int.
    t_start, t_end
        The window [s].
    revisit_s
        Track revisit interval [s].
    t0_s
        Start of revisit interval 0 [s].

    Returns
    -------
    time_s, object
        Dwell times (sorted) [s] and object rows, each (D,).
    """
    obj = np.asarray(tracked, np.int64).reshape(-1)
    if not revisit_s > 0:
        raise ValueError(f"revisit_s must be > 0, got {revisit_s}")
    n = obj.shape[0]
    if n == 0 or t_end <= t_start:
        return np.zeros(0), np.zeros(0, np.int64)
    k0 = math.floor((t_start - t0_s) / revisit_s) - 1
    k1 = math.ceil((t_end - t0_s) / revisit_s) + 1
    k = np.arange(k0, k1 + 1, dtype=float)
    t = t0_s + (k[:, None] + np.arange(n)[None, :] / n) * revisit_s
    o = np.broadcast_to(obj[None, :], t.shape)
    keep = (t >= t_start) & (t < t_end)
    t, o = t[keep], o[keep]
    order = np.argsort(t, kind="stable")
    return t[order], o[order]
