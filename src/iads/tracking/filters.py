"""Kalman-type filters on stacks of tracks: KF, converted measurements, EKF, IMM.

Every function works on a whole stack at once: states ``x`` (T, n), covariances ``P``
(T, n, n), measurements ``z`` (T, m), with batched matrix products. State layout and units are
those of :mod:`iads.tracking.models` (positions then velocities, ENU, [m], [m/s]).

Radar measurements follow :mod:`iads.geodesy`: azimuth clockwise from north [rad], elevation above
the local horizontal [rad], slant range [m], all relative to the sensor's ENU position.

Two ways to feed radar plots to the linear tracker are provided:

* **converted measurements** (:func:`convert_radar_measurements`,
  :func:`convert_polar_measurements`): each plot becomes a Cartesian position with its own
  covariance, by the *unbiased* conversion of Longbin, Xiaoquan, Yiyu, Kang & Bar-Shalom (1998),
  "Unbiased converted measurements for tracking", IEEE T-AES 34(3): the naive
  ``r cos(el) sin(az)`` is divided by ``E[cos w] = exp(-σ²/2)`` per angle, and the covariance is
  the measurement-conditioned "average true" covariance ``R^ua`` (true = measured − noise,
  moments of the trigonometric functions of Gaussian angles);
* **EKF** (:func:`ekf_update_radar`): the (az, el, r) plot updates the Cartesian state through the
  Jacobian of the measurement function, with the azimuth innovation wrapped to (−π, π].
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache

import numpy as np

__all__ = [
    "GaussianStates",
    "IMMStates",
    "KalmanFilter",
    "IMMFilter",
    "kf_predict",
    "kf_update",
    "measurement_prediction",
    "inv_small",
    "mahalanobis2",
    "radar_measurement",
    "radar_jacobian",
    "ekf_update_radar",
    "convert_polar_measurements",
    "convert_radar_measurements",
    "imm_mix",
    "imm_combine",
]


# ---------------------------------------------------------------------------------------------
# Linear algebra helpers on stacks
# ---------------------------------------------------------------------------------------------


def inv_small(S: np.ndarray) -> np.ndarray:
    """Inverse of a stack of small symmetric matrices, (..., m, m).

    Closed-form adjugate for ``m`` = 1, 2, 3 (much faster than LAPACK per matrix on large
    stacks); :func:`numpy.linalg.inv` otherwise.
    """
    S = np.asarray(S, float)
    m = S.shape[-1]
    if m == 1:
        return 1.0 / S
    if m == 2:
        a, b, c, d = S[..., 0, 0], S[..., 0, 1], S[..., 1, 0], S[..., 1, 1]
        det = a * d - b * c
        out = np.empty_like(S)
        out[..., 0, 0] = d / det
        out[..., 0, 1] = -b / det
        out[..., 1, 0] = -c / det
        out[..., 1, 1] = a / det
        return out
    if m == 3:
        a = S
        c00 = a[..., 1, 1] * a[..., 2, 2] - a[..., 1, 2] * a[..., 2, 1]
        c01 = a[..., 1, 2] * a[..., 2, 0] - a[..., 1, 0] * a[..., 2, 2]
        c02 = a[..., 1, 0] * a[..., 2, 1] - a[..., 1, 1] * a[..., 2, 0]
        det = a[..., 0, 0] * c00 + a[..., 0, 1] * c01 + a[..., 0, 2] * c02
        out = np.empty_like(S)
        out[..., 0, 0] = c00
        out[..., 1, 0] = c01
        out[..., 2, 0] = c02
        out[..., 0, 1] = a[..., 0, 2] * a[..., 2, 1] - a[..., 0, 1] * a[..., 2, 2]
        out[..., 1, 1] = a[..., 0, 0] * a[..., 2, 2] - a[..., 0, 2] * a[..., 2, 0]
        out[..., 2, 1] = a[..., 0, 1] * a[..., 2, 0] - a[..., 0, 0] * a[..., 2, 1]
        out[..., 0, 2] = a[..., 0, 1] * a[..., 1, 2] - a[..., 0, 2] * a[..., 1, 1]
        out[..., 1, 2] = a[..., 0, 2] * a[..., 1, 0] - a[..., 0, 0] * a[..., 1, 2]
        out[..., 2, 2] = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
        return out / det[..., None, None]
    return np.linalg.inv(S)


def mahalanobis2(nu: np.ndarray, S_inv: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance ``νᵀ S⁻¹ ν`` of innovations ``nu`` (..., m), (...,) [-]."""
    return np.sum((S_inv @ nu[..., None])[..., 0] * nu, axis=-1)


