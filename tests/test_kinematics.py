"""Tests of iads.kinematics against PROJ (ECEF, geodesics), closed forms and properties."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from iads.errors import ScenarioError
from iads.geodesy import ecef_to_geodetic, geodetic_to_ecef
from iads.kinematics import (
    active,
    climb_sigma,
    geodetic_of,
    heading_of,
    orbit_segments,
    paths_from_air_objects,
    positions,
    racetrack_segments,
    route_segments,
    routes_segments,
    speed_sigma,
    stack_paths,
    stationary_paths,
    stationary_segments,
)
from iads.scenario.schema import AirObject, Orbit, Waypoint

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Wp:
    """A waypoint without the scenario model's validation (for property tests)."""

    lat: float
    lon: float
    alt_m: float
    speed_mps: float | None = None
    time_s: float | None = None
    alt_ref: str = "msl"


def ecef(lat, lon, h):
    return np.stack([np.asarray(v, float) for v in geodetic_to_ecef(lat, lon, h)], axis=-1)


def one(segs):
    return stack_paths([segs])


def at(paths, t, obj=0):
    t = np.atleast_1d(np.asarray(t, float))
    return positions(paths, t, np.full(t.shape, obj))


# ------------------------------------------------------------------------------------------------
# geodetic helpers


def test_geodetic_of_matches_proj():
    rng = np.random.default_rng(0)
    lat = rng.uniform(-89.9, 89.9, 2000)
    lon = rng.uniform(-180, 180, 2000)
    h = rng.uniform(-500, 1.2e6, 2000)
    la, lo, hh = geodetic_of(ecef(lat, lon, h))
    np.testing.assert_allclose(la, lat, atol=1e-10)
    np.testing.assert_allclose(np.mod(lo - lon + 180, 360) - 180, 0, atol=1e-10)
    np.testing.assert_allclose(hh, h, atol=1e-3)


def test_heading_of_cardinal_directions_and_climb():
    p = ecef(0.0, 10.0, 0.0)[None, :]
    # symmetric chords about the point are horizontal there
    e_dir = ecef(0.0, 10.001, 0.0) - ecef(0.0, 9.999, 0.0)
    n_dir = ecef(0.001, 10.0, 0.0) - ecef(-0.001, 10.0, 0.0)
    up = ecef(0.0, 10.0, 1.0) - ecef(0.0, 10.0, 0.0)
    for v, want in ((e_dir, 90.0), (n_dir, 0.0), (-e_dir, 270.0), (-n_dir, 180.0)):
        hd, climb, gs = heading_of(p, (v / np.linalg.norm(v) * 250.0)[None, :])
        assert math.degrees(hd[0]) == pytest.approx(want, abs=1e-4)
        assert gs[0] == pytest.approx(250.0, rel=1e-6)
        assert abs(climb[0]) < 1e-4
    v = 100.0 * e_dir / np.linalg.norm(e_dir) + 100.0 * up
    _, climb, gs = heading_of(p, v[None, :])
    assert math.degrees(climb[0]) == pytest.approx(45.0, abs=1e-6)


# ------------------------------------------------------------------------------------------------
# routes


def test_short_leg_is_linear_motion_in_closed_form():
    # a 5 km leg is one chord: p(t) = p1 + (p2 - p1) t / T, T = |p2 - p1| / v
    a, b = (39.0, 32.0, 3000.0), (39.03, 32.03, 3500.0)
    p = one(route_segments([Wp(*a, speed_mps=200.0), Wp(*b)]))
    p1, p2 = ecef(*a), ecef(*b)
    T = np.linalg.norm(p2 - p1) / 200.0
    t = np.linspace(0.0, T, 11)
    pos, vel = at(p, t)
    want = p1 + (p2 - p1) * (t / T)[:, None]
    np.testing.assert_allclose(pos, want, atol=1e-6)
    np.testing.assert_allclose(vel[:-1], np.broadcast_to((p2 - p1) / T, (10, 3)), atol=1e-9)
    assert p.t_end[0] == pytest.approx(T, rel=1e-12)


