"""Interceptor flyout: batched point-mass (3-DOF) flights under proportional navigation, with
closest approach, fuzing and kill probability.

Every missile in flight is one row of (M, 3) arrays in **ECEF** [m] (the frame of
:mod:`iads.kinematics` and :mod:`iads.threats`), advanced by one numba kernel per step; the
targets' states come from callbacks, so any path (a :class:`iads.kinematics.Paths`, a closed
form, a tracker's estimate) can be flown against.

Models (labelled assumptions: :class:`InterceptorParams`)
--------------------------------------------------------
* **Earth**: non-rotating, spherical gravity g = −GM r/|r|³ (no Coriolis, no J2). Altitude for
  the atmosphere and the ground check: |r| − a(1 − f·(z/|r|)²), the ellipsoid's radius at the
  geocentric latitude, within ~30 m of the ellipsoidal height.
* **Atmosphere**: density of the US Standard Atmosphere 1976 (= ISA to 32 km) below 84.852 km
  geopotential, isothermal above (:func:`isa_density`).
* **Speed profile** (catalog-driven): during the boost (``boost_time_s``) the speed rises
  linearly from ``launch_speed_mps`` to the catalog's ``speed_max_mps``, then holds through
  ``sustain_time_s`` (the motor is taken to follow that profile whatever drag and gravity do);
  then the missile coasts: dv/dt = −q/β + g·v̂, q = ½ρv², β the ballistic coefficient m/(C_D S)
  [kg/m²], constant.
* **Guidance**: proportional navigation, **pure-PN direction with the closing-speed gain**:
  a_c = N′·V_c·(Ω × v̂), Ω = (r × ṙ)/|r|² the line-of-sight rate vector from the target-state
  estimate, V_c = −ṙ·r̂ the closing speed (its magnitude is used, so that an opening geometry,
  a target pulling away, still steers towards the line of sight's rotation rather than away),
  v̂ the missile's velocity direction. a_c is normal to the missile's velocity (what lift can
  produce); in the planar small-angle engagement it is Zarchan's n_c = N′ V_c λ̇. With
  ``gravity_bias`` the normal component of gravity is cancelled as well. No guidance before
  ``guidance_delay_s``; no autopilot lag (zero-lag guidance).
* **Mid-course, then terminal homing**: while the estimated time to go |r|/V_c is above
  ``homing_time_s`` (or the estimate is not closing), the same law steers towards the
  **predicted intercept point** instead of the target: the point P = p̂ + v̂_T τ where the
  target estimate (p̂, v̂_T), extrapolated at constant velocity, meets a straight flight at
  the missile's current speed s (|p̂ + v̂_T τ − r| = s τ, smallest τ > 0), a fixed point
  (relative velocity −v), recomputed every step from the estimate (the engagement radar's
  track). Without such a point (a target too fast to catch) the target itself is used. From
  the first step the time to go falls below ``homing_time_s`` the missile homes on the
  estimate (the seeker's or the radar's track) for the rest of the flight; the time is
  recorded (``t_homing``). ``homing_time_s = inf`` gives homing from launch.
* **Loft** (``loft_deg`` γ, ``loft_ceiling_m``, ``loft_range_m``): in mid-course the aim
  point is raised along its local vertical by b = w(h) · D tan γ · min(D / D_L, 1), D the
  horizontal distance from the missile to the aim point, D_L the loft range, w(h) = 1 while
  the missile is more than ``LOFT_RAMP_M`` (5 km) under the ceiling, falling linearly to 0
  at it. The missile climbs steeply out of the dense low air, flies on above the ceiling
  towards the point, and the raise fades as D shrinks (parabolically under D_L), so the
  handover to homing is on the true line of sight. Launch directions use the same raise
  (:func:`lead_direction`). Lofting long shots to thin air is standard practice for
  long-range surface-to-air and air-to-air missiles (e.g. Imado, Kuroda & Miwa, "Optimal
  midcourse guidance for medium-range air-to-air missiles", J. Guidance 13(4), 1990;
  Zarchan, *Tactical and Strategic Missile Guidance*, AIAA, on trajectory shaping); the
  S-400's 48N6 family is launched vertically before turning over. Catalog interceptors
  (:func:`interceptor_params`) use γ = 35°, ceiling 20 km, D_L = 60 km (assumptions, chosen so
  that every catalog missile reaches its catalog range_max against a stationary point at
  10 km within 15 %, tests/test_flyout.py); ``loft_deg = 0`` (the dataclass default) flies
  straight to the predicted intercept point.
* **Guidance errors** (:class:`GuidanceErrors`, optional; the engagement loop uses them):
  the guiding estimate is the truth plus an error from the track that guides the missile.
  Until terminal homing (and to the end without a seeker: command guidance) it is the
  engagement radar's track: σ_r along the radar's line of sight to the target and R σ_θ
  across it (R the radar–target range; σ the radar's catalog measurement errors), a
  first-order Gauss–Markov process with correlation time ``track_time_s`` (a track filter's
  smoothing), the velocity error the same process's scale divided by that time. In terminal
  homing with a seeker: R_m σ_s across the missile–target line of sight (R_m the
  missile–target range, σ_s the seeker's angle noise) with a glint floor σ_g in quadrature
  in every direction, correlation time ``seeker_time_s``. The normal draws come from the
  flyout's ``Generator`` (per missile and step). Miss distances then follow the tracking
  quality: a finite miss where the exact track gives ~0.
* **Manoeuvre limit**: |a_c| ≤ min(q / w_L, n_max·g₀), w_L = m/(S·C_Lmax) the lift loading
  [kg/m²]: thin air at altitude limits the turn.
* **Integration**: fixed step ``dt`` (0.01 s, a 100 Hz guidance rate), the command computed at
  the start of the step and held over it (re-projected normal to the velocity); gravity, drag
  and the speed profile by the midpoint (RK2) rule; in boost and sustain the speed is reset to
  the profile at the end of each step. When the time to go |r|/V_c to the true target falls
  below ``refine_window_s`` (3·dt) the step shrinks to ``dt / refine`` (1 ms).
* **Closest approach and fuzing**: when the range to the *true* target stops closing (after
  the guidance delay), the closest approach in the last step is found on the cubic Hermite
  interpolant of the relative position (positions and velocities at both ends): miss distance
  and time. A pass at any distance ends the flight (no re-attack). The fuze fires if the miss
  ≤ ``fuze_radius_m``; the kill probability is Pk · f_type · exp(−miss²/(2σ²)), Pk the
  catalog single-shot figure, f_type (:data:`PK_CATEGORY_FACTOR`) for the target category,
  σ = ``sigma_lethal_m``; the kill is drawn from the ``Generator`` passed in (one uniform per
  missile, drawn first, in missile order).
* **Outcomes**, exactly one per missile: ``kill``, ``miss`` (closest approach passed without a
  kill) or ``self_destruct`` (reasons: flight time over ``max_time_s``, speed in the coast under
  ``min_speed_mps``, descending below the ellipsoid after the guidance delay (ground; terrain
  not modelled), or the target's path ended before the closest approach).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from numba import njit

from .kinematics import WGS84_A, WGS84_F, Paths, _eval_one, geodetic_of

__all__ = [
    "OUTCOMES",
    "REASONS",
    "KILL",
    "MISS",
    "SELF_DESTRUCT",
    "PK_CATEGORY_FACTOR",
    "InterceptorParams",
    "FlyoutResult",
    "interceptor_params",
    "isa_density",
    "lead_direction",
    "launch_direction",
    "raise_aim",
    "target_from_paths",
    "noisy_estimate",
    "GuidanceErrors",
    "track_error",
    "kill_probability",
    "flyout",
]

GM_EARTH = 3.986004418e14  # [m³/s²]
#: Loft of catalog interceptors [°] (:func:`interceptor_params`; assumption, module docstring).
CATALOG_LOFT_DEG = 35.0
#: Height band under the loft ceiling over which the loft fades out [m].
LOFT_RAMP_M = 5_000.0
G0 = 9.80665  # [m/s²]

KILL, MISS, SELF_DESTRUCT = 0, 1, 2
#: Outcome names by code.
OUTCOMES = ("kill", "miss", "self_destruct")
#: Reason names by code: closest approach, time out, energy out, ground, target gone.
REASONS = ("cpa", "time_out", "energy_out", "ground", "target_gone")
_CPA, _TIME, _ENERGY, _GROUND, _GONE = range(5)

#: Factor on the catalog Pk by target category (assumptions: the catalog Pk is against a
#: non-manoeuvring aircraft; a ballistic missile's warhead is small and hard to destroy with
#: blast-fragmentation (0.5, plausible 0.3–0.8); cruise missiles and drones are small and
#: fragile (0.9, plausible 0.7–1.0)).
PK_CATEGORY_FACTOR = {
    "stealth_fighter": 1.0, "fighter": 1.0, "bomber": 1.0, "aew": 1.0, "transport": 1.0,
    "airliner": 1.0, "cruise_missile": 0.9, "ballistic_missile": 0.5, "drone": 0.9,
}


# ------------------------------------------------------------------------------------------------
# parameters


@dataclass(frozen=True)
class InterceptorParams:
    """Parameters of one interceptor type. Catalog figures come from
    :func:`interceptor_params`; the others are labelled assumptions (value, plausible range).

    Attributes
    ----------
    speed_max_mps
        Catalog: speed at burnout [m/s].
    boost_time_s
        Catalog: boost duration [s] (0: launched at ``speed_max_mps``).
    pk
        Catalog: single-shot kill probability against a non-manoeuvring aircraft [-].
    max_time_s
        Self-destruct time after launch [s]. Assumption: range_max / (speed_max / 2), the
        catalog range flown at half the top speed on average.
    sustain_time_s
        Assumption: 0 s (single-pulse solid motors; 0–10 s).
    launch_speed_mps
        Assumption: 50 m/s leaving the canister (30–100).
    ballistic_coeff_kgm2
        β = m/(C_D S) in the coast. Assumption: 15,000 kg/m² (burnt-out 48N6/9M96-class
        airframes, m ≈ 200–900 kg, d ≈ 0.24–0.5 m, C_D ≈ 0.25–0.3; plausible 8,000–30,000).
    lift_loading_kgm2
        w_L = m/(S·C_Lmax). Assumption: 1,000 kg/m² (C_Lmax ≈ 4 on the body cross-section;
        500–3,000): at 25 km and 2 km/s about 8 g available.
    n_max_g
        Structural/autopilot limit [g]. Assumption: 30 g (20–60).
    nav_constant
        N′ [-]. Assumption: 4 (3–5).
    homing_time_s
        Time to go under which mid-course guidance to the predicted intercept point hands
        over to terminal homing [s]. Assumption: 10 s (5–20: seeker acquisition at ~10–40 km
        at closing speeds of 2–4 km/s); ``math.inf``: homing from launch.
    guidance_delay_s
        Unguided flight after launch [s]. Assumption: 0.5 s (0–2).
    min_speed_mps
        Self-destruct speed in the coast [m/s]. Assumption: 250 m/s (150–400).
    gravity_bias
        Cancel the normal component of gravity in the command.
    fuze_radius_m
        Largest miss at which the fuze fires [m]. Assumption: 30 m (10–50).
    sigma_lethal_m
        σ of the Gaussian lethality exp(−miss²/(2σ²)) [m]. Assumption: 10 m (5–20).
    """

    speed_max_mps: float
    boost_time_s: float
    pk: float
    max_time_s: float
    sustain_time_s: float = 0.0
    launch_speed_mps: float = 50.0
    ballistic_coeff_kgm2: float = 15_000.0
    lift_loading_kgm2: float = 1_000.0
    n_max_g: float = 30.0
    nav_constant: float = 4.0
    guidance_delay_s: float = 0.5
    min_speed_mps: float = 250.0
    gravity_bias: bool = True
    fuze_radius_m: float = 30.0
    sigma_lethal_m: float = 10.0
    homing_time_s: float = 10.0
    loft_deg: float = 0.0
    loft_ceiling_m: float = 20_000.0
    loft_range_m: float = 60_000.0

    def __post_init__(self):
        pos = ("speed_max_mps", "max_time_s", "loft_range_m", "ballistic_coeff_kgm2",
               "lift_loading_kgm2",
               "n_max_g", "nav_constant", "sigma_lethal_m", "min_speed_mps")
        for name in pos:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        nonneg = ("boost_time_s", "sustain_time_s", "launch_speed_mps", "guidance_delay_s",
                  "fuze_radius_m", "homing_time_s", "loft_ceiling_m")
        for name in nonneg:
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0.0 <= self.pk <= 1.0:
            raise ValueError(f"pk must be in [0, 1], got {self.pk}")
        if not 0.0 <= self.loft_deg < 90.0:
            raise ValueError(f"loft_deg must be in [0, 90), got {self.loft_deg}")


_COLS = ("launch_speed_mps", "speed_max_mps", "boost_time_s", "sustain_time_s",
         "ballistic_coeff_kgm2", "lift_loading_kgm2", "n_max_g", "nav_constant",
         "guidance_delay_s", "max_time_s", "min_speed_mps", "gravity_bias", "fuze_radius_m",
         "homing_time_s", "loft_deg", "loft_ceiling_m", "loft_range_m")
_LOFT = _COLS.index("loft_deg")  #: column 14: tan(loft_deg) in the kernels' table


def interceptor_params(missile, **overrides) -> InterceptorParams:
    """Parameters of a catalog :class:`~iads.catalog.schema.Missile` (central values), with
    ``overrides`` for any field of :class:`InterceptorParams`."""
    base = dict(speed_max_mps=missile.speed_max_mps.value,
                boost_time_s=missile.boost_time_s.value, pk=missile.pk.value,
                loft_deg=CATALOG_LOFT_DEG,
                sustain_time_s=(missile.sustain_time_s.value
                                if missile.sustain_time_s is not None else 0.0),
                max_time_s=missile.range_max_km.value * 1e3 / (0.5 * missile.speed_max_mps.value))
    names = {f.name for f in fields(InterceptorParams)}
    unknown = set(overrides) - names
    if unknown:
        raise ValueError(f"unknown interceptor parameter(s) {sorted(unknown)}; choose from "
                         f"{sorted(names)}")
    return InterceptorParams(**{**base, **overrides})


#: Errors of a guiding track, per missile: on, radar position (3), σ_r, σ_θ, track time,
#: seeker, seeker σ_θ, floor, seeker time.
_ECOLS = 11


@dataclass(frozen=True)
class GuidanceErrors:
    """Errors of the track that guides each missile (model: module docstring, *Guidance
    errors*). Arrays broadcast over the M missiles.

    Attributes
    ----------
    radar_pos
        ECEF position of the guiding (engagement) radar, (3,) or (M, 3) [m].
    sigma_range_m, sigma_angle_rad
        The radar's measurement σ in range [m] and angle [rad] (catalog).
    track_time_s
        Correlation time of the radar track's error [s]; its velocity error is the position
        error's scale divided by it. Assumption: 5 s (2–10: a track filter smoothing a few
        seconds of 0.1–1 s revisits).
    seeker
        The missile homes with its own seeker in the terminal phase (bool; False: the radar
        track guides to the end, command guidance).
    seeker_sigma_rad
        Seeker angle noise [rad]. Assumption: 1 mrad (0.5–3: monopulse seeker at short range).
    glint_m
        Floor of the seeker's error in every direction [m]. Assumption: 1 m (0.5–3: target
        glint, a fraction of the target's span).
    seeker_time_s
        Correlation time of the seeker's error [s] (velocity error = position error /
        it). Assumption: 0.2 s (0.1–0.5: the line-of-sight-rate filter).
    """

    radar_pos: np.ndarray
    sigma_range_m: float | np.ndarray
    sigma_angle_rad: float | np.ndarray
    track_time_s: float | np.ndarray = 5.0
    seeker: bool | np.ndarray = True
    seeker_sigma_rad: float | np.ndarray = 1e-3
    glint_m: float | np.ndarray = 1.0
    seeker_time_s: float | np.ndarray = 0.2

    def table(self, m: int) -> np.ndarray:
        """The (M, 11) table the kernel reads."""
        out = np.empty((m, _ECOLS))
        out[:, 0] = 1.0
        out[:, 1:4] = np.broadcast_to(np.asarray(self.radar_pos, float), (m, 3))
        cols = (self.sigma_range_m, self.sigma_angle_rad, self.track_time_s, self.seeker,
                self.seeker_sigma_rad, self.glint_m, self.seeker_time_s)
        for k, c in enumerate(cols):
            out[:, 4 + k] = np.broadcast_to(np.asarray(c, float), (m,))
        if not (np.all(out[:, [4, 5, 8, 9]] >= 0) and np.all(out[:, [6, 10]] > 0)):
            raise ValueError("guidance error σ must be >= 0 and correlation times > 0")
        return np.ascontiguousarray(out)


def track_error(target_pos, ref_pos, z, sigma_range_m, sigma_angle_rad, floor_m=0.0):
    """Error [m] of a track of ``target_pos`` (N, 3) [m] held from ``ref_pos`` (3,)/(N, 3) for
    unit normal draws ``z`` (N, 3): σ_r along the line of sight, R σ_θ across it, both with
    ``floor_m`` added in quadrature (the guidance error model's kernel)."""
    p = np.atleast_2d(np.asarray(target_pos, float))
    n = p.shape[0]
    ref = np.broadcast_to(np.asarray(ref_pos, float), (n, 3))
    zz = np.broadcast_to(np.asarray(z, float), (n, 3))
    out = np.empty((n, 3))
    for k in range(n):
        _track_error(p[k], ref[k], zz[k], float(sigma_range_m), float(sigma_angle_rad),
                     float(floor_m), 1.0, out[k])
    return out


# ------------------------------------------------------------------------------------------------
# atmosphere

_R0 = 6_356_766.0  # USSA76 earth radius for geopotential height [m]
_GMR = G0 * 0.0289644 / 8.31432  # g0·M/R* [K/m]
_R_AIR = 8.31432 / 0.0289644  # [J/(kg K)]
# geopotential base height [m], lapse rate [K/m], base temperature [K], base pressure [Pa]
_LAYERS = np.array([
    [0.0, -0.0065, 288.15, 101325.0],
    [11000.0, 0.0, 216.65, 22632.06],
    [20000.0, 0.001, 216.65, 5474.889],
    [32000.0, 0.0028, 228.65, 868.0187],
    [47000.0, 0.0, 270.65, 110.9063],
    [51000.0, -0.0028, 270.65, 66.93887],
    [71000.0, -0.002, 214.65, 3.956420],
    [84852.0, 0.0, 186.946, 0.3734],
])


@njit(cache=True)
def _density(h, layers):
    """US Standard Atmosphere 1976 density at geometric height h [m] → [kg/m³]."""
    h = max(h, -5000.0)
    H = _R0 * h / (_R0 + h)
    k = 0
    for j in range(layers.shape[0]):
        if H >= layers[j, 0]:
            k = j
    hb, lapse, tb, pb = layers[k, 0], layers[k, 1], layers[k, 2], layers[k, 3]
    if lapse == 0.0:
        T = tb
        p = pb * math.exp(-_GMR * (H - hb) / tb)
    else:
        T = tb + lapse * (H - hb)
        p = pb * (tb / T) ** (_GMR / lapse)
    return p / (_R_AIR * T)


@njit(cache=True)
def _density_many(h, layers, out):
    for i in range(h.shape[0]):
        out[i] = _density(h[i], layers)


def isa_density(h_m):
    """Air density of the US Standard Atmosphere 1976 at geometric height ``h_m`` [m] [kg/m³].

    Layers to 84.852 km geopotential (86 km geometric), isothermal at 186.946 K above; below
    sea level the first layer is extended (to −5 km). Broadcasts.

    Examples
    --------
    >>> round(float(isa_density(0.0)), 4)
    1.225
    """
    h = np.asarray(h_m, float)
    flat = np.ascontiguousarray(h.reshape(-1))
    out = np.empty_like(flat)
    _density_many(flat, _LAYERS, out)
    return out.reshape(h.shape) if h.ndim else float(out[0])


# ------------------------------------------------------------------------------------------------
# kernel


@njit(cache=True, inline="always")
def _altitude(x, y, z):
    r = math.sqrt(x * x + y * y + z * z)
    s = z / r
    return r - WGS84_A * (1.0 - WGS84_F * s * s)


@njit(cache=True, inline="always")
def _hermite(d0, w0, d1, w1, h, s, out):
    s2 = s * s
    s3 = s2 * s
    h00 = 2 * s3 - 3 * s2 + 1
    h10 = s3 - 2 * s2 + s
    h01 = -2 * s3 + 3 * s2
    h11 = s3 - s2
    for k in range(3):
        out[k] = h00 * d0[k] + h10 * h * w0[k] + h01 * d1[k] + h11 * h * w1[k]


@njit(cache=True)
def _cpa(d0, w0, d1, w1, h):
    """Closest approach on the Hermite cubic of the relative position over a step of h [s]:
    (miss [m], fraction of the step)."""
    buf = np.empty(3)
    gr = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = 0.0, 1.0
    c = b - gr * (b - a)
    d = a + gr * (b - a)
    _hermite(d0, w0, d1, w1, h, c, buf)
    fc = buf[0] ** 2 + buf[1] ** 2 + buf[2] ** 2
    _hermite(d0, w0, d1, w1, h, d, buf)
    fd = buf[0] ** 2 + buf[1] ** 2 + buf[2] ** 2
    for _ in range(80):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - gr * (b - a)
            _hermite(d0, w0, d1, w1, h, c, buf)
            fc = buf[0] ** 2 + buf[1] ** 2 + buf[2] ** 2
        else:
            a, c, fc = c, d, fd
            d = a + gr * (b - a)
            _hermite(d0, w0, d1, w1, h, d, buf)
            fd = buf[0] ** 2 + buf[1] ** 2 + buf[2] ** 2
    s = 0.5 * (a + b)
    best = s
    _hermite(d0, w0, d1, w1, h, s, buf)
    fb = buf[0] ** 2 + buf[1] ** 2 + buf[2] ** 2
    for s_end in (0.0, 1.0):  # the ends, in case the minimum sits there
        _hermite(d0, w0, d1, w1, h, s_end, buf)
        f = buf[0] ** 2 + buf[1] ** 2 + buf[2] ** 2
        if f < fb:
            fb, best = f, s_end
    return math.sqrt(fb), best


@njit(cache=True)
def _accel(r, v, cmd, coasting, ax, beta, layers, out, normal):
    """Acceleration at (r, v) [m/s²] into ``out``: the held command projected normal to v,
    gravity, and along v the speed profile's ``ax`` or, coasting, drag and gravity; the normal
    part (command + normal gravity) into ``normal``."""
    rn = math.sqrt(r[0] ** 2 + r[1] ** 2 + r[2] ** 2)
    s = math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
    c_par = 0.0
    g_par = 0.0
    for k in range(3):
        c_par += cmd[k] * v[k] / s
        g_par += -GM_EARTH * r[k] / rn**3 * v[k] / s
    if coasting:
        rho = _density(_altitude(r[0], r[1], r[2]), layers)
        ax = -0.5 * rho * s * s / beta + g_par
    for k in range(3):
        vh = v[k] / s
        gk = -GM_EARTH * r[k] / rn**3
        normal[k] = cmd[k] - c_par * vh + gk - g_par * vh
        out[k] = normal[k] + ax * vh


@njit(cache=True)
def _intercept_time(d, vt, s):
    """Smallest τ > 0 with |d + vt τ| = s τ (d the target's offset [m], vt its velocity
    [m/s], s the missile's speed [m/s]); −1 without one."""
    a = vt[0] ** 2 + vt[1] ** 2 + vt[2] ** 2 - s * s
    b = 2.0 * (d[0] * vt[0] + d[1] * vt[1] + d[2] * vt[2])
    c = d[0] ** 2 + d[1] ** 2 + d[2] ** 2
    if abs(a) < 1e-9 * s * s:
        return -c / b if b < 0.0 else -1.0
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        return -1.0
    sq = math.sqrt(disc)
    r1 = (-b - sq) / (2.0 * a)
    r2 = (-b + sq) / (2.0 * a)
    lo, hi = min(r1, r2), max(r1, r2)
    if lo > 0.0:
        return lo
    return hi if hi > 0.0 else -1.0


@njit(cache=True)
def _loft_weight(h_missile, ceiling):
    """Share of the loft at the missile's height [m]: 1 up to ``LOFT_RAMP_M`` under the
    ceiling, falling linearly to 0 at it."""
    return min(max((ceiling - h_missile) / LOFT_RAMP_M, 0.0), 1.0)


@njit(cache=True)
def _raise_aim(rm, de, tan_loft, ceiling, loft_range):
    """Loft: raise the aim point rm + de [m] (ECEF) along its local vertical by
    D tan γ · w(h), D the horizontal distance to go at the aim point [m], w the
    :func:`_loft_weight` of the missile's height (in place on ``de``)."""
    w = _loft_weight(_altitude(rm[0], rm[1], rm[2]), ceiling)
    if w <= 0.0:
        return
    a0, a1, a2 = rm[0] + de[0], rm[1] + de[1], rm[2] + de[2]
    an = math.sqrt(a0 * a0 + a1 * a1 + a2 * a2)
    u0, u1, u2 = a0 / an, a1 / an, a2 / an
    dv = de[0] * u0 + de[1] * u1 + de[2] * u2
    dh = math.sqrt(max(de[0] ** 2 + de[1] ** 2 + de[2] ** 2 - dv * dv, 0.0))
    b = w * dh * tan_loft * min(dh / loft_range, 1.0)
    de[0] += b * u0
    de[1] += b * u1
    de[2] += b * u2


@njit(cache=True)
def _track_error(pt, ref, z, sig_r, sig_th, floor, scale, out):
    """Error of a track of the point ``pt`` [m] held from ``ref`` [m] (ECEF) for the unit
    normal draw ``z`` (3,), into ``out``: ``scale · (s_∥ (r̂·z) r̂ + s_⊥ (z − (r̂·z) r̂))``
    with s_∥ = √(σ_r² + σ_f²) along the line of sight and s_⊥ = √((R σ_θ)² + σ_f²) across it,
    r̂ and R the unit vector and range from ``ref`` to ``pt``, σ_f the ``floor`` [m]: the
    covariance is ``scale² (s_∥² r̂r̂ᵀ + s_⊥² (I − r̂r̂ᵀ))`` when ``z`` is standard normal."""
    d0, d1, d2 = pt[0] - ref[0], pt[1] - ref[1], pt[2] - ref[2]
    rr = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
    if rr > 0.0:
        u0, u1, u2 = d0 / rr, d1 / rr, d2 / rr
    else:
        u0, u1, u2 = 0.0, 0.0, 1.0
    s_par = math.sqrt(sig_r * sig_r + floor * floor)
    s_perp = math.sqrt((rr * sig_th) ** 2 + floor * floor)
    zr = z[0] * u0 + z[1] * u1 + z[2] * u2
    out[0] = scale * (s_par * zr * u0 + s_perp * (z[0] - zr * u0))
    out[1] = scale * (s_par * zr * u1 + s_perp * (z[1] - zr * u1))
    out[2] = scale * (s_par * zr * u2 + s_perp * (z[2] - zr * u2))


@njit(cache=True)
def _guidance_error(pt, vt, rm, homing, e, z, h, n, pe, ve):
    """The guidance estimate (position ``pe`` [m], velocity ``ve`` [m/s]) of the target at
    ``pt``, ``vt`` for one missile at ``rm`` (model: :class:`GuidanceErrors`; ``e`` its row of
    the error table, ``z`` (6,) its Gauss–Markov state, advanced by ``h`` [s] with the
    standard normals ``n`` (6,); ``h`` NaN starts the state)."""
    seek = homing and e[7] > 0.0
    tc = e[10] if seek else e[6]
    if h == h:
        a = math.exp(-h / tc)
        c = math.sqrt(1.0 - a * a)
        for k in range(6):
            z[k] = a * z[k] + c * n[k]
    else:
        for k in range(6):
            z[k] = n[k]
    zp = z[0:3]
    zv = z[3:6]
    if seek:
        _track_error(pt, rm, zp, 0.0, e[8], e[9], 1.0, pe)
        _track_error(pt, rm, zv, 0.0, e[8], e[9], 1.0 / tc, ve)
    else:
        _track_error(pt, e[1:4], zp, e[4], e[5], 0.0, 1.0, pe)
        _track_error(pt, e[1:4], zv, e[4], e[5], 0.0, 1.0 / tc, ve)
    for k in range(3):
        pe[k] += pt[k]
        ve[k] += vt[k]


@njit(cache=True)
def _advance(lo, hi, idx, r, v, t, t_launch, P, pT, vT, alive, pE, vE, prev_d, prev_w, prev_t,
             prev_closing, has_prev, done, reason, miss, t_cpa, acc, t_home, dt, refine, window,
             layers, E, Z, t_err, nrm):
    """One step of the missiles ``idx[lo:hi]`` (rows ``lo:hi`` of the target arrays); returns
    the number of missiles stepped."""
    stepped = 0
    pe = np.empty(3)
    ve = np.empty(3)
    d = np.empty(3)
    w = np.empty(3)
    de = np.empty(3)
    we = np.empty(3)
    g = np.empty(3)
    a_n = np.empty(3)
    vh = np.empty(3)
    cmd = np.empty(3)
    rm = np.empty(3)
    vm = np.empty(3)
    a1 = np.empty(3)
    a2 = np.empty(3)
    for j in range(lo, hi):
        i = idx[j]
        v_launch, v_max, t_b, t_s, beta, w_l, n_max, nav, delay, t_max, v_min, bias = (
            P[i, 0], P[i, 1], P[i, 2], P[i, 3], P[i, 4], P[i, 5], P[i, 6], P[i, 7], P[i, 8],
            P[i, 9], P[i, 10], P[i, 11])
        t_hom = P[i, 13]
        tan_loft = P[i, 14]  # tan(loft_deg), by _param_table
        ceiling = P[i, 15]
        loft_range = P[i, 16]
        tau = t[i] - t_launch[i]
        for k in range(3):
            d[k] = pT[j, k] - r[i, k]
            w[k] = vT[j, k] - v[i, k]
        rr = math.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2)
        rdot = (d[0] * w[0] + d[1] * w[1] + d[2] * w[2]) / max(rr, 1e-9)
        # ---- closest approach passed in the last step?
        if has_prev[i] and prev_closing[i] and rdot >= 0.0 and tau >= delay:
            h_prev = t[i] - prev_t[i]
            m, s = _cpa(prev_d[i], prev_w[i], d, w, h_prev)
            miss[i] = m
            t_cpa[i] = prev_t[i] + s * h_prev
            reason[i] = 0
            done[i] = True
            continue
        if not alive[j]:
            reason[i] = 4
            done[i] = True
            continue
        if tau >= t_max:
            reason[i] = 1
            done[i] = True
            continue
        spd = math.sqrt(v[i, 0] ** 2 + v[i, 1] ** 2 + v[i, 2] ** 2)
        coasting = tau >= t_b + t_s
        if coasting and spd < v_min:
            reason[i] = 2
            done[i] = True
            continue
        alt = _altitude(r[i, 0], r[i, 1], r[i, 2])
        rn = math.sqrt(r[i, 0] ** 2 + r[i, 1] ** 2 + r[i, 2] ** 2)
        vr = (r[i, 0] * v[i, 0] + r[i, 1] * v[i, 1] + r[i, 2] * v[i, 2]) / rn
        if alt < 0.0 and vr < 0.0 and tau > delay:
            reason[i] = 3
            done[i] = True
            continue
        # ---- guidance command (held over the step), limited by dynamic pressure
        for k in range(3):
            vh[k] = v[i, k] / spd
            g[k] = -GM_EARTH * r[i, k] / rn**3
        g_par = g[0] * vh[0] + g[1] * vh[1] + g[2] * vh[2]
        q = 0.5 * _density(alt, layers) * spd * spd
        for k in range(3):
            cmd[k] = 0.0
        if tau >= delay:
            if E[i, 0] > 0.0:  # the guiding track: truth + the radar's or seeker's error
                _guidance_error(pT[j], vT[j], r[i], t_home[i] == t_home[i], E[i], Z[i],
                                t[i] - t_err[i], nrm[j], pe, ve)
                t_err[i] = t[i]
            else:
                for k in range(3):
                    pe[k] = pE[j, k]
                    ve[k] = vE[j, k]
            for k in range(3):
                de[k] = pe[k] - r[i, k]
                we[k] = ve[k] - v[i, k]
            re2 = de[0] ** 2 + de[1] ** 2 + de[2] ** 2
            if re2 > 1e-18:
                re = math.sqrt(re2)
                vc = -(de[0] * we[0] + de[1] * we[1] + de[2] * we[2]) / re
                homing = t_home[i] == t_home[i]  # not NaN: homing already
                if not homing and (t_hom == math.inf or (vc > 0.0 and re < t_hom * vc)):
                    t_home[i] = t[i]
                    homing = True
                if not homing:  # mid-course: towards the (raised) predicted intercept point
                    tau_p = _intercept_time(de, ve, spd)
                    if tau_p > 0.0:
                        for k in range(3):
                            de[k] += ve[k] * tau_p
                            we[k] = -v[i, k]
                    if tan_loft > 0.0:
                        _raise_aim(r[i], de, tan_loft, ceiling, loft_range)
                    re2 = de[0] ** 2 + de[1] ** 2 + de[2] ** 2
                    vc = -(de[0] * we[0] + de[1] * we[1] + de[2] * we[2]) / math.sqrt(re2)
                om0 = (de[1] * we[2] - de[2] * we[1]) / re2
                om1 = (de[2] * we[0] - de[0] * we[2]) / re2
                om2 = (de[0] * we[1] - de[1] * we[0]) / re2
                gain = nav * abs(vc)
                cmd[0] = gain * (om1 * vh[2] - om2 * vh[1])
                cmd[1] = gain * (om2 * vh[0] - om0 * vh[2])
                cmd[2] = gain * (om0 * vh[1] - om1 * vh[0])
            if bias > 0.0:
                for k in range(3):
                    cmd[k] -= g[k] - g_par * vh[k]
        a_max = min(q / w_l, n_max * G0)
        a_c = math.sqrt(cmd[0] ** 2 + cmd[1] ** 2 + cmd[2] ** 2)
        if a_c > a_max:
            for k in range(3):
                cmd[k] *= a_max / a_c
        # ---- step size
        h = dt
        if rdot < 0.0 and rr / (-rdot) < window:
            h = dt / refine
        # ---- midpoint (RK2) step of gravity, drag or the speed profile, and the command
        boost_acc = (v_max - v_launch) / t_b if t_b > 0.0 else 0.0
        ax = boost_acc if tau + 0.5 * h < t_b else 0.0
        coast_mid = tau + 0.5 * h >= t_b + t_s
        for k in range(3):
            rm[k] = r[i, k]
            vm[k] = v[i, k]
        _accel(rm, vm, cmd, coasting, ax, beta, layers, a1, a_n)
        for k in range(3):
            rm[k] = r[i, k] + 0.5 * h * v[i, k]
            vm[k] = v[i, k] + 0.5 * h * a1[k]
        _accel(rm, vm, cmd, coast_mid, ax, beta, layers, a2, a_n)
        coast_end = tau + h >= t_b + t_s
        if not coast_end:
            s_new = v_launch + (v_max - v_launch) * min(tau + h, t_b) / t_b if t_b > 0.0 \
                else v_max
        for k in range(3):
            r[i, k] += h * vm[k]
            v[i, k] += h * a2[k]
        if not coast_end:
            sp = math.sqrt(v[i, 0] ** 2 + v[i, 1] ** 2 + v[i, 2] ** 2)
            for k in range(3):
                v[i, k] *= s_new / sp
        for k in range(3):
            acc[i, k] = a_n[k]
            prev_d[i, k] = d[k]
            prev_w[i, k] = w[k]
        prev_t[i] = t[i]
        prev_closing[i] = rdot < 0.0
        has_prev[i] = True
        t[i] += h
        stepped += 1
    return stepped


