"""Benchmark: radar looks per second, N objects × R radars, with exact kinematics.

Setup
-----
* N air objects (default 1,000) on two- to four-waypoint routes over Anatolia (36-42° N,
  27-44° E), 50 m to 15 km, 100-600 m/s, every tenth a 2,400-4,800 m/s "ballistic" one: geodesic
  legs as 1 m-sag chords (:mod:`iads.kinematics`).
* R radars (default 10) placed around 39° N 33° E: 91N6E, 96L6E, Nebo-M and 64N6E rotating,
  92N6E and 30N6E2 phased arrays (90° sectors; the first 50 objects under track), cycling
  through that list; generators from :func:`iads.rng.component_rng`.
* Each radar runs ``--duration`` seconds (default 60) in windows of one revolution or frame
  through :func:`iads.sensors.scan_window`: beam crossings, geometry, visibility, SNR with
  clutter (constant γ) and one stand-off jammer, Swerling Pd, draws, false alarms.
* Timing: wall time of ``scan_window`` calls only, after a warm-up call (numba cache warm).
  Also timed separately: :func:`beam_crossings` alone and :func:`positions` (random objects and
  times).

Reported: looks per second (a look = one object passing through one radar's beam), crossings
per second, position evaluations per second, and the simulated-to-wall time ratio.

Run: ``.venv/bin/python benchmarks/bench_sensors.py [--objects 1000 --radars 10]``.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from iads.catalog import load_catalog
from iads.kinematics import positions, route_segments, stack_paths
from iads.rng import component_rng
from iads.sensors import ClutterModel, Jammers, beam_crossings, placed_radar, scan_window
from iads.sensors.detection import Signatures

RADARS = ["91n6e", "96l6e", "nebo-m", "92n6e", "64n6e", "30n6e2"]


class Wp:
    def __init__(self, lat, lon, alt_m, speed_mps=None):
        self.lat, self.lon, self.alt_m, self.speed_mps = lat, lon, alt_m, speed_mps
        self.alt_ref, self.time_s = "msl", None


def make_paths(n, rng):
    segs = []
    for i in range(n):
        k = int(rng.integers(2, 5))
        fast = i % 10 == 0
        wps = [Wp(float(rng.uniform(36, 42)), float(rng.uniform(27, 44)),
                  float(rng.uniform(50, 15000)),
                  float(rng.uniform(2400, 4800) if fast else rng.uniform(100, 600)))
               for _ in range(k)]
        segs.append(route_segments(wps))
    return stack_paths(segs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=1000)
    ap.add_argument("--radars", type=int, default=10)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    cat = load_catalog()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    paths = make_paths(args.objects, rng)
    print(f"paths: {args.objects} objects, {len(paths.t0)} segments, "
          f"built in {time.perf_counter() - t0:.2f} s")
    targets = [cat.targets["f-16c"], cat.targets["cruise-missile"], cat.targets["f-35a"]]
    radars = []
    for j in range(args.radars):
        name = RADARS[j % len(RADARS)]
        rd = cat.radars[name]
        g = component_rng(args.seed, "radar", f"{name}-{j}")
        lat = 39.0 + 1.5 * math.sin(j)
        lon = 33.0 + 2.0 * math.cos(j)
        r = placed_radar(rd, f"{name}-{j}", lat, lon, 900.0, rng=g,
                         boresight_deg=float((37 * j) % 360))
        sig = Signatures(
            np.array([[t.rcs_m2[r.band].nose.value, t.rcs_m2[r.band].beam.value,
                       t.rcs_m2[r.band].tail.value]
                      for t in (targets[i % 3] for i in range(args.objects))]),
            np.array([targets[i % 3].swerling[r.band] for i in range(args.objects)]))
        radars.append((r, g, sig))
    jam = Jammers([args.objects - 1], [100.0], [200e6])
    clutter = ClutterModel()
    tracked = np.arange(min(50, args.objects))

    def run(r, g, sig, t_end):
        period = getattr(r.scan, "period_s", None) or r.scan.frame_s
        t, looks, dets, wall = 0.0, 0, 0, 0.0
        while t < t_end:
            w0 = time.perf_counter()
            res = scan_window(r, paths, sig, t, t + period, g, tracked=tracked, clutter=clutter,
                              jammers=jam)
            wall += time.perf_counter() - w0
            looks += len(res.looks)
            dets += len(res.detections)
            t += period
        return looks, dets, wall

    for r, g, sig in radars[: len(RADARS)]:  # warm-up (numba cache, first calls)
        run(r, g, sig, 1e-3)
    total_looks = total_dets = 0
    total_wall = 0.0
    for r, g, sig in radars:
        looks, dets, wall = run(r, g, sig, args.duration)
        total_looks += looks
        total_dets += dets
        total_wall += wall
        print(f"  {r.id:12s} {looks:8d} looks {dets:7d} plots {wall:7.3f} s "
              f"({looks / wall:,.0f} looks/s)")
    print(f"scan_window: {total_looks:,} looks, {total_dets:,} plots in {total_wall:.2f} s: "
          f"{total_looks / total_wall:,.0f} looks/s; {args.radars} radars x {args.objects} "
          f"objects x {args.duration:g} s simulated = {args.duration / total_wall:.1f}x real time")
    r, _, _ = radars[0]
    beam_crossings(paths, r.platform, r.scan, 0.0, 1.0)
    w0 = time.perf_counter()
    cr = beam_crossings(paths, r.platform, r.scan, 0.0, 10 * r.scan.period_s)
    w = time.perf_counter() - w0
    print(f"beam_crossings alone ({r.id}, 10 revolutions): {len(cr):,} crossings in "
          f"{w:.3f} s = {len(cr) / w:,.0f} /s; Newton iterations: "
          f"mean {cr.iterations.mean():.2f}, max {cr.iterations.max()}")
    m = 1_000_000
    obj = rng.integers(0, args.objects, m)
    tt = rng.uniform(0, 3600, m)
    positions(paths, tt[:10], obj[:10])
    w0 = time.perf_counter()
    positions(paths, tt, obj)
    w = time.perf_counter() - w0
    print(f"positions: {m:,} random (object, time) evaluations in {w:.3f} s = "
          f"{m / w / 1e6:.1f} M/s")


if __name__ == "__main__":
    main()
