"""Summaries of a sweep: per grid point and metric, and plots of a metric against a parameter.

For each grid point and metric, over the replications that succeeded:

* ``n``, ``mean``, ``sd`` (sample standard deviation), ``min``, ``max``;
* quantiles ``q05``, ``median``, ``q95`` (linear interpolation between order statistics,
  numpy's default ``method="linear"``, DuckDB's ``quantile_cont``);
* ``ci_low``, ``ci_high``: the two-sided Student-t confidence interval of the mean at ``level``
  (default 95 %): ``mean ± t(1 − (1 − level)/2, n − 1) · sd / √n``; ``NaN`` when ``n < 2``. It
  assumes the replications are independent (they are: independent seeds) and the mean nearly
  normal (true for moderate ``n`` unless the metric is very skewed);
* ``runs`` and ``failed``: replications stored at the point and how many of them failed.

Plots (one PNG per numeric grid parameter, one panel per metric, 12 panels a page) draw the
mean against the parameter with two bands: the confidence interval of the mean (dark) and the
5–95 % quantiles of the replications (light); other parameters, if any, give one line each.
A study of one grid point (no parameter to plot against) gets the distribution of each metric
instead: a histogram of the replications with the same mean, interval and quantiles marked.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

__all__ = ["summarize", "write_summary", "numeric_parameters", "plot_metrics",
           "plot_distributions", "write_plots"]


def _connection(source):
    if hasattr(source, "execute"):
        return source
    from .. import results

    return results.open(source)


def summarize(source, level: float = 0.95):
    """Summary table (``pyarrow.Table``) of a study folder or an open results connection.

    One row per grid point and metric, sorted by point and metric, with the point's key and
    parameters; see the module docstring for the columns.
    """
    import pyarrow as pa
    from scipy.special import stdtrit

    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    con = _connection(source)
    t = con.sql("""
        WITH m AS (
            SELECT point_id, metric, count(value) AS n, avg(value) AS mean,
                   stddev_samp(value) AS sd, min(value) AS min, max(value) AS max,
                   quantile_cont(value, 0.05) AS q05, quantile_cont(value, 0.5) AS median,
                   quantile_cont(value, 0.95) AS q95
            FROM metrics_raw GROUP BY point_id, metric),
        r AS (
            SELECT point_id, count(*) AS runs, count(*) FILTER (WHERE status = 'error') AS failed
            FROM runs_raw GROUP BY point_id)
        SELECT m.*, r.runs, r.failed, p.* EXCLUDE (point_id)
        FROM m JOIN r USING (point_id) JOIN points p ON m.point_id = p.point_id
        ORDER BY m.point_id, m.metric
    """).to_arrow_table()
    n = np.asarray(t.column("n").to_numpy(zero_copy_only=False), dtype=float)
    mean = np.asarray(t.column("mean").to_numpy(zero_copy_only=False), dtype=float)
    sd = np.asarray(t.column("sd").to_numpy(zero_copy_only=False), dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = stdtrit(np.where(n >= 2, n - 1, np.nan), 1 - (1 - level) / 2)
        half = tq * sd / np.sqrt(n)
    idx = t.schema.get_field_index("q95") + 1
    t = t.add_column(idx, "ci_low", pa.array(mean - half, pa.float64()))
    t = t.add_column(idx + 1, "ci_high", pa.array(mean + half, pa.float64()))
    return t.replace_schema_metadata({"ci": f"{level:.0%} t-interval"})


def write_summary(directory: str | Path, summary=None, level: float = 0.95) -> list[Path]:
    """Write ``summary.parquet`` and ``summary.csv`` into the study folder; returns the paths."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    d = Path(directory)
    table = summary if summary is not None else summarize(d, level)
    pq.write_table(table, d / "summary.parquet")
    flat = table.select([c for c in table.column_names
                         if not pa.types.is_nested(table.schema.field(c).type)])
    pcsv.write_csv(flat, d / "summary.csv")
    return [d / "summary.parquet", d / "summary.csv"]


_FIXED = ("point_id", "metric", "n", "mean", "sd", "min", "max", "q05", "median", "q95",
          "ci_low", "ci_high", "runs", "failed", "point")


def numeric_parameters(summary) -> list[str]:
    """Grid parameters of a summary table that are numbers and take more than one value."""
    import pyarrow as pa

    out = []
    for f in summary.schema:
        if f.name in _FIXED or not (pa.types.is_integer(f.type) or pa.types.is_floating(f.type)):
            continue
        if len(set(summary.column(f.name).to_pylist())) > 1:
            out.append(f.name)
    return out


