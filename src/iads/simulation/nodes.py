"""A node's air picture: time-stamped plot tracking, track-to-track fusion.

Tracking plots with their own time stamps
-----------------------------------------
A rotating radar's plots of one revolution are spread over the revolution (10 s for the
91N6E: 3 km for a 300 m/s aircraft), and several radars feed one node. :class:`iads.tracking.
Tracker` steps a whole scan by one ``dt``; here the same parts (the constant-velocity
:class:`~iads.tracking.KalmanFilter`, the :class:`~iads.tracking.GNNAssociator`'s gate and pair
costs with :func:`~iads.tracking.assign_sparse`, the :class:`~iads.tracking.SinglePointInitiator`
and the :class:`~iads.tracking.MOfN` rule on :class:`~iads.tracking.Tracks`) are composed so that
every track–plot pair is predicted to **the plot's own time** (as Stone Soup's hypothesisers
predict each track to each detection's timestamp), and every track keeps the time of its own
state. :class:`PlotTracker` takes the node's plots in time order in *chunks* of ``chunk_s``
(5 s), in rounds:

1. candidate pairs, once per chunk: the plots within each track's Euclidean gate radius over
   the chunk (its covariance at the chunk's ends, plus its speed times half the chunk), around
   the track predicted to the chunk's middle (compiled
   :func:`~iads.tracking.association.pairs_within`);
2. exact gate per pair at the plot's time: ``ν = z − H F(τ − t) x``,
   ``S = H (F P Fᵀ + Q(τ − t)) Hᵀ + R``, Mahalanobis ``< g`` (compiled); a pair out of the gate
   is dropped for the chunk;
3. each track may take only its **earliest** gated plot in a round (as a tracker fed plot by
   plot would meet them); global nearest neighbour settles plots wanted by several tracks
   (:func:`optimal_pairs`); each assigned track is updated at its plot's time;
4. the plots left (the same target seen again by another radar, or again by a fast one, in the
   chunk) are re-gated against the updated tracks in the next round, so a track takes its plots
   of one chunk one by one in time order (a plot older than a track's state, possible only
   after an earlier plot took a different gate, is retrodicted by the CV model);
5. plots that can no longer gate any track start tentative tracks, one per cluster of mutually
   gating plots (the earliest; the others can join it in the next round), so two radars seeing
   a new target in one chunk start one track, not two.

Track bookkeeping counts **looks**, not chunks: a track is looked at by a radar in a chunk each
time that radar's beam crosses its predicted azimuth while the radar is on, with the track
inside its sector and elevation limits, in its line of sight (terrain mask) and within the range
at which a reference 1 m² target reaches the radar's reference Pd (:class:`RadarView`,
:func:`expected_looks`; a tentative track counts every look inside the instrumented volume, so a
track born of a false alarm is looked at and dropped). Each look gives a hit (a plot was
assigned) or a miss; :class:`~iads.tracking.MOfN` confirms and deletes on them (defaults:
confirm 2 hits of 3 looks, delete after 3 consecutive misses). A track nobody looks at any more
is dropped after ``coast_s`` without a plot.

Track–truth association (metrics and identification geometry): a track **follows** the object
whose plot last updated it (-1 after a false alarm), as long as its position is within
``follow_gate_m`` of that object; otherwise it follows nothing.

Track-to-track correlation
--------------------------
A node's picture is its own confirmed tracks plus the latest tracks received from each node that
sends it tracks, all predicted to the picture time, correlated by the node's
:class:`~iads.tracking.correlation.TrackCorrelator` (:func:`correlate_pictures`), which it keeps
from one picture to the next: a received track stays correlated with the system track it joined
as long as it stays within the decorrelation gate of the system track's reporter (it is not
associated again from scratch at each delivery); new tracks are correlated by global nearest
neighbour (Mahalanobis on positions with ``P_a + P_b``, cross-covariance ignored), the node's
own tracks first, then each sender in link order, at most one track per sender in a system
track; each system track keeps one number for life (the number of the track that started it,
as Link-16 track numbers stay with a track when reporting responsibility passes; two system
tracks found on one target are merged under the older number), its reporter is the member
with the best position covariance (with a handover margin), and it shows the
information-weighted mean of its members' states. A node reports only the tracks it formed
itself (received tracks are not relayed, so no track circulates after its source lost it); a
node without a tracker relays its picture, less the receiver's own tracks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..kinematics import _enu_rows, _geodetic, geodetic_of
from ..sensors.scan import RotatingScan
from ..tracking import (
    GaussianStates,
    GNNAssociator,
    KalmanFilter,
    MOfN,
    SinglePointInitiator,
    Tracks,
)
from ..tracking.association import (
    _SWEEP_POINTS,
    _pairs,
    _root,
    optimal_pairs,
    pairs_within,
    quick_pairs,
)
from ..tracking.correlation import TrackCorrelator
from ..tracking.filters import IMMFilter, IMMStates, imm_combine, imm_mix
from ..tracking.fusion import information_fusion
from ..tracking.models import ct_transition_about
from ..tracking.tracker import Detections
from .build import FLOOR_CELLS
from .plots import Plots, enu_rows_many

__all__ = [
    "CVTransition",
    "PlotTracker",
    "Picture",
    "expected_looks",
    "RadarView",
    "beam_time_after",
    "correlate_pictures",
    "optimal_pairs",
    "pairs_within",
]

_TWO_PI = 2.0 * np.pi
ID_SHIFT = 32  #: global track number = node index << 32 | local track id


class CVTransition:
    """``F(dt)`` and ``Q(dt)`` of a constant-velocity :class:`~iads.tracking.KalmanFilter` for
    many ``dt`` at once.

    ``F(dt) = I + dt (F(1) - I)`` exactly, and ``Q(dt)`` is a polynomial of degree ≤ 4 without
    constant term in ``|dt|`` for both white-noise-acceleration kinds; its coefficients are
    solved from the filter's own ``transition`` at dt = 1, 2, 3, 4 s, so the filter's
    definition is the only one.
    """

    def __init__(self, kf: KalmanFilter):
        if not isinstance(kf, KalmanFilter):
            raise TypeError("time-stamped node tracking needs a constant-velocity KalmanFilter, "
                            f"got {type(kf).__name__}")
        F1, _ = kf.transition(1.0)
        n = F1.shape[0]
        self.n = n
        self.d = n // 2
        self.G = F1 - np.eye(n)
        ts = np.array([1.0, 2.0, 3.0, 4.0])
        Qs = np.stack([kf.transition(t)[1] for t in ts])  # (4, n, n)
        V = ts[:, None] ** np.arange(1, 5)[None, :]
        self.Qc = np.linalg.solve(V, Qs.reshape(4, -1)).reshape(4, n, n)

    def Q(self, dt) -> np.ndarray:
        """Process noise for each ``dt`` (K,) → (K, n, n) [SI²]."""
        a = np.abs(np.asarray(dt, float))
        pw = a[:, None] ** np.arange(1, 5)[None, :]
        return np.einsum("kp,pij->kij", pw, self.Qc)

    def predict(self, x, P, dt):
        """Predict states (K, n), (K, n, n) by per-state ``dt`` (K,) [s]: ``F x`` and
        ``F P Fᵀ + Q`` (compiled, blockwise: ``F = [[I, dt I], [0, I]]``)."""
        x = np.ascontiguousarray(x, dtype=float)
        P = np.ascontiguousarray(P, dtype=float)
        dt = np.asarray(dt, float)
        dt = (np.full(x.shape[0], dt) if dt.ndim == 0
              else np.ascontiguousarray(np.broadcast_to(dt, x.shape[:1])))
        x_new = np.empty_like(x)
        P_new = np.empty_like(P)
        if x.shape[0]:
            _cv_predict(x, P, dt, self.Qc, self.d, x_new, P_new)
        return x_new, P_new

    def position_cov(self, P, dt):
        """Position block of ``F P Fᵀ + Q`` per pair, (K, d, d), for ``P`` (K, n, n)."""
        d = self.d
        dt = np.asarray(dt, float)
        a = np.abs(dt)
        pw = a[:, None] ** np.arange(1, 5)[None, :]
        Qpp = (pw @ self.Qc[:, :d, :d].reshape(4, -1)).reshape(-1, d, d)
        dt = dt[:, None, None]
        Ppp, Ppv, Pvv = P[:, :d, :d], P[:, :d, d:], P[:, d:, d:]
        return Ppp + dt * (Ppv + np.swapaxes(Ppv, 1, 2)) + dt * dt * Pvv + Qpp


@njit(cache=True)
def _cv_predict(x, P, dt, Qc, d, x_new, P_new):
    """``x + dt v``, ``F P Fᵀ + Q(|dt|)`` with ``F = [[I, dt I], [0, I]]``, symmetrised."""
    n = 2 * d
    for k in range(x.shape[0]):
        t = dt[k]
        a = abs(t)
        a2 = a * a
        pw0, pw1, pw2, pw3 = a, a2, a2 * a, a2 * a2
        for i in range(d):
            x_new[k, i] = x[k, i] + t * x[k, d + i]
            x_new[k, d + i] = x[k, d + i]
        # A = F P: rows i < d get P[i] + t P[d + i]
        for i in range(n):
            for j in range(n):
                fp_ij = P[k, i, j] + (t * P[k, d + i, j] if i < d else 0.0)
                P_new[k, i, j] = fp_ij
        # (F P) Fᵀ: columns j < d get A[:, j] + t A[:, d + j]
        for i in range(n):
            for j in range(d):
                P_new[k, i, j] += t * P_new[k, i, d + j]
        for i in range(n):
            for j in range(n):
                P_new[k, i, j] += (pw0 * Qc[0, i, j] + pw1 * Qc[1, i, j] + pw2 * Qc[2, i, j]
                                   + pw3 * Qc[3, i, j])
        for i in range(n):
            for j in range(i + 1, n):
                m = 0.5 * (P_new[k, i, j] + P_new[k, j, i])
                P_new[k, i, j] = m
                P_new[k, j, i] = m


@njit(cache=True)
def _cv_update_kernel(x, P, t_track, tr, z, R, t_plot, pl, Qc):
    """In place: predict tracks ``tr`` to their plots' times (as :func:`_cv_predict`) and
    update them with the plots ``pl`` (3-D positions; the algebra of
    :func:`iads.tracking.filters.kf_update`: ``K = P Hᵀ S⁻¹`` with the adjugate inverse,
    ``P ← P − K (P Hᵀ)ᵀ``, symmetrised); ``t_track`` takes the plots' times."""
    n = 6
    xk = np.empty((1, n))
    Pk = np.empty((1, n, n))
    xp = np.empty((1, n))
    Pp = np.empty((1, n, n))
    dt = np.empty(1)
    S = np.empty((3, 3))
    Si = np.empty((3, 3))
    K = np.empty((n, 3))
    nu = np.empty(3)
    for e in range(tr.shape[0]):
        k, j = tr[e], pl[e]
        xk[0] = x[k]
        Pk[0] = P[k]
        dt[0] = t_plot[j] - t_track[k]
        _cv_predict(xk, Pk, dt, Qc, 3, xp, Pp)
        for a in range(3):
            nu[a] = z[j, a] - xp[0, a]
            for b in range(3):
                S[a, b] = Pp[0, a, b] + R[j, a, b]
        c00 = S[1, 1] * S[2, 2] - S[1, 2] * S[2, 1]
        c01 = S[1, 2] * S[2, 0] - S[1, 0] * S[2, 2]
        c02 = S[1, 0] * S[2, 1] - S[1, 1] * S[2, 0]
        det = S[0, 0] * c00 + S[0, 1] * c01 + S[0, 2] * c02
        Si[0, 0] = c00 / det
        Si[1, 0] = c01 / det
        Si[2, 0] = c02 / det
        Si[0, 1] = (S[0, 2] * S[2, 1] - S[0, 1] * S[2, 2]) / det
        Si[1, 1] = (S[0, 0] * S[2, 2] - S[0, 2] * S[2, 0]) / det
        Si[2, 1] = (S[0, 1] * S[2, 0] - S[0, 0] * S[2, 1]) / det
        Si[0, 2] = (S[0, 1] * S[1, 2] - S[0, 2] * S[1, 1]) / det
        Si[1, 2] = (S[0, 2] * S[1, 0] - S[0, 0] * S[1, 2]) / det
        Si[2, 2] = (S[0, 0] * S[1, 1] - S[0, 1] * S[1, 0]) / det
        for a in range(n):
            for b in range(3):
                K[a, b] = Pp[0, a, 0] * Si[0, b] + Pp[0, a, 1] * Si[1, b] + Pp[0, a, 2] * Si[2, b]
        for a in range(n):
            x[k, a] = xp[0, a] + (K[a, 0] * nu[0] + K[a, 1] * nu[1] + K[a, 2] * nu[2])
        for a in range(n):
            for b in range(n):
                Pk[0, a, b] = Pp[0, a, b] - (K[a, 0] * Pp[0, b, 0] + K[a, 1] * Pp[0, b, 1]
                                             + K[a, 2] * Pp[0, b, 2])
        for a in range(n):
            for b in range(n):
                P[k, a, b] = 0.5 * (Pk[0, a, b] + Pk[0, b, a])
        t_track[k] = t_plot[j]


