"""Gating, clustering and per-cluster assignment of detections to tracks.

The global nearest neighbour problem is solved without ever forming the dense
tracks × detections matrix:

1. **gating** (:func:`gate`): k-d trees find, for every predicted measurement, the detections
   within a per-track Euclidean radius ``g √trace(S)`` (which contains the whole Mahalanobis gate
   ellipse ``νᵀ S⁻¹ ν < g²``; tracks of ordinary size share one tree-against-tree search, the few
   with large covariances are queried one by one); the candidate pairs are then tested exactly;
2. **clustering** (:func:`cluster_pairs`): tracks and detections are the nodes of a bipartite gate
   graph; its connected components (:func:`scipy.sparse.csgraph.connected_components`) are the
   independent sub-problems;
3. **assignment** (:func:`assign_sparse`): clusters with one track or one detection take their
   cheapest pair, 2 × 2 clusters their cheaper perfect matching (both vectorised over all such
   clusters); every other cluster is one small :func:`scipy.optimize.linear_sum_assignment`.

The problem solved is the optional matching ``min Σ_(i,j) matched w_ij`` over pairs of the gate
graph, each track and detection used at most once, where ``w_ij = cost_ij − miss_i < 0`` is the
cost of the pair relative to leaving track ``i`` unassigned. It is the same problem as Stone
Soup's ``GNNWith2DAssignment`` with a missed-detection column per track, and clusters do not
interact, so the per-cluster optimum is the global optimum.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .filters import inv_small, mahalanobis2

__all__ = [
    "COSTS",
    "Association",
    "GNNAssociator",
    "gate",
    "cluster_pairs",
    "assign_sparse",
    "assign_dense",
    "optimal_pairs",
    "pairs_within",
    "pairs_within_either",
    "pairs_within_upper",
    "pairs_within_bipartite",
    "component_labels",
]

COSTS = ("mahalanobis", "mahalanobis2", "likelihood")


def gate(z_pred, HPHt, z, R, gate_threshold: float):
    """Track–detection pairs inside the Mahalanobis gate.

    Parameters
    ----------
    z_pred
        Predicted measurements (T, m) [m].
    HPHt
        Predicted measurement covariances without noise (T, m, m) [m²].
    z
        Detections (D, m) [m].
    R
        Measurement noise, (m, m) shared or (D, m, m) per detection [m²].
    gate_threshold
        Gate ``g`` on the Mahalanobis distance ``√(νᵀ S⁻¹ ν)`` [-]; a pair is kept if the
        distance is strictly below ``g``.

    Returns
    -------
    rows, cols, d2, S
        Track and detection indices of the kept pairs (E,) int64, their squared Mahalanobis
        distances (E,) and innovation covariances ``S`` (E, m, m) [m²], sorted by (row, column).
    """
    z_pred = np.asarray(z_pred, float)
    z = np.asarray(z, float)
    T, D = z_pred.shape[0], z.shape[0]
    empty = np.empty(0, np.int64)
    if T == 0 or D == 0:
        m = z_pred.shape[-1] if z_pred.ndim == 2 else z.shape[-1]
        return empty, empty, np.empty(0), np.empty((0, m, m))
    R = np.asarray(R, float)
    per_det = R.ndim == 3
    r_noise = np.trace(R, axis1=-2, axis2=-1).max() if per_det else np.trace(R)
    radius = gate_threshold * np.sqrt(np.trace(HPHt, axis1=1, axis2=2) + r_noise)
    rows, cols = _candidates(z_pred, radius, cKDTree(z))
    S = HPHt[rows] + (R[cols] if per_det else R)
    nu = z[cols] - z_pred[rows]
    d2 = mahalanobis2(nu, inv_small(S))
    keep = np.flatnonzero(d2 < gate_threshold**2)
    keep = keep[np.lexsort((cols[keep], rows[keep]))]
    return rows[keep], cols[keep], d2[keep], S[keep]


def _candidates(z_pred, radius, tree):
    """Pairs (track, detection) closer than the track's radius [m], in no particular order.

    Tracks whose radius is at most twice the median radius share one radius and one
    tree-against-tree search (fast); the others (typically new tracks with large covariances) are
    queried one by one with their own radius.
    """
    r0 = 2.0 * float(np.median(radius))
    small = radius <= r0
    parts_r, parts_c = [], []
    i_small = np.flatnonzero(small)
    if i_small.size:
        sdm = cKDTree(z_pred[i_small]).sparse_distance_matrix(tree, r0, output_type="ndarray")
        keep = sdm["v"] <= radius[i_small[sdm["i"]]]
        parts_r.append(i_small[sdm["i"][keep]].astype(np.int64))
        parts_c.append(sdm["j"][keep].astype(np.int64))
    i_big = np.flatnonzero(~small)
    if i_big.size:
        hits = tree.query_ball_point(z_pred[i_big], radius[i_big], return_sorted=False)
        counts = np.fromiter(map(len, hits), np.int64, count=i_big.size)
        parts_r.append(np.repeat(i_big, counts))
        parts_c.append(np.fromiter(itertools.chain.from_iterable(hits), np.int64,
                                   count=int(counts.sum())))
    return np.concatenate(parts_r), np.concatenate(parts_c)


def cluster_pairs(rows, cols, n_rows: int, n_cols: int):
    """Connected components of the bipartite graph of pairs.

    Returns
    -------
    labels
        Cluster label of every pair (E,) int64 (labels of the graph over
        ``n_rows + n_cols`` nodes, columns offset by ``n_rows``).
    """
    n = n_rows + n_cols
    if len(rows) == 0:
        return np.empty(0, np.int64)
    # CSR of the pairs (row i -> node n_rows + j), built directly (no COO round trip)
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1: n_rows + 1])
    indptr[n_rows + 1:] = indptr[n_rows]
    g = csr_matrix((np.ones(len(rows), np.int8), cols[order] + n_rows, indptr), shape=(n, n))
    _, node_labels = connected_components(g, directed=False)
    return node_labels[rows].astype(np.int64)


@numba.njit(cache=True)
def _local_indices(order, rows, cols, labels, n_rows, n_cols):  # pragma: no cover - jitted
    """Per-cluster local row/column numbers of the pairs, walking pairs grouped by cluster.

    Returns local_row (E,), local_col (E,), and per cluster (in order of appearance): start
    offset into ``order``, number of distinct rows, number of distinct columns.
    """
    E = order.size
    row_map = np.full(n_rows, -1, np.int64)
    col_map = np.full(n_cols, -1, np.int64)
    lr = np.empty(E, np.int64)
    lc = np.empty(E, np.int64)
    starts = np.empty(E + 1, np.int64)
    nr = np.empty(E, np.int64)
    nc = np.empty(E, np.int64)
    k = -1
    a = 0
    cur = -1
    for t in range(E):
        e = order[t]
        if labels[e] != cur:
            # reset the maps of the previous cluster
            for u in range(a, t):
                row_map[rows[order[u]]] = -1
                col_map[cols[order[u]]] = -1
            k += 1
            cur = labels[e]
            starts[k] = t
            nr[k] = 0
            nc[k] = 0
            a = t
        r, c = rows[e], cols[e]
        if row_map[r] < 0:
            row_map[r] = nr[k]
            nr[k] += 1
        if col_map[c] < 0:
            col_map[c] = nc[k]
            nc[k] += 1
        lr[e] = row_map[r]
        lc[e] = col_map[c]
    starts[k + 1] = E
    return lr, lc, starts[: k + 2], nr[: k + 1], nc[: k + 1]


def assign_sparse(rows, cols, weight, n_rows: int, n_cols: int):
    """Minimum-weight optional matching over a sparse set of pairs.

    Minimises ``Σ w_ij`` over matched pairs, every row and column matched at most once; pairs
    with ``w_ij >= 0`` are never worth matching and are dropped.

    Parameters
    ----------
    rows, cols
        Pair indices (E,) into ``range(n_rows)`` and ``range(n_cols)``; no duplicate pairs.
    weight
        Pair weights (E,) [cost units]; only negative weights can be matched.
    n_rows, n_cols
        Sizes of the two sets.

    Returns
    -------
    match_rows, match_cols
        Matched pairs (K,) int64, sorted by row.
    """
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    weight = np.asarray(weight, float)
    keep = weight < 0
    rows, cols, weight = rows[keep], cols[keep], weight[keep]
    if rows.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    labels = cluster_pairs(rows, cols, n_rows, n_cols)
    order = np.argsort(labels, kind="stable")
    lr, lc, starts, nr, nc = _local_indices(order, rows, cols, labels, n_rows, n_cols)
    pair_cluster = np.repeat(np.arange(nr.size), np.diff(starts))  # cluster of order[t]
    out_r, out_c = [], []

    # one row or one column: at most one pair can be matched, the cheapest (vectorised)
    single = (nr == 1) | (nc == 1)
    sel = np.flatnonzero(single[pair_cluster])
    if sel.size:
        idx = sel[np.lexsort((weight[order[sel]], pair_cluster[sel]))]
        first = np.ones(idx.size, bool)
        first[1:] = pair_cluster[idx[1:]] != pair_cluster[idx[:-1]]
        best = order[idx[first]]
        out_r.append(rows[best])
        out_c.append(cols[best])

    # 2 x 2: with weights <= 0 the optimum is one of the two perfect matchings (vectorised)
    two = (nr == 2) & (nc == 2)
    sel = np.flatnonzero(two[pair_cluster])
    if sel.size:
        k_of = np.cumsum(two) - 1  # cluster -> index among 2 x 2 clusters
        e = order[sel]
        k = k_of[pair_cluster[sel]]
        K2 = int(two.sum())
        W = np.zeros((K2, 2, 2))
        W[k, lr[e], lc[e]] = weight[e]
        row_of = np.empty((K2, 2), np.int64)
        col_of = np.empty((K2, 2), np.int64)
        row_of[k, lr[e]] = rows[e]
        col_of[k, lc[e]] = cols[e]
        anti = W[:, 0, 1] + W[:, 1, 0] < W[:, 0, 0] + W[:, 1, 1]
        for i in (0, 1):
            j = np.where(anti, 1 - i, i)
            ok = W[np.arange(K2), i, j] < 0
            out_r.append(row_of[ok, i])
            out_c.append(col_of[np.flatnonzero(ok), j[ok]])

    # everything else: one small linear_sum_assignment per cluster
    for k in np.flatnonzero(~single & ~two):
        e = order[starts[k]: starts[k + 1]]
        W = np.zeros((nr[k], nc[k]))
        W[lr[e], lc[e]] = weight[e]
        ri, ci = linear_sum_assignment(W)
        ok = W[ri, ci] < 0
        row_of = np.empty(nr[k], np.int64)
        col_of = np.empty(nc[k], np.int64)
        row_of[lr[e]] = rows[e]
        col_of[lc[e]] = cols[e]
        out_r.append(row_of[ri[ok]])
        out_c.append(col_of[ci[ok]])
    mr = np.concatenate(out_r)
    mc = np.concatenate(out_c)
    s = np.argsort(mr, kind="stable")
    return mr[s], mc[s]


def assign_dense(W: np.ndarray):
    """Reference solver: the same optional matching on a dense weight matrix (R, C).

    Entries ``>= 0`` (or ``inf``) mean "not allowed / not worth it". Builds Stone Soup's layout,
    one extra "unassigned" column per row at cost 0, and solves one global
    :func:`scipy.optimize.linear_sum_assignment`. For tests and small problems only.
    """
    W = np.asarray(W, float)
    n_r, n_c = W.shape
    big = np.where(W < 0, W, np.inf)
    miss = np.full((n_r, n_r), np.inf)
    np.fill_diagonal(miss, 0.0)
    full = np.hstack([big, miss])
    ri, ci = linear_sum_assignment(full)
    ok = ci < n_c
    return ri[ok].astype(np.int64), ci[ok].astype(np.int64)


@dataclass(frozen=True)
class Association:
    """Result of one scan's association.

    Attributes
    ----------
    track, detection
        Assigned pairs (K,) int64, sorted by track index.
    cost
        Cost of each assigned pair (K,) [cost units of the associator].
    n_tracks, n_detections
        Sizes of the two sets.
    """

    track: np.ndarray
    detection: np.ndarray
    cost: np.ndarray
    n_tracks: int
    n_detections: int

    @property
    def track_hit(self) -> np.ndarray:
        """(T,) bool: the track got a detection."""
        m = np.zeros(self.n_tracks, bool)
        m[self.track] = True
        return m

    @property
    def detection_used(self) -> np.ndarray:
        """(D,) bool: the detection was assigned to a track."""
        m = np.zeros(self.n_detections, bool)
        m[self.detection] = True
        return m


class GNNAssociator:
    """Global nearest neighbour with a gate, clusters and one assignment per cluster.

    Parameters
    ----------
    gate_threshold
        Mahalanobis gate ``g`` [-] (pairs with distance ``< g`` are candidates).
    cost
        ``"mahalanobis"``: pair cost ``d = √(νᵀS⁻¹ν)``, missed cost ``g`` (Stone Soup's
        ``DistanceHypothesiser(measure=Mahalanobis(), missed_distance=g)``);
        ``"mahalanobis2"``: ``d²`` and ``g²``;
        ``"likelihood"``: negative log-likelihood ratio
        ``½d² + ½log det(2πS) + log(λ/P_D)`` against missed ``−log(1 − P_D)``, needing ``pd`` and
        ``clutter_density``.
    pd
        Detection probability [-] (``"likelihood"`` only).
    clutter_density
        False-alarm density λ [1/m^m] (``"likelihood"`` only).
    """

    def __init__(self, gate_threshold: float, cost: str = "mahalanobis", pd: float | None = None,
                 clutter_density: float | None = None):
        if cost not in COSTS:
            raise ValueError(f"unknown association cost {cost!r}; choose one of {COSTS}")
        if cost == "likelihood" and (pd is None or clutter_density is None or not 0 < pd < 1):
            raise ValueError("cost='likelihood' needs 0 < pd < 1 and a clutter_density")
        self.gate_threshold = float(gate_threshold)
        self.cost = cost
        self.pd = pd
        self.clutter_density = clutter_density

    def pair_costs(self, d2, S):
        """``(cost, weight)`` of gated pairs (squared distances (E,), innovation covariances
        (E, m, m)): the cost and the cost relative to a miss."""
        g = self.gate_threshold
        if self.cost == "mahalanobis":
            c = np.sqrt(d2)
            return c, c - g
        if self.cost == "mahalanobis2":
            return d2, d2 - g * g
        m = S.shape[-1]
        logdet = np.linalg.slogdet(S)[1] if len(S) else np.empty(0)
        c = (0.5 * d2 + 0.5 * (logdet + m * np.log(2.0 * np.pi))
             + np.log(self.clutter_density / self.pd))
        return c, c + np.log1p(-self.pd)

    def associate(self, z_pred, HPHt, z, R) -> Association:
        """Assign detections ``z`` (D, m) with noise ``R`` to predicted measurements.

        ``z_pred`` (T, m) and ``HPHt`` (T, m, m) come from the filter's
        ``predict_measurement``; see :func:`gate` for units.
        """
        T, D = len(z_pred), len(z)
        rows, cols, d2, S = gate(z_pred, HPHt, z, R, self.gate_threshold)
        cost, w = self.pair_costs(d2, S)
        mr, mc = assign_sparse(rows, cols, w, T, D)
        # cost of the matched pairs: look them up among the gated pairs
        key = rows * max(D, 1) + cols
        pos = np.searchsorted(key, mr * max(D, 1) + mc) if len(mr) else np.empty(0, np.int64)
        return Association(mr, mc, cost[pos] if len(mr) else np.empty(0), T, D)


def pairs_within(centre, radius, points):
    """Pairs (i, j) with ``|points[j] - centre[i]| <= radius[i]`` [m], in row-major order
    (as ``np.nonzero`` of the dense test), compiled: a few hundred points are sorted along
    their widest axis and each centre tests those within its radius along it; more are binned
    in square cells over their two widest axes (side twice the median radius) and each centre
    tests the points of the cells its radius reaches."""
    c = np.ascontiguousarray(np.asarray(centre, float).reshape(-1, 3))
    p = np.ascontiguousarray(np.asarray(points, float).reshape(-1, 3))
    if c.shape[0] == 0 or p.shape[0] == 0:
        e = np.zeros(0, np.int64)
        return e, e
    r = np.ascontiguousarray(np.broadcast_to(np.asarray(radius, float), c.shape[:1]))
    return _pairs(c, r, p, _SWEEP_POINTS, False)


_SWEEP_POINTS = 512  #: up to this many points, one sorted axis beats the grid's overhead
_DENSE_PAIRS = 2048  #: up to this many centre-point pairs, testing them all beats sorting


def pairs_within_upper(points, radius):
    """The pairs (i, j) of :func:`pairs_within` ``(points, radius, points)`` with j > i (the
    point j within ``radius[i]`` [m] of the point i), in row-major order."""
    p = np.ascontiguousarray(np.asarray(points, float).reshape(-1, 3))
    if p.shape[0] == 0:
        e = np.zeros(0, np.int64)
        return e, e
    r = np.ascontiguousarray(np.broadcast_to(np.asarray(radius, float), p.shape[:1]))
    return _pairs(p, r, p, _SWEEP_POINTS, True)


def pairs_within_either(points, radius):
    """Unordered pairs (i, j), i < j, of ``points`` (K, 3) [m] with ``|points[j] - points[i]|``
    within ``radius`` (K,) [m] of either one, sorted by i then j: the pairs of
    :func:`pairs_within` ``(points, radius, points)`` off the diagonal, each as (smaller,
    larger) index, duplicates removed (as ``np.unique`` of the stacked pairs along axis 1)."""
    p = np.ascontiguousarray(np.asarray(points, float).reshape(-1, 3))
    a, b = pairs_within(p, radius, p)
    if a.size == 0:
        return a, b
    return _unordered_unique(a, b, p.shape[0])


def pairs_within_bipartite(a, radius_a, b, radius_b):
    """Pairs (i, j) with ``|b[j] - a[i]|`` within ``radius_a[i]`` or ``radius_b[j]`` [m]
    (``a`` (I, 3), ``b`` (J, 3) [m]), in row-major order: the union of :func:`pairs_within`
    ``(a, radius_a, b)`` and, transposed, ``(b, radius_b, a)``. Few pairs are all tested."""
    a = np.ascontiguousarray(np.asarray(a, float).reshape(-1, 3))
    b = np.ascontiguousarray(np.asarray(b, float).reshape(-1, 3))
    ra = np.ascontiguousarray(np.broadcast_to(np.asarray(radius_a, float), a.shape[:1]))
    rb = np.ascontiguousarray(np.broadcast_to(np.asarray(radius_b, float), b.shape[:1]))
    if a.shape[0] * b.shape[0] <= _DENSE_BIPARTITE:
        return _dense_pairs(a, ra * ra, b, rb * rb, False)
    r1, c1 = pairs_within(a, ra, b)
    c2, r2 = pairs_within(b, rb, a)
    nb = b.shape[0]
    key = np.unique(np.concatenate([r1, r2]) * nb + np.concatenate([c1, c2]))
    return key // nb, key % nb


_DENSE_BIPARTITE = 16384  #: up to this many pairs, test them all


@numba.njit(cache=True)
def _unordered_unique(a, b, K):
    """(min, max) of the pairs with ``a != b``, lexicographically sorted, without repeats."""
    keys = np.empty(a.size, np.int64)
    n = 0
    for e in range(a.size):
        if a[e] != b[e]:
            keys[n] = min(a[e], b[e]) * K + max(a[e], b[e])
            n += 1
    keys = np.sort(keys[:n])
    m = 0
    for e in range(n):
        if m == 0 or keys[e] != keys[m - 1]:
            keys[m] = keys[e]
            m += 1
    keys = keys[:m]
    return keys // K, keys % K


def component_labels(i, j, n: int) -> np.ndarray:
    """Connected components of the undirected graph on ``n`` nodes with edges (``i``, ``j``):
    each node's label is the smallest node of its component (int64 (n,))."""
    return _component_labels(np.ascontiguousarray(i, np.int64),
                             np.ascontiguousarray(j, np.int64), int(n))


