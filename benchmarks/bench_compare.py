"""Benchmark: ``iads compare scenarios/turkey-2019`` with its default replications, against the
5-minute budget of issue 7 on a 2-core machine.

Run standalone: ``.venv/bin/python benchmarks/bench_compare.py [--workers 2] [--reps N]``.

Prints the wall time, the CPU time of this process and its worker processes (children, from
``resource.getrusage``), the replications' own wall times from the runs store, the coverage
time, and the ratio to the budget. On a shared machine the wall time is inflated by other
load; the CPU time divided by the number of cores is what an idle machine of that many cores
would take, give or take the parallel overhead (printed as the parent's CPU share). The first
run on a fresh checkout also compiles the numba kernels of every worker (``cache=True``
afterwards): run twice and read the second.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

BUDGET_S = 300.0
ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--family", default=str(ROOT / "scenarios" / "turkey-2019"))
    args = ap.parse_args(argv)
    import iads
    from iads.results import open as open_results

    with tempfile.TemporaryDirectory() as tmp:
        c0, t0 = _cpu(), time.perf_counter()
        res = iads.compare(args.family, Path(tmp) / "cmp", reps=args.reps,
                           workers=args.workers, progress=False)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        con = open_results(Path(tmp) / "cmp" / "runs")
        n, rep_wall = con.sql("SELECT count(*), sum(wall_s) FROM runs").fetchall()[0]
    print(f"variants {len(res.data['variants'])}, replications {n} ({res.reps} each), "
          f"workers {args.workers}")
    print(f"wall {wall:,.1f} s = {wall / BUDGET_S:.2f} x budget ({BUDGET_S:.0f} s): "
          f"{'PASS' if wall < BUDGET_S else 'FAIL'} (on this machine, with its other load)")
    print(f"CPU {cpu:,.1f} s (this process and its workers); CPU / {args.workers} cores = "
          f"{cpu / args.workers:,.1f} s = {cpu / args.workers / BUDGET_S:.2f} x budget")
    print(f"replications: {rep_wall:,.1f} s of wall time in the workers, "
          f"{rep_wall / max(n, 1):,.1f} s each; coverage {res.coverage_s:,.1f} s (parent)")


if __name__ == "__main__":
    main()