@njit(cache=True)
def _gate_kernel(x, P, t_track, rows, cols, z, R, t_plot, Qc, d2, S):
    """Squared Mahalanobis distance of each (track, plot) pair at the plot's time, with the
    innovation covariance ``S = [F P Fᵀ + Q]_pos + R`` (3-D positions)."""
    for e in range(rows.shape[0]):
        k = rows[e]
        j = cols[e]
        t = t_plot[j] - t_track[k]
        a = abs(t)
        a2 = a * a
        nu0 = z[j, 0] - (x[k, 0] + t * x[k, 3])
        nu1 = z[j, 1] - (x[k, 1] + t * x[k, 4])
        nu2 = z[j, 2] - (x[k, 2] + t * x[k, 5])
        for i in range(3):
            for m in range(3):
                S[e, i, m] = (P[k, i, m] + t * (P[k, i, 3 + m] + P[k, 3 + i, m])
                              + t * t * P[k, 3 + i, 3 + m]
                              + a * Qc[0, i, m] + a2 * Qc[1, i, m] + a2 * a * Qc[2, i, m]
                              + a2 * a2 * Qc[3, i, m] + R[j, i, m])
        s00, s01, s02 = S[e, 0, 0], 0.5 * (S[e, 0, 1] + S[e, 1, 0]), 0.5 * (S[e, 0, 2]
                                                                           + S[e, 2, 0])
        s11, s12, s22 = S[e, 1, 1], 0.5 * (S[e, 1, 2] + S[e, 2, 1]), S[e, 2, 2]
        c00 = s11 * s22 - s12 * s12
        c01 = s02 * s12 - s01 * s22
        c02 = s01 * s12 - s02 * s11
        c11 = s00 * s22 - s02 * s02
        c12 = s01 * s02 - s00 * s12
        c22 = s00 * s11 - s01 * s01
        det = s00 * c00 + s01 * c01 + s02 * c02
        q = (c00 * nu0 * nu0 + c11 * nu1 * nu1 + c22 * nu2 * nu2
             + 2.0 * (c01 * nu0 * nu1 + c02 * nu0 * nu2 + c12 * nu1 * nu2))
        d2[e] = q / det if det > 0.0 else np.inf


