"""Reading a sweep back: DuckDB views, ``iads query``, summaries and plots.

The views are checked against the Parquet chunk files read directly with pyarrow; the summary's
statistics against numpy (mean, sd, linear quantiles) and scipy's Student-t interval computed
from those raw values.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from scipy import stats

import iads.results
import iads.sweep
from iads.cli import main
from iads.rng import component_rng
from iads.sweep.models import Replication

MINIMAL = Path(__file__).parent.parent / "scenarios" / "examples" / "minimal.yaml"
GRID = {"coverage.pd": [0.5, 0.7, 0.9], "terrain.k_factor": [1.0, 1.5]}
REPS = 25


def noisy(scenario, seed, catalog):
    """A fast stochastic model: y ~ N(10 pd, 1), z ~ Exp(k), and three events."""
    rng = component_rng(seed, "noise")
    pd, k = scenario.coverage.pd, scenario.terrain.k_factor
    y = 10 * pd + rng.standard_normal()
    z = rng.exponential(k)
    events = pa.table({"time_s": [0.0, 1.5, 3.0], "kind": ["start", "mid", "end"],
                       "y": [y, y, y]})
    return Replication({"y": y, "z": z}, events)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "study"
    res = iads.sweep(MINIMAL, reps=REPS, grid=GRID, model=noisy, out=out, progress=False,
                     plots=True, seed=3)
    return out, res


def _raw(out, name):
    files = sorted(str(p) for p in Path(out).glob(f"chunks/*/{name}.parquet"))
    return pads.dataset(files, format="parquet").to_table()


def test_views_hold_every_replication_once(study):
    out, res = study
    con = iads.results.open(out)
    assert res.total == 6 * REPS and res.ran == res.total
    runs = con.sql("SELECT point_id, rep, seed, status, \"coverage.pd\", \"terrain.k_factor\" "
                   "FROM runs ORDER BY point_id, rep").fetchall()
    assert len(runs) == 6 * REPS
    assert len({(r[0], r[1]) for r in runs}) == len(runs)
    assert {r[3] for r in runs} == {"ok"}
    # the parameters joined on each run are those of its point (file order, first slowest)
    for pid, _rep, _seed, _st, pd, k in runs:
        assert (pd, k) == (GRID["coverage.pd"][pid // 2], GRID["terrain.k_factor"][pid % 2])
    raw = _raw(out, "runs").sort_by([("point_id", "ascending"), ("rep", "ascending")])
    assert [r[2] for r in runs] == raw.column("seed").to_pylist()
    m = con.sql("SELECT point_id, rep, metric, value FROM metrics ORDER BY ALL").fetchall()
    raw_m = _raw(out, "metrics").sort_by([("point_id", "ascending"), ("rep", "ascending"),
                                          ("metric", "ascending")])
    assert m == list(zip(*(raw_m.column(c).to_pylist() for c in
                           ("point_id", "rep", "metric", "value")), strict=True))
    assert len(m) == 2 * 6 * REPS


def test_events_carry_point_and_rep(study):
    out, _ = study
    con = iads.results.open(out)
    rows = con.sql("SELECT e.point_id, e.rep, e.kind, e.y, m.value FROM events e JOIN metrics m "
                   "ON e.point_id = m.point_id AND e.rep = m.rep AND m.metric = 'y'").fetchall()
    assert len(rows) == 3 * 6 * REPS
    assert all(y == v for *_, y, v in rows)
    assert con.sql("SELECT count(*) FROM figures").fetchall()[0][0] == 0  # nothing sampled


def test_summary_matches_numpy_and_scipy(study):
    out, _ = study
    raw = _raw(out, "metrics").to_pydict()
    groups = defaultdict(list)
    for p, m, v in zip(raw["point_id"], raw["metric"], raw["value"], strict=True):
        groups[(p, m)].append(v)
    summary = pq.read_table(Path(out) / "summary.parquet").to_pylist()
    assert len(summary) == len(groups) == 12
    for row in summary:
        x = np.array(groups[(row["point_id"], row["metric"])])
        assert row["n"] == len(x) == REPS
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-10)
        for q, name in ((0.05, "q05"), (0.5, "median"), (0.95, "q95")):
            assert row[name] == pytest.approx(np.quantile(x, q), rel=1e-12)
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-10)
        assert row["failed"] == 0 and row["runs"] == REPS
    # the csv holds the same numbers
    with (Path(out) / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["mean"]) for r in rows] == pytest.approx([r["mean"] for r in summary])


def test_interval_covers_the_true_mean_at_its_level(study):
    """y ~ N(10 pd, 1): the 95 % interval must cover 10 pd at most points (all 6 here are
    expected to, with probability 0.95^6 = 0.74; we allow one miss: P(>= 5) = 0.97)."""
    out, _ = study
    summary = pq.read_table(Path(out) / "summary.parquet").to_pylist()
    covered = [r["ci_low"] <= 10 * r["coverage.pd"] <= r["ci_high"]
               for r in summary if r["metric"] == "y"]
    assert len(covered) == 6 and sum(covered) >= 5


def test_plots_one_png_per_numeric_parameter(study):
    out, _ = study
    pngs = sorted((Path(out) / "plots").glob("*.png"))
    assert [p.name for p in pngs] == ["vs_coverage.pd_1.png", "vs_terrain.k_factor_1.png"]
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


def _cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_query_command_prints_csv(study, capsys):
    out, _ = study
    code, text, _ = _cli(["query", str(out), "SELECT \"coverage.pd\" AS pd, avg(value) AS m "
                          "FROM metrics WHERE metric = 'y' GROUP BY pd ORDER BY pd", "--csv"],
                         capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    raw = _raw(out, "metrics").to_pydict()
    for r in rows:
        pd = float(r["pd"])
        pids = {i for i in range(6) if GRID["coverage.pd"][i // 2] == pd}
        x = [v for p, m, v in zip(raw["point_id"], raw["metric"], raw["value"], strict=True)
             if m == "y" and p in pids]
        assert float(r["m"]) == pytest.approx(np.mean(x), rel=1e-12)
    assert [float(r["pd"]) for r in rows] == GRID["coverage.pd"]
    code, text, _ = _cli(["query", str(out), "SELECT count(*) AS n FROM runs"], capsys)
    assert code == 0 and str(6 * REPS) in text


def test_query_errors_are_one_line(study, tmp_path, capsys):
    out, _ = study
    code, _, err = _cli(["query", str(out), "SELECT nope FROM runs"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "query failed" in err
    code, _, err = _cli(["query", str(tmp_path), "SELECT 1"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "holds no sweep" in err
