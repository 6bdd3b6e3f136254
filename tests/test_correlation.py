"""Track-to-track correlation (iads.tracking.correlation).

Independent reference: a synthetic world built here. Targets fly straight lines (some in
close pairs); two sources report noisy tracks of the targets they see, each with its own
numbering, a source's track numbers changing when it loses and regains a target, and the
sources' coverage changing over time. Every source track's target is known, so the correct
picture is known: exactly one system track per target seen by any source, made only of that
target's tracks, whose number never changes while some source keeps the target (also when the
source that started it drops out), with the state of the better source.
"""

from __future__ import annotations

import numpy as np
import pytest

from iads.tracking.correlation import TrackCorrelator


def _targets(n, rng):
    p0 = rng.uniform(-100e3, 100e3, (n, 3))
    p0[:, 2] = rng.uniform(1e3, 12e3, n)
    v = rng.normal(0, 200, (n, 3))
    v[:, 2] = 0.0
    # every fourth target flies 2 km from the previous one (a formation)
    p0[1::4] = p0[0::4][: p0[1::4].shape[0]] + [2e3, 0.0, 0.0]
    v[1::4] = v[0::4][: v[1::4].shape[0]]
    return p0, v


def _report(rng, truth, sigma, n):
    x = np.zeros((n, 6))
    x[:, :3] = truth + rng.normal(0, sigma, (n, 3))
    P = np.zeros((n, 6, 6))
    P[:, :3, :3] = sigma**2 * np.eye(3)
    P[:, 3:, 3:] = 20.0**2 * np.eye(3)
    return x, P


def test_one_system_track_per_target_with_stable_numbers():
    rng = np.random.default_rng(7)
    N = 40
    p0, v = _targets(N, rng)
    sig = {0: 150.0, 1: 400.0}  # source 0 is the better sensor
    corr = TrackCorrelator()
    number_of: dict[int, int] = {}  # target -> its system track number
    keys = {0: {}, 1: {}}  # source -> target -> current track number in that source
    next_key = {0: 1000, 1: 5000}
    for step in range(80):
        t = 5.0 * step
        truth = p0 + t * v
        # coverage: source 0 sees the even targets all the time and the odd ones in the first
        # half; source 1 sees targets < 30; source 1 loses target 3 for a while (new number)
        seen = {0: {i for i in range(N) if i % 2 == 0 or step < 40},
                1: {i for i in range(30) if not (i == 3 and 20 <= step < 25)}}
        src, key, xs, Ps, tgt = [], [], [], [], []
        for s in (0, 1):
            for i in sorted(seen[s]):
                if i not in keys[s]:
                    keys[s][i] = next_key[s]
                    next_key[s] += 1
            for i in list(keys[s]):
                if i not in seen[s]:
                    del keys[s][i]
            ii = np.array(sorted(seen[s]), np.int64)
            x, P = _report(rng, truth[ii], sig[s], ii.size)
            src += [s] * ii.size
            key += [keys[s][i] for i in ii]
            xs.append(x)
            Ps.append(P)
            tgt += ii.tolist()
        x, P, tgt = np.concatenate(xs), np.concatenate(Ps), np.array(tgt)
        c = corr.update(np.array(src), np.array(key), x, P)
        # one system track per target, made of that target's tracks only
        assert c.number.size == len(seen[0] | seen[1])
        for n in c.number:
            assert np.unique(tgt[c.system == n]).size == 1
        # numbers persist while any source keeps the target
        for n in c.number:
            i = int(np.unique(tgt[c.system == n])[0])
            if i in number_of:
                assert number_of[i] == n, (step, i)
            number_of[i] = int(n)
        # the better source reports when it sees the target
        for n, r in zip(c.number, c.row, strict=True):
            i = int(np.unique(tgt[c.system == n])[0])
            assert src[r] == (0 if i in seen[0] else 1)
    # odd targets < 30 were started by source 0 and kept their number when it lost them
    assert len(corr) == len({i for i in range(N) if i % 2 == 0} | set(range(30)))