def _draw(ax, summary_rows, metric: str, parameter: str, others: list[str]) -> int:
    """Draw one metric against one parameter on ``ax``; returns the number of lines."""
    rows = [r for r in summary_rows if r["metric"] == metric]
    if not rows:
        raise ValueError(f"no metric {metric!r} in the summary")
    series: dict[tuple, list[dict]] = {}
    for r in rows:
        series.setdefault(tuple(r[c] for c in others), []).append(r)
    for i, (label, rs) in enumerate(sorted(series.items(), key=lambda kv: str(kv[0]))):
        rs.sort(key=lambda r: r[parameter])
        x = np.array([r[parameter] for r in rs], dtype=float)
        col = f"C{i % 10}"
        mean = np.array([r["mean"] for r in rs], dtype=float)
        q05 = np.array([r["q05"] for r in rs], dtype=float)
        q95 = np.array([r["q95"] for r in rs], dtype=float)
        lo = np.array([r["ci_low"] for r in rs], dtype=float)
        hi = np.array([r["ci_high"] for r in rs], dtype=float)
        ax.fill_between(x, q05, q95, color=col, alpha=0.15, lw=0)
        ax.fill_between(x, np.where(np.isnan(lo), mean, lo), np.where(np.isnan(hi), mean, hi),
                        color=col, alpha=0.45, lw=0)
        name = ", ".join(f"{c}={v}" for c, v in zip(others, label, strict=True)) or "mean"
        ax.plot(x, mean, "o-", color=col, ms=2.5, lw=1, label=name)
    ax.set_title(metric, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    return len(series)


def _others(summary, parameter: str) -> list[str]:
    return [c for c in summary.column_names if c not in _FIXED and c != parameter]


def plot_metrics(summary, parameter: str, metrics: list[str] | None = None,
                 path: str | Path | None = None, ncols: int = 4):
    """Small multiples: the mean of each metric against grid parameter ``parameter``.

    Each panel shows the mean (line), the confidence interval of the mean (dark band) and the
    5-95 % quantiles of the replications (light band); other grid parameters give one line
    each. Returns the figure; with ``path`` also saves it as PNG.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = summary.to_pylist()
    metrics = metrics or sorted({r["metric"] for r in rows})
    others = _others(summary, parameter)
    ncols = max(1, min(ncols, len(metrics)))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.4 * nrows + 0.6),
                             squeeze=False, layout="constrained")
    lines = 0
    for ax, m in zip(axes.flat, metrics, strict=False):
        lines = _draw(ax, rows, m, parameter, others)
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(parameter, fontsize=8)
    n = min(r["n"] for r in rows)
    fig.suptitle(f"mean vs {parameter}: {(summary.schema.metadata or {}).get(b'ci', b'').decode()} "
                 f"confidence interval of the mean (dark), 5-95 % of replications (light); "
                 f"n >= {n} per point", fontsize=8)
    if lines > 1:
        axes.flat[0].legend(fontsize=6)
    if path is not None:
        from ..plots import save

        save(fig, path)
    return fig


def plot_distributions(summary, values: dict[str, np.ndarray], metrics: list[str] | None = None,
                       path: str | Path | None = None, ncols: int = 4, bins: int = 30):
    """Small multiples: the histogram of each metric over the replications of a one-point study.

    ``values`` maps each metric to its values over the replications that succeeded; the panel
    marks the mean (line), the confidence interval of the mean (dark band) and the 5-95 %
    quantiles (light band) of the ``summary`` row. Returns the figure; with ``path`` also saves
    it as PNG.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = {r["metric"]: r for r in summary.to_pylist()}
    if len({r["point_id"] for r in rows.values()}) != 1 or len(rows) != summary.num_rows:
        raise ValueError("plot_distributions draws a study of one grid point")
    metrics = metrics or sorted(rows)
    ncols = max(1, min(ncols, len(metrics)))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.4 * nrows + 0.6),
                             squeeze=False, layout="constrained")
    for ax, m in zip(axes.flat, metrics, strict=False):
        r, v = rows[m], np.asarray(values[m], dtype=float)
        ax.axvspan(r["q05"], r["q95"], color="C0", alpha=0.15, lw=0)
        if not math.isnan(r["ci_low"]):
            ax.axvspan(r["ci_low"], r["ci_high"], color="C0", alpha=0.45, lw=0)
        ax.hist(v, bins=bins if np.ptp(v) > 0 else 1, color="0.4", alpha=0.8)
        ax.axvline(r["mean"], color="C0", lw=1)
        ax.set_title(m, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    n = min(rows[m]["n"] for m in metrics)
    ci = (summary.schema.metadata or {}).get(b"ci", b"confidence interval").decode()
    fig.suptitle(f"distribution over the replications (n >= {n}): mean (line), {ci} of the "
                 "mean (dark), 5-95 % (light)", fontsize=8)
    if path is not None:
        from ..plots import save

        save(fig, path)
    return fig


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def write_plots(directory: str | Path, summary=None, per_page: int = 12) -> list[Path]:
    """For each numeric grid parameter, PNG pages of ``per_page`` metric panels in
    ``directory/plots`` (``vs_<parameter>_<page>.png``); for a study of one grid point, pages
    of distributions (``distributions_<page>.png``). Returns the paths."""
    import matplotlib.pyplot as plt

    d = Path(directory)
    table = summary if summary is not None else summarize(d)
    metrics = sorted(set(table.column("metric").to_pylist()))
    out: list[Path] = []
    if len(set(table.column("point_id").to_pylist())) == 1:
        con = _connection(d)
        values: dict[str, list] = {}
        for m, v in con.sql("SELECT metric, value FROM metrics_raw").fetchall():
            values.setdefault(m, []).append(v)
        for page, i in enumerate(range(0, len(metrics), per_page), start=1):
            path = d / "plots" / f"distributions_{page}.png"
            plt.close(plot_distributions(table, values, metrics[i:i + per_page], path))
            out.append(path)
        return out
    for p in numeric_parameters(table):
        for page, i in enumerate(range(0, len(metrics), per_page), start=1):
            path = d / "plots" / f"vs_{_slug(p)}_{page}.png"
            fig = plot_metrics(table, p, metrics[i:i + per_page], path)
            plt.close(fig)
            out.append(path)
    return out
