"""Track-to-track correlation: the tracks of several sources as one picture with one track
number per target.

A node's picture is made of tracks from several *sources*: its own tracker and the other nodes
whose tracks reach it over links. Each source numbers its own tracks. :class:`TrackCorrelator`
keeps, from one update to the next, which source tracks are the same target (a *system track*)
and gives every system track one number for its whole life, after the practice of Link-16
(MIL-STD-6016, simplified; see e.g. the NATO "Link 16 Enhanced Training" notes on track
correlation and reporting responsibility R2):

* **persistent correlation**: a source track, once correlated with a system track, stays with
  it from update to update — it is *not* associated again from scratch — as long as it remains
  statistically consistent with the system track's reporting track: squared Mahalanobis
  distance of the positions with ``P_a + P_b`` (cross-covariance ignored) below
  ``decorrelation_gate²``, a wider gate than the one used to correlate (hysteresis);
  otherwise it is decorrelated and treated as new;
* **one track per source**: a system track holds at most one track of each source (two tracks
  of one source are two targets to that source);
* **new source tracks** are offered source by source, in the given priority order (the node's
  own tracks first), to the system tracks without a track of that source: global nearest
  neighbour (:func:`~iads.tracking.association.optimal_pairs`) on the same distance, gate
  ``gate``; those left start new system tracks;
* **dual designations are resolved**: two system tracks whose reporters are within ``gate``
  of each other and which share no source (one target carried under two numbers, e.g. after a
  track was decorrelated during a manoeuvre and its new system track later met the old one)
  are merged, the older number kept (nearest pairs first, one merge per system track and
  update);
* **reporting responsibility**: the system track's state is that of one of its tracks, the
  *reporter*; another track takes over only when its position covariance trace is below
  ``handover_ratio`` times the reporter's (Link-16's track-quality margin), or when the
  reporter is gone;
* **track number**: a system track keeps the number of the source track that started it for
  its whole life, whoever reports it later (Link-16: the track number stays with the track
  when reporting responsibility passes); should that number be in use already, a fresh one is
  drawn from ``fresh_numbers``;
* a system track ends when the last of its source tracks ends.

All inputs of one update must be predicted to one time. Analysis only; not for fire control.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from numba import njit

from .association import optimal_pairs, pairs_within_bipartite, pairs_within_upper

__all__ = ["Correlation", "TrackCorrelator"]


@dataclass(frozen=True)
class Correlation:
    """Result of one :meth:`TrackCorrelator.update`.

    Attributes
    ----------
    number
        System track numbers (S,) int64, sorted.
    row
        Input row of each system track's reporter (S,) int64: its state is the system track's.
    system
        System track number of each input row (M,) int64.
    index
        Index in ``number`` of each input row's system track (M,) int64.
    """

    number: np.ndarray
    row: np.ndarray
    system: np.ndarray
    index: np.ndarray


class TrackCorrelator:
    """Persistent track-to-track correlation (see the module docstring).

    Parameters
    ----------
    gate
        Correlation gate on the Mahalanobis distance of positions [-].
    decorrelation_gate
        A correlated track beyond this distance from its reporter is decorrelated [-]
        (≥ ``gate``).
    handover_ratio
        A track takes over reporting when its position covariance trace is below this times
        the reporter's [-] (0 < ratio ≤ 1; 1: always the best).
    fresh_numbers
        First of the numbers drawn when a starting track's own number is in use.
    """

    def __init__(self, gate: float = 4.0, decorrelation_gate: float = 6.0,
                 handover_ratio: float = 0.5, fresh_numbers: int = 1 << 62):
        if not 0 < gate <= decorrelation_gate:
            raise ValueError(f"need 0 < gate <= decorrelation_gate, got {gate}, "
                             f"{decorrelation_gate}")
        if not 0 < handover_ratio <= 1:
            raise ValueError(f"handover_ratio must be in (0, 1], got {handover_ratio}")
        self.gate = float(gate)
        self.decorrelation_gate = float(decorrelation_gate)
        self.handover_ratio = float(handover_ratio)
        self._fresh = int(fresh_numbers)
        self.reset()

    def reset(self) -> None:
        """Forget every correlation (numbers drawn so far are not drawn again)."""
        e = np.zeros(0, np.int64)
        # members: (source, key) -> system number, sorted by (source, key)
        self._member = (e, e, e, e)  # and each one's index among the numbers below
        # reporters: system number (sorted) -> (source, key) of its reporter
        self._reporter = (e, e, e)
        self._born: dict[int, int] = {}  # system number -> creation order
        self._seq = 0

    def copy(self) -> TrackCorrelator:
        """An independent correlator in the same state (updating one leaves the other as it
        was: :meth:`update` replaces its arrays and mutates only the creation-order map,
        copied here)."""
        other = copy.copy(self)
        other._born = dict(self._born)
        return other

    def __len__(self) -> int:
        """System tracks alive after the last update."""
        return self._reporter[0].size

    def update(self, source, key, x, P) -> Correlation:
        """Correlate one set of source tracks, all predicted to the same time.

        Parameters
        ----------
        source
            Source of each track (M,) int; sources are taken in the order of their first row
            (priority).
        key
            Each track's number within its source (M,) int64.
        x, P
            States (M, n) and covariances (M, n, n), positions first (3-D) [m, m²].
        """
        source = np.asarray(source, np.int64).reshape(-1)
        key = np.asarray(key, np.int64).reshape(-1)
        M = key.size
        # contiguous copies once: the compiled distance kernels read them many times
        pos = np.ascontiguousarray(np.asarray(x, float)[:, :3])
        Pp = np.ascontiguousarray(np.asarray(P, float)[:, :3, :3])
        tr = np.einsum("kii->k", Pp) if M else np.zeros(0)
        m_src, m_key, m_sys, m_idx = self._member
        at = _find(m_src, m_key, source, key)
        system = np.where(at >= 0, m_sys[np.maximum(at, 0)] if m_sys.size else -1, -1)
        rank = np.where(at >= 0, m_idx[np.maximum(at, 0)] if m_sys.size else -1, -1)
        # one track per source in a system track (kept: the first), then the reporters
        rep, sys_num, sys_row, _ = self._reporters(system, tr, source, key, dedupe=True,
                                                   rank=rank)
        # decorrelation: members out of their reporter's wide gate (never the reporter, so
        # every system track keeps its reporter row and number)
        k = np.flatnonzero((system >= 0) & (rep != np.arange(M)))
        if k.size:
            d2 = self._d2(pos, Pp, k, rep[k])
            system[k[d2 >= self.decorrelation_gate ** 2]] = -1
        # new tracks, source by source: GNN against system tracks without that source
        alive = set(sys_num.tolist())
        srcs, first = np.unique(source, return_index=True)
        # rows without a system track now, per source (an iteration changes only its own
        # source's rows)
        neg = np.flatnonzero(system < 0)
        with_new = set(source[neg].tolist())
        for s in source[np.sort(first)]:
            if s not in with_new:
                continue
            new = neg[source[neg] == s]
            taken = np.zeros(sys_num.size, bool)
            mine = system[(source == s) & (system >= 0)]
            taken[np.searchsorted(sys_num, mine)] = True
            mr, mc = self._associate(pos, Pp, tr, new, sys_row, taken)
            system[new[mr]] = sys_num[mc]
            left = np.ones(new.size, bool)
            left[mr] = False
            rest = new[left]
            if rest.size:
                nums = np.empty(rest.size, np.int64)
                for j, r in enumerate(rest):
                    n = int(key[r])
                    if n in alive or n < 0:
                        n = self._fresh
                        self._fresh += 1
                    alive.add(n)
                    nums[j] = n
                    self._born[n] = self._seq
                    self._seq += 1
                system[rest] = nums
                sys_num = np.concatenate([sys_num, nums])
                sys_row = np.concatenate([sys_row, rest])
                o = np.argsort(sys_num, kind="stable")
                sys_num, sys_row = sys_num[o], sys_row[o]
        self._merge(system, source, srcs, sys_num, sys_row, pos, Pp, tr)
        rep, number, row, index = self._reporters(system, tr, source, key,
                                                  rank=np.searchsorted(sys_num, system))
        # a (source, key) given twice keeps its last row's system track
        o = np.lexsort((key, source))  # stable: rows ascending within ties
        last = np.ones(M, bool)
        last[:-1] = (source[o[1:]] != source[o[:-1]]) | (key[o[1:]] != key[o[:-1]])
        o = o[last]
        self._member = (source[o], key[o], system[o], index[o])
        self._reporter = (number, source[row], key[row])
        if len(self._born) > 2 * number.size + 1024:  # forget the numbers of ended tracks
            self._born = {n: self._born[n] for n in number.tolist()}
        return Correlation(number, row, system, index)

    # ---- parts ---------------------------------------------------------------------------

    @staticmethod
    def _d2(pos, Pp, a, b):
        """Squared Mahalanobis distances of rows ``a`` and ``b`` (``P_a + P_b``; ``pos`` (M, 3)
        and ``Pp`` (M, 3, 3) C-contiguous)."""
        a = np.ascontiguousarray(a, np.int64)
        b = np.ascontiguousarray(b, np.int64)
        if a.size == 0:
            return np.zeros(0)
        return _pair_d2(pos, Pp, a, b)

    def _reporters(self, system, tr, source, key, dedupe: bool = False, rank=None):
        """Reporter row of each row's system track (-1 for rows without one): the previous
        reporter unless another member's trace is below ``handover_ratio`` times its; with
        the system track numbers (sorted) and each one's reporter row. ``dedupe``: first
        drop (``system`` set to -1, in place) every track of a source already in its system
        track at a lower row. Also each row's index among the numbers (-1 without one)."""
        return _reporter_pass(system, tr, source, key, *self._reporter, self.handover_ratio,
                              dedupe, rank)

    def _merge(self, system, source, srcs, sys_num, sys_row, pos, Pp, tr) -> None:
        """Merge system tracks (numbers ``sys_num``, reporter rows ``sys_row``) that gate each
        other and share no source (``srcs``: the sources, sorted): ``system`` is relabelled in
        place, the older number kept."""
        S = sys_num.size
        if S < 2:
            return
        g = self.gate
        ts = np.sqrt(tr[sys_row])
        i, j = pairs_within_upper(pos[sys_row], g * np.sqrt(2.0) * ts + 1.0)
        if i.size == 0:
            return
        d2 = self._d2(pos, Pp, sys_row[i], sys_row[j])
        k = d2 < g * g
        i, j, d2 = i[k], j[k], d2[k]
        if i.size == 0:
            return
        k = ~_share_source(system, source, srcs, sys_num, i, j)
        i, j, d2 = i[k], j[k], d2[k]
        used = np.zeros(S, bool)
        for a, b in zip(i[np.argsort(d2)], j[np.argsort(d2)], strict=True):
            if used[a] or used[b]:
                continue
            used[a] = used[b] = True
            na, nb = int(sys_num[a]), int(sys_num[b])
            keep, drop = (na, nb) if self._born[na] <= self._born[nb] else (nb, na)
            system[system == drop] = keep

    def _associate(self, pos, Pp, tr, new, sys_row, taken):
        """GNN of rows ``new`` with system tracks (reporter rows ``sys_row``) not ``taken``:
        matched (indices into ``new``, indices into ``sys_row``)."""
        e = np.zeros(0, np.int64)
        free = np.flatnonzero(~taken)
        if free.size == 0:
            return e, e
        g = self.gate
        ta, tb = np.sqrt(tr[new]), np.sqrt(tr[sys_row[free]])
        # a pair can gate only if d < g sqrt(ta² + tb²) <= g √2 max(ta, tb)
        rows, cols = pairs_within_bipartite(pos[new], g * np.sqrt(2.0) * ta + 1.0,
                                            pos[sys_row[free]], g * np.sqrt(2.0) * tb + 1.0)
        nk = free.size
        if rows.size == 0:
            return e, e
        d2 = self._d2(pos, Pp, new[rows], sys_row[free[cols]])
        ok = d2 < g * g
        mr, mc = optimal_pairs(rows[ok], cols[ok], d2[ok] - g * g, new.size, nk)
        return mr, free[mc]