# ------------------------------------------------------------------------------------------------
# targets


@njit(cache=True)
def _eval_serial(P, obj, t, pos, vel):
    buf = np.empty(6)
    for j in range(obj.shape[0]):
        _eval_one(P, obj[j], t[j], buf)
        for d in range(3):
            pos[j, d] = buf[d]
            vel[j, d] = buf[3 + d]


@njit(cache=True)
def _fly_paths(active, r, v, t, t0, P, tgt, paths, t_end, prev_d, prev_w, prev_t, prev_closing,
               has_prev, done, reason, miss, t_cpa, acc, t_home, dt, refine, window, layers, E,
               Z, t_err, rng, draw, max_iterations):
    """The whole flyout loop of :func:`flyout` for targets on stacked paths, compiled: per
    iteration the same truth (:func:`_eval_serial`'s values), the same normal draws (``rng``'s
    stream, rows of the active missiles in order, when ``draw``) and the same
    :func:`_advance` as the Python loop, so results are identical; returns the number of
    missile-steps, or -1 past ``max_iterations``."""
    idx = active.copy()
    n = idx.shape[0]
    pT = np.empty((n, 3))
    vT = np.empty((n, 3))
    alive = np.empty(n, np.bool_)
    nrm = np.empty((n if draw else 0, 6))
    buf = np.empty(6)
    steps = 0
    it = 0
    while n:
        it += 1
        if it > max_iterations:
            return -1
        for j in range(n):
            i = idx[j]
            _eval_one(paths, tgt[i], t[i], buf)
            for k in range(3):
                pT[j, k] = buf[k]
                vT[j, k] = buf[3 + k]
            alive[j] = t[i] <= t_end[tgt[i]]
        if draw:
            for j in range(n):
                for k in range(6):
                    nrm[j, k] = rng.standard_normal()
        steps += _advance(0, n, idx, r, v, t, t0, P, pT, vT, alive, pT, vT, prev_d, prev_w,
                          prev_t, prev_closing, has_prev, done, reason, miss, t_cpa, acc,
                          t_home, dt, refine, window, layers, E, Z, t_err, nrm)
        k = 0
        for j in range(n):
            if not done[idx[j]]:
                idx[k] = idx[j]
                k += 1
        n = k
    return steps


