"""Threat trajectories: ballistic and quasi-ballistic missiles, terrain-following cruise missiles,
drones, strike aircraft, and raids of them (a scenario's raids: :mod:`iads.simulation.raids`).

Every threat is returned as a :class:`Threat` whose ``segments`` is a
:class:`iads.kinematics.Segments` path in ECEF [m]: stack threats with :func:`threat_paths` and
evaluate positions and velocities at any (per-object) times, vectorised, with
:func:`iads.kinematics.positions`, alongside the scenario's aircraft. Paths are chords through
points of the exact trajectory, spaced so that a chord deviates at most ``sag_m`` (1 m by
default) from the curve it replaces; velocities are the chords' (within ``a·Δt/2`` of the
true velocity, about 2 m/s for a ballistic arc).

Ballistic arcs (model)
----------------------
A **drag-free Keplerian arc on a non-rotating spherical earth** (radius
:data:`EARTH_RADIUS_M`, the IUGG mean radius; ``GM`` of WGS-84) **between two radii**: it
leaves the launch point at the terrain height h₁ there (r₁ = Rₑ + h₁) and ends on the terrain
at the aim point, h₂ (r₂ = Rₑ + h₂), with its apogee in between. Any two of ground range ``R``,
apogee height ``H`` and flight time ``T`` fix the arc (:func:`ballistic_arc`, the heights
(h₁, h₂) given). With Φ = R / Rₑ the range angle and rₐ = Rₑ + H the apogee radius, write the
conic as 1/r = 1/rₐ + 2k sin²((θ − π)/2), k = e/p, apogee at true anomaly π, launch at
π − φ₁, impact at π + φ₂ (φ₁ + φ₂ = Φ). Then sin(φ₁/2)/sin(φ₂/2) = q with
q² = (rₐ − r₁) r₂ / ((rₐ − r₂) r₁), and the closed forms are

    φ₁ = 2 atan2(q sin(Φ/2), 1 + q cos(Φ/2)),   φ₂ = Φ − φ₁,
    e = (H − h₁) / (H − h₁ + 2 r₁ sin²(φ₁/2)),  a = rₐ / (1 + e),  p = a (1 − e²),
    T = ((π − M₁) + (π − M₂)) / n,  n = √(GM / a³),  Mᵢ = Eᵢ − e sin Eᵢ,

Eᵢ the eccentric anomaly at true anomaly π − φᵢ (launch: M₁; the impact's mirror image: M₂).
With h₁ = h₂ the arc is symmetric (φ₁ = φ₂ = Φ/2) and with h₁ = h₂ = 0 these are, operation
for operation, the symmetric arc between two points at height 0 (e = H / (H + 2 Rₑ sin²(Φ/4)),
T = 2 (π − M₀)/n). ``(R, T)`` and ``(H, T)`` are solved for the third by Brent's method (T
grows monotonically with H at fixed R, and with R at fixed H; the second is ill-conditioned at
short range, where T hardly depends on R). The apogee must lie above both end points
(H > max(h₁, h₂)) and inside the flight: the shortest flight time at a range is the limit
H → max(h₁, h₂) (for h₁ = h₂ = 0 the grazing circular orbit's R/√(GM/Rₑ)). The arc is laid on
the WGS-84 ellipsoid along the geodesic from launch to aim point: the point at downrange angle
ψ is on the geodesic at distance ψ·Rₑ (so ``R`` is the geodesic distance), at ellipsoidal
height r − Rₑ (the DEM's heights are taken as ellipsoidal heights, as everywhere in iads).

* **Impact**: :func:`ballistic_threat` takes h₁ and h₂ from the ``terrain`` model (heights 0
  without one). Guarantee: the path starts at (launch, h₁) and ends at (aim, h₂) exactly, so the
  impact point is the aim point on the DEM surface (the bilinear terrain there), at
  ``t_impact``. The descent is not tested against the terrain before the aim: a slope rising
  towards the launcher more steeply than the descent angle (``arc.impact_angle_rad``, some
  15–60° for these arcs) within the last kilometres would be flown through.
* **Re-entry speed**: drag is represented only on the descending branch, by slowing the object
  along the unchanged arc with the Allen–Eggers ballistic-entry law (exponential atmosphere,
  scale height ``H_s`` = 7.2 km): v(h) = v_K(h)·exp(−C (e^(−h/H_s) − e^(−H/H_s))), with C set so
  that the speed at the impact height h₂ is ``reentry_speed_mps`` (the catalog's figure);
  continuous at the apogee. When the drag-free arc already arrives slower, nothing is slowed.
  Drag on the ascent and the burnout altitude are not modelled (burnout is at the launch
  point).
* **Quasi-ballistic** missiles (Iskander) are flown on the same Kepler arc family: a depressed
  arc of the given apogee; their aerodynamic lift is not modelled, except through the optional
  terminal manoeuvre.
* **Terminal manoeuvre** (:class:`TerminalManoeuvre`): over the last ``duration_s`` before
  impact, a displacement y(τ) = (A/ω²)(1 − cos ωτ), ω = 2π·periods/duration, is added across
  the track (``lateral``: a weave) or upwards (``vertical``: a pull-up then dive): an extra
  acceleration A cos ωτ of amplitude A = ``g`` × 9.80665 m/s², starting from zero displacement
  and rate and ending on the aim point with zero lateral rate.

Feasibility against the catalog: the ground range at most the type's ``range_max_km.high``; the
burnout speed at most its ``speed_max_mps.high`` (an apogee too low, or too high, for the range
needs more energy than the missile has); the apogee at most its ``apogee_km.high``. Errors say
which apogee and flight-time band the range allows.

Cruise missiles (model)
-----------------------
Constant speed along a ground track of geodesic legs (launch, optional ``via`` points, aim
point), at a height profile that keeps ``clearance_m`` over the DEM. The profile
(:func:`terrain_following_profile`) is computed at vertices every ``step_m`` along the track:

1. the terrain is cut every ``step_m / 4``; a vertex must clear the highest terrain sample
   within one vertex spacing on either side (so each chord clears every terrain sample below
   it);
2. the smallest profile above those minima with a climb/dive slope at most ``tan(max_slope)``
   (two sweeps of the slope-limited envelope);
3. smoothed by a running maximum then a running mean over the same window
   W = 2·tan(max_slope)·v²/(n_z·g): still above the minima (each mean is of maxima that all
   include the vertex), slope still ≤ tan(max_slope), and curvature ≤ 2·tan(max_slope)/W, so
   the vertical acceleration is at most ``n_z`` g.

Guarantee: clearance ≥ ``clearance_m`` at every terrain sample (every ``step_m/4``) along the
track up to the terminal dive; between samples the bilinear DEM can rise above the chord by at
most (terrain slope)·step_m/8. An optional terminal dive at ``terminal_dive_deg`` ends on the
ground at the aim point (clearance is not kept in the dive). The boost and climb-out after
launch are not modelled: the missile starts at its profile height over the launch point.

Named trajectories
------------------
Instead of an apogee or a flight time a ballistic shot may name its trajectory
(:func:`trajectory_apogee`), at its own range:

* ``minimum_energy``: the apogee of least burnout speed, found numerically and tested against
  Lambert's minimum-energy transfer between the two radii: a = s/2, s = (r₁ + r₂ + c)/2 with
  c the chord, so v₁² = GM (2/r₁ − 2/s), the burnout velocity bisecting the local vertical and
  the chord (for r₁ = r₂ = Rₑ: γ* = π/4 − Φ/4, Φ = R/Rₑ the range angle). It is not clipped to
  the catalog's apogee: a shot whose minimum-energy apogee exceeds ``apogee_km.high`` is
  refused;
* ``lofted``: the highest apogee the type can fly at that range, i.e. the smaller of
  ``apogee_km.high`` and the top of the band a burnout speed of ``speed_max_mps.high`` allows;
* ``depressed``: the lowest apogee a burnout speed of ``speed_max_mps.high`` allows (the
  flattest shot the motor can make).

Without any of the three, a raid flies the catalog's loft scaled to its range (apogee =
``apogee_km`` × range / ``range_max_km``, :func:`default_apogee`). The bands of all three are
those of the shot's own launch and aim heights.

Drones
------
A constant-speed route at constant altitude (MSL, or AGL following the terrain) through
:func:`iads.kinematics.route_segments`, optionally ending in a dive onto the aim point.

Aircraft
--------
:func:`aircraft_threat`: a constant-speed, constant-altitude route from the launch (base)
point through optional ``via`` points to a weapon-release point ``standoff_m`` short of the aim
point on the last leg, then back the same way to the base. The threat's ``t_impact`` is the
release time (the aircraft's weapons are not flown here).

Raids
-----
:func:`raid`: ``count`` threats of one catalog type, launch points uniform over a disc,
aim points assigned in turn, launch (or impact) times uniform over ``spread_s`` after
``start_s``, all drawn from the ``Generator`` passed in. The kind of threat
(:data:`RAID_KINDS`) defaults to the first one its catalog category allows
(:data:`CATEGORY_KINDS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numba import njit
from pyproj import Geod
from scipy.ndimage import maximum_filter1d, uniform_filter1d
from scipy.optimize import brentq, minimize_scalar

from .errors import ScenarioError, format_field_path
from .geodesy import geodetic_to_ecef
from .kinematics import Paths, RouteWaypoint, Segments, route_segments, stack_paths

__all__ = [
    "EARTH_RADIUS_M",
    "GM_EARTH",
    "G0",
    "REENTRY_SCALE_HEIGHT_M",
    "ThreatError",
    "BallisticArc",
    "TerminalManoeuvre",
    "Threat",
    "ballistic_arc",
    "ballistic_envelope",
    "ballistic_positions",
    "ballistic_threat",
    "terrain_following_profile",
    "cruise_threat",
    "drone_threat",
    "aircraft_threat",
    "TRAJECTORIES",
    "RAID_KINDS",
    "CATEGORY_KINDS",
    "trajectory_apogee",
    "default_apogee",
    "ballistic_shot",
    "raid",
    "threat_paths",
]

EARTH_RADIUS_M = 6_371_008.8  #: mean earth radius R₁ (IUGG) of the spherical-earth arcs [m]
GM_EARTH = 3.986004418e14  #: earth's gravitational parameter (WGS-84) [m³/s²]
G0 = 9.80665  #: standard gravity, the unit of manoeuvre loads [m/s²]
REENTRY_SCALE_HEIGHT_M = 7200.0  #: scale height of the Allen–Eggers re-entry atmosphere [m]

_GEOD = Geod(ellps="WGS84")


class ThreatError(ScenarioError, ValueError):
    """Threat parameters impossible for the type: a :class:`ScenarioError` and a ``ValueError``
    (the CLI prints it as one line; Python callers may catch either)."""


def _fail(where, name, expected, found):
    raise ThreatError(field=format_field_path((*where, name)), expected=expected, found=found)


# ------------------------------------------------------------------------------------------------
# Kepler arcs


@dataclass(frozen=True)
class BallisticArc:
    """A drag-free Kepler arc between a launch and an impact point on a sphere (model: module
    docstring), apogee at true anomaly π.

    Attributes
    ----------
    range_m, apogee_m, flight_time_s
        Ground range (arc length on the sphere) [m], apogee height [m], flight time [s].
    radius_m, gm
        Sphere radius [m] and gravitational parameter [m³/s²].
    e, a, p
        Eccentricity [-], semi-major axis [m], semi-latus rectum [m].
    mean_motion
        n = √(GM/a³) [rad/s].
    mean_anomaly0, true_anomaly0
        Mean and true anomaly at launch [rad] (apogee at π).
    burnout_speed_mps, burnout_angle_rad
        Speed [m/s] and flight-path angle above the horizontal [rad] at launch.
    launch_height_m, aim_height_m
        Heights of the launch and impact points above the sphere [m] (h₁, h₂).
    impact_speed_mps, impact_angle_rad
        Drag-free speed [m/s] and flight-path angle below the horizontal [rad] at impact (the
        burnout's when h₁ = h₂).
    apogee_time_s
        Time from launch to the apogee [s] (T/2 when h₁ = h₂).
    """

    range_m: float
    apogee_m: float
    flight_time_s: float
    radius_m: float
    gm: float
    e: float
    a: float
    p: float
    mean_motion: float
    mean_anomaly0: float
    true_anomaly0: float
    burnout_speed_mps: float
    burnout_angle_rad: float
    launch_height_m: float = 0.0
    aim_height_m: float = 0.0
    impact_speed_mps: float = math.nan
    impact_angle_rad: float = math.nan
    apogee_time_s: float = math.nan

    def state(self, t):
        """Exact state at time ``t`` [s] after launch (any shape).

        Returns
        -------
        psi, r, v_r, v_t
            Downrange angle from the launch point [rad], radius from the earth's centre [m],
            radial and transverse velocity [m/s]. Times outside [0, T] extrapolate the orbit.
        """
        t = np.asarray(t, float)
        M = self.mean_anomaly0 + self.mean_motion * t
        E = _eccentric_anomaly(M, self.e)
        e = self.e
        r = self.a * (1.0 - e * np.cos(E))
        theta = 2.0 * np.arctan2(math.sqrt(1.0 + e) * np.sin(E / 2),
                                 math.sqrt(1.0 - e) * np.cos(E / 2))
        k = math.sqrt(self.gm / self.p)
        return theta - self.true_anomaly0, r, k * e * np.sin(theta), k * (1.0 + e * np.cos(theta))

    def speed(self, height_m):
        """Speed at a height on the arc (vis-viva) [m/s]."""
        r = self.radius_m + np.asarray(height_m, float)
        return np.sqrt(self.gm * (2.0 / r - 1.0 / self.a))


def _eccentric_anomaly(M, e):
    """Solve Kepler's equation E − e sin E = M (Newton from E = π; M near π here) [rad]."""
    M = np.asarray(M, float)
    E = np.full(M.shape, math.pi) if M.ndim else np.array(math.pi)
    for _ in range(60):
        d = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
        E = E - d
        if np.all(np.abs(d) < 1e-15 * (1.0 + np.abs(E))):
            break
    return E


def _arc(range_m: float, apogee_m: float, radius_m: float, gm: float,
         heights_m: tuple[float, float] = (0.0, 0.0)) -> BallisticArc:
    """The arc of a range [m] and apogee [m] between launch and aim heights ``heights_m`` [m]
    (closed forms: module docstring; needs apogee_m > both heights)."""
    h1, h2 = heights_m
    half = range_m / (2.0 * radius_m)  # Φ/2
    r1, r2, ra = radius_m + h1, radius_m + h2, radius_m + apogee_m
    if h1 == h2:
        phi1 = phi2 = half
    else:
        q = math.sqrt((apogee_m - h1) * r2 / ((apogee_m - h2) * r1))
        phi1 = 2.0 * math.atan2(q * math.sin(half), 1.0 + q * math.cos(half))
        phi2 = 2.0 * half - phi1
    d1 = apogee_m - h1
    s2 = 2.0 * r1 * math.sin(phi1 / 2) ** 2  # r₁(1 − cos φ₁)
    e = d1 / (d1 + s2)
    one_m_e = s2 / (d1 + s2)
    a = ra / (1.0 + e)
    p = ra * one_m_e
    n = math.sqrt(gm / a**3)

    def mean_anomaly(th):
        E = 2.0 * math.atan2(math.sqrt(one_m_e) * math.sin(th / 2),
                             math.sqrt(1.0 + e) * math.cos(th / 2))
        return E - e * math.sin(E)

    th1, th2 = math.pi - phi1, math.pi - phi2  # launch; the impact's mirror image
    M1 = mean_anomaly(th1)
    M2 = M1 if phi2 == phi1 else mean_anomaly(th2)
    k = math.sqrt(gm / p)
    vr, vt = k * e * math.sin(th1), k * (1.0 + e * math.cos(th1))
    vr2, vt2 = k * e * math.sin(th2), k * (1.0 + e * math.cos(th2))
    return BallisticArc(range_m=range_m, apogee_m=apogee_m,
                        flight_time_s=((math.pi - M1) + (math.pi - M2)) / n, radius_m=radius_m,
                        gm=gm, e=e, a=a, p=p, mean_motion=n, mean_anomaly0=M1,
                        true_anomaly0=th1, burnout_speed_mps=math.hypot(vr, vt),
                        burnout_angle_rad=math.atan2(vr, vt), launch_height_m=h1,
                        aim_height_m=h2, impact_speed_mps=math.hypot(vr2, vt2),
                        impact_angle_rad=math.atan2(vr2, vt2),
                        apogee_time_s=(math.pi - M1) / n)


def ballistic_arc(range_m: float | None = None, apogee_m: float | None = None,
                  flight_time_s: float | None = None, *,
                  heights_m: tuple[float, float] = (0.0, 0.0), radius_m: float = EARTH_RADIUS_M,
                  gm: float = GM_EARTH, where: tuple = ()) -> BallisticArc:
    """The drag-free Kepler arc fixed by exactly two of range, apogee and flight time.

    Parameters
    ----------
    range_m
        Ground range, 0 < R < π·radius [m].
    apogee_m
        Apogee height above the sphere, > 0 and above both ``heights_m`` [m].
    flight_time_s
        Flight time [s]: with ``range_m``, longer than the limit of an apogee at the higher end
        point (for heights 0 the grazing circular orbit's time R/√(GM/Rₑ)); with ``apogee_m``,
        between the near-vertical shot's and the antipodal shot's.
    heights_m
        (launch, aim) heights above the sphere [m] (h₁, h₂): the arc starts at h₁ and ends at
        h₂ (the terrain there).
    radius_m, gm
        Sphere radius [m] and gravitational parameter [m³/s²].
    where
        Field path prefix for error messages.

    Raises
    ------
    ThreatError
        Not exactly two given, or values no arc can have (the message gives the allowed range).

    Examples
    --------
    >>> arc = ballistic_arc(range_m=300e3, apogee_m=50e3)
    >>> round(arc.flight_time_s, 1), round(arc.burnout_speed_mps)
    (206.7, 1758)
    >>> arc = ballistic_arc(range_m=300e3, apogee_m=50e3, heights_m=(100.0, 850.0))
    >>> round(arc.flight_time_s, 1), round(arc.burnout_speed_mps), round(arc.impact_speed_mps)
    (205.8, 1763, 1759)
    """
    given = [x is not None for x in (range_m, apogee_m, flight_time_s)]
    if sum(given) != 2:
        names = [n for n, g in zip(("range_m", "apogee_m", "flight_time_s"), given, strict=True)
                 if g]
        _fail(where, "range_m/apogee_m/flight_time_s",
              "exactly two of range, apogee and flight time", ", ".join(names) or "none")
    h1, h2 = (float(h) for h in heights_m)
    if not (math.isfinite(h1) and math.isfinite(h2) and min(h1, h2) > -0.01 * radius_m):
        raise ValueError(f"heights_m must be finite heights above the sphere, got {heights_m}")
    hs = (h1, h2)
    h_top = max(0.0, h1, h2)
    r_max = math.pi * radius_m
    if range_m is not None and not 0.0 < range_m < r_max:
        _fail(where, "range_m", f"a range in (0, {r_max / 1e3:.0f}) km", f"{range_m / 1e3:g} km")
    if apogee_m is not None and not apogee_m > h_top:
        _fail(where, "apogee_m", f"an apogee > {h_top / 1e3:g} km (above the launch and aim "
              "points)", f"{apogee_m / 1e3:g} km")
    if flight_time_s is not None and not flight_time_s > 0.0:
        _fail(where, "flight_time_s", "a flight time > 0 s", f"{flight_time_s:g} s")
    if flight_time_s is None:
        return _arc(range_m, apogee_m, radius_m, gm, hs)
    T = flight_time_s
    if apogee_m is None:
        lo = h_top + 1e-9
        if h1 == h2 == 0.0:
            t_min = range_m / math.sqrt(gm / radius_m)
            why = "the grazing orbit's time"
        else:
            t_min = _arc(range_m, lo, radius_m, gm, hs).flight_time_s
            why = "the limit of an apogee at the higher end point"
        if not T > t_min * (1.0 + 1e-9):
            _fail(where, "flight_time_s",
                  f"a flight time > {t_min:.1f} s for a {range_m / 1e3:g} km range ({why})",
                  f"{T:g} s")
        hi = h_top + max(1.0, radius_m * 1e-3)
        while _arc(range_m, hi, radius_m, gm, hs).flight_time_s < T:
            hi = h_top + 2.0 * (hi - h_top)
            if hi > 1e4 * radius_m:
                _fail(where, "flight_time_s", "a flight time an orbit below escape can take",
                      f"{T:g} s")
        H = brentq(lambda h: _arc(range_m, h, radius_m, gm, hs).flight_time_s - T, lo, hi,
                   xtol=1e-9, rtol=4 * np.finfo(float).eps, maxiter=500)
        return _arc(range_m, H, radius_m, gm, hs)
    # apogee and time: solve for the range
    lo_r, hi_r = 1e-3 * apogee_m, r_max * (1.0 - 1e-9)
    t_lo = _arc(lo_r, apogee_m, radius_m, gm, hs).flight_time_s
    t_hi = _arc(hi_r, apogee_m, radius_m, gm, hs).flight_time_s
    if not t_lo < T < t_hi:
        _fail(where, "flight_time_s",
              f"a flight time in ({t_lo:.2f}, {t_hi:.1f}) s for a {apogee_m / 1e3:g} km apogee",
              f"{T:g} s")
    R = brentq(lambda x: _arc(x, apogee_m, radius_m, gm, hs).flight_time_s - T, lo_r, hi_r,
               xtol=1e-6, rtol=4 * np.finfo(float).eps, maxiter=500)
    return _arc(R, apogee_m, radius_m, gm, hs)


def _min_energy_apogee(range_m: float, radius_m: float = EARTH_RADIUS_M,
                       gm: float = GM_EARTH, heights_m: tuple[float, float] = (0.0, 0.0)
                       ) -> float:
    """Apogee [m] of the arc of least burnout speed at a range [m] between heights
    ``heights_m`` [m] (numerical minimum over the apogee's height above the higher end)."""
    span = max(range_m, 1.0)
    h_top = max(0.0, *heights_m)
    res = minimize_scalar(
        lambda lh: _arc(range_m, h_top + math.exp(lh), radius_m, gm,
                        heights_m).burnout_speed_mps,
        bounds=(math.log(span * 1e-6), math.log(span * 10.0)), method="bounded",
        options={"xatol": 1e-10})
    return h_top + math.exp(res.x)


def ballistic_envelope(range_m: float, speed_max_mps: float, apogee_max_m: float = math.inf, *,
                       heights_m: tuple[float, float] = (0.0, 0.0),
                       radius_m: float = EARTH_RADIUS_M, gm: float = GM_EARTH):
    """Apogees and flight times a missile of burnout speed ≤ ``speed_max_mps`` can fly at a range.

    Parameters
    ----------
    range_m
        Ground range [m].
    speed_max_mps
        Largest burnout speed [m/s].
    apogee_max_m
        Largest apogee allowed [m].
    heights_m
        (launch, aim) heights above the sphere [m].

    Returns
    -------
    (apogee_lo, apogee_hi), (time_lo, time_hi)
        Bands [m] and [s] (flight time grows with apogee at fixed range); ``None`` when even
        the minimum-energy arc needs more than ``speed_max_mps`` (or ``apogee_max_m`` is below
        the lowest reachable apogee).
    """
    def v(h):
        return _arc(range_m, h, radius_m, gm, heights_m).burnout_speed_mps

    span = max(range_m, 1.0)
    h_top = max(0.0, *heights_m)
    h_me = _min_energy_apogee(range_m, radius_m, gm, heights_m)
    if v(h_me) > speed_max_mps:
        return None
    lo = h_top + span * 1e-9
    h_lo = lo if v(lo) <= speed_max_mps else brentq(lambda h: v(h) - speed_max_mps, lo, h_me,
                                                     xtol=1e-6)
    hi = h_me
    while v(hi) < speed_max_mps and hi < 1e3 * radius_m:
        hi = h_top + 2.0 * (hi - h_top)
    h_hi = hi if v(hi) < speed_max_mps else brentq(lambda h: v(h) - speed_max_mps, h_me, hi,
                                                    xtol=1e-6)
    h_hi = min(h_hi, apogee_max_m)
    if h_hi < h_lo:
        return None
    t = [_arc(range_m, h, radius_m, gm, heights_m).flight_time_s for h in (h_lo, h_hi)]
    return (h_lo, h_hi), (t[0], t[1])


#: Named ballistic trajectories (module docstring).
TRAJECTORIES = ("minimum_energy", "lofted", "depressed")


def trajectory_apogee(range_m: float, trajectory: str, target=None, *,
                      heights_m: tuple[float, float] = (0.0, 0.0), type_id: str = "",
                      where: tuple = ()) -> float:
    """Apogee [m] of a named trajectory (:data:`TRAJECTORIES`) at a ground range [m], between
    (launch, aim) heights ``heights_m`` [m].

    ``lofted`` and ``depressed`` need the catalog ``target`` (its ``speed_max_mps.high`` and
    ``apogee_km.high``); ``minimum_energy`` is physics only.

    Raises
    ------
    ThreatError
        An unknown name, or a range the type cannot reach on any arc.
    """
    if trajectory not in TRAJECTORIES:
        _fail(where, "trajectory", f"one of {', '.join(TRAJECTORIES)}", repr(trajectory))
    if trajectory == "minimum_energy":
        return _min_energy_apogee(range_m, heights_m=heights_m)
    if target is None:
        raise ValueError(f"a {trajectory} trajectory needs the catalog target type")
    vmax = target.speed_max_mps.hi
    h_cap = target.apogee_km.hi * 1e3 if target.apogee_km is not None else math.inf
    env = ballistic_envelope(range_m, vmax, h_cap, heights_m=heights_m)
    if env is None:
        _fail(where, "trajectory", f"a range {type_id or target.name} can reach with a burnout "
              f"speed <= {vmax:g} m/s (catalog speed_max_mps.high) and an apogee <= "
              f"{h_cap / 1e3:g} km", f"a {range_m / 1e3:.1f} km shot")
    (h_lo, h_hi), _ = env
    return h_hi if trajectory == "lofted" else h_lo


def default_apogee(target, range_m: float, *, type_id: str = "", where: tuple = ()) -> float:
    """The catalog's loft scaled to a range: ``apogee_km`` × range / ``range_max_km`` [m]."""
    if target.apogee_km is None or target.range_max_km is None:
        name = type_id or target.name
        _fail(where, "apogee_m", f"an apogee_m, flight_time_s or trajectory ({name} has no "
              "catalog apogee)", "none")
    return target.apogee_km.value * range_m / target.range_max_km.value


def ballistic_shot(range_m: float, target=None, *, apogee_m: float | None = None,
                   flight_time_s: float | None = None, trajectory: str | None = None,
                   heights_m: tuple[float, float] = (0.0, 0.0), type_id: str = "",
                   where: tuple = ()) -> BallisticArc:
    """The drag-free arc of one shot at a ground range [m] from a launch to an aim height
    (``heights_m`` [m]), checked against the catalog type.

    At most one of ``apogee_m`` [m], ``flight_time_s`` [s] and ``trajectory``
    (:data:`TRAJECTORIES`) is given; with none, :func:`default_apogee` (needs ``target``).

    Raises
    ------
    ThreatError
        Parameters impossible for the type (range beyond the catalog's, apogee or flight time
        outside the band the burnout speed and apogee allow); the field is that of the
        parameter given (``range_m`` when the range alone is out of reach).
    """
    given = [n for n, x in (("apogee_m", apogee_m), ("flight_time_s", flight_time_s),
                            ("trajectory", trajectory)) if x is not None]
    if len(given) > 1:
        _fail(where, "/".join(given), "at most one of apogee_m, flight_time_s and trajectory",
              " and ".join(given))
    if trajectory is not None:
        apogee_m = trajectory_apogee(range_m, trajectory, target, heights_m=heights_m,
                                     type_id=type_id, where=where)
    elif flight_time_s is None and apogee_m is None:
        if target is None:
            raise ValueError("give apogee_m, flight_time_s or trajectory, or a catalog target")
        apogee_m = default_apogee(target, range_m, type_id=type_id, where=where)
    arc = ballistic_arc(range_m=range_m, apogee_m=apogee_m, flight_time_s=flight_time_s,
                        heights_m=heights_m, where=where)
    try:
        _check_ballistic(target, type_id, arc, where)
    except ThreatError as exc:
        if given and exc.field == format_field_path((*where, "apogee_m")):
            exc.field = format_field_path((*where, given[0]))
        raise
    return arc


# ------------------------------------------------------------------------------------------------
# laying arcs on the ellipsoid


def _enu_vectors(lat_deg, lon_deg):
    """East, north, up unit vectors (N, 3) each at geodetic (lat, lon) [°]."""
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    sl, cl, sp, cp = np.sin(lo), np.cos(lo), np.sin(la), np.cos(la)
    east = np.stack([-sl, cl, np.zeros_like(sl)], axis=-1)
    north = np.stack([-sp * cl, -sp * sl, cp], axis=-1)
    up = np.stack([cp * cl, cp * sl, sp], axis=-1)
    return east, north, up


def _ecef(lat, lon, h):
    return np.stack([np.asarray(c, float) for c in geodetic_to_ecef(lat, lon, h)], axis=-1)


def _along_geodesic(lat0, lon0, lat1, lon1, dist):
    """Points at distances ``dist`` [m] along the geodesic (lat0, lon0) → (lat1, lon1) [°]:
    lat, lon [°] and the forward azimuth there [°]."""
    az, _, _ = _GEOD.inv(lon0, lat0, lon1, lat1)
    d = np.asarray(dist, float)
    lon, lat, back = _GEOD.fwd(np.full(d.shape, lon0), np.full(d.shape, lat0),
                               np.full(d.shape, az), d)
    return np.asarray(lat, float), np.asarray(lon, float), np.asarray(back, float) + 180.0


def ballistic_positions(arc: BallisticArc, launch, aim, t):
    """Exact drag-free positions of a Kepler arc laid from ``launch`` to ``aim``, ECEF [m].

    Parameters
    ----------
    arc
        The arc; its ``range_m`` should be the geodesic distance between the two points.
    launch, aim
        (lat, lon) [°].
    t
        Times after launch [s], (N,).

    Returns
    -------
    numpy.ndarray
        (N, 3) [m]: the point at downrange angle ψ on the geodesic at distance ψ·Rₑ, at
        ellipsoidal height r − Rₑ (from the arc's launch height at t = 0 to its aim height at
        its flight time).
    """
    psi, r, _, _ = arc.state(np.atleast_1d(np.asarray(t, float)))
    lat, lon, _ = _along_geodesic(launch[0], launch[1], aim[0], aim[1], psi * arc.radius_m)
    return _ecef(lat, lon, r - arc.radius_m)


@dataclass(frozen=True)
class TerminalManoeuvre:
    """A weave or pull-up over the last seconds before impact.

    Attributes
    ----------
    g
        Amplitude of the added acceleration [g] (× 9.80665 m/s²), > 0.
    duration_s
        Length of the manoeuvre, ending at impact [s].
    periods
        Whole periods of the cos-shaped acceleration in ``duration_s`` (≥ 1).
    plane
        ``"lateral"``: across the ground track, to the right first (a weave);
        ``"vertical"``: upwards first (a pull-up, then a dive onto the aim point).
    """

    g: float
    duration_s: float
    periods: int = 1
    plane: str = "lateral"

    def __post_init__(self):
        if self.plane not in ("lateral", "vertical"):
            raise ValueError(f"plane must be 'lateral' or 'vertical', got {self.plane!r}")
        if not (self.g > 0 and self.duration_s > 0 and self.periods >= 1):
            raise ValueError("need g > 0, duration_s > 0 and periods >= 1")

    @property
    def omega(self) -> float:
        """Angular frequency of the manoeuvre [rad/s]."""
        return 2.0 * math.pi * self.periods / self.duration_s

    def displacement(self, tau):
        """Offset [m] at time ``tau`` [s] into the manoeuvre (0 outside [0, duration])."""
        tau = np.asarray(tau, float)
        w = self.omega
        y = self.g * G0 / w**2 * (1.0 - np.cos(w * tau))
        return np.where((tau >= 0) & (tau <= self.duration_s), y, 0.0)


@dataclass(frozen=True)
class Threat:
    """One threat's trajectory.

    Attributes
    ----------
    type_id
        Catalog target id (may be empty).
    kind
        ``"ballistic"``, ``"quasi_ballistic"``, ``"cruise"``, ``"drone"`` or ``"aircraft"``.
    launch, aim
        (lat, lon) [°] of the launch and aim points.
    t_launch, t_impact
        Start of the path and impact time [s] (for aircraft: the weapon-release time; the path
        goes on to ``segments.t_end``, back at the base).
    segments
        The path (:class:`iads.kinematics.Segments`, ECEF).
    arc
        The drag-free Kepler arc of a ballistic threat, else None.
    impact_speed_mps
        Speed at the end of the path [m/s].
    """

    type_id: str
    kind: str
    launch: tuple[float, float]
    aim: tuple[float, float]
    t_launch: float
    t_impact: float
    segments: Segments
    arc: BallisticArc | None = None
    impact_speed_mps: float = math.nan


def _chords(times, pts, t_end) -> Segments:
    """Linear segments through points (V, 3) at times (V,) [s]."""
    dt = np.diff(times)
    keep = dt > 0
    vel = np.diff(pts, axis=0)[keep] / dt[keep, None]
    return Segments(t0=np.ascontiguousarray(times[:-1][keep]),
                    p0=np.ascontiguousarray(pts[:-1][keep]), v=np.ascontiguousarray(vel),
                    c=np.zeros((int(keep.sum()), 3)), w=np.zeros(int(keep.sum())),
                    phi0=np.zeros(int(keep.sum())), is_arc=np.zeros(int(keep.sum()), bool),
                    t_end=float(t_end))


def _shift(seg: Segments, dt: float) -> Segments:
    return replace(seg, t0=seg.t0 + dt, t_end=seg.t_end + dt)


def _check_ballistic(target, type_id, arc, where):
    if target is None:
        return
    name = type_id or target.name
    if target.range_max_km is not None and arc.range_m > target.range_max_km.hi * 1e3 * (1 + 1e-9):
        _fail(where, "range_m", f"a range up to {target.range_max_km.hi:g} km for {name} "
              "(catalog range_max_km.high)", f"{arc.range_m / 1e3:.1f} km")
    h_cap = target.apogee_km.hi * 1e3 if target.apogee_km is not None else math.inf
    vmax = target.speed_max_mps.hi
    if arc.burnout_speed_mps <= vmax * (1 + 1e-9) and arc.apogee_m <= h_cap * (1 + 1e-9):
        return
    env = ballistic_envelope(arc.range_m, vmax, h_cap, radius_m=arc.radius_m, gm=arc.gm,
                             heights_m=(arc.launch_height_m, arc.aim_height_m))
    r_km = arc.range_m / 1e3
    if env is None:
        _fail(where, "range_m", f"a range {name} can reach with a burnout speed <= {vmax:g} m/s "
              f"(catalog speed_max_mps.high) and an apogee <= {h_cap / 1e3:g} km",
              f"{r_km:.1f} km")
    (h_lo, h_hi), (t_lo, t_hi) = env
    why = (f"burnout speed {arc.burnout_speed_mps:.0f} m/s > {vmax:g} m/s"
           if arc.burnout_speed_mps > vmax * (1 + 1e-9)
           else f"apogee above {h_cap / 1e3:g} km (catalog apogee_km.high)")
    _fail(where, "apogee_m",
          f"an apogee in [{h_lo / 1e3:.1f}, {h_hi / 1e3:.1f}] km (flight time "
          f"[{t_lo:.1f}, {t_hi:.1f}] s) for a {r_km:.1f} km shot of {name} ({why})",
          f"{arc.apogee_m / 1e3:.1f} km (flight time {arc.flight_time_s:.1f} s)")


def ballistic_threat(launch, aim, *, apogee_m: float | None = None,
                     flight_time_s: float | None = None, trajectory: str | None = None,
                     kind: str = "ballistic", t_launch: float = 0.0,
                     reentry_speed_mps: float | None = None,
                     manoeuvre: TerminalManoeuvre | None = None,
                     terrain: Callable | None = None, target=None,
                     type_id: str = "", sag_m: float = 1.0,
                     scale_height_m: float = REENTRY_SCALE_HEIGHT_M,
                     where: tuple = ()) -> Threat:
    """A ballistic or quasi-ballistic missile from ``launch`` to ``aim`` (model: module doc).

    Parameters
    ----------
    launch, aim
        (lat, lon) [°]; the range is their geodesic distance.
    apogee_m, flight_time_s, trajectory
        At most one: apogee [m], flight time [s] (the drag-free arc's) or a named trajectory
        (:data:`TRAJECTORIES`); the rest is derived. None of them: the catalog loft scaled to
        the range (:func:`default_apogee`, needs ``target``).
    kind
        ``"ballistic"`` or ``"quasi_ballistic"`` (the same arc; recorded in the result).
    t_launch
        Launch time [s].
    reentry_speed_mps
        Impact speed the descent slows to [m/s] (None: drag-free to the ground).
    manoeuvre
        Optional terminal manoeuvre.
    terrain
        ``terrain(lat [°], lon [°]) -> m`` (e.g. ``functools.partial(iads.terrain.elevation_at,
        dem)``): the arc starts on the terrain at the launch point and ends on it at the aim
        point. None: both at height 0.
    target
        The catalog :class:`iads.catalog.schema.Target` to check feasibility against (None:
        physics only).
    type_id
        Catalog id, for the result and messages.
    sag_m
        Largest deviation of a chord from the trajectory [m].
    scale_height_m
        Scale height of the re-entry atmosphere [m].
    where
        Field path prefix for error messages.

    Raises
    ------
    ThreatError
        Parameters impossible for the type (range, apogee or time outside the allowed band).
    """
    if kind not in ("ballistic", "quasi_ballistic"):
        raise ValueError(f"kind must be 'ballistic' or 'quasi_ballistic', got {kind!r}")
    if not sag_m > 0:
        raise ValueError(f"sag_m must be > 0, got {sag_m}")
    _, _, dist = _GEOD.inv(launch[1], launch[0], aim[1], aim[0])
    heights = (0.0, 0.0)
    if terrain is not None:
        ground = np.asarray(terrain(np.array([launch[0], aim[0]], float),
                                    np.array([launch[1], aim[1]], float)), float)
        heights = (float(ground[0]), float(ground[1]))
    arc = ballistic_shot(float(dist), target, apogee_m=apogee_m, flight_time_s=flight_time_s,
                         trajectory=trajectory, heights_m=heights, type_id=type_id, where=where)
    t_desc = arc.flight_time_s - arc.apogee_time_s
    if manoeuvre is not None and manoeuvre.duration_s >= t_desc:
        _fail(where, "manoeuvre.duration_s",
              f"a manoeuvre shorter than the descent ({t_desc:.1f} s)",
              f"{manoeuvre.duration_s:g} s")
    v_imp_k = arc.impact_speed_mps
    h_imp = arc.aim_height_m
    C = 0.0
    if reentry_speed_mps is not None:
        if not reentry_speed_mps > 0:
            _fail(where, "reentry_speed_mps", "a speed > 0 m/s", f"{reentry_speed_mps:g}")
        if reentry_speed_mps < v_imp_k:
            C = math.log(v_imp_k / reentry_speed_mps) / (
                math.exp(-h_imp / scale_height_m) - math.exp(-arc.apogee_m / scale_height_m))
    T = arc.flight_time_s
    g_max = arc.gm / arc.radius_m**2
    a_man = manoeuvre.g * G0 if manoeuvre is not None else 0.0

    def factor(h, descending):
        f = np.exp(-C * (np.exp(-h / scale_height_m) - math.exp(-arc.apogee_m / scale_height_m)))
        return np.where(descending, f, 1.0)

    f_min = math.exp(-C * (math.exp(-h_imp / scale_height_m)
                           - math.exp(-arc.apogee_m / scale_height_m)))
    a_dec = 0.0
    for _ in range(3):  # vertex step from the largest acceleration on the path
        dt_k = f_min * math.sqrt(8.0 * sag_m / (g_max + a_man + a_dec))
        n = max(2, math.ceil(T / dt_k))
        tk = np.linspace(0.0, T, n + 1)
        psi, r, vr, vt = arc.state(tk)
        h = r - arc.radius_m
        h[0], h[-1] = arc.launch_height_m, h_imp
        f = factor(h, tk > arc.apogee_time_s)
        # re-timing: dt' = dt / f (trapezoid on the vertex grid)
        tp = np.concatenate([[0.0], np.cumsum(0.5 * (1 / f[1:] + 1 / f[:-1]) * np.diff(tk))])
        speed = np.hypot(vr, vt) * f
        a_new = float(np.max(np.abs(np.diff(speed) / np.diff(tp)))) if C > 0 else 0.0
        if a_new <= a_dec * 1.05 + 1e-9:
            break
        a_dec = a_new
    lat, lon, az = _along_geodesic(launch[0], launch[1], aim[0], aim[1], psi * arc.radius_m)
    lat[-1], lon[-1] = aim
    lat[0], lon[0] = launch
    pts = _ecef(lat, lon, h)
    t_imp = float(tp[-1])
    if manoeuvre is not None:
        tau = tp - (t_imp - manoeuvre.duration_s)
        y = manoeuvre.displacement(tau)
        east, north, up = _enu_vectors(lat, lon)
        if manoeuvre.plane == "lateral":
            azr = np.radians(az)[:, None]
            axis = np.cos(azr) * east - np.sin(azr) * north
        else:
            axis = up
        pts = pts + y[:, None] * axis
    seg = _chords(tp + t_launch, pts, t_imp + t_launch)
    return Threat(type_id=type_id, kind=kind, launch=tuple(launch), aim=tuple(aim),
                  t_launch=t_launch, t_impact=t_imp + t_launch, segments=seg, arc=arc,
                  impact_speed_mps=float(speed[-1]))


# ------------------------------------------------------------------------------------------------
# cruise missiles


@njit(cache=True)
def _slope_envelope(z, dz):
    """Smallest sequence ≥ z whose steps are at most dz (forward and backward sweeps)."""
    out = z.copy()
    for i in range(1, out.shape[0]):
        out[i] = max(out[i], out[i - 1] - dz)
    for i in range(out.shape[0] - 2, -1, -1):
        out[i] = max(out[i], out[i + 1] - dz)
    return out


def terrain_following_profile(terrain_m, spacing_m: float, clearance_m: float, *,
                              max_slope_deg: float, window_m: float, oversample: int = 4):
    """Height profile of a terrain-following flight (algorithm: module docstring).

    Parameters
    ----------
    terrain_m
        Terrain heights along the track every ``spacing_m`` [m MSL], (N·oversample + 1,).
    spacing_m
        Distance between terrain samples [m].
    clearance_m
        Height to keep above the terrain [m].
    max_slope_deg
        Largest climb or dive angle [°], in (0, 90).
    window_m
        Smoothing window [m] (0: none): the profile's curvature is at most
        2·tan(max_slope)/window.
    oversample
        Terrain samples per profile vertex (vertices every ``oversample`` samples).

    Returns
    -------
    numpy.ndarray
        Profile heights at the vertices (N + 1,) [m MSL]: at least ``clearance_m`` above every
        terrain sample between the neighbouring vertices, slope ≤ tan(max_slope_deg).
    """
    h = np.asarray(terrain_m, float)
    k = int(oversample)
    if k < 1 or (h.shape[0] - 1) % k:
        raise ValueError("terrain_m needs oversample·N + 1 samples")
    if not 0.0 < max_slope_deg < 90.0:
        raise ValueError(f"max_slope_deg must be in (0, 90), got {max_slope_deg}")
    dv = spacing_m * k
    z_min = maximum_filter1d(h, size=2 * k + 1, mode="nearest")[::k] + clearance_m
    z = _slope_envelope(z_min, math.tan(math.radians(max_slope_deg)) * dv)
    m = int(math.ceil(window_m / (2.0 * dv))) if window_m > 0 else 0
    if m > 0 and z.shape[0] > 1:
        z = maximum_filter1d(z, size=2 * m + 1, mode="nearest")
        z = uniform_filter1d(z, size=2 * m + 1, mode="nearest")
    return z


def _track(points, step_m, over):
    """Points along the geodesic legs through ``points`` [(lat, lon)], uniformly spaced, with
    vertices (every ``over``-th point) at most ``step_m`` apart: lat, lon [°], the spacing [m]
    and the total length [m]."""
    pts = np.asarray(points, float)
    az, _, d = _GEOD.inv(pts[:-1, 1], pts[:-1, 0], pts[1:, 1], pts[1:, 0])
    d = np.atleast_1d(np.asarray(d, float))
    az = np.atleast_1d(np.asarray(az, float))
    total = float(d.sum())
    n = max(1, math.ceil(total / step_m)) * over
    s = np.linspace(0.0, total, n + 1)
    cum = np.concatenate([[0.0], np.cumsum(d)])
    leg = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, d.shape[0] - 1)
    lon, lat, _ = _GEOD.fwd(pts[leg, 1], pts[leg, 0], az[leg], s - cum[leg])
    lat = np.asarray(lat, float)
    lon = np.asarray(lon, float)
    lat[-1], lon[-1] = pts[-1]
    return lat, lon, total / n, total


