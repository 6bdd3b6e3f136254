"""Monte Carlo sweeps: grids, seeds, sampling, engines, the store, resume, bad input.

References: grids against itertools/closed-form ranges; seeds against ``SeedSequence`` built
from the RNG policy's spawn keys; sampled figures against the triangular and uniform laws
(Kolmogorov-Smirnov on many draws); the detection model against ``detection_table`` called
directly; engines against each other (serial, spawn pool, Dask LocalCluster); resume after a
SIGKILL against an uninterrupted run; bad grids through the real CLI (one line, exit 2).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.dataset as pads
import pytest
from scipy import stats

import iads
import iads.sweep
from iads.catalog import load_catalog
from iads.cli import main
from iads.detection_table import detection_table
from iads.rng import spawn_key
from iads.sweep.grid import expand_range, grid_from_mapping
from iads.sweep.models import Replication
from iads.sweep.sampling import COUNT_FIELDS, SamplingPlan, inverse_cdf
from iads.sweep.seeds import point_key, replication_seed

ROOT = Path(__file__).parent.parent
MINIMAL = ROOT / "scenarios" / "examples" / "minimal.yaml"
BAD = Path(__file__).parent / "bad_grids"
CAT = load_catalog()
# the study shared by the reference, engine and resume tests: 2 points x 30 replications
STUDY = dict(reps=30, grid={"coverage.pd": [0.5, 0.9]}, sample_uncertain=True,
             model="detection", progress=False, plots=False)


def _table(out, name):
    files = sorted(str(p) for p in Path(out).glob(f"chunks/*/{name}.parquet"))
    t = pads.dataset(files, format="parquet").to_table()
    keys = [("point_id", "ascending"), ("rep", "ascending")]
    if "metric" in t.column_names:
        keys.append(("metric", "ascending"))
    return t.sort_by(keys)


def _metrics(out):
    t = _table(out, "metrics")
    return t.select(["point_id", "rep", "metric", "value"]).to_pydict()


def _runs(out):
    return _table(out, "runs").select(["point_id", "rep", "seed", "status"]).to_pydict()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The study run in this process, uninterrupted."""
    out = tmp_path_factory.mktemp("reference") / "study"
    res = iads.sweep(MINIMAL, out=out, workers=1, **STUDY)
    return out, res


# ---- grids and seeds ------------------------------------------------------------------------


def test_ranges_include_stop_and_match_closed_form():
    assert expand_range({"start": 1.0, "stop": 1.4, "step": 0.2}) == [1.0, 1.2, 1.4]
    assert expand_range({"start": 0, "stop": 10, "step": 3}) == [0, 3, 6, 9]
    got = expand_range({"start": 0.1, "stop": 0.9, "step": 0.1})
    np.testing.assert_allclose(got, np.linspace(0.1, 0.9, 9), rtol=0, atol=1e-12)
    assert expand_range({"start": 5.0, "stop": 4.0, "step": -0.25}) == [5.0, 4.75, 4.5, 4.25,
                                                                         4.0]


def test_grid_points_are_the_product_in_file_order():
    g = grid_from_mapping({"coverage.pd": [0.5, 0.9],
                           "terrain.k_factor": {"start": 1.0, "stop": 1.4, "step": 0.2}})
    pts = g.points()
    want = list(itertools.product([0.5, 0.9], [1.0, 1.2, 1.4]))
    assert [tuple(p.values.values()) for p in pts] == want
    assert [p.id for p in pts] == list(range(6))
    assert len({p.key for p in pts}) == 6


def test_seed_is_the_policys_seed_sequence_of_point_and_rep():
    key = point_key({"coverage.pd": 0.5})
    for rep in (0, 1, 7, 10_000):
        ss = np.random.SeedSequence(123, spawn_key=spawn_key("sweep", key, rep))
        assert replication_seed(123, key, rep) == int(ss.generate_state(1, np.uint64)[0] >> 1)
    assert replication_seed(123, key, 0) != replication_seed(124, key, 0)