def test_arrival_times_are_cumulative_geodesic_length_over_speed():
    # at sea level the flown length is the geodesic length (chords 7 km long: 5e-8 shorter)
    lat = [36.5, 37.8, 40.9, 41.2, 38.0]
    lon = [28.0, 33.5, 34.0, 29.0, 27.5]
    v = [180.0, 250.0, 600.0, 95.0]
    route = [Wp(lat[i], lon[i], 0.0, v[i] if i < 4 else None) for i in range(5)]
    p = one(route_segments(route))
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    t_arr = np.concatenate([[0.0], np.cumsum(np.asarray(dist) / v)])
    pos, _ = at(p, t_arr)
    miss = np.linalg.norm(pos - ecef(lat, lon, np.zeros(5)), axis=1)
    assert miss.max() < 0.2  # 0.2 m in legs of up to 480 km
    assert p.t_end[0] == pytest.approx(t_arr[-1], rel=1e-7)


def test_geodesic_leg_stays_within_the_sag_tolerance_of_proj_geodesic():
    lat1, lon1, lat2, lon2, h = 37.0, 27.0, 40.0, 31.0, 10_000.0
    az, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    p = one(route_segments([Wp(lat1, lon1, h, 300.0), Wp(lat2, lon2, h)], sag_m=1.0))
    f = np.random.default_rng(1).uniform(0, 1, 400)
    pos, _ = at(p, f * p.t_end[0])
    lo, la, _ = GEOD.fwd(np.full(f.shape, lon1), np.full(f.shape, lat1), np.full(f.shape, az),
                         f * dist)
    dev = np.linalg.norm(pos - ecef(la, lo, np.full(f.shape, h)), axis=1)
    assert dev.max() < 1.05
    # one straight ECEF chord would cut kilometres below the geodesic at altitude
    p1, p2 = ecef(lat1, lon1, h), ecef(lat2, lon2, h)
    lo_m, la_m, _ = GEOD.fwd(lon1, lat1, az, dist / 2)
    assert np.linalg.norm((p1 + p2) / 2 - ecef(la_m, lo_m, h)) > 1000.0


def test_timed_waypoints_are_met_and_speeds_set_the_pace_between_them():
    lat, lon = [38.0, 38.5, 39.5], [30.0, 31.0, 31.2]
    route = [Wp(lat[0], lon[0], 5000.0, 100.0, time_s=50.0), Wp(lat[1], lon[1], 5000.0, 300.0),
             Wp(lat[2], lon[2], 5000.0, time_s=2000.0)]
    p = one(route_segments(route))
    # flown lengths are the chord sums; check them with the chord polyline of the leg
    seg = route_segments(route)
    L = np.linalg.norm(seg.v, axis=1) * np.diff(np.append(seg.t0, seg.t_end))
    wp1 = ecef(lat[1], lon[1], 5000.0)
    k = int(np.argmin(np.linalg.norm(seg.p0 - wp1, axis=1)))
    L0, L1 = L[:k].sum(), L[k:].sum()
    t1 = 50.0 + 1950.0 * (L0 / 100.0) / (L0 / 100.0 + L1 / 300.0)
    pos, _ = at(p, [50.0, t1, 2000.0])
    miss = np.linalg.norm(pos - ecef(lat, lon, np.full(3, 5000.0)), axis=1)
    assert miss.max() < 1e-3
    assert seg.t_begin == 50.0 and seg.t_end == pytest.approx(2000.0, abs=1e-9)


def test_time_on_target_back_computes_the_start():
    route = [Wp(38.0, 30.0, 0.0, 250.0), Wp(39.0, 30.5, 0.0, time_s=3600.0)]
    seg = route_segments(route)
    _, _, dist = GEOD.inv(30.0, 38.0, 30.5, 39.0)
    assert seg.t_begin == pytest.approx(3600.0 - dist / 250.0, rel=1e-6)
    assert seg.t_end == pytest.approx(3600.0, abs=1e-9)


def test_speed_carries_over_to_later_legs():
    route = [Wp(38.0, 30.0, 0.0, 200.0), Wp(38.2, 30.0, 0.0), Wp(38.4, 30.0, 0.0)]
    seg = route_segments(route)
    sp = np.linalg.norm(seg.v, axis=1)
    np.testing.assert_allclose(sp, 200.0, rtol=1e-12)


def test_agl_legs_follow_the_terrain_at_their_chord_points():
    def terrain(lat, lon):
        return 800.0 + 600.0 * np.sin(np.radians(lat) * 300.0) * np.cos(np.radians(lon) * 200.0)

    route = [Wp(38.0, 30.0, 100.0, 250.0, alt_ref="agl"), Wp(38.6, 30.4, 100.0, alt_ref="agl")]
    seg = route_segments(route, terrain, terrain_step_m=500.0)
    la, lo, h = geodetic_of(np.vstack([seg.p0, at(one(seg), seg.t_end)[0]]))
    np.testing.assert_allclose(h - terrain(la, lo), 100.0, atol=1e-6)
    _, _, dist = GEOD.inv(30.0, 38.0, 30.4, 38.6)
    assert len(seg.t0) == math.ceil(dist / 500.0)


