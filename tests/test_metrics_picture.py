"""Picture, identity and exposure metrics (iads.metrics.picture / identity / exposure).

References, all independent of the implementation:

* continuity counted by hand on small sequences, and by a plain Python loop (the definition:
  a break is followed → not followed, a swap is one track directly followed by another) on
  random sequences, whatever the order the samples come in;
* identity matrices against :func:`iads.identification.identity_matrix` group by group;
* engagement envelopes on points placed at known slant ranges and heights (ENU offsets turned
  into ECEF with pyproj), minutes counted by hand;
* time under detection as the measure of a union of intervals counted by hand; aspect
  histograms by hand; closest approach of a straight route to a point against the
  perpendicular distance computed with pyproj's geodesic and ECEF transforms.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod, Transformer

from iads.identification import Identity, Truth, identity_matrix
from iads.kinematics import route_segments, stack_paths, stationary_paths
from iads.metrics.exposure import aspect_histogram, closest_approach, time_under_detection
from iads.metrics.identity import identity_counts, inside_envelope, labelled_unknown_minutes
from iads.metrics.picture import time_to_track, track_continuity

_TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


def _ecef(lat, lon, h):
    x, y, z = _TO_ECEF.transform(lon, lat, h)
    return np.stack([np.asarray(x), np.asarray(y), np.asarray(z)], axis=-1)


# ---- continuity ---------------------------------------------------------------------------


def test_continuity_by_hand():
    # object 0: one track all along; 1: lost, then a new track; 2: handed to another track;
    # 3: never tracked; 4: swap, then lost, then the first track again
    seqs = {0: [7, 7, 7, 7], 1: [3, 3, -1, -1, 5, 5], 2: [1, 1, 2, 2], 3: [-1, -1],
            4: [8, 9, -1, 8]}
    t, o, k = [], [], []
    for obj, seq in seqs.items():
        for i, tid in enumerate(seq):
            t.append(10.0 * i)
            o.append(obj)
            k.append(tid)
    c = track_continuity(t, o, k)
    got = {int(ob): (int(s), int(tr), int(n), int(b), int(w)) for ob, s, tr, n, b, w in zip(
        c.object, c.samples, c.tracked, c.tracks, c.breaks, c.swaps, strict=True)}
    #              samples tracked tracks breaks swaps
    assert got == {0: (4, 4, 1, 0, 0), 1: (6, 4, 2, 1, 0), 2: (4, 4, 2, 0, 1),
                   3: (2, 0, 0, 0, 0), 4: (4, 3, 2, 1, 1)}


def _continuity_loop(t, o, k):
    out = {}
    for obj in sorted(set(o)):
        seq = [tid for _, tid in sorted((ti, ki) for ti, oi, ki in zip(t, o, k, strict=True)
                                        if oi == obj)]
        steps = list(zip(seq[:-1], seq[1:], strict=True))
        breaks = sum(1 for a, b in steps if a >= 0 and b < 0)
        swaps = sum(1 for a, b in steps if a >= 0 and b >= 0 and a != b)
        out[obj] = (len(seq), sum(x >= 0 for x in seq), len({x for x in seq if x >= 0}),
                    breaks, swaps)
    return out


def test_continuity_against_a_loop_in_any_order():
    rng = np.random.default_rng(3)
    n = 400
    t = rng.permutation(np.repeat(np.arange(40.0), 10))[:n]
    o = rng.integers(0, 12, n)
    # unique (object, time) samples
    key = np.unique(o * 1000 + t.astype(int), return_index=True)[1]
    t, o = t[key], o[key]
    k = rng.choice([-1, -1, 1, 2, 3], t.size)
    perm = rng.permutation(t.size)
    c = track_continuity(t[perm], o[perm], k[perm])
    got = {int(ob): (int(s), int(tr), int(n_), int(b), int(w)) for ob, s, tr, n_, b, w in zip(
        c.object, c.samples, c.tracked, c.tracks, c.breaks, c.swaps, strict=True)}
    assert got == _continuity_loop(t.tolist(), o.tolist(), k.tolist())


def test_time_to_track():
    d = time_to_track([10.0, np.nan, 5.0], [25.0, 30.0, np.nan])
    assert d[0] == 15.0 and np.isnan(d[1]) and np.isnan(d[2])


# ---- identity -----------------------------------------------------------------------------


def test_identity_counts_match_identity_matrix_per_group():
    rng = np.random.default_rng(5)
    g = rng.integers(0, 6, 500)
    tr = rng.integers(0, len(Truth), 500)
    idt = rng.integers(0, len(Identity), 500)
    keys, mats = identity_counts(g, tr, idt)
    assert keys.tolist() == sorted(set(g.tolist()))
    for key, m in zip(keys, mats, strict=True):
        assert np.array_equal(m, identity_matrix(tr[g == key], idt[g == key]))


def test_inside_envelope_at_known_ranges_and_heights():
    lat0, lon0, h0 = 40.0, 32.5, 900.0
    fu = _ecef(lat0, lon0, h0)
    geod = Geod(ellps="WGS84")
    # points due east at ground distances, at chosen heights; slant ranges from pyproj ECEF
    dist = np.array([2e3, 5e3, 100e3, 200e3, 249e3, 260e3, 100e3, 100e3])
    h = np.array([3000.0, 3000.0, 3000.0, 10000.0, 9000.0, 9000.0, 3.0, 31000.0])
    lon, lat, _ = geod.fwd(np.full(dist.size, lon0), np.full(dist.size, lat0),
                           np.full(dist.size, 90.0), dist)
    pos = _ecef(lat, lon, h)
    slant = np.linalg.norm(pos - fu, axis=1)
    want = (slant >= 3e3) & (slant <= 250e3) & (h >= 5.0) & (h <= 30e3)
    got = inside_envelope(pos, h, fu, 3e3, 250e3, 5.0, 30e3)
    assert got.tolist() == want.tolist()
    assert got.tolist() == [False, True, True, True, True, False, False, False]


def test_labelled_unknown_minutes_by_hand():
    T, I = Truth, Identity  # noqa: E741
    truth = [T.CIVIL, T.CIVIL, T.ALLIED, T.OWN, T.CIVIL, T.ALLIED, T.HOSTILE]
    ident = [I.UNKNOWN, I.NEUTRAL, I.SUSPECT, I.UNKNOWN, I.UNKNOWN, I.FRIEND, I.UNKNOWN]
    inside = [True, True, True, True, False, True, True]
    # civil unknown inside (1) + allied suspect inside (1): 2 samples of 10 s
    assert labelled_unknown_minutes(truth, ident, inside, 10.0) == pytest.approx(20.0 / 60.0)
    own_too = labelled_unknown_minutes(truth, ident, inside, 30.0,
                                       categories=(T.CIVIL, T.ALLIED, T.OWN))
    assert own_too == pytest.approx(1.5)


# ---- exposure -----------------------------------------------------------------------------


def test_time_under_detection_is_the_union_of_intervals():
    # [0, 10) ∪ [5, 15) ∪ [30, 35): 15 + 5
    assert time_under_detection([30.0, 0.0, 5.0], 10.0, 35.0) == pytest.approx(20.0)
    assert time_under_detection([], 10.0, 100.0) == 0.0
    assert time_under_detection([95.0], 10.0, 100.0) == pytest.approx(5.0)


def test_aspect_histogram_by_hand():
    a = np.radians([0.0, 5.0, 10.0, 95.0, 179.9, 180.0])
    h = aspect_histogram(a, 10.0)
    assert h.size == 18 and h.sum() == 6
    assert h[0] == 2 and h[1] == 1 and h[9] == 1 and h[17] == 2


class _Wp:
    def __init__(self, lat, lon, alt_m, speed_mps=None):
        self.lat, self.lon, self.alt_m, self.speed_mps = lat, lon, alt_m, speed_mps
        self.alt_ref, self.time_s = "msl", None


def test_closest_approach_of_a_straight_route():
    # a route along the meridian 33.0 E passes west of a radar at 33.5 E; the closest point
    # is abeam the radar (pyproj: the geodesic distance at the same latitude, at height)
    seg = route_segments([_Wp(38.0, 33.0, 8000.0, 250.0), _Wp(41.0, 33.0, 8000.0)])
    paths = stack_paths([seg])
    radar = stationary_paths([39.5], [33.5], [1000.0])
    d, t = closest_approach(paths, 0, radar, 0.0, float(seg.t_end), step_s=5.0)
    lat = np.linspace(38.0, 41.0, 30001)
    ref = np.linalg.norm(_ecef(lat, np.full(lat.size, 33.0), np.full(lat.size, 8000.0))
                         - _ecef(39.5, 33.5, 1000.0), axis=1)
    assert d == pytest.approx(ref.min(), abs=2.0)
    # the time: flying north from 38 N at 250 m/s to the closest latitude (the path is flown
    # at 8 km, longer than the geodesic on the ellipsoid by about h / R)
    lat_min = lat[np.argmin(ref)]
    s = Geod(ellps="WGS84").inv(33.0, 38.0, 33.0, lat_min)[2] * (1.0 + 8000.0 / 6.371e6)
    assert t == pytest.approx(s / 250.0, abs=0.3)
    assert not math.isnan(d)