def _find(s_src, s_key, source, key) -> np.ndarray:
    """Row of each (``source``, ``key``) among the stored pairs (``s_src``, ``s_key``), sorted
    by source then key; -1 where absent."""
    if s_key.size == 0 or key.size == 0:
        return np.full(key.size, -1, np.int64)
    return _find_sorted(*(np.ascontiguousarray(a, np.int64) for a in (s_src, s_key, source, key)))


@njit(cache=True)
def _find_sorted(s_src, s_key, source, key):
    """:func:`_find`: a binary search of each pair in the (source, key)-sorted stored pairs,
    galloping on from the previous pair's place when the pairs come in order (as a
    picture's do: sources in turn, each one's numbers increasing)."""
    out = np.full(key.size, -1, np.int64)
    n = s_key.size
    lo = 0
    for q in range(key.size):
        a, b = source[q], key[q]
        if q == 0 or a < source[q - 1] or (a == source[q - 1] and b < key[q - 1]):
            lo = 0  # out of order: every stored pair may follow
        # the stored pairs before lo are below (a, b); gallop to a bound above it
        hi = lo
        step = 1
        while hi < n and (s_src[hi] < a or (s_src[hi] == a and s_key[hi] < b)):
            lo = hi + 1
            hi = lo + step
            step *= 2
        if hi > n:
            hi = n
        while lo < hi:
            mid = (lo + hi) // 2
            if s_src[mid] < a or (s_src[mid] == a and s_key[mid] < b):
                lo = mid + 1
            else:
                hi = mid
        if lo < n and s_src[lo] == a and s_key[lo] == b:
            out[q] = lo
    return out