@numba.njit(cache=True)
def _component_labels(i, j, n):
    """:func:`component_labels`: union-find, the smaller root kept as the component's."""
    parent = np.arange(n)
    for e in range(i.size):
        a = _root(parent, i[e])
        b = _root(parent, j[e])
        if a != b:
            parent[max(a, b)] = min(a, b)
    out = np.empty(n, np.int64)
    for k in range(n):
        out[k] = _root(parent, k)
    return out


@numba.njit(cache=True)
def _pairs(c, r, p, sweep_points, upper):
    """:func:`pairs_within` after its argument checks: the widest axes, then the sweep or the
    grid (``upper``: ``c`` is ``p``, only the pairs with j > i)."""
    r2 = r * r
    if c.shape[0] * p.shape[0] <= _DENSE_PAIRS:
        return _dense_pairs(c, r2, p, np.full(p.shape[0], -np.inf), upper)
    ext = np.empty(3)
    for a in range(3):
        ext[a] = p[:, a].max() - p[:, a].min()
    a0 = 0
    for a in range(1, 3):
        if ext[a] > ext[a0]:
            a0 = a
    a1 = -1
    for a in range(3):
        if a != a0 and (a1 < 0 or ext[a] > ext[a1]):
            a1 = a
    if p.shape[0] <= sweep_points or not np.isfinite(r).all():
        return _sweep_pairs(c, r, r2, p, a0, upper)
    return _grid_pairs(c, r, r2, p, a0, a1, upper)


