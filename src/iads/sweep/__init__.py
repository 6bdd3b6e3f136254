"""Monte Carlo sweeps: replications × a parameter grid, run in parallel, stored, queryable.

>>> import iads.sweep
>>> res = iads.sweep("scenarios/examples/minimal.yaml", reps=200, grid="grid.yaml",
...                  sample_uncertain=True, workers=2, out="out/study")    # doctest: +SKIP
>>> iads.results.open("out/study").sql("SELECT * FROM metrics LIMIT 5")   # doctest: +SKIP

The package is callable: ``iads.sweep(...)`` is :func:`sweep`. A sweep is a pipeline of named,
swappable stages, each its own module:

1. :mod:`~iads.sweep.grid`: the grid file (field paths → values or ranges) → points; each
   point applied to the composed scenario and validated (bad input fails before anything runs);
2. :mod:`~iads.sweep.seeds`: one seed per (point key, replication) from the root seed;
3. :mod:`~iads.sweep.sampling`: optionally, every uncertain catalog figure drawn per replication
   (triangular with mode = stated value, or uniform on [low, high]);
4. :mod:`~iads.sweep.models`: the replication function (``detection``, ``coverage``,
   ``simulate``, or any importable function);
5. :mod:`~iads.sweep.engines`: in-process, a local spawn process pool, or Dask;
6. :mod:`~iads.sweep.store`: Parquet chunks written atomically, a manifest, resumable;
7. :mod:`~iads.sweep.summary`: mean, quantiles and t-intervals per point and metric; plots.

Results are read with SQL through :func:`iads.results.open`.
"""

from __future__ import annotations

import copy
import json
import math
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import IadsError

__all__ = ["sweep", "SweepResult", "Study", "define_study", "run_study", "run_jobs"]


@dataclass(frozen=True)
class SweepResult:
    """What a call of :func:`sweep` did.

    Attributes
    ----------
    out
        The study folder.
    model
        The model that ran (its registry name or ``module:function``).
    points, reps, total
        Grid points, replications per point, and their product.
    ran, skipped
        Replications run by this call, and those already stored (``resume``).
    failed
        Failed replications stored in the study (all calls).
    chunks, reps_per_chunk
        Tasks this call ran and their size (from the pilot replication's time).
    pilot_s
        Wall time of one pilot replication (after a warm-up one) [s].
    start_s
        Time to start the engine (worker processes or the Dask cluster) [s].
    run_s
        Time from submitting the first chunk to storing the last [s].
    store_s
        Time spent writing chunks (part of ``run_s``) [s].
    compute_cpu_s, parent_cpu_s
        CPU time of the replications (summed over chunks, wherever they ran) and of this
        process during the run phase [s]: with workers, the parent's share is the overhead of
        receiving and storing results.
    engine, workers
        ``serial``, ``process`` or ``dask``, and the number of workers.
    """

    out: Path
    model: str
    points: int
    reps: int
    total: int
    ran: int
    skipped: int
    failed: int
    chunks: int
    reps_per_chunk: int
    pilot_s: float
    start_s: float
    run_s: float
    store_s: float
    compute_cpu_s: float
    parent_cpu_s: float
    engine: str
    workers: int

    @property
    def rate(self) -> float:
        """Replications per second of this call's run phase [1/s]."""
        return self.ran / self.run_s if self.run_s > 0 else math.nan

    def open(self):
        """A DuckDB connection on the results (:func:`iads.results.open`)."""
        from ..results import open as open_results

        return open_results(self.out)


@dataclass(frozen=True)
class Study:
    """A sweep's definition: everything the manifest names and every point's scenario."""

    grid: Any  # iads.sweep.grid.Grid
    points: list  # of iads.sweep.grid.Point
    scenarios: dict  # point_id -> validated Scenario
    reps: int
    context: Any  # iads.sweep.engines.StudyContext: model, catalog, root seed, sampling
    manifest: dict

    @property
    def total(self) -> int:
        return len(self.points) * self.reps

    @property
    def keys(self) -> dict:
        return {p.id: p.key for p in self.points}

    def missing(self, done: set) -> dict[int, list[int]]:
        """``{point_id: [rep, ...]}`` of the replications not in ``done``."""
        out = {p.id: [r for r in range(self.reps) if (p.id, r) not in done] for p in self.points}
        return {k: v for k, v in out.items() if v}