def target_from_paths(paths: Paths) -> Callable:
    """Truth callback for :func:`flyout` from stacked paths: ``(t, j) -> (pos, vel, alive)``,
    ``alive`` while ``t <= t_end`` of path j (before its start a target holds its first
    position). The values of :func:`iads.kinematics.positions`, evaluated serially (a parallel
    launch per step costs more than it saves at these sizes)."""
    arrays = paths.arrays
    n = len(paths)

    def truth(t, j):
        j = np.ascontiguousarray(j, np.int64)
        t = np.ascontiguousarray(np.broadcast_to(np.asarray(t, float), j.shape))
        if j.size and (j.min() < 0 or j.max() >= n):
            raise IndexError(f"target index out of range for {n} paths")
        pos = np.empty((j.shape[0], 3))
        vel = np.empty((j.shape[0], 3))
        _eval_serial(arrays, j, t, pos, vel)
        return pos, vel, t <= paths.t_end[j]
    truth.paths = paths  # lets flyout run its compiled loop (_fly_paths) on these paths
    return truth


def noisy_estimate(truth: Callable, sigma_pos_m: float, sigma_vel_mps: float,
                   rng: np.random.Generator) -> Callable:
    """Estimate callback: the truth plus independent Gaussian errors at every call (white,
    per axis, σ [m] and [m/s]); draws position then velocity errors, (k, 3) each."""
    def estimate(t, j):
        pos, vel = truth(t, j)[:2]
        k = np.shape(pos)[0]
        return (pos + rng.normal(0.0, sigma_pos_m, (k, 3)),
                vel + rng.normal(0.0, sigma_vel_mps, (k, 3)))
    return estimate