@numba.njit(cache=True)
def _dense_pairs(c, r2, p, rp2, upper):
    """All (i, j) with ``|p[j] - c[i]|²`` at most ``r2[i]`` or ``rp2[j]`` (and j > i if
    ``upper``), row-major, every pair tested."""
    D = p.shape[0]
    ii = np.empty(64, np.int64)
    jj = np.empty(64, np.int64)
    n = 0
    for i in range(c.shape[0]):
        if n + D > ii.size:  # room for all of this centre's pairs (none grown in the loop)
            ii = np.concatenate((ii, np.empty(max(n, D), np.int64)))
            jj = np.concatenate((jj, np.empty(max(n, D), np.int64)))
        for j in range(i + 1 if upper else 0, D):
            d0 = c[i, 0] - p[j, 0]
            d1 = c[i, 1] - p[j, 1]
            d2 = c[i, 2] - p[j, 2]
            d = d0 * d0 + d1 * d1 + d2 * d2
            if d <= r2[i] or d <= rp2[j]:
                ii[n] = i
                jj[n] = j
                n += 1
    return ii[:n].copy(), jj[:n].copy()


@numba.njit(cache=True)
def _sweep_pairs(c, r, r2, p, axis, upper):
    """All (i, j) with ``|p[j] - c[i]|² <= r2[i]`` (and j > i if ``upper``), row-major;
    candidates from the points sorted along ``axis`` within ``r[i]`` (padded) of the centre
    there."""
    D = p.shape[0]
    perm = np.argsort(p[:, axis], kind="mergesort")
    xs = p[perm, axis]
    keys = np.empty(64, np.int64)
    n = 0
    start = 0
    for i in range(c.shape[0]):
        w = abs(r[i]) * (1.0 + 1e-9) + 1e-9
        lo = np.searchsorted(xs, c[i, axis] - w, side="left")
        hi = np.searchsorted(xs, c[i, axis] + w, side="right")
        if n + hi - lo > keys.size:  # room for every candidate (not grown in the loop)
            keys = np.concatenate((keys, np.empty(max(n, hi - lo), np.int64)))
        for k in range(lo, hi):
            j = perm[k]
            if upper and j <= i:
                continue
            d0 = c[i, 0] - p[j, 0]
            d1 = c[i, 1] - p[j, 1]
            d2 = c[i, 2] - p[j, 2]
            if d0 * d0 + d1 * d1 + d2 * d2 <= r2[i]:
                keys[n] = i * D + j
                n += 1
        _sort_run(keys, start, n)
        start = n
    return _split_keys(keys[:n], D)


