"""Tests of iads.threats against an independent two-body integration, textbook flat-earth
formulas, conservation laws, a brute-force envelope, and an independent cut of the DEM."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from scipy.integrate import solve_ivp
from scipy.spatial import cKDTree

from iads.catalog import load_catalog
from iads.errors import ScenarioError
from iads.kinematics import geodetic_of, positions, stack_paths
from iads.terrain import builtin_dem, elevation_at
from iads.threats import (
    EARTH_RADIUS_M,
    GM_EARTH,
    TerminalManoeuvre,
    ThreatError,
    ballistic_arc,
    ballistic_envelope,
    ballistic_positions,
    ballistic_threat,
    cruise_threat,
    drone_threat,
    raid,
    terrain_following_profile,
    threat_paths,
    trajectory_apogee,
)

GEOD = Geod(ellps="WGS84")
CAT = load_catalog()
MU, RE = GM_EARTH, EARTH_RADIUS_M


@pytest.fixture(scope="module")
def terrain():
    return functools.partial(elevation_at, builtin_dem())


def path_at(threat, t):
    t = np.atleast_1d(np.asarray(t, float))
    return positions(stack_paths([threat.segments]), t, np.zeros(t.shape, int))


# ------------------------------------------------------------------------------------------------
# Kepler arcs

TRIPLES = [(300e3, 50e3), (500e3, 50e3), (50e3, 80e3), (2000e3, 300e3), (20e3, 1e3),
           (3000e3, 20e3)]


@pytest.mark.parametrize("R,H", TRIPLES)
def test_any_two_of_range_apogee_time_give_the_third(R, H):
    a = ballistic_arc(range_m=R, apogee_m=H)
    b = ballistic_arc(range_m=R, flight_time_s=a.flight_time_s)
    c = ballistic_arc(apogee_m=H, flight_time_s=a.flight_time_s)
    assert b.apogee_m == pytest.approx(H, rel=1e-10)
    # (apogee, time) -> range is ill-conditioned at short range (T hardly depends on R)
    assert c.range_m == pytest.approx(R, rel=1e-8)
    assert b.flight_time_s == pytest.approx(a.flight_time_s, rel=1e-12)


@pytest.mark.parametrize("R,H", TRIPLES)
def test_arc_matches_an_independent_two_body_integration(R, H):
    """Integrate r'' = -GM r/|r|^3 from the arc's burnout state (DOP853): the range, apogee
    and flight time it reaches are the arc's."""
    arc = ballistic_arc(range_m=R, apogee_m=H)
    v0, g0 = arc.burnout_speed_mps, arc.burnout_angle_rad
    y0 = [RE, 0.0, v0 * math.sin(g0), v0 * math.cos(g0)]  # x up at launch, y downrange

    def f(_, y):
        r3 = math.hypot(y[0], y[1]) ** 3
        return [y[2], y[3], -MU * y[0] / r3, -MU * y[1] / r3]

    def land(_, y):
        return math.hypot(y[0], y[1]) - RE
    land.terminal, land.direction = True, -1
    sol = solve_ivp(f, (0, 2 * arc.flight_time_s), y0, method="DOP853", rtol=1e-12,
                    atol=1e-6, events=land, dense_output=True)
    t_hit = sol.t_events[0][0]
    y_hit = sol.y_events[0][0]
    assert t_hit == pytest.approx(arc.flight_time_s, rel=1e-8)
    assert math.atan2(y_hit[1], y_hit[0]) * RE == pytest.approx(R, rel=1e-8)
    tt = np.linspace(0, t_hit, 4001)
    yy = sol.sol(tt)
    assert np.hypot(yy[0], yy[1]).max() - RE == pytest.approx(H, rel=1e-6)
    # and the closed-form state along the way
    psi, r, vr, vt = arc.state(tt)
    np.testing.assert_allclose(r * np.cos(psi), yy[0], rtol=0, atol=1e-3 * max(1.0, R / 1e5))
    np.testing.assert_allclose(r * np.sin(psi), yy[1], rtol=0, atol=1e-3 * max(1.0, R / 1e5))


@pytest.mark.parametrize("R,H", TRIPLES)
def test_drag_free_arc_conserves_energy_and_angular_momentum(R, H):
    arc = ballistic_arc(range_m=R, apogee_m=H)
    t = np.linspace(0.0, arc.flight_time_s, 777)
    psi, r, vr, vt = arc.state(t)
    energy = 0.5 * (vr**2 + vt**2) - MU / r
    np.testing.assert_allclose(energy, energy[0], rtol=1e-11)
    np.testing.assert_allclose(r * vt, r[0] * vt[0], rtol=1e-11)
    assert psi[-1] * RE == pytest.approx(R, rel=1e-9)
    assert r[0] - RE == pytest.approx(0.0, abs=1e-6) and r[-1] - RE == pytest.approx(0, abs=1e-5)
    assert (r - RE).max() == pytest.approx(H, rel=1e-6)


