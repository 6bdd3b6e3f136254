"""Benchmark: sweep throughput with 1 and 2 local processes and on Dask, against the machine's
own ceiling.

Run standalone: ``.venv/bin/python benchmarks/bench_sweep.py [--seconds 20] [--rounds 2]``.

The model is ``detection`` with every uncertain catalog figure sampled per replication (the
S-400's radars against the minimal scenario's coverage targets; ~10-25 ms a replication).
``simulate`` is used instead when ``--model simulate`` is given and the package has it.

Measured, in alternating rounds (the best round of each counts, so that load from other
processes on a shared machine hurts every configuration alike):

* the sweep's replications/s in its run phase (first chunk submitted → last chunk stored) with
  ``workers=1`` (in this process) and ``workers=2`` (spawn pool, workers started and warmed
  before the clock starts), and on a Dask ``LocalCluster(2, threads_per_worker=1)``;
* the ceiling: a compute-bound numpy loop (``sin`` over 4,096 doubles, in cache) run by one
  worker process, then by two at once, in a pool of the same kind: speed-up = 2 t1 / t2;
* the share of the run phase spent writing Parquet chunks;
* CPU seconds per replication over all processes (parent + workers): the parallel overhead in
  a form that does not depend on other load on the machine.

Targets (issue 6): 2-process speed-up ≥ 90 % of the ceiling's; Dask within 10 % of the local
pool; storing < 5 % of the sweep time. Start-up times (spawning and warming workers, starting
the cluster) are printed apart: they are paid once per sweep.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "examples" / "minimal.yaml"


def burn(n: int) -> float:
    """``n`` units of compute-bound numpy work (no memory traffic beyond the caches)."""
    x = np.linspace(0.0, 1.0, 4096)
    acc = 0.0
    for _ in range(n):
        acc += float(np.sin(x).sum())
    return acc


def _one_thread() -> None:
    os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})


def ceiling(seconds: float) -> tuple[float, float, float]:
    """(t1, t2, speed-up) of ``seconds`` of burn() on one worker vs on each of two."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx, initializer=_one_thread) as pool:
        for f in [pool.submit(burn, 200) for _ in range(2)]:
            f.result()
        t0 = time.perf_counter()
        pool.submit(burn, 500).result()
        n = max(500, int(500 * seconds / (time.perf_counter() - t0)))
        t0 = time.perf_counter()
        pool.submit(burn, n).result()
        t1 = time.perf_counter() - t0
        t0 = time.perf_counter()
        for f in [pool.submit(burn, n) for _ in range(2)]:
            f.result()
        t2 = time.perf_counter() - t0
    return t1, t2, 2 * t1 / t2


def run(kind: str, reps: int, model: str, tmp: Path):
    import iads.sweep

    out = tmp / kind
    shutil.rmtree(out, ignore_errors=True)
    kw = {"workers": 1} if kind == "1 process" else (
        {"workers": 2} if kind == "2 processes" else {"dask_local": 2})
    return iads.sweep(SCENARIO, reps=reps, sample_uncertain=True, model=model, out=out,
                      progress=False, plots=False, **kw)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0,
                    help="target duration of the 1-process sweep [s]")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--model", default="detection")
    args = ap.parse_args()

    from iads.catalog import load_catalog
    from iads.scenario import load_scenario
    from iads.sweep.engines import Job, Segment, StudyContext, run_chunk
    from iads.sweep.sampling import SamplingPlan

    cat = load_catalog()
    sc = load_scenario(SCENARIO)
    ctx = StudyContext(args.model, cat, 1, SamplingPlan.from_catalog(cat))
    run_chunk(ctx, Job("w", (Segment(0, 0, 2),), {0: sc}, {0: "{}"}))
    t_rep = run_chunk(ctx, Job("p", (Segment(0, 0, 20),), {0: sc}, {0: "{}"})).compute_s / 20
    reps = max(100, math.ceil(args.seconds / t_rep))
    print(f"model: {args.model} with sampled catalog figures "
          f"({len(ctx.sampling.names)} figures drawn per replication); ~{t_rep * 1e3:.1f} ms "
          f"a replication; {reps} replications per sweep; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}")
    if args.model == "detection":
        print("(iads.simulate is not used: the detection model stands in for it)")

    best: dict[str, object] = {}
    ceil = None
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for r in range(args.rounds):
            order = ["1 process", "2 processes", "dask"]
            if r % 2:
                order.reverse()
            for kind in order:
                res = run(kind, reps, args.model, tmp)
                print(f"  round {r + 1} {kind:12s}: {res.rate:7.1f} rep/s  run {res.run_s:6.2f} s"
                      f"  start {res.start_s:5.2f} s  store {res.store_s:5.3f} s  "
                      f"{res.chunks} chunks of {res.reps_per_chunk}  failed {res.failed}")
                if kind not in best or res.rate > best[kind].rate:
                    best[kind] = res
            c = ceiling(max(2.0, args.seconds / 4))
            print(f"  round {r + 1} ceiling     : t1 {c[0]:.2f} s, t2 {c[1]:.2f} s, "
                  f"speed-up {c[2]:.2f}")
            if ceil is None or c[2] > ceil[2]:
                ceil = c
            print(f"  load average {os.getloadavg()[0]:.2f}")

    r1, r2, rd = (best[k].rate for k in ("1 process", "2 processes", "dask"))
    speedup = r2 / r1
    ratio = speedup / ceil[2]
    dask_gap = abs(rd - r2) / r2
    store = max(b.store_s / b.run_s for b in best.values())
    checks = [
        (f"2-process speed-up {speedup:.2f} vs ceiling {ceil[2]:.2f}: {ratio:.0%} "
         "(target >= 90 %)", ratio >= 0.90),
        (f"Dask LocalCluster(2) {rd:.1f} rep/s vs local pool {r2:.1f} rep/s: "
         f"{(rd - r2) / r2:+.1%} (target within 10 %)", dask_gap <= 0.10),
        (f"storing: at most {store:.2%} of the run phase (target < 5 %)", store < 0.05),
    ]
    print(f"best rates: 1 process {r1:.1f}, 2 processes {r2:.1f}, Dask {rd:.1f} rep/s; "
          f"start-up: pool {best['2 processes'].start_s:.1f} s, "
          f"Dask {best['dask'].start_s:.1f} s")
    # load-independent view: CPU seconds per replication, all processes together
    cpu = {k: (b.parent_cpu_s if k == "1 process" else b.compute_cpu_s + b.parent_cpu_s)
           / b.ran for k, b in best.items()}
    for k in ("2 processes", "dask"):
        b = best[k]
        print(f"CPU per replication: {k} {cpu[k] * 1e3:.1f} ms (workers "
              f"{b.compute_cpu_s / b.ran * 1e3:.1f}, parent {b.parent_cpu_s / b.ran * 1e3:.1f}) "
              f"vs 1 process {cpu['1 process'] * 1e3:.1f} ms: CPU efficiency "
              f"{cpu['1 process'] / cpu[k]:.0%}")
    if ceil[2] < 1.8:
        print(f"note: the ceiling is {ceil[2]:.2f} < 1.8: other processes share these cores, "
              "so wall-time speed-ups are unreliable; the CPU efficiency above does not depend "
              "on that load")
    ok = True
    for text, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}: {text}")
        ok &= passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