@numba.njit(cache=True)
def _grid_pairs(c, r, r2, p, ax0, ax1, upper):
    """All (i, j) with ``|p[j] - c[i]|² <= r2[i]`` (and j > i if ``upper``), row-major;
    candidates from a grid of the points over axes ``ax0``, ``ax1``."""
    D = p.shape[0]
    ra = np.abs(r)
    h = max(2.0 * np.median(ra), 1.0)
    lo0 = p[:, ax0].min()
    lo1 = p[:, ax1].min()
    n0 = int((p[:, ax0].max() - lo0) / h) + 1
    n1 = int((p[:, ax1].max() - lo1) / h) + 1
    cell = np.empty(D, np.int64)
    for j in range(D):
        cell[j] = int((p[j, ax0] - lo0) / h) * n1 + int((p[j, ax1] - lo1) / h)
    perm = np.argsort(cell, kind="mergesort")
    sc = cell[perm]
    ps = np.empty((D, 3))  # the points in cell order, contiguous
    for k in range(D):
        for a in range(3):
            ps[k, a] = p[perm[k], a]
    keys = np.empty(64, np.int64)
    n = 0
    start = 0
    for i in range(c.shape[0]):
        w = ra[i] * (1.0 + 1e-9) + 1e-9
        a0 = max(int(math.floor((c[i, ax0] - w - lo0) / h)), 0)
        b0 = min(int(math.floor((c[i, ax0] + w - lo0) / h)), n0 - 1)
        a1 = max(int(math.floor((c[i, ax1] - w - lo1) / h)), 0)
        b1 = min(int(math.floor((c[i, ax1] + w - lo1) / h)), n1 - 1)
        if a0 > b0 or a1 > b1:
            continue
        if n + D > keys.size:  # room for every point (the array is not grown in the loops)
            keys = np.concatenate((keys, np.empty(max(n, D), np.int64)))
        ci0, ci1, ci2, ri2 = c[i, 0], c[i, 1], c[i, 2], r2[i]
        for g0 in range(a0, b0 + 1):
            k0 = np.searchsorted(sc, g0 * n1 + a1, side="left")
            k1 = np.searchsorted(sc, g0 * n1 + b1, side="right")
            for k in range(k0, k1):
                if upper and perm[k] <= i:
                    continue
                d0 = ci0 - ps[k, 0]
                d1 = ci1 - ps[k, 1]
                d2 = ci2 - ps[k, 2]
                if d0 * d0 + d1 * d1 + d2 * d2 <= ri2:
                    keys[n] = i * D + perm[k]
                    n += 1
        _sort_run(keys, start, n)
        start = n
    return _split_keys(keys[:n], D)