@pytest.mark.parametrize("v0,gamma_deg", [(150.0, 45.0), (200.0, 30.0), (120.0, 70.0)])
def test_flat_earth_limit_is_the_textbook_projectile(v0, gamma_deg):
    """Short shots: R = v² sin 2γ / g, H = v² sin² γ / (2g), T = 2 v sin γ / g (g at the
    surface); the spherical corrections are of order H/Rₑ and R/Rₑ (< 1e-3 here)."""
    g = MU / RE**2
    gam = math.radians(gamma_deg)
    R = v0**2 * math.sin(2 * gam) / g
    H = v0**2 * math.sin(gam) ** 2 / (2 * g)
    arc = ballistic_arc(range_m=R, apogee_m=H)
    assert arc.burnout_speed_mps == pytest.approx(v0, rel=1e-3)
    assert math.degrees(arc.burnout_angle_rad) == pytest.approx(gamma_deg, abs=0.05)
    assert arc.flight_time_s == pytest.approx(2 * v0 * math.sin(gam) / g, rel=1e-3)


def test_arc_input_errors_name_the_allowed_range():
    with pytest.raises(ThreatError, match="exactly two"):
        ballistic_arc(range_m=1e5)
    with pytest.raises(ThreatError, match="exactly two"):
        ballistic_arc(range_m=1e5, apogee_m=1e4, flight_time_s=100)
    with pytest.raises(ThreatError, match=r"flight time > 37\.\d s"):  # grazing 300 km
        ballistic_arc(range_m=300e3, flight_time_s=30.0)
    with pytest.raises(ThreatError, match="flight time in"):
        ballistic_arc(apogee_m=50e3, flight_time_s=100.0)  # quicker than the vertical shot
    with pytest.raises(ValueError, match="range in"):
        ballistic_arc(range_m=-5.0, apogee_m=1e3)


# ------------------------------------------------------------------------------------------------
# Kepler arcs between two radii (launch and aim on the terrain)

#: (range, apogee, launch height, aim height) [m]: launch lower, higher, equal, far apart
UNEQUAL = [(220e3, 37e3, 20.0, 850.0), (300e3, 50e3, 1200.0, 0.0), (50e3, 20e3, 400.0, 400.0),
           (2000e3, 300e3, 0.0, 3000.0), (20e3, 3e3, 0.0, 1500.0)]


def kepler_reference(R, H, h1, h2):
    """The orbit through r₁ (launch, true-anomaly origin) and r₂ at range angle Φ with apogee
    radius rₐ in between, solved for its periapsis direction ω by brentq (independent of the
    closed form q of iads.threats): returns e, p, ω."""
    from scipy.optimize import brentq

    r1, r2, ra, Phi = RE + h1, RE + h2, RE + H, R / RE

    def ecc(w):
        return (ra - r1) / (ra + r1 * math.cos(w))  # r₁ = p/(1 + e cos(0 − ω)), p = rₐ(1 − e)

    def g(w):
        e = ecc(w)
        return r2 * (1 + e * math.cos(Phi - w)) - ra * (1 - e)

    w = brentq(g, -math.pi + 1e-12, Phi - math.pi - 1e-12, xtol=1e-15)  # apogee in (0, Φ)
    e = ecc(w)
    return e, ra * (1 - e), w


def kepler_E(M, e):
    """Kepler's equation E − e sin E = M solved by brentq, one root at a time."""
    from scipy.optimize import brentq

    return np.array([brentq(lambda E, m=m: E - e * math.sin(E) - m, m - 1.0, m + 1.0,
                            xtol=1e-14) for m in np.atleast_1d(M)])