@njit(cache=True)
def _round_kernel(x, P, t_track, last_hit, follows, hits, waiting, rows, cols, z, R, t_plot,
                  obj, Qc3, Qc, g, update):
    """One association round of :meth:`PlotTracker.process` on the candidate (track, plot)
    pairs ``rows``, ``cols``:

    1. exact gate of each pair at its plot's time (:func:`_gate_kernel`, squared Mahalanobis
       ``d²``); pairs with ``d² ≥ g²`` are dropped;
    2. each track offers only its earliest gated plot(s), at weight ``√d² − g`` (the
       Mahalanobis cost relative to a miss, :meth:`~iads.tracking.GNNAssociator.pair_costs`);
    3. global nearest neighbour by :func:`~iads.tracking.association.quick_pairs`;
    4. when solved there and ``update``: each matched track is updated with its plot at the
       plot's time (:func:`_cv_update_kernel`), counts a hit, takes the plot's time as its last
       hit and the plot's object as the one it follows; its plot leaves ``waiting``, and the
       gated pairs of taken plots leave the candidates.

    Returns the candidates left (rows, cols), the offered pairs (rows, cols, weights: for
    :func:`~iads.tracking.association.optimal_pairs` when not solved), the matched pairs
    (rows, cols) and the state reached: 0 not solved (nothing matched), 1 solved, 2 solved
    and updated.
    """
    E = rows.shape[0]
    d2 = np.empty(E)
    _gate_kernel(x, P, t_track, rows, cols, z, R, t_plot, Qc3, d2, np.empty((E, 3, 3)))
    gr = np.empty(E, np.int64)
    gc = np.empty(E, np.int64)
    gd = np.empty(E)
    n = 0
    for e in range(E):
        if d2[e] < g * g:
            gr[n] = rows[e]
            gc[n] = cols[e]
            gd[n] = d2[e]
            n += 1
    T = x.shape[0]
    first = np.full(T, np.inf)
    for e in range(n):
        tp = t_plot[gc[e]]
        if tp < first[gr[e]]:
            first[gr[e]] = tp
    m = 0
    for e in range(n):
        if t_plot[gc[e]] <= first[gr[e]]:
            m += 1
    sr = np.empty(m, np.int64)
    sc = np.empty(m, np.int64)
    sw = np.empty(m)
    m = 0
    for e in range(n):
        if t_plot[gc[e]] <= first[gr[e]]:
            sr[m] = gr[e]
            sc[m] = gc[e]
            sw[m] = math.sqrt(gd[e]) - g
            m += 1
    mr, mc, solved = quick_pairs(sr, sc, sw, T, waiting.shape[0])
    if not (solved and update):
        return gr[:n], gc[:n], sr, sc, sw, mr, mc, 1 if solved else 0
    _cv_update_kernel(x, P, t_track, mr, z, R, t_plot, mc, Qc)
    for i in range(mr.shape[0]):
        k = mr[i]
        j = mc[i]
        hits[k] += 1
        waiting[j] = False
        last_hit[k] = t_plot[j]
        follows[k] = obj[j]
    kept = 0
    for e in range(n):
        if waiting[gc[e]]:
            gr[kept] = gr[e]
            gc[kept] = gc[e]
            kept += 1
    return gr[:kept], gc[:kept], sr, sc, sw, mr, mc, 2


@njit(cache=True)
def _book_chunk(hits0, misses0, age0, confirmed0, last_hit, n_look, hits, m, n, max_misses,
                coast_s, c1):
    """A chunk's bookkeeping over looks, then :class:`~iads.tracking.MOfN`. Track ``k`` (the
    first ``n_look.size`` ones existed before the chunk) was looked at ``L = max(n_look,
    hits)`` times (``hits``: plots it took; a new track: ``L = hits``), at most 63; its hit
    history shifts by ``L`` and gains ``min(hits, L)`` hits, its misses restart at 0 after a
    hit or grow by ``L``, its age grows by ``L``. Confirmed once ``m`` of the last ``n`` bits
    are hits; kept while confirmed with fewer than ``max_misses`` misses, or tentative and
    younger than ``n - 1`` looks, and a plot came within ``coast_s`` of ``c1``. Returns the
    new hits, misses, age, confirmed, keep (T,) and the tracks newly confirmed and kept."""
    T = hits0.shape[0]
    T0 = n_look.shape[0]
    window = np.uint64(0xFFFFFFFFFFFFFFFF) if n >= 64 else np.uint64((1 << n) - 1)
    out_hits = np.empty(T, np.uint64)
    out_misses = np.empty(T, np.int64)
    out_age = np.empty(T, np.int64)
    out_conf = np.empty(T, np.bool_)
    keep = np.empty(T, np.bool_)
    newly = np.empty(T, np.int64)
    k_new = 0
    for k in range(T):
        L = max(n_look[k], hits[k]) if k < T0 else hits[k]
        L = min(L, 63)
        h = min(hits[k], L)
        if L > 0:
            out_hits[k] = (hits0[k] << np.uint64(L)) | ((np.uint64(1) << np.uint64(h))
                                                        - np.uint64(1))
        else:
            out_hits[k] = hits0[k]
        out_misses[k] = 0 if h > 0 else misses0[k] + L
        out_age[k] = age0[k] + L
        w = out_hits[k] & window
        c = 0
        while w:
            w &= w - np.uint64(1)
            c += 1
        conf = confirmed0[k] or c >= m
        out_conf[k] = conf
        kp = out_misses[k] < max_misses if conf else out_age[k] < n - 1
        kp = kp and (c1 - last_hit[k]) <= coast_s
        keep[k] = kp
        if conf and not confirmed0[k] and kp:
            newly[k_new] = k
            k_new += 1
    return out_hits, out_misses, out_age, out_conf, keep, newly[:k_new]


@njit(cache=True)
def _track_arrays(N):
    """Uninitialised arrays of ``N`` CV tracks, in the order the track kernels return them:
    states (N, 6), covariances (N, 6, 6), ids, hit histories, misses, ages, confirmed flags,
    state times, last-hit times, followed objects."""
    return (np.empty((N, 6)), np.empty((N, 6, 6)), np.empty(N, np.int64),
            np.empty(N, np.uint64), np.empty(N, np.int64), np.empty(N, np.int64),
            np.empty(N, np.bool_), np.empty(N), np.empty(N), np.empty(N, np.int64))


@njit(cache=True)
def _append_tracks(x, P, track_id, hits, misses, age, confirmed, t_track, last_hit, follows,
                   z, R, t_plot, obj, idx, vs, next_id):
    """The tracker's arrays with tentative tracks started on plots ``idx`` appended, as
    :class:`~iads.tracking.SinglePointInitiator` starts them: ``x = [z, 0]``, ``P = diag(R,
    vs² I)``, ids from ``next_id``, one hit, no miss, age 0, unconfirmed, state time and
    last hit at the plot's time, following the plot's object."""
    T, K = x.shape[0], idx.shape[0]
    x2, P2, ids, h2, m2, a2, c2, t2, l2, f2 = _track_arrays(T + K)
    x2[:T] = x
    P2[:T] = P
    x2[T:] = 0.0
    P2[T:] = 0.0
    ids[:T] = track_id
    h2[:T] = hits
    m2[:T] = misses
    a2[:T] = age
    c2[:T] = confirmed
    t2[:T] = t_track
    l2[:T] = last_hit
    f2[:T] = follows
    v2 = vs * vs
    for k in range(K):
        i, j = T + k, idx[k]
        for a in range(3):
            x2[i, a] = z[j, a]
            for b in range(3):
                P2[i, a, b] = R[j, a, b]
            P2[i, 3 + a, 3 + a] = v2
        ids[i] = next_id + k
        h2[i] = 1
        m2[i] = 0
        a2[i] = 0
        c2[i] = False
        t2[i] = t_plot[j]
        l2[i] = t_plot[j]
        f2[i] = obj[j]
    return x2, P2, ids, h2, m2, a2, c2, t2, l2, f2


@njit(cache=True)
def _take_tracks(idx, x, P, track_id, hits, misses, age, confirmed, t_track, last_hit,
                 follows):
    """The tracker's arrays (CV states and bookkeeping) at rows ``idx``, as fancy indexing
    takes them, in one pass."""
    K = idx.shape[0]
    x2, P2, ids, h2, m2, a2, c2, t2, l2, f2 = _track_arrays(K)
    for k in range(K):
        i = idx[k]
        x2[k] = x[i]
        P2[k] = P[i]
        ids[k] = track_id[i]
        h2[k] = hits[i]
        m2[k] = misses[i]
        a2[k] = age[i]
        c2[k] = confirmed[i]
        t2[k] = t_track[i]
        l2[k] = last_hit[i]
        f2[k] = follows[i]
    return x2, P2, ids, h2, m2, a2, c2, t2, l2, f2


