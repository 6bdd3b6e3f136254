"""Fire control's pure parts against closed forms and independent tables: ROE truth table,
straight-line intercept, radar coverage, launch feasibility, channels, threat evaluation, and
the reach table against a direct flyout."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from iads.catalog import load_catalog
from iads.engagement import (
    intercept_point,
    launch_feasible,
    missile_envelope,
    radar_coverage,
    roe_permits,
    threat_values,
    time_to_points,
)
from iads.engagement.fire_control import FireUnitState, channels_free
from iads.engagement.reach import reach_table
from iads.flyout import flyout, interceptor_params, lead_direction
from iads.geodesy import geodetic_to_ecef
from iads.identification import Identity

I = Identity  # noqa: E741
# The brief's ROE, written out by hand: weapons tight engages hostiles only; weapons free
# engages anything not friend and not neutral (assumed friend belongs to the friendly family).
ROE_TABLE = {
    "weapons_hold": set(),
    "weapons_tight": {I.HOSTILE},
    "weapons_free": {I.PENDING, I.UNKNOWN, I.SUSPECT, I.HOSTILE},
}


@pytest.mark.parametrize("roe", sorted(ROE_TABLE))
def test_roe_truth_table(roe):
    ids = np.array([int(i) for i in Identity])
    got = roe_permits(ids, roe)
    want = np.array([Identity(i) in ROE_TABLE[roe] for i in ids])
    np.testing.assert_array_equal(got, want)


def test_roe_unknown_name():
    with pytest.raises(ValueError, match="weapons_free"):
        roe_permits([6], "weapons_loose")


def test_intercept_head_on_and_crossing_closed_forms():
    s, v, d = 1500.0, 300.0, 60_000.0
    # head-on: the gap closes at s + v
    tau, ip = intercept_point([0, 0, 0], [d, 0, 0], [-v, 0, 0], s)
    assert tau == pytest.approx(d / (s + v), rel=1e-12)
    np.testing.assert_allclose(ip, [d - v * d / (s + v), 0, 0], atol=1e-6)
    # crossing at right angles: (s τ)² = y0² + (v τ)²
    tau, ip = intercept_point([0, 0, 0], [0, d, 0], [v, 0, 0], s)
    assert tau == pytest.approx(d / math.sqrt(s * s - v * v), rel=1e-12)
    assert np.linalg.norm(ip) == pytest.approx(s * tau, rel=1e-12)
    # a target receding faster than the missile is never caught
    tau, _ = intercept_point([0, 0, 0], [d, 0, 0], [2 * s, 0, 0], s)
    assert np.isinf(tau)
    # equal speeds, crossing at right angles: never caught (no astronomically late root)
    tau, _ = intercept_point([0, 0, 0], [1e3, -1e-217, 0], [0, 300.0, 0], 300.0)
    assert np.isinf(tau)


@settings(max_examples=60, deadline=None)
@given(st.floats(1e3, 3e5), st.floats(-3e5, 3e5), st.floats(-2e3, 2e3), st.floats(-2e3, 2e3),
       st.floats(300.0, 3000.0))
def test_intercept_point_lies_on_both_paths(x, y, vx, vy, s):
    tau, ip = intercept_point([0.0, 0.0, 0.0], [x, y, 0.0], [vx, vy, 0.0], s)
    if np.isfinite(tau):
        assert tau > 0
        np.testing.assert_allclose(ip, [x + vx * tau, y + vy * tau, 0.0], rtol=1e-9)
        assert np.linalg.norm(ip) == pytest.approx(s * tau, rel=1e-6)


def test_intercept_broadcasts():
    launch = np.array([[0.0, 0, 0], [1e3, 0, 0]])[:, None, :]
    tgt = np.array([[5e4, 0, 0], [0, 5e4, 0], [3e4, 3e4, 0]])[None, :, :]
    tau, ip = intercept_point(launch, tgt, np.zeros(3), 1000.0)
    assert tau.shape == (2, 3) and ip.shape == (2, 3, 3)
    np.testing.assert_allclose(tau, np.linalg.norm(tgt - launch, axis=2) / 1000.0)


def _ecef(lat, lon, h):
    return np.array([float(c) for c in geodetic_to_ecef(lat, lon, h)])


def test_radar_coverage_sector_range_elevation():
    g = Geod(ellps="WGS84")
    lat0, lon0 = 40.0, 32.5
    rp = _ecef(lat0, lon0, 900.0)
    kw = dict(max_range_m=150e3, boresight_rad=0.0, sector_rad=math.radians(90),
              elevation_min_rad=math.radians(-1), elevation_max_rad=math.radians(60))

    def at(az, dist, h):
        lon, lat, _ = g.fwd(lon0, lat0, az, dist)
        return _ecef(lat, lon, h)

    pts = np.array([at(30, 50e3, 5e3), at(60, 50e3, 5e3), at(330, 100e3, 8e3),
                    at(0, 160e3, 8e3), at(0, 2e3, 10e3)])
    got = radar_coverage(pts, rp, lat0, lon0, **kw)
    # inside, outside the sector, inside, beyond range, elevation ~78° above the top
    np.testing.assert_array_equal(got, [True, False, True, False, False])


def test_launch_feasible_envelope_and_guidance():
    cat = load_catalog()
    env = missile_envelope("48n6e3", cat.missiles["48n6e3"])
    lp = np.zeros(3)
    ip = np.array([[2e3, 0, 0], [50e3, 0, 0], [100e3, 0, 0], [50e3, 0, 0], [50e3, 0, 0]])
    h = np.array([1e3, 1e3, 1e3, 40e3, 1e3])
    tau = np.array([5.0, 40.0, 80.0, 40.0, 1e4])
    ballistic = np.array([False, False, True, False, False])
    ok = launch_feasible(env, lp, ip, tau, h, ballistic, np.ones(5, bool), True,
                         np.zeros(5, bool))
    # under the minimum range, inside, beyond the ballistic range (60 km), above the ceiling,
    # past the self-destruct time
    np.testing.assert_array_equal(ok, [False, True, False, False, False])
    inside = np.array([False, True, False, False, False])
    # track-via-missile: nothing without its radar, nothing outside its coverage, cueing
    # does not help
    assert not launch_feasible(env, lp, ip, tau, h, ballistic, inside, False,
                               np.ones(5, bool)).any()
    assert not launch_feasible(env, lp, ip, tau, h, ballistic, ~inside, True,
                               np.ones(5, bool)).any()
    # an active-seeker missile beyond the coverage needs external cueing
    act = missile_envelope("9m96e2", cat.missiles["9m96e2"])
    ip2 = np.array([[30e3, 0, 0]])
    args = (act, lp, ip2, np.array([20.0]), np.array([1e3]), np.array([False]),
            np.array([False]), True)
    assert not launch_feasible(*args, np.array([False]))[0]
    assert launch_feasible(*args, np.array([True]))[0]


def test_time_to_points_closed_form():
    pos = np.array([[0.0, 0, 0], [0.0, 0, 0]])
    vel = np.array([[100.0, 0, 0], [-100.0, 0, 0]])
    pts = np.array([[1000.0, 300.0, 0.0]])
    tgo, miss = time_to_points(pos, vel, pts, 500.0)
    assert tgo[0, 0] == pytest.approx(10.0) and miss[0, 0] == pytest.approx(300.0)
    assert np.isinf(tgo[1, 0])  # flying away
    tgo2, _ = time_to_points(pos, vel, pts, 200.0)
    assert np.isinf(tgo2[0, 0])  # passes outside the radius
    np.testing.assert_allclose(threat_values(tgo, [10.0], 1.0), [11.0, 1.0])


def _unit(uid, in_flight, mt=10, mm=20):
    return FireUnitState(id=uid, system="s", radar_index=0, launchers=[], reserve={},
                         max_targets=mt, max_missiles=mm, in_flight=dict(in_flight))


def test_channels_shared_by_the_system_never_multiplied():
    a = _unit("a", {1: 2, 2: 1})
    b = _unit("b", {1: 1, 3: 2})
    ft, fm, st_, sm = channels_free([a, b], sys_targets=4, sys_missiles=7)
    np.testing.assert_array_equal(ft, [8, 8])
    np.testing.assert_array_equal(fm, [17, 17])
    assert st_ == 4 - 3  # tracks 1, 2, 3: track 1 counts once for the system
    assert sm == 7 - 6


def test_reach_table_matches_a_direct_flyout():
    cat = load_catalog()
    m = cat.missiles["9m96e2"]
    p = interceptor_params(m)
    tb = reach_table(p, m.range_max_km.value * 1e3, m.altitude_max_km.value * 1e3)
    fin = np.isfinite(tb.tof_s)
    assert fin.sum() > 20
    # longer ground range at the same height takes longer, where reachable
    for j in range(tb.height_m.size):
        col = tb.tof_s[:, j][fin[:, j]]
        assert np.all(np.diff(col) > 0)
    # one node flown again on its own, launched at the point from a different place
    i, j = np.argwhere(fin)[len(np.argwhere(fin)) // 2]
    g, h = tb.range_m[i], tb.height_m[j]
    lat0, lon0 = 38.0, 35.0
    launch = _ecef(lat0, lon0, 0.0)[None, :]
    tgt = _ecef(lat0 + math.degrees(g / 6_371_000.0), lon0, h)[None, :]
    d = lead_direction(launch, tgt, np.zeros((1, 3)), p.speed_max_mps, min_elevation_deg=10.0)
    res = flyout(launch, d, 0.0, p, lambda t, jj: (tgt[np.zeros(len(jj), int)],
                                                  np.zeros((len(jj), 3)),
                                                  np.ones(len(jj), bool)),
                 rng=np.random.default_rng(1), dt=0.1, refine=5)
    assert res.reason[0] == 0
    assert res.t_cpa[0] == pytest.approx(tb.tof_s[i, j], abs=0.5)
    assert tb.time_of_flight(g, h) == pytest.approx(tb.tof_s[i, j])