@pytest.mark.parametrize("R,H,h1,h2", UNEQUAL)
def test_arc_between_two_radii_ends_at_the_heights_and_conserves_energy_and_momentum(R, H, h1,
                                                                                      h2):
    arc = ballistic_arc(range_m=R, apogee_m=H, heights_m=(h1, h2))
    t = np.linspace(0.0, arc.flight_time_s, 901)
    psi, r, vr, vt = arc.state(t)
    energy = 0.5 * (vr**2 + vt**2) - MU / r
    np.testing.assert_allclose(energy, -MU / (2 * arc.a), rtol=1e-11)  # vis-viva
    np.testing.assert_allclose(r * vt, math.sqrt(MU * arc.p), rtol=1e-11)
    assert r[0] - RE == pytest.approx(h1, abs=1e-6)
    assert r[-1] - RE == pytest.approx(h2, abs=1e-5)
    assert psi[0] == pytest.approx(0.0, abs=1e-15)
    assert psi[-1] * RE == pytest.approx(R, abs=1e-4)
    assert (r - RE).max() <= H + 1e-6
    _, r_top, vr_top, _ = arc.state(arc.apogee_time_s)  # the apogee: r = Rₑ + H, v_r = 0
    assert r_top - RE == pytest.approx(H, abs=1e-6)
    assert vr_top == pytest.approx(0.0, abs=1e-9 * arc.burnout_speed_mps)
    # end speeds: vis-viva at r₁, r₂; energy: v₁² − v₂² = 2 GM (1/r₁ − 1/r₂)
    assert arc.burnout_speed_mps == pytest.approx(math.hypot(vr[0], vt[0]), rel=1e-12)
    assert arc.impact_speed_mps == pytest.approx(math.hypot(vr[-1], vt[-1]), rel=1e-9)
    assert arc.burnout_speed_mps**2 - arc.impact_speed_mps**2 == pytest.approx(
        2 * MU * (1 / (RE + h1) - 1 / (RE + h2)), abs=1e-6 * arc.burnout_speed_mps**2)
    assert arc.impact_angle_rad == pytest.approx(-math.atan2(vr[-1], vt[-1]), abs=1e-9)


@pytest.mark.parametrize("R,H,h1,h2", UNEQUAL)
def test_arc_between_two_radii_against_an_independent_kepler_solution(R, H, h1, h2):
    """Elements from brentq on the geometry (kepler_reference), times from Kepler's equation
    (brentq): eccentricity, flight time and the positions along the way are the arc's."""
    arc = ballistic_arc(range_m=R, apogee_m=H, heights_m=(h1, h2))
    e, p, w = kepler_reference(R, H, h1, h2)
    assert arc.e == pytest.approx(e, rel=1e-9)
    assert arc.p == pytest.approx(p, rel=1e-12 / (1 - e))  # p = rₐ(1 − e): 1/(1 − e) worse
    a = p / (1 - e * e)
    n = math.sqrt(MU / a**3)

    def mean(nu):  # true anomaly from periapsis -> mean anomaly
        E = 2 * math.atan2(math.sqrt(1 - e) * math.sin(nu / 2), math.sqrt(1 + e) * math.cos(nu / 2))
        return E - e * math.sin(E)

    M1 = mean(-w) % (2 * math.pi)
    M2 = mean(R / RE - w) % (2 * math.pi)
    assert arc.flight_time_s == pytest.approx((M2 - M1) / n, rel=1e-10)
    t = np.linspace(0.0, arc.flight_time_s, 37)
    E = kepler_E(M1 + n * t, e)
    r = a * (1 - e * np.cos(E))
    nu = 2 * np.arctan2(math.sqrt(1 + e) * np.sin(E / 2), math.sqrt(1 - e) * np.cos(E / 2))
    psi, r_arc, _, _ = arc.state(t)
    np.testing.assert_allclose(r_arc, r, rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.unwrap(psi), np.unwrap(nu + w), rtol=0, atol=1e-12)


@pytest.mark.parametrize("R,H,h1,h2", UNEQUAL)
def test_arc_between_two_radii_matches_a_two_body_integration(R, H, h1, h2):
    """From the burnout state at r₁ (DOP853): it comes down through r₂ at the arc's range and
    flight time."""
    arc = ballistic_arc(range_m=R, apogee_m=H, heights_m=(h1, h2))
    v0, g0 = arc.burnout_speed_mps, arc.burnout_angle_rad
    y0 = [RE + h1, 0.0, v0 * math.sin(g0), v0 * math.cos(g0)]

    def f(_, y):
        r3 = math.hypot(y[0], y[1]) ** 3
        return [y[2], y[3], -MU * y[0] / r3, -MU * y[1] / r3]

    def land(_, y):
        return math.hypot(y[0], y[1]) - (RE + h2)
    land.terminal, land.direction = True, -1
    sol = solve_ivp(f, (0, 2 * arc.flight_time_s), y0, method="DOP853", rtol=1e-12, atol=1e-6,
                    events=land, max_step=arc.flight_time_s / 50)  # no step over the arc
    t_hit, y_hit = sol.t_events[0][0], sol.y_events[0][0]
    assert t_hit == pytest.approx(arc.flight_time_s, rel=1e-8)
    assert math.atan2(y_hit[1], y_hit[0]) * RE == pytest.approx(R, rel=1e-8)
    assert math.hypot(y_hit[2], y_hit[3]) == pytest.approx(arc.impact_speed_mps, rel=1e-8)