def test_adding_grid_points_changes_no_existing_result(reference, tmp_path):
    out, _ = reference
    small = iads.sweep(MINIMAL, out=tmp_path / "s", **{**STUDY, "grid": {"coverage.pd": [0.9]}})
    assert small.total == 30
    ref_runs, ref_metrics = _runs(out), _metrics(out)
    runs, metrics = _runs(tmp_path / "s"), _metrics(tmp_path / "s")
    # pd = 0.9 is point 1 of the reference study and point 0 of the small one
    keep = [i for i, p in enumerate(ref_runs["point_id"]) if p == 1]
    assert [ref_runs["seed"][i] for i in keep] == runs["seed"]
    keep = [i for i, p in enumerate(ref_metrics["point_id"]) if p == 1]
    assert [ref_metrics["value"][i] for i in keep] == metrics["value"]
    assert [ref_metrics["metric"][i] for i in keep] == metrics["metric"]


# ---- sampling ------------------------------------------------------------------------------


def test_inverse_cdf_matches_scipy_laws():
    u = np.linspace(0.001, 0.999, 101)
    lo, mode, hi = 2.0, 3.0, 10.0
    tri = stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    np.testing.assert_allclose(inverse_cdf(u, lo, mode, hi), tri.ppf(u), rtol=1e-12)
    np.testing.assert_allclose(inverse_cdf(u, lo, mode, hi, "uniform"),
                               stats.uniform(lo, hi - lo).ppf(u), rtol=1e-12)
    # a mode at either end of the range
    np.testing.assert_allclose(inverse_cdf(u, lo, lo, hi),
                               stats.triang(c=0, loc=lo, scale=hi - lo).ppf(u), rtol=1e-12)


@pytest.mark.parametrize("distribution", ["triangular", "uniform"])
def test_drawn_figures_follow_their_law(distribution):
    """Monte Carlo from the definition: 3,000 replication seeds, KS test per figure."""
    full = SamplingPlan.from_catalog(CAT, distribution)
    entry = next(e for e in full.entries if e[0] == "targets" and e[1] == "f-35a")
    plan = SamplingPlan(distribution, (entry,))
    draws = [plan.draw(s) for s in range(3000)]
    for fig in entry[2][:6]:
        x = np.array([d[fig.name] for d in draws])
        law = (stats.triang(c=(fig.mode - fig.low) / (fig.high - fig.low), loc=fig.low,
                            scale=fig.high - fig.low) if distribution == "triangular"
               else stats.uniform(fig.low, fig.high - fig.low))
        assert stats.kstest(x, law.cdf).pvalue > 1e-3, fig.name
        assert fig.low <= x.min() and x.max() <= fig.high
    # each figure draws independently of the others
    a = np.array([d[entry[2][0].name] for d in draws])
    b = np.array([d[entry[2][1].name] for d in draws])
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.07


def test_sampled_catalog_holds_the_drawn_values_and_nothing_else_changes():
    plan = SamplingPlan.from_catalog(CAT)
    cat, drawn = plan.sample(CAT, 42)
    assert len(drawn) == len(plan.names) > 100
    from iads.catalog import KINDS, iter_figures

    n_checked = 0
    for kind in KINDS:
        if kind == "sources":
            continue
        for id_, entry in cat.section(kind).items():
            original = dict(iter_figures(CAT.section(kind)[id_]))
            for path, fig in iter_figures(entry):
                name = f"{kind}.{id_}.{iads.errors.format_field_path(path)}"
                before = original[path]
                assert (fig.lo, fig.hi, fig.source) == (before.lo, before.hi, before.source)
                if name in drawn:
                    assert fig.value == drawn[name]
                    if path[-1] in COUNT_FIELDS:
                        assert fig.value == round(fig.value)
                    n_checked += 1
                else:
                    assert before.lo == before.hi and fig.value == before.value
    assert n_checked == len(drawn)
    # a different seed draws differently; the same seed draws the same
    assert plan.draw(43) != drawn and plan.draw(42) == drawn


# ---- the detection model against detection_table called directly ----------------------------


def test_detection_metrics_are_the_detection_table_under_the_drawn_catalog(reference):
    out, res = reference
    assert res.model == "detection" and res.failed == 0 and res.total == 60
    con = res.open()
    row = con.sql("SELECT point_id, rep, seed, figures FROM runs WHERE point_id = 1 AND rep = 7"
                  ).fetchall()[0]
    drawn = dict(row[3]) if not isinstance(row[3], dict) else row[3]
    plan = SamplingPlan.from_catalog(CAT)
    assert drawn == plan.draw(row[2])  # stored figures = the draw of the stored seed
    cat = plan.apply(CAT, drawn)
    sc = iads.load_scenario(MINIMAL)
    rows = detection_table("s-400", targets=tuple(sc.coverage.targets), pds=(0.9,),
                           aspect=sc.coverage.aspect, k=sc.terrain.k_factor, catalog=cat)
    want = {f"detection_km/{r.radar}/{r.target}": r.detection_km for r in rows}
    got = dict(con.sql("SELECT metric, value FROM metrics WHERE point_id = 1 AND rep = 7"
                       ).fetchall())
    assert got == pytest.approx(want, rel=1e-12)