def raise_aim(launch_pos, aim_offset, loft_deg: float, ceiling_m: float, range_m: float):
    """Loft: the aim offsets (M, 3) [m] from ``launch_pos`` (M, 3) raised along the aim
    point's vertical by D tan γ · w(h), D the horizontal distance to go at the aim point [m],
    w = clip((ceiling − h) / ``LOFT_RAMP_M``, 0, 1) for the height h [m] of ``launch_pos``
    (the law the flyout's mid-course applies at every step from the missile's position)."""
    p0 = np.broadcast_to(np.asarray(launch_pos, float), np.shape(aim_offset))
    d = np.array(aim_offset, float)
    a = p0 + d
    up = a / np.linalg.norm(a, axis=-1, keepdims=True)
    dv = np.einsum("ij,ij->i", d, up)
    dh = np.sqrt(np.maximum(np.einsum("ij,ij->i", d, d) - dv * dv, 0.0))
    w = np.clip((ceiling_m - geodetic_of(p0)[2]) / LOFT_RAMP_M, 0.0, 1.0)
    b = w * dh * math.tan(math.radians(loft_deg)) * np.minimum(dh / range_m, 1.0)
    return d + b[:, None] * up


def lead_direction(launch_pos, target_pos, target_vel, mean_speed_mps,
                   min_elevation_deg: float | None = None, loft_deg: float = 0.0,
                   loft_ceiling_m: float = math.inf, loft_range_m: float = 1.0):
    """Unit launch directions (M, 3) towards the straight-line intercept point.

    The target is extrapolated at constant velocity and the missile flies at
    ``mean_speed_mps`` [m/s] in a straight line; without a solution (a target too fast to
    catch) the direction is the line of sight. All (M, 3) ECEF [m], [m/s] (or broadcastable).
    ``loft_deg`` [°] and ``loft_ceiling_m`` [m] raise the intercept point first
    (:func:`raise_aim`, the loft of :class:`InterceptorParams`). ``min_elevation_deg`` [°]
    raises directions below that elevation above the geocentric horizontal at the launcher
    to it, keeping their azimuth (a diving target extrapolated in a straight line can put the
    intercept point underground).
    """
    p0 = np.atleast_2d(np.asarray(launch_pos, float))
    D = np.atleast_2d(np.asarray(target_pos, float)) - p0
    V = np.atleast_2d(np.asarray(target_vel, float))
    D, V = np.broadcast_arrays(D, V)
    s = np.broadcast_to(np.asarray(mean_speed_mps, float), D.shape[:1])
    a = np.einsum("ij,ij->i", V, V) - s**2
    b = 2.0 * np.einsum("ij,ij->i", D, V)
    c = np.einsum("ij,ij->i", D, D)
    disc = b * b - 4 * a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.sqrt(np.maximum(disc, 0.0))
        r1 = (-b - sq) / (2 * a)
        r2 = (-b + sq) / (2 * a)
        lin = -c / b  # a == 0
    cand = np.where(np.abs(a) < 1e-12, np.stack([lin, lin]), np.stack([r1, r2]))
    cand = np.where((cand > 0) & (disc >= 0), cand, np.inf)
    tau = cand.min(axis=0)
    aim = D + V * np.where(np.isfinite(tau), tau, 0.0)[:, None]
    if loft_deg > 0:
        aim = raise_aim(p0, aim, loft_deg, loft_ceiling_m, loft_range_m)
    u = aim / np.linalg.norm(aim, axis=1, keepdims=True)
    if min_elevation_deg is not None:
        up = np.broadcast_to(p0 / np.linalg.norm(p0, axis=1, keepdims=True), u.shape)
        sin_el = np.einsum("ij,ij->i", u, up)
        low = sin_el < math.sin(math.radians(min_elevation_deg))
        if low.any():
            hor = u[low] - sin_el[low, None] * up[low]
            hor /= np.linalg.norm(hor, axis=1, keepdims=True)
            el = math.radians(min_elevation_deg)
            u[low] = math.cos(el) * hor + math.sin(el) * up[low]
    return u