def _mv(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Batched matrix-vector product ``A v``: (..., n, m) x (..., m) -> (..., n)."""
    if A.ndim == 2:
        return v @ A.T
    return (A @ v[..., None])[..., 0]


def _sym(P: np.ndarray) -> np.ndarray:
    return 0.5 * (P + np.swapaxes(P, -1, -2))


# ---------------------------------------------------------------------------------------------
# Kalman filter
# ---------------------------------------------------------------------------------------------


def kf_predict(x: np.ndarray, P: np.ndarray, F: np.ndarray, Q: np.ndarray):
    """Kalman prediction ``x ← F x``, ``P ← F P Fᵀ + Q`` for a stack.

    Parameters
    ----------
    x, P
        States (..., n) and covariances (..., n, n) [SI].
    F, Q
        Transition matrix and process noise, (n, n) or broadcastable stacks (..., n, n).
    """
    x_new = _mv(F, x)
    if F.ndim == 2 and P.ndim == 3:
        # one F for all tracks: vec(F P Fᵀ) = (F ⊗ F) vec(P), a single matrix product
        n = F.shape[0]
        P_new = (P.reshape(-1, n * n) @ np.kron(F, F).T).reshape(P.shape) + Q
    else:
        P_new = F @ P @ np.swapaxes(F, -1, -2) + Q
    return x_new, P_new


def _is_selector(H: np.ndarray) -> bool:
    """``H == [I 0]`` (measures the first m state components)."""
    return H.ndim == 2 and np.array_equal(H, np.eye(*H.shape))


def measurement_prediction(x: np.ndarray, P: np.ndarray, H: np.ndarray):
    """Predicted measurement ``H x`` (..., m) and ``H P Hᵀ`` (..., m, m), without noise [SI]."""
    if _is_selector(H):
        m = H.shape[0]
        return x[..., :m].copy(), P[..., :m, :m].copy()
    z = _mv(H, x)
    HPHt = H @ P @ H.T
    return z, HPHt


def kf_update(x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray, H: np.ndarray):
    """Kalman update of a stack with linear measurements.

    ``S = H P Hᵀ + R``, ``K = P Hᵀ S⁻¹``, ``x ← x + K (z − H x)``, ``P ← P − K S Kᵀ``
    (the form Stone Soup's ``KalmanUpdater`` uses, computed as ``P − K (P Hᵀ)ᵀ``), symmetrised.

    Parameters
    ----------
    x, P
        Predicted states (T, n) and covariances (T, n, n) [SI].
    z
        Measurements (T, m) [m].
    R
        Measurement noise, (m, m) or (T, m, m) [m²].
    H
        Measurement matrix (m, n).

    Returns
    -------
    x, P, nu, S
        Posterior states and covariances, innovations (T, m) [m] and their covariances
        (T, m, m) [m²].
    """
    zp, HPHt = measurement_prediction(x, P, H)
    S = HPHt + R
    PHt = P[..., :, : H.shape[0]] if _is_selector(H) else P @ H.T
    K = PHt @ inv_small(S)
    nu = z - zp
    x_new = x + _mv(K, nu)
    P_new = _sym(P - K @ np.swapaxes(PHt, -1, -2))
    return x_new, P_new, nu, S


# ---------------------------------------------------------------------------------------------
# Radar measurements: EKF and converted measurements
# ---------------------------------------------------------------------------------------------


def radar_measurement(rel_pos: np.ndarray) -> np.ndarray:
    """Radar measurement function of positions relative to the sensor.

    Parameters
    ----------
    rel_pos
        ENU positions minus the sensor's, (..., 2) or (..., 3) [m].

    Returns
    -------
    (..., 2) ``(az [rad], r [m])`` in 2-D, (..., 3) ``(az [rad], el [rad], r [m])`` in 3-D;
    azimuth clockwise from north in [0, 2π).
    """
    p = np.asarray(rel_pos, float)
    e, n = p[..., 0], p[..., 1]
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    rho = np.hypot(e, n)
    if p.shape[-1] == 2:
        return np.stack([az, rho], axis=-1)
    u = p[..., 2]
    return np.stack([az, np.arctan2(u, rho), np.hypot(rho, u)], axis=-1)


def radar_jacobian(rel_pos: np.ndarray) -> np.ndarray:
    """Jacobian of :func:`radar_measurement` w.r.t. position, (..., m, d) [rad/m, 1]."""
    p = np.asarray(rel_pos, float)
    e, n = p[..., 0], p[..., 1]
    rho2 = e * e + n * n
    rho = np.sqrt(rho2)
    if p.shape[-1] == 2:
        J = np.zeros(p.shape[:-1] + (2, 2))
        J[..., 0, 0], J[..., 0, 1] = n / rho2, -e / rho2
        J[..., 1, 0], J[..., 1, 1] = e / rho, n / rho
        return J
    u = p[..., 2]
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    J = np.zeros(p.shape[:-1] + (3, 3))
    J[..., 0, 0], J[..., 0, 1] = n / rho2, -e / rho2
    J[..., 1, 0] = -e * u / (r2 * rho)
    J[..., 1, 1] = -n * u / (r2 * rho)
    J[..., 1, 2] = rho / r2
    J[..., 2, 0], J[..., 2, 1], J[..., 2, 2] = e / r, n / r, u / r
    return J


def ekf_update_radar(x, P, z_radar, R_radar, sensor_pos):
    """Extended Kalman update of Cartesian states with radar plots.

    Parameters
    ----------
    x, P
        Predicted states (T, 2d) and covariances (T, 2d, 2d) [SI], d = 2 or 3.
    z_radar
        Plots (T, d): ``(az, r)`` or ``(az, el, r)`` [rad, rad, m].
    R_radar
        Plot noise covariance (d, d) or (T, d, d) [rad², m²].
    sensor_pos
        Sensor ENU position (d,) or (T, d) [m].

    Returns
    -------
    x, P, nu, S
        Posterior states and covariances; innovations (azimuth wrapped to (−π, π]) and their
        covariances.
    """
    x = np.asarray(x, float)
    P = np.asarray(P, float)
    d = x.shape[-1] // 2
    rel = x[..., :d] - np.asarray(sensor_pos, float)
    zp = radar_measurement(rel)
    J = radar_jacobian(rel)
    H = np.zeros(x.shape[:-1] + (d, 2 * d))
    H[..., :, :d] = J
    Ht = np.swapaxes(H, -1, -2)
    S = H @ P @ Ht + R_radar
    K = P @ Ht @ inv_small(S)
    nu = np.asarray(z_radar, float) - zp
    nu[..., 0] = np.mod(nu[..., 0] + np.pi, 2.0 * np.pi) - np.pi
    x_new = x + np.einsum("...ij,...j->...i", K, nu)
    P_new = _sym(P - K @ S @ np.swapaxes(K, -1, -2))
    return x_new, P_new, nu, S


def _trig_moments(theta_m, sigma):
    """Moments of ``θ = θ_m − w``, ``w ~ N(0, σ²)``: E cos, E sin, E cos², E sin², E sin cos."""
    lam = np.exp(-0.5 * sigma**2)
    lam4 = lam**4
    c, s = np.cos(theta_m), np.sin(theta_m)
    c2, s2 = np.cos(2 * theta_m), np.sin(2 * theta_m)
    return lam * c, lam * s, 0.5 * (1 + lam4 * c2), 0.5 * (1 - lam4 * c2), 0.5 * lam4 * s2


def convert_polar_measurements(az_rad, r_m, sigma_az_rad, sigma_r_m):
    """Unbiased converted 2-D measurements (Longbin et al. 1998, eqs. for ``R^ua``).

    Parameters
    ----------
    az_rad, r_m
        Measured azimuth (clockwise from north) [rad] and range [m], (D,).
    sigma_az_rad, sigma_r_m
        Measurement noise standard deviations [rad], [m] (scalars or (D,)).

    Returns
    -------
    z, R
        Converted positions (D, 2) ``(east, north)`` relative to the sensor [m] and their
        covariances (D, 2, 2) [m²].
    """
    az, r = np.broadcast_arrays(np.asarray(az_rad, float), np.asarray(r_m, float))
    lam = np.exp(-0.5 * np.asarray(sigma_az_rad, float) ** 2)
    lam4 = lam**4
    sa, ca = np.sin(az), np.cos(az)
    z = np.stack([r * sa / lam, r * ca / lam], axis=-1)
    k = lam**-2 - 2.0
    e2 = r**2 + np.asarray(sigma_r_m, float) ** 2
    c2a, s2a = np.cos(2 * az), np.sin(2 * az)
    R = np.empty(az.shape + (2, 2))
    R[..., 0, 0] = k * r**2 * sa**2 + 0.5 * e2 * (1 - lam4 * c2a)
    R[..., 1, 1] = k * r**2 * ca**2 + 0.5 * e2 * (1 + lam4 * c2a)
    R[..., 0, 1] = R[..., 1, 0] = k * r**2 * sa * ca + 0.5 * e2 * lam4 * s2a
    return z, R


def convert_radar_measurements(az_rad, el_rad, r_m, sigma_az_rad, sigma_el_rad, sigma_r_m):
    """Unbiased converted 3-D measurements with their measurement-conditioned covariance.

    ``z = (r cos el sin az / (λ_el λ_az), r cos el cos az / (λ_el λ_az), r sin el / λ_el)`` with
    ``λ = exp(−σ²/2)``, and ``R = E[(z − X)(z − X)ᵀ]`` where the true position ``X`` is the
    conversion of (measured − noise) with independent Gaussian noises (the "average true
    covariance" of Longbin et al. 1998, here evaluated exactly from the moments of ``cos``/``sin``
    of Gaussian angles). Reduces to :func:`convert_polar_measurements` at ``el = σ_el = 0``.

    Parameters
    ----------
    az_rad, el_rad, r_m
        Measured azimuth [rad] (clockwise from north), elevation [rad], slant range [m], (D,).
    sigma_az_rad, sigma_el_rad, sigma_r_m
        Noise standard deviations [rad], [rad], [m] (scalars or (D,)).

    Returns
    -------
    z, R
        Converted ENU positions relative to the sensor (D, 3) [m], covariances (D, 3, 3) [m²].
    """
    az, el, r = np.broadcast_arrays(*(np.asarray(a, float) for a in (az_rad, el_rad, r_m)))
    sa_, se_ = np.asarray(sigma_az_rad, float), np.asarray(sigma_el_rad, float)
    lam_a, lam_e = np.exp(-0.5 * sa_**2), np.exp(-0.5 * se_**2)
    ca, sa = np.cos(az), np.sin(az)
    ce, se = np.cos(el), np.sin(el)
    z = np.stack([r * ce * sa / (lam_e * lam_a), r * ce * ca / (lam_e * lam_a), r * se / lam_e],
                 axis=-1)
    # moments of the true position given the measurement
    Eca, Esa, Eca2, Esa2, Esca = _trig_moments(az, sa_)
    Ece, Ese, Ece2, Ese2, Esce = _trig_moments(el, se_)
    Er, Er2 = r, r**2 + np.asarray(sigma_r_m, float) ** 2
    EX = np.stack([Er * Ece * Esa, Er * Ece * Eca, Er * Ese], axis=-1)
    EXX = np.empty(az.shape + (3, 3))
    EXX[..., 0, 0] = Er2 * Ece2 * Esa2
    EXX[..., 1, 1] = Er2 * Ece2 * Eca2
    EXX[..., 2, 2] = Er2 * Ese2
    EXX[..., 0, 1] = EXX[..., 1, 0] = Er2 * Ece2 * Esca
    EXX[..., 0, 2] = EXX[..., 2, 0] = Er2 * Esce * Esa
    EXX[..., 1, 2] = EXX[..., 2, 1] = Er2 * Esce * Eca
    zz = z[..., :, None] * z[..., None, :]
    zX = z[..., :, None] * EX[..., None, :]
    R = zz - zX - np.swapaxes(zX, -1, -2) + EXX
    return z, R


# ---------------------------------------------------------------------------------------------
# Filter state containers (arrays with a leading track axis)
# ---------------------------------------------------------------------------------------------


@cache
def _field_names(cls) -> tuple[str, ...]:
    """Field names of a dataclass, in order (cached: ``fields`` is slow on hot paths)."""
    return tuple(f.name for f in fields(cls))


class _Stack:
    """Mixin: every field is an array whose first axis is the track axis."""

    def __len__(self) -> int:
        return int(getattr(self, _field_names(type(self))[0]).shape[0])

    def take(self, idx):
        """The tracks ``idx`` (index or mask array), same type."""
        return type(self)(*[getattr(self, n)[idx] for n in _field_names(type(self))])

    def put(self, idx, other):
        """A copy with tracks ``idx`` replaced by ``other`` (same type, len(idx) tracks)."""
        out = []
        for n in _field_names(type(self)):
            a = getattr(self, n).copy()
            a[idx] = getattr(other, n)
            out.append(a)
        return type(self)(*out)

    def concatenate(self, other):
        """These tracks followed by ``other``'s."""
        return type(self)(*[np.concatenate([getattr(self, n), getattr(other, n)])
                            for n in _field_names(type(self))])


@dataclass(frozen=True)
class GaussianStates(_Stack):
    """Gaussian track states: means ``x`` (T, n) [m, m/s], covariances ``P`` (T, n, n) [SI²]."""

    x: np.ndarray
    P: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return self.x

    @property
    def covar(self) -> np.ndarray:
        return self.P


@dataclass(frozen=True)
class IMMStates(_Stack):
    """IMM track states: per-model means ``x`` (T, M, n), covariances ``P`` (T, M, n, n) and
    model probabilities ``mu`` (T, M) [-]. ``mean``/``covar`` are the moment-matched mixtures."""

    x: np.ndarray
    P: np.ndarray
    mu: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return imm_combine(self.x, self.P, self.mu)[0]

    @property
    def covar(self) -> np.ndarray:
        return imm_combine(self.x, self.P, self.mu)[1]


# ---------------------------------------------------------------------------------------------
# Filters: predictor + updater of one state kind, injected into the tracker
# ---------------------------------------------------------------------------------------------


class KalmanFilter:
    """Linear Kalman filter, constant-velocity motion, linear position measurements.

    Parameters
    ----------
    q
        Process noise intensity: [m²/s³] for ``noise="continuous"`` (Stone Soup's
        ``ConstantVelocity.noise_diff_coeff``), [m²/s⁴] for ``"piecewise"``.
    ndim
        Spatial dimensions (2 or 3); state size ``2 * ndim``.
    noise
        ``"continuous"`` or ``"piecewise"`` white noise acceleration
        (:func:`iads.tracking.models.cv_process_noise`).
    """

    def __init__(self, q: float, ndim: int = 2, noise: str = "continuous"):
        from .models import cv_process_noise, position_measurement_matrix

        cv_process_noise(1.0, q, ndim, noise)  # validates ndim and noise kind
        self.q, self.ndim, self.noise = float(q), int(ndim), noise
        self.H = position_measurement_matrix(ndim)

    def transition(self, dt_s: float):
        """``(F, Q)`` for a step of ``dt_s`` [s]."""
        from .models import cv_process_noise, cv_transition

        return cv_transition(dt_s, self.ndim), cv_process_noise(dt_s, self.q, self.ndim,
                                                                  self.noise)

    def initiate(self, x: np.ndarray, P: np.ndarray) -> GaussianStates:
        """States from means (T, n) and covariances (T, n, n)."""
        return GaussianStates(np.asarray(x, float), np.asarray(P, float))

    def predict(self, states: GaussianStates, dt_s: float) -> GaussianStates:
        F, Q = self.transition(dt_s)
        return GaussianStates(*kf_predict(states.x, states.P, F, Q))

    def predict_measurement(self, states: GaussianStates):
        """``(H x, H P Hᵀ)``: (T, m) [m], (T, m, m) [m²] (noise not included)."""
        return measurement_prediction(states.x, states.P, self.H)

    def update(self, states: GaussianStates, idx, z, R) -> GaussianStates:
        """Update tracks ``idx`` (K,) with measurements ``z`` (K, m) of noise ``R``."""
        if len(idx) == 0:
            return states
        x, P, _, _ = kf_update(states.x[idx], states.P[idx], z, R, self.H)
        return states.put(idx, GaussianStates(x, P))


def imm_mix(x, P, mu, Pi):
    """IMM interaction (mixing) step.

    Parameters
    ----------
    x, P, mu
        Per-model means (T, M, n), covariances (T, M, n, n), probabilities (T, M).
    Pi
        Markov switching matrix (M, M), ``Pi[i, j] = P(model j now | model i before)``.

    Returns
    -------
    x0, P0, c
        Mixed initial conditions (T, M, n), (T, M, n, n) and predicted model probabilities
        ``c_j = Σ_i Pi_ij mu_i`` (T, M).
    """
    c = mu @ Pi
    w = mu[:, :, None] * Pi[None, :, :] / c[:, None, :]  # w[t, i, j] = mu_{i|j}
    x0 = np.einsum("tij,tin->tjn", w, x)
    dx = x[:, :, None, :] - x0[:, None, :, :]  # (T, i, j, n)
    P0 = np.einsum("tij,tinm->tjnm", w, P) + np.einsum("tij,tijn,tijm->tjnm", w, dx, dx)
    return x0, P0, c


def imm_combine(x, P, mu):
    """Moment-matched mixture of per-model Gaussians: mean (T, n), covariance (T, n, n)."""
    xm = np.einsum("tj,tjn->tn", mu, x)
    dx = x - xm[:, None, :]
    Pm = np.einsum("tj,tjnm->tnm", mu, P) + np.einsum("tj,tjn,tjm->tnm", mu, dx, dx)
    return xm, Pm


class IMMFilter:
    """Interacting multiple model filter: CV plus known-turn-rate coordinated turns.

    Each model is linear (:func:`iads.tracking.models.ct_transition` with its own ``ω``; ``ω = 0``
    is CV), all share the CV process noise ``q`` and linear position measurements. Gating and
    assignment see the moment-matched mixture; the update runs every model and reweights the
    model probabilities by their measurement likelihoods.

    Parameters
    ----------
    q
        Process noise intensity (see :class:`KalmanFilter`).
    turn_rates_rad_s
        ``ω`` of each model [rad/s], e.g. ``(0.0, 0.1, -0.1)``.
    switching
        Markov matrix (M, M), rows summing to 1.
    ndim, noise
        As :class:`KalmanFilter`.
    mu0
        Initial model probabilities (M,); uniform by default.
    """

    def __init__(self, q, turn_rates_rad_s, switching, ndim: int = 2, noise: str = "continuous",
                 mu0=None):
        from .models import cv_process_noise, position_measurement_matrix

        cv_process_noise(1.0, q, ndim, noise)
        self.q, self.ndim, self.noise = float(q), int(ndim), noise
        self.omegas = np.asarray(turn_rates_rad_s, float)
        M = self.omegas.size
        self.Pi = np.asarray(switching, float)
        if self.Pi.shape != (M, M) or not np.allclose(self.Pi.sum(axis=1), 1.0):
            raise ValueError(f"switching must be ({M}, {M}) with rows summing to 1")
        self.mu0 = np.full(M, 1.0 / M) if mu0 is None else np.asarray(mu0, float)
        self.H = position_measurement_matrix(ndim)

    def transition(self, dt_s: float):
        """Per-model ``(F, Q)``, (M, n, n) each."""
        from .models import ct_transition, cv_process_noise

        F = np.stack([ct_transition(dt_s, w, self.ndim) for w in self.omegas])
        Q = cv_process_noise(dt_s, self.q, self.ndim, self.noise)
        return F, np.broadcast_to(Q, F.shape)

    def initiate(self, x, P) -> IMMStates:
        """IMM states from single Gaussians (T, n), (T, n, n): every model starts the same."""
        x, P = np.asarray(x, float), np.asarray(P, float)
        M = self.omegas.size
        return IMMStates(np.repeat(x[:, None], M, axis=1), np.repeat(P[:, None], M, axis=1),
                         np.tile(self.mu0, (x.shape[0], 1)))

    def predict(self, states: IMMStates, dt_s: float) -> IMMStates:
        if len(states) == 0:
            return states
        F, Q = self.transition(dt_s)
        x0, P0, c = imm_mix(states.x, states.P, states.mu, self.Pi)
        x, P = kf_predict(x0, P0, F[None], Q[None])
        return IMMStates(x, P, c)

    def predict_measurement(self, states: IMMStates):
        xm, Pm = imm_combine(states.x, states.P, states.mu)
        return measurement_prediction(xm, Pm, self.H)

    def update(self, states: IMMStates, idx, z, R) -> IMMStates:
        if len(idx) == 0:
            return states
        x, P, mu = states.x[idx], states.P[idx], states.mu[idx]
        R = np.asarray(R, float)
        Rm = R[:, None] if R.ndim == 3 else R
        x_new, P_new, nu, S = kf_update(x, P, np.asarray(z, float)[:, None, :], Rm, self.H)
        m = nu.shape[-1]
        d2 = mahalanobis2(nu, inv_small(S))
        loglik = -0.5 * (d2 + np.log(np.linalg.det(S)) + m * np.log(2.0 * np.pi))
        logw = loglik + np.log(mu)
        logw -= logw.max(axis=1, keepdims=True)
        w = np.exp(logw)
        return states.put(idx, IMMStates(x_new, P_new, w / w.sum(axis=1, keepdims=True)))