# ---- engines agree ---------------------------------------------------------------------------


def test_same_results_with_two_processes_and_on_dask(reference, tmp_path):
    out, _ = reference
    pool = iads.sweep(MINIMAL, out=tmp_path / "pool", workers=2, **STUDY)
    assert pool.engine == "process" and pool.workers == 2 and pool.chunks >= 2
    dask = iads.sweep(MINIMAL, out=tmp_path / "dask", dask_local=2, **STUDY)
    assert dask.engine == "dask" and dask.workers == 2
    ref_m, ref_r = _metrics(out), _runs(out)
    assert len(ref_m["value"]) == 60 * 12
    for other in ("pool", "dask"):
        assert _runs(tmp_path / other) == ref_r
        assert _metrics(tmp_path / other) == ref_m


def sleepy(scenario, seed, catalog):
    """A model that waits: 3 s a replication at low Pd, 0.2 s at high Pd (no CPU used, so the
    machine's other load does not change its duration)."""
    time.sleep(3.0 if scenario.coverage.pd < 0.7 else 0.2)
    return Replication({"pd": scenario.coverage.pd})


@pytest.fixture(scope="module")
def dask_engine():
    """A LocalCluster(2) engine as a sweep starts it, for the ``sleepy`` model."""
    from iads.sweep import define_study
    from iads.sweep.engines import DaskEngine, StudyContext

    study = define_study(MINIMAL, reps=5, grid={"coverage.pd": [0.5, 0.9]}, model="detection")
    engine = DaskEngine(StudyContext(sleepy, CAT, 1), local_workers=2)
    env = {k: os.environ.get(k) for k in (*_ENV, "PYTHONHASHSEED")}
    engine.start()
    engine.parent_env = env
    yield engine, study
    engine.close()


_ENV = ("MALLOC_TRIM_THRESHOLD_", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS")


def _worker_env():
    import dask

    return ({k: os.environ.get(k) for k in _ENV},
            dask.config.get("distributed.worker.profile.enabled", None))


def test_dask_workers_run_in_the_pools_environment(dask_engine):
    from iads.sweep.engines import ProcessEngine

    engine, _ = dask_engine
    # the nannies' settings did not leak into this process (to processes it starts later)
    assert {k: os.environ.get(k) for k in engine.parent_env} == engine.parent_env
    pool = ProcessEngine(engine.ctx, 2)
    pool.start()
    try:
        want = pool._pool.submit(_worker_env).result()[0]
    finally:
        pool.close()
    got = engine.client.run(_worker_env)
    assert len(got) == 2
    for env, profiling in got.values():
        assert env == want and env["MALLOC_TRIM_THRESHOLD_"] is None
        assert env["NUMBA_NUM_THREADS"] == "1" and profiling is False


def test_dask_hands_each_chunk_to_the_first_free_worker(dask_engine):
    """No chunk waits behind a running one: while one worker runs a 3 s chunk, the other runs
    the five 0.2 s chunks one after another (with Dask's default, the busy worker would be sent
    one of them ahead of time and hold it until work stealing moves it)."""
    from iads.sweep.engines import Job, Segment

    engine, study = dask_engine
    sc, keys = study.scenarios, study.keys
    jobs = [Job("long", (Segment(0, 0, 1),), {0: sc[0]}, {0: keys[0]})]
    jobs += [Job(f"short{r}", (Segment(1, r, r + 1),), {1: sc[1]}, {1: keys[1]})
             for r in range(5)]
    done = {r.name: r for r in engine.run(jobs)}
    assert set(done) == {j.name for j in jobs}
    long_worker = done["long"].worker
    assert [n for n, r in done.items() if r.worker == long_worker] == ["long"]


# ---- resume after SIGKILL ----------------------------------------------------------------


def test_killed_sweep_resumes_to_the_uninterrupted_result(reference, tmp_path):
    out, _ = reference
    grid = tmp_path / "grid.yaml"
    grid.write_text("coverage.pd: [0.5, 0.9]\n")
    study = tmp_path / "killed"
    cmd = [sys.executable, "-c", "from iads.cli import main; main()", "sweep", str(MINIMAL),
           "--reps", "30", "--grid", str(grid), "--sample-uncertain", "--model", "detection",
           "--workers", "2", "--chunk-seconds", "0.05", "--out", str(study), "--no-progress",
           "--no-plots"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((study / "chunks").glob("*/runs.parquet"))) >= 2:
                break
            time.sleep(0.01)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, mid-way
        except ProcessLookupError:
            pass
        proc.wait()
    stored = len(pads.dataset(sorted(str(p) for p in study.glob("chunks/*/runs.parquet")),
                              format="parquet").to_table())
    assert 0 < stored < 60, "the run was not killed mid-way"
    res = iads.sweep(MINIMAL, out=study, workers=1, resume=True, **STUDY)
    assert res.skipped == stored and res.ran == 60 - stored
    runs = _runs(study)
    assert sorted(zip(runs["point_id"], runs["rep"], strict=True)) == [
        (p, r) for p in (0, 1) for r in range(30)]  # none missing, none twice
    assert runs == _runs(out)
    assert _metrics(study) == _metrics(out)
    assert not any((study / "tmp").glob("*"))


def _start_cli(study: Path, grid: Path, workers: int) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from iads.cli import main; main()", "sweep", str(MINIMAL),
           "--reps", "30", "--grid", str(grid), "--sample-uncertain", "--model", "detection",
           "--workers", str(workers), "--chunk-seconds", "0.05", "--out", str(study),
           "--no-progress", "--no-plots"]
    return subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_chunks(proc, study: Path, n: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((study / "chunks").glob("*/runs.parquet"))) >= n:
            break
        time.sleep(0.01)
    return len(list((study / "chunks").glob("*/runs.parquet")))