def test_a_track_that_jumps_to_another_target_is_decorrelated():
    rng = np.random.default_rng(3)
    truth = np.array([[0.0, 0.0, 5e3], [30e3, 0.0, 5e3]])
    corr = TrackCorrelator()
    for step in range(6):
        # source 1's track 77 follows target 0, then (step >= 3) jumps to target 1
        x0, P0 = _report(rng, truth, 100.0, 2)
        x1, P1 = _report(rng, truth[[0 if step < 3 else 1]], 300.0, 1)
        c = corr.update([0, 0, 1], [10, 11, 77], np.concatenate([x0, x1]),
                        np.concatenate([P0, P1]))
        # 77 is with target 0's system track before the jump, with target 1's after
        assert c.system[2] == c.system[0 if step < 3 else 1]
        assert c.number.size == 2
    assert c.number.tolist() == [10, 11]


def test_a_target_under_two_numbers_is_merged_under_the_older():
    # source 1's track 77 follows target 0, strays 15 km off (decorrelated: a system track of
    # its own, number 77), then comes back onto target 0: the two system tracks of target 0
    # are merged under the older number, 10
    rng = np.random.default_rng(5)
    truth = np.array([[0.0, 0.0, 5e3], [30e3, 0.0, 5e3]])
    corr = TrackCorrelator()
    for step in range(8):
        x0, P0 = _report(rng, truth, 100.0, 2)
        off = np.array([[0.0, 15e3, 0.0]]) if step in (3, 4) else 0.0
        x1, P1 = _report(rng, truth[[0]] + off, 300.0, 1)
        c = corr.update([0, 0, 1], [10, 11, 77], np.concatenate([x0, x1]),
                        np.concatenate([P0, P1]))
        if step in (3, 4):
            assert c.number.tolist() == [10, 11, 77]
        else:
            assert c.number.tolist() == [10, 11] and c.system[2] == 10


def test_reporting_passes_only_with_the_handover_margin():
    corr = TrackCorrelator(handover_ratio=0.5)
    x = np.zeros((2, 6))
    x[1, 0] = 50.0

    def P(s):
        out = np.zeros((6, 6))
        out[:3, :3] = s**2 * np.eye(3)
        out[3:, 3:] = np.eye(3)
        return out

    c = corr.update([0, 1], [1, 2], x, np.stack([P(100.0), P(90.0)]))
    assert c.row.tolist() == [1]  # the better one starts reporting
    c = corr.update([0, 1], [1, 2], x, np.stack([P(80.0), P(90.0)]))
    assert c.row.tolist() == [1]  # 80² > 0.5 × 90²: no handover
    c = corr.update([0, 1], [1, 2], x, np.stack([P(60.0), P(90.0)]))
    assert c.row.tolist() == [0]  # 60² < 0.5 × 90²
    assert c.number.tolist() == [1]  # number of the track that started it (source 0 first)
    c = corr.update([1], [2], x[1:], np.stack([P(90.0)]))
    assert c.number.tolist() == [1] and c.row.tolist() == [0]  # the starter is gone


def test_bad_parameters():
    with pytest.raises(ValueError, match="gate"):
        TrackCorrelator(gate=5.0, decorrelation_gate=4.0)
    with pytest.raises(ValueError, match="handover"):
        TrackCorrelator(handover_ratio=0.0)


def _reporters_reference(system, tr, source, key, r_num, r_src, r_key, ratio, dedupe):
    """The numpy formulation the compiled reporter pass replaced (one track per source by a
    lexsort, the stored reporter by a searchsorted, then per system track)."""
    system = system.copy()
    M = system.size
    if dedupe and M:
        o = np.lexsort((source, system))
        dup = np.zeros(M, bool)
        dup[o[1:]] = (system[o[1:]] == system[o[:-1]]) & (source[o[1:]] == source[o[:-1]])
        system[dup & (system >= 0)] = -1
    stored = np.zeros(M, bool)
    if r_num.size and M:
        j = np.minimum(np.searchsorted(r_num, system), r_num.size - 1)
        stored = (system >= 0) & (r_num[j] == system) & (r_src[j] == source) & (r_key[j] == key)
    rep = np.full(M, -1, np.int64)
    number = np.unique(system[system >= 0])
    for num in number:
        rows = np.flatnonzero(system == num)
        best = rows[np.argmin(tr[rows])]
        cur = -1
        for r in rows[stored[rows]]:
            if cur < 0 or tr[r] >= tr[cur]:
                cur = r
        rep[rows] = cur if cur >= 0 and not tr[best] < ratio * tr[cur] else best
    row = np.empty(number.size, np.int64)
    has = system >= 0
    row[np.searchsorted(number, system[has])] = rep[has]
    index = np.full(M, -1, np.int64)
    index[has] = np.searchsorted(number, system[has])
    return system, rep, number, row, index


