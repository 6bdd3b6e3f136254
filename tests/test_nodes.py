"""A node's tracker and picture (iads.simulation.nodes): motion models and correlated pictures.

Independent references:

* IMM against CV on a manoeuvring target built here: plots of an aircraft flying straight,
  then a level 2.5 g turn about the local vertical (positions from the closed-form circle),
  then straight again, with Gaussian noise of known σ; the IMM's RMS position error after each
  update is below the CV filter's (Bar-Shalom, Li & Kirubarajan, *Estimation with Applications
  to Tracking and Navigation*, §11.6: the IMM follows the turn, a CV filter tuned for straight
  flight lags it and here loses the target), and on the straight legs both stay near the
  measurement noise;
* the ECEF coordinated-turn transition against the ENU one (:func:`ct_transition` about z),
  and against the circle itself;
* pictures from two sources seeing the same targets: exactly one track per target, numbers
  stable from picture to picture.
"""

from __future__ import annotations

import numpy as np
import pytest

from iads.simulation.nodes import (
    Picture,
    PlotTracker,
    TrackerSettings,
    correlate_pictures,
)
from iads.simulation.plots import Plots
from iads.tracking.correlation import TrackCorrelator
from iads.tracking.models import ct_transition, ct_transition_about

_A, _E2 = 6_378_137.0, 6.69437999014e-3


def _frame(lat_deg, lon_deg, h):
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    n = _A / np.sqrt(1 - _E2 * np.sin(la) ** 2)
    p = np.array([(n + h) * np.cos(la) * np.cos(lo), (n + h) * np.cos(la) * np.sin(lo),
                  (n * (1 - _E2) + h) * np.sin(la)])
    east = np.array([-np.sin(lo), np.cos(lo), 0.0])
    north = np.array([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)])
    up = np.cross(east, north)
    return p, east, north, up


def _manoeuvre(dt=2.0, v=250.0, w=0.1):
    """ENU positions of straight 60 s, turn 60 s at ω, straight 60 s (closed form)."""
    t = np.arange(0.0, 180.0 + 1e-9, dt)
    pos = np.zeros((t.size, 3))
    for i, ti in enumerate(t):
        if ti <= 60:
            pos[i] = [v * ti, 0, 0]
        elif ti <= 120:
            a = w * (ti - 60)
            pos[i] = [v * 60 + v / w * np.sin(a), v / w * (1 - np.cos(a)), 0]
        else:
            a = w * 60
            p1 = np.array([v * 60 + v / w * np.sin(a), v / w * (1 - np.cos(a)), 0])
            pos[i] = p1 + v * (ti - 120) * np.array([np.cos(a), np.sin(a), 0])
    return t, pos


def _track(motion, seed=4, sigma=50.0):
    t, enu = _manoeuvre()
    p0, e, n, u = _frame(39.9, 32.8, 9000.0)
    truth = p0 + enu[:, :1] * e + enu[:, 1:2] * n + enu[:, 2:] * u
    rng = np.random.default_rng(seed)
    z = truth + rng.normal(0, sigma, truth.shape)
    R = np.broadcast_to(sigma**2 * np.eye(3), (t.size, 3, 3)).copy()
    plots = Plots(t, np.zeros(t.size, np.int64), np.zeros(t.size, np.int64), z, R)
    trk = PlotTracker(TrackerSettings(motion=motion, chunk_s=2.0))
    err = np.full(t.size, np.nan)

    def looks(pos, c0, c1, tentative):
        return np.ones(len(pos), np.int64)

    ids = set()
    for k in range(t.size):
        trk.process(plots.take(np.array([k])), t[k] - 1.0, t[k] + 1.0, looks, t[k])
        ids |= set(trk.tracks.track_id.tolist())
        # the best track's error (a filter that lost the target is credited its new track)
        err[k] = np.linalg.norm(trk.tracks.states.x[:, :3] - truth[k], axis=1).min()
    return t, err, len(ids)