@numba.njit(cache=True)
def _sort_run(keys, start, stop):
    """Sort ``keys[start:stop]`` in place (insertion sort: one centre's few pairs; a long run
    by ``np.sort``)."""
    if stop - start > 32:
        keys[start:stop] = np.sort(keys[start:stop])
        return
    for a in range(start + 1, stop):
        v = keys[a]
        b = a - 1
        while b >= start and keys[b] > v:
            keys[b + 1] = keys[b]
            b -= 1
        keys[b + 1] = v


@numba.njit(cache=True)
def _split_keys(keys, D):
    """Row-major pair keys ``i * D + j`` as (i, j)."""
    i = np.empty(keys.size, np.int64)
    j = np.empty(keys.size, np.int64)
    for e in range(keys.size):
        i[e] = keys[e] // D
        j[e] = keys[e] - i[e] * D
    return i, j


@numba.njit(cache=True)
def _unique_inverse(a):
    """``np.unique(a, return_inverse=True)`` of an int64 vector (compiled: no per-call
    overhead on the small sets of :func:`optimal_pairs`)."""
    o = np.argsort(a, kind="mergesort")
    inv = np.empty(a.size, np.int64)
    u = np.empty(a.size, np.int64)
    n = -1
    for i in range(a.size):
        v = a[o[i]]
        if n < 0 or v != u[n]:
            n += 1
            u[n] = v
        inv[o[i]] = n
    return u[:n + 1].copy(), inv


