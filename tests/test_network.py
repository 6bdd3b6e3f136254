"""Links and the out-of-sequence buffer (iads.simulation.network).

References: on/off intervals and send ticks counted by hand; the watermark buffer against its
definition (horizon = the smallest reported window end; plots come out time-sorted); and the
out-of-sequence method end to end on real radar plots (two catalog radars, exact kinematics,
the node tracker): when one radar's reports arrive 25 s late and in a burst, the node's tracks
are exactly those of the in-order run once both have reached the same horizon, whereas feeding
the same plots in arrival order (no watermark) gives different tracks.
"""

from __future__ import annotations

import numpy as np
import pytest

from iads.catalog import load_catalog
from iads.kinematics import route_segments, stack_paths
from iads.rng import component_rng
from iads.sensors import placed_radar, scan_window, signatures
from iads.simulation.network import (
    InputBuffer,
    ScanReport,
    on_intervals,
    process_ready,
    send_times,
)
from iads.simulation.nodes import PlotTracker, RadarView
from iads.simulation.plots import Plots, plots_from_detections


def test_on_intervals_by_hand():
    sw = [(10.0, False), (20.0, True), (35.0, False)]
    assert on_intervals(sw, 0.0, 40.0) == ((0.0, 10.0), (20.0, 35.0))
    assert on_intervals(sw, 12.0, 18.0) == ()
    assert on_intervals(sw, 15.0, 30.0) == ((20.0, 30.0),)
    assert on_intervals(sw, 36.0, 50.0) == ()
    assert on_intervals([(5.0, True)], 0.0, 10.0, on_at_start=False) == ((5.0, 10.0),)
    assert on_intervals([], 0.0, 10.0) == ((0.0, 10.0),)
    # a switch at the window start acts from that instant
    assert on_intervals([(10.0, False)], 10.0, 20.0) == ()


def test_send_times():
    assert send_times(5.0, 20.0).tolist() == [5.0, 10.0, 15.0, 20.0]
    assert send_times(12.0, 30.0).tolist() == [12.0, 24.0]


def _plots(times, radar):
    t = np.asarray(times, float)
    n = t.size
    return Plots(t, np.full(n, radar, np.int64), np.zeros(n, np.int64), np.zeros((n, 3)),
                 np.tile(np.eye(3), (n, 1, 1)))


def test_buffer_watermark_and_order():
    buf = InputBuffer(2)
    assert buf.horizon == 0.0
    buf.receive(0, [ScanReport(0, 0.0, 10.0, ((0.0, 10.0),), _plots([9.0, 1.0], 0))])
    assert buf.horizon == 0.0  # input 1 has reported nothing yet
    buf.receive(1, [ScanReport(1, 0.0, 6.0, ((0.0, 6.0),), _plots([5.0], 1)),
                    ScanReport(1, 6.0, 12.0, ((6.0, 12.0),), _plots([7.0, 11.0], 1))])
    assert buf.horizon == 10.0
    out = buf.take(0.0, 8.0)
    assert out.time_s.tolist() == [1.0, 5.0, 7.0]
    assert buf.take(8.0, 10.0).time_s.tolist() == [9.0]
    assert buf.take(10.0, 12.0).time_s.tolist() == [11.0]
    assert buf.on(1, 4.0, 8.0) == [(4.0, 6.0), (6.0, 8.0)]


class _Wp:
    def __init__(self, lat, lon, alt_m, speed_mps=None):
        self.lat, self.lon, self.alt_m, self.speed_mps = lat, lon, alt_m, speed_mps
        self.alt_ref, self.time_s = "msl", None