def test_imm_beats_cv_on_a_turning_target():
    t, e_cv, n_cv = _track("cv")
    _, e_imm, n_imm = _track("imm")
    # the IMM holds one track through the turn; the CV filter (q = 10 m²/s³) loses it
    assert n_imm == 1 and n_cv > 1
    turn = (t > 64) & (t <= 124)
    rms = {k: float(np.sqrt(np.mean(e[turn] ** 2))) for k, e in (("cv", e_cv), ("imm", e_imm))}
    assert rms["imm"] < 0.8 * rms["cv"], rms
    # on the first straight leg (after settling) both filter the noise: RMS below σ√3
    leg = (t > 20) & (t <= 60)
    for e in (e_cv, e_imm):
        assert np.sqrt(np.mean(e[leg] ** 2)) < 50.0 * np.sqrt(3)


def test_unknown_motion_model():
    with pytest.raises(ValueError, match="cv, imm"):
        TrackerSettings(motion="ca")


def test_ct_about_the_vertical():
    # about z it is the ENU coordinated turn
    for dt, w in ((3.0, 0.1), (-2.0, 0.05), (4.0, 0.0)):
        F = ct_transition_about([dt], w, [[0.0, 0.0, 1.0]])[0]
        assert np.allclose(F, ct_transition(dt, w, 3))
    # about any vertical it carries a point around the circle of radius v/ω
    _, e, n, u = _frame(39.9, 32.8, 0.0)
    v, w, T = 250.0, 0.1, 7.0
    x = np.concatenate([np.zeros(3), v * e])
    y = ct_transition_about([T], w, [u * 3.0])[0] @ x
    a = w * T
    want = v / w * np.sin(a) * e + v / w * (1 - np.cos(a)) * n
    assert np.allclose(y[:3], want, atol=1e-6)
    assert np.allclose(y[3:], v * (np.cos(a) * e + np.sin(a) * n), atol=1e-9)


def _pic(t, ids, origin, pos, sigma, follows):
    K = len(ids)
    x = np.zeros((K, 6))
    x[:, :3] = pos
    P = np.zeros((K, 6, 6))
    P[:, :3, :3] = sigma**2 * np.eye(3)
    P[:, 3:, 3:] = 100.0 * np.eye(3)
    return Picture(t, x, P, np.asarray(ids, np.int64), np.full(K, origin, np.int64),
                   np.asarray(follows, np.int64))


def test_two_sources_one_track_per_target():
    rng = np.random.default_rng(1)
    p0, e, n, u = _frame(39.9, 32.8, 8000.0)
    targets = p0 + rng.uniform(-80e3, 80e3, (25, 1)) * e + rng.uniform(-80e3, 80e3, (25, 1)) * n
    corr = TrackCorrelator()
    shown = None
    for step in range(20):
        t = 20.0 * step
        # own radar: targets 0-19 (σ 200 m), remote: targets 5-24 (σ 500 m), own numbers
        own = np.arange(20)
        rem = np.arange(5, 25)
        a = _pic(t, (0 << 32) | (100 + own), 0, targets[own] + rng.normal(0, 200, (20, 3)),
                 200.0, own)
        b = _pic(t, (7 << 32) | (900 + rem), 7, targets[rem] + rng.normal(0, 500, (20, 3)),
                 500.0, rem)
        pic = correlate_pictures(corr, [a, b], t)
        assert len(pic) == 25
        assert sorted(pic.follows.tolist()) == list(range(25))
        # the better (own) track reports where both see the target
        assert np.all(pic.origin[pic.follows < 20] == 0)
        numbers = dict(zip(pic.follows.tolist(), pic.track_id.tolist(), strict=True))
        if shown is not None:
            assert numbers == shown
        shown = numbers



def test_correlation_predicts_pictures_as_picture_predict():
    """Pictures of several times correlated with the transition (predicted together) equal
    the pictures predicted one by one, then correlated."""
    cv = PlotTracker().cv
    rng = np.random.default_rng(4)
    p0, e, n, u = _frame(39.9, 32.8, 8000.0)
    targets = p0 + rng.uniform(-5e4, 5e4, (12, 1)) * e + rng.uniform(-5e4, 5e4, (12, 1)) * n
    a, b = TrackCorrelator(), TrackCorrelator()
    for step in range(4):
        t = 10.0 * step + 10.0
        pics = []
        for src, (dt, sigma) in enumerate([(0.0, 200.0), (3.0, 400.0), (7.5, 300.0),
                                           (0.0, 250.0), (2.0, 500.0)]):
            rows = rng.permutation(12)[:8]
            pic = _pic(t - dt, (src << 32) | (100 + rows), src,
                       targets[rows] + rng.normal(0, sigma, (8, 3)), sigma, rows)
            pic.x[:, 3:] = rng.normal(0, 200.0, (8, 3))
            pics.append(pic)
        pics.insert(2, Picture.empty(t - 1.0))
        want = correlate_pictures(a, [p.predict(cv, t) for p in pics], t)
        got = correlate_pictures(b, pics, t, cv)
        for f in ("x", "P", "track_id", "origin", "follows"):
            np.testing.assert_array_equal(getattr(got, f), getattr(want, f))
        assert got.time_s == want.time_s == t