def test_ctrl_c_stops_cleanly_and_resumes(reference, tmp_path):
    out, _ = reference
    grid = tmp_path / "grid.yaml"
    grid.write_text("coverage.pd: [0.5, 0.9]\n")
    study = tmp_path / "interrupted"
    proc = _start_cli(study, grid, workers=1)
    _wait_for_chunks(proc, study, 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        f"interrupted: the finished chunks are stored in {study}; complete the study with "
        "--resume"]
    stored = len(_table(study, "runs"))
    assert 0 < stored < 60, "the run was not interrupted mid-way"
    res = iads.sweep(MINIMAL, out=study, workers=1, resume=True, **STUDY)
    assert res.ran == 60 - stored
    assert _runs(study) == _runs(out) and _metrics(study) == _metrics(out)


def test_killed_worker_loses_only_its_chunk(reference, tmp_path):
    import psutil

    out, _ = reference
    grid = tmp_path / "grid.yaml"
    grid.write_text("coverage.pd: [0.5, 0.9]\n")
    study = tmp_path / "study"
    proc = _start_cli(study, grid, workers=2)
    try:
        _wait_for_chunks(proc, study, 2)
        workers = [c for c in psutil.Process(proc.pid).children()
                   if "spawn_main" in " ".join(c.cmdline())]
        stored = len(_table(study, "runs"))
        assert len(workers) == 2 and 0 < stored < 60, "the run was not caught mid-way"
        workers[0].kill()
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err
    assert _runs(study) == _runs(out) and _metrics(study) == _metrics(out)


# ---- failures are stored, the study goes on --------------------------------------------------


def flaky(scenario, seed, catalog):
    """A model that fails for a third of the seeds at high Pd (pure function of its inputs)."""
    if scenario.coverage.pd > 0.8 and seed % 3 == 0:
        raise ArithmeticError(f"cannot handle seed {seed}")
    return Replication({"x": (seed % 1000) / 1000.0, "pd": scenario.coverage.pd})


