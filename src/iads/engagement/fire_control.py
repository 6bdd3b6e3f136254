"""Fire control: rules of engagement, launch feasibility, channels, magazines and doctrines.

Pure functions and small state records; :mod:`iads.engagement.loop` runs them on the
simulation's event heap.

Hierarchy (the catalog's): a **system** (one command post) → **fire units** (one engagement
radar each) → **launchers**. Fire channels are caps on what is engaged *at once*: targets with
interceptors in flight and interceptors in flight, per system (the S-400's public 36 / 72 for
the whole system, shared by its fire units, never multiplied) and per fire unit (catalog
``targets_per_fire_unit`` / ``missiles_per_fire_unit``).

Rules of engagement (:func:`roe_permits`) on the picture's identity, never on truth:

=================  ===========================================================================
ROE                engages
=================  ===========================================================================
weapons_hold       nothing
weapons_tight      hostile only
weapons_free       anything not friendly and not neutral: pending, unknown, suspect, hostile
                   (assumed friend counts as friendly: STANAG 1241's friendly family)
=================  ===========================================================================

Launch feasibility (:func:`launch_feasible`): the predicted intercept point (PIP, straight-line
flight at a mean speed against the track extrapolated at constant velocity,
:func:`intercept_point`) must lie inside the missile's envelope — slant range from the launcher
in [range_min, range_max] (``range_max_ballistic`` against a ballistic track when the catalog
gives it), height in [altitude_min, altitude_max], time of flight at most the missile's
self-destruct time — and, for command, semi-active and track-via-missile guidance, inside the
engagement radar's coverage (instrumented range, azimuth sector, elevation limits) and in its
line of sight over the terrain (:func:`line_of_sight`: the radar's own minimum-visible-height
raster, or the smooth 4/3 earth without terrain) with the radar radiating. Active-seeker
missiles (``active``, ``command_active``) may intercept beyond that coverage only with
external cueing (a track from another radar).

Duplicate tracks (:func:`duplicate_groups`): tracks of a picture that pass the track-to-track
association gate of each other (two feeders' tracks of one object, a swap's leftover) are one
target for fire control: if any of them is engaged (interceptors in flight, kill assessment,
killed) none is offered, and otherwise only the most accurate one (smallest position
covariance trace) is, so one object never draws two salvos.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from ..identification import Identity
from ..kinematics import enu_basis
from ..tracking.association import component_labels, pairs_within_either
from ..tracking.fusion import _inverse_spd

__all__ = [
    "ROES",
    "DOCTRINE_MODES",
    "RADAR_GUIDED",
    "roe_permits",
    "intercept_point",
    "radar_coverage",
    "line_of_sight",
    "launch_feasible",
    "DUPLICATE_GATE",
    "duplicate_groups",
    "offer_once",
    "MissileEnvelope",
    "missile_envelope",
    "Launcher",
    "FireUnitState",
    "channels_free",
]

ROES = ("weapons_hold", "weapons_tight", "weapons_free")
DOCTRINE_MODES = ("salvo", "shoot_look_shoot")
#: Guidance needing the engagement radar for the whole flight.
RADAR_GUIDED = ("command", "semi_active", "tvm")

_FRIENDLY = (Identity.FRIEND, Identity.ASSUMED_FRIEND, Identity.NEUTRAL)
_NEVER_S = 1e6  # an intercept later than this is no intercept [s]


def roe_permits(identity, roe: str) -> np.ndarray:
    """Whether the rules of engagement permit engaging objects of these identities (bool).

    ``identity``: :class:`~iads.identification.Identity` codes; ``roe`` one of :data:`ROES`.
    """
    ident = np.asarray(identity, np.int64)
    if roe == "weapons_hold":
        return np.zeros(ident.shape, bool)
    if roe == "weapons_tight":
        return ident == Identity.HOSTILE
    if roe == "weapons_free":
        return ~np.isin(ident, [int(i) for i in _FRIENDLY])
    raise ValueError(f"unknown roe {roe!r}; choose one of {', '.join(ROES)}")


def intercept_point(launch_pos, target_pos, target_vel, speed_mps):
    """Straight-line intercept: time τ with |D + V τ| = s τ and the point P + V τ.

    ``launch_pos`` (..., 3) [m], ``target_pos`` / ``target_vel`` (..., 3) [m], [m/s],
    ``speed_mps`` the missile's mean speed (...) [m/s], all broadcast together. Returns
    ``tau`` (...) [s] (+inf where the target cannot be caught, or only after more than
    10⁶ s) and the point (..., 3) [m].
    """
    p0 = np.asarray(launch_pos, float)
    P = np.asarray(target_pos, float)
    V = np.asarray(target_vel, float)
    D = P - p0
    D, V = np.broadcast_arrays(D, V)
    s = np.asarray(speed_mps, float)
    a = np.einsum("...j,...j->...", V, V) - s * s
    b = 2.0 * np.einsum("...j,...j->...", D, V)
    c = np.einsum("...j,...j->...", D, D)
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = b * b - 4.0 * a * c
        sq = np.sqrt(np.maximum(disc, 0.0))
        r1 = (-b - sq) / (2.0 * a)
        r2 = (-b + sq) / (2.0 * a)
        lin = np.where(b < 0, -c / b, np.inf)
    r1 = np.where((r1 > 0) & (disc >= 0), r1, np.inf)
    r2 = np.where((r2 > 0) & (disc >= 0), r2, np.inf)
    tau = np.where(np.abs(a) < 1e-9, lin, np.minimum(r1, r2))
    # beyond _NEVER_S the "intercept" is a numerical artefact of near-equal speeds: never
    tau = np.where(tau > _NEVER_S, np.inf, tau)
    tau = np.where(c == 0, 0.0, tau)
    ip = P + V * np.where(np.isfinite(tau), tau, 0.0)[..., None]
    return tau, ip


def radar_coverage(points, radar_pos, lat_deg, lon_deg, max_range_m, boresight_rad,
                   sector_rad, elevation_min_rad, elevation_max_rad) -> np.ndarray:
    """Points (..., 3) [m] ECEF inside a radar's coverage volume: slant range ≤ max range,
    azimuth within half the sector of the boresight, elevation (local, no refraction) within
    the limits. No terrain (stated)."""
    d = np.asarray(points, float) - np.asarray(radar_pos, float)
    enu = d @ enu_basis(lat_deg, lon_deg).T
    rng = np.linalg.norm(enu, axis=-1)
    hor = np.hypot(enu[..., 0], enu[..., 1])
    el = np.arctan2(enu[..., 2], hor)
    ok = (rng <= max_range_m) & (el >= elevation_min_rad) & (el <= elevation_max_rad)
    if sector_rad < 2 * math.pi - 1e-9:
        az = np.arctan2(enu[..., 0], enu[..., 1])
        off = np.abs((az - boresight_rad + math.pi) % (2 * math.pi) - math.pi)
        ok &= off <= 0.5 * sector_rad
    return ok


def line_of_sight(points, radar_pos, mask=None, k_factor: float = 4.0 / 3.0) -> np.ndarray:
    """Points (N, 3) [m] ECEF in the radar's line of sight (bool (N,)): over the terrain by its
    minimum-visible-height raster ``mask`` (:class:`iads.sensors.geometry.TerrainMask`, the
    one the radar's detections use), or over the smooth effective earth (radius factor
    ``k_factor``) without one."""
    from ..sensors.detection import _line_of_sight
    from ..sensors.geometry import look_geometry

    p = np.asarray(points, float).reshape(-1, 3)
    if not p.shape[0]:
        return np.zeros(0, bool)
    geo = look_geometry(np.asarray(radar_pos, float), np.zeros(3), p, np.zeros_like(p),
                        k=k_factor)
    return np.asarray(_line_of_sight(geo, mask), bool)


#: χ² gate of :func:`duplicate_groups`: 6 degrees of freedom, 99 %.
DUPLICATE_GATE = 16.812


def duplicate_groups(x, P, gate: float = DUPLICATE_GATE) -> np.ndarray:
    """Group tracks that are one object (int (K,): a group label per track, the smallest
    member index).

    Two tracks are duplicates when the track-to-track association test passes: the
    Mahalanobis distance of their state difference under the sum of their covariances,
    ``Δxᵀ (P_i + P_j)⁻¹ Δx ≤ gate`` (χ², 6 degrees of freedom; cross-covariance neglected,
    Bar-Shalom & Li, *Multitarget-Multisensor Tracking*, track-to-track association).
    Groups are the connected components of that relation (a chain of pairwise duplicates is
    one group). ``x`` (K, 6) [m, m/s], ``P``
    (K, 6, 6).
    """
    x = np.asarray(x, float).reshape(-1, 6)
    P = np.asarray(P, float).reshape(-1, 6, 6)
    k = x.shape[0]
    label = np.arange(k)
    if k < 2:
        return label
    # candidates: a pair passing the screen below has |Δp|² ≤ 2·gate·max(tr_i, tr_j), so it is
    # within the radius √(2·gate·tr) of its less accurate track
    tr = np.trace(P[:, :3, :3], axis1=1, axis2=2)
    i, j = pairs_within_either(x[:, :3], np.sqrt(2.0 * gate * tr))
    if not i.size:
        return label
    ok = _duplicate_pairs(np.ascontiguousarray(x), np.ascontiguousarray(P), i, j, tr,
                          float(gate))
    if not ok.any():
        return label
    return component_labels(i[ok], j[ok], k)


@njit(cache=True)
def _duplicate_pairs(x, P, i, j, tr, gate):
    """Whether each candidate pair (``i``, ``j``) passes :func:`duplicate_groups`' test
    ``Δxᵀ (P_i + P_j + 10⁻⁹ I)⁻¹ Δx ≤ gate`` (bool), after the exact screen: the 6-D distance
    is at least the position part's, which is at least ``|Δp|²`` / trace of the summed
    position covariance (``tr``: each track's)."""
    ok = np.zeros(i.size, np.bool_)
    S = np.empty((6, 6))
    Si = np.empty((6, 6))
    work = np.empty((6, 6))
    d = np.empty(6)
    for e in range(i.size):
        a = i[e]
        b = j[e]
        dp2 = 0.0
        for c in range(3):
            dp2 += (x[a, c] - x[b, c]) * (x[a, c] - x[b, c])
        if not dp2 <= gate * (tr[a] + tr[b]):
            continue
        for r in range(6):
            d[r] = x[a, r] - x[b, r]
            for c in range(6):
                S[r, c] = P[a, r, c] + P[b, r, c]
            S[r, r] += 1e-9
        _inverse_spd(S, Si, work, 6)
        m2 = 0.0
        for r in range(6):
            for c in range(6):
                m2 += d[r] * Si[r, c] * d[c]
        ok[e] = m2 <= gate
    return ok


def offer_once(group, engaged, candidate, accuracy) -> np.ndarray:
    """The tracks fire control may offer (bool (K,)), duplicates drawn together: none of a
    group (:func:`duplicate_groups` labels) with an ``engaged`` member, and of each other
    group only its ``candidate`` member with the smallest ``accuracy`` (e.g. the position
    covariance trace [m²]; ties: the lowest index)."""
    group = np.asarray(group)
    ok = np.asarray(candidate, bool) & ~np.isin(group, group[np.asarray(engaged, bool)])
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return ok
    order = idx[np.lexsort((idx, np.asarray(accuracy, float)[idx], group[idx]))]
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    out = np.zeros(ok.shape, bool)
    out[first] = True
    return out


@dataclass(frozen=True)
class MissileEnvelope:
    """A missile type's engagement envelope and flyout figures (SI).

    ``mean_speed_mps``: the straight-line speed used to predict the intercept point
    (assumption: ``mean_speed_fraction`` × catalog speed_max; the loop refines it with the
    flyout's own time of flight, :mod:`iads.engagement.reach`); ``max_time_s``: self-destruct
    time (the flyout's); ``range_max_ballistic_m``: the catalog's range against ballistic
    targets, ``range_max_m`` when it gives none.
    """

    missile: str
    range_min_m: float
    range_max_m: float
    range_max_ballistic_m: float
    altitude_min_m: float
    altitude_max_m: float
    mean_speed_mps: float
    max_time_s: float
    guidance: str
    pk: float

    @property
    def radar_guided(self) -> bool:
        return self.guidance in RADAR_GUIDED


def missile_envelope(missile_id: str, m, mean_speed_fraction: float = 0.6) -> MissileEnvelope:
    """The :class:`MissileEnvelope` of a catalog missile (central values)."""
    rmax = m.range_max_km.value * 1e3
    rb = m.range_max_ballistic_km.value * 1e3 if m.range_max_ballistic_km is not None else rmax
    return MissileEnvelope(
        missile=missile_id, range_min_m=m.range_min_km.value * 1e3, range_max_m=rmax,
        range_max_ballistic_m=rb, altitude_min_m=m.altitude_min_m.value,
        altitude_max_m=m.altitude_max_km.value * 1e3,
        mean_speed_mps=mean_speed_fraction * m.speed_max_mps.value,
        max_time_s=rmax / (0.5 * m.speed_max_mps.value), guidance=m.guidance, pk=m.pk.value)


def launch_feasible(env: MissileEnvelope, launcher_pos, ip, tau, ip_height_m, ballistic,
                    in_radar_coverage, radar_up: bool, cued) -> np.ndarray:
    """Whether a launch is feasible (bool, broadcast over targets).

    Parameters
    ----------
    env
        The missile's envelope.
    launcher_pos
        (3,) [m] ECEF.
    ip, tau, ip_height_m
        Predicted intercept points (T, 3) [m], times of flight (T,) [s], heights (T,) [m].
    ballistic
        (T,) bool: the track flies a ballistic profile (the ballistic range limit applies).
    in_radar_coverage
        (T,) bool: the point is inside the fire unit's engagement radar coverage.
    radar_up
        The engagement radar exists and radiates.
    cued
        (T,) bool: the track is held by another radar than the engagement radar.
    """
    slant = np.linalg.norm(np.asarray(ip, float) - np.asarray(launcher_pos, float), axis=-1)
    rmax = np.where(np.asarray(ballistic, bool), env.range_max_ballistic_m, env.range_max_m)
    ok = np.isfinite(tau) & (tau <= env.max_time_s)
    ok &= (slant >= env.range_min_m) & (slant <= rmax)
    ok &= (ip_height_m >= env.altitude_min_m) & (ip_height_m <= env.altitude_max_m)
    guided = np.asarray(in_radar_coverage, bool) & bool(radar_up)
    if env.radar_guided:
        return ok & guided
    return ok & (guided | np.asarray(cued, bool))


@dataclass
class Launcher:
    """One launcher: its rounds by missile, when it may fire next, reload state.

    ``rounds`` missile → rounds aboard; ``capacity`` missile → full load;
    ``launch_interval_s`` [s] the shortest time between two of its launches (catalog);
    ``ready_at`` [s]: the earliest next launch (launch interval, reload end); ``alive``: not
    destroyed. A launcher fires at most one missile per fire-control cycle.
    """

    id: str
    group: str
    pos: np.ndarray
    rounds: dict[str, int]
    capacity: dict[str, int]
    reload_s: float
    launch_interval_s: float = 3.0
    ready_at: float = 0.0
    alive: bool = True
    reloading: bool = False

    def total(self) -> int:
        return int(sum(self.rounds.values()))


@dataclass
class FireUnitState:
    """Runtime state of a fire unit: launchers, reserve, missiles in flight per track."""

    id: str
    system: str
    radar_index: int
    launchers: list[Launcher]
    reserve: dict[str, int]
    max_targets: int
    max_missiles: int
    in_flight: dict[int, int] = field(default_factory=dict)  # track id -> missiles
    enabled: bool = True

    def targets_engaged(self) -> int:
        return sum(1 for n in self.in_flight.values() if n > 0)

    def missiles_guided(self) -> int:
        return int(sum(self.in_flight.values()))

    def ready_rounds(self) -> int:
        return int(sum(lc.total() for lc in self.launchers if lc.alive))


def channels_free(units: list[FireUnitState], sys_targets: int, sys_missiles: int):
    """Free target and missile channels per fire unit (U,), (U,) and for the system (2 ints).

    A target engaged by two fire units of one system counts once for the system."""
    tracks = set()
    missiles = 0
    for u in units:
        tracks |= {k for k, n in u.in_flight.items() if n > 0}
        missiles += u.missiles_guided()
    ft = np.array([max(u.max_targets - u.targets_engaged(), 0) for u in units], np.int64)
    fm = np.array([max(u.max_missiles - u.missiles_guided(), 0) for u in units], np.int64)
    return ft, fm, max(sys_targets - len(tracks), 0), max(sys_missiles - missiles, 0)