def test_picture_kinematics_equals_the_numpy_functions():
    """One compiled pass against geodetic_of, heading_of, speed_sigma and climb_sigma
    (numpy), a zero velocity included, all tracks and a subset."""
    from iads.kinematics import climb_sigma, geodetic_of, heading_of, speed_sigma
    rng = np.random.default_rng(3)
    K = 60
    p0, e, n, u = _frame(39.9, 32.8, 8000.0)
    pos = p0 + rng.uniform(-3e5, 3e5, (K, 1)) * e + rng.uniform(-3e5, 3e5, (K, 1)) * n \
        + rng.uniform(-8e3, 2e4, (K, 1)) * u
    vel = rng.normal(0, 250, (K, 3))
    vel[4] = 0.0
    A = rng.normal(size=(K, 6, 6))
    P = A @ np.swapaxes(A, 1, 2) * 50.0 + np.eye(6)
    z = np.zeros(K, np.int64)
    pic = Picture(0.0, np.hstack([pos, vel]), P, z, z, z)
    for idx in (None, np.array([4, 0, 17, 59, 4])):
        x, Pv = (pic.x, pic.P) if idx is None else (pic.x[idx], pic.P[idx])
        lat, lon, h = geodetic_of(x[:, :3])
        _, climb, gs = heading_of(x[:, :3], x[:, 3:])
        ref = (lat, lon, h, gs, gs * np.tan(climb), speed_sigma(x[:, 3:], Pv[:, 3:, 3:]),
               climb_sigma(x[:, :3], Pv[:, 3:, 3:]))
        got = pic.kinematics(idx)
        assert len(got) == 7
        for g, r in zip(got, ref, strict=True):
            np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-9)


def test_cluster_heads_are_the_earliest_plot_of_each_gate_graph_component():
    # reference: every pair tested densely, components by scipy's connected_components
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from iads.simulation.nodes import _cluster_head_mask

    rng = np.random.default_rng(11)
    g, vs = 4.0, 300.0
    for n in (2, 30, 150):
        z = rng.uniform(-1.0, 1.0, (n, 3)) * 2e4
        A = rng.normal(size=(n, 3, 3)) * 150.0
        trR = np.trace(A @ np.swapaxes(A, 1, 2), axis1=1, axis2=2)
        t = np.round(rng.uniform(0.0, 5.0, n), 1)  # equal times: the lower row heads
        a, b = np.triu_indices(n, 1)
        link = (np.sum((z[a] - z[b]) ** 2, axis=1)
                < g * g * (trR[a] + trR[b] + 3.0 * vs * vs * (t[a] - t[b]) ** 2))
        _, lab = connected_components(coo_matrix((np.ones(link.sum()), (a[link], b[link])),
                                                 shape=(n, n)), directed=False)
        want = np.zeros(n, bool)
        for k in np.unique(lab):
            members = np.flatnonzero(lab == k)
            want[members[np.lexsort((members, t[members]))[0]]] = True
        np.testing.assert_array_equal(_cluster_head_mask(z, trR, t, g, vs), want)


