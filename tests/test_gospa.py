"""GOSPA against hand-computed cases, brute-force enumeration and Stone Soup's GOSPAMetric."""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from iads.metrics import gospa
from iads.rng import component_rng

# ---------------------------------------------------------------------------------------------
# Hand-computed cases
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_empty_sets(p):
    g = gospa(np.zeros((0, 2)), np.zeros((0, 2)), c=10.0, p=p)
    assert (g.distance, g.localisation, g.missed, g.false) == (0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_all_missed_and_all_false(p):
    c = 10.0
    truth = np.array([[0.0, 0.0], [50.0, 0.0], [0.0, 80.0]])
    g = gospa(truth, np.zeros((0, 2)), c=c, p=p)
    # 3 missed targets, each c^p/2
    assert g.missed == pytest.approx(3 * c**p / 2)
    assert g.distance == pytest.approx((3 * c**p / 2) ** (1 / p))
    assert (g.n_missed, g.n_false, g.localisation, g.false) == (3, 0, 0.0, 0.0)
    g = gospa(np.zeros((0, 2)), truth[:2], c=c, p=p)
    assert g.false == pytest.approx(c**p) and g.n_false == 2 and g.missed == 0.0


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_one_to_one_within_and_beyond_cutoff(p):
    c = 10.0
    # within: d = 5 (3-4-5 triangle) → distance 5 whatever p
    g = gospa([[0.0, 0.0]], [[3.0, 4.0]], c=c, p=p)
    assert g.distance == pytest.approx(5.0)
    assert g.localisation == pytest.approx(5.0**p)
    assert (g.n_missed, g.n_false) == (0, 0)
    # beyond: d = 50 > c → one missed and one false, c^p/2 each → distance c
    g = gospa([[0.0, 0.0]], [[30.0, 40.0]], c=c, p=p)
    assert g.distance == pytest.approx(c)
    assert (g.n_missed, g.n_false, g.localisation) == (1, 1, 0.0)
    assert g.missed == pytest.approx(c**p / 2) and g.false == pytest.approx(c**p / 2)


def test_mixed_case_p2():
    # truths (0,0) and (100,0); one estimate at (1,1), c = 5, p = 2:
    # localisation 1² + 1² = 2, one missed target 5²/2 = 12.5, no false → √14.5
    g = gospa([[0.0, 0.0], [100.0, 0.0]], [[1.0, 1.0]], c=5.0, p=2.0)
    assert g.distance == pytest.approx(np.sqrt(14.5))
    assert g.localisation == pytest.approx(2.0) and g.missed == pytest.approx(12.5)
    assert g.truth_index.tolist() == [0] and g.estimate_index.tolist() == [0]


def test_optimal_not_greedy_assignment_p1():
    # on the x axis: truths 0 and 1.9, estimates 1.0 and 2.95, p = 1.
    # c = 2: greedy takes the closest pair 1.9↔1.0 (0.9), leaving 0↔2.95 beyond c (1 + 1):
    # 2.9; the optimum pairs 0↔1.0 and 1.9↔2.95: 1.0 + 1.05 = 2.05.
    X, Y = [[0.0, 0.0], [1.9, 0.0]], [[1.0, 0.0], [2.95, 0.0]]
    g = gospa(X, Y, c=2.0, p=1.0)
    assert g.distance == pytest.approx(2.05)
    assert g.truth_index.tolist() == [0, 1] and g.estimate_index.tolist() == [0, 1]
    # c = 1.02: 1.9↔2.95 is no longer allowed; 1.9↔1.0 (0.9) + one missed and one false
    # (0.51 each) = 1.92 beats 0↔1.0 (1.0) + 1.02
    g = gospa(X, Y, c=1.02, p=1.0)
    assert g.distance == pytest.approx(1.92)
    assert (g.n_missed, g.n_false) == (1, 1)
    assert g.truth_index.tolist() == [1] and g.estimate_index.tolist() == [0]


# ---------------------------------------------------------------------------------------------
# Brute force over assignments (the definition, Rahmathullah et al. 2017, Def. 1)
# ---------------------------------------------------------------------------------------------


def _gospa_definition(X, Y, c, p, alpha=2.0):
    """min over injections of the smaller set into the larger, with d^(c) = min(d, c)."""
    m, n = len(X), len(Y)
    if m > n:
        X, Y, m, n = Y, X, n, m
    if m == 0:
        return (c**p / alpha * n) ** (1 / p)
    best = np.inf
    for perm in itertools.permutations(range(n), m):
        s = sum(min(np.linalg.norm(X[i] - Y[j]), c) ** p for i, j in enumerate(perm))
        best = min(best, s + c**p / alpha * (n - m))
    return best ** (1 / p)


def _partial_assignment_parts(X, Y, c, p):
    """min over partial assignments of (loc, #missed, #false), by enumeration."""
    m, n = len(X), len(Y)
    best = (np.inf, None)
    for choice in itertools.product(range(-1, n), repeat=m):
        used = [j for j in choice if j >= 0]
        if len(used) != len(set(used)):
            continue
        loc = sum(np.linalg.norm(X[i] - Y[j]) ** p for i, j in enumerate(choice) if j >= 0)
        if any(np.linalg.norm(X[i] - Y[j]) >= c for i, j in enumerate(choice) if j >= 0):
            continue
        k = len(used)
        total = loc + c**p / 2 * (m - k) + c**p / 2 * (n - k)
        if total < best[0] - 1e-12:
            best = (total, (loc, m - k, n - k))
    return best


@pytest.mark.parametrize("dim", [2, 3])  # 3-D pairs come from pairs_within, 2-D from a k-d tree
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_brute_force_on_small_random_sets(p, dim):
    rng = component_rng(7, "test", "gospa-bf", int(p), dim)
    for _ in range(40):
        m, n = rng.integers(0, 6, 2)
        X = rng.uniform(0, 30, (m, dim))
        Y = rng.uniform(0, 30, (n, dim))
        c = float(rng.uniform(3, 20))
        g = gospa(X, Y, c=c, p=p)
        assert g.distance == pytest.approx(_gospa_definition(X, Y, c, p), rel=1e-12, abs=1e-12)
        total, parts = _partial_assignment_parts(X, Y, c, p)
        assert g.distance**p == pytest.approx(total, rel=1e-12, abs=1e-12)
        assert g.localisation + g.missed + g.false == pytest.approx(total, rel=1e-12, abs=1e-12)
        if parts is not None:  # decomposition is unique unless two optima tie (measure zero)
            assert g.localisation == pytest.approx(parts[0], rel=1e-9, abs=1e-9)
            assert (g.n_missed, g.n_false) == (parts[1], parts[2])


@pytest.mark.parametrize("dim", [2, 3])
def test_large_sparse_equals_dense_assignment(dim):
    # thousands of points: the sparse cluster solver against one dense linear_sum_assignment
    rng = component_rng(7, "test", "gospa-large", dim)
    m, n, c, p = 900, 950, 100.0, 1.0
    X = rng.uniform(0, 30e3, (m, dim))
    Y = np.vstack([X[:850] + rng.normal(0, 40, (850, dim)), rng.uniform(0, 30e3, (100, dim))])
    g = gospa(X, Y, c=c, p=p)
    D = np.minimum(np.linalg.norm(X[:, None] - Y[None], axis=2), c) ** p
    ri, ci = linear_sum_assignment(D)
    ref = (D[ri, ci].sum() + c**p / 2 * abs(n - m)) ** (1 / p)
    assert g.distance == pytest.approx(ref, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Stone Soup's GOSPAMetric
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_equals_stonesoup_gospa_metric(p):
    ospa = pytest.importorskip("stonesoup.metricgenerator.ospametric")
    from stonesoup.measures import Euclidean
    from stonesoup.types.state import State

    rng = component_rng(7, "test", "gospa-ss", int(p))
    t = datetime(2026, 1, 1)
    metric = ospa.GOSPAMetric(c=50.0, p=p, measure=Euclidean(mapping=(0, 1)))
    for _ in range(10):
        m, n = rng.integers(0, 30, 2)
        X = rng.uniform(0, 400, (m, 2))
        Y = rng.uniform(0, 400, (n, 2))
        truths = [State(x[:, None], timestamp=t) for x in X]
        ests = [State(y[:, None], timestamp=t) for y in Y]
        ss, _ = metric.compute_gospa_metric(ests, truths)
        v = ss.value
        g = gospa(X, Y, c=50.0, p=p)
        assert g.distance == pytest.approx(v["distance"], rel=1e-10, abs=1e-10)
        assert g.localisation == pytest.approx(v["localisation"], rel=1e-9, abs=1e-9)
        assert g.missed == pytest.approx(v["missed"], rel=1e-12, abs=1e-12)
        assert g.false == pytest.approx(v["false"], rel=1e-12, abs=1e-12)


def test_invalid_parameters_are_refused():
    with pytest.raises(ValueError, match="alpha"):
        gospa([[0.0, 0.0]], [[1.0, 1.0]], c=5.0, alpha=1.0)
    with pytest.raises(ValueError, match="p must"):
        gospa([[0.0, 0.0]], [[1.0, 1.0]], c=5.0, p=0.5)
    with pytest.raises(ValueError, match="c must"):
        gospa([[0.0, 0.0]], [[1.0, 1.0]], c=0.0)
