"""Fire control's pure parts against closed forms and independent tables: ROE truth table,
straight-line intercept, radar coverage, launch feasibility, channels, threat evaluation, and
the reach table against a direct flyout, line of sight over a synthetic ridge against the
curved-earth shadow line, and the duplicate-track gate against the χ² distribution."""

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
from iads.engagement.fire_control import (
    DUPLICATE_GATE,
    FireUnitState,
    channels_free,
    duplicate_groups,
    line_of_sight,
    offer_once,
)
from iads.engagement.reach import reach_table
from iads.flyout import flyout, interceptor_params, launch_direction
from iads.geodesy import SiteGrid, geodetic_to_ecef
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
    d = launch_direction(p, launch, tgt, np.zeros((1, 3)), p.speed_max_mps,
                         min_elevation_deg=10.0)
    res = flyout(launch, d, 0.0, p, lambda t, jj: (tgt[np.zeros(len(jj), int)],
                                                  np.zeros((len(jj), 3)),
                                                  np.ones(len(jj), bool)),
                 rng=np.random.default_rng(1), dt=0.1, refine=5)
    assert res.reason[0] == 0
    assert res.t_cpa[0] == pytest.approx(tb.tof_s[i, j], abs=0.5)
    assert tb.time_of_flight(g, h) == pytest.approx(tb.tof_s[i, j])


def _bilinear_numpy(tb, g, h):
    """The reach table's lookup in numpy (the formulation the compiled one replaced)."""
    R, H, T = tb.range_m, tb.height_m, tb.tof_s
    i = np.clip(np.searchsorted(R, g, side="right") - 1, 0, R.size - 2)
    j = np.clip(np.searchsorted(H, h, side="right") - 1, 0, H.size - 2)
    fr = (g - R[i]) / (R[i + 1] - R[i])
    fh = (h - H[j]) / (H[j + 1] - H[j])
    out = np.full(np.broadcast(g, h).shape, np.inf)
    inside = (g >= R[0]) & (g <= R[-1]) & (h >= H[0]) & (h <= H[-1])
    with np.errstate(invalid="ignore"):
        v = ((1 - fr) * (1 - fh) * T[i, j] + fr * (1 - fh) * T[i + 1, j]
             + (1 - fr) * fh * T[i, j + 1] + fr * fh * T[i + 1, j + 1])
    ok = inside & np.isfinite(v)
    out[ok] = v[ok]
    return out


def test_reach_lookup_equals_the_numpy_bilinear_interpolation():
    """The compiled lookup against the numpy formulation on a table with unreachable nodes:
    random points inside and outside the grid, the nodes themselves, broadcast shapes."""
    from iads.engagement.reach import ReachTable

    rng = np.random.default_rng(4)
    R = np.array([1e3, 2.5e3, 5e3, 2e4, 6e4, 1.2e5])
    H = np.array([10.0, 100.0, 1e3, 5e3, 2e4])
    T = rng.uniform(5.0, 120.0, (R.size, H.size))
    T[4:, :2] = np.inf
    T[0, 4] = np.inf
    tb = ReachTable(range_m=R, height_m=H, tof_s=T)
    g = np.concatenate([rng.uniform(0.0, 1.3e5, 4000), np.repeat(R, H.size)])
    h = np.concatenate([rng.uniform(-50.0, 2.2e4, 4000), np.tile(H, R.size)])
    got, want = tb.time_of_flight(g, h), _bilinear_numpy(tb, g, h)
    np.testing.assert_array_equal(got, want)
    assert np.isinf(got).sum() > 100 and np.isfinite(got).sum() > 2000
    nodes = tb.time_of_flight(R[:, None], H[None, :])
    np.testing.assert_array_equal(nodes, _bilinear_numpy(tb, R[:, None], H[None, :]))
    np.testing.assert_array_equal(nodes[1:3, :4], T[1:3, :4])  # cells with finite corners
    assert tb.time_of_flight(3e4, 500.0) == _bilinear_numpy(tb, 3e4, 500.0)


def test_line_of_sight_over_a_ridge_matches_the_shadow_line():
    """The predicted intercept point must be seen over the terrain: an east-west ridge 800 m
    high whose near edge is 9.5 km north of a radar 6 m above flat ground hides, 25 km north,
    everything under the line over the edge on the 4/3 earth: h = 6 + s d + d²/(2 k a),
    s = (800 − 9.5²/(2 k a) − 6) / 9.5 km (≈ 2.12 km at 25 km). South of the radar nothing
    hides; without terrain the smooth-earth radio horizon applies."""
    from iads.sensors.geometry import TerrainMask

    lat0, lon0, k = 39.5, 33.0, 4.0 / 3.0
    grid = SiteGrid(lat0, lon0, 60, 500.0)
    z = np.zeros((grid.n, grid.n))
    z[60 - 22:60 - 18, :] = 800.0  # rows 38-41: 11 km to 9.5 km north
    mask = TerrainMask.from_terrain(grid, z, 6.0, k=k)
    radar = _ecef(lat0, lon0, 6.0)
    ka = k * 6_371_000.0
    d, edge = 25e3, 9.5e3
    slope = (800.0 - edge**2 / (2 * ka) - 6.0) / edge
    shadow = 6.0 + slope * d + d**2 / (2 * ka)
    assert shadow == pytest.approx(2120.0, abs=10.0)
    north = lat0 + math.degrees(d / 6_371_000.0)
    south = lat0 - math.degrees(d / 6_371_000.0)
    pts = np.array([_ecef(north, lon0, 0.85 * shadow), _ecef(north, lon0, 1.15 * shadow),
                    _ecef(south, lon0, 300.0), _ecef(south, lon0, 0.85 * shadow)])
    np.testing.assert_array_equal(line_of_sight(pts, radar, mask, k), [False, True, True, True])
    # smooth earth: horizon sqrt(2 k a 6) + sqrt(2 k a 300) ≈ 81 km for a point at 300 m
    far = [_ecef(lat0 + math.degrees(x / 6_371_000.0), lon0, 300.0) for x in (70e3, 95e3)]
    np.testing.assert_array_equal(line_of_sight(np.array(far), radar, None, k), [True, False])
    assert line_of_sight(np.zeros((0, 3)), radar, mask, k).shape == (0,)