def test_compiled_reporter_pass_equals_the_numpy_formulation():
    from iads.tracking.correlation import _reporter_pass

    rng = np.random.default_rng(11)
    for M in (0, 1, 7, 300):
        system = rng.choice(np.array([-1, 3, 8, 1 << 62, 40, 41, 99]), M).astype(np.int64)
        source = rng.integers(0, 4, M).astype(np.int64)
        key = rng.integers(0, 6, M).astype(np.int64)
        tr = rng.choice([1.0, 2.0, 3.0, 7.0], M)  # ties on purpose
        pick = rng.random(M) < 0.5  # stored reporters: some rows' own (source, key)
        r_num, first = np.unique(system[pick & (system >= 0)], return_index=True)
        r_src = source[pick & (system >= 0)][first]
        r_key = key[pick & (system >= 0)][first]
        for dedupe in (False, True):
            for ratio in (0.5, 1.0):
                want = _reporters_reference(system, tr, source, key, r_num, r_src, r_key,
                                            ratio, dedupe)
                # the rows ordered by the system numbers or by their ranks among them
                ranks = np.searchsorted(np.unique(system[system >= 0]), system)
                for rank in (None, ranks):
                    s = system.copy()
                    got = _reporter_pass(s, tr, source, key, r_num, r_src, r_key, ratio,
                                         dedupe, rank)
                    np.testing.assert_array_equal(s, want[0])
                    for g, w in zip(got, want[1:], strict=True):
                        np.testing.assert_array_equal(g, w)



def test_find_equals_a_dictionary_lookup():
    """Stored (source, key) pairs looked up in order (galloping), out of order and repeated,
    against a dictionary of the pairs."""
    from iads.tracking.correlation import _find

    rng = np.random.default_rng(14)
    for n in (0, 1, 40, 700):
        pairs = np.unique(np.column_stack([rng.integers(0, 5, n), rng.integers(0, 300, n)]),
                          axis=0).reshape(-1, 2)
        where = {(int(a), int(b)): k for k, (a, b) in enumerate(pairs)}
        q = np.column_stack([rng.integers(-1, 6, 900), rng.integers(-5, 310, 900)])
        for qq in (q, q[np.lexsort((q[:, 1], q[:, 0]))], np.repeat(q[:50], 3, axis=0)):
            got = _find(pairs[:, 0], pairs[:, 1], qq[:, 0], qq[:, 1])
            want = [where.get((int(a), int(b)), -1) for a, b in qq]
            np.testing.assert_array_equal(got, want)

def test_shared_source_test_equals_the_membership_matrix():
    from iads.tracking.correlation import _share_source

    rng = np.random.default_rng(12)
    for M in (2, 50, 400):
        system = rng.choice(np.array([-1, 2, 5, 9, 17, 23, 1 << 62]), M).astype(np.int64)
        source = rng.choice(np.array([0, 3, 4, 10]), M).astype(np.int64)
        sys_num = np.unique(system[system >= 0])
        srcs = np.unique(source)
        i, j = np.nonzero(np.triu(np.ones((sys_num.size, sys_num.size), bool), 1))
        has = system >= 0
        member = np.zeros((sys_num.size, srcs.size), bool)
        member[np.searchsorted(sys_num, system[has]), np.searchsorted(srcs, source[has])] = True
        want = (member[i] & member[j]).any(axis=1)
        np.testing.assert_array_equal(_share_source(system, source, srcs, sys_num, i, j), want)