@pytest.mark.parametrize("R,H,h1,h2", UNEQUAL)
def test_any_two_of_range_apogee_time_give_the_third_between_two_radii(R, H, h1, h2):
    hs = (h1, h2)
    a = ballistic_arc(range_m=R, apogee_m=H, heights_m=hs)
    b = ballistic_arc(range_m=R, flight_time_s=a.flight_time_s, heights_m=hs)
    c = ballistic_arc(apogee_m=H, flight_time_s=a.flight_time_s, heights_m=hs)
    assert b.apogee_m == pytest.approx(H, rel=1e-9)
    assert c.range_m == pytest.approx(R, rel=1e-7)
    # the shortest flight: the apogee at the higher end point
    t_min = ballistic_arc(range_m=R, apogee_m=max(hs) + 1e-3, heights_m=hs).flight_time_s
    with pytest.raises(ThreatError, match="flight time >"):
        ballistic_arc(range_m=R, flight_time_s=0.999 * t_min, heights_m=hs)
    with pytest.raises(ThreatError, match="above the launch and aim points"):
        ballistic_arc(range_m=R, apogee_m=max(hs) * 0.99, heights_m=hs)


@pytest.mark.parametrize("R,h1,h2", [(130e3, 1900.0, 830.0), (220e3, 20.0, 850.0),
                                      (1000e3, 0.0, 0.0), (300e3, 2500.0, 0.0)])
def test_minimum_energy_arc_between_two_radii_is_lamberts(R, h1, h2):
    """Lambert's minimum-energy transfer: a = s/2 (s the semi-perimeter of the triangle of the
    two radii and the chord c), so v₁² = GM (2/r₁ − 2/s); the burnout velocity bisects the
    angle between the local vertical and the chord (the empty focus lies on the chord)."""
    r1, r2, Phi = RE + h1, RE + h2, R / RE
    c = math.sqrt(r1**2 + r2**2 - 2 * r1 * r2 * math.cos(Phi))
    s = (r1 + r2 + c) / 2
    H = trajectory_apogee(R, "minimum_energy", heights_m=(h1, h2))
    arc = ballistic_arc(range_m=R, apogee_m=H, heights_m=(h1, h2))
    assert arc.burnout_speed_mps == pytest.approx(math.sqrt(MU * (2 / r1 - 2 / s)), rel=1e-9)
    assert arc.a == pytest.approx(s / 2, rel=1e-6)
    chord_elev = math.atan2(r2 * math.cos(Phi) - r1, r2 * math.sin(Phi))
    assert arc.burnout_angle_rad == pytest.approx((math.pi / 2 + chord_elev) / 2, abs=2e-4)


@pytest.mark.parametrize("R,H", TRIPLES)
def test_zero_heights_reproduce_the_symmetric_arc_exactly(R, H):
    """h₁ = h₂ = 0 is the symmetric closed form e = H/(H + 2Rₑ sin²(Φ/4)), T = 2(π − M₀)/n
    bit for bit; h₁ = h₂ = h is the same orbit as the symmetric arc on a sphere of radius
    Rₑ + h (range scaled with the radius, apogee measured from it); a 1 µm asymmetry changes
    nothing measurable."""
    a = ballistic_arc(range_m=R, apogee_m=H)
    z = ballistic_arc(range_m=R, apogee_m=H, heights_m=(0.0, 0.0))
    assert a == z
    s2 = 2 * RE * math.sin(R / (4 * RE)) ** 2
    assert a.e == H / (H + s2)
    assert a.apogee_time_s * 2 == a.flight_time_s
    assert (a.impact_speed_mps, a.impact_angle_rad) == (a.burnout_speed_mps,
                                                        a.burnout_angle_rad)
    h = 0.05 * H
    up = ballistic_arc(range_m=R, apogee_m=H, heights_m=(h, h))
    big = ballistic_arc(range_m=R * (RE + h) / RE, apogee_m=H - h, radius_m=RE + h)
    for f in ("e", "a", "p", "flight_time_s", "burnout_speed_mps", "burnout_angle_rad"):
        assert getattr(up, f) == pytest.approx(getattr(big, f), rel=1e-10), f
    tiny = ballistic_arc(range_m=R, apogee_m=H, heights_m=(0.0, 1e-6))
    assert tiny.flight_time_s == pytest.approx(a.flight_time_s, rel=1e-9)
    assert tiny.e == pytest.approx(a.e, rel=1e-9)


# ------------------------------------------------------------------------------------------------
# ballistic threats on the ellipsoid

LAUNCH, AIM = (45.0, 33.0), (44.3, 35.9)  # Crimea-class geometry, ~243 km