def optimal_pairs(rows, cols, weight, n_rows: int, n_cols: int):
    """Minimum-weight optional matching of candidate pairs (weights < 0 worth matching), as
    :func:`iads.tracking.assign_sparse`, faster on the usual case: a pair alone in its
    cluster (its row and column in no other pair) is matched outright, small conflicting
    sets are solved densely (:func:`iads.tracking.association.assign_dense`), large ones
    sparsely. Returns matched (rows, cols), sorted by row."""
    rows = np.ascontiguousarray(rows, np.int64)
    cols = np.ascontiguousarray(cols, np.int64)
    w = np.ascontiguousarray(weight, float)
    if rows.size == 0:
        return rows, cols
    ar, ac, cr, cc, cw = _split_alone(rows, cols, w, max(int(n_rows), int(rows.max()) + 1),
                                      max(int(n_cols), int(cols.max()) + 1))
    if cr.size == 0:
        return ar, ac
    ur, ir = _unique_inverse(cr)
    uc, ic = _unique_inverse(cc)
    star, rest = _stars(ir, ic, cw, ur.size, uc.size)
    parts_r, parts_c = [ar, cr[star]], [ac, cc[star]]
    if rest.any():
        cr, cc, cw = cr[rest], cc[rest], cw[rest]
        ur, ir = _unique_inverse(cr)
        uc, ic = _unique_inverse(cc)
        if ur.size * uc.size <= 4096:
            W = np.zeros((ur.size, uc.size))
            W[ir, ic] = cw
            mr, mc = assign_dense(W)
            mr, mc = ur[mr], uc[mc]
        else:
            mr, mc = assign_sparse(cr, cc, cw, n_rows, n_cols)
        parts_r.append(mr)
        parts_c.append(mc)
    mr = np.concatenate(parts_r)
    mc = np.concatenate(parts_c)
    o = np.argsort(mr, kind="stable")
    return mr[o], mc[o]