def cruise_threat(launch, aim, terrain: Callable, *, speed_mps: float, clearance_m: float,
                  t_launch: float = 0.0, via: Sequence = (), max_slope_deg: float = 8.0,
                  n_z: float = 1.0, step_m: float = 200.0,
                  terminal_dive_deg: float | None = 30.0, target=None, type_id: str = "",
                  where: tuple = ()) -> Threat:
    """A subsonic cruise missile following the terrain (model: module docstring).

    Parameters
    ----------
    launch, aim
        (lat, lon) [°].
    terrain
        ``terrain(lat_deg, lon_deg) -> m MSL`` on arrays (e.g.
        ``functools.partial(iads.terrain.elevation_at, dem)``).
    speed_mps
        Constant speed along the path [m/s].
    clearance_m
        Height kept above the terrain [m].
    t_launch
        Launch time [s].
    via
        Intermediate (lat, lon) points of the ground track [°].
    max_slope_deg
        Climb/dive limit [°] (assumption: 8°, plausible 5–15°).
    n_z
        Largest extra vertical load of the profile [g] (assumption: 1 g, plausible 0.5–2).
    step_m
        Profile vertex spacing [m] (terrain is cut every step_m / 4).
    terminal_dive_deg
        Dive angle onto the aim point [°]; None: end at profile height over the aim point.
    target
        Catalog :class:`~iads.catalog.schema.Target` to check speed, clearance and range.
    type_id, where
        For results and messages.
    """
    _check_air(target, type_id, where, speed_mps, "clearance_m", clearance_m)
    if not clearance_m >= 0:
        _fail(where, "clearance_m", "a clearance >= 0 m", f"{clearance_m:g}")
    if not (step_m > 0 and n_z > 0):
        raise ValueError("step_m and n_z must be > 0")
    pts = [tuple(launch), *[tuple(p) for p in via], tuple(aim)]
    over = 4
    lat, lon, ds, total = _track(pts, step_m, over)
    if target is not None and target.range_max_km is not None and \
            total > target.range_max_km.hi * 1e3:
        _fail(where, "range_m", f"a route up to {target.range_max_km.hi:g} km for "
              f"{type_id or target.name} (catalog range_max_km.high)", f"{total / 1e3:.1f} km")
    ground = np.asarray(terrain(lat, lon), float)
    slope = math.tan(math.radians(max_slope_deg))
    window = 2.0 * slope * speed_mps**2 / (n_z * G0)
    z = terrain_following_profile(ground, ds, clearance_m, max_slope_deg=max_slope_deg,
                                  window_m=window, oversample=over)
    vlat, vlon = lat[::over], lon[::over]
    s = np.arange(vlat.shape[0]) * (ds * over)
    if terminal_dive_deg is not None:
        if not 0.0 < terminal_dive_deg <= 90.0:
            _fail(where, "terminal_dive_deg", "a dive angle in (0, 90] degrees",
                  f"{terminal_dive_deg:g}")
        line = ground[::over][-1] + (total - s) * math.tan(math.radians(terminal_dive_deg))
        above = np.flatnonzero(z <= line)
        i = int(above[-1]) if above.size else 0
        if i < z.shape[0] - 1:
            # crossing between vertices i and i+1 (linear in s on both)
            d0, d1 = line[i] - z[i], line[i + 1] - z[i + 1]
            frac = d0 / (d0 - d1) if d0 != d1 else 0.0
            s_x = s[i] + frac * (s[i + 1] - s[i])
            x_lat, x_lon, _ = _along_geodesic(vlat[i], vlon[i], vlat[i + 1], vlon[i + 1],
                                              np.array([frac * (s[i + 1] - s[i])]))
            z_x = z[i] + frac * (z[i + 1] - z[i])
            vlat = np.concatenate([vlat[: i + 1], x_lat, vlat[i + 1:]])
            vlon = np.concatenate([vlon[: i + 1], x_lon, vlon[i + 1:]])
            z = np.concatenate([z[: i + 1], [z_x], line[i + 1:]])
            s = np.concatenate([s[: i + 1], [s_x], s[i + 1:]])
        z[-1] = ground[-1]
    p = _ecef(vlat, vlon, z)
    chord = np.linalg.norm(np.diff(p, axis=0), axis=1)
    times = t_launch + np.concatenate([[0.0], np.cumsum(chord)]) / speed_mps
    seg = _chords(times, p, times[-1])
    return Threat(type_id=type_id, kind="cruise", launch=tuple(launch), aim=tuple(aim),
                  t_launch=t_launch, t_impact=float(times[-1]), segments=seg,
                  impact_speed_mps=float(speed_mps))