def test_agl_waypoint_to_msl_waypoint_interpolates_in_msl():
    def terrain(lat, lon):
        return np.full(np.shape(lat), 1000.0)

    route = [Wp(38.0, 30.0, 100.0, 250.0, alt_ref="agl"), Wp(38.3, 30.0, 5000.0)]
    seg = route_segments(route, terrain)
    _, _, h = geodetic_of(seg.p0)
    assert h[0] == pytest.approx(1100.0, abs=1e-6)
    assert np.all(np.diff(h) > 0)


def test_routes_together_equal_each_route_alone():
    # routes_segments computes the geodesics, terrain heights and ECEF points of all routes in
    # one call each: every number must equal the route's own (terrain-following, mixed AGL/MSL,
    # one-waypoint, timed and zero-length routes, in one batch)
    def terrain(lat, lon):
        return 800.0 + 600.0 * np.sin(np.radians(lat) * 300.0) * np.cos(np.radians(lon) * 200.0)

    routes = [
        [Wp(38.0, 30.0, 100.0, 250.0, alt_ref="agl"), Wp(38.6, 30.4, 100.0, alt_ref="agl"),
         Wp(38.9, 30.1, 6000.0, 240.0), Wp(39.0, 31.0, 150.0, alt_ref="agl")],
        [Wp(39.5, 32.0, 9000.0, time_s=40.0)],
        [Wp(37.0, 29.0, 10000.0, 230.0, time_s=10.0), Wp(37.0, 29.0, 10000.0, 230.0),
         Wp(36.0, 33.0, 11000.0)],
        [Wp(40.0, 33.0, 300.0, 200.0, alt_ref="agl"), Wp(40.0, 33.5, 300.0, alt_ref="agl",
                                                           time_s=900.0)],
    ]
    together = routes_segments(routes, terrain, terrain_step_m=700.0)
    for route, seg in zip(routes, together, strict=True):
        alone = routes_segments([route], terrain, terrain_step_m=700.0)[0]
        for f in ("t0", "p0", "v", "c", "w", "phi0", "is_arc"):
            np.testing.assert_array_equal(getattr(seg, f), getattr(alone, f))
        assert (seg.t_end, seg.period) == (alone.t_end, alone.period)
    # and the first route's terrain-following chords keep 100 m above the terrain
    la, lo, h = geodetic_of(together[0].p0[: 5])
    np.testing.assert_allclose(h - terrain(la, lo), 100.0, atol=1e-6)


def test_unflyable_leg_and_missing_terrain_are_located_scenario_errors():
    with pytest.raises(ScenarioError) as e:
        route_segments([Wp(38.0, 30.0, 0.0), Wp(38.5, 30.0, 0.0)], where=("air_objects", 2))
    assert "air_objects[2].route[0].speed_mps" in str(e.value)
    with pytest.raises(ScenarioError, match=r"route\[1\]\.alt_ref"):
        route_segments([Wp(38.0, 30.0, 0.0, 100.0), Wp(38.5, 30.0, 50.0, alt_ref="agl")])
    with pytest.raises(ScenarioError, match=r"route\[1\]\.time_s"):
        route_segments([Wp(38.0, 30.0, 0.0, time_s=100.0), Wp(38.5, 30.0, 0.0, time_s=50.0)])


def test_hold_before_and_after_the_route_and_active_flags():
    route = [Wp(38.0, 30.0, 1000.0, 200.0, time_s=100.0), Wp(38.2, 30.0, 1000.0)]
    p = one(route_segments(route))
    pos, vel = at(p, [0.0, 100.0, 1e5])
    np.testing.assert_allclose(pos[0], ecef(38.0, 30.0, 1000.0), atol=1e-6)
    np.testing.assert_allclose(pos[2], ecef(38.2, 30.0, 1000.0), atol=1e-3)
    assert np.all(vel[[0, 2]] == 0.0) and np.linalg.norm(vel[1]) == pytest.approx(200.0)
    np.testing.assert_array_equal(active(p, [0.0, 100.0, p.t_end[0], 1e5], [0, 0, 0, 0]),
                                  [False, True, True, False])