def test_crashed_replications_are_stored_with_seed_and_error(tmp_path):
    res = iads.sweep(MINIMAL, reps=40, grid={"coverage.pd": [0.5, 0.9]}, model=flaky,
                     out=tmp_path / "s", progress=False, plots=False, seed=11)
    keys = {0: point_key({"coverage.pd": 0.5}), 1: point_key({"coverage.pd": 0.9})}
    seeds = {(p, r): int(np.random.SeedSequence(11, spawn_key=spawn_key("sweep", keys[p], r))
                         .generate_state(1, np.uint64)[0] >> 1) for p in (0, 1) for r in range(40)}
    should_fail = {k for k, s in seeds.items() if k[0] == 1 and s % 3 == 0}
    assert 3 < len(should_fail) < 30
    con = res.open()
    rows = con.sql("SELECT point_id, rep, seed, status, error FROM runs").fetchall()
    assert len(rows) == 80
    for p, r, seed, status, error in rows:
        assert seed == seeds[(p, r)]
        if (p, r) in should_fail:
            assert status == "error" and error == f"ArithmeticError: cannot handle seed {seed}"
        else:
            assert status == "ok" and error is None
    assert res.failed == len(should_fail)
    summary = dict(con.sql("SELECT point_id, failed FROM (SELECT point_id, count(*) FILTER "
                           "(WHERE status = 'error') AS failed FROM runs GROUP BY point_id)"
                           ).fetchall())
    import pyarrow.parquet as pq

    s = pq.read_table(tmp_path / "s" / "summary.parquet").to_pylist()
    assert {r["point_id"]: r["failed"] for r in s} == summary == {0: 0, 1: len(should_fail)}
    x = [r for r in s if r["metric"] == "x" and r["point_id"] == 1][0]
    assert x["n"] == 40 - len(should_fail)
    assert res.model == "test_sweep:flaky"


# ---- summaries of a one-point study -----------------------------------------------------------


def test_one_point_study_plots_each_metrics_distribution(tmp_path):
    import matplotlib.pyplot as plt

    from iads.sweep.summary import plot_distributions

    out = tmp_path / "s"
    res = iads.sweep(MINIMAL, reps=25, model="detection", sample_uncertain=True, out=out,
                     progress=False, seed=4)
    assert [p.name for p in (out / "plots").iterdir()] == ["distributions_1.png"]
    metrics = _table(out, "metrics").to_pylist()
    values: dict[str, list] = {}
    for r in metrics:
        values.setdefault(r["metric"], []).append(r["value"])
    summary = pads.dataset(str(out / "summary.parquet")).to_table()
    fig = plot_distributions(summary, values)
    try:
        panels = {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}
        assert sorted(panels) == sorted(values) and len(panels) == 12
        spread = 0
        for name, ax in panels.items():
            v = np.array(values[name])
            mean_line = ax.get_lines()[0].get_xdata()[0]
            assert mean_line == pytest.approx(v.mean(), rel=1e-12, abs=1e-12)
            bars = [p for p in ax.patches if p.get_alpha() == 0.8]  # the histogram
            assert sum(p.get_height() for p in bars) == res.reps == len(v)
            if v.std() > 0:  # the dark band is the t-interval of the mean (scipy)
                lo, hi = stats.t.interval(0.95, len(v) - 1, v.mean(), stats.sem(v))
                dark = [p for p in ax.patches if p.get_alpha() == 0.45]
                assert len(dark) == 1
                x, w = dark[0].get_x(), dark[0].get_width()
                assert (x, x + w) == pytest.approx((lo, hi), rel=1e-9)
                spread += 1
        assert spread >= 6  # the drawn figures spread most metrics
    finally:
        plt.close(fig)


# ---- bad input: one line, exit 2, nothing touched --------------------------------------------

_EXPECT = re.compile(r"^# expect: (.+?)$", re.MULTILINE)
_AT = re.compile(r"^# expect-line: (.+?)$", re.MULTILINE)
CASES = sorted(BAD.glob("*.yaml"))


def test_bad_grid_corpus_is_documented():
    assert len(CASES) >= 6
    assert all(_EXPECT.search(p.read_text()) for p in CASES)


