"""Benchmark: interceptor-steps per second of :func:`iads.flyout.flyout` against a ballistic raid.

Setup
-----
* A seeded raid (``iads.threats.raid``) of 100 ATACMS from a 30 km disc in Crimea at two aim
  points ~250 km away, launches spread over 60 s, re-entry slowed to the catalog's 1,000 m/s.
* M interceptors (48N6E3 catalog parameters) from one site near the aim points, M/100 per threat,
  each launched 45 s before its threat's impact (plus a uniform 0–5 s jitter) along the
  straight-line lead direction at 1,400 m/s, raised to at least 20° elevation. Default step
  10 ms, 1 ms near closest approach; default guidance (mid-course to the predicted intercept
  point, terminal homing from 10 s to go).
* Timing: wall and CPU (process) time of ``flyout`` only (numba cache warmed by a first small
  run), best of ``--repeats``; the rates are the result's ``steps`` (interceptor-steps actually
  integrated) divided by those times (CPU time is the steadier figure on a shared machine; the
  kernel is single-threaded). Truth from :func:`iads.flyout.target_from_paths` (the targets' ECEF
  chords), guidance on the truth.

Run: ``.venv/bin/python benchmarks/bench_flyout.py`` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from iads.catalog import load_catalog
from iads.flyout import flyout, interceptor_params, lead_direction, target_from_paths
from iads.geodesy import geodetic_to_ecef
from iads.kinematics import positions
from iads.rng import component_rng
from iads.threats import raid, threat_paths


def setup(m: int, seed: int):
    cat = load_catalog()
    threats = raid(cat.get("targets", "atacms"), 100, (45.2, 33.4, 30e3),
                   [(44.0, 35.6), (43.9, 35.9)], rng=component_rng(seed, "bench", "raid"),
                   type_id="atacms", start_s=0.0, spread_s=60.0)
    paths = threat_paths(threats)
    rng = component_rng(seed, "bench", "shooters")
    j = np.arange(m) % 100
    t_imp = np.array([th.t_impact for th in threats])
    t_l = t_imp[j] - 45.0 + rng.uniform(0.0, 5.0, m)
    site = np.array([float(x) for x in geodetic_to_ecef(44.1, 35.7, 50.0)])
    p_t, v_t = positions(paths, t_l + 20.0, j)
    u = lead_direction(np.tile(site, (m, 1)), p_t, v_t, 1400.0, min_elevation_deg=20.0)
    prm = interceptor_params(cat.get("missiles", "48n6e3"))
    return dict(launch_pos=np.tile(site, (m, 1)), launch_dir=u, t_launch=t_l, params=prm,
                truth=target_from_paths(paths), target_index=j,
                target_category="ballistic_missile")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000, 10000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    flyout(**setup(10, args.seed), rng=np.random.default_rng(0))  # warm the numba cache
    print(f"{'M':>7} {'steps':>10} {'wall s':>8} {'cpu s':>8} {'steps/wall s':>13} "
          f"{'steps/cpu s':>12}  outcomes")
    for m in args.sizes:
        kw = setup(m, args.seed)
        wall = cpu = np.inf
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            res = flyout(**kw, rng=np.random.default_rng(0))
            wall = min(wall, time.perf_counter() - t0)
            cpu = min(cpu, time.process_time() - c0)
        print(f"{m:>7} {res.steps:>10} {wall:>8.3f} {cpu:>8.3f} {res.steps / wall:>13.3g} "
              f"{res.steps / cpu:>12.3g}  {res.counts()}")


if __name__ == "__main__":
    main()