def test_ballistic_path_starts_and_ends_on_the_ground_at_the_points_and_peaks_at_the_apogee():
    th = ballistic_threat(LAUNCH, AIM, apogee_m=45e3, t_launch=100.0)
    p0, _ = path_at(th, th.t_launch)
    p1, _ = path_at(th, th.t_impact)
    la, lo, h = geodetic_of(np.vstack([p0, p1]))
    np.testing.assert_allclose(la, [LAUNCH[0], AIM[0]], atol=1e-9)
    np.testing.assert_allclose(lo, [LAUNCH[1], AIM[1]], atol=1e-9)
    np.testing.assert_allclose(h, 0.0, atol=1e-3)
    _, _, dist = GEOD.inv(LAUNCH[1], LAUNCH[0], AIM[1], AIM[0])
    assert th.arc.range_m == pytest.approx(dist, rel=1e-12)
    assert th.t_impact - th.t_launch == pytest.approx(th.arc.flight_time_s, rel=1e-12)
    tt = np.linspace(th.t_launch, th.t_impact, 5001)
    _, _, hh = geodetic_of(path_at(th, tt)[0])
    assert hh.max() == pytest.approx(45e3, abs=5.0)


def test_chords_stay_within_sag_of_the_exact_arc_and_speeds_follow_vis_viva():
    th = ballistic_threat(LAUNCH, AIM, apogee_m=45e3, sag_m=1.0)
    rng = np.random.default_rng(3)
    t = rng.uniform(0, th.t_impact, 3000)
    exact = ballistic_positions(th.arc, LAUNCH, AIM, t)
    pos, vel = path_at(th, t)
    assert np.linalg.norm(pos - exact, axis=1).max() <= 1.0
    # chord velocity vs vis-viva speed at that height: within a·Δt/2 (~g × 0.9 s / 2)
    _, _, h = geodetic_of(exact)
    assert np.abs(np.linalg.norm(vel, axis=1) - th.arc.speed(h)).max() < 6.0


def test_reentry_slows_the_descent_to_the_catalog_speed_on_the_same_arc():
    atacms = CAT.get("targets", "atacms")
    free = ballistic_threat(LAUNCH, AIM, apogee_m=45e3)
    slow = ballistic_threat(LAUNCH, AIM, apogee_m=45e3, reentry_speed_mps=1000.0,
                            target=atacms, type_id="atacms")
    assert slow.impact_speed_mps == pytest.approx(1000.0, rel=1e-6)
    assert free.impact_speed_mps == pytest.approx(free.arc.burnout_speed_mps, rel=1e-9)
    assert slow.t_impact > free.t_impact
    # the last chord (a fraction of a second before impact) flies at ~1,000 m/s
    _, v_end = path_at(slow, slow.t_impact - 1e-6)
    assert np.linalg.norm(v_end) == pytest.approx(1000.0, rel=0.02)
    # ascent untouched; every point of the slowed path lies on the drag-free arc
    t_up = np.linspace(0, free.arc.flight_time_s / 2, 200)
    np.testing.assert_allclose(path_at(slow, t_up)[0], path_at(free, t_up)[0], atol=1.0)
    ts = np.linspace(0, slow.t_impact, 1500)
    ps = path_at(slow, ts)[0]
    dense = ballistic_positions(free.arc, LAUNCH, AIM, np.linspace(0, free.t_impact, 60001))
    nearest, _ = cKDTree(dense).query(ps)
    assert nearest.max() < 1.0 + 0.5 * free.arc.burnout_speed_mps * free.t_impact / 60000


@pytest.mark.parametrize("plane", ["lateral", "vertical"])
def test_terminal_manoeuvre_adds_the_stated_acceleration_and_still_hits_the_aim(plane):
    man = TerminalManoeuvre(g=8.0, duration_s=12.0, periods=1, plane=plane)
    base = ballistic_threat(LAUNCH, AIM, apogee_m=45e3, sag_m=0.05)
    weave = ballistic_threat(LAUNCH, AIM, apogee_m=45e3, manoeuvre=man, sag_m=0.05)
    assert weave.t_impact == pytest.approx(base.t_impact, abs=1e-3)
    p_end, _ = path_at(weave, weave.t_impact)
    la, lo, h = geodetic_of(p_end[0])
    assert (float(la), float(lo), float(h)) == pytest.approx((*AIM, 0.0), abs=1e-6)
    tau = np.linspace(0.0, man.duration_s, 601)
    t = weave.t_impact - man.duration_s + tau
    d = path_at(weave, t)[0] - path_at(base, t)[0]
    off = np.linalg.norm(d, axis=1)
    A = 8.0 * 9.80665
    w = 2 * math.pi / 12.0
    np.testing.assert_allclose(off, A / w**2 * (1 - np.cos(w * tau)), atol=0.5)
    _, _, up = geodetic_of(path_at(weave, t)[0])
    _, _, up0 = geodetic_of(path_at(base, t)[0])
    if plane == "vertical":
        np.testing.assert_allclose(up - up0, off, atol=0.5)
    else:
        assert np.abs(up - up0).max() < 0.5


MURTED, COAST = (40.08, 32.57), (41.75, 32.40)  # Mürted (~830 m) from the Black Sea coast


