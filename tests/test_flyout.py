"""Tests of iads.flyout against Zarchan's closed forms for linearised proportional navigation,
the US Standard Atmosphere 1976 table, an independent point-mass integration, geometry, and
Monte Carlo from the kill-probability definition; the loft's reach against the catalog's
range_max, and the guidance errors against their covariance and the miss they imply."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from iads.catalog import load_catalog
from iads.flyout import (
    KILL,
    MISS,
    OUTCOMES,
    REASONS,
    SELF_DESTRUCT,
    GuidanceErrors,
    InterceptorParams,
    _intercept_time,
    _raise_aim,
    flyout,
    interceptor_params,
    isa_density,
    kill_probability,
    launch_direction,
    lead_direction,
    noisy_estimate,
    raise_aim,
    target_from_paths,
    track_error,
)
from iads.geodesy import geodetic_to_ecef
from iads.kinematics import WGS84_A, WGS84_F, enu_basis, positions
from iads.threats import ballistic_threat, threat_paths

GM = 3.986004418e14
G0 = 9.80665
E, N, U = enu_basis(40.0, 30.0)


def ecef(lat, lon, h):
    return np.array([float(x) for x in geodetic_to_ecef(lat, lon, h)])


O5 = ecef(40.0, 30.0, 5000.0)  # engagement origin at 5 km


def constant_speed(n_prime=4.0, v=1000.0, **kw):
    """A missile at constant speed from launch, unsaturated, guided at once: the conditions
    of the linearised engagement."""
    base = dict(speed_max_mps=v, boost_time_s=0.0, pk=1.0, max_time_s=60.0,
                sustain_time_s=1e6, lift_loading_kgm2=1e-3, n_max_g=1000.0,
                nav_constant=n_prime, guidance_delay_s=0.0, homing_time_s=math.inf)
    return InterceptorParams(**{**base, **kw})


def accelerating_target(origin, r0, vt, n_t):
    """Head-on target at range r0 along E closing at vt, with a lateral (N) acceleration n_t
    from t = 0 (Zarchan's step manoeuvre)."""
    def truth(t, j):
        t = np.asarray(t, float)[:, None]
        pos = origin + (r0 - vt * t) * E + 0.5 * n_t * t**2 * N
        vel = -vt * E + n_t * t * N
        return pos, vel, np.ones(t.shape[0], bool)
    return truth


def lateral_accel(hist):
    """Acceleration of the recorded flight from its velocities (finite differences): times of
    the step starts and the N component [m/s²]."""
    t, v = hist["t"], hist["vel"]
    a = np.diff(v, axis=0) / np.diff(t)[:, None]
    return t[:-1], a @ N


# ------------------------------------------------------------------------------------------------
# atmosphere


def test_isa_density_matches_the_us_standard_atmosphere_1976_table():
    # U.S. Standard Atmosphere 1976 (NOAA/NASA/USAF), Table I, geometric altitude [km] → ρ
    table = {0: 1.2250, 10: 0.41351, 20: 0.088910, 30: 0.018410, 40: 3.9957e-3,
             50: 1.0269e-3, 60: 3.0968e-4, 70: 8.2829e-5, 80: 1.8458e-5}
    h = np.array(list(table)) * 1e3
    np.testing.assert_allclose(isa_density(h), list(table.values()), rtol=2e-4)
    assert isa_density(0.0) == pytest.approx(1.225, rel=1e-6)
    assert np.all(np.diff(isa_density(np.linspace(-1e3, 120e3, 500))) < 0)


# ------------------------------------------------------------------------------------------------
# proportional navigation against the linearised engagement (Zarchan, Tactical and Strategic
# Missile Guidance, ch. 2-3: zero-lag PN, constant closing speed)

VM, VT, R0 = 1000.0, 300.0, 13000.0
VC = VM + VT
TF = R0 / VC  # 10 s


def linear_engagement(n_prime, he, n_t, h=1e-4):
    """The linearised engagement as its own small simulation: y'' = n_T − n_c,
    n_c = N′ V_c λ̇, λ = y / (V_c t_go), y the target-minus-missile lateral offset (RK2)."""
    t = np.arange(0.0, TF * 0.999, h)
    y, yd = 0.0, -VM * he
    nc = np.empty(t.shape)
    for k, tk in enumerate(t):
        def acc(yy, yyd, tt):
            tgo = TF - tt
            ldot = (yy + yyd * tgo) / (VC * tgo**2)
            return n_t - n_prime * VC * ldot, n_prime * VC * ldot
        a1, c1 = acc(y, yd, tk)
        a2, _ = acc(y + 0.5 * h * yd, yd + 0.5 * h * a1, tk + 0.5 * h)
        nc[k] = c1
        y, yd = y + h * (yd + 0.5 * h * a1), yd + h * a2
    return t, nc, y


@pytest.mark.parametrize("n_prime", [3.0, 4.0, 5.0])
def test_heading_error_response_and_zero_miss_match_the_closed_form(n_prime):
    he = math.radians(1.0)
    t_lin, nc_lin, _ = linear_engagement(n_prime, he, 0.0)
    closed = -VM * he * n_prime / TF * (1 - t_lin / TF) ** (n_prime - 2)
    # the small simulation and the closed form agree (checks the reference itself)
    np.testing.assert_allclose(nc_lin, closed, atol=1e-3 * abs(closed[0]))

    u = math.cos(he) * E + math.sin(he) * N
    res = flyout(O5[None], u[None], 0.0, constant_speed(n_prime, VM),
                 accelerating_target(O5, R0, VT, 0.0), rng=np.random.default_rng(0),
                 record=[0], dt=0.01)
    t, a_n = lateral_accel(res.history[0])
    ref = -VM * he * n_prime / TF * (1 - t / TF) ** (n_prime - 2)
    sel = t < 0.9 * TF
    # 1 deg heading error, 10 ms steps: nonlinear terms O(HE) ~ 1 %, measured ~0.1 %
    assert np.max(np.abs(a_n[sel] - ref[sel])) < 0.01 * abs(ref[0])
    assert res.miss_m[0] < 0.01  # zero miss for a non-manoeuvring target
    assert res.t_cpa[0] == pytest.approx(TF, rel=1e-3)
    assert res.outcome[0] == KILL  # pk = 1, miss ~ 0


@pytest.mark.parametrize("n_prime", [3.0, 4.0, 5.0])
def test_step_target_manoeuvre_response_reaches_the_terminal_ratio(n_prime):
    n_t = G0
    t_lin, nc_lin, _ = linear_engagement(n_prime, 0.0, n_t)
    closed = n_t * n_prime / (n_prime - 2) * (1 - (1 - t_lin / TF) ** (n_prime - 2))
    np.testing.assert_allclose(nc_lin, closed, atol=1e-3 * n_t)

    res = flyout(O5[None], E[None], 0.0, constant_speed(n_prime, VM),
                 accelerating_target(O5, R0, VT, n_t), rng=np.random.default_rng(0),
                 record=[0], dt=0.01)
    t, a_n = lateral_accel(res.history[0])
    ref = n_t * n_prime / (n_prime - 2) * (1 - (1 - t / TF) ** (n_prime - 2))
    sel = t < 0.95 * TF
    ratio = n_prime / (n_prime - 2)
    assert np.max(np.abs(a_n[sel] - ref[sel])) < 0.01 * ratio * n_t
    # the terminal ratio N'/(N'-2): reached to within the closed form's value at 0.95 t_F
    assert a_n[sel][-1] / n_t == pytest.approx(ref[sel][-1] / n_t, rel=0.01)
    late = t > 0.999 * TF * 0.98
    assert a_n[late].max() / n_t == pytest.approx(ratio, rel=0.03)
    assert res.miss_m[0] < 0.05


# ------------------------------------------------------------------------------------------------
# geometry and dynamics


def test_unguided_straight_pass_gives_the_exact_miss_distance_and_time():
    prm = constant_speed(1e-12, 800.0)  # N' ~ 0: straight line (gravity bias holds it)
    offsets = np.array([0.0, 3.0, 12.5, 40.0, 150.0])
    tgt = O5 + 4000.0 * E + offsets[:, None] * N  # stationary points

    def truth(t, j):
        return tgt[j], np.zeros((len(j), 3)), np.ones(len(j), bool)
    m = offsets.shape[0]
    res = flyout(np.tile(O5, (m, 1)), np.tile(E, (m, 1)), 10.0, prm, truth,
                 rng=np.random.default_rng(1))
    np.testing.assert_allclose(res.miss_m, offsets, atol=1e-6)
    np.testing.assert_allclose(res.t_cpa, 10.0 + 4000.0 / 800.0, atol=1e-7)
    assert np.all(REASONS[r] == "cpa" for r in res.reason)


def geodetic_height_model(r):
    """The module's stated altitude model: |r| − a(1 − f (z/|r|)²)."""
    n = np.linalg.norm(r)
    return n - WGS84_A * (1 - WGS84_F * (r[2] / n) ** 2)


def test_coasting_flight_matches_an_independent_point_mass_integration():
    """No guidance (delay beyond the flight): gravity and drag only, against DOP853."""
    beta = 8000.0
    prm = InterceptorParams(speed_max_mps=1500.0, boost_time_s=0.0, pk=1.0, max_time_s=25.0,
                            ballistic_coeff_kgm2=beta, guidance_delay_s=1e3,
                            min_speed_mps=1.0)
    p0 = ecef(40.0, 30.0, 200.0)
    u = (E + N + 2 * U) / math.sqrt(6)
    far = np.array([[1e8, 0.0, 0.0]])

    def truth(t, j):
        return np.repeat(far, len(j), 0), np.zeros((len(j), 3)), np.ones(len(j), bool)
    res = flyout(p0[None], u[None], 0.0, prm, truth, rng=np.random.default_rng(0),
                 record=[0], dt=0.01)
    assert REASONS[res.reason[0]] == "time_out"
    h = res.history[0]

    def f(_, y):
        r, v = y[:3], y[3:]
        rho = float(isa_density(geodetic_height_model(r)))
        s = np.linalg.norm(v)
        return np.concatenate([v, -GM * r / np.linalg.norm(r) ** 3 - rho * s * v / (2 * beta)])
    sol = solve_ivp(f, (0, h["t"][-1]), np.concatenate([p0, 1500.0 * u]), method="DOP853",
                    rtol=1e-10, atol=1e-6, t_eval=h["t"])
    err = np.linalg.norm(sol.y[:3].T - h["pos"], axis=1)
    assert err.max() < 0.5  # second-order scheme, 10 ms steps, ~25 km flown
    speed_err = np.abs(np.linalg.norm(sol.y[3:].T, axis=1) -
                       np.linalg.norm(h["vel"], axis=1))
    assert speed_err.max() < 0.05


def test_speed_profile_boosts_linearly_then_sustains_then_coasts():
    prm = InterceptorParams(speed_max_mps=2000.0, boost_time_s=8.0, sustain_time_s=4.0,
                            launch_speed_mps=50.0, pk=1.0, max_time_s=20.0,
                            guidance_delay_s=1e3, min_speed_mps=1.0)
    p0 = ecef(40.0, 30.0, 0.0)

    def truth(t, j):
        return np.array([[1e8, 0, 0]] * len(j)), np.zeros((len(j), 3)), np.ones(len(j), bool)
    res = flyout(p0[None], U[None], 0.0, prm, truth, rng=np.random.default_rng(0),
                 record=[0], dt=0.01)
    h = res.history[0]
    t, s = h["t"], np.linalg.norm(h["vel"], axis=1)
    boost = t <= 8.0
    np.testing.assert_allclose(s[boost], 50.0 + 1950.0 * t[boost] / 8.0, rtol=1e-9)
    sus = (t >= 8.0) & (t <= 12.0)
    np.testing.assert_allclose(s[sus], 2000.0, rtol=1e-12)
    coast = t > 12.05
    assert np.all(np.diff(s[coast]) < 0)  # drag and gravity slow a climbing coast


def test_lateral_acceleration_is_limited_by_dynamic_pressure_and_structure():
    """A 60 deg heading error at 28 km and at 3 km: the command saturates at q/w_L (thin air)
    and at n_max g (dense air)."""
    for h_m, expect in ((28e3, "q"), (3e3, "n")):
        o = ecef(40.0, 30.0, h_m)
        prm = InterceptorParams(speed_max_mps=1500.0, boost_time_s=0.0, sustain_time_s=1e3,
                                pk=1.0, max_time_s=3.0, lift_loading_kgm2=1000.0,
                                n_max_g=20.0, nav_constant=4.0, guidance_delay_s=0.0)
        he = math.radians(60.0)
        u = math.cos(he) * E + math.sin(he) * N
        res = flyout(o[None], u[None], 0.0, prm, accelerating_target(o, 20e3, 300.0, 0.0),
                     rng=np.random.default_rng(0), record=[0], dt=0.01)
        hist = res.history[0]
        a = np.diff(hist["vel"], axis=0) / np.diff(hist["t"])[:, None]
        r, v = hist["pos"][:-1], hist["vel"][:-1]
        vh = v / np.linalg.norm(v, axis=1, keepdims=True)
        g = -GM * r / np.linalg.norm(r, axis=1, keepdims=True) ** 3
        g_perp = g - np.sum(g * vh, axis=1, keepdims=True) * vh
        a_perp = a - np.sum(a * vh, axis=1, keepdims=True) * vh
        cmd = np.linalg.norm(a_perp - g_perp, axis=1)  # what lift provides
        alt = np.array([geodetic_height_model(x) for x in r])
        q = 0.5 * isa_density(alt) * 1500.0**2
        limit = np.minimum(q / 1000.0, 20.0 * G0)
        first = slice(0, 50)  # the first 0.5 s, well before any closure
        np.testing.assert_allclose(cmd[first], limit[first], rtol=2e-3)
        if expect == "q":
            assert limit[0] < 20.0 * G0 / 2
        else:
            assert limit[0] == pytest.approx(20.0 * G0)


def test_guidance_flies_to_the_estimate_not_the_truth():
    """A constant 60 m offset in the estimate (across the line of sight): PN intercepts the
    estimated point, so the true miss is the offset."""
    truth = accelerating_target(O5, R0, VT, 0.0)

    def biased(t, j):
        pos, vel, _ = truth(t, j)
        return pos + 60.0 * U, vel
    res = flyout(O5[None], E[None], 0.0, constant_speed(4.0, VM), truth, estimate=biased,
                 rng=np.random.default_rng(0))
    assert res.miss_m[0] == pytest.approx(60.0, abs=0.5)
    assert res.outcome[0] == MISS  # beyond the 30 m fuze radius: no chance of a kill
    assert res.p_kill[0] == 0.0


def test_predicted_intercept_time_agrees_with_lead_direction():
    """The kernel's intercept time against lead_direction (a separate implementation)."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        d = rng.uniform(-40e3, 40e3, 3)
        vt = rng.uniform(-600, 600, 3)
        s = rng.uniform(300, 2000)
        tau = _intercept_time(d, vt, s)
        u = lead_direction(np.zeros(3), d, vt, s)[0]
        if tau > 0:
            pip = d + vt * tau
            assert np.linalg.norm(pip) == pytest.approx(s * tau, rel=1e-9)
            np.testing.assert_allclose(pip / np.linalg.norm(pip), u, atol=1e-9)
        else:  # no collision: lead_direction falls back on the line of sight
            np.testing.assert_allclose(u, d / np.linalg.norm(d), atol=1e-12)


def test_mid_course_reaches_the_collision_course_then_hands_over_to_homing():
    """A crossing target at constant velocity and a constant-speed missile launched 20° off
    the collision course: steering to the predicted intercept point puts the missile on the
    collision course (the direction lead_direction gives from where it is) before the
    handover, which comes when the time to go is ``homing_time_s``; the missile then hits."""
    vt = 300.0
    p_t0 = O5 + 20e3 * E + 10e3 * N

    def truth(t, j):
        t = np.asarray(t, float)[:, None]
        return p_t0 - vt * N * t, np.broadcast_to(-vt * N, (t.shape[0], 3)), \
            np.ones(t.shape[0], bool)

    u0 = lead_direction(O5, p_t0, -vt * N, VM)[0]
    off = math.radians(20.0)
    side = np.cross(u0, U)
    u = math.cos(off) * u0 + math.sin(off) * side / np.linalg.norm(side)
    res = flyout(O5[None], u[None], 0.0, constant_speed(4.0, VM, homing_time_s=3.0), truth,
                 rng=np.random.default_rng(0), record=[0])
    h = res.history[0]
    # first step: the PN law relative to the fixed predicted point P (relative velocity -v)
    d = p_t0 - O5
    a, b, c = vt**2 - VM**2, 2 * d @ (-vt * N), d @ d
    tau = min(x for x in np.roots([a, b, c]).real if x > 0)  # |d + v_T τ| = V_M τ
    dp = p_t0 - vt * N * tau - O5
    w = -VM * u
    los_rate = np.linalg.norm(np.cross(dp, w)) / (dp @ dp)
    expected = 4.0 * (-(dp @ w) / np.linalg.norm(dp)) * los_rate
    assert np.linalg.norm(h["acc"][0]) == pytest.approx(expected, rel=1e-6)
    # (PN on the target itself would command a different acceleration)
    dt_, wt_ = p_t0 - O5, -vt * N - VM * u
    on_target = 4.0 * (-(dt_ @ wt_) / np.linalg.norm(dt_)) * (
        np.linalg.norm(np.cross(dt_, wt_)) / (dt_ @ dt_))
    assert abs(on_target - expected) > 0.1 * expected
    th = res.t_homing[0]
    k = int(np.searchsorted(h["t"], th))
    pos, vel = h["pos"][k], h["vel"][k]
    p_t, v_t, _ = truth(np.array([h["t"][k]]), np.array([0]))
    lead = lead_direction(pos, p_t, v_t, VM)[0]
    err = math.degrees(math.acos(min(1.0, float(lead @ vel / np.linalg.norm(vel)))))
    assert err < 0.1
    # on the collision course the time to go is range / closing speed: the handover at 3 s
    assert res.t_cpa[0] - th == pytest.approx(3.0, abs=0.02)
    assert res.miss_m[0] < 0.1
    # with homing from launch the handover is at launch and the hit as good
    res2 = flyout(O5[None], u[None], 0.0, constant_speed(4.0, VM), truth,
                  rng=np.random.default_rng(0))
    assert res2.t_homing[0] == 0.0 and res2.miss_m[0] < 0.1


def test_lead_direction_points_at_the_straight_line_collision():
    rng = np.random.default_rng(4)
    p_l = np.tile(O5, (50, 1))
    p_t = O5 + rng.uniform(-30e3, 30e3, (50, 3))
    v_t = rng.uniform(-400, 400, (50, 3))
    s = 1200.0
    u = lead_direction(p_l, p_t, v_t, s)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0)
    # straight lines: relative position d0 + w tau; its closest approach in closed form
    d0 = p_l - p_t
    w = s * u - v_t
    tau = -np.sum(d0 * w, axis=1) / np.sum(w * w, axis=1)
    assert np.all(tau > 0)
    gap = np.linalg.norm(d0 + w * tau[:, None], axis=1)
    assert gap.max() < 1e-6 * np.linalg.norm(d0, axis=1).max()


def test_lead_direction_minimum_elevation_keeps_the_azimuth():
    p_l = ecef(40.0, 30.0, 0.0)
    up = p_l / np.linalg.norm(p_l)  # geocentric vertical
    p_t = p_l + 20e3 * E + 3e3 * U
    v_t = np.array([-1000.0, 0.0, 0.0]) @ np.vstack([E, N, U]) - 1500.0 * U  # steep dive
    free = lead_direction(p_l, p_t, v_t, 1200.0)
    low = lead_direction(p_l, p_t, v_t, 1200.0, min_elevation_deg=25.0)
    assert free[0] @ up < math.sin(math.radians(25.0))  # the free lead points low
    assert math.degrees(math.asin(low[0] @ up)) == pytest.approx(25.0, abs=1e-9)
    h_free = free[0] - (free[0] @ up) * up
    h_low = low[0] - (low[0] @ up) * up
    assert np.cross(h_free, h_low) @ up == pytest.approx(0.0, abs=1e-12)
    assert h_free @ h_low > 0


def test_noisy_estimate_adds_white_gaussian_errors_of_the_stated_sigma():
    truth = accelerating_target(O5, R0, VT, 0.0)
    est = noisy_estimate(truth, 30.0, 5.0, np.random.default_rng(2))
    t = np.zeros(20000)
    j = np.zeros(20000, int)
    pos, vel = est(t, j)
    p0, v0, _ = truth(t, j)
    dp, dv = pos - p0, vel - v0
    assert np.all(np.abs(dp.mean(axis=0)) < 4 * 30.0 / math.sqrt(20000))
    np.testing.assert_allclose(dp.std(axis=0), 30.0, rtol=0.03)
    np.testing.assert_allclose(dv.std(axis=0), 5.0, rtol=0.03)
    assert abs(np.corrcoef(dp[:, 0], dp[:, 1])[0, 1]) < 0.03


def test_target_from_paths_gives_kinematics_positions():
    th = ballistic_threat((45.0, 33.0), (44.3, 35.9), apogee_m=45e3)
    paths = threat_paths([th, th])
    truth = target_from_paths(paths)
    t = np.linspace(-5, th.t_impact + 5, 300)
    j = np.arange(300) % 2
    pos, vel, alive = truth(t, j)
    p2, v2 = positions(paths, t, j)
    np.testing.assert_array_equal(pos, p2)
    np.testing.assert_array_equal(vel, v2)
    np.testing.assert_array_equal(alive, t <= th.t_impact)


# ------------------------------------------------------------------------------------------------
# outcomes


def test_kill_frequency_matches_the_probability_model_by_miss_distance():
    """Straight passes at known offsets; kill frequencies against Pk·f·exp(−m²/2σ²) (binomial,
    4 sigma), zero beyond the fuze radius."""
    pk, sigma = 0.8, 10.0
    prm = constant_speed(1e-12, 800.0, pk=pk, sigma_lethal_m=sigma, fuze_radius_m=30.0)
    offsets = np.repeat([0.0, 8.0, 15.0, 35.0], 1500)
    tgt = O5 + 800.0 * E + offsets[:, None] * N
    m = offsets.shape[0]

    def truth(t, j):
        return tgt[j], np.zeros((len(j), 3)), np.ones(len(j), bool)
    res = flyout(np.tile(O5, (m, 1)), np.tile(E, (m, 1)), 0.0, prm, truth,
                 target_category="cruise_missile", rng=np.random.default_rng(11))
    for off in np.unique(offsets):
        sel = offsets == off
        p = pk * 0.9 * math.exp(-0.5 * (off / sigma) ** 2) if off <= 30 else 0.0
        np.testing.assert_allclose(res.p_kill[sel], p, rtol=1e-6, atol=1e-12)
        freq = np.mean(res.outcome[sel] == KILL)
        assert abs(freq - p) <= 4 * math.sqrt(p * (1 - p) / sel.sum()) + 1e-12
    assert kill_probability(np.nan, 0.7, 1.0, 10.0, 30.0) == 0.0


def test_every_interceptor_ends_exactly_once_as_kill_miss_or_self_destruct():
    """A mixed salvo: good shots, impossible tail chases, short fuses, dives into the ground and
    targets that land first. Each missile has one outcome, consistent with its reason."""
    cat = load_catalog()
    rng = np.random.default_rng(5)
    threats = [ballistic_threat((45.0, 33.0), (44.3 + 0.02 * k, 35.9), apogee_m=45e3,
                                t_launch=0.0, reentry_speed_mps=1000.0) for k in range(4)]
    paths = threat_paths(threats)
    truth = target_from_paths(paths)
    site = ecef(44.2, 35.6, 50.0)
    m = 160
    j = rng.integers(0, 4, m)
    t_l = rng.uniform(120.0, 215.0, m)
    p_t, v_t = positions(paths, t_l + 20.0, j)
    u = lead_direction(np.tile(site, (m, 1)), p_t, v_t, 1400.0)
    kind = np.arange(m) % 4
    u[kind == 1] = -U + 0.1 * E  # straight into the ground
    base = interceptor_params(cat.get("missiles", "48n6e3"))
    params = [base if k != 2 else interceptor_params(cat.get("missiles", "48n6e3"),
                                                      max_time_s=3.0) for k in kind]
    res = flyout(np.tile(site, (m, 1)), u, t_l, params, truth, target_index=j,
                 target_category="ballistic_missile", rng=np.random.default_rng(6))
    assert res.outcome.shape == (m,) and res.reason.shape == (m,)
    assert set(np.unique(res.outcome)) <= {KILL, MISS, SELF_DESTRUCT}
    assert np.all(res.reason >= 0)
    cpa = res.reason == REASONS.index("cpa")
    assert np.all((res.outcome == SELF_DESTRUCT) == ~cpa)
    assert np.all(np.isfinite(res.miss_m[cpa])) and np.all(np.isnan(res.miss_m[~cpa]))
    assert np.all(np.isfinite(res.t_end)) and np.all(res.t_end >= t_l)
    assert sum(res.counts().values()) == m
    seen = {REASONS[r] for r in np.unique(res.reason)}
    assert {"cpa", "ground", "time_out", "target_gone"} <= seen
    assert {OUTCOMES[o] for o in np.unique(res.outcome)} == {"kill", "miss", "self_destruct"}
    # time-outs at the 3 s fuse
    to = res.reason == REASONS.index("time_out")
    np.testing.assert_allclose(res.t_end[to] - t_l[to], 3.0, atol=0.011)
    # seeded: the same draws give the same result
    again = flyout(np.tile(site, (m, 1)), u, t_l, params, truth, target_index=j,
                   target_category="ballistic_missile", rng=np.random.default_rng(6))
    np.testing.assert_array_equal(again.outcome, res.outcome)
    np.testing.assert_array_equal(again.miss_m, res.miss_m)


def test_compiled_loop_on_paths_equals_the_python_loop():
    """Targets on stacked paths take the compiled loop (``_fly_paths``); the same callback
    without its paths takes the Python loop. With guidance errors (normal draws every step)
    and a mixed salvo that ends in every way, both give the same outcomes, states and steps,
    and leave the generator in the same state."""
    threats = [ballistic_threat((45.0, 33.0), (44.3 + 0.02 * k, 35.9), apogee_m=45e3,
                                t_launch=0.0, reentry_speed_mps=1000.0) for k in range(4)]
    paths = threat_paths(threats)
    compiled = target_from_paths(paths)
    assert compiled.paths is paths

    def python_loop(t, j):  # the same values, no paths attached
        return compiled(t, j)
    rng = np.random.default_rng(8)
    site = ecef(44.2, 35.6, 50.0)
    m = 40
    j = rng.integers(0, 4, m)
    t_l = rng.uniform(120.0, 215.0, m)
    u = lead_direction(np.tile(site, (m, 1)), *positions(paths, t_l + 20.0, j), 1400.0)
    u[::5] = -U + 0.1 * E
    prm = interceptor_params(load_catalog().get("missiles", "48n6e3"))
    errs = GuidanceErrors(radar_pos=np.tile(site, (m, 1)), sigma_range_m=30.0,
                          sigma_angle_rad=1e-3, seeker=np.arange(m) % 2 == 0)
    out = []
    for truth in (compiled, python_loop):
        g = np.random.default_rng(21)
        res = flyout(np.tile(site, (m, 1)), u, t_l, prm, truth, target_index=j, errors=errs,
                     target_category="ballistic_missile", rng=g)
        out.append((res, g.random()))
    (a, ga), (b, gb) = out
    assert a.steps == b.steps > 1000 and ga == gb
    assert len(set(a.reason.tolist())) >= 3
    for f in ("outcome", "reason", "t_end", "miss_m", "p_kill", "t_homing", "pos_end",
              "vel_end"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_energy_out_when_the_coast_decays_below_the_minimum_speed():
    """A tail chase at low altitude: the target (1,000 m/s) always outruns the missile (top
    speed 900 m/s), the range never closes, and the coast decays below 500 m/s."""
    prm = InterceptorParams(speed_max_mps=900.0, boost_time_s=3.0, pk=1.0, max_time_s=200.0,
                            min_speed_mps=500.0, guidance_delay_s=0.0,
                            ballistic_coeff_kgm2=15000.0)
    o = ecef(40.0, 30.0, 1000.0)

    def truth(t, j):
        t = np.asarray(t)[:, None]
        return o + (3000.0 + 1000.0 * t) * E, np.broadcast_to(1000.0 * E, (len(j), 3)), \
            np.ones(len(j), bool)
    res = flyout(o[None], E[None], 0.0, prm, truth, rng=np.random.default_rng(0), record=[0])
    assert REASONS[res.reason[0]] == "energy_out" and res.outcome[0] == SELF_DESTRUCT
    h = res.history[0]
    s = np.linalg.norm(h["vel"], axis=1)
    assert s[-1] < 500.0 <= s[-2]  # ended at the first step below the minimum speed
    # the coast decays as drag says: dv/dt = -q/beta at 1 km (level flight, gravity normal)
    coast = (h["t"] > 3.5) & (h["t"] < 4.5)
    dvdt = np.gradient(s[coast], h["t"][coast])
    np.testing.assert_allclose(dvdt, -0.5 * isa_density(1000.0) * s[coast] ** 2 / 15000.0,
                               rtol=0.02)


def test_catalog_parameters_are_read_and_unknown_overrides_refused():
    cat = load_catalog()
    m = cat.get("missiles", "40n6")
    p = interceptor_params(m)
    assert (p.speed_max_mps, p.boost_time_s, p.pk) == (m.speed_max_mps.value,
                                                      m.boost_time_s.value, m.pk.value)
    assert p.max_time_s == pytest.approx(400e3 / 1250.0)
    with pytest.raises(ValueError, match="unknown interceptor parameter"):
        interceptor_params(m, nav_const=3)
    with pytest.raises(ValueError, match="target_category"):
        flyout(O5[None], E[None], 0.0, p, accelerating_target(O5, R0, VT, 0.0),
               target_category="frigate", rng=np.random.default_rng(0))


# ------------------------------------------------------------------------------------------------
# loft and reach


def _fly_to_points(p, ground_m, height_m, lat0=40.0, lon0=32.0):
    """Fly one catalog-parameter missile per point (ground range due north [m], height [m])
    from a launcher on the ellipsoid, launched as the engagement loop launches."""
    g = np.atleast_1d(np.asarray(ground_m, float))
    h = np.broadcast_to(np.asarray(height_m, float), g.shape)
    pts = np.array([ecef(lat0 + math.degrees(x / 6_371_000.0), lon0, y)
                    for x, y in zip(g, h, strict=True)])
    launch = np.broadcast_to(ecef(lat0, lon0, 0.0), pts.shape).copy()
    d = launch_direction(p, launch, pts, np.zeros_like(pts), p.speed_max_mps,
                         min_elevation_deg=10.0)

    def truth(t, j):
        j = np.asarray(j, np.int64)
        return pts[j], np.zeros((j.size, 3)), np.ones(j.size, bool)
    return flyout(launch, d, 0.0, p, truth, rng=np.random.default_rng(0), dt=0.1, refine=5)


@pytest.mark.parametrize("missile", sorted(load_catalog().missiles))
def test_catalog_interceptors_reach_their_catalog_range(missile):
    """Reach against the catalog envelope: every catalog interceptor, flown with its catalog
    speed profile and the catalog loft, reaches a stationary point at 85 % of its catalog
    range_max (fails if the reach falls short by more than 15 %) and at 10 % of it, at 10 km
    or, for a lower ceiling, half the catalog ceiling, before its self-destruct time."""
    m = load_catalog().get("missiles", missile)
    p = interceptor_params(m)
    rmax = m.range_max_km.value * 1e3
    h = min(10_000.0, 0.5 * m.altitude_max_km.value * 1e3)
    res = _fly_to_points(p, [0.1 * rmax, 0.85 * rmax], h)
    assert [REASONS[k] for k in res.reason] == ["cpa", "cpa"]
    assert np.all(res.miss_m <= p.fuze_radius_m)
    assert np.all(res.t_cpa <= p.max_time_s)


def test_loft_is_what_reaches_the_48n6e3_catalog_range():
    """Without the loft (a straight climb to the intercept point through dense air) the
    48N6E3 falls short of 85 % of its 250 km; with it, it gets there."""
    m = load_catalog().get("missiles", "48n6e3")
    lofted = interceptor_params(m)
    straight = interceptor_params(m, loft_deg=0.0)
    assert lofted.loft_deg > 0
    g = 0.85 * m.range_max_km.value * 1e3
    assert _fly_to_points(lofted, [g], 10_000.0).reason[0] == REASONS.index("cpa")
    res = _fly_to_points(straight, [g], 10_000.0)
    assert res.reason[0] != REASONS.index("cpa") or res.miss_m[0] > straight.fuze_radius_m


@pytest.mark.parametrize("ground_km", [5.0, 40.0, 60.0, 200.0])
def test_raise_aim_is_the_stated_loft_law(ground_km):
    """Aim point at ground distance D and height h from a launcher on the ground: raised
    vertically by D tan γ · min(D / D_L, 1) (D_L the loft range; the launcher far under the
    ceiling), up to the chord-versus-arc and geocentric-versus-geodetic vertical differences
    (the 8 km height difference tilted by 0.19° is 27 m of horizontal distance: 1 % of the raise
    at 5 km, 0.1 % at 40 km); no raise from above the ceiling."""
    lat0, lon0 = 40.0, 32.0
    D = ground_km * 1e3
    launch = ecef(lat0, lon0, 0.0)
    aim = ecef(lat0 + math.degrees(D / 6_371_000.0), lon0, 8_000.0)
    out = raise_aim(launch[None], (aim - launch)[None], 30.0, 20_000.0, 60_000.0)[0]
    up = aim / np.linalg.norm(aim)
    lift = (out - (aim - launch)) @ up
    want = D * math.tan(math.radians(30.0)) * min(D / 60e3, 1.0)
    assert lift == pytest.approx(want, rel=0.012 if D < 10e3 else 2e-3)
    assert np.linalg.norm(out - (aim - launch) - lift * up) < 1e-6 * D
    high = ecef(lat0, lon0, 25_000.0)
    same = raise_aim(high[None], (aim - high)[None], 30.0, 20_000.0, 60_000.0)[0]
    np.testing.assert_allclose(same, aim - high)


def test_flyout_kernel_raises_the_aim_as_raise_aim_does():
    """The per-step loft of the flyout kernel and the vectorised one of the launch direction
    are one law: equal raises from missiles at several heights and distances, up to the
    kernel's altitude (within ~30 m of the ellipsoidal height, module docstring) entering
    the loft weight's 5 km ramp: |Δ| ≤ 30/5000 of the unweighted raise (raise / weight)."""
    lat0, lon0 = 40.0, 32.0
    for h_m, ground_km in ((0.0, 5.0), (3_000.0, 40.0), (16_000.0, 150.0), (25_000.0, 90.0)):
        rm = ecef(lat0, lon0, h_m)
        aim = ecef(lat0 + math.degrees(ground_km * 1e3 / 6_371_000.0), lon0, 8_000.0)
        want = raise_aim(rm[None], (aim - rm)[None], 35.0, 20_000.0, 60_000.0)[0]
        de = np.array(aim - rm, float)
        _raise_aim(rm, de, math.tan(math.radians(35.0)), 20_000.0, 60_000.0)
        w = min(max((20_000.0 - h_m) / 5_000.0, 0.0), 1.0)
        full = np.linalg.norm(want - (aim - rm)) / w if w > 0 else 0.0
        assert np.linalg.norm(de - want) <= 30.0 / 5_000.0 * full + 1e-3


# ------------------------------------------------------------------------------------------------
# guidance errors


def test_track_error_covariance_is_range_along_and_angle_across_the_line_of_sight():
    """Sample covariance of the track error against σ_∥² r̂r̂ᵀ + σ_⊥² (I − r̂r̂ᵀ), σ_∥² = σ_r²
    + σ_f², σ_⊥² = (R σ_θ)² + σ_f² (closed form)."""
    rng = np.random.default_rng(11)
    ref = ecef(40.0, 32.0, 100.0)
    tgt = ecef(40.3, 32.4, 9_000.0)
    R = np.linalg.norm(tgt - ref)
    u = (tgt - ref) / R
    n = 100_000
    z = rng.standard_normal((n, 3))
    e = track_error(np.broadcast_to(tgt, (n, 3)), ref, z, 30.0, 1e-3, 5.0)
    cov = np.cov(e.T)
    s_par2, s_perp2 = 30.0**2 + 25.0, (R * 1e-3) ** 2 + 25.0
    want = s_par2 * np.outer(u, u) + s_perp2 * (np.eye(3) - np.outer(u, u))
    np.testing.assert_allclose(cov, want, atol=0.02 * s_perp2)
    assert u @ cov @ u == pytest.approx(s_par2, rel=0.02)


def _crossing_engagement(n):
    """A 48N6E3 from the radar's site at an aircraft 40 km north at 8 km, crossing at
    250 m/s: n identical shots."""
    p = interceptor_params(load_catalog().get("missiles", "48n6e3"))
    lp = ecef(40.0, 32.0, 0.0)
    t0 = ecef(40.0 + math.degrees(40e3 / 6_371_000.0), 32.0, 8_000.0)
    east = ecef(40.0, 32.01, 0.0) - lp
    vt = -250.0 * east / np.linalg.norm(east)

    def truth(t, j):
        t = np.asarray(t, float)[:, None]
        return t0 + vt * t, np.broadcast_to(vt, (t.shape[0], 3)), np.ones(t.shape[0], bool)
    launch = np.broadcast_to(lp, (n, 3)).copy()
    d = launch_direction(p, launch, np.broadcast_to(t0, (n, 3)), np.broadcast_to(vt, (n, 3)),
                         1200.0, min_elevation_deg=10.0)

    def fly(errors, seed=3):
        return flyout(launch, d, 0.0, p, truth, rng=np.random.default_rng(seed),
                      target_index=np.zeros(n, int), errors=errors, dt=0.1, refine=100)
    return lp, t0, vt, fly


def test_command_guided_miss_is_the_radar_track_error_across_the_line_of_sight():
    """Command guidance on the radar track (no seeker): the track error varies slowly
    (5 s) against the last second of flight, so the missile flies into the erroneous
    position and misses by the error across the closing line (both components across the
    radar's line of sight here, the launcher standing at the radar): RMS miss ≈ √2 R σ_θ, R
    the radar–target range at the intercept; linear in σ_θ (same draws). With the exact track
    the miss is ~0."""
    n = 200
    lp, t0, vt, fly = _crossing_engagement(n)
    exact = fly(None)
    assert np.nanmax(exact.miss_m) < 1e-3
    rms = {}
    for s in (0.5e-3, 1e-3):
        res = fly(GuidanceErrors(radar_pos=lp, sigma_range_m=0.0, sigma_angle_rad=s,
                                 seeker=False))
        assert np.all(res.reason == 0)
        rms[s] = math.sqrt(np.mean(res.miss_m**2))
    R = np.linalg.norm(t0 + vt * np.mean(exact.t_cpa) - lp)
    assert rms[1e-3] == pytest.approx(math.sqrt(2.0) * R * 1e-3, rel=0.15)
    assert rms[1e-3] / rms[0.5e-3] == pytest.approx(2.0, rel=0.05)


def test_seeker_homing_miss_follows_the_seeker_not_the_radar():
    """With a seeker the terminal miss is set by the seeker (glint floor 1 m, 1 mrad): a few
    metres whatever the radar's angle noise, and growing with the glint floor."""
    n = 100
    lp, _t0, _vt, fly = _crossing_engagement(n)
    out = {}
    for s_th, glint in ((1e-3, 1.0), (4e-3, 1.0), (1e-3, 4.0)):
        res = fly(GuidanceErrors(radar_pos=lp, sigma_range_m=30.0, sigma_angle_rad=s_th,
                                 glint_m=glint))
        assert np.all(np.isfinite(res.t_homing))
        out[(s_th, glint)] = math.sqrt(np.mean(res.miss_m**2))
    assert 0.2 < out[(1e-3, 1.0)] < 5.0
    assert out[(4e-3, 1.0)] == pytest.approx(out[(1e-3, 1.0)], rel=0.25)
    assert out[(1e-3, 4.0)] > 2.0 * out[(1e-3, 1.0)]
    # same seed, same draws, same misses
    a = fly(GuidanceErrors(radar_pos=lp, sigma_range_m=30.0, sigma_angle_rad=1e-3), seed=9)
    b = fly(GuidanceErrors(radar_pos=lp, sigma_range_m=30.0, sigma_angle_rad=1e-3), seed=9)
    np.testing.assert_array_equal(a.miss_m, b.miss_m)


def test_guidance_errors_refuse_negative_sigma():
    with pytest.raises(ValueError, match="guidance error"):
        GuidanceErrors(radar_pos=np.zeros(3), sigma_range_m=-1.0, sigma_angle_rad=0.0).table(2)