def _plain(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def _catalog_hash(catalog) -> str:
    from ..catalog import KINDS
    from .store import sha256_of

    return sha256_of({k: {i: e.model_dump(mode="json") for i, e in catalog.section(k).items()}
                      for k in KINDS})


def _check_int(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise IadsError("", field=name, expected=f"an integer >= {low}", found=repr(value))
    return value


def define_study(scenario_path, reps: int, grid=None, sample_uncertain: bool = False,
                 model="auto", seed: int | None = None, distribution: str = "triangular",
                 catalog=None) -> Study:
    """Stage 1: load and compose the scenario, expand and validate the grid, pick the model,
    the root seed and the sampling plan, and write the manifest (in memory).

    Raises :class:`IadsError` for any bad input; nothing is written.
    """
    from ..catalog import load_catalog
    from ..scenario import Scenario, compose_scenario, validate_data
    from .engines import StudyContext
    from .grid import Grid, grid_from_mapping, load_grid, point_scenarios
    from .models import choose_model, model_name
    from .sampling import SamplingPlan
    from .store import FORMAT, sha256_of, versions

    cat = catalog if catalog is not None else load_catalog()
    data, files = compose_scenario(scenario_path)
    base = validate_data(copy.deepcopy(data), cat, files)
    if grid is None:
        g = Grid()
    elif isinstance(grid, Grid):
        g = grid
    elif isinstance(grid, dict):
        g = grid_from_mapping(grid, data, None, Scenario)
    else:
        g = load_grid(grid, data, Scenario)
    points = g.points()
    scenarios = point_scenarios(data, g, cat, files) if g.parameters else [base]
    chosen = choose_model(model, base)
    root = base.run.seed if seed is None else _check_int(seed, "--seed", 0)
    sampling = SamplingPlan.from_catalog(cat, distribution) if sample_uncertain else None
    plain = _plain(data)
    identity = {
        "scenario_sha256": sha256_of(plain),
        "grid": g.to_json(),
        "root_seed": root,
        "reps": reps,
        "model": model_name(chosen),
        "sampling": None if sampling is None else {
            "distribution": sampling.distribution, "figures": len(sampling.names),
            "law": "triangular(low, mode=value, high)" if sampling.distribution ==
            "triangular" else "uniform(low, high)"},
        "catalog_sha256": _catalog_hash(cat),
    }
    manifest = {
        "format": FORMAT,
        "study": identity,
        "scenario": {"path": str(scenario_path), "files": [str(f) for f in files],
                     "name": base.name, "data": plain},
        "grid_file": g.file,
        "points": len(points),
        "seeds": "replication seed = 63 bits of iads.rng.component_seed(root_seed, 'sweep', "
                 "point key, rep)",
        "versions": versions(),
    }
    return Study(g, points, {p.id: sc for p, sc in zip(points, scenarios, strict=True)}, reps,
                 StudyContext(chosen, cat, root, sampling), manifest)


def _pilot(study: Study, missing: dict) -> tuple[float, Any]:
    """Stage 3: time one replication [s] in this process (a warm-up run for imports and
    compilation, then a timed one, skipped for a model so slow that chunks hold one
    replication anyway); returns the time and the pilot job (it warms the workers too)."""
    from .engines import Job, Segment, run_chunk

    pid = min(missing)

    def job(i):
        rep = missing[pid][min(i, len(missing[pid]) - 1)]
        return Job("pilot", (Segment(pid, rep, rep + 1),), {pid: study.scenarios[pid]},
                   {pid: study.keys[pid]})

    first = seed = None
    for attempt in range(3):  # a model that fails now and then may fail the pilot
        res = run_chunk(study.context, job(attempt))
        if res.failed == 0:
            if res.compute_s >= 10.0:
                return res.compute_s, job(attempt)
            return max(run_chunk(study.context, job(attempt)).compute_s, 1e-6), job(attempt)
        if first is None:
            first = res.runs.column("error")[0].as_py()
            seed = res.runs.column("seed")[0].as_py()
    raise IadsError(f"the model failed on its first three replications (first: seed {seed}: "
                    f"{first}); nothing was run", field="model")


def _engine(ctx, workers: int, scheduler: str | None, dask_local: int | None):
    from .engines import DaskEngine, ProcessEngine, SerialEngine

    if scheduler is not None or dask_local is not None:
        return DaskEngine(ctx, scheduler=scheduler, local_workers=dask_local)
    return ProcessEngine(ctx, workers) if workers > 1 else SerialEngine(ctx)


def sweep(
    scenario_path,
    reps: int,
    grid=None,
    sample_uncertain: bool | str = False,
    workers: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
    out=None,
    resume: bool = False,
    model="auto",
    progress: bool = True,
    *,
    seed: int | None = None,
    distribution: str = "triangular",
    chunk_seconds: float = 1.0,
    catalog=None,
    plots: bool = True,
    console=None,
) -> SweepResult:
    """Run ``reps`` replications of a scenario at every point of a parameter grid.

    Parameters
    ----------
    scenario_path
        The scenario YAML file (``extends:`` and overrides are composed).
    reps
        Replications per grid point.
    grid
        A grid YAML file (:mod:`iads.sweep.grid`), a mapping ``{path: values}``, or ``None``
        (one point: the scenario as it is).
    sample_uncertain
        Draw every catalog figure that has a range, per replication (:mod:`iads.sweep.sampling`);
        ``True`` uses ``distribution``; ``"triangular"``/``"uniform"`` name it.
    workers
        Local processes: 1 runs in this process; K ≥ 2 a spawn process pool.
    scheduler, dask_local
        Run on Dask instead: a scheduler address ``tcp://host:port``, or a LocalCluster of
        ``dask_local`` one-thread worker processes started for the sweep.
    out
        The study folder (:mod:`iads.sweep.store`); created if needed.
    resume
        Complete the study already in ``out`` (same manifest), running only what is missing.
    model
        ``"auto"``, a registered model name, or an importable function
        (:mod:`iads.sweep.models`).
    progress
        Show a progress bar (done, rate, time left) on stderr.
    seed
        Root seed; default: the scenario's ``run.seed``.
    chunk_seconds
        Target duration of one task [s], from a pilot replication; tasks are made smaller
        when that would leave fewer than two per worker.
    catalog
        The catalog to use; the shipped one by default.
    plots
        Also draw metric-vs-parameter plots (or, for one grid point, the distribution of each
        metric) into ``out/plots``.

    Returns
    -------
    SweepResult

    Raises
    ------
    iads.errors.IadsError
        Bad input of any kind (scenario, grid, options, an unreachable scheduler, an ``out``
        folder holding another study), before any result is written.
    """
    from .sampling import DISTRIBUTIONS

    # ---- stage 0: options ------------------------------------------------------------------
    reps = _check_int(reps, "--reps", 1)
    workers = _check_int(workers, "--workers", 1)
    if scheduler is not None and dask_local is not None:
        raise IadsError("give either --scheduler or --dask-local, not both",
                        field="--scheduler/--dask-local")
    if dask_local is not None:
        _check_int(dask_local, "--dask-local", 1)
    if scheduler is not None and (not isinstance(scheduler, str) or "://" not in scheduler):
        raise IadsError("", field="--scheduler", expected="an address such as "
                        "tcp://host:8786", found=repr(scheduler))
    if out is None:
        raise IadsError("give the study folder (--out DIR)", field="--out")
    if isinstance(sample_uncertain, str):
        distribution, sample_uncertain = sample_uncertain, True
    if distribution not in DISTRIBUTIONS:
        raise IadsError("", field="--distribution", expected=f"one of {', '.join(DISTRIBUTIONS)}",
                        found=repr(distribution))
    if not (isinstance(chunk_seconds, int | float) and chunk_seconds > 0):
        raise IadsError("", field="--chunk-seconds", expected="a positive number of seconds",
                        found=repr(chunk_seconds))

    # ---- stage 1: the study ------------------------------------------------------------------
    study = define_study(scenario_path, reps, grid, sample_uncertain, model, seed, distribution,
                         catalog)
    return run_study(study, out, resume=resume, workers=workers, scheduler=scheduler,
                     dask_local=dask_local, progress=progress, chunk_seconds=chunk_seconds,
                     plots=plots, console=console)


def run_study(study: Study, out, *, resume: bool = False, workers: int = 1,
              scheduler: str | None = None, dask_local: int | None = None,
              progress: bool = True, chunk_seconds: float = 1.0, plots: bool = True,
              console=None, pilot: bool = True) -> SweepResult:
    """Stages 2-6 of a defined study: check the folder, pilot, engine, run and store, summary.

    :func:`sweep` calls it after :func:`define_study`; a caller that builds its own
    :class:`Study` (e.g. :mod:`iads.compare`, whose points are scenario variants sharing their
    replication seeds) runs it the same way. Options as in :func:`sweep`, and ``pilot``: with
    ``False`` no pilot or warm-up replication runs (for models of tens of seconds a
    replication, where warming every worker would cost a replication each): every task holds
    one replication and ``pilot_s`` is NaN.
    """
    from ..results import open as open_results
    from .engines import plan_jobs
    from .models import model_name
    from .store import Store, points_table
    from .summary import summarize, write_plots, write_summary

    # ---- stage 2: the folder can hold it ---------------------------------------------------
    store = Store(out)
    state = store.check(study.manifest, resume, study.total)
    missing = study.missing(store.done() if state == "existing" else set())

    # ---- stages 3-5: pilot, engine, run and store ----------------------------------------------
    pilot_s = start_s = run_s = store_s = cpu_s = parent_cpu_s = 0.0
    jobs: list = []
    per_job = n_workers = n_ran = 0
    engine = None
    if missing:
        pilot_s, warm = _pilot(study, missing) if pilot else (math.nan, None)
        engine = _engine(study.context, workers, scheduler, dask_local)
        t0 = time.perf_counter()
        engine.start(warm)  # an unreachable scheduler fails here, before anything is written
        start_s = time.perf_counter() - t0
        try:
            n_workers = max(1, engine.workers)
            with store.lock():
                # what is stored now (another sweep may have written before we got the lock)
                if store.check(study.manifest, True, study.total) == "new":
                    store.create(study.manifest, points_table(study.points,
                                                              study.grid.parameters))
                store.clean_tmp()
                missing = study.missing(store.done())
                n_ran = sum(len(v) for v in missing.values())
                per_job = 1 if not pilot else max(1, min(math.ceil(chunk_seconds / pilot_s),
                                                         math.ceil(n_ran / (2 * n_workers))))
                jobs = plan_jobs(missing, per_job, study.scenarios, study.keys)
                t0, c0 = time.perf_counter(), time.process_time()
                store_s, cpu_s = run_jobs(engine, jobs, store, n_ran, progress, console,
                                          study.context.model)
                run_s, parent_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        except BaseException:
            engine.abort()
            raise
        finally:
            engine.close()

    # ---- stage 6: summary ----------------------------------------------------------------------
    con = open_results(out)
    failed = con.sql("SELECT count(*) FROM runs_raw WHERE status = 'error'").fetchall()[0][0]
    table = summarize(con)
    write_summary(out, table)
    if plots and table.num_rows:
        write_plots(out, table)
    return SweepResult(
        out=Path(out), model=model_name(study.context.model), points=len(study.points),
        reps=study.reps, total=study.total, ran=n_ran, skipped=study.total - n_ran,
        failed=int(failed), chunks=len(jobs), reps_per_chunk=per_job, pilot_s=pilot_s,
        start_s=start_s, run_s=run_s, store_s=store_s, compute_cpu_s=cpu_s,
        parent_cpu_s=parent_cpu_s, engine=engine.kind if engine is not None else "none",
        workers=n_workers)


def run_jobs(engine, jobs, store, total: int, progress: bool = False, console=None,
             model="") -> tuple[float, float]:
    """Stage 5: run ``jobs`` on a started ``engine``, storing each chunk as it completes, with
    a progress bar of ``total`` replications; returns the time spent storing [s] and the CPU
    time of the chunks [s]."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    from .models import model_name

    class Rate(ProgressColumn):
        def render(self, task):
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.1f} rep/s" if speed else "- rep/s", style="progress.data.speed")

    store_s = cpu_s = 0.0
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                   TextColumn("ETA"), TimeRemainingColumn(), TimeElapsedColumn(),
                   console=console or Console(stderr=True), disable=not progress,
                   transient=False)
    with bar:
        task = bar.add_task(f"sweep ({model_name(model)}, {engine.kind})", total=total)
        for result in engine.run(jobs):
            store_s += store.write_chunk(result)
            cpu_s += result.cpu_s
            bar.advance(task, result.n)
    return store_s, cpu_s


class _CallableModule(types.ModuleType):
    """``iads.sweep`` is both this package and its main function: ``iads.sweep(...)``."""

    def __call__(self, *args, **kwargs) -> SweepResult:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
