"""Benchmark: the WTA heuristic against proven optima (or proven bounds) from OR-Tools.

Instances (Ahuja et al. 2007, :func:`iads.assignment.ahuja_instance`): target values
``V ~ U[25, 100]``, kill probabilities ``p ~ U[0.60, 0.90]``, every weapon distinct, each weapon
on exactly one target (``Limits(assign_all=True)``). Sizes are written W × T, weapons first
(``p`` has one row per weapon): 20 seeded instances each of

* 20 × 50 and 50 × 100 (the targets below apply to these), and
* 50 × 20 and 100 × 50 (more weapons than targets, several per target: the harder regime;
  reported with the same criteria, for information).

Heuristic: :func:`iads.assignment.assign_weapons` (maximum-marginal-return greedy, then
move/2-exchange and layer-assignment local search), default settings (``layers=4``); for the
extra sizes also with ``layers=16`` (slower, closer). Time per instance is the minimum over 7
calls after a warm-up (numba compiled and cached), wall clock and thread CPU (the ``timeit``
convention: on a shared machine the least disturbed call is the one that measures the code);
the table gives the median and the maximum over instances of that per-instance time.

Reference: :func:`iads.assignment.exact_assignment` (outer approximation, SCIP, one thread,
``--time-limit`` seconds per instance, default 30, started from the heuristic's assignment).
Where it proves optimality the gap is to the optimum; where it stops on the time limit the gap
is to its proven lower bound (an upper bound on the true gap) and the table says so.
Gap = (F_heuristic − F_ref) / F_ref on the expected surviving value F (the minimised objective).

Targets (PASS/FAIL printed): on 20 × 50 and on 50 × 100, mean gap ≤ 1 % and worst gap ≤ 2 %;
heuristic wall time < 10 ms at 50 × 100, median and maximum over instances.

Run: ``.venv/bin/python benchmarks/bench_wta.py`` (about 5 to 9 minutes on 2 shared cores,
almost all of it in the exact solves of the extra sizes; ``--no-extra``: under a minute). The
process is pinned to one CPU and numba, OpenBLAS and SCIP to one thread.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from iads.assignment import (  # noqa: E402
    Limits,
    ahuja_instance,
    assign_weapons,
    exact_assignment,
    greedy_assignment,
)
from iads.rng import component_rng  # noqa: E402

ROOT_SEED = 20260507
TARGET_SIZES = [(20, 50), (50, 100)]
EXTRA_SIZES = [(50, 20), (100, 50)]
MEAN_GAP, WORST_GAP = 0.01, 0.02  # [-]
TIME_LIMIT_50X100 = 10e-3  # [s]
REPEATS = 7
DEEP_LAYERS = 16


def time_heuristic(p, value, lim, layers=4):
    """Minimum wall and thread-CPU time [s] of ``assign_weapons`` over REPEATS calls."""
    wall, cpu = [], []
    for _ in range(REPEATS):
        c0, w0 = time.thread_time(), time.perf_counter()
        res = assign_weapons(p, value, lim, layers=layers)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.thread_time() - c0)
    return res, min(wall), min(cpu)


def run_size(n_w, n_t, n_inst, time_limit_s, deep):
    rows = []
    lim = Limits(assign_all=True)
    for i in range(n_inst):
        p, value = ahuja_instance(n_w, n_t, component_rng(ROOT_SEED, "bench-wta", n_w, n_t, i))
        assign_weapons(p, value, lim)  # warm-up
        heur, wall, cpu = time_heuristic(p, value, lim)
        greedy = greedy_assignment(p, value, lim)
        start = heur.target
        deep_row = {}
        if deep:
            heur16, wall16, _ = time_heuristic(p, value, lim, layers=DEEP_LAYERS)
            deep_row = dict(surv16=heur16.surviving_value, wall16=wall16)
            if heur16.surviving_value < heur.surviving_value:
                start = heur16.target
        ref = exact_assignment(p, value, lim, time_limit_s=time_limit_s, start=start)
        # no bound at all (the first solve stopped on the time limit, e.g. on a loaded
        # machine): the gap is unknown, NaN, and the size fails
        bound = ref.bound if ref.bound > 0 else math.nan
        if deep:
            deep_row["gap16"] = (deep_row["surv16"] - bound) / bound
        rows.append(
            dict(
                gap=(heur.surviving_value - bound) / bound,
                greedy_gap=(greedy.surviving_value - bound) / bound,
                wall=wall,
                cpu=cpu,
                proven=ref.optimal,
                ref_gap=ref.gap,
                ref_s=ref.wall_s,
                rounds=ref.iterations,
                surv=heur.surviving_value,
                total=float(value.sum()),
                **deep_row,
            )
        )
    return rows


def summarise(n_w, n_t, rows):
    g = np.array([r["gap"] for r in rows])
    gg = np.array([r["greedy_gap"] for r in rows])
    wall = np.array([r["wall"] for r in rows]) * 1e3
    cpu = np.array([r["cpu"] for r in rows]) * 1e3
    n_proven = sum(r["proven"] for r in rows)
    ref_gap = max(r["ref_gap"] for r in rows)
    ref_s = np.array([r["ref_s"] for r in rows])
    rounds = np.array([r["rounds"] for r in rows])
    surv_share = np.mean([r["surv"] / r["total"] for r in rows])
    print(
        f"{n_w:>4d} x {n_t:<4d} | {100 * g.mean():7.3f} {100 * g.max():7.3f} "
        f"{np.sum(g < 1e-9):>3d}/{len(g):<3d}| {100 * gg.mean():7.3f} {100 * gg.max():7.3f} | "
        f"{np.median(wall):6.2f} {wall.max():6.2f} {np.median(cpu):6.2f} {cpu.max():6.2f} | "
        f"{n_proven:>3d}/{len(rows):<3d} {100 * ref_gap:8.4f} {np.median(ref_s):6.2f} "
        f"{ref_s.max():6.2f} {rounds.max():>3d} | {100 * surv_share:5.1f}"
    )
    if "gap16" in rows[0]:
        g16 = np.array([r["gap16"] for r in rows])
        w16 = np.array([r["wall16"] for r in rows]) * 1e3
        print(
            f"{'':11s} | layers={DEEP_LAYERS}: gap mean {100 * g16.mean():.3f} %, worst "
            f"{100 * g16.max():.3f} %, at opt {np.sum(g16 < 1e-9)}/{len(g16)}; wall median "
            f"{np.median(w16):.2f} ms, max {w16.max():.2f} ms"
        )
    if np.isnan(g).any():
        print(f"{'':11s} | {int(np.isnan(g).sum())} instance(s) without a proven bound "
              "(time limit): gap unknown")
    return dict(mean=g.mean(), worst=g.max(), wall_med=np.median(wall), wall_max=wall.max())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=20, help="instances per size")
    ap.add_argument("--time-limit", type=float, default=30.0, help="[s] per exact solve")
    ap.add_argument("--no-extra", action="store_true", help="skip 50 x 20 and 100 x 50")
    args = ap.parse_args(argv)

    print(
        f"WTA benchmark: {args.instances} instances per size, V~U[25,100], p~U[0.60,0.90], "
        f"every weapon fired; exact: OR-Tools SCIP outer approximation, {args.time_limit:g} s "
        "limit each"
    )
    sys.stdout.reconfigure(line_buffering=True)
    print(
        "  W x T     | heuristic gap [%]       | greedy gap [%]  | heuristic time [ms]"
        "         | exact (OR-Tools)                     | surv."
    )
    print(
        "            |    mean   worst  at opt |    mean   worst | wall med   max  cpu med"
        "   max | proven  max gap%  med s  max s rnd | [%]"
    )
    out = {}
    sizes = TARGET_SIZES + ([] if args.no_extra else EXTRA_SIZES)
    for n_w, n_t in sizes:
        deep = (n_w, n_t) in EXTRA_SIZES
        rows = run_size(n_w, n_t, args.instances, args.time_limit, deep)
        out[n_w, n_t] = summarise(n_w, n_t, rows)
    print(
        "gap = (F_heuristic - F_ref) / F_ref, F the expected surviving value; F_ref the proven "
        "optimum where 'proven' counts it, otherwise the proven lower bound; 'at opt': "
        "instances where the heuristic found the optimum; surv.: mean F / total value; "
        "times: minimum of 7 calls per instance"
    )
    ok_all = True
    for (n_w, n_t), s in out.items():
        extra = (n_w, n_t) not in TARGET_SIZES
        ok = s["mean"] <= MEAN_GAP and s["worst"] <= WORST_GAP
        tag = "(information, not a target) " if extra else ""
        print(
            f"{'PASS' if ok else 'FAIL'}: {tag}{n_w} x {n_t} heuristic gap mean "
            f"{100 * s['mean']:.3f} % <= 1 %, worst {100 * s['worst']:.3f} % <= 2 %"
        )
        ok_all &= ok or extra
    s = out[50, 100]
    ok = s["wall_med"] < TIME_LIMIT_50X100 * 1e3 and s["wall_max"] < TIME_LIMIT_50X100 * 1e3
    print(
        f"{'PASS' if ok else 'FAIL'}: 50 x 100 heuristic wall time median "
        f"{s['wall_med']:.2f} ms, max {s['wall_max']:.2f} ms < 10 ms"
    )
    ok_all &= ok
    print("PASS" if ok_all else "FAIL")
    return 0 if ok_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