@pytest.fixture(scope="module")
def two_radars():
    cat = load_catalog()
    rng = np.random.default_rng(11)
    segs = []
    for _ in range(8):
        lat, lon = 39.5 + rng.uniform(-0.8, 0.8), 32.5 + rng.uniform(-1.0, 1.0)
        hd = rng.uniform(0, 2 * np.pi)
        segs.append(route_segments([
            _Wp(lat, lon, float(rng.uniform(3000, 11000)), float(rng.uniform(150, 280))),
            _Wp(lat + 1.5 * np.cos(hd), lon + 1.5 * np.sin(hd), 9000.0)]))
    paths = stack_paths(segs)
    sig = {}
    radars = []
    for k, (name, lat, lon) in enumerate((("91n6e", 40.0, 32.6), ("96l6e", 39.2, 32.2))):
        rd = cat.radars[name]
        g = component_rng(4, "radar", name)
        radars.append((placed_radar(rd, name, lat, lon, 900.0, rng=g), g))
        sig[k] = signatures([cat.targets["airliner"]] * len(paths), rd.band)
    reports = []
    for k, (pr, g) in enumerate(radars):
        period = pr.scan.period_s
        edges = np.arange(0.0, 150.0 + period, period)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            res = scan_window(pr, paths, sig[k], a, b, g, radar_index=k)
            reports.append(ScanReport(k, a, b, ((a, b),),
                                      plots_from_detections(pr, res.detections, k)))
    return [pr for pr, _ in radars], reports


def _run(radars, deliveries, n_inputs=2, chunk_s=5.0):
    """Feed deliveries ``(arrival time, input, [reports])`` in arrival order to a node."""
    buf = InputBuffer(n_inputs)
    tracker = PlotTracker()
    views = [(r, RadarView(p)) for r, p in enumerate(radars)]

    def looks(pos, c0, c1, tentative=None):
        n = np.zeros(pos.shape[0], np.int64)
        for r, v in views:
            on = buf.on(r, c0, c1)
            if on:
                n += v.count(pos, c0, c1, on, tentative)
        return n

    chunk = 0
    for t, i, reps in sorted(deliveries, key=lambda d: d[0]):
        buf.receive(i, reps)
        chunk = process_ready(buf, tracker, chunk, chunk_s, looks, t)
    return tracker, chunk


def _state(tr):
    k = tr.tracks
    return (k.track_id.tolist(), k.confirmed.tolist(), k.hits.tolist(), tr.time_s.tolist(),
            k.states.x, k.states.P)


def test_delayed_reports_give_the_in_order_tracks(two_radars):
    radars, reports = two_radars
    horizon = min(max(r.t1_s for r in reports if r.radar == k) for k in (0, 1))
    horizon = np.floor(horizon / 5.0) * 5.0
    keep = [r for r in reports if r.t1_s <= horizon + 1e-9 or r.t0_s < horizon]
    in_order = [(r.t1_s, r.radar, [r]) for r in keep]
    # radar 1's reports held back 25 s and delivered in bursts of three
    late = [r for r in keep if r.radar == 1]
    delayed = [(r.t1_s, 0, [r]) for r in keep if r.radar == 0]
    for j in range(0, len(late), 3):
        burst = late[j:j + 3]
        delayed.append((burst[-1].t1_s + 25.0, 1, burst))
    a, ca = _run(radars, in_order)
    b, cb = _run(radars, delayed)
    assert ca == cb == int(horizon / 5.0)
    assert len(a.tracks) > 0 and a.tracks.confirmed.sum() >= 4
    sa, sb = _state(a), _state(b)
    assert sa[:4] == sb[:4]
    assert np.array_equal(sa[4], sb[4]) and np.array_equal(sa[5], sb[5])
    assert a.confirmations and [(c.track_id, c.object, c.plot_s) for c in a.confirmations] == [
        (c.track_id, c.object, c.plot_s) for c in b.confirmations]
    # the processing times differ: the delayed node confirmed its tracks later
    assert max(c.now_s for c in b.confirmations) > max(c.now_s for c in a.confirmations)

    # without the watermark (one input: whatever arrives is processed) the late plots are
    # tracked out of time order, and the tracks differ
    c, _ = _run(radars, [(t, 0, reps) for t, _, reps in delayed], n_inputs=1)
    sc = _state(c)
    same = (sa[:4] == sc[:4] and sa[4].shape == sc[4].shape
            and np.allclose(sa[4], sc[4], atol=1.0))
    assert not same