@pytest.mark.parametrize("manoeuvre", [None, TerminalManoeuvre(g=5.0, duration_s=15.0,
                                                                plane="vertical")])
def test_ballistic_path_starts_and_ends_on_the_terrain(terrain, manoeuvre):
    """Launch and impact on an independent cut of the DEM (elevation_at), to < 1 m; the arc is
    the one between those two radii; the catalog re-entry speed is reached at the impact
    height; the path stays above the lower end until the impact."""
    atacms = CAT.get("targets", "atacms")
    h1, h2 = (float(terrain(*p)) for p in (COAST, MURTED))
    assert h2 > 800.0 and h1 < 50.0
    th = ballistic_threat(COAST, MURTED, terrain=terrain, target=atacms, type_id="atacms",
                          reentry_speed_mps=1000.0, manoeuvre=manoeuvre, t_launch=5.0)
    ends, _ = path_at(th, [th.t_launch, th.t_impact])
    la, lo, h = geodetic_of(ends)
    np.testing.assert_allclose(la, [COAST[0], MURTED[0]], atol=1e-9)
    np.testing.assert_allclose(lo, [COAST[1], MURTED[1]], atol=1e-9)
    np.testing.assert_allclose(h, [h1, h2], atol=1e-3)
    assert (th.arc.launch_height_m, th.arc.aim_height_m) == (h1, h2)
    _, _, dist = GEOD.inv(COAST[1], COAST[0], MURTED[1], MURTED[0])
    ref = ballistic_arc(range_m=dist, apogee_m=50e3 * dist / 300e3, heights_m=(h1, h2))
    assert th.arc == ref
    assert th.impact_speed_mps == pytest.approx(1000.0, rel=1e-6)
    # the flown path stays above the DEM (an independent cut under every sampled point) until
    # the impact: it meets the terrain at the aim point, not before
    tt = np.linspace(th.t_launch, th.t_impact, 4001)[1:-1]
    la, lo, hh = geodetic_of(path_at(th, tt)[0])
    assert (hh - terrain(la, lo)).min() > 0.0
    flat = ballistic_threat(COAST, MURTED, target=atacms, reentry_speed_mps=1000.0)
    assert flat.arc.aim_height_m == 0.0 and flat.arc.flight_time_s != th.arc.flight_time_s


def test_catalog_feasibility_errors_give_the_allowed_band_and_the_band_is_right():
    atacms = CAT.get("targets", "atacms")
    with pytest.raises(ThreatError) as err:
        ballistic_threat(LAUNCH, AIM, apogee_m=10e3, target=atacms, type_id="atacms")
    msg = str(err.value)
    assert isinstance(err.value, ScenarioError) and isinstance(err.value, ValueError)
    assert "apogee" in msg and "atacms" in msg and "1900 m/s" in msg
    _, _, dist = GEOD.inv(LAUNCH[1], LAUNCH[0], AIM[1], AIM[0])
    (h_lo, h_hi), (t_lo, t_hi) = ballistic_envelope(dist, 1900.0, 70e3)
    assert f"[{h_lo / 1e3:.1f}, {h_hi / 1e3:.1f}] km" in msg
    # just inside the band: accepted; just outside: refused
    ballistic_threat(LAUNCH, AIM, apogee_m=h_lo * 1.001, target=atacms)
    ballistic_threat(LAUNCH, AIM, apogee_m=h_hi * 0.999, target=atacms)
    ballistic_threat(LAUNCH, AIM, flight_time_s=0.5 * (t_lo + t_hi), target=atacms)
    for bad in (h_lo * 0.999, h_hi * 1.001):
        with pytest.raises(ThreatError):
            ballistic_threat(LAUNCH, AIM, apogee_m=bad, target=atacms)
    # the low end of the band is where the burnout speed reaches the catalog's 1,900 m/s
    assert ballistic_arc(range_m=dist, apogee_m=h_lo).burnout_speed_mps == pytest.approx(1900)
    # beyond the catalog's range (300 km)
    with pytest.raises(ThreatError, match=r"range up to 300 km"):
        ballistic_threat((45.0, 33.0), (42.0, 36.0), apogee_m=60e3, target=atacms)
    with pytest.raises(ThreatError, match="at most one"):
        ballistic_threat(LAUNCH, AIM, apogee_m=40e3, flight_time_s=200.0, target=atacms)
    # neither: the catalog's 50 km apogee at 300 km, scaled to the range
    th = ballistic_threat(LAUNCH, AIM, target=atacms)
    assert th.arc.apogee_m == pytest.approx(50e3 * dist / 300e3, rel=1e-12)


# ------------------------------------------------------------------------------------------------
# terrain following