def test_duplicate_tracks_pass_the_gate_at_the_chi_square_rate():
    """Two tracks of one object, each drawn from its own covariance, pass the 6-DOF χ² gate
    at 99 % (the χ² quantile, scipy); tracks of objects 2 km apart never do; groups are
    transitive (a-b and b-c duplicates make one group) and take the smallest index."""
    from scipy.stats import chi2

    assert DUPLICATE_GATE == pytest.approx(chi2.ppf(0.99, 6), abs=1e-3)
    rng = np.random.default_rng(5)
    n = 4000
    P1 = np.diag([100.0**2] * 3 + [20.0**2] * 3)
    P2 = np.diag([300.0**2] * 3 + [10.0**2] * 3)
    truth = np.column_stack([rng.uniform(-1e7, 1e7, (n, 3)), rng.normal(0, 200, (n, 3))])
    a = truth + rng.multivariate_normal(np.zeros(6), P1, n)
    b = truth + rng.multivariate_normal(np.zeros(6), P2, n)
    same = 0
    for k in range(n):
        g = duplicate_groups(np.stack([a[k], b[k]]), np.stack([P1, P2]))
        same += g[1] == g[0]
    assert same / n == pytest.approx(0.99, abs=0.006)
    x = np.zeros((3, 6))
    x[1, 0], x[2, 0] = 2_000.0, 250.0  # 2 km from the first (m² = 200), the third 250 m (3.1)
    assert duplicate_groups(x, np.stack([P1, P1, P1])).tolist() == [0, 1, 0]
    chain = np.zeros((3, 6))
    chain[1, 0], chain[2, 0] = 500.0, 1_000.0  # a-b and b-c within the gate, a-c not
    Pc = np.diag([120.0**2] * 3 + [1.0] * 3)
    m_ab = 500.0**2 / (2 * 120.0**2)
    assert m_ab < DUPLICATE_GATE < 4 * m_ab
    assert duplicate_groups(chain, np.stack([Pc] * 3)).tolist() == [0, 0, 0]
    assert duplicate_groups(np.zeros((1, 6)), P1[None]).tolist() == [0]


def test_duplicate_groups_equal_the_all_pairs_numpy_test():
    """Full covariances, clustered tracks: the groups are the connected components (scipy) of
    the all-pairs test Δxᵀ (P_i + P_j)⁻¹ Δx ≤ gate solved by numpy."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(8)
    K = 150
    centre = rng.uniform(-3e4, 3e4, (12, 3))[rng.integers(0, 12, K)]
    A = rng.normal(size=(K, 6, 6)) * np.r_[[150.0] * 3, [15.0] * 3][:, None]
    P = A @ np.swapaxes(A, 1, 2) + np.eye(6)
    x = np.hstack([centre, np.zeros((K, 3))]) + np.einsum(
        "kij,kj->ki", np.linalg.cholesky(P), rng.normal(size=(K, 6))) * 1.5
    i, j = np.triu_indices(K, 1)
    d = x[i] - x[j]
    m2 = np.einsum("ki,ki->k", d, np.linalg.solve(P[i] + P[j], d[..., None])[..., 0])
    e = m2 <= DUPLICATE_GATE
    assert 20 < e.sum() < e.size - 20
    _, comp = connected_components(coo_matrix((np.ones(e.sum()), (i[e], j[e])), (K, K)),
                                   directed=False)
    ref = np.array([np.flatnonzero(comp == c)[0] for c in comp])
    np.testing.assert_array_equal(duplicate_groups(x, P), ref)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.booleans(), st.booleans(),
                          st.integers(0, 3)), min_size=1, max_size=12))
def test_offer_once_against_brute_force(rows):
    """One salvo per object: brute force over the groups — a group with an engaged member
    offers nothing, otherwise exactly its most accurate candidate (ties: lowest index)."""
    group = np.array([r[0] for r in rows])
    engaged = np.array([r[1] for r in rows])
    cand = np.array([r[2] for r in rows])
    acc = np.array([float(r[3]) for r in rows])
    want = np.zeros(len(rows), bool)
    for g in set(group.tolist()):
        members = [k for k in range(len(rows)) if group[k] == g]
        if any(engaged[k] for k in members):
            continue
        c = [k for k in members if cand[k]]
        if c:
            want[min(c, key=lambda k: (acc[k], k))] = True
    np.testing.assert_array_equal(offer_once(group, engaged, cand, acc), want)
