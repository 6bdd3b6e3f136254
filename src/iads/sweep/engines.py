"""Running replications: chunks of them, in-process, in a local process pool, or on Dask.

The unit of work is a :class:`Job`: a chunk of replications (segments of consecutive
replication indices of one or more grid points) sized to last about a second, so that task
overhead and result transfer stay small. :func:`run_chunk` runs one job anywhere and returns
its results as Arrow tables (:class:`ChunkResult`); the parent process stores them as they come.

Three engines, one interface (``start()``, ``run(jobs)`` yielding results as they complete,
``close()``):

* :class:`SerialEngine` (``workers=1``): in this process, one chunk after another.
* :class:`ProcessEngine` (``workers=K ≥ 2``): a :class:`concurrent.futures.ProcessPoolExecutor`
  whose workers are started with the ``spawn`` method: a fresh interpreter that imports iads,
  never a ``fork`` of a process that may hold threads (numba, Dask, rich). ``spawn`` re-imports
  the main module in each worker, so a *script* that calls :func:`iads.sweep` must do so under
  ``if __name__ == "__main__":`` (the ``iads`` command and interactive sessions need nothing).
  Workers get ``NUMBA_NUM_THREADS=OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1`` in
  their environment (read when numba and BLAS load) and ignore Ctrl-C: the parent stops them.
  If a worker dies (killed, out of memory) the pool is rebuilt and the chunks in flight are
  run again, at most :data:`MAX_POOL_RESTARTS` times.
* :class:`DaskEngine`: a ``distributed.Client`` on a running scheduler (``tcp://host:port``)
  or on a ``LocalCluster(n_workers=K, threads_per_worker=1)`` started for the sweep, with the
  settings of :data:`DASK_CONFIG`: chunks queued at the scheduler and handed to the first free
  worker (no chunk sent ahead to a busy one), event loops that wake once a second rather than
  50 times, no statistical profiler, and the pool's worker environment (:data:`THREAD_ENV`,
  not Dask's ``MALLOC_TRIM_THRESHOLD_``). The chunks are submitted as one ``Client.map``; the
  study's shared context (catalog, model, sampling plan) is scattered once to every worker.
  The scheduler and workers of a remote cluster are started by their operator: give the
  workers one thread each (``dask worker --nthreads 1``, the variables of :data:`THREAD_ENV`)
  and both the settings of :data:`DASK_CONFIG` (as ``DASK_DISTRIBUTED__SCHEDULER__WORKER_
  SATURATION=1.0``, ``DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL=1s``, ... or a Dask YAML file)
  for the same throughput.

Whatever the engine, :func:`run_chunk` also holds numba to one thread while it runs, so a
replication computes the same numbers everywhere.
"""

from __future__ import annotations

import os
import platform
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import IadsError
from .models import as_replication, get_model
from .seeds import replication_seed

__all__ = [
    "THREAD_ENV",
    "DASK_CONFIG",
    "MAX_POOL_RESTARTS",
    "StudyContext",
    "Segment",
    "Job",
    "ChunkResult",
    "run_chunk",
    "plan_jobs",
    "SerialEngine",
    "ProcessEngine",
    "DaskEngine",
]

#: Environment of worker processes: one thread each for numba, OpenMP and BLAS.
THREAD_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}
#: Dask settings of a LocalCluster started for a sweep (scheduler, nannies and workers); give
#: the scheduler and workers of a remote cluster the same (``DASK_DISTRIBUTED__ADMIN__TICK__
#: INTERVAL=1s`` and so on, see the module docstring). Why, measured on 2 cores:
#:
#: * ``scheduler.worker-saturation``: Dask's 1.1 sends each one-thread worker a second chunk
#:   while it runs one. At the end of a study, a worker that runs out of work waits for the
#:   other's queued chunk until work stealing moves it (up to 1 s, the stealing interval). At
#:   1.0 the chunks wait at the scheduler and each goes to the first worker free, as the
#:   process pool's shared queue does, for one round trip (milliseconds) between chunks.
#: * ``worker.profile.enabled``: the statistical profiler samples the compute thread's stack
#:   every 10 ms for the dashboard: 10-40 % of a replication's CPU time. Off.
#: * ``admin.tick.interval``: every server (scheduler, nanny, worker) wakes its event loop every
#:   20 ms to time itself. In a worker the event loop and the compute thread share the GIL, so
#:   each wake-up takes the GIL from the computation; on a busy machine the hand-over waits for
#:   a free core and the computation stalls meanwhile. Idle, a LocalCluster(2) cost 7.5 % of a
#:   core (scheduler and nannies 3.5 %, each worker 2 %), 2 % with these settings.
#: * ``worker.memory.monitor-interval`` and ``admin.system-monitor.interval``: the same, 10 and
#:   2 times a second.
#: * ``nanny.pre-spawn-environ``: Dask's default sets ``MALLOC_TRIM_THRESHOLD_=65536`` in the
#:   workers, which also turns off glibc's adaptive mmap threshold: every numpy array above
#:   128 kB is then mapped and unmapped afresh: 2.6 times the page faults of the pool's
#:   workers and 30 ms more system time (about 3 %) a replication of the sweep-sized raid.
#:   The workers get the pool's environment instead: :data:`THREAD_ENV`.
DASK_CONFIG = {
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.nanny.pre-spawn-environ": dict(THREAD_ENV),
}
#: Variables a Dask nanny may write into the environment of the process that starts it.
DASK_ENV_KEYS = ("MALLOC_TRIM_THRESHOLD_", "PYTHONHASHSEED", *THREAD_ENV)
#: How many times a broken process pool is rebuilt before the sweep stops.
MAX_POOL_RESTARTS = 2