@njit(cache=True)
def _free_plots(waiting, cols):
    """Plots still waiting that no candidate pair holds (``cols``), ascending."""
    free = waiting.copy()
    for e in range(cols.shape[0]):
        free[cols[e]] = False
    return np.flatnonzero(free)


@njit(cache=True)
def _search_radius(x, P, t_track, first, c0, c1, q, g, r_noise, centre, radius, spread):
    """For tracks ``first`` onwards: the position predicted to the chunk's middle and the
    Euclidean radius holding its gate over the chunk, ``g √(tr + r_noise) + |v| (c1 − c0)/2 +
    1`` with ``tr`` the larger trace of the position block of ``F P Fᵀ + Q`` at the chunk's
    two ends (``q``: traces of the position blocks of the ``|dt|`` powers of Q)."""
    tm = 0.5 * (c0 + c1)
    for k in range(centre.shape[0]):
        i = first + k
        ts = t_track[i]
        for a in range(3):
            centre[k, a] = x[i, a] + (tm - ts) * x[i, 3 + a]
        tpp = P[i, 0, 0] + P[i, 1, 1] + P[i, 2, 2]
        tpv = P[i, 0, 3] + P[i, 1, 4] + P[i, 2, 5]
        tvv = P[i, 3, 3] + P[i, 4, 4] + P[i, 5, 5]
        tr = -np.inf
        for dt in (c0 - ts, c1 - ts):
            a = abs(dt)
            v = (tpp + 2.0 * dt * tpv + dt * dt * tvv + ((q[3] * a + q[2]) * a + q[1]) * a * a
                 + q[0] * a)
            tr = max(tr, v)
        speed = math.sqrt(x[i, 3] * x[i, 3] + x[i, 4] * x[i, 4] + x[i, 5] * x[i, 5])
        radius[k] = g * math.sqrt(tr + r_noise) + speed * 0.5 * (c1 - c0) + 1.0
        spread[k, 0] = tr
        spread[k, 1] = speed * 0.5 * (c1 - c0)


@njit(cache=True)
def _within_gate_bound(rows, cols, centre, spread, z, trR, g):
    """The pairs (``rows``, ``cols``) of :meth:`PlotTracker._search` whose plot ``z[j]`` lies
    within its own bound of the track's gate, ``g √(tr + trR[j]) + |v| (c1 − c0)/2 + 1`` of
    the centre (``spread``: ``tr``, ``|v| (c1 − c0)/2`` per track from
    :func:`_search_radius`, whose radius takes the noisiest plot's ``trR``): a plot gates the
    track only if ``d² < g²``, and ``|ν|² ≤ d² tr S`` with ``tr S ≤ tr + trR[j]``, so the
    pairs beyond fail the gate of the first round that meets them and would be dropped
    there."""
    keep = np.empty(rows.shape[0], np.bool_)
    for e in range(rows.shape[0]):
        i, j = rows[e], cols[e]
        b = g * math.sqrt(spread[i, 0] + trR[j]) + spread[i, 1] + 1.0
        d0 = z[j, 0] - centre[i, 0]
        d1 = z[j, 1] - centre[i, 1]
        d2 = z[j, 2] - centre[i, 2]
        keep[e] = d0 * d0 + d1 * d1 + d2 * d2 <= b * b
    return rows[keep], cols[keep]


