"""Air-object kinematics: routes and orbits as exact piecewise paths in ECEF.

Every air object (and every moving sensor platform) follows a **path**: a sequence of segments,
each valid from its start time ``t0`` to the next segment's start,

* linear: ``p(t) = p0 + v (t - t0)``, ``v`` constant;
* circular arc: ``p(t) = p0 + b cos φ + c sin φ``, ``φ = φ0 + w (t - t0)`` (orbits and turns),

in **ECEF** coordinates [m] (WGS-84, EPSG:4978). :func:`positions` evaluates N paths at one
common time or at per-object times in closed form: no time step, so a 4.8 km/s object is where
it is at the exact event time. The frame is ECEF because it is global and Cartesian: straight
segments stay straight, any radar's local ENU frame is one rotation and one offset away, and no
scenario origin has to be chosen (a common local ENU frame would be the same up to that
rigid transform, with the same float64 precision: 1 nm at 6,400 km).

Routes (waypoints)
------------------
A leg between two waypoints follows the **geodesic** on the WGS-84 ellipsoid (the path of
shortest ground distance, :class:`pyproj.Geod`), at a height interpolated linearly in distance
between the waypoints' heights. The geodesic at altitude is curved; it is represented by chords
between points on it spaced so that a chord sags at most ``sag_m`` (1 m by default) below the
curve (chord ``s`` sags ``s²/(8R)``: 7.1 km for 1 m), and the object moves at constant speed
along the chords. Positions are exact on that polyline; the polyline is within ``sag_m`` of the
geodesic (checked against :meth:`pyproj.Geod.fwd` in the tests). Straight ECEF legs without
sub-division would cut 1.8 km below a 300 km constant-altitude leg, which is why they are not
used; piecewise analytic evaluation on the geodesic itself would need an inverse geodesic
problem per evaluation.

* Heights: ``alt_ref: msl`` is the height above sea level, taken as the height above the
  WGS-84 ellipsoid (the project-wide convention; the geoid undulation, about 30 m over Turkey,
  is neglected). ``alt_ref: agl`` adds the terrain (a callable ``terrain(lat, lon) -> m``). A
  leg whose two ends are both AGL **follows the terrain**: its chord points are spaced at most
  ``terrain_step_m`` apart and each is the interpolated AGL height plus the terrain under it;
  otherwise the two ends are converted to MSL and interpolated.
* Timing: a waypoint's ``speed_mps`` is the speed on the leg that starts there and carries over
  to later legs that give none. Waypoints with ``time_s`` are anchors: between two anchors the
  object keeps to the anchor times, the legs' speeds only setting the relative pace (all speeds
  are scaled by one factor; with a leg lacking a speed, the stretch is flown at constant
  speed). Before the first anchor and after the last one the legs are flown at their speeds.
  Without any anchor the route starts at t = 0. The flown length of a leg is the length of its
  chords (the 3-D path), so the speed along the path is ``speed_mps`` exactly.
* Before its first waypoint time and after its last, an object holds its end position with
  zero velocity; :func:`active` says whether it is between the two (what an object does
  before and after, launch or impact, is the simulation's business).

Orbits
------
A circular orbit (an AWACS or tanker track) is one circular arc about the vertical through its
centre: a small circle at geodesic radius ``r`` (on the sphere of the Gaussian radius of
curvature at the centre, so its altitude stays within a few metres of ``alt_m`` for
r ≤ 200 km), flown at constant speed, clockwise or not. A racetrack is two such half circles
joined by two geodesic legs. Both are **periodic** paths: ``t`` is reduced modulo the period.

Heading and geodetic coordinates of positions come from :func:`heading_of` and
:func:`geodetic_of` (closed-form Heikkinen conversion in numba, < 1 mm from PROJ).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from pyproj import Geod

from .errors import ScenarioError, format_field_path
from .geodesy import ecef_to_geodetic, geodetic_to_ecef

__all__ = [
    "speed_sigma",
    "climb_sigma",
    "enu_rows_many",
    "WGS84_A",
    "WGS84_F",
    "Segments",
    "Paths",
    "route_segments",
    "routes_segments",
    "orbit_segments",
    "racetrack_segments",
    "stationary_segments",
    "stationary_paths",
    "stack_paths",
    "RouteWaypoint",
    "paths_from_air_objects",
    "positions",
    "active",
    "geodetic_of",
    "heading_of",
    "enu_basis",
]

WGS84_A = 6_378_137.0  #: WGS-84 semi-major axis [m]
WGS84_F = 1.0 / 298.257223563  #: WGS-84 flattening [-]
_E2 = WGS84_F * (2.0 - WGS84_F)
_B = WGS84_A * (1.0 - WGS84_F)
#: Smallest radius of curvature of the ellipsoid (meridional, at the equator) [m].
_R_MIN = WGS84_A * (1.0 - _E2)
_GEOD = Geod(ellps="WGS84")


# ------------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class Segments:
    """One object's path, before stacking: S consecutive segments.

    Attributes
    ----------
    t0
        Start time of each segment, non-decreasing, (S,) [s].
    p0
        Linear: start position; arc: centre of the circle; ECEF (S, 3) [m].
    v
        Linear: velocity; arc: ``b`` (the radius vector at φ = 0); ECEF (S, 3) [m/s] or [m].
    c
        Arc: ``c`` (the radius vector at φ = π/2); zeros for linear segments, (S, 3) [m].
    w, phi0
        Arc: angular rate [rad/s] and phase at ``t0`` [rad]; unused (0) for linear, (S,).
    is_arc
        Which segments are arcs, (S,) bool.
    t_end
        End of the last segment [s] (``inf`` for periodic paths).
    period
        Period [s] for a closed orbit, 0 otherwise; then ``t0[0]`` is the phase origin.
    """

    t0: np.ndarray
    p0: np.ndarray
    v: np.ndarray
    c: np.ndarray
    w: np.ndarray
    phi0: np.ndarray
    is_arc: np.ndarray
    t_end: float
    period: float = 0.0

    @property
    def t_begin(self) -> float:
        """First time the path is defined [s] (``-inf`` for periodic paths)."""
        return -math.inf if self.period > 0 else float(self.t0[0])


@dataclass(frozen=True)
class Paths:
    """N paths stacked for vectorised evaluation (ragged, CSR layout).

    Segment ``s`` of object ``i`` is row ``offsets[i] + s`` of the segment arrays; arcs keep
    their extra parameters in a small side table (``arc[row]`` is the row there, -1 for a
    linear segment), so M route segments cost 7 floats each whatever the number of orbits.
    CSR rather than padded (N, S_max) arrays: a 1,000 km terrain-following route has a
    thousand segments, a ballistic object two.

    Attributes
    ----------
    offsets
        (N + 1,) int64.
    t0, p0, v
        (M,) [s], (M, 3) [m], (M, 3) [m/s] (or [m] for arcs, see :class:`Segments`).
    arc
        (M,) int64, row in the arc table or -1.
    arc_c, arc_w, arc_phi0
        Arc table: (K, 3) [m], (K,) [rad/s], (K,) [rad].
    t_begin, t_end, period, t_base
        Per object (N,) [s]: first and last time of the path (±inf for periodic ones), period
        (0 if not periodic) and phase origin.
    ids
        Object ids, in order (may be empty).
    speed_max
        Largest speed of each object over its path (N,) [m/s]; derived from the segments when
        not given (used to bound how far an object moves between samples).
    """

    offsets: np.ndarray
    t0: np.ndarray
    p0: np.ndarray
    v: np.ndarray
    arc: np.ndarray
    arc_c: np.ndarray
    arc_w: np.ndarray
    arc_phi0: np.ndarray
    t_begin: np.ndarray
    t_end: np.ndarray
    period: np.ndarray
    t_base: np.ndarray
    ids: tuple = ()
    speed_max: np.ndarray | None = None

    def __post_init__(self):
        if self.speed_max is None:
            object.__setattr__(self, "speed_max", _speed_max(self))

    def __len__(self) -> int:
        return self.offsets.shape[0] - 1

    @property
    def arrays(self) -> tuple:
        """The arrays the numba kernels take, in kernel order."""
        return (self.offsets, self.t0, self.p0, self.v, self.arc, self.arc_c, self.arc_w,
                self.arc_phi0, self.t_begin, self.t_end, self.period, self.t_base)

    def index(self, object_id: str) -> int:
        """Row of the object ``object_id``."""
        try:
            return self.ids.index(object_id)
        except ValueError:
            raise KeyError(f"no path for object {object_id!r}") from None


def _speed_max(p: Paths) -> np.ndarray:
    n = p.offsets.shape[0] - 1
    if n == 0 or p.t0.shape[0] == 0:
        return np.zeros(n)
    sp = np.linalg.norm(p.v, axis=1)  # linear: speed; arc: radius |b|
    arc = p.arc >= 0
    if arc.any():
        k = p.arc[arc]
        sp[arc] = np.abs(p.arc_w[k]) * np.maximum(sp[arc], np.linalg.norm(p.arc_c[k], axis=1))
    return np.maximum.reduceat(sp, p.offsets[:-1])


def _segments(t0, p0, v, t_end, c=None, w=None, phi0=None, is_arc=None, period=0.0):
    t0 = np.asarray(t0, float).reshape(-1)
    s = t0.shape[0]
    z3 = np.zeros((s, 3))
    return Segments(
        t0=t0, p0=np.asarray(p0, float).reshape(s, 3), v=np.asarray(v, float).reshape(s, 3),
        c=z3 if c is None else np.asarray(c, float).reshape(s, 3),
        w=np.zeros(s) if w is None else np.asarray(w, float).reshape(s),
        phi0=np.zeros(s) if phi0 is None else np.asarray(phi0, float).reshape(s),
        is_arc=np.zeros(s, bool) if is_arc is None else np.asarray(is_arc, bool).reshape(s),
        t_end=float(t_end), period=float(period))


def stack_paths(segments: Sequence[Segments], ids: Sequence[str] = ()) -> Paths:
    """Stack single-object paths into one :class:`Paths` (object ``i`` = ``segments[i]``)."""
    segs = list(segments)
    if ids and len(ids) != len(segs):
        raise ValueError(f"{len(ids)} ids for {len(segs)} paths")
    counts = np.array([len(s.t0) for s in segs], dtype=np.int64)
    offsets = np.zeros(len(segs) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if not segs:
        e3 = np.zeros((0, 3))
        e = np.zeros(0)
        return Paths(offsets, e, e3, e3, np.zeros(0, np.int64), e3, e, e, e, e, e, e, ())
    is_arc = np.concatenate([s.is_arc for s in segs])
    arc = np.full(is_arc.shape[0], -1, dtype=np.int64)
    arc[is_arc] = np.arange(int(is_arc.sum()))
    return Paths(
        offsets=offsets,
        t0=np.ascontiguousarray(np.concatenate([s.t0 for s in segs])),
        p0=np.ascontiguousarray(np.concatenate([s.p0 for s in segs])),
        v=np.ascontiguousarray(np.concatenate([s.v for s in segs])),
        arc=arc,
        arc_c=np.ascontiguousarray(np.concatenate([s.c for s in segs])[is_arc]),
        arc_w=np.ascontiguousarray(np.concatenate([s.w for s in segs])[is_arc]),
        arc_phi0=np.ascontiguousarray(np.concatenate([s.phi0 for s in segs])[is_arc]),
        t_begin=np.array([s.t_begin for s in segs]),
        t_end=np.array([s.t_end for s in segs]),
        period=np.array([s.period for s in segs]),
        t_base=np.array([s.t0[0] for s in segs]),
        ids=tuple(ids))


# ------------------------------------------------------------------------------------------------
# evaluation kernels


@njit(cache=True, inline="always")
def _find_segment(t0, lo, hi, t):
    """Last row s in [lo, hi) with t0[s] <= t (lo if none)."""
    a = lo
    b = hi - 1
    if t <= t0[lo]:
        # several segments may start at t0[lo] (zero-duration ones are dropped when building,
        # but stacked input may have them): take the last of them
        while a < b and t0[a + 1] <= t:
            a += 1
        return a
    while a < b:
        mid = (a + b + 1) // 2
        if t0[mid] <= t:
            a = mid
        else:
            b = mid - 1
    return a


@njit(cache=True, inline="always")
def _eval_one(P, i, t, out):
    """Position and velocity of object ``i`` of paths ``P`` at time ``t``: out[0:3], out[3:6].

    ``P`` is :attr:`Paths.arrays`: (offsets, t0, p0, v, arc, arc_c, arc_w, arc_phi0, t_begin,
    t_end, period, t_base). The tuple is indexed where each array is used rather than unpacked
    into twelve names: unpacked, numba counts a reference to every array at each evaluation
    (an atomic increment and decrement per array that its pruning pass does not remove once
    the uses are spread over branches), which made one evaluation 8x slower.
    """
    moving = True
    per = P[10][i]
    if per > 0.0:
        x = (t - P[11][i]) / per
        tt = P[11][i] + (x - math.floor(x)) * per
    elif t < P[8][i]:
        tt = P[8][i]
        moving = False
    elif t > P[9][i]:
        tt = P[9][i]
        moving = False
    else:
        tt = t
    s = _find_segment(P[1], P[0][i], P[0][i + 1], tt)
    dt = tt - P[1][s]
    k = P[4][s]
    if k < 0:
        for d in range(3):
            vd = P[3][s, d]
            out[d] = P[2][s, d] + vd * dt
            out[3 + d] = vd if moving else 0.0
    else:
        w = P[6][k]
        phi = P[7][k] + w * dt
        cp = math.cos(phi)
        sp = math.sin(phi)
        for d in range(3):
            vd = P[3][s, d]
            cd = P[5][k, d]
            out[d] = P[2][s, d] + vd * cp + cd * sp
            out[3 + d] = w * (cd * cp - vd * sp) if moving else 0.0


@njit(cache=True, parallel=True)
def _eval_many(P, obj, t, pos, vel):
    n = obj.shape[0]
    chunk = 1024
    for c in prange((n + chunk - 1) // chunk):
        buf = np.empty(6)
        for j in range(c * chunk, min(n, (c + 1) * chunk)):
            _eval_one(P, obj[j], t[j], buf)
            for d in range(3):
                pos[j, d] = buf[d]
                vel[j, d] = buf[3 + d]


def _objects_and_times(paths: Paths, t, objects):
    n = len(paths)
    if objects is None:
        obj = np.arange(n, dtype=np.int64)
    else:
        obj = np.ascontiguousarray(np.asarray(objects, dtype=np.int64).reshape(-1))
        if obj.size and (obj.min() < 0 or obj.max() >= n):
            raise IndexError(f"object index out of range for {n} paths")
    tt = np.asarray(t, dtype=float)
    if tt.ndim > 1:
        raise ValueError("t must be a scalar or a 1-D array of per-object times")
    if tt.shape == obj.shape:  # one time per object (the usual call): no broadcast
        return obj, np.ascontiguousarray(tt)
    if tt.ndim == 0 or tt.shape == (1,):
        return obj, np.full(obj.shape, float(tt.reshape(-1)[0]))
    tt = np.ascontiguousarray(np.broadcast_to(tt, obj.shape), dtype=float)
    return obj, tt


def positions(paths: Paths, t, objects=None):
    """Positions and velocities of the objects at time ``t``, exactly (no time step).

    Parameters
    ----------
    paths
        The stacked paths.
    t
        A common time, or one time per evaluated object, [s].
    objects
        Rows to evaluate, (M,) int; all N objects by default. May repeat (one object at
        several times).

    Returns
    -------
    pos, vel : numpy.ndarray
        ECEF positions (M, 3) [m] and velocities (M, 3) [m/s]. Velocities are those of the
        segment that starts at ``t`` on a boundary (right-continuous); zero before the path's
        first and after its last time, where the object holds its end position.
    """
    obj, tt = _objects_and_times(paths, t, objects)
    pos = np.empty((obj.shape[0], 3))
    vel = np.empty((obj.shape[0], 3))
    if obj.shape[0]:
        _eval_many(paths.arrays, obj, tt, pos, vel)
    return pos, vel


def active(paths: Paths, t, objects=None) -> np.ndarray:
    """Whether each object is on its path at ``t``: ``t_begin <= t <= t_end``, (M,) bool."""
    obj, tt = _objects_and_times(paths, t, objects)
    return (tt >= paths.t_begin[obj]) & (tt <= paths.t_end[obj])


# ------------------------------------------------------------------------------------------------
# geodetic helpers (numba)


@njit(cache=True)
def _geodetic(x, y, z):
    """ECEF [m] → geodetic latitude [rad], longitude [rad], ellipsoidal height [m].

    Heikkinen's closed form (1982, as in Zhu 1994): exact to < 1 mm from the centre of the
    earth to well beyond geostationary height.
    """
    a = WGS84_A
    b = _B
    e2 = _E2
    ep2 = (a * a - b * b) / (b * b)
    p = math.sqrt(x * x + y * y)
    if p < 1e-9:  # on the axis
        lat = math.pi / 2 if z >= 0 else -math.pi / 2
        return lat, 0.0, abs(z) - b
    zz = z * z
    F = 54.0 * b * b * zz
    G = p * p + (1.0 - e2) * zz - e2 * (a * a - b * b)
    cc = e2 * e2 * F * p * p / (G * G * G)
    s = (1.0 + cc + math.sqrt(cc * cc + 2.0 * cc)) ** (1.0 / 3.0)
    kk = s + 1.0 + 1.0 / s
    PP = F / (3.0 * kk * kk * G * G)
    Q = math.sqrt(1.0 + 2.0 * e2 * e2 * PP)
    r0 = (-PP * e2 * p / (1.0 + Q)
          + math.sqrt(max(0.5 * a * a * (1.0 + 1.0 / Q) - PP * (1.0 - e2) * zz / (Q * (1.0 + Q))
                          - 0.5 * PP * p * p, 0.0)))
    tmp = p - e2 * r0
    U = math.sqrt(tmp * tmp + zz)
    V = math.sqrt(tmp * tmp + (1.0 - e2) * zz)
    z0 = b * b * z / (a * V)
    h = U * (1.0 - b * b / (a * V))
    lat = math.atan((z + ep2 * z0) / p)
    lon = math.atan2(y, x)
    return lat, lon, h


@njit(cache=True)
def _enu_rows(lat, lon, out):
    """Rows E, N, U (unit vectors in ECEF) at geodetic lat, lon [rad] into out (3, 3)."""
    sp = math.sin(lat)
    cp = math.cos(lat)
    sl = math.sin(lon)
    cl = math.cos(lon)
    out[0, 0] = -sl
    out[0, 1] = cl
    out[0, 2] = 0.0
    out[1, 0] = -sp * cl
    out[1, 1] = -sp * sl
    out[1, 2] = cp
    out[2, 0] = cp * cl
    out[2, 1] = cp * sl
    out[2, 2] = sp


@njit(cache=True)
def _geodetic_many(pos, out):
    for j in range(pos.shape[0]):
        lat, lon, h = _geodetic(pos[j, 0], pos[j, 1], pos[j, 2])
        out[j, 0] = lat
        out[j, 1] = lon
        out[j, 2] = h


@njit(cache=True)
def _heading_many(pos, vel, out):
    rows = np.empty((3, 3))
    for j in range(pos.shape[0]):
        lat, lon, _ = _geodetic(pos[j, 0], pos[j, 1], pos[j, 2])
        _enu_rows(lat, lon, rows)
        ve = rows[0, 0] * vel[j, 0] + rows[0, 1] * vel[j, 1] + rows[0, 2] * vel[j, 2]
        vn = rows[1, 0] * vel[j, 0] + rows[1, 1] * vel[j, 1] + rows[1, 2] * vel[j, 2]
        vu = rows[2, 0] * vel[j, 0] + rows[2, 1] * vel[j, 1] + rows[2, 2] * vel[j, 2]
        gs = math.sqrt(ve * ve + vn * vn)
        hd = math.atan2(ve, vn)
        if hd < 0.0:
            hd += 2.0 * math.pi
        out[j, 0] = hd
        out[j, 1] = math.atan2(vu, gs)
        out[j, 2] = gs


def _as_n3(a) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(a, dtype=float))
    if arr.shape[-1:] != (3,):
        raise ValueError(f"expected an array of 3-vectors (..., 3), got shape {arr.shape}")
    return arr.reshape(-1, 3)


def geodetic_of(pos_ecef):
    """ECEF positions (..., 3) [m] → latitude [°], longitude [°], ellipsoidal height [m]."""
    p = _as_n3(pos_ecef)
    out = np.empty_like(p)
    _geodetic_many(p, out)
    shape = np.shape(pos_ecef)[:-1]
    return (np.degrees(out[:, 0]).reshape(shape), np.degrees(out[:, 1]).reshape(shape),
            out[:, 2].reshape(shape))


def heading_of(pos_ecef, vel_ecef):
    """Heading, climb angle and ground speed of objects at ECEF positions with velocities.

    Parameters
    ----------
    pos_ecef, vel_ecef
        (..., 3) [m], [m/s].

    Returns
    -------
    heading_rad, climb_rad, ground_speed_mps
        Heading clockwise from true north in [0, 2π) [rad] (0 for a zero velocity), flight-path
        angle above the local horizontal [rad], horizontal speed [m/s]; each (...).
    """
    p = _as_n3(pos_ecef)
    v = _as_n3(vel_ecef)
    if p.shape != v.shape:
        raise ValueError("pos_ecef and vel_ecef must have the same shape")
    out = np.empty_like(p)
    _heading_many(p, v, out)
    shape = np.shape(pos_ecef)[:-1]
    return out[:, 0].reshape(shape), out[:, 1].reshape(shape), out[:, 2].reshape(shape)


def speed_sigma(vel_ecef, vel_cov) -> np.ndarray:
    """Standard deviation of estimated speeds [m/s] from velocity covariances (first order).

    σ = √(ûᵀ P û), û the unit velocity: the spread of |v| for v ~ N(v̂, P) when |v̂| ≫ σ
    (delta method); √(trace P / 3) for a zero velocity.

    Parameters
    ----------
    vel_ecef
        (..., 3) velocities [m/s].
    vel_cov
        (..., 3, 3) their covariances [m²/s²].
    """
    v = np.asarray(vel_ecef, float)
    P = np.asarray(vel_cov, float)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    u = np.divide(v, n, out=np.zeros_like(v), where=n > 0)
    var = np.einsum("...i,...ij,...j->...", u, P, u)
    var = np.where(n[..., 0] > 0, var, np.trace(P, axis1=-2, axis2=-1) / 3.0)
    return np.sqrt(np.maximum(var, 0.0))


def climb_sigma(pos_ecef, vel_cov) -> np.ndarray:
    """Standard deviation of estimated vertical speeds [m/s] from velocity covariances.

    σ = √(nᵀ P n), n the geodetic up (ellipsoid normal) at each position: the spread of the
    climb rate (the velocity's up component, as :func:`heading_of` gives it: ground speed ×
    tan(climb angle)) for v ~ N(v̂, P); exact, the climb rate being linear in v.

    Parameters
    ----------
    pos_ecef
        (..., 3) positions [m].
    vel_cov
        (..., 3, 3) velocity covariances [m²/s²].
    """
    pos = np.asarray(pos_ecef, float)
    n = enu_rows_many(pos)[:, 2].reshape(pos.shape)
    var = np.einsum("...i,...ij,...j->...", n, np.asarray(vel_cov, float), n)
    return np.sqrt(np.maximum(var, 0.0))


def enu_rows_many(pos_ecef) -> np.ndarray:
    """ENU rows (E, N, U as ECEF unit vectors) at ECEF positions, (D, 3, 3)."""
    lat, lon, _ = geodetic_of(np.asarray(pos_ecef, float).reshape(-1, 3))
    p, lam = np.radians(lat), np.radians(lon)
    sp, cp, sl, cl = np.sin(p), np.cos(p), np.sin(lam), np.cos(lam)
    z = np.zeros_like(sp)
    return np.stack([np.stack([-sl, cl, z], -1), np.stack([-sp * cl, -sp * sl, cp], -1),
                     np.stack([cp * cl, cp * sl, sp], -1)], axis=1)


def enu_basis(lat_deg: float, lon_deg: float) -> np.ndarray:
    """Rows E, N, U of the local frame at (lat, lon) [°], as ECEF unit vectors, (3, 3)."""
    out = np.empty((3, 3))
    _enu_rows(math.radians(lat_deg), math.radians(lon_deg), out)
    return out


def _ecef(lat, lon, h) -> np.ndarray:
    x, y, z = geodetic_to_ecef(lat, lon, h)
    return np.stack([np.asarray(x, float), np.asarray(y, float), np.asarray(z, float)], axis=-1)


def _gaussian_radius(lat_deg: float) -> float:
    s = math.sin(math.radians(lat_deg))
    w2 = 1.0 - _E2 * s * s
    return WGS84_A * math.sqrt(1.0 - _E2) / w2  # sqrt(M N)


# ------------------------------------------------------------------------------------------------
# building paths


def stationary_segments(lat_deg: float, lon_deg: float, h_m: float, t_s: float = 0.0) -> Segments:
    """A fixed point at (lat, lon [°], ellipsoidal height [m]), on its path from ``t_s`` [s]."""
    p = _ecef(lat_deg, lon_deg, h_m).reshape(1, 3)
    return _segments([t_s], p, np.zeros((1, 3)), t_end=math.inf)


def stationary_paths(lat_deg, lon_deg, h_m, ids: Sequence[str] = ()) -> Paths:
    """N fixed points (ground sites, jammers on masts, test targets) as :class:`Paths`.

    Parameters
    ----------
    lat_deg, lon_deg, h_m
        Positions (N,) [°], [°], ellipsoidal height [m]; on their paths from t = 0.
    """
    p = np.ascontiguousarray(_ecef(lat_deg, lon_deg, h_m).reshape(-1, 3))
    n = p.shape[0]
    e = np.zeros(0)
    return Paths(offsets=np.arange(n + 1, dtype=np.int64), t0=np.zeros(n), p0=p,
                 v=np.zeros((n, 3)), arc=np.full(n, -1, np.int64), arc_c=np.zeros((0, 3)),
                 arc_w=e, arc_phi0=e, t_begin=np.zeros(n), t_end=np.full(n, math.inf),
                 period=np.zeros(n), t_base=np.zeros(n), ids=tuple(ids))


def _leg_vertices(lat, lon, h_msl, agl_m, follow, last, terrain, sag_m, terrain_step_m):
    """Chord points of every leg of several routes at once: ECEF (V, 3) and the leg of each
    chord (C,) [index of its first waypoint].

    The waypoints of all routes are concatenated (W,); ``last`` (W,) bool marks each route's
    last waypoint (the leg from it to the next route's first is not a leg). ``follow`` (W,):
    whether the leg starting at a waypoint follows the terrain. Each route's vertices are its
    chord starts then its last waypoint, routes one after the other; every number is computed
    element by element, so it is the same as for the route alone.
    """
    legs = np.flatnonzero(~last)  # first waypoint of each leg
    az12, _, dist = _GEOD.inv(lon[legs], lat[legs], lon[legs + 1], lat[legs + 1])
    az12, dist = np.asarray(az12, float), np.asarray(dist, float)
    sag_step = math.sqrt(8.0 * _R_MIN * sag_m)
    step = np.where(follow[legs], min(sag_step, terrain_step_m), sag_step)
    nsub = np.maximum(1, np.ceil(dist / step).astype(np.int64))
    k = np.repeat(np.arange(legs.size), nsub)  # leg number of each chord
    first = np.concatenate([[0], np.cumsum(nsub)[:-1]])
    frac = (np.arange(k.size) - first[k]) / nsub[k]  # chord start fractions
    clon, clat, _ = _GEOD.fwd(lon[legs[k]], lat[legs[k]], az12[k], dist[k] * frac)
    clat, clon = np.asarray(clat, float), np.asarray(clon, float)
    at_start = frac == 0.0
    clat[at_start] = lat[legs[k[at_start]]]  # exact waypoints, no round trip through fwd
    clon[at_start] = lon[legs[k[at_start]]]
    # each route's last waypoint after its chords: vertex rows of the chords and the ends
    ends = np.flatnonzero(last)
    routes_before = np.cumsum(last) - last  # routes finished before each waypoint
    crow = np.arange(k.size) + routes_before[legs[k]]
    erow = np.searchsorted(legs[k], ends) + np.arange(ends.size)
    V = k.size + ends.size
    vwp = np.empty(V, np.int64)  # first waypoint of the vertex's leg
    vfrac = np.empty(V)
    vlat = np.empty(V)
    vlon = np.empty(V)
    vwp[crow], vfrac[crow], vlat[crow], vlon[crow] = legs[k], frac, clat, clon
    vwp[erow], vfrac[erow], vlat[erow], vlon[erow] = ends - 1, 1.0, lat[ends], lon[ends]
    h = h_msl[vwp] + (h_msl[vwp + 1] - h_msl[vwp]) * vfrac
    fv = follow[vwp]
    if fv.any():
        w = vwp[fv]
        agl = agl_m[w] + (agl_m[w + 1] - agl_m[w]) * vfrac[fv]
        h[fv] = agl + np.asarray(terrain(vlat[fv], vlon[fv]), float)
    return _ecef(vlat, vlon, h), legs[k]


def _leg_durations(L, speed, times, where):
    """Duration of each leg [s] and the time at the first waypoint [s]."""
    n_leg = L.shape[0]
    v = np.full(n_leg, np.nan)
    last = np.nan
    for j in range(n_leg):
        if speed[j] is not None:
            last = float(speed[j])
        v[j] = last
    anchors = [j for j, t in enumerate(times) if t is not None]
    dur = np.full(n_leg, np.nan)

    def by_speed(legs):
        for j in legs:
            if L[j] == 0.0:
                dur[j] = 0.0
            elif v[j] > 0.0:
                dur[j] = L[j] / v[j]
            else:
                found = "no speed" if np.isnan(v[j]) else f"{v[j]:g}"
                raise ScenarioError(
                    field=format_field_path((*where, "route", j, "speed_mps")),
                    expected="a speed > 0 on this leg (or time_s at both of its ends)",
                    found=found)

    for a, b in zip(anchors[:-1], anchors[1:], strict=True):
        T = times[b] - times[a]
        LL, vv = L[a:b], v[a:b]
        if T < 0 or (T == 0 and LL.sum() > 0):
            raise ScenarioError(
                field=format_field_path((*where, "route", b, "time_s")),
                expected=f"a time after route[{a}].time_s = {times[a]:g}", found=f"{times[b]:g}")
        wgt = LL / vv if np.all(vv > 0) else LL.copy()
        dur[a:b] = T * wgt / wgt.sum() if wgt.sum() > 0 else T / (b - a)
    if anchors:
        by_speed(range(anchors[0]))
        by_speed(range(anchors[-1], n_leg))
        t_first = times[anchors[0]] - float(np.sum(dur[: anchors[0]]))
    else:
        by_speed(range(n_leg))
        t_first = 0.0
    return dur, t_first


def route_segments(route, terrain: Callable | None = None, *, sag_m: float = 1.0,
                   terrain_step_m: float = 1000.0, where: tuple = ()) -> Segments:
    """Path of a waypoint route (see the module docstring for legs, heights and timing).

    Parameters
    ----------
    route
        Waypoints with attributes ``lat``, ``lon`` [°], ``alt_m`` [m], ``alt_ref``
        (``"msl"``/``"agl"``), ``speed_mps`` [m/s] or None, ``time_s`` [s] or None
        (:class:`iads.scenario.schema.Waypoint`).
    terrain
        ``terrain(lat_deg, lon_deg) -> height [m MSL]`` on arrays; needed for AGL waypoints
        (e.g. ``functools.partial(iads.terrain.elevation_at, dem)``).
    sag_m
        Largest sag of a chord below the geodesic at altitude [m].
    terrain_step_m
        Largest chord of a terrain-following (AGL to AGL) leg [m].
    where
        Field path of the route's owner, for error messages (``("air_objects", 3)``).

    Returns
    -------
    Segments

    Raises
    ------
    ScenarioError
        A leg with no way to be flown (no speed and not timed at both ends), times that go
        back, or AGL heights without terrain.
    """
    return routes_segments([route], terrain, sag_m=sag_m, terrain_step_m=terrain_step_m,
                           where=[where])[0]


def routes_segments(routes, terrain: Callable | None = None, *, sag_m: float = 1.0,
                    terrain_step_m: float = 1000.0, where=None) -> list[Segments]:
    """:func:`route_segments` of several routes, with their geodesics, terrain heights and
    ECEF conversions computed in one call each for all of them (the same numbers: every one
    is computed element by element). ``where``: one field path per route (default none)."""
    if not sag_m > 0 or not terrain_step_m > 0:
        raise ValueError("sag_m and terrain_step_m must be > 0")
    routes = [list(r) for r in routes]
    where = [()] * len(routes) if where is None else list(where)
    cols = []  # per route: lat, lon, alt, agl
    for wps, wh in zip(routes, where, strict=True):
        if not wps:
            raise ScenarioError(field=format_field_path((*wh, "route")),
                                expected="at least one waypoint", found="none")
        agl = np.array([w.alt_ref == "agl" for w in wps])
        if agl.any() and terrain is None:
            j = int(np.flatnonzero(agl)[0])
            raise ScenarioError(field=format_field_path((*wh, "route", j, "alt_ref")),
                                expected="a terrain model to convert heights above ground",
                                found="agl without terrain")
        cols.append((np.array([w.lat for w in wps], float), np.array([w.lon for w in wps], float),
                     np.array([w.alt_m for w in wps], float), agl))
    if not routes:
        return []
    n_wp = np.array([len(w) for w in routes])
    off = np.concatenate([[0], np.cumsum(n_wp)])
    lat, lon, alt, agl = (np.concatenate(c) for c in zip(*cols, strict=True))
    ground = np.zeros(lat.size)
    if agl.any():
        ground[agl] = np.asarray(terrain(lat[agl], lon[agl]), float).reshape(-1)
    h_msl = alt + ground
    multi = np.flatnonzero(n_wp > 1)  # routes with legs
    wsel = np.concatenate([np.arange(off[r], off[r + 1]) for r in multi]) if multi.size \
        else np.zeros(0, np.int64)
    last = np.zeros(wsel.size, bool)
    last[np.cumsum(n_wp[multi]) - 1] = True
    ml, mo, mh, ma, mg = lat[wsel], lon[wsel], h_msl[wsel], alt[wsel], agl[wsel]
    follow = np.zeros(wsel.size, bool)
    follow[:-1] = mg[:-1] & mg[1:] & ~last[:-1]
    if wsel.size:
        verts, cleg = _leg_vertices(ml, mo, mh, ma, follow, last, terrain, sag_m,
                                    terrain_step_m)
    out = [None] * len(routes)
    moff = np.concatenate([[0], np.cumsum(n_wp[multi])])  # waypoints of the multi routes
    voff = 0  # their vertices
    coff = 0  # their chords
    for q, r in enumerate(multi):
        nv = int(np.searchsorted(cleg, moff[q + 1] - 1) - coff)  # chords of route r
        out[r] = _route_from_vertices(verts[voff: voff + nv + 1], cleg[coff: coff + nv] - moff[q],
                                      routes[r], where[r])
        voff += nv + 1
        coff += nv
    for r in np.flatnonzero(n_wp == 1):
        t = routes[r][0].time_s
        t = t if t is not None else 0.0
        p = _ecef(lat[off[r]], lon[off[r]], h_msl[off[r]]).reshape(1, 3)
        out[r] = _segments([t], p, np.zeros((1, 3)), t_end=t)
    return out


def _route_from_vertices(verts, leg, wps, where) -> Segments:
    """Segments of one route from its chord vertices (V, 3) and the leg of each chord
    (V − 1,): leg lengths, durations and times (see :func:`route_segments`)."""
    times = [w.time_s for w in wps]
    chord = np.linalg.norm(np.diff(verts, axis=0), axis=1)
    L = np.bincount(leg, weights=chord, minlength=len(wps) - 1)
    dur_leg, t_first = _leg_durations(L, [w.speed_mps for w in wps], times, where)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(L[leg] > 0, chord / L[leg], 1.0 / np.bincount(leg)[leg])
    dur = dur_leg[leg] * share
    keep = dur > 0
    t_start = t_first + np.concatenate([[0.0], np.cumsum(dur)[:-1]])
    t_end = t_first + float(dur.sum())
    if times[-1] is not None:  # an anchored end is exact, not a sum with rounding error
        t_end = float(times[-1])
    if not keep.any():  # every leg of zero length and zero duration
        return _segments([t_first], verts[:1], np.zeros((1, 3)), t_end=t_first)
    vel = np.diff(verts, axis=0)[keep] / dur[keep, None]
    return _segments(t_start[keep], verts[:-1][keep], vel, t_end=t_end)


def _small_circle(lat_deg, lon_deg, alt_m, radius_m):
    """Centre (3,), north and east radius vectors (3,) of a circle at geodesic radius."""
    R = _gaussian_radius(lat_deg)
    alpha = radius_m / R
    rows = enu_basis(lat_deg, lon_deg)
    top = _ecef(lat_deg, lon_deg, alt_m)
    centre = top - (R + alt_m) * (1.0 - math.cos(alpha)) * rows[2]
    rho = (R + alt_m) * math.sin(alpha)
    return centre, rho * rows[1], rho * rows[0], rho


def orbit_segments(orbit, *, phase_rad: float = 0.0, t_base: float = 0.0) -> Segments:
    """Periodic path of a circular orbit (:class:`iads.scenario.schema.Orbit`).

    Parameters
    ----------
    orbit
        With ``lat``, ``lon`` [°] (centre), ``radius_km``, ``alt_m`` [m MSL], ``speed_mps``,
        ``clockwise``.
    phase_rad
        Position on the circle at ``t_base``: bearing from the centre, clockwise from north
        [rad].
    t_base
        Phase origin [s].
    """
    centre, b, c, rho = _small_circle(orbit.lat, orbit.lon, orbit.alt_m, orbit.radius_km * 1e3)
    w = orbit.speed_mps / rho * (1.0 if orbit.clockwise else -1.0)
    period = 2.0 * math.pi * rho / orbit.speed_mps
    return _segments([t_base], centre, b, t_end=math.inf, c=c, w=[w], phi0=[phase_rad],
                     is_arc=[True], period=period)


def racetrack_segments(lat_deg: float, lon_deg: float, alt_m: float, heading_deg: float,
                       leg_m: float, turn_radius_m: float, speed_mps: float, *,
                       clockwise: bool = True, t_base: float = 0.0,
                       sag_m: float = 1.0) -> Segments:
    """Periodic path of a racetrack orbit: two half circles joined by two geodesic legs.

    Parameters
    ----------
    lat_deg, lon_deg
        Centre of the racetrack [°].
    alt_m
        Altitude [m MSL].
    heading_deg
        Direction of the outbound leg, clockwise from north [°].
    leg_m
        Distance between the two turn centres (length of the straight legs) [m].
    turn_radius_m
        Radius of the turns [m].
    speed_mps
        Speed, constant [m/s].
    clockwise
        Turn direction seen from above (clockwise: right turns, outbound leg on the left).
    t_base
        Time at the start of the outbound leg [s].
    """
    if not (leg_m > 0 and turn_radius_m > 0 and speed_mps > 0):
        raise ValueError("leg_m, turn_radius_m and speed_mps must be > 0")
    side = 1.0 if clockwise else -1.0
    lon_c = np.full(2, lon_deg)
    lat_c = np.full(2, lat_deg)
    hd = np.array([heading_deg, heading_deg + 180.0])
    tlon, tlat, back = _GEOD.fwd(lon_c, lat_c, hd, np.full(2, leg_m / 2))
    # axis direction (towards turn 2) at each turn centre
    psi2 = math.radians(back[0] + 180.0)
    psi1 = math.radians(back[1])
    arcs = []
    for la, lo, psi in ((tlat[1], tlon[1], psi1), (tlat[0], tlon[0], psi2)):
        centre, b, c, rho = _small_circle(float(la), float(lo), alt_m, turn_radius_m)
        arcs.append((centre, b, c, rho, psi))

    def point(arc, phi):
        centre, b, c, _, _ = arc
        return centre + b * math.cos(phi) + c * math.sin(phi)

    # turn 1 (around turn centre 1) ends and turn 2 starts on the outbound side
    out_phi1 = arcs[0][4] - side * math.pi / 2
    in_phi2 = arcs[1][4] - side * math.pi / 2
    out_phi2 = in_phi2 + side * math.pi
    in_phi1 = out_phi1 - side * math.pi  # where the inbound leg meets turn 1
    pieces = []
    t = t_base

    def add_leg(p_from, p_to):
        nonlocal t
        la, lo, h = ecef_to_geodetic(*np.stack([p_from, p_to]).T)
        wps = [RouteWaypoint(float(la[k]), float(lo[k]), float(h[k]), speed_mps if k == 0 else None)
               for k in range(2)]
        seg = route_segments(wps, sag_m=sag_m)
        pieces.append(_segments(seg.t0 + t, seg.p0, seg.v, t_end=seg.t_end + t))
        t += seg.t_end

    def add_arc(arc, phi_start):
        nonlocal t
        centre, b, c, rho, _ = arc
        w = side * speed_mps / rho
        pieces.append(_segments([t], centre, b, t_end=t + math.pi / abs(w), c=c, w=[w],
                                phi0=[phi_start], is_arc=[True]))
        t += math.pi / abs(w)

    add_leg(point(arcs[0], out_phi1), point(arcs[1], in_phi2))
    add_arc(arcs[1], in_phi2)
    add_leg(point(arcs[1], out_phi2), point(arcs[0], in_phi1))
    add_arc(arcs[0], in_phi1)
    return Segments(
        t0=np.concatenate([p.t0 for p in pieces]), p0=np.concatenate([p.p0 for p in pieces]),
        v=np.concatenate([p.v for p in pieces]), c=np.concatenate([p.c for p in pieces]),
        w=np.concatenate([p.w for p in pieces]), phi0=np.concatenate([p.phi0 for p in pieces]),
        is_arc=np.concatenate([p.is_arc for p in pieces]), t_end=math.inf,
        period=t - t_base)


@dataclass(frozen=True)
class RouteWaypoint:
    """A plain waypoint for :func:`route_segments` (what generated routes are built of)."""

    lat: float
    lon: float
    alt_m: float
    speed_mps: float | None
    alt_ref: str = "msl"
    time_s: float | None = None


def paths_from_air_objects(air_objects, terrain: Callable | None = None, **kwargs) -> Paths:
    """Paths of a scenario's air objects, in order, with their ids.

    ``air_objects`` are :class:`iads.scenario.schema.AirObject`; ``terrain`` and keyword
    arguments go to :func:`route_segments`. Errors name ``air_objects[i].route[j]...``.
    """
    segs = routes_segments([ao.route for ao in air_objects], terrain,
                           where=[("air_objects", i) for i in range(len(air_objects))], **kwargs)
    return stack_paths(segs, [ao.id for ao in air_objects])
