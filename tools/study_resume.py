"""Issue 6's "done when" check: a study killed with ``kill -9`` resumes to an equal result.

    python tools/study_resume.py --out /tmp/study                # 1,000 reps, 2 processes
    python tools/study_resume.py --out /tmp/study --reps 200 --kill-at 0.3 -- --dask-local 2
    python tools/study_resume.py --out /tmp/study --full         # also an uninterrupted study

Steps, each timed:

1. ``iads sweep SCENARIO --reps N --workers K --out DIR [extra]`` in a session of its own, its
   progress bar (rich, as on a terminal) written to ``DIR.log``;
2. once a fraction ``--kill-at`` of the replications is stored, ``SIGKILL`` to the whole process
   group: the sweep and its worker processes die at once, no clean-up;
3. what the kill left: replications and chunks stored, half-written chunks in ``tmp/``, holes
   (chunks planned before the last stored one but missing: they were running);
4. ``iads sweep ... --resume`` completes the study;
5. checks: every (grid point, replication) stored exactly once; ``iads query`` counts them;
   a random sample of ``--check`` replications recomputed in this process, a fresh one, from
   the study's definition (:func:`iads.sweep.define_study` and :func:`~iads.sweep.engines.
   run_chunk`), equal to the stored ones: seed, status, every metric value and every drawn
   figure, exactly; with ``--full``, an uninterrupted study in ``DIR-uninterrupted`` whose
   sorted tables equal the resumed study's.

The figures go to ``DIR/resume_check.json`` and the last lines of the output. Exit status 0
when every check passes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "turkey-2019" / "raid-ankara-sweep.yaml"


def _iads(*args: str) -> list[str]:
    return [sys.executable, "-c", "from iads.cli import main; main()", *args]


def _stored(study: Path) -> tuple[int, list[str]]:
    """Replications and chunk names stored so far (read from the chunks' ``runs`` files)."""
    import pyarrow.parquet as pq

    from iads.sweep.store import Store

    names, reps = [], 0
    for f in Store(study).chunk_files("runs"):
        try:
            reps += pq.read_metadata(f).num_rows
        except OSError:  # cannot happen for a renamed chunk; be safe while polling
            continue
        names.append(f.parent.name)
    return reps, names


def _survivors(group: int, wait_s: float = 5.0) -> list[int]:
    """Processes of the killed process group still alive (not zombies) after ``wait_s``."""
    import psutil

    deadline = time.monotonic() + wait_s
    while True:
        alive = []
        for p in psutil.process_iter(["pid", "status"]):
            try:
                if os.getpgid(p.pid) == group and p.info["status"] != psutil.STATUS_ZOMBIE:
                    alive.append(p.pid)
            except (ProcessLookupError, psutil.Error):
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _tables(study: Path):
    """The runs and metrics tables of a study, sorted by point, replication (and metric)."""
    import iads.results

    con = iads.results.open(study)
    runs = con.sql("SELECT point_id, rep, seed, status, error FROM runs "
                   "ORDER BY point_id, rep").fetchall()
    metrics = con.sql("SELECT point_id, rep, metric, value FROM metrics "
                      "ORDER BY point_id, rep, metric").fetchall()
    return runs, metrics


def _recompute(args, study: Path, sample: list[tuple[int, int]]) -> dict:
    """Recompute ``sample`` in this process and compare with what ``study`` holds."""
    import iads.results
    from iads.sweep import define_study
    from iads.sweep.engines import Job, Segment, run_chunk

    definition = define_study(args.scenario, args.reps, args.grid, args.sample_uncertain,
                              args.model)
    con = iads.results.open(study)
    has_figures = "figures" in [c[0] for c in con.sql("DESCRIBE runs").fetchall()]
    mismatches = []
    for pid, rep in sample:
        job = Job("check", (Segment(pid, rep, rep + 1),), {pid: definition.scenarios[pid]},
                  {pid: definition.keys[pid]})
        res = run_chunk(definition.context, job)
        got_run = res.runs.select(["seed", "status"]).to_pylist()[0]
        got_metrics = dict(zip(res.metrics.column("metric").to_pylist(),
                               res.metrics.column("value").to_pylist(), strict=True))
        row = con.execute("SELECT seed, status FROM runs WHERE point_id = ? AND rep = ?",
                          [pid, rep]).fetchall()
        want_metrics = dict(con.execute("SELECT metric, value FROM metrics WHERE point_id = ? "
                                        "AND rep = ?", [pid, rep]).fetchall())
        same = (len(row) == 1 and (got_run["seed"], got_run["status"]) == row[0]
                and got_metrics == want_metrics)
        if has_figures:
            want_fig = dict(con.execute("SELECT figure, value FROM figures WHERE point_id = ? "
                                        "AND rep = ?", [pid, rep]).fetchall())
            got_fig = dict(res.runs.column("figures").to_pylist()[0] or [])
            same &= got_fig == want_fig
        if not same:
            mismatches.append((pid, rep))
    return {"checked": len(sample), "mismatches": mismatches}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(SCENARIO))
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--grid", default=None)
    ap.add_argument("--model", default="auto")
    ap.add_argument("--sample-uncertain", action="store_true")
    ap.add_argument("--out", type=Path, required=True, help="study folder (must not exist)")
    ap.add_argument("--kill-at", type=float, default=0.5,
                    help="kill once this fraction of the replications is stored")
    ap.add_argument("--check", type=int, default=20, help="replications to recompute")
    ap.add_argument("--full", action="store_true", help="also run the study uninterrupted")
    ap.add_argument("--seed", type=int, default=None, help="of the random sample")
    ap.add_argument("extra", nargs="*", help="more `iads sweep` options, after --")
    args = ap.parse_args()
    study: Path = args.out
    if study.exists():
        sys.exit(f"{study} exists; give a new folder")
    sweep = ["sweep", args.scenario, "--reps", str(args.reps), "--out", str(study),
             "--model", args.model, *(["--grid", args.grid] if args.grid else []),
             *(["--sample-uncertain"] if args.sample_uncertain else []), *args.extra]
    if not any(a in args.extra for a in ("--dask-local", "--scheduler")):
        sweep += ["--workers", str(args.workers)]
    env = {**os.environ, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "110"}
    report: dict = {"command": "iads " + " ".join(sweep), "reps": args.reps}

    # 1-2: run, kill -9 the process group mid-way
    log = study.with_name(study.name + ".log")
    t0 = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.Popen(_iads(*sweep), cwd=ROOT, env=env, stdout=fh, stderr=fh,
                                start_new_session=True)
        first = None
        try:
            while proc.poll() is None:
                n, _ = _stored(study)
                if n and first is None:
                    first = (time.perf_counter(), n)
                if n >= args.kill_at * args.reps:
                    break
                time.sleep(0.2)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    t_kill = time.perf_counter() - t0
    if proc.returncode != -signal.SIGKILL:
        print(log.read_text()[-2000:])
        sys.exit(f"the sweep ended by itself (exit {proc.returncode}) before the kill")
    stored, names = _stored(study)
    starts = sorted(int(re.search(r"-r(\d+)$", n).group(1)) for n in names)
    size = min(b - a for a, b in zip(starts, starts[1:], strict=False)) if len(starts) > 1 else 0
    have = set(starts)
    holes = [s for s in range(0, starts[-1], size) if s not in have] if size else []
    report["killed"] = {
        "after_s": round(t_kill, 1), "stored_reps": stored, "stored_chunks": len(names),
        "reps_per_chunk": size, "holes_below_last_stored_chunk": len(holes),
        "half_written_in_tmp": len(list((study / "tmp").glob("*"))),
        "rate_rep_s": round((stored - first[1]) / (t_kill - (first[0] - t0)), 3)
        if first and stored > first[1] else None,
        "survivors": _survivors(proc.pid),
    }
    print(f"killed after {t_kill:.1f} s: {stored} of {args.reps} replications stored in "
          f"{len(names)} chunks of {size}; {len(holes)} holes below the last stored chunk; "
          f"{report['killed']['half_written_in_tmp']} half-written in tmp/", flush=True)

    # 4: resume
    t0 = time.perf_counter()
    res = subprocess.run(_iads(*sweep, "--resume", "--no-progress"), cwd=ROOT, env=env,
                         capture_output=True, text=True)
    t_resume = time.perf_counter() - t0
    print(res.stdout.strip(), res.stderr.strip()[-2000:], sep="\n", flush=True)
    if res.returncode != 0:
        sys.exit(f"--resume failed (exit {res.returncode})")
    m = re.search(r"ran (\d+) .*?([\d,.]+) rep/s\), (\d+) already stored", res.stdout)
    report["resume"] = {"wall_s": round(t_resume, 1), "ran": int(m.group(1)),
                        "rate_rep_s": float(m.group(2).replace(",", "")),
                        "skipped": int(m.group(3))}

    # 5: checks
    runs, metrics = _tables(study)
    keys = [(r[0], r[1]) for r in runs]
    q = subprocess.run(_iads("query", str(study), "SELECT count(*) AS n, count(DISTINCT "
                             "(point_id, rep)) AS distinct_reps FROM runs", "--csv"),
                       cwd=ROOT, capture_output=True, text=True)
    n_points = len({k[0] for k in keys})
    report["checks"] = {
        "complete_once": len(keys) == len(set(keys)) == n_points * args.reps,
        "query": q.stdout.strip().splitlines()[-1] if q.returncode == 0 else q.stderr.strip(),
        "failed_reps": sum(r[3] != "ok" for r in runs),
        "resume_ran_exactly_the_missing": report["resume"]["ran"] == len(keys) - stored,
    }
    rng = random.Random(args.seed)
    sample = sorted(rng.sample(keys, min(args.check, len(keys))))
    t0 = time.perf_counter()
    report["checks"]["recomputed"] = _recompute(args, study, sample)
    report["checks"]["recomputed"]["wall_s"] = round(time.perf_counter() - t0, 1)
    ok = (report["checks"]["complete_once"] and report["checks"]["resume_ran_exactly_the_missing"]
          and not report["checks"]["recomputed"]["mismatches"])
    if args.full:
        ref = study.with_name(study.name + "-uninterrupted")
        shutil.rmtree(ref, ignore_errors=True)
        t0 = time.perf_counter()
        full = subprocess.run(_iads(*[a if a != str(study) else str(ref) for a in sweep],
                                    "--no-progress"), cwd=ROOT, capture_output=True, text=True)
        report["uninterrupted"] = {"wall_s": round(time.perf_counter() - t0, 1),
                                   "out": full.stdout.strip().splitlines()[0]
                                   if full.returncode == 0 else full.stderr.strip()}
        same = full.returncode == 0 and _tables(ref) == (runs, metrics)
        report["checks"]["equal_to_uninterrupted"] = same
        ok &= same
    report["total_wall_s"] = round(t_kill + t_resume, 1)
    report["ok"] = bool(ok)
    (study / "resume_check.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    print(f"{'PASS' if ok else 'FAIL'}: killed at {stored}/{len(keys)} stored, resumed with "
          f"{report['resume']['ran']} run; {report['checks']['recomputed']['checked']} "
          f"recomputed replications equal: "
          f"{not report['checks']['recomputed']['mismatches']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