@njit(cache=True)
def _cluster_head_mask(z, trR, t, g, vs):
    """Plots that start a track: the earliest (then lowest row) of each cluster of plots
    linked by ``|z_a − z_b|² < g² (tr R_a + tr R_b + 3 vs² (t_a − t_b)²)`` (positions ``z``,
    traces ``trR`` of their covariances, times ``t``, prior velocity σ ``vs``); a sweep along
    x finds the links, union–find the clusters."""
    n = z.shape[0]
    span = t.max() - t.min()
    reach = g * math.sqrt(2.0 * trR.max() + 3.0 * vs * vs * span * span)
    reach = reach * (1.0 + 1e-9) + 1e-9
    perm = np.argsort(z[:, 0], kind="mergesort")
    parent = np.arange(n)
    for ii in range(n):
        a = perm[ii]
        for jj in range(ii + 1, n):
            b = perm[jj]
            if z[b, 0] - z[a, 0] > reach:
                break
            d0 = z[a, 0] - z[b, 0]
            d1 = z[a, 1] - z[b, 1]
            d2 = z[a, 2] - z[b, 2]
            dt = t[a] - t[b]
            if d0 * d0 + d1 * d1 + d2 * d2 < g * g * (trR[a] + trR[b] + 3.0 * vs * vs * (dt * dt)):
                ra = _root(parent, a)
                rb = _root(parent, b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    root = np.empty(n, np.int64)
    best = np.full(n, -1, np.int64)
    for i in range(n):
        r = _root(parent, i)
        root[i] = r
        k = best[r]
        if k < 0 or t[i] < t[k]:  # rows ascending: the first of equal times stays
            best[r] = i
    head = np.zeros(n, np.bool_)
    for i in range(n):
        head[i] = best[root[i]] == i
    return head


# ------------------------------------------------------------------------------------------------
# looks expected by the node


def beam_time_after(scan, azimuth_rad, t_s: float) -> np.ndarray:
    """First time ≥ ``t_s`` at which the beam points at each azimuth [s] (inf: never).

    ``scan`` is a :class:`~iads.sensors.RotatingScan` or :class:`~iads.sensors.SectorScan`
    (azimuths outside a sector scan's sector are never looked at).
    """
    az = np.asarray(azimuth_rad, float)
    if isinstance(scan, RotatingScan):
        b0 = scan.phase_rad + _TWO_PI * (t_s - scan.t0_s) / scan.period_s
        return t_s + np.mod(az - b0, _TWO_PI) * scan.period_s / _TWO_PI
    u = np.mod(az - scan.left_rad, _TWO_PI)
    frac = u / scan.width_rad
    k = np.ceil((t_s - scan.t0_s) / scan.frame_s - frac)
    out = scan.t0_s + scan.frame_s * (k + frac)
    return np.where(u <= scan.width_rad, out, np.inf)


class RadarView:
    """What a node knows of one radar: its schedule and its coverage, to count its looks.

    Parameters
    ----------
    radar
        :class:`iads.sensors.PlacedRadar`.
    mask
        The radar's :class:`~iads.sensors.TerrainMask` (None: smooth effective earth).
    rcs_m2
        RCS of the reference target the node expects the radar to see [m²]: a look counts only
        within the range at which that target has the radar's reference SNR (its reference Pd),
        ``R_ref (σ / σ_ref)^¼``, capped by the instrumented range.
    floor
        The mask's floor (:func:`iads.simulation.build.mask_floor` with :attr:`FLOOR_CELLS`),
        if already computed.
    """

    FLOOR_CELLS = FLOOR_CELLS  #: disk radius of :meth:`mask_floor` [cells]

    def __init__(self, radar, mask=None, rcs_m2: float = 1.0, floor=None):
        from ..kinematics import positions

        self.radar = radar
        self.mask = mask
        self._floor = floor
        self.period = (radar.scan.period_s if isinstance(radar.scan, RotatingScan)
                       else radar.scan.frame_s)
        self.reach_m = min(radar.max_range_m,
                           radar.ref_range_m * (rcs_m2 / radar.ref_rcs_m2) ** 0.25)
        self.stationary = bool(radar.platform.speed_max[0] == 0.0)
        if self.stationary:
            rp, _ = positions(radar.platform, 0.0, np.zeros(1, np.int64))
            self.rp = rp[0]
            self.rows = enu_rows_many(rp)[0]
            self.lat_deg = float(geodetic_of(rp[0])[0])
            self.h1 = float(geodetic_of(rp[0])[2])
            self._rp_c = np.ascontiguousarray(self.rp, dtype=float)
            self._rows_c = np.ascontiguousarray(self.rows, dtype=float)
        self._constants = None
        self._frame_memo = (math.nan, None, None)  # a moving radar's last frame: (t, rp, rows)

    def mask_floor(self):
        """The mask's :func:`iads.simulation.build.mask_floor` (lowest minimum visible height
        within :attr:`FLOOR_CELLS` cells), or None without a mask."""
        if self.mask is None:
            return None
        if self._floor is None:
            from .build import mask_floor

            self._floor = mask_floor(self.mask.mvh_msl_m, self.FLOOR_CELLS)
        return self._floor

    def frame(self, t_s: float):
        """Radar position (3,) [m] and ENU rows (3, 3) at ``t_s`` (the same for a stationary
        radar; a moving one's is evaluated)."""
        from ..kinematics import positions

        if self.stationary:
            return self.rp, self.rows
        if self._frame_memo[0] != t_s:  # nodes sharing the view ask for the same instants
            rpp, _ = positions(self.radar.platform, t_s, np.zeros(1, np.int64))
            self._frame_memo = (t_s, rpp[0], enu_rows_many(rpp)[0])
        return self._frame_memo[1], self._frame_memo[2]

    def height_m(self, t_s: float) -> float:
        """Height of the antenna above the ellipsoid at ``t_s`` [m]."""
        if self.stationary:
            return self.h1
        rp, _ = self.frame(t_s)
        return float(geodetic_of(rp)[2])

    def count(self, pos_ecef, t0_s: float, t1_s: float, on, anywhere=None) -> np.ndarray:
        """Looks at each position during [t0, t1) (see :func:`expected_looks`), (T,) int.

        ``anywhere`` (T,) bool: positions for which any look inside the instrumented volume
        counts (no reference range, no line of sight): tentative tracks, so that one born of a
        false alarm anywhere the radar searches is looked at and dropped.
        """
        p = np.ascontiguousarray(np.asarray(pos_ecef, float).reshape(-1, 3))
        if p.shape[0] == 0 or not on:
            return np.zeros(p.shape[0], np.int64)
        anywhere = (np.zeros(p.shape[0], np.bool_) if anywhere is None
                    else np.ascontiguousarray(np.asarray(anywhere, bool).reshape(-1)))
        tm = 0.5 * (t0_s + t1_s)
        if self.stationary:
            rp, rows, h1 = self._rp_c, self._rows_c, self.h1
        else:
            rp, rows = self.frame(tm)  # evaluated once: the height from the same position
            rp, rows = np.ascontiguousarray(rp), np.ascontiguousarray(rows)
            h1 = float(geodetic_of(rp)[2])
        (reach, max_range, sin_lo, sin_hi, sector, boresight, mvh, half, n, cell, ka, rotating,
         phase, scan_t0, left, width) = self._count_constants()
        return _count_kernel(
            p, anywhere, rp, rows, reach, max_range, sin_lo, sin_hi, sector, boresight, mvh,
            half, n, cell, ka, h1, np.asarray(on, float).reshape(-1, 2), float(t0_s),
            float(t1_s), rotating, phase, scan_t0, self.period, left, width)

    def _count_constants(self):
        """The radar's and mask's arguments of :func:`_count_kernel` (made once: the view's
        radar and mask are not changed after it is built)."""
        if self._constants is None:
            radar = self.radar
            scan = radar.scan
            rotating = isinstance(scan, RotatingScan)
            if self.mask is not None:
                g = self.mask.grid
                mvh, half, n, cell = self.mask.mvh_msl_m, g.half_cells, g.n, g.cell_m
            else:
                mvh, half, n, cell = np.zeros((1, 1)), 0, 0, 1.0
            self._constants = (
                self.reach_m, radar.max_range_m, np.sin(radar.elevation_min_rad - 0.01),
                np.sin(radar.elevation_max_rad + 0.01), radar.sector_rad, radar.boresight_rad,
                mvh, half, n, cell, radar.k_factor * 6_378_137.0, rotating,
                scan.phase_rad if rotating else 0.0, scan.t0_s,
                0.0 if rotating else scan.left_rad, _TWO_PI if rotating else scan.width_rad)
        return self._constants


@njit(cache=True)
def _count_kernel(p, anywhere, rp, rows, reach_m, max_range, sin_lo, sin_hi, sector,
                  boresight, mvh, half, n, cell, ka, h1, on, t0, t1, rotating, phase, scan_t0,
                  period, left, width):
    """:meth:`RadarView.count`, one pass over the positions."""
    out = np.zeros(p.shape[0], np.int64)
    two_pi = 2.0 * math.pi
    tan1 = math.acos(ka / (ka + max(h1, 0.0)))
    for i in range(p.shape[0]):
        dx = p[i, 0] - rp[0]
        dy = p[i, 1] - rp[1]
        dz = p[i, 2] - rp[2]
        e = rows[0, 0] * dx + rows[0, 1] * dy + rows[0, 2] * dz
        nn = rows[1, 0] * dx + rows[1, 1] * dy + rows[1, 2] * dz
        u = rows[2, 0] * dx + rows[2, 1] * dy + rows[2, 2] * dz
        rng = math.sqrt(e * e + nn * nn + u * u)
        if rng > (max_range if anywhere[i] else reach_m):
            continue
        sin_el = u / max(rng, 1e-9)
        if sin_el < sin_lo or sin_el > sin_hi:
            continue
        az = math.atan2(e, nn) % two_pi
        if sector < two_pi - 1e-12:
            off = (az - boresight + math.pi) % two_pi - math.pi
            if abs(off) > 0.5 * sector:
                continue
        if not anywhere[i]:
            _, _, h2 = _geodetic(p[i, 0], p[i, 1], p[i, 2])
            hor = math.sqrt(e * e + nn * nn)
            if n > 0:  # terrain mask: nearest cell of (hor sin az, hor cos az)
                col = int(math.floor(hor * math.sin(az) / cell + 0.5)) + half
                row = half - int(math.floor(hor * math.cos(az) / cell + 0.5))
                if not (0 <= row < n and 0 <= col < n):
                    continue
                if not (h2 >= mvh[row, col]):
                    continue
            else:  # smooth effective earth: ground distance within ka times the two tangents
                if hor > ka * (tan1 + math.acos(ka / (ka + max(h2, 0.0)))):
                    continue
        k = 0
        for j in range(on.shape[0]):
            lo = max(on[j, 0], t0)
            hi = min(on[j, 1], t1)
            if hi <= lo:
                continue
            if rotating:
                b0 = phase + two_pi * (lo - scan_t0) / period
                first = lo + ((az - b0) % two_pi) * period / two_pi
            else:
                uu = (az - left) % two_pi
                if uu > width:
                    continue
                frac = uu / width
                first = scan_t0 + period * (math.ceil((lo - scan_t0) / period - frac) + frac)
            if first < hi:
                k += int(math.ceil((hi - first) / period))
        out[i] = k
    return out


def expected_looks(radar, pos_ecef, t0_s: float, t1_s: float, on, mask=None,
                   rcs_m2: float = 1.0) -> np.ndarray:
    """How many times the radar looks at each position during [t0, t1): (T,) int.

    A look is a beam crossing of the position's azimuth (every revolution or search frame) at a
    time when the radar is on (``on``: intervals ``(start, end)`` [s]), with the position inside
    the azimuth sector and elevation limits (straight-line elevation), in line of sight (the
    radar's terrain ``mask``, or the smooth effective earth) and within the range at which a
    reference target of ``rcs_m2`` [m²] reaches the radar's reference Pd (see
    :class:`RadarView`). Positions are taken as fixed over the window.

    Parameters
    ----------
    radar
        :class:`iads.sensors.PlacedRadar`.
    pos_ecef
        Positions (T, 3) [m] (tracks predicted to the window's middle).
    """
    return RadarView(radar, mask, rcs_m2).count(pos_ecef, t0_s, t1_s, on)


# ------------------------------------------------------------------------------------------------
# the tracker of one node


@dataclass(frozen=True)
class TrackerSettings:
    """Parameters of a node's plot tracker (assumptions, to vary).

    Attributes
    ----------
    q
        Process noise intensity of the CV model [m²/s³] (continuous white noise acceleration):
        10 (σ 58 m of unmodelled motion over a 10 s revisit) follows airliners' and transports'
        waypoint turns; a manoeuvring fighter may break a CV track (see ``motion``).
    gate
        Mahalanobis gate ``g`` [-] (3-D position: 4 keeps 99.9 % of true plots).
    velocity_sigma_mps
        Prior velocity σ of a new track [m/s] (per axis).
    m, n, max_misses
        M-of-N confirmation over looks and deletion after consecutive missed looks.
    coast_s
        A track without any plot for this long is dropped [s].
    chunk_s
        Length of the chunks the node's plots are processed in [s] (at least the shortest
        revisit of the node's radars).
    max_rounds
        Association rounds per chunk, at most (a track takes one plot per round, its earliest
        gated one); plots left after the last start tracks.
    follow_gate_m
        Largest distance at which a track still follows the object of its last plot [m].
    motion
        Motion model of the track updates: ``"cv"`` (constant velocity) or ``"imm"``: an
        interacting multiple model filter of constant velocity and two coordinated turns at
        ``±imm_turn_rate_rad_s`` about the local vertical
        (:func:`iads.tracking.models.ct_transition_about`), all with the CV process noise
        ``q``, switching matrix with ``imm_stay`` on the diagonal. With ``"imm"`` every update
        mixes, predicts each model to the plot's time, updates each model and reweights them
        (:func:`iads.tracking.filters.imm_mix`); gating, candidate search and the picture use
        the moment-matched mixture predicted by the CV model.
    imm_turn_rate_rad_s, imm_stay
        Turn rate of the turn models [rad/s] (0.1 rad/s: 2.5 g at 250 m/s) and the
        probability of staying in a model between updates [-] (assumptions).
    expected_rcs_m2
        Reference RCS of the looks the node expects [m²] (see :class:`RadarView`): beyond
        the range at which such a target is seen, a missed plot is not counted as a miss.
    """

    q: float = 10.0
    gate: float = 4.0
    velocity_sigma_mps: float = 300.0
    m: int = 2
    n: int = 3
    max_misses: int = 3
    coast_s: float = 30.0
    chunk_s: float = 5.0
    max_rounds: int = 16
    follow_gate_m: float = 10_000.0
    expected_rcs_m2: float = 1.0
    motion: str = "cv"
    imm_turn_rate_rad_s: float = 0.1
    imm_stay: float = 0.9

    def __post_init__(self):
        if self.motion not in MOTIONS:
            raise ValueError(f"unknown motion model {self.motion!r}; choose one of "
                             f"{', '.join(MOTIONS)}")


MOTIONS = ("cv", "imm")  #: motion models of :class:`TrackerSettings`


@dataclass
class Confirmation:
    """A track confirmed: when (``now_s`` processing time, ``plot_s`` time stamp of the plot
    that confirmed it), which track and which object it followed then."""

    track_id: int
    object: int
    plot_s: float
    now_s: float


class PlotTracker:
    """Time-stamped multi-radar tracker of one node (see the module docstring).

    Parameters
    ----------
    settings
        :class:`TrackerSettings`.
    """

    def __init__(self, settings: TrackerSettings | None = None):
        s = settings or TrackerSettings()
        self.settings = s
        self.filter = KalmanFilter(s.q, ndim=3)
        self.associator = GNNAssociator(s.gate, "mahalanobis")
        self.initiator = SinglePointInitiator(s.velocity_sigma_mps)
        self.maintenance = MOfN(s.m, s.n, s.max_misses)
        self.cv = CVTransition(self.filter)
        self._Qc3 = self.cv.Qc[:, :3, :3].copy()  # position blocks, for the gate
        self._q = np.trace(self._Qc3, axis1=1, axis2=2)  # their traces, for the search
        self.imm = None
        if s.motion == "imm":
            w, p = s.imm_turn_rate_rad_s, s.imm_stay
            self.imm = IMMFilter(s.q, (0.0, w, -w), np.full((3, 3), 0.5 * (1.0 - p))
                                 + (1.5 * p - 0.5) * np.eye(3), ndim=3)
        self.confirmations: list[Confirmation] = []
        self.plots_in = 0
        self.rounds = 0
        self.reset()

    def reset(self) -> None:
        """Drop every track (a node switched off); track ids keep counting."""
        next_id = self.tracks.next_id if hasattr(self, "tracks") else 0
        self.tracks = Tracks(GaussianStates(np.zeros((0, 6)), np.zeros((0, 6, 6))),
                             np.zeros(0, np.int64), np.zeros(0, np.uint64),
                             np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool),
                             next_id)
        self.time_s = np.zeros(0)
        self.last_hit_s = np.zeros(0)
        self.follows = np.zeros(0, np.int64)
        if self.imm is not None:  # per-model states of the IMM
            self.modes = self.imm.initiate(np.zeros((0, 6)), np.zeros((0, 6, 6)))

    def __len__(self) -> int:
        return len(self.tracks)

    # ---- state helpers -------------------------------------------------------------------

    def _append(self, new: Tracks, t, obj):
        self.tracks = self.tracks.concatenate(new)
        self.time_s = np.concatenate([self.time_s, t])
        self.last_hit_s = np.concatenate([self.last_hit_s, t])
        self.follows = np.concatenate([self.follows, obj])
        if self.imm is not None:
            self.modes = self.modes.concatenate(self.imm.initiate(new.states.x, new.states.P))

    def _keep(self, idx):
        if self.imm is None:  # one compiled pass over the arrays
            tk = self.tracks
            st = tk.states
            out = _take_tracks(idx, st.x, st.P, tk.track_id, tk.hits, tk.misses, tk.age,
                               tk.confirmed, self.time_s, self.last_hit_s, self.follows)
            self.tracks = Tracks(GaussianStates(out[0], out[1]), *out[2:7], tk.next_id)
            self.time_s, self.last_hit_s, self.follows = out[7:]
            return
        self.tracks = self.tracks.take(idx)
        self.time_s = self.time_s[idx]
        self.last_hit_s = self.last_hit_s[idx]
        self.follows = self.follows[idx]
        if self.imm is not None:
            self.modes = self.modes.take(idx)

    def predicted(self, t_s: float, idx=None):
        """Means and covariances of tracks ``idx`` (all by default) predicted to ``t_s``."""
        if idx is None:
            idx = np.arange(len(self.tracks))
        st = self.tracks.states
        return self.cv.predict(st.x[idx], st.P[idx], t_s - self.time_s[idx])

    # ---- one chunk -----------------------------------------------------------------------

    def _search(self, plots: Plots, trR, pending, c0: float, c1: float, first: int = 0):
        """Candidate (track, plot) pairs: plots ``pending`` within each track's Euclidean gate
        radius over the chunk (tracks ``first`` onwards); plot indices into ``plots``
        (``trR``: traces of their covariances)."""
        T, D = len(self.tracks) - first, pending.size
        e = np.zeros(0, np.int64)
        if T <= 0 or D == 0:
            return e, e
        st = self.tracks.states
        r_noise = float(trR[pending].max())
        centre = np.empty((T, 3))
        radius = np.empty(T)
        spread = np.empty((T, 2))
        g = float(self.associator.gate_threshold)
        _search_radius(st.x, st.P, self.time_s, first, float(c0), float(c1), self._q, g,
                       r_noise, centre, radius, spread)
        zp = plots.z[pending]
        rows, cols = _pairs(centre, radius, zp, _SWEEP_POINTS, False)  # as pairs_within,
        # without its argument checks (the arrays are made here)
        rows, cols = _within_gate_bound(rows, cols, centre, spread, zp, trR[pending], g)
        return rows + first, pending[cols]

    def _round(self, plots: Plots, rows, cols, hits, waiting):
        """One association round on the candidate (track, plot) pairs ``rows``, ``cols``
        (:func:`_round_kernel`): every pair gated at its plot's time (a pair out of the gate
        is dropped for good: the track's gate only shrinks as it takes plots), each track
        offered its earliest gated plot, global nearest neighbour, matched tracks updated at
        their plots' times; ``hits`` (per track) and ``waiting`` (per plot) are updated in
        place. Returns the candidate pairs left (gated, plot still waiting)."""
        st = self.tracks.states
        rows, cols, sr, sc, sw, mr, mc, state = _round_kernel(
            st.x, st.P, self.time_s, self.last_hit_s, self.follows, hits, waiting, rows, cols,
            plots.z, plots.R, plots.time_s, plots.object, self._Qc3, self.cv.Qc,
            float(self.associator.gate_threshold), self.imm is None)
        if state == 2:
            return rows, cols
        if state == 0:  # a conflict the quick cases leave
            mr, mc = optimal_pairs(sr, sc, sw, len(self.tracks), len(plots))
        self._update(mr, mc, plots)
        hits[mr] += 1
        waiting[mc] = False
        keep = waiting[cols]
        return rows[keep], cols[keep]

    def _update(self, tr, pl, plots: Plots):
        """Update tracks ``tr`` with plots ``pl`` (pairs), each at its plot's time."""
        if tr.size == 0:
            return
        st = self.tracks.states
        dt = plots.time_s[pl] - self.time_s[tr]
        if self.imm is None:  # in place: the state arrays belong to this tracker alone
            _cv_update_kernel(st.x, st.P, self.time_s, tr, plots.z, plots.R, plots.time_s, pl,
                              self.cv.Qc)
        else:
            st.x[tr], st.P[tr] = self._imm_update(tr, dt, plots.z[pl], plots.R[pl])
        self.time_s[tr] = plots.time_s[pl]
        self.last_hit_s[tr] = plots.time_s[pl]
        self.follows[tr] = plots.object[pl]

    def _imm_update(self, tr, dt, z, R):
        """IMM cycle of tracks ``tr`` to their plots ``z`` (K, 3) after ``dt`` (K,) [s]:
        mixing, per-model prediction (turns about each track's local vertical), per-model
        update; returns the moment-matched mixtures (K, 6), (K, 6, 6)."""
        imm, md = self.imm, self.modes
        x0, P0, c = imm_mix(md.x[tr], md.P[tr], md.mu[tr], imm.Pi)
        K = x0.shape[0]
        up = np.einsum("km,kmn->kn", c, x0)[:, :3]
        F = np.stack([ct_transition_about(dt, w, up) for w in imm.omegas], axis=1)
        Q = self.cv.Q(dt)[:, None]
        xp = np.einsum("kmij,kmj->kmi", F, x0)
        Pp = F @ P0 @ np.swapaxes(F, 2, 3) + Q
        new = imm.update(IMMStates(xp, Pp, c), np.arange(K), z, R)
        self.modes = self.modes.put(tr, new)
        return imm_combine(new.x, new.P, new.mu)

    def _initiate(self, plots: Plots, idx):
        """Tentative tracks on plots ``idx`` (:class:`~iads.tracking.SinglePointInitiator`),
        appended."""
        if idx.size == 0:
            return
        if self.imm is None:  # one compiled pass: the initiator's states, appended
            tk = self.tracks
            st = tk.states
            out = _append_tracks(st.x, st.P, tk.track_id, tk.hits, tk.misses, tk.age,
                                 tk.confirmed, self.time_s, self.last_hit_s, self.follows,
                                 plots.z, plots.R, plots.time_s, plots.object, idx,
                                 self.initiator.velocity_sigma_m_s, tk.next_id)
            self.tracks = Tracks(GaussianStates(out[0], out[1]), *out[2:7],
                                 tk.next_id + idx.size)
            self.time_s, self.last_hit_s, self.follows = out[7:]
            return
        new = self.initiator.initiate(self.filter, Detections(plots.z[idx], plots.R[idx]),
                                      self.tracks.next_id)
        self._append(new, plots.time_s[idx], plots.object[idx])

    def _cluster_heads(self, plots: Plots, trR, idx):
        """Among plots ``idx`` (ungated), the earliest of each cluster of mutually gating
        plots (``trR``: traces of the plots' covariances)."""
        if idx.size <= 1:
            return idx
        head = _cluster_head_mask(np.ascontiguousarray(plots.z[idx]),
                                  np.ascontiguousarray(trR[idx]),
                                  np.ascontiguousarray(plots.time_s[idx]),
                                  float(self.associator.gate_threshold),
                                  float(self.initiator.velocity_sigma_m_s))
        return idx[head]

    def process(self, plots: Plots, c0: float, c1: float, looks, now_s: float) -> None:
        """Process the plots of the chunk [c0, c1) (time-sorted).

        Rounds: every plot that gates a track is offered to it in time order — in each round a
        track may take only its earliest gated plot (as a tracker fed plot by plot would see
        them), global nearest neighbour settles conflicts; plots that gated a track but were not
        taken wait for the next round; plots that gated nothing start tentative tracks (one per
        cluster, the others wait). ``looks(pos_ecef, c0, c1, tentative) -> (T,) int`` counts the
        looks the node's radars make at each position during the chunk (tentative tracks:
        anywhere in the radars' instrumented volumes, see :meth:`RadarView.count`).
        """
        D = len(plots)
        self.plots_in += D
        T0 = len(self.tracks)
        if T0:
            x = self.tracks.states.x
            pm = x[:, :3] + (0.5 * (c0 + c1) - self.time_s)[:, None] * x[:, 3:]
            n_look = np.asarray(looks(pm, c0, c1, ~self.tracks.confirmed), np.int64)
        else:
            n_look = np.zeros(0, np.int64)
        hits = np.zeros(T0 + D, np.int64)  # each plot starts at most one track
        waiting = np.ones(D, bool)  # plots neither used nor starting a track yet
        # candidate pairs (Euclidean gate over the chunk), searched once; tracks started in
        # the chunk add theirs
        trR = np.einsum("dii->d", plots.R)
        c_rows, c_cols = self._search(plots, trR, np.arange(D), c0, c1)
        for rnd in range(self.settings.max_rounds):
            self.rounds += 1
            if c_rows.size:
                c_rows, c_cols = self._round(plots, c_rows, c_cols, hits, waiting)
            # plots no track can take any more start tentative tracks (one per cluster)
            free = _free_plots(waiting, c_cols)
            last = rnd == self.settings.max_rounds - 1
            if last:
                heads = np.flatnonzero(waiting)
            else:
                heads = self._cluster_heads(plots, trR, free)
            if heads.size:
                T1 = len(self.tracks)
                self._initiate(plots, heads)
                waiting[heads] = False
                rest = np.flatnonzero(waiting)
                n_rows, n_cols = self._search(plots, trR, rest, c0, c1, first=T1)
                c_rows = np.concatenate([c_rows, n_rows])
                c_cols = np.concatenate([c_cols, n_cols])
            if not waiting.any() or last:
                break
            if c_rows.size == 0 and not heads.size:
                break
        tk, mn = self.tracks, self.maintenance
        new_hits, misses, age, confirmed, keep, newly = _book_chunk(
            tk.hits, tk.misses, tk.age, tk.confirmed, self.last_hit_s, n_look, hits, mn.m, mn.n,
            mn.max_misses, float(self.settings.coast_s), float(c1))
        self.tracks = Tracks(tk.states, tk.track_id, new_hits, misses, age, confirmed,
                             tk.next_id)
        for k in newly:
            self.confirmations.append(Confirmation(int(self.tracks.track_id[k]),
                                                   int(self.follows[k]),
                                                   float(self.last_hit_s[k]), float(now_s)))
        if not keep.all():
            self._keep(np.flatnonzero(keep))