def brute_envelope(z, dz):
    i = np.arange(z.shape[0])
    return np.max(z[None, :] - dz * np.abs(i[:, None] - i[None, :]), axis=1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 2000), min_size=3, max_size=60), st.floats(1.0, 30.0),
       st.integers(1, 4), st.floats(0.0, 3000.0))
def test_profile_clears_every_sample_within_slope_and_curvature_limits(h, slope_deg, over,
                                                                        window):
    rng_h = np.repeat(np.asarray(h), over)[: (len(h) - 1) * over + 1]
    spacing = 50.0
    z = terrain_following_profile(rng_h, spacing, 30.0, max_slope_deg=slope_deg,
                                  window_m=window, oversample=over)
    dv = spacing * over
    k = math.tan(math.radians(slope_deg))
    # every terrain sample is cleared by the chord above it (both neighbouring vertices)
    s_v = np.arange(z.shape[0]) * dv
    s_h = np.arange(rng_h.shape[0]) * spacing
    assert np.all(np.interp(s_h, s_v, z) >= rng_h + 30.0 - 1e-9)
    assert np.all(np.abs(np.diff(z)) <= k * dv * (1 + 1e-12) + 1e-9)
    if window == 0:  # the minimal slope-limited envelope, as a brute-force one gives
        zmin = np.array([rng_h[max(0, i * over - over): i * over + over + 1].max()
                         for i in range(z.shape[0])]) + 30.0
        np.testing.assert_allclose(z, brute_envelope(zmin, k * dv), atol=1e-9)
    else:
        m = math.ceil(window / (2 * dv))
        assert np.all(np.abs(np.diff(z, 2)) <= 2 * k * dv / (2 * m + 1) * (1 + 1e-9) + 1e-9)


def test_cruise_missile_keeps_its_clearance_over_an_independent_dem_cut(terrain):
    """Over the Pontic mountains: sample the flown path every 10 m, cut the DEM there, and
    check clearance >= 50 m - (terrain slope) x step / 8 (the stated limit between terrain
    samples); climb angle and vertical load within their limits."""
    cm = CAT.get("targets", "cruise-missile")
    v, step = 244.0, 200.0
    th = cruise_threat((41.35, 36.2), (40.3, 37.6), terrain, speed_mps=v, clearance_m=50.0,
                       max_slope_deg=8.0, n_z=1.0, step_m=step, terminal_dive_deg=None,
                       target=cm, type_id="cruise-missile")
    t = np.arange(th.t_launch, th.t_impact, 10.0 / v)
    pos, vel = path_at(th, t)
    la, lo, h = geodetic_of(pos)
    ground = terrain(la, lo)
    slope_max = np.max(np.abs(np.diff(ground))) / 10.0
    assert ground.max() > 1000.0  # it does cross mountains
    assert (h - ground).min() >= 50.0 - slope_max * step / 8
    np.testing.assert_allclose(np.linalg.norm(vel, axis=1), v, rtol=1e-9)
    # vertices: climb angle <= 8 deg, vertical acceleration <= 1 g
    p = th.segments.p0
    lav, lov, hv = geodetic_of(p)
    _, _, ds = GEOD.inv(lov[:-1], lav[:-1], lov[1:], lav[1:])
    assert np.max(np.abs(np.diff(hv)) / ds) <= math.tan(math.radians(8.0)) + 1e-6
    curv = np.abs(np.diff(hv, 2)) / ds[1:] ** 2
    assert np.max(curv * v**2) <= 9.80665 * (1 + 1e-6) + 1e-3


def test_cruise_missile_dives_onto_the_aim_point_and_checks_the_catalog(terrain):
    cm = CAT.get("targets", "cruise-missile")
    level = cruise_threat((41.35, 36.2), (40.9, 36.9), terrain, speed_mps=244.0,
                          clearance_m=50.0, terminal_dive_deg=None)
    dive = cruise_threat((41.35, 36.2), (40.9, 36.9), terrain, speed_mps=244.0,
                         clearance_m=50.0, terminal_dive_deg=30.0)
    p_end, _ = path_at(dive, dive.t_impact)
    la, lo, h = geodetic_of(p_end[0])
    assert (float(la), float(lo)) == pytest.approx((40.9, 36.9), abs=1e-9)
    assert float(h) == pytest.approx(float(terrain(40.9, 36.9)), abs=1e-3)
    # identical profile before the dive, whose last leg is at 30 degrees
    n = level.segments.t0.shape[0] - 20
    np.testing.assert_allclose(dive.segments.p0[:n], level.segments.p0[:n], atol=1e-6)
    la0, lo0, h0 = geodetic_of(dive.segments.p0[-1])
    _, _, d = GEOD.inv(float(lo0), float(la0), 36.9, 40.9)
    assert math.degrees(math.atan2(float(h0 - h), d)) == pytest.approx(30.0, abs=0.01)
    with pytest.raises(ThreatError, match=r"clearance in \[30, 5000\] m"):
        cruise_threat((41.35, 36.2), (40.9, 36.9), terrain, speed_mps=244.0, clearance_m=10.0,
                      target=cm)
    with pytest.raises(ThreatError, match="speed in"):
        cruise_threat((41.35, 36.2), (40.9, 36.9), terrain, speed_mps=400.0, clearance_m=50.0,
                      target=cm)
    with pytest.raises(ThreatError, match="route up to 2600 km"):  # ~3,400 km, no DEM needed
        cruise_threat((30.0, 16.0), (47.0, 49.0), terrain, speed_mps=244.0, clearance_m=50.0,
                      target=cm)