@dataclass(frozen=True)
class StudyContext:
    """What every replication of a study shares: the model, the catalog, the sampling plan."""

    model: Any  # a registered model name or an importable function
    catalog: Any
    root_seed: int
    sampling: Any = None  # a SamplingPlan, or None to use the catalog's stated values


@dataclass(frozen=True)
class Segment:
    """Replications ``start``, ..., ``stop - 1`` of grid point ``point_id``."""

    point_id: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Job:
    """A chunk of replications, with the validated scenario and key of each of its points."""

    name: str
    segments: tuple[Segment, ...]
    scenarios: dict = field(default_factory=dict)  # point_id -> Scenario
    keys: dict = field(default_factory=dict)  # point_id -> point key

    @property
    def size(self) -> int:
        return sum(s.size for s in self.segments)


@dataclass
class ChunkResult:
    """The results of one job as Arrow tables (``events`` is ``None`` when no model gave any)."""

    name: str
    runs: Any
    metrics: Any
    events: Any
    n: int
    failed: int
    compute_s: float  # wall time [s]
    cpu_s: float  # CPU time of the process meanwhile [s]
    worker: str = ""  # where it ran: host:pid


@contextmanager
def _one_numba_thread():
    numba = sys.modules.get("numba")
    if numba is None:
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def run_chunk(ctx: StudyContext, job: Job) -> ChunkResult:
    """Run every replication of ``job``; a replication that raises is recorded, not fatal."""
    import pyarrow as pa

    fn = get_model(ctx.model)
    cols: dict[str, list] = {k: [] for k in ("point_id", "rep", "seed", "status", "error",
                                             "wall_s")}
    figures: list = []
    m_point, m_rep, m_name, m_value = [], [], [], []
    events = []
    failed = 0
    t_start, cpu_start = time.perf_counter(), time.process_time()
    with _one_numba_thread():
        for seg in job.segments:
            scenario, key = job.scenarios[seg.point_id], job.keys[seg.point_id]
            for rep in range(seg.start, seg.stop):
                seed = replication_seed(ctx.root_seed, key, rep)
                t0 = time.perf_counter()
                drawn = None
                try:
                    catalog = ctx.catalog
                    if ctx.sampling is not None:
                        catalog, drawn = ctx.sampling.sample(ctx.catalog, seed)
                    out = as_replication(fn(scenario, seed, catalog))
                    status, error = "ok", None
                except Exception as exc:  # stored with the replication; the study goes on
                    out, status, error = None, "error", f"{type(exc).__name__}: {exc}"
                    failed += 1
                for k, v in (("point_id", seg.point_id), ("rep", rep), ("seed", seed),
                             ("status", status), ("error", error),
                             ("wall_s", time.perf_counter() - t0)):
                    cols[k].append(v)
                if ctx.sampling is not None:
                    figures.append(list(drawn.items()) if drawn is not None else None)
                if out is None:
                    continue
                for name, value in out.metrics.items():
                    m_point.append(seg.point_id)
                    m_rep.append(rep)
                    m_name.append(name)
                    m_value.append(value)
                if out.events is not None and out.events.num_rows:
                    ev = out.events
                    ev = ev.add_column(0, "rep", pa.array([rep] * ev.num_rows, pa.int32()))
                    ev = ev.add_column(0, "point_id",
                                       pa.array([seg.point_id] * ev.num_rows, pa.int32()))
                    events.append(ev)
    runs = pa.table({
        "point_id": pa.array(cols["point_id"], pa.int32()),
        "rep": pa.array(cols["rep"], pa.int32()),
        "seed": pa.array(cols["seed"], pa.int64()),
        "status": pa.array(cols["status"], pa.string()),
        "error": pa.array(cols["error"], pa.string()),
        "wall_s": pa.array(cols["wall_s"], pa.float64()),
    })
    if ctx.sampling is not None:
        runs = runs.append_column("figures", pa.array(figures, pa.map_(pa.string(),
                                                                         pa.float64())))
    metrics = pa.table({
        "point_id": pa.array(m_point, pa.int32()),
        "rep": pa.array(m_rep, pa.int32()),
        "metric": pa.array(m_name, pa.string()),
        "value": pa.array(m_value, pa.float64()),
    })
    ev_table = pa.concat_tables(events, promote_options="permissive") if events else None
    return ChunkResult(job.name, runs, metrics, ev_table, runs.num_rows, failed,
                       time.perf_counter() - t_start, time.process_time() - cpu_start,
                       f"{platform.node()}:{os.getpid()}")