@numba.njit(cache=True)
def quick_pairs(rows, cols, w, n_rows, n_cols):  # pragma: no cover - jitted
    """:func:`optimal_pairs` compiled for its quick cases, callable from other kernels: pairs
    alone in their row and column, and components with one row or one column (their cheapest
    pair). Returns ``(match_rows, match_cols, solved)``, sorted by row; ``solved`` False (and
    nothing matched) when a component with several rows and several columns remains: then
    call :func:`optimal_pairs`. Indices must be below ``n_rows``, ``n_cols``."""
    ar, ac, cr, cc, cw = _split_alone(rows, cols, w, n_rows, n_cols)
    if cr.size == 0:
        return ar, ac, True
    ur, ir = _unique_inverse(cr)
    uc, ic = _unique_inverse(cc)
    star, rest = _stars(ir, ic, cw, ur.size, uc.size)
    if rest.any():
        return ar[:0], ac[:0], False
    mr = np.concatenate((ar, cr[star]))
    mc = np.concatenate((ac, cc[star]))
    o = np.argsort(mr, kind="mergesort")
    return mr[o], mc[o], True


@numba.njit(cache=True)
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@numba.njit(cache=True)
def _stars(ir, ic, w, n_r, n_c):
    """Connected components of the pairs (compact rows ``ir``, columns ``ic``) with one row or
    one column: their optimum is their cheapest pair (the first of equal ones). Returns the
    indices of those pairs and a mask of the pairs in the other components."""
    comp = _component_labels(ir, ic + n_r, n_r + n_c)[ir]
    n = n_r + n_c
    first_r = np.full(n, -1, np.int64)
    first_c = np.full(n, -1, np.int64)
    many_r = np.zeros(n, np.bool_)
    many_c = np.zeros(n, np.bool_)
    best = np.full(n, -1, np.int64)
    for e in range(ir.size):
        k = comp[e]
        if first_r[k] < 0:
            first_r[k] = ir[e]
        elif first_r[k] != ir[e]:
            many_r[k] = True
        if first_c[k] < 0:
            first_c[k] = ic[e]
        elif first_c[k] != ic[e]:
            many_c[k] = True
        if best[k] < 0 or w[e] < w[best[k]]:
            best[k] = e
    rest = np.zeros(ir.size, np.bool_)
    n_star = 0
    for e in range(ir.size):
        k = comp[e]
        if many_r[k] and many_c[k]:
            rest[e] = True
        elif best[k] == e:
            n_star += 1
    star = np.empty(n_star, np.int64)
    j = 0
    for e in range(ir.size):
        k = comp[e]
        if not (many_r[k] and many_c[k]) and best[k] == e:
            star[j] = e
            j += 1
    return star, rest