@pytest.mark.parametrize("name, boresight", [("91n6e", None), ("92n6e", 60.0)])
def test_look_counts_against_a_sampled_beam(name, boresight):
    """Looks counted by the node (RadarView.count) against the beam sampled every 1 ms
    (iads.sensors.beam_azimuth): a look each time the beam sweeps over the position's azimuth
    while the radar is on; positions out of range or sector get none."""
    from iads.sensors import beam_azimuth
    from iads.simulation.plots import enu_rows_many

    rd = load_catalog().radars[name]
    pr = placed_radar(rd, name, 40.0, 32.5, 900.0, boresight_deg=boresight,
                      rng=np.random.default_rng(3))
    view = RadarView(pr, rcs_m2=100.0)
    rp, rows = view.frame(0.0)
    rng = np.random.default_rng(8)
    az = rng.uniform(0, 2 * np.pi, 40)
    dist = rng.uniform(20e3, 1.3 * pr.max_range_m, 40)
    enu = np.stack([dist * np.sin(az), dist * np.cos(az), np.full(40, 8000.0)], axis=1)
    pos = rp + enu @ rows
    on = [(1.3, 7.9), (9.0, 23.7)]
    got = view.count(pos, 0.0, 25.0, on)
    t = np.arange(0.0, 25.0, 1e-3)
    beam = beam_azimuth(pr.scan, t)
    want = np.zeros(40, int)
    az_true = np.mod(np.arctan2(enu[:, 0], enu[:, 1]), 2 * np.pi)
    for i in range(40):
        rel = np.mod(beam - az_true[i], 2 * np.pi)
        # the beam passes the azimuth where the relative angle wraps from ~2π to ~0
        cross = np.flatnonzero((rel[1:] < 0.5) & (rel[:-1] > 2 * np.pi - 0.5)) + 1
        in_on = [c for c in cross if any(a <= t[c] < b for a, b in on)]
        rng_i = np.linalg.norm(enu[i])
        sec = pr.sector_rad >= 2 * np.pi - 1e-9 or abs(
            np.mod(az_true[i] - pr.boresight_rad + np.pi, 2 * np.pi) - np.pi
        ) <= 0.5 * pr.sector_rad
        if rng_i <= view.reach_m and sec:
            want[i] = len(in_on)
    assert got.tolist() == want.tolist()
    assert want.max() >= 2 and (want == 0).any()
    assert enu_rows_many(rp).shape == (1, 3, 3)


def test_a_moving_radars_frame_is_its_platform_at_each_instant():
    """RadarView.frame of an orbiting radar (kept for the last instant asked, which the nodes
    sharing the view ask in turn) equals the platform evaluated afresh, at every instant."""
    import dataclasses
    from types import SimpleNamespace

    from iads.kinematics import orbit_segments, positions, stack_paths
    from iads.simulation.plots import enu_rows_many

    rd = load_catalog().radars["91n6e"]
    pr = placed_radar(rd, "orbiter", 40.0, 32.5, 900.0, rng=np.random.default_rng(3))
    orbit = SimpleNamespace(lat=40.0, lon=32.5, radius_km=60.0, alt_m=9000.0,
                            speed_mps=200.0, clockwise=True)
    pr = dataclasses.replace(pr, platform=stack_paths([orbit_segments(orbit)]))
    view = RadarView(pr)
    assert not view.stationary
    for t in (0.0, 12.5, 12.5, 0.0, 300.0, 12.5):
        rp, rows = view.frame(t)
        want, _ = positions(pr.platform, t, np.zeros(1, np.int64))
        np.testing.assert_array_equal(rp, want[0])
        np.testing.assert_array_equal(rows, enu_rows_many(want)[0])
