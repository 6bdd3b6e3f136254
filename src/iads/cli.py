"""The ``iads`` command line: thin wrappers over the public API.

Every user mistake surfaces as an :class:`iads.errors.IadsError`; :func:`main` prints its one line
to stderr and exits with status 2, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .errors import IadsError

app = typer.Typer(
    name="iads",
    help="Integrated air and missile defence analysis on public figures. Not for fire control.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts carry units in brackets: [m], [km], [°]
)
console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files to check.")],
) -> None:
    """Check scenario files: syntax, types, ranges, catalog names, overrides."""
    from rich.markup import escape

    from .scenario import load_scenario

    failed = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except IadsError as exc:
            if len(files) == 1:
                raise
            err_console.print(f"error: {exc.one_line()}", markup=False)
            failed += 1
            continue
        console.print(f"[green]ok[/green] {escape(str(f))}: {escape(repr(sc.name))}")
    if failed:
        raise SystemExit(2)


@app.command()
def catalog(
    name: Annotated[str | None, typer.Argument(help="An entry (e.g. s-400, 91n6e, f-35a).")] = None,
) -> None:
    """List the catalog, or show one entry with every figure's source and range."""
    from .catalog_view import print_entry, print_listing

    if name is None:
        print_listing(console)
    else:
        print_entry(console, name)


@app.command("detection-table")
def detection_table_cmd(
    system: Annotated[str, typer.Option(help="System whose radars to tabulate.")] = "s-400",
    out: Annotated[Path | None, typer.Option(help="Folder to write CSV/Markdown/JSON.")] = None,
) -> None:
    """Detection range of a system's radars against stealthy and conventional targets (C2)."""
    from .detection_table import detection_table, print_table, write_table

    table = detection_table(system=system)
    print_table(console, table)
    if out is not None:
        paths = write_table(table, out)
        console.print(f"written: {', '.join(str(p) for p in paths)}")


def _floats(text: str, what: str) -> list[float]:
    from .errors import IadsError

    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise IadsError("", field=what, expected="comma-separated numbers",
                        found=repr(text)) from None
    if not vals:
        raise IadsError("", field=what, expected="at least one number", found=repr(text))
    return vals


@app.command()
def coverage(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario YAML (scenario form).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (scenario form).")] = None,
    site: Annotated[str | None, typer.Option(help="Site form: LAT,LON [°].")] = None,
    antenna_height: Annotated[float, typer.Option(help="Antenna height above ground [m].")] = 25.0,
    heights: Annotated[str, typer.Option(help="Target heights [m], comma-separated.")] = (
        "0,100,500,1000,3000,10000"),
    agl: Annotated[bool, typer.Option("--agl/--msl", help="Heights above ground or sea.")] = True,
    k: Annotated[float, typer.Option(help="Effective earth radius factor (GDAL -cc = 1/k).")] = (
        4.0 / 3.0),
    max_range: Annotated[float, typer.Option(help="Study radius [km].")] = 300.0,
    cell: Annotated[float | None, typer.Option(help="Grid cell [m]; default: DEM's.")] = None,
    dem: Annotated[Path | None, typer.Option(help="GeoTIFF DEM; default: shipped GLOBE.")] = None,
    sea_level_outside: Annotated[bool, typer.Option(
        help="Treat cells outside the DEM as sea level (with a warning) instead of failing.")] = (
        False),
    json_out: Annotated[bool, typer.Option("--json", help="Print {height_m: km²} as JSON.")] = (
        False),
) -> None:
    """Coverage over terrain. Site form: visible area (km²) per target height from one site."""
    import json
    import warnings

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from . import terrain
    from .coverage_study import site_visibility
    from .errors import IadsError

    if site is None:
        if scenario is None:
            raise IadsError("give a SCENARIO file or --site LAT,LON (see `iads coverage --help`)")
        from .coverage_scenario import run_scenario_coverage

        run_scenario_coverage(scenario, out or Path("out") / scenario.stem, console=console)
        return
    lat_lon = _floats(site, "--site")
    if len(lat_lon) != 2 or not (-90 <= lat_lon[0] <= 90 and -180 <= lat_lon[1] <= 180):
        raise IadsError("", field="--site", expected="LAT,LON in degrees", found=repr(site))
    hs = _floats(heights, "--heights")
    if k <= 0 or max_range <= 0 or (cell is not None and cell <= 0):
        raise IadsError("", field="--k/--max-range/--cell", expected="positive numbers",
                        found=f"{k}, {max_range}, {cell}")
    d = terrain.load_dem(dem) if dem is not None else None
    with warnings.catch_warnings(record=True) as caught, Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console, transient=True, disable=json_out,
    ) as bar:
        warnings.simplefilter("always")
        task = bar.add_task("starting", total=None)
        ds = site_visibility(
            lat_lon[0], lat_lon[1], antenna_height, hs, reference="agl" if agl else "msl",
            k=k, max_range_m=max_range * 1e3, cell_m=cell, dem=d,
            outside="sea_level" if sea_level_outside else "error",
            progress=lambda msg: bar.update(task, description=msg),
        )
    for w in caught:
        err_console.print(f"warning: {w.message}", markup=False)
    areas = {f"{h:g}": float(a) for h, a in zip(hs, ds.area_km2.values, strict=True)}
    if json_out:
        print(json.dumps(areas))
        return
    from rich.table import Table

    t = Table(title=f"Visible area within {max_range:g} km of {lat_lon[0]:.4f}, {lat_lon[1]:.4f}",
              caption=f"antenna {antenna_height:g} m AGL, k = {k:.4g}, "
                      f"{ds.attrs['cell_m']:.0f} m cells, DEM {Path(ds.attrs['dem']).name}")
    t.add_column(f"height [m {'AGL' if agl else 'MSL'}]", justify="right")
    t.add_column("visible [km²]", justify="right")
    t.add_column("of the disc", justify="right")
    from .coverage import ring_area_km2

    disc = float(ring_area_km2(max_range * 1e3))
    for h, a in areas.items():
        t.add_row(h, f"{a:,.0f}", f"{a / disc:.1%}")
    console.print(t)