def _cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_grid_fails_with_one_line(path, tmp_path, capsys):
    out = tmp_path / "study"
    code, _, err = _cli(["sweep", str(MINIMAL), "--reps", "2", "--grid", str(path),
                         "--model", "detection", "--out", str(out), "--no-progress"], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    line = lines[0]
    assert line.startswith(f"error: {path}"), line
    for phrase in _EXPECT.findall(path.read_text()):
        assert phrase in line, (phrase, line)
    at = _AT.search(path.read_text())
    if at:
        text = path.read_text().splitlines()
        n = next(i for i, t in enumerate(text, 1) if t.startswith(at.group(1)))
        assert line.startswith(f"error: {path}:{n}:"), line
    assert not out.exists()


def _snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


def test_folder_with_another_study_is_refused_untouched(tmp_path, capsys):
    out = tmp_path / "study"
    base = ["sweep", str(MINIMAL), "--model", "detection", "--out", str(out), "--no-progress"]
    code, stdout, _ = _cli([*base, "--reps", "3"], capsys)
    assert code == 0 and "ran 3" in stdout
    before = _snapshot(out)
    code, _, err = _cli([*base, "--reps", "4"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "holds a different study (reps differ)" in err
    code, _, err = _cli([*base, "--reps", "3", "--seed", "5"], capsys)
    assert code == 2 and "root_seed differ" in err
    code, _, err = _cli([*base, "--reps", "3"], capsys)
    assert code == 2 and "already holds this study (3 of 3" in err and "--resume" in err
    assert _snapshot(out) == before
    code, stdout, _ = _cli([*base, "--reps", "3", "--resume"], capsys)
    assert code == 0 and "ran 0" in stdout and "3 already stored" in stdout
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    code, _, err = _cli([*base[:-3], "--out", str(tmp_path / "other"), "--reps", "3"], capsys)
    assert code == 2 and "holds no sweep" in err
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_bad_input_leaves_an_existing_study_untouched(tmp_path, capsys):
    import dask

    out = tmp_path / "study"
    base = ["sweep", str(MINIMAL), "--model", "detection", "--reps", "3", "--out", str(out),
            "--no-progress"]
    code, _, _ = _cli(base, capsys)
    assert code == 0
    chunks = sorted((out / "chunks").iterdir())
    assert len(chunks) == 2
    shutil.rmtree(chunks[-1])  # as a killed sweep leaves it: --resume has work to do
    before = _snapshot(out)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    import distributed  # noqa: F401  # its config defaults first (see _DASK_DEFAULTS_NOTE)

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        for args in (["--grid", str(BAD / "unknown_field.yaml")],
                     ["--grid", str(BAD / "wrong_type.yaml")],
                     ["--grid", str(BAD / "out_of_range.yaml")],
                     ["--scheduler", f"tcp://127.0.0.1:{port}"]):
            code, _, err = _cli([*base, "--resume", *args], capsys)
            assert code == 2 and len(err.strip().splitlines()) == 1, (args, err)
            assert _snapshot(out) == before, args


def test_a_folder_being_written_is_refused(reference, tmp_path):
    from iads.sweep.store import Store

    study = tmp_path / "busy"
    with Store(study).lock():  # as another sweep writing into it would hold it
        with pytest.raises(iads.IadsError, match="another sweep is writing into"):
            iads.sweep(MINIMAL, out=study, workers=1, **STUDY)
        assert not (study / "manifest.json").exists()
    res = iads.sweep(MINIMAL, out=study, workers=1, **STUDY)  # the lock is gone with its holder
    assert res.ran == 60 and _metrics(study) == _metrics(reference[0])


# _DASK_DEFAULTS_NOTE: distributed loads its config defaults on first import. Imported for the
# first time inside ``dask.config.set({"distributed...": ...})``, its whole ``distributed``
# subtree is removed again when the block exits (set() undoes the key it created), and a
# later Client in the same process fails with KeyError 'client'.


def test_unreachable_scheduler_is_one_line(tmp_path, capsys):
    import dask
    import distributed  # noqa: F401  # its config defaults first (see _DASK_DEFAULTS_NOTE)

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "study"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, _, err = _cli(["sweep", str(MINIMAL), "--reps", "2", "--model", "detection",
                             "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(out),
                             "--no-progress"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"cannot use the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert not out.exists()


def test_bad_options_are_one_line(tmp_path, capsys):
    out = str(tmp_path / "s")
    for args, phrase in [
        (["--reps", "0"], "--reps: expected an integer >= 1"),
        (["--reps", "1", "--model", "detectoin"], "unknown model 'detectoin'"),
        (["--reps", "1", "--scheduler", "tcp://h:1", "--dask-local", "2"], "not both"),
        (["--reps", "1", "--distribution", "normal"], "--distribution"),
    ]:
        code, _, err = _cli(["sweep", str(MINIMAL), *args, "--out", out, "--no-progress"],
                            capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1 and phrase in err, err
    assert not Path(out).exists()


def test_sweep_and_results_are_reached_from_the_top_level_package():
    # a fresh interpreter: `import iads` alone must give iads.sweep(...) and iads.results.open
    code = ("import sys, iads; assert 'iads.sweep' not in sys.modules; "
            "print(callable(iads.sweep), iads.sweep.sweep.__module__, "
            "iads.results.open.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "iads.sweep", "iads.results"]