def launch_direction(params: InterceptorParams, launch_pos, target_pos, target_vel,
                     mean_speed_mps, min_elevation_deg: float | None = None):
    """:func:`lead_direction` with the loft of ``params`` (how the engagement loop and the
    reach table launch)."""
    return lead_direction(launch_pos, target_pos, target_vel, mean_speed_mps,
                          min_elevation_deg=min_elevation_deg, loft_deg=params.loft_deg,
                          loft_ceiling_m=params.loft_ceiling_m, loft_range_m=params.loft_range_m)


def kill_probability(miss_m, pk, category_factor, sigma_lethal_m, fuze_radius_m):
    """Pk · f_type · exp(−miss²/(2σ²)) where miss ≤ fuze radius, else 0 (NaN miss: 0) [-]."""
    m = np.asarray(miss_m, float)
    with np.errstate(invalid="ignore"):
        p = pk * category_factor * np.exp(-0.5 * (m / sigma_lethal_m) ** 2)
        return np.where(m <= fuze_radius_m, p, 0.0)


# ------------------------------------------------------------------------------------------------
# flyout


@dataclass(frozen=True)
class FlyoutResult:
    """What became of each interceptor.

    Attributes
    ----------
    outcome
        (M,) int8 codes into :data:`OUTCOMES` (kill, miss, self_destruct); exactly one each.
    reason
        (M,) int8 codes into :data:`REASONS`.
    t_end
        Time the flight ended [s]: the closest approach for kill/miss, else the time of the
        self-destruct decision.
    miss_m, t_cpa
        Miss distance [m] and time of closest approach [s] (NaN without one).
    p_kill
        Kill probability at the closest approach [-] (0 without one).
    t_homing
        Time terminal homing began [s] (NaN: never; :class:`InterceptorParams`
        ``homing_time_s``).
    pos_end, vel_end
        ECEF state at the end of the last step [m], [m/s], (M, 3).
    steps
        Interceptor-steps integrated (all missiles together).
    history
        For each recorded missile: ``t`` (K,), ``pos`` (K, 3), ``vel`` (K, 3) at the start of
        each step and at the end, ``acc`` (K, 3) the normal acceleration applied over each
        step (last row NaN) [s], [m], [m/s], [m/s²].
    """

    outcome: np.ndarray
    reason: np.ndarray
    t_end: np.ndarray
    miss_m: np.ndarray
    t_cpa: np.ndarray
    p_kill: np.ndarray
    t_homing: np.ndarray
    pos_end: np.ndarray
    vel_end: np.ndarray
    steps: int
    history: dict = field(default_factory=dict)

    def counts(self) -> dict:
        """Number of missiles per outcome name."""
        return {name: int(np.sum(self.outcome == k)) for k, name in enumerate(OUTCOMES)}