def _numpy_round(trk, plots, rows, cols):
    """Reference of one association round in numpy: gate by ``F P Fᵀ + Q`` (position block,
    :meth:`CVTransition.position_cov`) + R and ``np.linalg.solve``, each track's earliest gated
    plot, GNN by one dense assignment (:func:`assign_dense`), CV prediction and
    :func:`kf_update`. Returns gated (rows, cols), matched (rows, cols), updated x, P."""
    from iads.tracking.association import assign_dense
    from iads.tracking.filters import kf_update

    x, P, ts = trk.tracks.states.x, trk.tracks.states.P, trk.time_s
    g = trk.settings.gate
    dt = plots.time_s[cols] - ts[rows]
    S = trk.cv.position_cov(P[rows], dt) + plots.R[cols]
    nu = plots.z[cols] - (x[rows, :3] + dt[:, None] * x[rows, 3:])
    d2 = np.einsum("ki,ki->k", nu, np.linalg.solve(S, nu[..., None])[..., 0])
    ok = d2 < g * g
    rows, cols, d2 = rows[ok], cols[ok], d2[ok]
    tp = plots.time_s[cols]
    first = np.full(len(trk), np.inf)
    for r, t in zip(rows, tp, strict=True):
        first[r] = min(first[r], t)
    sel = tp <= first[rows]
    W = np.zeros((len(trk), len(plots)))
    W[rows[sel], cols[sel]] = np.sqrt(d2[sel]) - g
    mr, mc = assign_dense(W)
    xp, Pp = trk.cv.predict(x[mr], P[mr], plots.time_s[mc] - ts[mr])
    xu, Pu, _, _ = kf_update(xp, Pp, plots.z[mc], plots.R[mc], trk.filter.H)
    return rows, cols, mr, mc, xu, Pu


def _random_tracks(rng, T, spread_m, pos_sd_max_m, vel_sd_max_mps):
    """T random CV tracks near (6,400 km, 0, 0): states (T, 6), diagonal covariances (T, 6, 6)
    with position and velocity standard deviations up to the given maxima, and state times in
    [-5, 0) s."""
    x = np.zeros((T, 6))
    x[:, :3] = rng.normal(0.0, spread_m, (T, 3)) + 6.4e6 * np.array([1.0, 0.0, 0.0])
    x[:, 3:] = rng.normal(0.0, 200.0, (T, 3))
    P = np.zeros((T, 6, 6))
    P[:, :3, :3] = np.eye(3) * rng.uniform(50.0, pos_sd_max_m, (T, 1, 1)) ** 2
    P[:, 3:, 3:] = np.eye(3) * rng.uniform(10.0, vel_sd_max_mps, (T, 1, 1)) ** 2
    return x, P, rng.uniform(-5.0, 0.0, T)


@pytest.mark.parametrize("motion", ["cv", "imm"])
def test_association_round_equals_the_numpy_round(motion):
    # the compiled round (gate, earliest plot, quick GNN cases or optimal_pairs, CV update)
    # against the numpy formulation above, on tight clusters (several tracks gating several
    # plots; with equal plot times a track offers several: conflicts for optimal_pairs) and
    # on separate targets (every pair alone)
    from iads.simulation.nodes import _round_kernel
    from iads.tracking import GaussianStates, Tracks

    rng = np.random.default_rng(5)
    states = set()
    for trial in range(40):
        T, D = rng.integers(1, 9), rng.integers(1, 13)
        spread = 300.0 if trial % 2 else 30_000.0
        x, P, ts = _random_tracks(rng, T, spread, 300.0, 100.0)
        src = rng.integers(0, T, D)
        tp = np.sort(rng.uniform(0.0, 5.0, D))
        if trial % 4 == 1:  # plots at equal times: a track offers several (conflicts)
            tp = np.round(tp * 0.2)
        z = x[src, :3] + (tp - ts[src])[:, None] * x[src, 3:] + rng.normal(0.0, 100.0, (D, 3))
        A = rng.normal(size=(D, 3, 3)) * 60.0
        R = A @ np.swapaxes(A, 1, 2) + np.eye(3) * 50.0**2
        plots = Plots(tp, np.zeros(D, np.int64), np.arange(D, dtype=np.int64) + 100, z, R)
        trk = PlotTracker(TrackerSettings(motion=motion))
        trk._append(Tracks.start(GaussianStates(x, P), confirmed=False), ts,
                    np.full(T, -1, np.int64))
        rows, cols = (a.ravel().astype(np.int64) for a in np.meshgrid(np.arange(T),
                                                                       np.arange(D),
                                                                       indexing="ij"))
        g_rows, g_cols, mr, mc, xu, Pu = _numpy_round(trk, plots, rows, cols)
        st = trk.tracks.states
        states.add(_round_kernel(st.x.copy(), st.P.copy(), ts.copy(), ts.copy(),
                                 trk.follows.copy(), np.zeros(T, np.int64), np.ones(D, bool),
                                 rows, cols, z, R, tp, plots.object, trk._Qc3, trk.cv.Qc,
                                 4.0, motion == "cv")[-1])
        hits = np.zeros(T + D, np.int64)
        waiting = np.ones(D, bool)
        left_r, left_c = trk._round(plots, rows, cols, hits, waiting)
        want_hits = np.zeros(T + D, np.int64)
        want_hits[mr] = 1
        np.testing.assert_array_equal(hits, want_hits)
        np.testing.assert_array_equal(waiting, ~np.isin(np.arange(D), mc))
        still = ~np.isin(g_cols, mc)
        np.testing.assert_array_equal(left_r, g_rows[still])
        np.testing.assert_array_equal(left_c, g_cols[still])
        np.testing.assert_array_equal(trk.time_s[mr], tp[mc])
        np.testing.assert_array_equal(trk.last_hit_s[mr], tp[mc])
        np.testing.assert_array_equal(trk.follows[mr], plots.object[mc])
        if motion == "cv":
            np.testing.assert_allclose(trk.tracks.states.x[mr], xu, rtol=1e-12, atol=1e-6)
            np.testing.assert_allclose(trk.tracks.states.P[mr], Pu, rtol=1e-9, atol=1e-6)
    # both the quick cases and the conflicts optimal_pairs settles were met
    assert ({0, 2} if motion == "cv" else {0, 1}) <= states