@njit(cache=True)
def _share_source(system, source, srcs, sys_num, i, j):
    """Whether system tracks ``sys_num[i]`` and ``sys_num[j]`` (sorted numbers) each hold a
    track of one source (``srcs``: the sources, sorted), per pair (bool)."""
    S = sys_num.size
    involved = np.zeros(S, np.bool_)
    for e in range(i.size):
        involved[i[e]] = True
        involved[j[e]] = True
    slot = np.full(S, -1, np.int64)
    C = 0
    for a in range(S):
        if involved[a]:
            slot[a] = C
            C += 1
    nums = np.empty(C, np.int64)  # the involved numbers, sorted
    for a in range(S):
        if involved[a]:
            nums[slot[a]] = sys_num[a]
    member = np.zeros((C, srcs.size), np.bool_)
    for r in range(system.size):
        if system[r] < 0:
            continue
        c = np.searchsorted(nums, system[r])
        if c < C and nums[c] == system[r]:
            member[c, np.searchsorted(srcs, source[r])] = True
    out = np.zeros(i.size, np.bool_)
    for e in range(i.size):
        a = slot[i[e]]
        b = slot[j[e]]
        for q in range(srcs.size):
            if member[a, q] and member[b, q]:
                out[e] = True
                break
    return out


@njit(cache=True)
def _pair_d2(pos, Pp, a, b):
    """``νᵀ (P_a + P_b)⁻¹ ν`` with ``ν = pos_a − pos_b`` for each pair (3-D; the adjugate
    inverse of :func:`iads.tracking.filters.inv_small`)."""
    out = np.empty(a.size)
    for e in range(a.size):
        i = a[e]
        j = b[e]
        s00 = Pp[i, 0, 0] + Pp[j, 0, 0]
        s01 = Pp[i, 0, 1] + Pp[j, 0, 1]
        s02 = Pp[i, 0, 2] + Pp[j, 0, 2]
        s10 = Pp[i, 1, 0] + Pp[j, 1, 0]
        s11 = Pp[i, 1, 1] + Pp[j, 1, 1]
        s12 = Pp[i, 1, 2] + Pp[j, 1, 2]
        s20 = Pp[i, 2, 0] + Pp[j, 2, 0]
        s21 = Pp[i, 2, 1] + Pp[j, 2, 1]
        s22 = Pp[i, 2, 2] + Pp[j, 2, 2]
        c00 = s11 * s22 - s12 * s21
        c01 = s12 * s20 - s10 * s22
        c02 = s10 * s21 - s11 * s20
        det = s00 * c00 + s01 * c01 + s02 * c02
        i00 = c00 / det
        i10 = c01 / det
        i20 = c02 / det
        i01 = (s02 * s21 - s01 * s22) / det
        i11 = (s00 * s22 - s02 * s20) / det
        i21 = (s01 * s20 - s00 * s21) / det
        i02 = (s01 * s12 - s02 * s11) / det
        i12 = (s02 * s10 - s00 * s12) / det
        i22 = (s00 * s11 - s01 * s10) / det
        n0 = pos[i, 0] - pos[j, 0]
        n1 = pos[i, 1] - pos[j, 1]
        n2 = pos[i, 2] - pos[j, 2]
        y0 = i00 * n0 + i01 * n1 + i02 * n2
        y1 = i10 * n0 + i11 * n1 + i12 * n2
        y2 = i20 * n0 + i21 * n1 + i22 * n2
        out[e] = y0 * n0 + y1 * n1 + y2 * n2
    return out