@numba.njit(cache=True)
def _split_alone(rows, cols, w, n_rows, n_cols):
    """The pairs worth matching (``w < 0``) split into those alone in their row and column
    (rows, cols; sorted by row) and the conflicting ones (rows, cols, weights; in order)."""
    nr = np.zeros(n_rows, np.int64)
    nc = np.zeros(n_cols, np.int64)
    for e in range(rows.size):
        if w[e] < 0:
            nr[rows[e]] += 1
            nc[cols[e]] += 1
    n_alone = 0
    n_conf = 0
    for e in range(rows.size):
        if w[e] < 0:
            if nr[rows[e]] == 1 and nc[cols[e]] == 1:
                n_alone += 1
            else:
                n_conf += 1
    ar = np.empty(n_alone, np.int64)
    ac = np.empty(n_alone, np.int64)
    cr = np.empty(n_conf, np.int64)
    cc = np.empty(n_conf, np.int64)
    cw = np.empty(n_conf)
    a = 0
    c = 0
    for e in range(rows.size):
        if w[e] < 0:
            if nr[rows[e]] == 1 and nc[cols[e]] == 1:
                ar[a] = rows[e]
                ac[a] = cols[e]
                a += 1
            else:
                cr[c] = rows[e]
                cc[c] = cols[e]
                cw[c] = w[e]
                c += 1
    o = np.argsort(ar, kind="mergesort")
    return ar[o], ac[o], cr, cc, cw