def test_chunk_bookkeeping_equals_the_numpy_formulation():
    # reference: the bookkeeping over looks in numpy, then MOfN.maintain and the coast rule
    from iads.simulation.nodes import _book_chunk
    from iads.tracking import MOfN, Tracks

    rng = np.random.default_rng(5)
    mn, coast, c1 = MOfN(2, 3, 3), 30.0, 100.0
    for T0, T in ((0, 4), (40, 40), (60, 75)):
        hits0 = rng.integers(0, 2**62, T).astype(np.uint64) >> rng.integers(0, 62, T).astype(
            np.uint64)
        misses0, age0 = rng.integers(0, 4, T), rng.integers(0, 5, T)
        conf0 = rng.random(T) < 0.5
        conf0[T0:] = False
        last_hit = c1 - rng.uniform(0.0, 40.0, T)
        n_look = rng.integers(0, 70, T0)
        hits = np.concatenate([rng.integers(0, 3, T), rng.integers(0, 3, 5)])
        L = np.zeros(T, np.int64)
        L[:T0] = np.maximum(n_look, hits[:T0])
        L[T0:] = hits[T0:T]
        L = np.minimum(L, 63)
        h = np.minimum(hits[:T], L)
        want_hits = np.where(L > 0, (hits0 << L.astype(np.uint64))
                             | ((np.uint64(1) << h.astype(np.uint64)) - np.uint64(1)), hits0)
        want_misses = np.where(h > 0, 0, misses0 + L)
        tk = Tracks(None, np.arange(T), want_hits, want_misses, age0 + L, conf0)
        want_conf, want_keep = mn.maintain(tk)
        want_keep &= (c1 - last_hit) <= coast
        got = _book_chunk(hits0, misses0, age0, conf0, last_hit, n_look, hits, mn.m, mn.n,
                          mn.max_misses, coast, c1)
        for g, w in zip(got[:5], (want_hits, want_misses, age0 + L, want_conf, want_keep),
                        strict=True):
            np.testing.assert_array_equal(g, w)
        np.testing.assert_array_equal(got[5], np.flatnonzero(want_conf & ~conf0 & want_keep))