def test_single_waypoint_and_stationary_paths():
    p = stack_paths([route_segments([Wp(38.0, 30.0, 10.0)]), stationary_segments(38, 30, 10)])
    pos, vel = positions(p, 123.0)
    np.testing.assert_allclose(pos, np.vstack([ecef(38.0, 30.0, 10.0)] * 2), atol=1e-6)
    assert np.all(vel == 0.0)


def test_stationary_paths_equal_stacked_stationary_segments():
    lat, lon, h = [38.0, 41.5, -10.0], [30.0, 44.0, 120.0], [0.0, 2500.0, 30.0]
    a = stationary_paths(lat, lon, h, ["a", "b", "c"])
    b = stack_paths([stationary_segments(*x) for x in zip(lat, lon, h, strict=True)])
    for t in (-5.0, 0.0, 1e6):
        pa, va = positions(a, t)
        pb, vb = positions(b, t)
        np.testing.assert_array_equal(pa, pb)
        np.testing.assert_array_equal(va, vb)
    np.testing.assert_allclose(pa, ecef(lat, lon, h), atol=1e-9)
    assert active(a, 0.0).all() and not active(a, -1.0).any()


def test_per_object_times_equal_one_by_one_evaluation():
    segs = [route_segments([Wp(38.0 + i, 30.0, 1000.0 * i, 150.0 + 50 * i), Wp(38.5 + i, 31.0,
                                                                                  2000.0)])
            for i in range(3)]
    p = stack_paths(segs, ["a", "b", "c"])
    t = np.array([10.0, 400.0, 900.0])
    pos, vel = positions(p, t)
    for i in range(3):
        pi, vi = at(p, t[i], i)
        np.testing.assert_array_equal(pos[i], pi[0])
        np.testing.assert_array_equal(vel[i], vi[0])
    common, _ = positions(p, 400.0)
    np.testing.assert_array_equal(common[1], pos[1])
    assert p.index("c") == 2


def test_paths_from_scenario_air_objects():
    ao = AirObject(id="f1", type="f-16c", owner="x", category="hostile", route=[
        Waypoint(lat=38.0, lon=30.0, alt_m=8000.0, speed_mps=250.0),
        Waypoint(lat=38.5, lon=30.5, alt_m=8000.0)])
    p = paths_from_air_objects([ao])
    assert p.ids == ("f1",)
    _, vel = positions(p, 10.0)
    assert np.linalg.norm(vel[0]) == pytest.approx(250.0)


waypoint = st.builds(
    Wp, lat=st.floats(36.0, 42.0), lon=st.floats(26.0, 44.0), alt_m=st.floats(0.0, 20_000.0),
    speed_mps=st.floats(50.0, 4800.0))


@settings(max_examples=40, deadline=None)
@given(st.lists(waypoint, min_size=2, max_size=5))
def test_positions_are_continuous_across_every_segment_boundary(route):
    seg = route_segments(route)
    p = one(seg)
    eps = 1e-4
    t = seg.t0[1:]
    left, _ = at(p, t - eps)
    right, _ = at(p, t)
    vmax = max(w.speed_mps for w in route)
    gap = np.linalg.norm(right - left, axis=1)
    assert np.all(gap <= vmax * eps * 1.0001 + 1e-6)
    # and the waypoints are passed
    la, lo, h = geodetic_of(at(p, seg.t_end)[0])
    assert la[0] == pytest.approx(route[-1].lat, abs=1e-9)
    assert h[0] == pytest.approx(route[-1].alt_m, abs=1e-3)


# ------------------------------------------------------------------------------------------------
# orbits


def test_circular_orbit_radius_altitude_speed_period_and_direction():
    orb = Orbit(lat=40.0, lon=35.0, radius_km=60.0, alt_m=9000.0, speed_mps=210.0)
    seg = orbit_segments(orb, phase_rad=0.3)
    p = one(seg)
    rho = 2 * math.pi * 210.0 / abs(seg.w[0]) / (2 * math.pi)
    assert seg.period == pytest.approx(2 * math.pi * rho / 210.0)
    t = np.linspace(0.0, 2.5 * seg.period, 501)
    pos, vel = at(p, t)
    la, lo, h = geodetic_of(pos)
    az, back, dist = GEOD.inv(np.full(t.shape, 35.0), np.full(t.shape, 40.0), lo, la)
    np.testing.assert_allclose(dist, 60_000.0, atol=1.0)
    np.testing.assert_allclose(h, 9000.0, atol=3.0)
    np.testing.assert_allclose(np.linalg.norm(vel, axis=1), 210.0, rtol=1e-12)
    hd, _, _ = heading_of(pos, vel)
    # clockwise: heading = the outward bearing at the object (back azimuth + 180°) + 90°
    turn = np.mod(np.degrees(hd) - (back + 180.0), 360.0)
    np.testing.assert_allclose(turn, 90.0, atol=1e-3)
    assert np.mod(az[0], 360.0) == pytest.approx(math.degrees(0.3), abs=0.01)
    p2, _ = at(p, t + seg.period)
    np.testing.assert_allclose(p2, pos, atol=1e-5)
    ccw = orbit_segments(Orbit(lat=40.0, lon=35.0, radius_km=60.0, alt_m=9000.0,
                               speed_mps=210.0, clockwise=False))
    pos, vel = at(one(ccw), t[:50])
    hd, _, _ = heading_of(pos, vel)
    la, lo, _ = geodetic_of(pos)
    _, back, _ = GEOD.inv(np.full(50, 35.0), np.full(50, 40.0), lo, la)
    np.testing.assert_allclose(np.mod(np.degrees(hd) - (back + 180.0), 360), 270.0, atol=1e-3)