def chunk_name(segment: Segment) -> str:
    """Name of a chunk from its first replication (unique: a new chunk always starts at a
    replication that no stored chunk holds)."""
    return f"p{segment.point_id:06d}-r{segment.start:07d}"


def plan_jobs(missing: dict[int, list[int]], reps_per_job: int, scenarios, keys) -> list[Job]:
    """Pack the missing replications ``{point_id: [rep, ...]}`` into jobs of
    ``reps_per_job`` replications (the last may be smaller); a job may span grid points."""
    reps_per_job = max(1, int(reps_per_job))
    jobs: list[Job] = []
    current: list[Segment] = []
    size = 0

    def flush():
        nonlocal current, size
        if current:
            pids = {s.point_id for s in current}
            jobs.append(Job(chunk_name(current[0]), tuple(current),
                            {p: scenarios[p] for p in pids}, {p: keys[p] for p in pids}))
        current, size = [], 0

    for pid in sorted(missing):
        reps = sorted(missing[pid])
        i = 0
        while i < len(reps):
            j = i  # a run of consecutive replication indices, cut to the room left
            room = reps_per_job - size
            while j + 1 < len(reps) and reps[j + 1] == reps[j] + 1 and j + 1 - i < room:
                j += 1
            current.append(Segment(pid, reps[i], reps[j] + 1))
            size += j + 1 - i
            i = j + 1
            if size >= reps_per_job:
                flush()
    flush()
    return jobs


# ---- engines -------------------------------------------------------------------------------


class SerialEngine:
    """Run chunks one after another in this process."""

    kind = "serial"

    def __init__(self, ctx: StudyContext) -> None:
        self.ctx = ctx
        self.workers = 1

    def start(self, warm: Job | None = None) -> None:
        pass  # the pilot replication has warmed this process

    def run(self, jobs: Iterable[Job]) -> Iterator[ChunkResult]:
        for job in jobs:
            yield run_chunk(self.ctx, job)

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


_WORKER_CTX: StudyContext | None = None  # set once per worker process by _init_worker


def _init_worker(ctx: StudyContext) -> None:
    global _WORKER_CTX
    _WORKER_CTX = ctx
    os.environ.update(THREAD_ENV)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool on Ctrl-C


def _warm(job: Job | None) -> int:
    if job is not None:
        run_chunk(_WORKER_CTX, job)
    return os.getpid()


def _pool_run(job: Job) -> ChunkResult:
    return run_chunk(_WORKER_CTX, job)


