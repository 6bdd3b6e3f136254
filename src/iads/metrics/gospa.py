"""Generalised optimal sub-pattern assignment (GOSPA) metric, α = 2.

Rahmathullah, García-Fernández & Svensson (2017), "Generalized optimal sub-pattern assignment
metric", FUSION 2017 (arXiv:1601.05585). For a set of true positions ``X`` (|X| = m) and estimated
positions ``Y`` (|Y| = n), cut-off ``c`` [m] and order ``1 <= p < ∞``, with α = 2:

    d_p^(c,2)(X, Y) = [ min over partial assignments γ of
                        Σ_(i,j)∈γ d(x_i, y_j)^p + (c^p / 2) (m + n − 2|γ|) ]^(1/p),

where only pairs with ``d(x_i, y_j) < c`` may be assigned (a pair at ``d >= c`` costs as much as
leaving both unassigned). The minimum splits into *localisation* ``Σ d^p`` over assigned pairs,
*missed* ``(c^p/2)·#unassigned truths`` and *false* ``(c^p/2)·#unassigned estimates``; the three
parts are in [m^p] and add up to ``distance^p``, as in Stone Soup's ``GOSPAMetric``.

The assignment is solved sparsely: only pairs closer than ``c`` enter (the compiled
:func:`iads.tracking.association.pairs_within` for positions in 3-D, a k-d tree otherwise);
pairs alone in their row and column are matched outright and the conflicting ones solved by
:func:`iads.tracking.association.optimal_pairs`. Exact, and fast for thousands of objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..tracking.association import optimal_pairs, pairs_within

__all__ = ["GOSPA", "gospa"]


@dataclass(frozen=True)
class GOSPA:
    """GOSPA value and its decomposition (α = 2).

    Attributes
    ----------
    distance
        The metric [m]: ``(localisation + missed + false) ** (1/p)``.
    localisation
        ``Σ d^p`` over assigned pairs [m^p].
    missed
        ``c^p/2`` per unassigned truth [m^p].
    false
        ``c^p/2`` per unassigned estimate [m^p].
    n_missed, n_false
        Numbers of unassigned truths and estimates.
    truth_index, estimate_index
        Assigned pairs (K,) int64 (sorted by truth index).
    """

    distance: float
    localisation: float
    missed: float
    false: float
    n_missed: int
    n_false: int
    truth_index: np.ndarray
    estimate_index: np.ndarray


def gospa(truth, estimates, c: float, p: float = 1.0, alpha: float = 2.0) -> GOSPA:
    """GOSPA between true and estimated positions.

    Parameters
    ----------
    truth
        True positions (m, d) [m] (m may be 0).
    estimates
        Estimated positions (n, d) [m] (n may be 0).
    c
        Cut-off distance [m], > 0.
    p
        Order, ``1 <= p < ∞``.
    alpha
        Must be 2 (the only value with the localisation / missed / false decomposition).

    Returns
    -------
    GOSPA
    """
    if alpha != 2:
        raise ValueError(f"only alpha = 2 is implemented, got {alpha!r}")
    if not (np.isfinite(p) and p >= 1):
        raise ValueError(f"p must satisfy 1 <= p < inf, got {p!r}")
    if not c > 0:
        raise ValueError(f"c must be > 0, got {c!r}")
    X = np.asarray(truth, float)
    Y = np.asarray(estimates, float)
    dim = X.shape[-1] if X.ndim == 2 and X.size else (Y.shape[-1] if Y.ndim == 2 else 1)
    X = X.reshape(-1, dim)
    Y = Y.reshape(-1, dim)
    m, n = len(X), len(Y)
    cp = float(c) ** p
    if m and n:
        if dim == 3:
            i, j = pairs_within(X, float(c), Y)
            d = np.linalg.norm(X[i] - Y[j], axis=1)
        else:
            pairs = cKDTree(X).sparse_distance_matrix(cKDTree(Y), float(c), output_type="ndarray")
            i, j, d = pairs["i"], pairs["j"], pairs["v"]
        ti, ei = optimal_pairs(i, j, d ** p - cp, m, n)
        loc = float(np.sum(np.linalg.norm(X[ti] - Y[ei], axis=1) ** p))
    else:
        ti = ei = np.empty(0, np.int64)
        loc = 0.0
    k = len(ti)
    missed = 0.5 * cp * (m - k)
    false = 0.5 * cp * (n - k)
    return GOSPA(float((loc + missed + false) ** (1.0 / p)), loc, missed, false, m - k, n - k,
                 ti, ei)