# ------------------------------------------------------------------------------------------------
# pictures


@dataclass(frozen=True)
class Picture:
    """Tracks of an air picture at one time (arrays with first axis K).

    Attributes
    ----------
    time_s
        Time the states are predicted to [s].
    x, P
        ECEF states [m, m/s] (K, 6) and covariances (K, 6, 6).
    track_id
        Track numbers (K,) int64: in a node's own picture, node index << 32 | its tracker's
        track id; in a correlated picture, the system track numbers
        (:func:`correlate_pictures`).
    origin
        Node that formed each track from plots (K,) int64.
    follows
        Object each track follows (-1: none) (K,) int64.
    """

    time_s: float
    x: np.ndarray
    P: np.ndarray
    track_id: np.ndarray
    origin: np.ndarray
    follows: np.ndarray

    def __len__(self) -> int:
        return self.x.shape[0]

    def take(self, idx) -> Picture:
        return Picture(self.time_s, self.x[idx], self.P[idx], self.track_id[idx],
                       self.origin[idx], self.follows[idx])

    @staticmethod
    def empty(t_s: float) -> Picture:
        z = np.zeros(0, np.int64)
        return Picture(t_s, np.zeros((0, 6)), np.zeros((0, 6, 6)), z, z, z)

    def predict(self, cv: CVTransition, t_s: float) -> Picture:
        """The same tracks predicted to ``t_s``."""
        if len(self) == 0 or t_s == self.time_s:
            return Picture(t_s, self.x, self.P, self.track_id, self.origin, self.follows)
        x, P = cv.predict(self.x, self.P, t_s - self.time_s)
        return Picture(t_s, x, P, self.track_id, self.origin, self.follows)

    def geodetic(self):
        """Latitude [°], longitude [°], height [m] of the tracks."""
        return geodetic_of(self.x[:, :3])

    def kinematics(self, idx=None):
        """What identification reads from tracks ``idx`` (all by default): latitude [°],
        longitude [°], height [m], ground speed [m/s], climb rate [m/s] and the standard
        deviations of speed and climb rate [m/s] from the velocity covariances
        (:func:`iads.kinematics.geodetic_of`, :func:`~iads.kinematics.heading_of`,
        :func:`~iads.kinematics.speed_sigma`, :func:`~iads.kinematics.climb_sigma` in one
        compiled pass)."""
        rows = (np.arange(len(self)) if idx is None
                else np.arange(len(self))[idx].reshape(-1))
        out = np.empty((7, rows.size))
        _kinematics_kernel(np.ascontiguousarray(self.x, dtype=float),
                           np.ascontiguousarray(self.P, dtype=float), rows, out)
        return tuple(out)