# ------------------------------------------------------------------------------------------------
# drones


def drone_threat(launch, aim, *, speed_mps: float, alt_m: float, alt_ref: str = "msl",
                 terrain: Callable | None = None, t_launch: float = 0.0, via: Sequence = (),
                 terminal_dive_deg: float | None = None, target=None, type_id: str = "",
                 where: tuple = ()) -> Threat:
    """A drone flying a constant-speed waypoint route (:func:`iads.kinematics.route_segments`).

    Parameters
    ----------
    launch, aim
        (lat, lon) [°].
    speed_mps
        Speed [m/s].
    alt_m, alt_ref
        Flight altitude [m] above ``"msl"`` or ``"agl"`` (terrain following, needs ``terrain``).
    terrain
        ``terrain(lat, lon) -> m MSL`` for AGL altitudes and the dive's end.
    t_launch
        Time at the launch point [s].
    via
        Intermediate (lat, lon) points [°].
    terminal_dive_deg
        Dive angle onto the aim point (ground) [°]; None: end over the aim point at altitude.
    target, type_id, where
        Catalog type to check speed and altitude; id and field path for messages.
    """
    if alt_ref not in ("msl", "agl"):
        raise ValueError(f"alt_ref must be 'msl' or 'agl', got {alt_ref!r}")
    _check_air(target, type_id, where, speed_mps, "alt_m", alt_m)
    wps = [RouteWaypoint(launch[0], launch[1], alt_m, speed_mps, alt_ref)]
    wps += [RouteWaypoint(p[0], p[1], alt_m, None, alt_ref) for p in via]
    if terminal_dive_deg is not None:
        if not 0.0 < terminal_dive_deg <= 90.0:
            _fail(where, "terminal_dive_deg", "a dive angle in (0, 90] degrees",
                  f"{terminal_dive_deg:g}")
        g_aim = float(terrain(np.array([aim[0]]), np.array([aim[1]]))[0]) if terrain else 0.0
        prev = wps[-1]
        h_start = alt_m if alt_ref == "msl" else alt_m + float(
            terrain(np.array([prev.lat]), np.array([prev.lon]))[0])
        d_dive = max(h_start - g_aim, 0.0) / math.tan(math.radians(terminal_dive_deg))
        az, _, d = _GEOD.inv(prev.lon, prev.lat, aim[1], aim[0])
        if d_dive < d:
            lon_s, lat_s, _ = _GEOD.fwd(aim[1], aim[0], az + 180.0, d_dive)
            wps.append(RouteWaypoint(float(lat_s), float(lon_s), alt_m, None, alt_ref))
        wps.append(RouteWaypoint(aim[0], aim[1], 0.0, None, "agl" if terrain else "msl"))
    else:
        wps.append(RouteWaypoint(aim[0], aim[1], alt_m, None, alt_ref))
    seg = route_segments(wps, terrain, where=where)
    seg = _shift(seg, t_launch - float(seg.t0[0]))
    return Threat(type_id=type_id, kind="drone", launch=tuple(launch), aim=tuple(aim),
                  t_launch=t_launch, t_impact=float(seg.t_end), segments=seg,
                  impact_speed_mps=float(speed_mps))