@contextmanager
def _environ(values: dict[str, str], restore=()):
    """Set environment variables for processes started meanwhile; restore them, and those named
    in ``restore``, afterwards."""
    before = {k: os.environ.get(k) for k in (*values, *restore)}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class ProcessEngine:
    """A local pool of ``workers`` spawned processes (see the module docstring)."""

    kind = "process"

    def __init__(self, ctx: StudyContext, workers: int) -> None:
        self.ctx = ctx
        self.workers = int(workers)
        self._pool = None
        self._env = None
        self.restarts = 0

    def start(self, warm: Job | None = None) -> None:
        """Start the worker processes; each runs ``warm`` (results dropped) to import and
        compile what the model needs before the clock of the sweep starts."""
        from contextlib import ExitStack

        self._env = ExitStack()
        self._env.enter_context(_environ(THREAD_ENV))  # workers inherit it when spawned
        try:
            self._pool = self._new_pool()
            futures = [self._pool.submit(_warm, warm) for _ in range(self.workers)]
            pids = {fut.result() for fut in futures}
            while warm is not None and len(pids) < self.workers:  # a worker took two
                pids.add(self._pool.submit(_warm, warm).result())
        except BaseException:
            self.abort()
            raise

    def _new_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(self.ctx,))

    def run(self, jobs: Iterable[Job]) -> Iterator[ChunkResult]:
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        pending = {job.name: job for job in jobs}
        while pending:
            if self._pool is None:
                self._pool = self._new_pool()
            futures = {self._pool.submit(_pool_run, job): name for name, job in pending.items()}
            broken = False
            for fut in as_completed(futures):
                exc = fut.exception()
                if exc is None:
                    del pending[futures[fut]]
                    yield fut.result()
                elif isinstance(exc, BrokenProcessPool):
                    broken = True
                else:
                    raise exc
            if broken:
                self._kill()
                self.restarts += 1
                if self.restarts > MAX_POOL_RESTARTS:
                    raise IadsError(
                        f"worker processes died {self.restarts} times (killed or out of "
                        f"memory); {len(pending)} chunks not run; the results stored so far "
                        "are kept: rerun with --resume")

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._env is not None:
            self._env.close()
            self._env = None

    def abort(self) -> None:
        """Stop at once (Ctrl-C): the chunks in flight are lost, nothing else."""
        self._kill()
        self.close()


def _dask_warm(ctx: StudyContext, job: Job) -> int:
    run_chunk(ctx, job)
    return os.getpid()


class DaskEngine:
    """Chunks as Dask futures, on a scheduler address or a LocalCluster of ``local_workers``."""

    kind = "dask"

    def __init__(self, ctx: StudyContext, scheduler: str | None = None,
                 local_workers: int | None = None, connect_timeout_s: float | None = None
                 ) -> None:
        if (scheduler is None) == (local_workers is None):
            raise ValueError("give exactly one of scheduler and local_workers")
        self.ctx = ctx
        self.scheduler = scheduler
        self.local_workers = local_workers
        self.connect_timeout_s = connect_timeout_s
        self.client = None
        self.cluster = None
        self._ctx_future = None

    @property
    def workers(self) -> int:
        if self.client is None:
            return self.local_workers or 0
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))

    def start(self, warm: Job | None = None) -> None:
        """Connect (or start the LocalCluster), send the study context to every worker and
        run ``warm`` on each (results dropped)."""
        import logging

        import dask
        from distributed import Client, LocalCluster

        if self.local_workers is not None:
            # the nannies copy pre-spawn-environ into this process's environment for good:
            # restore it, so that processes started later do not inherit it
            with dask.config.set(DASK_CONFIG), _environ({}, restore=DASK_ENV_KEYS):
                self.cluster = LocalCluster(
                    n_workers=int(self.local_workers), threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            timeout = self.connect_timeout_s
            if timeout is None:
                timeout = dask.utils.parse_timedelta(
                    dask.config.get("distributed.comm.timeouts.connect"))
            try:
                self.client = Client(self.scheduler, timeout=timeout)
                self.client.wait_for_workers(1, timeout=max(timeout, 1.0))
            except (OSError, TimeoutError, ValueError) as exc:
                self.close()
                why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise IadsError(f"cannot use the Dask scheduler at {self.scheduler}: {why}",
                                field="--scheduler") from None
        self._ctx_future = self.client.scatter(self.ctx, broadcast=True, hash=False)
        if warm is not None:
            self.client.run(_dask_warm, self.ctx, warm)

    def run(self, jobs: Iterable[Job]) -> Iterator[ChunkResult]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        token = os.urandom(4).hex()
        jobs = list(jobs)
        # one graph: the chunks form one task group that the scheduler queues and hands out
        # as workers free up (see DASK_CONFIG)
        futures = self.client.map(run_chunk, [self._ctx_future] * len(jobs), jobs, pure=False,
                                  key=[f"iads-chunk-{job.name}-{token}" for job in jobs])
        try:
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except KilledWorker as exc:
                    raise IadsError(f"a Dask worker died running {exc.task}; the results stored "
                                    "so far are kept: rerun with --resume") from None
        finally:
            for fut in futures:
                if not fut.done():
                    fut.cancel()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def abort(self) -> None:
        self.close()