@njit(cache=True)
def _kinematics_kernel(x, P, rows, out):
    """:meth:`Picture.kinematics` of ``rows`` of ECEF states ``x`` (K, 6) with covariances
    ``P`` (K, 6, 6) into ``out`` (7, R): latitude, longitude [°], height [m] (the geodetic
    position), ground speed, climb rate [m/s] (velocity in the local ENU frame: horizontal
    norm, up component as ground speed × tan of the flight-path angle), σ of speed (√(ûᵀ Pᵥ û),
    û the unit velocity; √(trace Pᵥ / 3) for none) and of climb rate (√(nᵀ Pᵥ n), n the
    geodetic up) [m/s]."""
    enu = np.empty((3, 3))
    for q in range(rows.size):
        k = rows[q]
        lat, lon, h = _geodetic(x[k, 0], x[k, 1], x[k, 2])
        _enu_rows(lat, lon, enu)
        v0 = x[k, 3]
        v1 = x[k, 4]
        v2 = x[k, 5]
        ve = enu[0, 0] * v0 + enu[0, 1] * v1 + enu[0, 2] * v2
        vn = enu[1, 0] * v0 + enu[1, 1] * v1 + enu[1, 2] * v2
        vu = enu[2, 0] * v0 + enu[2, 1] * v1 + enu[2, 2] * v2
        gs = math.sqrt(ve * ve + vn * vn)
        out[0, q] = lat * (180.0 / math.pi)
        out[1, q] = lon * (180.0 / math.pi)
        out[2, q] = h
        out[3, q] = gs
        out[4, q] = gs * math.tan(math.atan2(vu, gs))
        n = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        if n > 0:
            u0 = v0 / n
            u1 = v1 / n
            u2 = v2 / n
            var = (u0 * (P[k, 3, 3] * u0 + P[k, 3, 4] * u1 + P[k, 3, 5] * u2)
                   + u1 * (P[k, 4, 3] * u0 + P[k, 4, 4] * u1 + P[k, 4, 5] * u2)
                   + u2 * (P[k, 5, 3] * u0 + P[k, 5, 4] * u1 + P[k, 5, 5] * u2))
        else:
            var = (P[k, 3, 3] + P[k, 4, 4] + P[k, 5, 5]) / 3.0
        out[5, q] = math.sqrt(max(var, 0.0))
        var = 0.0
        for i in range(3):
            var += enu[2, i] * (P[k, 3 + i, 3] * enu[2, 0] + P[k, 3 + i, 4] * enu[2, 1]
                                + P[k, 3 + i, 5] * enu[2, 2])
        out[6, q] = math.sqrt(max(var, 0.0))