# ------------------------------------------------------------------------------------------------
# aircraft


def aircraft_threat(base, aim, *, speed_mps: float, alt_m: float, standoff_m: float = 0.0,
                    alt_ref: str = "msl", terrain: Callable | None = None,
                    t_launch: float = 0.0, via: Sequence = (), target=None,
                    type_id: str = "", where: tuple = ()) -> Threat:
    """A strike aircraft: out to a weapon-release point and back (model: module docstring).

    Parameters
    ----------
    base, aim
        (lat, lon) [°] of the take-off (launch) point and the aim point.
    speed_mps, alt_m, alt_ref
        Constant speed [m/s] and altitude [m] above ``"msl"`` or ``"agl"``.
    standoff_m
        Release distance short of the aim point along the last leg [m] (0: over the aim).
    terrain
        ``terrain(lat, lon) -> m MSL``, for AGL altitudes.
    t_launch
        Time at the base [s].
    via
        (lat, lon) points of the ingress route [°], flown back in reverse.
    target, type_id, where
        Catalog type to check speed and altitude; id and field path for messages.
    """
    if alt_ref not in ("msl", "agl"):
        raise ValueError(f"alt_ref must be 'msl' or 'agl', got {alt_ref!r}")
    _check_air(target, type_id, where, speed_mps, "alt_m", alt_m)
    if not standoff_m >= 0:
        _fail(where, "standoff_km", "a stand-off distance >= 0 km", f"{standoff_m / 1e3:g}")
    pts = [tuple(base), *[tuple(p) for p in via]]
    last = pts[-1]
    az, _, d = _GEOD.inv(last[1], last[0], aim[1], aim[0])
    if standoff_m >= d:
        _fail(where, "standoff_km", f"a stand-off shorter than the last leg ({d / 1e3:.1f} km)",
              f"{standoff_m / 1e3:g} km")
    lon_r, lat_r, _ = _GEOD.fwd(aim[1], aim[0], az + 180.0, standoff_m) if standoff_m > 0 \
        else (aim[1], aim[0], 0.0)
    route = [*pts, (float(lat_r), float(lon_r)), *reversed(pts)]
    wps = [RouteWaypoint(p[0], p[1], alt_m, speed_mps if k == 0 else None, alt_ref)
           for k, p in enumerate(route)]
    seg = route_segments(wps, terrain, where=where)
    seg = _shift(seg, t_launch - float(seg.t0[0]))
    # the release is at the end of the ingress legs: the chord times are exact at vertices
    ingress = route_segments(wps[: len(pts) + 1], terrain, where=where)
    t_rel = t_launch + float(ingress.t_end - ingress.t0[0])
    return Threat(type_id=type_id, kind="aircraft", launch=tuple(base), aim=tuple(aim),
                  t_launch=t_launch, t_impact=t_rel, segments=seg,
                  impact_speed_mps=float(speed_mps))