@pytest.mark.parametrize("clockwise", [True, False])
def test_racetrack_is_continuous_closed_and_flown_at_constant_speed(clockwise):
    seg = racetrack_segments(41.0, 30.0, 9000.0, 60.0, 150e3, 25e3, 220.0, clockwise=clockwise)
    p = one(seg)
    assert seg.period == pytest.approx((2 * 150e3 + 2 * math.pi * 25e3) / 220.0, rel=2e-3)
    t = np.linspace(0.0, 1.5 * seg.period, 60001)
    pos, vel = at(p, t)
    step = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    assert step.max() <= 220.0 * (t[1] - t[0]) * (1 + 1e-6)
    np.testing.assert_allclose(np.linalg.norm(vel, axis=1), 220.0, rtol=1e-9)
    _, _, h = geodetic_of(pos)
    np.testing.assert_allclose(h, 9000.0, atol=5.0)
    # mid outbound leg (abeam the centre): flying along the heading
    pm, vm = at(p, 0.5 * 150e3 / 220.0)
    hd, _, _ = heading_of(pm, vm)
    assert math.degrees(hd[0]) == pytest.approx(60.0, abs=0.3)
    la, lo, _ = ecef_to_geodetic(*pos[0])
    az, _, _ = GEOD.inv(30.0, 41.0, float(lo), float(la))
    side = np.mod(az - 60.0, 360.0)
    assert (side > 180.0) == clockwise  # clockwise: outbound leg on the left of the axis


def test_climb_sigma_matches_monte_carlo_spread_of_climb_rates():
    """σ of the climb rate (heading_of's ground speed × tan(climb angle)) for v ~ N(v̂, P)
    against sampled velocities, at a position far from the equator (the geodetic up differs
    from the geocentric direction there)."""
    rng = np.random.default_rng(6)
    A = rng.normal(size=(3, 3)) * 25.0
    P = A @ A.T
    pos = np.array(geodetic_to_ecef(52.0, 20.0, 9000.0))
    v = np.array([150.0, -200.0, 120.0])
    samples = rng.multivariate_normal(v, P, size=200_000)
    _, climb, gs = heading_of(np.broadcast_to(pos, samples.shape), samples)
    sd = (gs * np.tan(climb)).std()
    assert climb_sigma(pos, P) == pytest.approx(sd, rel=0.02)
    got = climb_sigma(np.stack([pos, pos]), np.stack([P, 4.0 * P]))
    np.testing.assert_allclose(got, [climb_sigma(pos, P), 2.0 * climb_sigma(pos, P)])


def test_speed_sigma_matches_monte_carlo_spread_of_speeds():
    """σ of |v| for v ~ N(v̂, P) against sampled speeds (the delta method is first order:
    |v̂| ≫ σ here), for an anisotropic P; a zero velocity gives √(trace P / 3)."""
    rng = np.random.default_rng(5)
    A = rng.normal(size=(3, 3)) * 20.0
    P = A @ A.T
    v = np.array([180.0, -150.0, 30.0]) * 3
    samples = rng.multivariate_normal(v, P, size=200_000)
    sd = np.linalg.norm(samples, axis=1).std()
    assert speed_sigma(v, P) == pytest.approx(sd, rel=0.02)
    got = speed_sigma(np.stack([v, np.zeros(3)]), np.stack([P, P]))
    assert got[0] == pytest.approx(sd, rel=0.02)
    assert got[1] == pytest.approx(np.sqrt(np.trace(P) / 3))