@app.command("sweep")
def sweep_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML.")],
    reps: Annotated[int, typer.Option(help="Replications per grid point.")],
    out: Annotated[Path, typer.Option(help="Study folder (created; --resume to complete).")],
    grid: Annotated[Path | None, typer.Option(help="Grid YAML: field path -> values or "
                                                   "{start, stop, step}.")] = None,
    sample_uncertain: Annotated[bool, typer.Option(
        help="Draw every catalog figure that has a range, per replication.")] = False,
    distribution: Annotated[str, typer.Option(
        help="Law of sampled figures: triangular (mode = stated value) or uniform.")] = (
        "triangular"),
    workers: Annotated[int, typer.Option(help="Local processes (1: this process).")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler tcp://HOST:PORT.")] = None,
    dask_local: Annotated[int | None, typer.Option(
        help="Start a Dask LocalCluster of K one-thread workers.")] = None,
    resume: Annotated[bool, typer.Option(help="Complete the study already in --out.")] = False,
    model: Annotated[str, typer.Option(help="auto, detection, coverage or simulate.")] = "auto",
    seed: Annotated[int | None, typer.Option(help="Root seed; default: the scenario's.")] = None,
    chunk_seconds: Annotated[float, typer.Option(help="Target duration of one task [s].")] = 1.0,
    plots: Annotated[bool, typer.Option(help="Draw metric-vs-parameter plots.")] = True,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
) -> None:
    """Monte Carlo sweep: replications x a parameter grid, stored as Parquet (see `iads query`)."""
    from .sweep import sweep

    try:
        res = sweep(scenario, reps, grid=grid, sample_uncertain=sample_uncertain,
                    workers=workers, scheduler=scheduler, dask_local=dask_local, out=out,
                    resume=resume, model=model, progress=progress, seed=seed,
                    distribution=distribution, chunk_seconds=chunk_seconds, plots=plots,
                    console=err_console)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: the finished chunks are stored in {out}; complete the "
                          "study with --resume", markup=False)
        raise
    how = f" ({res.engine}, {res.workers} worker(s), {res.rate:,.1f} rep/s)" if res.ran else ""
    console.print(
        f"{res.out}: model {res.model}, {res.points} point(s) x {res.reps} replications; "
        f"ran {res.ran}{how}, {res.skipped} already stored; failed {res.failed} of {res.total}",
        markup=False, highlight=False, soft_wrap=True)
    console.print(f"summary: {res.out / 'summary.csv'}; query: iads query {res.out} "
                  "\"SELECT metric, avg(value) FROM metrics GROUP BY metric\"", markup=False,
                  highlight=False, soft_wrap=True)


