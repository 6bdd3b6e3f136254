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