def _check_air(target, type_id, where, speed_mps, alt_name, alt_m):
    """Speed and altitude of an air-breathing threat against its catalog type."""
    if target is not None:
        name = type_id or target.name
        if not 0 < speed_mps <= target.speed_max_mps.hi:
            _fail(where, "speed_mps", f"a speed in (0, {target.speed_max_mps.hi:g}] m/s for "
                  f"{name} (catalog speed_max_mps.high)", f"{speed_mps:g} m/s")
        lo, hi = target.altitude_min_m.lo, target.altitude_max_m.hi
        if not lo <= alt_m <= hi:
            what = "a clearance" if alt_name == "clearance_m" else "an altitude"
            _fail(where, alt_name, f"{what} in [{lo:g}, {hi:g}] m for {name} "
                  "(catalog altitude_min_m.low, altitude_max_m.high)", f"{alt_m:g} m")
    if not speed_mps > 0:
        _fail(where, "speed_mps", "a speed > 0 m/s", f"{speed_mps:g}")


# ------------------------------------------------------------------------------------------------
# raids

#: Kinds of raid threat.
RAID_KINDS = ("ballistic", "quasi_ballistic", "cruise", "drone", "aircraft")
#: Kinds each catalog target category may fly (the first is the default).
CATEGORY_KINDS = {
    "ballistic_missile": ("ballistic", "quasi_ballistic"),
    "cruise_missile": ("cruise",),
    "drone": ("drone", "aircraft"),
    **{c: ("aircraft",) for c in ("stealth_fighter", "fighter", "bomber", "aew", "transport",
                                  "airliner")},
}