def _reporter_pass(system, tr, source, key, r_num, r_src, r_key, ratio, dedupe, rank=None):
    """:func:`_reporter_rows` with the rows ordered by system track (numpy's stable sort);
    ``rank``: optional, each row's index among the sorted system numbers (valid where
    ``system`` ≥ 0), which orders the rows as ``system`` does, sorted as 16-bit keys when
    they fit (numpy's radix sort)."""
    has = np.flatnonzero(system >= 0)
    if rank is not None and has.size and int(rank[has].max()) < 1 << 16:
        o = has[np.argsort(rank[has].astype(np.uint16), kind="stable")]
    else:
        o = has[np.argsort(system[has], kind="stable")]  # by system, rows ascending
    return _reporter_rows(system, np.ascontiguousarray(tr, dtype=float), source, key, r_num,
                          r_src, r_key, float(ratio), bool(dedupe), o)


@njit(cache=True)
def _reporter_rows(system, tr, source, key, r_num, r_src, r_key, ratio, dedupe, o):
    """:meth:`TrackCorrelator._reporters` over the rows: per system track (rows with equal
    ``system`` ≥ 0, taken in row order), after ``dedupe`` (a row whose source an earlier
    row of its system track has leaves it: ``system`` -1), the best member (smallest trace,
    then row) unless the stored reporter (the system track's number in the sorted
    ``r_num`` with that row's ``r_src`` and ``r_key``; the last of such rows in that order)
    keeps reporting — its trace is not above the best's by ``1 / ratio``. Returns the
    reporter row of each row, the system numbers (sorted), their reporter rows and each
    row's index among them (-1 for rows without a system track). ``o``: the rows with a
    system track ordered by it, rows ascending within (reordered in place)."""
    M = system.size
    rep = np.full(M, -1, np.int64)
    index = np.full(M, -1, np.int64)
    n = o.size
    number = np.empty(n, np.int64)
    row = np.empty(n, np.int64)
    G = 0
    jr = 0  # the stored reporters, walked along with the sorted system numbers
    g0 = 0
    while g0 < n:
        num = system[o[g0]]
        g1 = g0 + 1
        while g1 < n and system[o[g1]] == num:
            g1 += 1
        if dedupe:
            m = g0
            for k in range(g0, g1):
                r = o[k]
                seen = False
                for q in range(g0, m):
                    if source[o[q]] == source[r]:
                        seen = True
                        break
                if seen:
                    system[r] = -1
                else:
                    o[m] = r
                    m += 1
        else:
            m = g1
        while jr < r_num.size and r_num[jr] < num:
            jr += 1
        best = o[g0]
        cur = -1
        for k in range(g0, m):
            r = o[k]
            if tr[r] < tr[best]:
                best = r
            stored = (jr < r_num.size and r_num[jr] == num and r_src[jr] == source[r]
                      and r_key[jr] == key[r])
            if stored and (cur < 0 or tr[r] >= tr[cur]):
                cur = r
        chosen = best
        if cur >= 0 and not (tr[best] < ratio * tr[cur]):
            chosen = cur
        for k in range(g0, m):
            rep[o[k]] = chosen
            index[o[k]] = G
        number[G] = num
        row[G] = chosen
        G += 1
        g0 = g1
    return rep, number[:G].copy(), row[:G].copy(), index
