"""Motion and measurement models of the tracker, as plain matrices.

State layout (everywhere in :mod:`iads.tracking`): positions first, then velocities,
``[x, y, vx, vy]`` in 2-D (``n = 4``) or ``[x, y, z, vx, vy, vz]`` in 3-D (``n = 6``), ENU axes
(x east, y north, z up), [m] and [m/s]. Positions are ``state[..., :d]`` and velocities
``state[..., d:]`` with ``d = n // 2``. (Stone Soup interleaves, ``[x, vx, y, vy]``; the matrices
here are the same model with the axes permuted, see :func:`stonesoup_permutation`.)

Process noise comes in the two usual forms of the white-noise-acceleration model:

* ``"continuous"`` (CWNA, the default): acceleration is continuous-time white noise of power
  spectral density ``q`` [m²/s³]; per axis ``Q = q [[T³/3, T²/2], [T²/2, T]]``. This is exactly
  Stone Soup's :class:`~stonesoup.models.transition.linear.ConstantVelocity` with
  ``noise_diff_coeff = q``.
* ``"piecewise"`` (DWNA, Bar-Shalom's discrete white noise acceleration): acceleration is constant
  over each interval with variance ``q`` [m²/s⁴]; per axis
  ``Q = q [[T⁴/4, T³/2], [T³/2, T²]]``. This is the model of Kalata's (1984) α-β tracking index.

The coordinated-turn models are *known-turn-rate* linear models (one ``ω`` [rad/s] per model,
turning in the horizontal x-y plane, counter-clockwise positive, i.e. a left turn seen from above);
the vertical axis, if any, stays constant-velocity. An IMM covers unknown turn rates with a small
bank of them (e.g. ω ∈ {0, +ω₀, −ω₀}). Their process noise is the CV noise above, as in Stone Soup's
:class:`~stonesoup.models.transition.linear.KnownTurnRate`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ct_transition_about",
    "NOISE_KINDS",
    "cv_transition",
    "cv_process_noise",
    "ct_transition",
    "position_measurement_matrix",
    "stonesoup_permutation",
]

NOISE_KINDS = ("continuous", "piecewise")


def _check_ndim(ndim: int) -> int:
    if ndim not in (2, 3):
        raise ValueError(f"ndim must be 2 or 3 (spatial dimensions), got {ndim!r}")
    return int(ndim)


def cv_transition(dt_s: float, ndim: int = 2) -> np.ndarray:
    """Constant-velocity transition matrix ``F = [[I, T I], [0, I]]``, (2d, 2d).

    Parameters
    ----------
    dt_s
        Time step ``T`` [s].
    ndim
        Spatial dimensions ``d`` (2 or 3).
    """
    d = _check_ndim(ndim)
    F = np.eye(2 * d)
    F[:d, d:] = dt_s * np.eye(d)
    return F


def cv_process_noise(dt_s: float, q: float, ndim: int = 2, kind: str = "continuous") -> np.ndarray:
    """White-noise-acceleration process noise ``Q``, (2d, 2d).

    Parameters
    ----------
    dt_s
        Time step ``T`` [s]; its absolute value is used, as Stone Soup does.
    q
        ``kind="continuous"``: acceleration noise power spectral density [m²/s³] (Stone Soup's
        ``noise_diff_coeff``). ``kind="piecewise"``: acceleration variance [m²/s⁴].
    ndim
        Spatial dimensions ``d`` (2 or 3).
    kind
        ``"continuous"`` (CWNA) or ``"piecewise"`` (DWNA); see the module docstring.
    """
    d = _check_ndim(ndim)
    T = abs(float(dt_s))
    if kind == "continuous":
        a, b, c = T**3 / 3.0, T**2 / 2.0, T
    elif kind == "piecewise":
        a, b, c = T**4 / 4.0, T**3 / 2.0, T**2
    else:
        raise ValueError(f"unknown process noise kind {kind!r}; choose one of {NOISE_KINDS}")
    eye = np.eye(d)
    return q * np.block([[a * eye, b * eye], [b * eye, c * eye]])


def ct_transition(dt_s: float, omega_rad_s: float, ndim: int = 2) -> np.ndarray:
    """Known-turn-rate coordinated-turn transition matrix, (2d, 2d).

    The horizontal velocity rotates by ``ωT`` over the step and the position follows the arc;
    ``z`` (3-D) moves at constant velocity. ``ω = 0`` gives :func:`cv_transition` exactly.

    Parameters
    ----------
    dt_s
        Time step ``T`` [s].
    omega_rad_s
        Turn rate ``ω`` [rad/s], counter-clockwise (x towards y) positive.
    ndim
        Spatial dimensions ``d`` (2 or 3).
    """
    d = _check_ndim(ndim)
    F = cv_transition(dt_s, d)
    wt = omega_rad_s * dt_s
    if omega_rad_s == 0.0:
        return F
    s, c = np.sin(wt), np.cos(wt)
    sw, cw = s / omega_rad_s, (1.0 - c) / omega_rad_s
    x, y, vx, vy = 0, 1, d, d + 1
    F[x, vx], F[x, vy] = sw, -cw
    F[y, vx], F[y, vy] = cw, sw
    F[vx, vx], F[vx, vy] = c, -s
    F[vy, vx], F[vy, vy] = s, c
    return F


def ct_transition_about(dt_s, omega_rad_s, up) -> np.ndarray:
    """Coordinated-turn transitions about given vertical axes, 3-D, (K, 6, 6).

    The velocity rotates by ``θ = ωT`` about the unit vector ``u`` (the local vertical: turns
    are horizontal in any Cartesian frame, ECEF included) and the position follows the arc;
    the velocity component along ``u`` is kept. With ``K = [u]×`` and ``U = u uᵀ``:
    ``R = U + cos θ (I - U) + sin θ K`` and the position block
    ``∫₀ᵀ R = T U + (sin θ / ω)(I - U) + ((1 - cos θ) / ω) K``. ``ω = 0`` is constant velocity;
    with ``u = z`` it is :func:`ct_transition` (3-D) exactly.

    Parameters
    ----------
    dt_s
        Time steps ``T`` (K,) [s] (broadcast).
    omega_rad_s
        Turn rate ``ω`` [rad/s], anticlockwise about ``u`` positive.
    up
        Vertical axes (K, 3) (normalised here).
    """
    u = np.asarray(up, float).reshape(-1, 3)
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    T = np.broadcast_to(np.asarray(dt_s, float), u.shape[:1])
    n = u.shape[0]
    U = u[:, :, None] * u[:, None, :]
    Kx = np.zeros((n, 3, 3))
    Kx[:, 0, 1], Kx[:, 0, 2], Kx[:, 1, 2] = -u[:, 2], u[:, 1], -u[:, 0]
    Kx -= np.swapaxes(Kx, 1, 2)
    eye = np.eye(3)
    th = omega_rad_s * T
    if omega_rad_s == 0.0:
        R = np.broadcast_to(eye, (n, 3, 3))
        A = T[:, None, None] * eye
    else:
        c, s = np.cos(th)[:, None, None], np.sin(th)[:, None, None]
        R = U + c * (eye - U) + s * Kx
        A = (T[:, None, None] * U + (s / omega_rad_s) * (eye - U)
             + ((1.0 - c) / omega_rad_s) * Kx)
    F = np.zeros((n, 6, 6))
    F[:, :3, :3] = eye
    F[:, :3, 3:] = A
    F[:, 3:, 3:] = R
    return F


def position_measurement_matrix(ndim: int = 2) -> np.ndarray:
    """Linear position measurement matrix ``H = [I 0]``, (d, 2d)."""
    d = _check_ndim(ndim)
    return np.eye(d, 2 * d)


def stonesoup_permutation(ndim: int = 2) -> np.ndarray:
    """Indices ``p`` with ``iads_state = stonesoup_state[p]``, (2d,) int.

    Stone Soup orders ``[x, vx, y, vy(, z, vz)]``; iads orders ``[x, y(, z), vx, vy(, vz)]``.
    A Stone Soup matrix ``A`` becomes ``A[np.ix_(p, p)]``.
    """
    d = _check_ndim(ndim)
    return np.concatenate([2 * np.arange(d), 2 * np.arange(d) + 1])
