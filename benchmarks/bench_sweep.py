"""Benchmark: sweep throughput with 1 and 2 local processes and on Dask, against the machine's
own ceiling.

Run standalone: ``.venv/bin/python benchmarks/bench_sweep.py [--seconds 6] [--sets 8]``.

The model is ``simulate`` on the sweep-sized raid (``scenarios/turkey-2019/raid-ankara-sweep.yaml``:
cruise missiles against the Mürted S-400s, the whole kill chain, ~0.5 s a replication) with
every uncertain catalog figure sampled per replication, as issue 6 asks. ``--model detection
--scenario scenarios/examples/minimal.yaml`` runs the fast detection model (~10-25 ms a
replication) instead, which stresses the per-chunk overhead.

What is timed is the sweep's run phase, exactly as :func:`iads.sweep` runs it
(:func:`iads.sweep.run_jobs`: chunks of about 1 s submitted, results stored as Parquet chunks
as they complete), on engines started and warmed once: in this process (1 process), a spawn
pool of 2 workers, a Dask ``LocalCluster(2, threads_per_worker=1)``. The ceiling is a
compute-bound numpy loop (``sin`` over 4,096 doubles, in cache) run by one worker process, then
by two at once: speed-up = 2 t1 / t2.

This machine is shared, so the four measurements are interleaved in short *sets* (each
configuration once per set, order rotating; each set holds whole rounds of chunks, at least
four per worker, so that the tail of a set, where one worker may idle, weighs the same in every
engine). The verdicts are ratios within a set (measured within seconds of each other, under the
same load) -- the 2-process speed-up over the ceiling's, Dask's rate over the pool's -- given as
their median over the sets and their spread (lowest to highest). The best value of each rate
over all sets (other load can only slow a measurement) and the medians are printed beside them.
CPU seconds per replication (this process and the engine's worker processes; under Dask the
scheduler and the nannies run in this process) show the parallel overhead in a form that other
load changes less.

Targets (issue 6): 2-process speed-up >= 90 % of the ceiling's; Dask within 10 % of the local
pool; storing < 5 % of the sweep time. Start-up costs (spawning and warming workers, starting
the cluster) are printed apart, and folded into the rate of a 1,000-replication study: a user
pays them once per sweep.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "turkey-2019" / "raid-ankara-sweep.yaml"


def burn(n: int) -> float:
    """``n`` units of compute-bound numpy work (no memory traffic beyond the caches)."""
    x = np.linspace(0.0, 1.0, 4096)
    acc = 0.0
    for _ in range(n):
        acc += float(np.sin(x).sum())
    return acc


def _one_thread() -> None:
    os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})


class Ceiling:
    """Two warm spawn workers burning numpy: one alone, then both at once."""

    def __init__(self, seconds: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(2, mp_context=ctx, initializer=_one_thread)
        for f in [self.pool.submit(burn, 200) for _ in range(2)]:
            f.result()
        t0 = time.perf_counter()
        self.pool.submit(burn, 500).result()
        self.n = max(500, int(500 * seconds / (time.perf_counter() - t0)))

    def measure(self) -> tuple[float, float, float]:
        t0 = time.perf_counter()
        self.pool.submit(burn, self.n).result()
        t1 = time.perf_counter() - t0
        t0 = time.perf_counter()
        for f in [self.pool.submit(burn, self.n) for _ in range(2)]:
            f.result()
        t2 = time.perf_counter() - t0
        return t1, t2, 2 * t1 / t2

    def close(self) -> None:
        self.pool.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0,
                    help="work per configuration and set, on one process [s]")
    ap.add_argument("--sets", type=int, default=8)
    ap.add_argument("--model", default="simulate")
    ap.add_argument("--scenario", default=str(SCENARIO))
    args = ap.parse_args()

    from iads.sweep import define_study, run_jobs
    from iads.sweep.engines import (
        DaskEngine,
        Job,
        ProcessEngine,
        Segment,
        SerialEngine,
        plan_jobs,
        run_chunk,
    )
    from iads.sweep.store import Store

    study = define_study(args.scenario, reps=1, sample_uncertain=True, model=args.model)
    ctx = study.context
    sc, key = study.scenarios[0], study.keys[0]
    warm = Job("warm", (Segment(0, 0, 1),), {0: sc}, {0: key})
    run_chunk(ctx, Job("w", (Segment(0, 0, 3),), {0: sc}, {0: key}))
    n_pilot = 30 if args.model == "detection" else 4
    t_rep = run_chunk(ctx, Job("p", (Segment(0, 0, n_pilot),), {0: sc},
                               {0: key})).compute_s / n_pilot
    per_job = max(1, math.ceil(1.0 / t_rep))  # chunks of ~1 s, as the sweep makes them
    rounds = max(4, math.ceil(args.seconds / (2 * per_job * t_rep)))  # chunks per worker
    reps = 2 * per_job * rounds
    print(f"model: {args.model} with sampled catalog figures ({len(ctx.sampling.names)} "
          f"figures drawn per replication); ~{t_rep * 1e3:.1f} ms a replication; {reps} "
          f"replications per configuration and set in chunks of {per_job}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    print(f"scenario: {args.scenario}")

    engines = {"1 process": SerialEngine(ctx), "2 processes": ProcessEngine(ctx, 2),
               "dask": DaskEngine(ctx, local_workers=2)}
    start_s = {}
    for name, eng in engines.items():
        t0 = time.perf_counter()
        eng.start(warm)
        start_s[name] = time.perf_counter() - t0
        print(f"start-up {name}: {start_s[name]:.2f} s (started, each worker warmed with one "
              "replication)")
    procs = {"1 process": [], "2 processes": _pool_pids(engines["2 processes"]),
             "dask": _dask_pids(engines["dask"])}
    ceiling = Ceiling(args.seconds / 4)
    sets = []
    with tempfile.TemporaryDirectory() as d:
        for i in range(args.sets):
            order = ["1 process", "2 processes", "dask", "ceiling"]
            order = order[i % 4:] + order[:i % 4]
            row = {}
            for name in order:
                if name == "ceiling":
                    row[name] = ceiling.measure()
                    continue
                store = Store(Path(d) / f"{name}-{i}")
                store.chunks.mkdir(parents=True)
                # fresh replication indices each set, so chunk names never repeat
                jobs = plan_jobs({0: list(range(i * reps, (i + 1) * reps))}, per_job,
                                 {0: sc}, {0: key})
                c0 = _cpu(procs[name])
                t0 = time.perf_counter()
                store_s, _ = run_jobs(engines[name], jobs, store, reps)
                wall = time.perf_counter() - t0
                cpu = _cpu(procs[name]) - c0
                row[name] = (reps / wall, store_s / wall, cpu / reps)
            sets.append(row)
            print(f"set {i + 1}: ceiling {row['ceiling'][2]:.2f}; rep/s: 1 process "
                  f"{row['1 process'][0]:.2f}, 2 processes {row['2 processes'][0]:.2f}, Dask "
                  f"{row['dask'][0]:.2f} ({row['dask'][0] / row['2 processes'][0] - 1:+.1%}); "
                  f"load average {os.getloadavg()[0]:.2f}")
    for eng in engines.values():
        eng.close()
    ceiling.close()

    names = ("1 process", "2 processes", "dask")
    # contention only slows a measurement down: the best of each rate over the sets estimates
    # its undisturbed value (the minimum-time rule)
    b1, b2, bd = (max(r[k][0] for r in sets) for k in names)
    print(f"best of {len(sets)} sets: 1 process {b1:.2f}, 2 processes {b2:.2f} "
          f"({b2 / b1:.2f}x), Dask {bd:.2f} rep/s ({bd / b2 - 1:+.1%} vs the pool); best "
          f"ceiling {max(r['ceiling'][2] for r in sets):.2f}")
    med = [statistics.median(r[k][0] for r in sets) for k in names]
    print(f"medians: 1 process {med[0]:.2f}, 2 processes {med[1]:.2f}, Dask {med[2]:.2f} "
          f"rep/s; ceiling {statistics.median(r['ceiling'][2] for r in sets):.2f}")
    for k in names:
        print(f"CPU per replication, {k}: {statistics.median(r[k][2] for r in sets) * 1e3:.0f} "
              "ms (median; this process and the engine's worker processes, Dask's scheduler "
              "and nannies included)")
    # the verdicts: ratios within a set (measured within seconds of each other, under the
    # same load), their median over the sets and their spread
    eff = [r["2 processes"][0] / r["1 process"][0] / r["ceiling"][2] for r in sets]
    gap = [r["dask"][0] / r["2 processes"][0] - 1 for r in sets]
    store = max(r[k][1] for r in sets for k in names)
    n = 1000
    study = {k: n / (start_s[k] + n / med[names.index(k)]) for k in ("2 processes", "dask")}
    print(f"a {n}-replication study at the median rates, start-up included: 2 processes "
          f"{study['2 processes']:.2f}, Dask {study['dask']:.2f} rep/s "
          f"({study['dask'] / study['2 processes'] - 1:+.1%})")
    if statistics.median(r["ceiling"][2] for r in sets) < 1.8:
        print("note: the median ceiling is below 1.8: other processes share these cores, so "
              "wall-time figures are noisy; the spread shows how much")
    checks = [
        (f"2-process speed-up vs the ceiling's, per set: median {statistics.median(eff):.0%} "
         f"(spread {min(eff):.0%} to {max(eff):.0%}; target >= 90 %)",
         statistics.median(eff) >= 0.90),
        (f"Dask LocalCluster(2) vs local pool, per set: median {statistics.median(gap):+.1%} "
         f"(spread {min(gap):+.1%} to {max(gap):+.1%}; target within 10 %)",
         abs(statistics.median(gap)) <= 0.10),
        (f"storing: at most {store:.2%} of the run time, all runs (target < 5 %)",
         store < 0.05),
    ]
    ok = True
    for text, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}: {text}")
        ok &= passed
    return 0 if ok else 1


def _pool_pids(engine) -> list[int]:
    return [os.getpid(), *(p.pid for p in engine._pool._processes.values())]


def _dask_pids(engine) -> list[int]:
    return [os.getpid(), *engine.client.run(os.getpid).values()]


def _cpu(pids) -> float:
    """CPU time of these processes (this one when empty) so far [s]."""
    import psutil

    total = 0.0
    for pid in pids or [os.getpid()]:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


if __name__ == "__main__":
    sys.exit(main())