def _param_table(params, m: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(params, InterceptorParams):
        params = [params] * m
    params = list(params)
    if len(params) != m:
        raise ValueError(f"{len(params)} parameter sets for {m} missiles")
    P = np.array([[float(getattr(p, c)) for c in _COLS] for p in params], float)
    P = np.ascontiguousarray(P.reshape(m, len(_COLS)))
    # the kernels read the loft's tangent: taken once per missile, not at every step
    P[:, _LOFT] = [math.tan(math.radians(x)) for x in P[:, _LOFT]]
    extra = np.array([[p.pk, p.sigma_lethal_m] for p in params], float).reshape(m, 2)
    return P, extra


def flyout(launch_pos, launch_dir, t_launch, params, truth: Callable, *,
           rng: np.random.Generator, target_index=None, estimate: Callable | None = None,
           target_category: str | Sequence[str] | None = None,
           errors: GuidanceErrors | None = None, dt: float = 0.01,
           refine: int = 10, refine_window_s: float | None = None,
           record: Sequence[int] = (), max_iterations: int = 10_000_000) -> FlyoutResult:
    """Fly M interceptors to their targets (models: module docstring).

    Parameters
    ----------
    launch_pos
        Launch positions, ECEF (M, 3) [m].
    launch_dir
        Initial velocity directions (M, 3) (normalised here; see :func:`lead_direction`).
    t_launch
        Launch times (M,) or one time [s]; each missile keeps its own clock.
    params
        One :class:`InterceptorParams` for all, or one per missile.
    truth
        ``truth(t (k,), j (k,)) -> (pos (k, 3), vel (k, 3), alive (k,))``: true state of target
        ``j`` at times ``t`` [s], ECEF [m], [m/s] (:func:`target_from_paths`).
    rng
        Draws the kill decisions (one uniform per missile, drawn before flying).
    target_index
        Target of each missile (M,) int, passed to the callbacks; default ``arange(M)``.
    estimate
        ``estimate(t, j) -> (pos, vel)``: the target state guidance uses (a track, or
        :func:`noisy_estimate`); default: the truth.
    errors
        The guiding track's errors (:class:`GuidanceErrors`): the truth plus the engagement
        radar's, then the seeker's, correlated error (overrides ``estimate``); its normal
        draws come from ``rng`` after the kill draws.
    target_category
        Category of each missile's target (one or (M,)) for :data:`PK_CATEGORY_FACTOR`;
        default: factor 1.
    dt
        Guidance/integration step [s].
    refine
        Step divisor near the closest approach (the fine step is ``dt / refine``).
    refine_window_s
        Time to go under which the fine step is used [s]; default ``3 dt``.
    record
        Missiles whose histories to keep.
    max_iterations
        Safety stop (RuntimeError beyond it).

    Returns
    -------
    FlyoutResult
    """
    r = np.ascontiguousarray(np.atleast_2d(np.asarray(launch_pos, float)).copy())
    m = r.shape[0]
    if r.shape != (m, 3):
        raise ValueError(f"launch_pos must be (M, 3), got {np.shape(launch_pos)}")
    u = np.broadcast_to(np.asarray(launch_dir, float), (m, 3))
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    t0 = np.ascontiguousarray(np.broadcast_to(np.asarray(t_launch, float), (m,)).copy())
    P, extra = _param_table(params, m)
    if not (dt > 0 and refine >= 1):
        raise ValueError("dt must be > 0 and refine >= 1")
    window = 3.0 * dt if refine_window_s is None else float(refine_window_s)
    tgt = (np.arange(m, dtype=np.int64) if target_index is None
           else np.asarray(target_index, np.int64).reshape(m))
    if target_category is None:
        f_type = np.ones(m)
    else:
        cats = [target_category] * m if isinstance(target_category, str) else list(
            target_category)
        bad = [c for c in cats if c not in PK_CATEGORY_FACTOR]
        if bad or len(cats) != m:
            raise ValueError(f"target_category must be one or {m} of "
                             f"{sorted(PK_CATEGORY_FACTOR)}, got {bad or len(cats)}")
        f_type = np.array([PK_CATEGORY_FACTOR[c] for c in cats])
    draws = rng.random(m)

    speed0 = np.where(P[:, 2] > 0, P[:, 0], P[:, 1])
    v = np.ascontiguousarray(u * speed0[:, None])
    t = t0.copy()
    prev_d = np.zeros((m, 3))
    prev_w = np.zeros((m, 3))
    prev_t = np.zeros(m)
    prev_closing = np.zeros(m, bool)
    has_prev = np.zeros(m, bool)
    done = np.zeros(m, bool)
    reason = np.full(m, -1, np.int8)
    miss = np.full(m, np.nan)
    t_cpa = np.full(m, np.nan)
    acc = np.zeros((m, 3))
    t_home = np.full(m, np.nan)
    rec = {int(i): {"t": [], "pos": [], "vel": [], "acc": []} for i in record}
    E = errors.table(m) if errors is not None else np.zeros((m, _ECOLS))
    Z = np.zeros((m, 6))
    t_err = np.full(m, np.nan)
    no_draws = np.zeros((0, 6))

    active = np.arange(m, dtype=np.int64)
    steps = 0
    it = 0
    paths = getattr(truth, "paths", None)
    if paths is not None and estimate is None and not rec and m:
        # targets on stacked paths: the same loop, compiled (identical results)
        if tgt.min() < 0 or tgt.max() >= len(paths):
            raise IndexError(f"target index out of range for {len(paths)} paths")
        steps = _fly_paths(active, r, v, t, t0, P, tgt, paths.arrays, paths.t_end, prev_d,
                           prev_w, prev_t, prev_closing, has_prev, done, reason, miss, t_cpa,
                           acc, t_home, float(dt), float(refine), window, _LAYERS, E, Z, t_err,
                           rng, errors is not None, max_iterations)
        if steps < 0:
            raise RuntimeError(f"flyout did not end within {max_iterations} iterations")
        active = active[:0]
    while active.size:
        it += 1
        if it > max_iterations:
            raise RuntimeError(f"flyout did not end within {max_iterations} iterations")
        ta = t[active]
        ja = tgt[active]
        out = truth(ta, ja)
        pT = np.ascontiguousarray(out[0], float)
        vT = np.ascontiguousarray(out[1], float)
        alive = np.ascontiguousarray(out[2], bool)
        if estimate is None:
            pE, vE = pT, vT
        else:
            e = estimate(ta, ja)
            pE = np.ascontiguousarray(e[0], float)
            vE = np.ascontiguousarray(e[1], float)
        live = [i for i in rec if not done[i]]
        for i in live:
            rec[i]["t"].append(t[i])
            rec[i]["pos"].append(r[i].copy())
            rec[i]["vel"].append(v[i].copy())
        args = (active, r, v, t, t0, P, pT, vT, alive, pE, vE, prev_d, prev_w, prev_t,
                prev_closing, has_prev, done, reason, miss, t_cpa, acc, t_home, float(dt),
                float(refine), window, _LAYERS, E, Z, t_err,
                rng.standard_normal((active.size, 6)) if errors is not None else no_draws)
        steps += _advance(0, active.size, *args)
        for i in live:
            rec[i]["acc"].append(acc[i].copy() if not done[i] else np.full(3, np.nan))
        active = active[~done[active]]

    cpa = reason == _CPA
    p_kill = np.where(cpa, kill_probability(miss, extra[:, 0], f_type, extra[:, 1], P[:, 12]),
                      0.0)
    outcome = np.where(cpa, np.where(draws < p_kill, KILL, MISS), SELF_DESTRUCT).astype(np.int8)
    t_end = np.where(cpa, t_cpa, t)
    history = {}
    for i, h in rec.items():
        n = len(h["t"])
        history[i] = {"t": np.array(h["t"]), "pos": np.array(h["pos"]).reshape(n, 3),
                      "vel": np.array(h["vel"]).reshape(n, 3),
                      "acc": np.array(h["acc"]).reshape(n, 3)}
    return FlyoutResult(outcome=outcome, reason=reason, t_end=t_end, miss_m=miss, t_cpa=t_cpa,
                        p_kill=p_kill, t_homing=t_home, pos_end=r, vel_end=v, steps=int(steps),
                        history=history)