@app.command("run")
def run_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML.")],
    seed: Annotated[int | None, typer.Option(help="Root seed; default: the scenario's.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the Parquet tables.")] = None,
    duration: Annotated[float | None, typer.Option(help="Simulated time [s]; default: the "
                                                        "scenario's.")] = None,
) -> None:
    """Simulate a scenario: radars, networks, air pictures, identification; write Parquet."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .simulation import TABLES, simulate
    from .simulation.report import print_summary

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("building", total=1.0)
        res = simulate(scenario, seed=seed, duration_s=duration,
                       progress=lambda msg, f: bar.update(task, description=msg, completed=f))
    out = out or Path("out") / scenario.stem
    res.write(out)
    print_summary(console, res)
    console.print(f"written: {out}/ ({', '.join(TABLES)} as .parquet; run.json)",
                  markup=False, highlight=False, soft_wrap=True)


@app.command()
def query(
    directory: Annotated[Path, typer.Argument(help="A sweep's study folder.")],
    sql: Annotated[str, typer.Argument(help="SQL over the views runs, metrics, events, points, "
                                            "figures.")],
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """Run SQL (DuckDB) over a sweep's results."""
    from .results import query as run_query

    table = run_query(directory, sql)
    if table is None:
        return
    if csv:
        import io

        import pyarrow.csv as pcsv

        buf = io.BytesIO()
        pcsv.write_csv(table, buf)
        sys.stdout.write(buf.getvalue().decode("utf-8"))
        return
    from rich.table import Table

    t = Table()
    for name in table.column_names:
        t.add_column(name, overflow="fold")
    for row in table.to_pylist():
        t.add_row(*(str(v) for v in row.values()))
    console.print(t)


@app.command("compare")
def compare_cmd(
    scenario_dir: Annotated[Path, typer.Argument(help="A scenario family folder (family.yaml, "
                                                      "or every *.yaml in it).")],
    out: Annotated[Path, typer.Option(help="Comparison folder (comparison.json, coverage/, "
                                           "tracks/, runs/).")],
    reps: Annotated[int | None, typer.Option(help="Replications per variant; default: the "
                                                  "family's.")] = None,
    workers: Annotated[int, typer.Option(help="Local processes (1: this process).")] = 1,
    seed: Annotated[int | None, typer.Option(help="Root seed; default: the family's.")] = None,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
) -> None:
    """Compare a family of scenario variants with common random numbers (claims C1-C12)."""
    from .compare import compare

    res = compare(scenario_dir, out, reps=reps, workers=workers, progress=progress,
                  root_seed=seed, console=err_console)
    n = len(res.data["variants"])
    console.print(f"{res.out}: {n} variants x {res.reps} replications, "
                  f"{len(res.data['claims'])} claims; {res.total_s:,.0f} s "
                  f"(coverage {res.coverage_s:,.0f} s); written comparison.json, coverage/, "
                  "tracks/, runs/", markup=False, highlight=False, soft_wrap=True)


@app.command()
def report(
    directory: Annotated[Path, typer.Argument(help="A comparison folder (iads compare --out).")],
    out: Annotated[Path | None, typer.Option(help="The HTML file; default DIRECTORY/report.html."
                                                  " Figures and exports go beside it.")] = None,
) -> None:
    """Write the comparison report: one self-contained HTML file, figures and exports beside it."""
    from . import write_report

    rep = write_report(directory, out)
    console.print(str(rep.html), markup=False, highlight=False, soft_wrap=True)
    err_console.print(f"{rep.size_bytes / 1e6:.1f} MB, no network requests; {len(rep.figures)} "
                      f"figure(s) and {len(rep.exports)} export(s) beside it"
                      + (f"; missing from the folder: {', '.join(rep.missing)}"
                         if rep.missing else ""), markup=False)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; user mistakes become one line on stderr and exit status 2."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except IadsError as exc:
        err_console.print(f"error: {exc.one_line()}", markup=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted", markup=False)
        sys.exit(130)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(2)
        raise
    # with standalone_mode=False click returns a typer.Exit's code instead of raising it
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