def test_initiated_tracks_equal_the_single_point_initiator():
    # reference: SinglePointInitiator's tracks concatenated to the tracker's arrays
    from iads.simulation.nodes import _append_tracks
    from iads.tracking import Detections, KalmanFilter, SinglePointInitiator

    rng = np.random.default_rng(8)
    T, D = 5, 9
    x, A = rng.normal(size=(T, 6)), rng.normal(size=(T, 6, 6))
    P = A @ np.swapaxes(A, 1, 2)
    book = (np.arange(T) + 10, rng.integers(0, 9, T).astype(np.uint64), rng.integers(0, 3, T),
            rng.integers(0, 5, T), rng.random(T) < 0.5)
    trk = (rng.random(T), rng.random(T), rng.integers(-1, 9, T))
    z, B = rng.normal(size=(D, 3)) * 1e4, rng.normal(size=(D, 3, 3))
    R, t, obj = B @ np.swapaxes(B, 1, 2), np.sort(rng.random(D)), rng.integers(-1, 9, D)
    idx = np.array([1, 4, 8])
    new = SinglePointInitiator(300.0).initiate(KalmanFilter(10.0, ndim=3),
                                               Detections(z[idx], R[idx]), 15)
    got = _append_tracks(x, P, *book, *trk, z, R, t, obj, idx, 300.0, 15)
    want = (new.states.x, new.states.P, new.track_id, new.hits, new.misses, new.age,
            new.confirmed, t[idx], t[idx], obj[idx])
    for g, old, w in zip(got, (x, P, *book, *trk), want, strict=True):
        np.testing.assert_array_equal(g, np.concatenate([old, w]))


def test_kept_tracks_equal_fancy_indexing():
    # reference: numpy's fancy indexing of each array
    from iads.simulation.nodes import _take_tracks

    rng = np.random.default_rng(9)
    T = 12
    arrays = (rng.normal(size=(T, 6)), rng.normal(size=(T, 6, 6)), np.arange(T) + 3,
              rng.integers(0, 99, T).astype(np.uint64), rng.integers(0, 3, T),
              rng.integers(0, 5, T), rng.random(T) < 0.5, rng.random(T), rng.random(T),
              rng.integers(-1, 9, T))
    for idx in (np.array([0, 3, 4, 11]), np.zeros(0, np.int64), np.arange(T)):
        for got, a in zip(_take_tracks(idx, *arrays), arrays, strict=True):
            np.testing.assert_array_equal(got, a[idx])
            assert got.dtype == a.dtype


def test_search_keeps_every_pair_the_gate_takes():
    # reference: the numpy gate of every (track, plot) pair (_numpy_round); the searched
    # candidates (bounded by each plot's own noise) must hold every gated pair, and drop
    # pairs of far plots with small noise that the noisiest plot's radius would keep
    from iads.tracking import GaussianStates, Tracks

    rng = np.random.default_rng(12)
    dropped = 0
    for _ in range(30):
        T, D = rng.integers(1, 12), rng.integers(2, 40)
        x, P, ts = _random_tracks(rng, T, 20_000.0, 2000.0, 300.0)
        src = rng.integers(0, T, D)
        tp = np.sort(rng.uniform(0.0, 5.0, D))
        sig = rng.choice([30.0, 300.0, 3000.0], D)
        z = (x[src, :3] + (tp - ts[src])[:, None] * x[src, 3:]
             + rng.normal(0.0, 1.0, (D, 3)) * sig[:, None] * rng.uniform(0.5, 8.0, (D, 1)))
        A = rng.normal(size=(D, 3, 3)) * sig[:, None, None] / 2.0
        R = A @ np.swapaxes(A, 1, 2) + np.eye(3) * 10.0**2
        plots = Plots(tp, np.zeros(D, np.int64), np.arange(D, dtype=np.int64), z, R)
        trk = PlotTracker()
        trk._append(Tracks.start(GaussianStates(x, P), confirmed=False), ts,
                    np.full(T, -1, np.int64))
        rows, cols = (a.ravel().astype(np.int64) for a in np.meshgrid(np.arange(T),
                                                                       np.arange(D),
                                                                       indexing="ij"))
        g_rows, g_cols = _numpy_round(trk, plots, rows, cols)[:2]
        trR = np.trace(R, axis1=1, axis2=2)
        c_rows, c_cols = trk._search(plots, trR, np.arange(D), 0.0, 5.0)
        found = set(zip(c_rows.tolist(), c_cols.tolist(), strict=True))
        assert set(zip(g_rows.tolist(), g_cols.tolist(), strict=True)) <= found
        centre = x[:, :3] + (2.5 - ts)[:, None] * x[:, 3:]
        dist = np.linalg.norm(z[None] - centre[:, None], axis=2)
        dropped += int(np.sum(dist <= 4.0 * np.sqrt(trR.max()))) - len(found)
    assert dropped > 0
