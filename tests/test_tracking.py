"""Tests of iads.tracking against closed forms, Stone Soup and second implementations."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from iads.rng import component_rng
from iads.tracking import (
    Detections,
    GNNAssociator,
    IMMFilter,
    KalmanFilter,
    MOfN,
    SinglePointInitiator,
    Tracker,
    Tracks,
    assign_dense,
    assign_sparse,
    convert_polar_measurements,
    convert_radar_measurements,
    ct_transition,
    cv_process_noise,
    cv_transition,
    ekf_update_radar,
    fuse_scans,
    gate,
    kf_predict,
    kf_update,
    position_measurement_matrix,
    radar_detections,
)
from iads.tracking.association import (
    component_labels,
    optimal_pairs,
    pairs_within,
    pairs_within_bipartite,
    pairs_within_either,
    pairs_within_upper,
)
from iads.tracking.filters import imm_combine, inv_small, radar_jacobian, radar_measurement
from iads.tracking.fusion import information_fusion
from iads.tracking.models import stonesoup_permutation

ss_linear = pytest.importorskip("stonesoup.models.transition.linear")


def _ss_cv(q, d):
    return ss_linear.CombinedLinearGaussianTransitionModel(
        [ss_linear.ConstantVelocity(q) for _ in range(d)])


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("dt", [0.1, 1.0, 4.5])
def test_cv_matrices_equal_stonesoup_constant_velocity(d, dt):
    q = 0.7
    model = _ss_cv(q, d)
    p = stonesoup_permutation(d)
    td = timedelta(seconds=dt)
    F_ss = model.matrix(time_interval=td)[np.ix_(p, p)]
    np.testing.assert_array_equal(cv_transition(dt, d), F_ss)
    np.testing.assert_allclose(cv_process_noise(dt, q, d),
                               model.covar(time_interval=td)[np.ix_(p, p)], rtol=1e-15)


@pytest.mark.parametrize("omega", [0.05, -0.2, 1e-3])
def test_ct_matrices_equal_stonesoup_known_turn_rate(omega):
    q, dt = 2.0, 1.7
    model = ss_linear.KnownTurnRate(turn_noise_diff_coeffs=np.array([q, q]), turn_rate=omega)
    p = stonesoup_permutation(2)
    td = timedelta(seconds=dt)
    np.testing.assert_allclose(ct_transition(dt, omega, 2),
                               model.matrix(time_interval=td)[np.ix_(p, p)], rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(cv_process_noise(dt, q, 2),
                               model.covar(time_interval=td)[np.ix_(p, p)], rtol=1e-15)


def test_ct_transition_is_a_rotation_of_velocity_and_tends_to_cv():
    # a quarter turn at ω: velocity rotated by 90°, position on the circle of radius v/ω
    w, v = 0.1, 200.0
    F = ct_transition(np.pi / 2 / w, w, 2)
    x = F @ np.array([0.0, 0.0, v, 0.0])
    np.testing.assert_allclose(x, [v / w, v / w, 0.0, v], atol=1e-9)
    np.testing.assert_allclose(ct_transition(2.0, 1e-9, 3), cv_transition(2.0, 3), atol=1e-8)


def test_unknown_noise_kind_is_refused():
    with pytest.raises(ValueError, match="continuous"):
        cv_process_noise(1.0, 1.0, 2, "white")


# ---------------------------------------------------------------------------------------------
# Steady-state α-β gains
# ---------------------------------------------------------------------------------------------


def _steady_state_alpha_beta(q, sigma, T, kind):
    """α, β of the converged 2-D CV Kalman filter (x axis), by iterating the Riccati recursion."""
    F, Q = cv_transition(T, 2), cv_process_noise(T, q, 2, kind)
    H, R = position_measurement_matrix(2), sigma**2 * np.eye(2)
    x, P = np.zeros((1, 4)), np.diag([1e6, 1e6, 1e4, 1e4])[None]
    for _ in range(5000):
        x, Pp = kf_predict(x, P, F, Q)
        x, P, _, _ = kf_update(x, Pp, np.zeros((1, 2)), R, H)
    s = Pp[0, 0, 0] + sigma**2
    return Pp[0, 0, 0] / s, T * Pp[0, 0, 2] / s


@pytest.mark.parametrize("lam", [0.01, 0.3, 1.0, 5.0, 40.0])
def test_steady_state_gains_piecewise_model_equal_kalata_closed_form(lam):
    # Kalata (1984): tracking index Λ = σ_w T² / σ_v for the piecewise-constant (DWNA) model;
    # r = (4 + Λ − √(8Λ + Λ²)) / 4, α = 1 − r², β = 2(2 − α) − 4√(1 − α).
    sigma, T = 25.0, 2.0
    sigma_w = lam * sigma / T**2
    r = (4 + lam - np.sqrt(8 * lam + lam**2)) / 4
    alpha = 1 - r**2
    beta = 2 * (2 - alpha) - 4 * np.sqrt(1 - alpha)
    a, b = _steady_state_alpha_beta(sigma_w**2, sigma, T, "piecewise")
    np.testing.assert_allclose([a, b], [alpha, beta], rtol=1e-9)


@pytest.mark.parametrize("lam", [0.01, 0.3, 1.0, 5.0, 40.0])
def test_steady_state_gains_continuous_model_equal_its_closed_form(lam):
    # The same derivation as Kalata's with the continuous-white-noise Q = q[[T³/3, T²/2],
    # [T²/2, T]] (Stone Soup's ConstantVelocity): β²/(1 − α) = λ² with λ = √(q T³)/σ_v, and
    # β² + 6αβ − 12β + 6α² = 0 (4 instead of 6 gives Kalata's model). With u = √(1 − α),
    # β = λu: u + 1/u = λ/2 + √(4 + λ²/12).
    sigma, T = 25.0, 2.0
    q = (lam * sigma) ** 2 / T**3
    s = lam / 2 + np.sqrt(4 + lam**2 / 12)
    u = (s - np.sqrt(s * s - 4)) / 2
    alpha, beta = 1 - u * u, lam * u
    assert abs(beta**2 + 6 * alpha * beta - 12 * beta + 6 * alpha**2) < 1e-12
    a, b = _steady_state_alpha_beta(q, sigma, T, "continuous")
    np.testing.assert_allclose([a, b], [alpha, beta], rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# Kalman tracker against Stone Soup's KalmanPredictor / KalmanUpdater
# ---------------------------------------------------------------------------------------------


def test_tracker_equals_stonesoup_kalman_on_a_single_target():
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.types.detection import Detection
    from stonesoup.types.hypothesis import SingleHypothesis
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    rng = component_rng(7, "test", "single-target")
    q, sigma = 3.0, 25.0
    R = sigma**2 * np.eye(2)
    p = stonesoup_permutation(2)
    inv = np.argsort(p)
    x0 = np.array([1000.0, -2000.0, 150.0, 60.0])
    P0 = np.diag([400.0, 400.0, 100.0, 100.0])

    kf = KalmanFilter(q)
    tracker = Tracker(kf, GNNAssociator(5.0))
    tracks = Tracks.start(kf.initiate(x0[None], P0[None]))

    predictor = KalmanPredictor(_ss_cv(q, 2))
    updater = KalmanUpdater(LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=R))
    t = datetime(2026, 1, 1)
    ss_state = GaussianState(x0[inv][:, None], P0[np.ix_(inv, inv)], timestamp=t)

    truth = x0.copy()
    n_updates = 0
    for k in range(60):
        dt = round(float(rng.uniform(0.5, 3.0)), 6)  # timedelta resolution: 1 µs
        truth = cv_transition(dt) @ truth + rng.multivariate_normal(np.zeros(4),
                                                                     cv_process_noise(dt, q))
        t = t + timedelta(seconds=dt)
        detected = k % 7 != 3
        z = truth[:2] + rng.normal(0, sigma, 2)
        clutter = truth[:2] + rng.uniform(2000, 5000, (3, 2)) * rng.choice([-1, 1], (3, 2))
        zs = np.vstack([clutter, z[None]]) if detected else clutter
        tracks, assoc = tracker.step(tracks, Detections(zs, R), dt)

        pred = predictor.predict(ss_state, timestamp=t)
        if detected:
            det = Detection(z[:, None], timestamp=t, measurement_model=updater.measurement_model)
            ss_state = updater.update(SingleHypothesis(pred, det))
            assert assoc.detection.tolist() == [3]
            n_updates += 1
        else:
            ss_state = pred
            assert len(assoc.track) == 0
        ss_x = np.asarray(ss_state.state_vector, float).ravel()[p]
        ss_P = np.asarray(ss_state.covar, float)[np.ix_(p, p)]
        np.testing.assert_allclose(tracks.mean[0], ss_x, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(tracks.covar[0], ss_P, rtol=1e-9, atol=1e-9)
    assert n_updates > 45


# ---------------------------------------------------------------------------------------------
# Radar measurements: EKF and converted measurements
# ---------------------------------------------------------------------------------------------


def test_radar_jacobian_equals_central_differences():
    rng = component_rng(7, "test", "jacobian")
    pos = rng.uniform(-50e3, 50e3, (20, 3))
    pos[:, 2] = rng.uniform(100, 12e3, 20)
    J = radar_jacobian(pos)
    h = 1e-3
    for k in range(3):
        dp = np.zeros(3)
        dp[k] = h
        num = (radar_measurement(pos + dp) - radar_measurement(pos - dp)) / (2 * h)
        num[:, 0] = (np.mod(num[:, 0] * 2 * h + np.pi, 2 * np.pi) - np.pi) / (2 * h)
        np.testing.assert_allclose(J[:, :, k], num, rtol=1e-6, atol=1e-12)
    # 2-D is the horizontal part
    np.testing.assert_allclose(radar_jacobian(pos[:, :2])[:, 0], J[:, 0, :2], rtol=1e-12)


def test_ekf_update_equals_stonesoup_extended_kalman_updater():
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
    from stonesoup.types.angle import Bearing, Elevation
    from stonesoup.types.array import StateVector
    from stonesoup.types.detection import Detection
    from stonesoup.types.hypothesis import SingleHypothesis
    from stonesoup.types.prediction import GaussianStatePrediction
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    rng = component_rng(7, "test", "ekf")
    sensor = np.array([500.0, -300.0, 20.0])
    s_az, s_el, s_r = np.radians(0.5), np.radians(0.8), 30.0
    p = stonesoup_permutation(3)
    inv = np.argsort(p)
    model = CartesianToElevationBearingRange(
        ndim_state=6, mapping=(0, 2, 4), noise_covar=np.diag([s_el**2, s_az**2, s_r**2]),
        translation_offset=StateVector(sensor))
    updater = ExtendedKalmanUpdater(model)
    t = datetime(2026, 1, 1)
    for _ in range(10):
        # positive coordinates: Stone Soup's forward-difference step is 1e8·spacing(x), but it
        # falls back to 1e-8 m for negative x (spacing < 0), which costs ~1e-3 in the Jacobian
        x = np.concatenate([rng.uniform(5e3, 60e3, 2), rng.uniform(500, 10e3, 1),
                            rng.normal(0, 200, 3)])
        A = rng.normal(size=(6, 6))
        P = A @ A.T + np.diag([300.0, 300.0, 300.0, 30.0, 30.0, 30.0]) ** 2
        z = radar_measurement((x[:3] - sensor) + rng.normal(0, 200, 3))
        R = np.diag([s_az**2, s_el**2, s_r**2])
        xi, Pi, _, _ = ekf_update_radar(x[None], P[None], z[None], R, sensor)

        bearing = np.pi / 2 - z[0]
        det = Detection(StateVector([Elevation(z[1]), Bearing(bearing), z[2]]), timestamp=t,
                        measurement_model=model)
        pred = GaussianStatePrediction(x[inv][:, None], P[np.ix_(inv, inv)], timestamp=t)
        post = updater.update(SingleHypothesis(pred, det))
        # Stone Soup's Jacobian is a forward difference (relative error ~1e-8, amplified by the
        # cancellation in P − K S Kᵀ): compare to 1e-6 of the largest element
        ss_P = np.asarray(post.covar, float)[np.ix_(p, p)]
        np.testing.assert_allclose(xi[0], np.asarray(post.state_vector, float).ravel()[p],
                                   rtol=1e-8, atol=1e-3)
        np.testing.assert_allclose(Pi[0], ss_P, rtol=0, atol=1e-6 * np.abs(ss_P).max())


def test_ekf_azimuth_innovation_is_wrapped_across_north():
    # target just east of north, plot just west of north: the innovation is small, not 2π
    x = np.array([[100.0, 50e3, 0.0, 0.0]])
    P = np.diag([1e4, 1e4, 1.0, 1.0])[None]
    z = np.array([[2 * np.pi - 1e-3, 50e3]])
    R = np.diag([np.radians(0.2) ** 2, 10.0**2])
    _, _, nu, _ = ekf_update_radar(x, P, z, R, np.zeros(2))
    assert abs(nu[0, 0] - (-1e-3 - np.arctan2(100.0, 50e3))) < 1e-9


def _polar_to_enu(az, el, r):
    return np.stack([r * np.cos(el) * np.sin(az), r * np.cos(el) * np.cos(az), r * np.sin(el)], -1)


def test_converted_measurements_are_unbiased_where_the_naive_conversion_is_not():
    # Monte Carlo from the definition: mean of converted plots vs the truth
    rng = component_rng(7, "test", "cm-bias")
    az, el, r = 0.7, 0.3, 80e3
    s_az, s_el, s_r = 0.12, 0.08, 50.0
    n = 400_000
    azm = az + rng.normal(0, s_az, n)
    elm = el + rng.normal(0, s_el, n)
    rm = r + rng.normal(0, s_r, n)
    truth = _polar_to_enu(az, el, r)
    z, R = convert_radar_measurements(azm, elm, rm, s_az, s_el, s_r)
    naive = _polar_to_enu(azm, elm, rm)
    se = np.sqrt(np.mean(np.diagonal(R, axis1=1, axis2=2), axis=0) / n)
    assert np.all(np.abs(z.mean(axis=0) - truth) < 4 * se)
    assert np.any(np.abs(naive.mean(axis=0) - truth) > 20 * se)  # bias ~ (1 − λ) r ≈ 0.8 km


@pytest.mark.parametrize("az,el,r,s_az_deg,s_el_deg,s_r", [
    (2.1, 0.15, 120e3, 1.0, 1.5, 80.0),
    (5.0, 0.02, 20e3, 0.2, 0.3, 10.0),
    (1.0, 1.2, 30e3, 3.0, 3.0, 30.0),
])
def test_converted_covariance_is_consistent_with_monte_carlo_errors(az, el, r, s_az_deg, s_el_deg,
                                                                    s_r):
    # Monte Carlo from the definition: every converted plot's error, whitened by its own R,
    # must have unit covariance (normalised estimation error squared ≈ 3)
    rng = component_rng(7, "test", "cm-cov", int(r))
    s_az, s_el = np.radians(s_az_deg), np.radians(s_el_deg)
    n = 100_000
    z, R = convert_radar_measurements(az + rng.normal(0, s_az, n), el + rng.normal(0, s_el, n),
                                      r + rng.normal(0, s_r, n), s_az, s_el, s_r)
    err = z - _polar_to_enu(az, el, r)
    w = np.linalg.solve(np.linalg.cholesky(R), err[:, :, None])[:, :, 0]
    assert abs(np.mean(np.sum(w * w, axis=1)) - 3.0) < 0.06
    np.testing.assert_allclose(w.T @ w / n, np.eye(3), atol=0.15)


def test_converted_3d_reduces_to_the_published_2d_formula():
    rng = component_rng(7, "test", "cm-2d")
    az = rng.uniform(0, 2 * np.pi, 50)
    r = rng.uniform(1e3, 200e3, 50)
    z2, R2 = convert_polar_measurements(az, r, 0.02, 40.0)
    z3, R3 = convert_radar_measurements(az, 0.0, r, 0.02, 0.0, 40.0)
    np.testing.assert_allclose(z3[:, :2], z2, rtol=1e-12)
    np.testing.assert_allclose(R3[:, :2, :2], R2, rtol=1e-9, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Association
# ---------------------------------------------------------------------------------------------


def _random_scene(rng, T, D_clutter, side, per_det_R):
    z_pred = rng.uniform(0, side, (T, 2))
    A = rng.normal(size=(T, 2, 2)) * rng.uniform(5, 60, (T, 1, 1))
    HPHt = A @ np.swapaxes(A, 1, 2) + 100.0 * np.eye(2)
    det = z_pred[rng.random(T) < 0.9]
    det = det + rng.normal(0, 40, det.shape)
    z = np.vstack([det, rng.uniform(0, side, (D_clutter, 2))])
    z = z[rng.permutation(len(z))]
    if per_det_R:
        B = rng.normal(size=(len(z), 2, 2)) * rng.uniform(5, 30, (len(z), 1, 1))
        R = B @ np.swapaxes(B, 1, 2) + 25.0 * np.eye(2)
    else:
        R = np.array([[625.0, 100.0], [100.0, 400.0]])
    return z_pred, HPHt, z, R


def _dense_d2(z_pred, HPHt, z, R):
    """All-pairs squared Mahalanobis distances by a plain double loop (reference)."""
    out = np.empty((len(z_pred), len(z)))
    for i in range(len(z_pred)):
        for j in range(len(z)):
            S = HPHt[i] + (R[j] if R.ndim == 3 else R)
            nu = z[j] - z_pred[i]
            out[i, j] = nu @ np.linalg.solve(S, nu)
    return out


@pytest.mark.parametrize("per_det_R", [False, True])
def test_gate_finds_exactly_the_pairs_inside_the_mahalanobis_gate(per_det_R):
    rng = component_rng(7, "test", "gate", int(per_det_R))
    z_pred, HPHt, z, R = _random_scene(rng, 120, 40, 3000.0, per_det_R)
    g = 3.5
    rows, cols, d2, _ = gate(z_pred, HPHt, z, R, g)
    ref = _dense_d2(z_pred, HPHt, z, R)
    ri, ci = np.nonzero(ref < g * g)
    assert len(ri) > 50
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == sorted(
        zip(ri.tolist(), ci.tolist(), strict=True))
    np.testing.assert_allclose(d2, ref[rows, cols], rtol=1e-10)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cost", ["mahalanobis", "mahalanobis2", "likelihood"])
def test_clustered_assignment_equals_global_dense_assignment(seed, cost):
    # dense crowded scenes: many multi-track clusters; the reference is one global
    # linear_sum_assignment over the whole tracks × (detections + missed) matrix
    rng = component_rng(7, "test", "assoc", seed)
    z_pred, HPHt, z, R = _random_scene(rng, 150, 60, 2500.0, seed % 2 == 1)
    assoc = GNNAssociator(4.0, cost, pd=0.9, clutter_density=1e-6)
    res = assoc.associate(z_pred, HPHt, z, R)
    d2 = _dense_d2(z_pred, HPHt, z, R)
    inside = d2 < 16.0
    S = np.broadcast_to(HPHt[:, None] + (R[None] if R.ndim == 3 else R), d2.shape + (2, 2))
    _, W = assoc.pair_costs(d2.ravel(), S.reshape(-1, 2, 2))
    W = np.where(inside, W.reshape(d2.shape), np.inf)
    big = np.hstack([W, np.where(np.eye(len(z_pred)) > 0, 0.0, np.inf)])
    ri, ci = linear_sum_assignment(big)
    ok = ci < len(z)
    ref = sorted(zip(ri[ok].tolist(), ci[ok].tolist(), strict=True))
    got = sorted(zip(res.track.tolist(), res.detection.tolist(), strict=True))
    assert got == ref
    # the scene really needs the cluster solver (several tracks competing)
    assert (inside.sum(axis=0) > 1).sum() > 5


def test_assign_sparse_equals_dense_on_random_weights():
    rng = component_rng(7, "test", "sparse-weights")
    for _ in range(30):
        nr, nc = rng.integers(1, 25, 2)
        W = np.where(rng.random((nr, nc)) < 0.15, -rng.random((nr, nc)), np.inf)
        r, c = np.nonzero(np.isfinite(W))
        mr, mc = assign_sparse(r, c, W[r, c], nr, nc)
        dr, dc = assign_dense(W)
        assert np.isclose(W[mr, mc].sum(), W[dr, dc].sum(), rtol=1e-12, atol=0)
        assert len(set(mr.tolist())) == len(mr) and len(set(mc.tolist())) == len(mc)


def test_assign_sparse_equals_dense_on_many_small_clusters():
    # block-diagonal problems of 1x1 ... 3x3 blocks: exercises the vectorised single-row,
    # single-column and 2x2 paths as well as the per-cluster linear_sum_assignment
    from scipy.linalg import block_diag

    rng = component_rng(7, "test", "small-clusters")
    for _ in range(20):
        blocks = []
        for _ in range(60):
            b = -rng.random(rng.integers(1, 4, 2))
            b[rng.random(b.shape) < 0.3] = 0.0
            blocks.append(b)
        W = block_diag(*blocks)
        W = W[rng.permutation(W.shape[0])][:, rng.permutation(W.shape[1])]
        r, c = np.nonzero(W < 0)
        mr, mc = assign_sparse(r, c, W[r, c], *W.shape)
        dr, dc = assign_dense(np.where(W < 0, W, np.inf))
        assert W[mr, mc].sum() == pytest.approx(W[dr, dc].sum(), rel=1e-12, abs=0)
        assert np.all(W[mr, mc] < 0)
        assert len(set(mr.tolist())) == len(mr) and len(set(mc.tolist())) == len(mc)


def test_pairs_within_equals_the_dense_test_in_row_major_order():
    rng = component_rng(7, "test", "pairs-within")
    for T, D in ((1, 1), (7, 0), (40, 90), (300, 200), (200, 1500)):  # sweep, then grid
        c = rng.uniform(-2e5, 2e5, (T, 3)) + 4e6
        p = rng.uniform(-2e5, 2e5, (D, 3)) + 4e6
        r = rng.uniform(0.0, 3e4, T)
        k = min(T, D)
        p[:k] = c[:k] + r[:k, None] * np.array([0.0, 1.0, 0.0])  # on the sphere's edge
        d2 = ((c[:, None, :] - p[None, :, :]) ** 2).sum(axis=-1)
        want = np.nonzero(d2 <= (r**2)[:, None])
        got = pairs_within(c, r, p)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    got = pairs_within(c, 1e4, p)  # one radius for all
    want = np.nonzero(d2 <= 1e8)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def _cloud(rng, n, spread=2e5):
    p = rng.uniform(-spread, spread, (n, 3)) + 4e6
    r = rng.uniform(0.0, 3e4, n)
    return p, r


def test_pairs_within_all_pairs_path_equals_the_dense_test():
    # at most _DENSE_PAIRS centre-point pairs are all tested; around that size on both sides
    rng = component_rng(7, "test", "pairs-within-dense")
    for T, D in ((1, 2048), (2048, 1), (3, 700), (45, 45), (46, 46), (5, 1000)):
        c, r = _cloud(rng, T)
        p, _ = _cloud(rng, D)
        p[: min(T, D)] = c[: min(T, D)] + r[: min(T, D), None] * np.array([1.0, 0.0, 0.0])
        d2 = ((c[:, None, :] - p[None, :, :]) ** 2).sum(axis=-1)
        want = np.nonzero(d2 <= (r**2)[:, None])
        got = pairs_within(c, r, p)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_self_pairs_upper_and_either_equal_the_dense_formulations():
    # the numpy formulations they replace: pairs_within of the points with themselves, then
    # the pairs with j > i (upper) or the off-diagonal ones as sorted unique (min, max)
    rng = component_rng(7, "test", "pairs-within-self")
    for n in (1, 2, 30, 300, 800):  # all tested, sweep, grid
        p, r = _cloud(rng, n, spread=1e5)
        p[1::3] = p[0::3][: p[1::3].shape[0]] + 0.5e4  # close pairs
        d2 = ((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=-1)
        a, b = np.nonzero(d2 <= (r**2)[:, None])
        k = a < b
        got = pairs_within_upper(p, r)
        np.testing.assert_array_equal(got[0], a[k])
        np.testing.assert_array_equal(got[1], b[k])
        keep = a != b
        want = np.unique(np.stack([np.minimum(a, b)[keep], np.maximum(a, b)[keep]]), axis=1)
        got = pairs_within_either(p, r)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_bipartite_pairs_are_the_union_of_both_radii_tests_in_row_major_order():
    rng = component_rng(7, "test", "pairs-within-bipartite")
    for na, nb in ((1, 1), (3, 900), (900, 3), (200, 300), (0, 5)):  # all tested; sweeps
        a, ra = _cloud(rng, na)
        b, rb = _cloud(rng, nb)
        k = min(na, nb)
        b[:k] = a[:k] + ra[:k, None] * np.array([0.0, 0.0, 1.0])  # on a's sphere's edge
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
        want = np.nonzero((d2 <= (ra**2)[:, None]) | (d2 <= (rb**2)[None, :]))
        got = pairs_within_bipartite(a, ra, b, rb)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_component_labels_equal_scipy_components_labelled_by_their_smallest_node():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = component_rng(7, "test", "component-labels")
    for n, e in ((1, 0), (5, 3), (200, 150), (200, 400)):
        i = rng.integers(0, n, e)
        j = rng.integers(0, n, e)
        _, comp = connected_components(coo_matrix((np.ones(e), (i, j)), shape=(n, n)),
                                       directed=False)
        first = np.full(comp.max() + 1, n)
        np.minimum.at(first, comp, np.arange(n))
        np.testing.assert_array_equal(component_labels(i, j, n), first[comp])


def test_optimal_pairs_equals_dense_assignment_with_stars_and_larger_clusters():
    # sparse random pairs: many components of one row or one column (the compiled path) and
    # some larger ones (linear_sum_assignment), against one dense assignment of everything
    rng = component_rng(7, "test", "optimal-pairs")
    for _ in range(200):
        nr, nc = rng.integers(1, 15, 2)
        W = np.where(rng.random((nr, nc)) < 0.2, rng.normal(-0.5, 0.5, (nr, nc)), np.inf)
        r, c = np.nonzero(np.isfinite(W))
        mr, mc = optimal_pairs(r, c, W[r, c], nr, nc)
        dr, dc = assign_dense(np.where(W < 0, W, np.inf))
        np.testing.assert_array_equal(mr, dr)  # both sorted by row; the optimum is unique
        np.testing.assert_array_equal(mc, dc)


def test_information_fusion_equals_the_information_filter_formula():
    rng = component_rng(7, "test", "information-fusion")
    A = rng.normal(size=(40, 6, 6))
    P = A @ np.swapaxes(A, 1, 2) + np.diag(np.logspace(0, 6, 6))
    x = rng.normal(size=(40, 6)) * 1e3
    starts = np.array([0, 1, 4, 10, 25])
    info = np.linalg.inv(P)
    Pf = np.linalg.inv(np.add.reduceat(info, starts, axis=0))
    xf = np.einsum("kij,kj->ki", Pf, np.add.reduceat(np.einsum("kij,kj->ki", info, x), starts))
    got_x, got_P = information_fusion(x, P, starts)
    np.testing.assert_allclose(got_x, xf, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got_P, 0.5 * (Pf + np.swapaxes(Pf, 1, 2)), rtol=1e-9, atol=1e-12)
    # the same groups given as rows of shuffled arrays
    perm = rng.permutation(40)
    where = np.argsort(perm)  # row k of x is row where[k] of x[perm]
    sx, sP = information_fusion(x[perm], P[perm], starts, rows=where)
    np.testing.assert_array_equal(sx, got_x)
    np.testing.assert_array_equal(sP, got_P)
    # two independent scalar-like estimates: variances σ₁², σ₂² give σ₁²σ₂² / (σ₁² + σ₂²)
    x2, P2 = information_fusion(np.array([[0.0] * 6, [3.0] * 6]),
                                np.stack([np.eye(6), 2.0 * np.eye(6)]), np.array([0]))
    np.testing.assert_allclose(P2[0], np.eye(6) * 2.0 / 3.0, rtol=1e-12)
    np.testing.assert_allclose(x2[0], np.full(6, 1.0), rtol=1e-12)
    # other state sizes (the compiled kernel's general path) and a symmetric matrix that is
    # not positive definite (Gauss-Jordan) against the same formula
    for n in (3, 4):
        A = rng.normal(size=(12, n, n))
        Pn = A @ np.swapaxes(A, 1, 2) + np.eye(n)
        Pn[5] = np.diag(np.r_[-1.0, np.ones(n - 1)]) + 0.1
        xn = rng.normal(size=(12, n))
        st = np.array([0, 2, 5, 9])
        info = np.linalg.inv(Pn)
        Pf = np.linalg.inv(np.add.reduceat(info, st, axis=0))
        xf = np.einsum("kij,kj->ki", Pf, np.add.reduceat(np.einsum("kij,kj->ki", info, xn), st))
        got_x, got_P = information_fusion(xn, Pn, st)
        np.testing.assert_allclose(got_x, xf, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(got_P, 0.5 * (Pf + np.swapaxes(Pf, 1, 2)), rtol=1e-9,
                                   atol=1e-12)


def test_inv_small_equals_numpy_inverse():
    rng = component_rng(7, "test", "inv")
    for m in (1, 2, 3, 4):
        A = rng.normal(size=(50, m, m))
        S = A @ np.swapaxes(A, 1, 2) + np.eye(m)
        np.testing.assert_allclose(inv_small(S), np.linalg.inv(S), rtol=1e-10, atol=1e-12)


def test_unknown_association_cost_is_refused():
    with pytest.raises(ValueError, match="mahalanobis"):
        GNNAssociator(4.0, cost="euclid")
    with pytest.raises(ValueError, match="pd"):
        GNNAssociator(4.0, cost="likelihood")


# ---------------------------------------------------------------------------------------------
# Initiation, confirmation, deletion
# ---------------------------------------------------------------------------------------------


def _reference_mofn(pattern, m, n, max_misses):
    """Per-scan (track alive, confirmed, track number) by the plain rule, one target."""
    out = []
    track = None  # dict(hist=list, confirmed=bool, number=int)
    number = -1
    for hit in pattern:
        used = False
        if track is not None:
            used = hit  # the track takes the detection, even if it is deleted in this scan
            track["hist"].append(hit)
            if not track["confirmed"] and sum(track["hist"][-n:]) >= m:
                track["confirmed"] = True
            misses = 0
            for h in reversed(track["hist"]):
                if h:
                    break
                misses += 1
            if track["confirmed"]:
                if misses >= max_misses:
                    track = None
            elif len(track["hist"]) >= n:
                track = None
        if track is None and hit and not used:
            number += 1
            track = {"hist": [True], "confirmed": False, "number": number}
        out.append(None if track is None else (track["confirmed"], track["number"]))
    return out


@pytest.mark.parametrize("m,n,max_misses", [(2, 3, 2), (3, 5, 3), (1, 1, 1), (4, 4, 5)])
def test_m_of_n_confirmation_and_deletion_follow_the_rule(m, n, max_misses):
    rng = component_rng(7, "test", "mofn", m, n)
    pattern = (rng.random(300) < 0.6).tolist()
    kf = KalmanFilter(0.01)
    tracker = Tracker(kf, GNNAssociator(5.0), SinglePointInitiator(5.0), MOfN(m, n, max_misses))
    tracks = Tracks.start(kf.initiate(np.zeros((0, 4)), np.zeros((0, 4, 4))))
    R = 25.0 * np.eye(2)
    got = []
    for hit in pattern:
        z = rng.normal(0, 5.0, (1, 2)) if hit else np.zeros((0, 2))
        tracks, _ = tracker.step(tracks, Detections(z, R), 1.0)
        assert len(tracks) <= 1
        got.append(None if len(tracks) == 0 else (bool(tracks.confirmed[0]),
                                                  int(tracks.track_id[0])))
    ref = _reference_mofn(pattern, m, n, max_misses)
    assert got == ref
    assert any(s is not None and s[0] for s in ref) and any(s is None for s in ref)


def test_tracker_starts_confirms_and_drops_tracks_in_clutter():
    # 20 well-separated targets, Pd 0.9, clutter: every target ends with one confirmed track
    # near it; false tracks from clutter do not survive confirmation
    rng = component_rng(7, "test", "life")
    n_t, side, sigma = 20, 200e3, 30.0
    truth = np.hstack([rng.uniform(0, side, (n_t, 2)), rng.normal(0, 150, (n_t, 2))])
    kf = KalmanFilter(1.0)
    tracker = Tracker(kf, GNNAssociator(4.0), SinglePointInitiator(200.0), MOfN(3, 4, 3))
    tracks = Tracks.start(kf.initiate(np.zeros((0, 4)), np.zeros((0, 4, 4))))
    R = sigma**2 * np.eye(2)
    F = cv_transition(2.0)
    for _ in range(30):
        truth = truth @ F.T
        z = truth[rng.random(n_t) < 0.9, :2]
        z = np.vstack([z + rng.normal(0, sigma, z.shape), rng.uniform(0, side, (30, 2))])
        tracks, _ = tracker.step(tracks, Detections(z, R), 2.0)
    conf = tracks.take(np.flatnonzero(tracks.confirmed))
    d = np.linalg.norm(conf.mean[:, None, :2] - truth[None, :, :2], axis=2)
    assert len(conf) == n_t
    assert np.all(d.min(axis=0) < 150.0) and np.all(d.min(axis=1) < 150.0)
    assert len(np.unique(conf.track_id)) == n_t


# ---------------------------------------------------------------------------------------------
# IMM
# ---------------------------------------------------------------------------------------------


def _reference_imm_step(xs, Ps, mu, Pi, Fs, Q, z, R, H):
    """One IMM cycle for one track, written out model by model (Bar-Shalom et al. 2001, 11.6)."""
    M = len(xs)
    c = np.array([sum(Pi[i, j] * mu[i] for i in range(M)) for j in range(M)])
    x0, P0 = [], []
    for j in range(M):
        w = [Pi[i, j] * mu[i] / c[j] for i in range(M)]
        xm = sum(w[i] * xs[i] for i in range(M))
        Pm = sum(w[i] * (Ps[i] + np.outer(xs[i] - xm, xs[i] - xm)) for i in range(M))
        x0.append(xm)
        P0.append(Pm)
    xo, Po, lik = [], [], []
    for j in range(M):
        xp = Fs[j] @ x0[j]
        Pp = Fs[j] @ P0[j] @ Fs[j].T + Q
        S = H @ Pp @ H.T + R
        K = Pp @ H.T @ np.linalg.inv(S)
        nu = z - H @ xp
        xo.append(xp + K @ nu)
        Po.append(Pp - K @ S @ K.T)
        lik.append(np.exp(-0.5 * nu @ np.linalg.solve(S, nu))
                   / np.sqrt(np.linalg.det(2 * np.pi * S)))
    mu_new = np.array(lik) * c
    return np.array(xo), np.array(Po), mu_new / mu_new.sum()


def test_imm_equals_model_by_model_reference():
    rng = component_rng(7, "test", "imm")
    omegas = (0.0, 0.08, -0.08)
    Pi = np.array([[0.9, 0.05, 0.05], [0.1, 0.85, 0.05], [0.1, 0.05, 0.85]])
    imm = IMMFilter(2.0, omegas, Pi)
    R = 30.0**2 * np.eye(2)
    T = 5
    x = np.hstack([rng.uniform(-1e4, 1e4, (T, 2)), rng.normal(0, 200, (T, 2))])
    P = np.tile(np.diag([900.0, 900.0, 400.0, 400.0]), (T, 1, 1))
    st = imm.initiate(x, P)
    ref = [(st.x[t].copy(), st.P[t].copy(), st.mu[t].copy()) for t in range(T)]
    dt = 1.5
    Fs = [ct_transition(dt, w) for w in omegas]
    Q = cv_process_noise(dt, 2.0)
    H = position_measurement_matrix(2)
    for _ in range(8):
        z = st.mean[:, :2] + rng.normal(0, 60, (T, 2))
        st = imm.update(imm.predict(st, dt), np.arange(T), z, R)
        ref = [_reference_imm_step(*ref[t], Pi, Fs, Q, z[t], R, H) for t in range(T)]
        for t in range(T):
            np.testing.assert_allclose(st.x[t], ref[t][0], rtol=1e-9, atol=1e-7)
            np.testing.assert_allclose(st.P[t], ref[t][1], rtol=1e-9, atol=1e-7)
            np.testing.assert_allclose(st.mu[t], ref[t][2], rtol=1e-8, atol=1e-12)


def test_imm_with_one_model_is_the_kalman_filter():
    rng = component_rng(7, "test", "imm1")
    imm, kf = IMMFilter(1.5, (0.0,), np.ones((1, 1))), KalmanFilter(1.5)
    x = np.hstack([rng.uniform(0, 1e4, (4, 2)), rng.normal(0, 100, (4, 2))])
    P = np.tile(np.diag([100.0, 100.0, 50.0, 50.0]), (4, 1, 1))
    a, b = imm.initiate(x, P), kf.initiate(x, P)
    for _ in range(5):
        z = b.x[:, :2] + rng.normal(0, 20, (4, 2))
        a = imm.update(imm.predict(a, 1.0), np.arange(4), z, 400.0 * np.eye(2))
        b = kf.update(kf.predict(b, 1.0), np.arange(4), z, 400.0 * np.eye(2))
    np.testing.assert_allclose(a.mean, b.x, rtol=1e-12)
    np.testing.assert_allclose(a.covar, b.P, rtol=1e-12, atol=1e-9)


def test_imm_follows_a_turn_better_than_cv_and_switches_model():
    # straight 40 s, then a 3 g left turn (ω = g·3 / v), then straight: the turning model's
    # probability rises in the turn, and the IMM position error in the turn is below the CV KF's
    rng = component_rng(7, "test", "imm-turn")
    v, w = 250.0, 3 * 9.81 / 250.0
    dt, sigma = 1.0, 40.0
    truth = [np.array([0.0, 0.0, v, 0.0])]
    phases = [0.0] * 40 + [w] * 20 + [0.0] * 20
    for om in phases:
        truth.append(ct_transition(dt, om) @ truth[-1])
    truth = np.array(truth[1:])
    zs = truth[:, :2] + rng.normal(0, sigma, (len(truth), 2))
    Pi = np.array([[0.95, 0.025, 0.025], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]])
    imm, kf = IMMFilter(0.5, (0.0, w, -w), Pi), KalmanFilter(0.5)
    x0 = np.array([[0.0, 0.0, v, 0.0]])
    P0 = np.diag([1e3, 1e3, 1e2, 1e2])[None]
    a, b = imm.initiate(x0, P0), kf.initiate(x0, P0)
    ea, eb, mu_turn = [], [], []
    for k in range(len(truth)):
        a = imm.update(imm.predict(a, dt), np.array([0]), zs[k:k + 1], sigma**2 * np.eye(2))
        b = kf.update(kf.predict(b, dt), np.array([0]), zs[k:k + 1], sigma**2 * np.eye(2))
        ea.append(np.linalg.norm(a.mean[0, :2] - truth[k, :2]))
        eb.append(np.linalg.norm(b.x[0, :2] - truth[k, :2]))
        mu_turn.append(a.mu[0, 1])
    turn = slice(45, 60)
    assert np.mean(mu_turn[turn]) > 0.6 and np.mean(mu_turn[20:40]) < 0.2
    assert np.sqrt(np.mean(np.square(ea[turn]))) < 0.7 * np.sqrt(np.mean(np.square(eb[turn])))


def test_imm_combine_is_the_mixture_moments():
    # mean and covariance of a 2-component mixture against samples drawn from it
    rng = component_rng(7, "test", "mix")
    x = np.array([[[0.0, 0.0], [10.0, -4.0]]])
    P = np.array([[[[4.0, 1.0], [1.0, 2.0]], [[1.0, 0.0], [0.0, 9.0]]]])
    mu = np.array([[0.3, 0.7]])
    xm, Pm = imm_combine(x, P, mu)
    k = rng.random(400_000) < 0.7
    s = np.where(k[:, None], rng.multivariate_normal(x[0, 1], P[0, 1], k.size),
                 rng.multivariate_normal(x[0, 0], P[0, 0], k.size))
    np.testing.assert_allclose(xm[0], s.mean(axis=0), atol=0.03)
    np.testing.assert_allclose(Pm[0], np.cov(s.T), rtol=0.02, atol=0.05)


# ---------------------------------------------------------------------------------------------
# Broadcasting and determinism
# ---------------------------------------------------------------------------------------------


def test_stack_update_equals_one_track_at_a_time():
    rng = component_rng(7, "test", "stack")
    T = 30
    x = rng.normal(0, 1e3, (T, 6))
    A = rng.normal(size=(T, 6, 6))
    P = A @ np.swapaxes(A, 1, 2) + np.eye(6)
    F, Q, H = cv_transition(2.0, 3), cv_process_noise(2.0, 1.0, 3), position_measurement_matrix(3)
    z = rng.normal(0, 1e3, (T, 3))
    xa, Pa = kf_predict(x, P, F, Q)
    xa, Pa, _, _ = kf_update(xa, Pa, z, 100.0 * np.eye(3), H)
    for t in range(T):
        xb, Pb = kf_predict(x[t], P[t], F, Q)
        xb, Pb, _, _ = kf_update(xb, Pb, z[t], 100.0 * np.eye(3), H)
        np.testing.assert_allclose(xa[t], xb, rtol=1e-12)
        np.testing.assert_allclose(Pa[t], Pb, rtol=1e-12)


def test_tracker_is_deterministic():
    def run():
        rng = component_rng(3, "test", "det")
        kf = KalmanFilter(1.0)
        tr = Tracker(kf, GNNAssociator(4.0), SinglePointInitiator(100.0), MOfN(2, 3, 3))
        tracks = Tracks.start(kf.initiate(np.zeros((0, 4)), np.zeros((0, 4, 4))))
        for _ in range(10):
            tracks, _ = tr.step(tracks, Detections(rng.uniform(0, 5e3, (40, 2)),
                                                   900.0 * np.eye(2)), 1.0)
        return tracks

    a, b = run(), run()
    np.testing.assert_array_equal(a.track_id, b.track_id)
    np.testing.assert_array_equal(a.mean, b.mean)


# ---------------------------------------------------------------------------------------------
# Fusion of several sensors
# ---------------------------------------------------------------------------------------------


def test_radar_detections_put_plots_at_the_target_in_the_node_frame():
    # plots computed by iads.geodesy.enu_to_aer (an independent implementation of the angles)
    from iads.geodesy import enu_to_aer

    rng = component_rng(7, "test", "radar-det")
    sensor = np.array([12e3, -40e3, 150.0])
    targets = np.column_stack([rng.uniform(-80e3, 80e3, (25, 2)), rng.uniform(100, 12e3, 25)])
    az, el, r = enu_to_aer(*(targets - sensor).T)
    det = radar_detections(az, el, r, 1e-9, 1e-9, 1e-6, sensor)
    np.testing.assert_allclose(det.z, targets, atol=1e-6)
    assert det.R.shape == (25, 3, 3)


def test_sequential_fusion_equals_joint_update_of_two_sensors():
    # two radars plot the same target at the same time: updating with one then the other equals
    # one Kalman update with both measurements stacked (H = [[I 0], [I 0]], R = diag(R_a, R_b))
    rng = component_rng(7, "test", "fusion")
    kf = KalmanFilter(2.0, ndim=3)
    tracker = Tracker(kf, GNNAssociator(10.0))
    x0 = np.array([10e3, 20e3, 5e3, 200.0, -50.0, 0.0])
    P0 = np.diag([300.0, 300.0, 300.0, 50.0, 50.0, 20.0]) ** 2
    tracks = Tracks.start(kf.initiate(x0[None], P0[None]))
    truth = cv_transition(2.0, 3) @ x0
    sensors = [np.array([0.0, 0.0, 20.0]), np.array([30e3, -5e3, 50.0])]
    noise = [(np.radians(0.3), np.radians(0.5), 40.0), (np.radians(1.0), np.radians(1.0), 15.0)]
    from iads.geodesy import enu_to_aer

    dets = []
    for s, (sa, se, sr) in zip(sensors, noise, strict=True):
        az, el, r = enu_to_aer(*(truth[:3] - s))
        dets.append(radar_detections(az + rng.normal(0, sa), el + rng.normal(0, se),
                                     r + rng.normal(0, sr), sa, se, sr, s))
    out, assocs, t = fuse_scans(tracker, tracks, [(2.0, dets[0]), (2.0, dets[1])], 0.0)
    assert t == 2.0 and [len(a.track) for a in assocs] == [1, 1]

    xp, Pp = kf_predict(x0, P0, cv_transition(2.0, 3), cv_process_noise(2.0, 2.0, 3))
    H = np.vstack([position_measurement_matrix(3)] * 2)
    R = np.zeros((6, 6))
    R[:3, :3], R[3:, 3:] = dets[0].R[0], dets[1].R[0]
    z = np.concatenate([dets[0].z[0], dets[1].z[0]])
    S = H @ Pp @ H.T + R
    K = Pp @ H.T @ np.linalg.inv(S)
    x_joint = xp + K @ (z - H @ xp)
    P_joint = (np.eye(6) - K @ H) @ Pp
    np.testing.assert_allclose(out.mean[0], x_joint, rtol=1e-9)
    np.testing.assert_allclose(out.covar[0], P_joint, rtol=1e-7, atol=1e-6)


def test_fusion_refuses_scans_before_the_tracks_time():
    kf = KalmanFilter(1.0)
    tracks = Tracks.start(kf.initiate(np.zeros((1, 4)), np.eye(4)[None]))
    with pytest.raises(ValueError, match="before"):
        fuse_scans(Tracker(kf, GNNAssociator(4.0)), tracks,
                   [(1.0, Detections(np.zeros((0, 2)), np.eye(2)))], 5.0)


def _manoeuvre_run(make_filter):
    rng = component_rng(7, "test", "imm-tracker")
    n_t, sigma, dt = 8, 30.0, 1.0
    w = 4 * 9.81 / 250.0
    x = np.column_stack([rng.uniform(0, 100e3, (n_t, 2)), np.full(n_t, 250.0), np.zeros(n_t)])
    filt = make_filter(w)
    tracker = Tracker(filt, GNNAssociator(4.0))
    tracks = Tracks.start(filt.initiate(x, np.tile(np.diag([900.0, 900.0, 100.0, 100.0]),
                                                   (n_t, 1, 1))))
    R = sigma**2 * np.eye(2)
    hits = 0
    for k in range(60):
        om = w if (k // 15) % 2 else 0.0  # 15 s straight, 15 s in a 4 g left turn, ...
        x = x @ ct_transition(dt, om).T
        z = x[:, :2] + rng.normal(0, sigma, (n_t, 2))
        z = np.vstack([z, rng.uniform(0, 100e3, (20, 2))])
        tracks, assoc = tracker.step(tracks, Detections(z, R), dt)
        hits += len(assoc.track)
    return hits, np.linalg.norm(tracks.mean[:, :2] - x[:, :2], axis=1)


def test_tracker_with_imm_keeps_manoeuvring_targets_a_cv_filter_loses():
    # 8 targets flying 4 g turns in clutter: the IMM tracker (CV + ±ω turns) assigns every plot
    # and ends on each target; the CV Kalman tracker with the same q loses them in the turns
    Pi = np.array([[0.9, 0.05, 0.05], [0.1, 0.9, 0.0], [0.1, 0.0, 0.9]])
    hits, err = _manoeuvre_run(lambda w: IMMFilter(1.0, (0.0, w, -w), Pi))
    assert hits == 60 * 8 and np.all(err < 100.0)
    hits_cv, err_cv = _manoeuvre_run(lambda w: KalmanFilter(1.0))
    assert hits_cv < 0.5 * 60 * 8 and np.all(err_cv > 1000.0)