def raid(target, count: int, launch_area, aim_points, *, rng: np.random.Generator,
         type_id: str = "", kind: str | None = None, start_s: float = 0.0,
         spread_s: float = 0.0, timing: str = "launch", terrain: Callable | None = None,
         where: tuple = (), **kwargs) -> list[Threat]:
    """``count`` threats of one catalog type (seeded by ``rng``).

    Parameters
    ----------
    target
        Catalog :class:`~iads.catalog.schema.Target`.
    count
        Number of threats, ≥ 1.
    launch_area
        (lat [°], lon [°], radius [m]): launch points uniform over the disc (azimuthal
        equidistant about the centre).
    aim_points
        [(lat, lon), ...] [°]; threat i aims at ``aim_points[i % len(aim_points)]``.
    rng
        Draws, in this order: launch azimuths, launch distances, times (each (count,)).
    type_id
        Catalog id, for results and messages.
    kind
        One of :data:`RAID_KINDS` allowed for the target's category (:data:`CATEGORY_KINDS`);
        default: the category's first.
    start_s, spread_s
        Times uniform over [start_s, start_s + spread_s] [s].
    timing
        ``"launch"``: those are launch times; ``"impact"``: they are impact times
        (time-on-target raids; launch = impact − flight time).
    terrain
        ``terrain(lat, lon) -> m MSL``, needed by cruise missiles (and AGL drones/aircraft);
        ballistic arcs start and end on it (at height 0 without it).
    where
        Field path prefix for error messages (``("raids", 2)``).
    **kwargs
        Passed to the builder of the kind (:func:`ballistic_threat`, :func:`cruise_threat`,
        :func:`drone_threat`, :func:`aircraft_threat`). Defaults from the catalog: ballistic:
        :func:`default_apogee` unless ``apogee_m``, ``flight_time_s`` or ``trajectory`` is
        given, ``reentry_speed_mps`` = catalog value; cruise: ``speed_mps`` = speed_cruise,
        ``clearance_m`` = altitude_typical; drone and aircraft: ``speed_mps`` = speed_cruise,
        ``alt_m`` = altitude_typical.

    Returns
    -------
    list[Threat]
        In order of drawing (not sorted by time).
    """
    kinds = CATEGORY_KINDS.get(target.category, ())
    kind = kind if kind is not None else (kinds[0] if kinds else None)
    if kind not in kinds:
        _fail(where, "kind", f"a kind the category {target.category} flies "
              f"({', '.join(kinds) or 'none'})", f"{kind} ({type_id or target.name})")
    if count < 1:
        _fail(where, "count", "at least 1 threat", f"{count}")
    if timing not in ("launch", "impact"):
        raise ValueError(f"timing must be 'launch' or 'impact', got {timing!r}")
    if spread_s < 0:
        _fail(where, "spread_s", "a spread >= 0 s", f"{spread_s:g}")
    lat0, lon0, radius = launch_area
    aims = [tuple(map(float, a)) for a in aim_points]
    if not aims:
        _fail(where, "aim_points", "at least one aim point", "none")
    az = rng.uniform(0.0, 360.0, count)
    dist = radius * np.sqrt(rng.uniform(0.0, 1.0, count))
    times = start_s + spread_s * rng.uniform(0.0, 1.0, count)
    lon_l, lat_l, _ = _GEOD.fwd(np.full(count, lon0), np.full(count, lat0), az, dist)
    out = []
    for i in range(count):
        launch = (float(lat_l[i]), float(lon_l[i]))
        aim = aims[i % len(aims)]
        kw = dict(kwargs)
        w = (*where, "threats", i)
        if kind in ("ballistic", "quasi_ballistic"):
            if "reentry_speed_mps" not in kw and target.reentry_speed_mps is not None:
                kw["reentry_speed_mps"] = target.reentry_speed_mps.value
            th = ballistic_threat(launch, aim, target=target, type_id=type_id, kind=kind,
                                  terrain=terrain, where=w, **kw)
        elif kind == "cruise":
            if terrain is None:
                raise ValueError("cruise-missile raids need a terrain model")
            kw.setdefault("speed_mps", target.speed_cruise_mps.value)
            kw.setdefault("clearance_m", target.altitude_typical_m.value)
            th = cruise_threat(launch, aim, terrain, target=target, type_id=type_id, where=w,
                               **kw)
        else:
            kw.setdefault("speed_mps", target.speed_cruise_mps.value)
            kw.setdefault("alt_m", target.altitude_typical_m.value)
            build = drone_threat if kind == "drone" else aircraft_threat
            th = build(launch, aim, terrain=terrain, target=target, type_id=type_id, where=w,
                       **kw)
        t = float(times[i])
        dt = t - th.t_launch if timing == "launch" else t - th.t_impact
        out.append(replace(th, t_launch=th.t_launch + dt, t_impact=th.t_impact + dt,
                           segments=_shift(th.segments, dt)))
    return out


def threat_paths(threats: Sequence[Threat], ids: Sequence[str] = ()) -> Paths:
    """Stack threats into :class:`iads.kinematics.Paths` (evaluate with
    :func:`iads.kinematics.positions`)."""
    return stack_paths([th.segments for th in threats], ids)