# ------------------------------------------------------------------------------------------------
# drones and raids


def test_drone_flies_its_route_at_constant_altitude_and_speed():
    tb2 = CAT.get("targets", "tb2")
    th = drone_threat((39.0, 36.0), (39.5, 36.5), speed_mps=37.0, alt_m=5000.0, t_launch=60.0,
                      target=tb2)
    t = np.linspace(th.t_launch, th.t_impact, 50)
    pos, vel = path_at(th, t)
    _, _, h = geodetic_of(pos)
    np.testing.assert_allclose(h, 5000.0, atol=1.0)
    np.testing.assert_allclose(np.linalg.norm(vel, axis=1), 37.0, rtol=1e-9)
    _, _, dist = GEOD.inv(36.0, 39.0, 36.5, 39.5)
    # the route is flown at 5 km: longer than the ground geodesic by (R + h)/R
    assert th.t_impact - th.t_launch == pytest.approx(dist * (1 + 5e3 / RE) / 37.0, rel=2e-5)
    with pytest.raises(ThreatError, match="speed in"):
        drone_threat((39.0, 36.0), (39.5, 36.5), speed_mps=90.0, alt_m=5000.0, target=tb2)


@pytest.mark.parametrize("type_id", ["atacms", "iskander-m", "cruise-missile", "tb2"])
def test_raid_draws_launches_in_the_area_aims_in_turn_and_is_seeded(type_id, terrain):
    target = CAT.get("targets", type_id)
    centre = (45.2, 33.4) if target.category == "ballistic_missile" else (41.3, 36.0)
    aims = [(44.6, 34.4), (44.5, 34.0)] if target.category == "ballistic_missile" else [
        (41.0, 36.4), (40.9, 36.2)]
    kw = dict(type_id=type_id, start_s=100.0, spread_s=30.0, terrain=terrain)
    a = raid(target, 5, (*centre, 20e3), aims, rng=np.random.default_rng(7), **kw)
    b = raid(target, 5, (*centre, 20e3), aims, rng=np.random.default_rng(7), **kw)
    c = raid(target, 5, (*centre, 20e3), aims, rng=np.random.default_rng(8), **kw)
    assert len(a) == 5
    for i, th in enumerate(a):
        _, _, d = GEOD.inv(centre[1], centre[0], th.launch[1], th.launch[0])
        assert d <= 20e3 + 1e-6
        assert th.aim == aims[i % 2]
        assert 100.0 <= th.t_launch <= 130.0
        np.testing.assert_array_equal(th.segments.p0, b[i].segments.p0)
        assert th.t_launch == b[i].t_launch
    assert any(x.t_launch != y.t_launch for x, y in zip(a, c, strict=True))
    paths = threat_paths(a)
    p0, _ = positions(paths, [th.t_launch for th in a])
    la, lo, _ = geodetic_of(p0)
    np.testing.assert_allclose(la, [th.launch[0] for th in a], atol=1e-7)
    tot = raid(target, 4, (*centre, 20e3), aims, rng=np.random.default_rng(1),
               timing="impact", **kw)
    assert all(100.0 <= th.t_impact <= 130.0 for th in tot)


def test_raid_refuses_types_and_parameters_it_cannot_fly():
    with pytest.raises(ThreatError, match="category fighter flies"):
        raid(CAT.get("targets", "f-16c"), 2, (40.0, 30.0, 1e3), [(40.5, 30.5)],
             rng=np.random.default_rng(0), kind="ballistic")
    with pytest.raises(ThreatError, match="category cruise_missile flies"):
        raid(CAT.get("targets", "cruise-missile"), 2, (40.0, 30.0, 1e3), [(40.5, 30.5)],
             rng=np.random.default_rng(0), kind="drone")
    with pytest.raises(ThreatError, match=r"raids\[3\]\.threats\[0\]\.apogee_m"):
        raid(CAT.get("targets", "atacms"), 1, (45.0, 33.0, 0.0), [AIM],
             rng=np.random.default_rng(0), apogee_m=5e3, where=("raids", 3))