def local_picture(tracker: PlotTracker, node_index: int, t_s: float) -> Picture:
    """The confirmed tracks of a node's tracker predicted to ``t_s``."""
    idx = np.flatnonzero(tracker.tracks.confirmed)
    if idx.size == 0:
        return Picture.empty(t_s)
    x, P = tracker.predicted(t_s, idx)
    tid = (np.int64(node_index) << ID_SHIFT) | tracker.tracks.track_id[idx]
    return Picture(t_s, x, P, tid, np.full(idx.size, node_index, np.int64),
                   tracker.follows[idx].copy())


def _predicted_states(pics, t_s: float, cv: CVTransition):
    """The states and covariances of ``pics`` one after the other, predicted to ``t_s`` (the
    pictures not at ``t_s``, as :meth:`Picture.predict` gives them one by one), written
    straight into the joined arrays."""
    n = sum(len(p) for p in pics)
    x = np.empty((n, 2 * cv.d))
    P = np.empty((n, 2 * cv.d, 2 * cv.d))
    a = 0
    for p in pics:
        b = a + len(p)
        if b == a:
            continue
        if p.time_s != t_s:
            _cv_predict(np.ascontiguousarray(p.x, dtype=float),
                        np.ascontiguousarray(p.P, dtype=float), np.full(b - a, t_s - p.time_s),
                        cv.Qc, cv.d, x[a:b], P[a:b])
        else:
            x[a:b] = p.x
            P[a:b] = p.P
        a = b
    return x, P


def correlate_pictures(correlator: TrackCorrelator, pictures, t_s: float,
                       cv: CVTransition | None = None) -> Picture:
    """One picture from several sources' pictures, all at ``t_s`` or, given ``cv``, predicted
    to it first (as :meth:`Picture.predict`, each straight into its rows of the joined
    arrays); see the module docstring.

    ``pictures[i]`` is source ``i`` for ``correlator`` (a
    :class:`~iads.tracking.correlation.TrackCorrelator` kept by the node from one picture to
    the next; the node's own tracks first). Each system track shows its number, its
    reporter's forming node and followed object, and the information-weighted mean of its
    members' states, ``P = (Σ Pᵢ⁻¹)⁻¹``, ``x = P Σ Pᵢ⁻¹ xᵢ`` (the sources' errors taken as
    independent: separate radars' measurement noise; the common process noise is ignored,
    which makes ``P`` somewhat optimistic).
    """
    pics = [p for p in pictures]
    if not pics:
        return Picture.empty(t_s)
    src = np.repeat(np.arange(len(pics), dtype=np.int64), [len(p) for p in pics])
    if cv is None:
        ax = np.concatenate([p.x for p in pics])
        aP = np.concatenate([p.P for p in pics])
    else:
        ax, aP = _predicted_states(pics, t_s, cv)
    c = correlator.update(src, np.concatenate([p.track_id for p in pics]), ax, aP)
    # the reporters' rows (fresh arrays: the fused states are written into them)
    x, P = ax[c.row], aP[c.row]
    out = Picture(t_s, x, P, c.number.copy(), np.concatenate([p.origin for p in pics])[c.row],
                  np.concatenate([p.follows for p in pics])[c.row])
    grp = c.index
    many = np.bincount(grp, minlength=c.number.size) > 1
    if many.any():  # information-weighted mean of the members (errors taken independent)
        k = np.flatnonzero(many[grp])
        # by system track, rows ascending within (a stable sort; of 16-bit keys: radix)
        g = grp[k].astype(np.uint16) if c.number.size <= 1 << 16 else grp[k]
        o = k[np.argsort(g, kind="stable")]
        starts = np.flatnonzero(np.r_[True, grp[o][1:] != grp[o][:-1]])
        rows = grp[o][starts]
        x[rows], P[rows] = information_fusion(ax, aP, starts, o)
    return out
