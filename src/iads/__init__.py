"""iads: integrated air and missile defence analysis on public figures.

Analysis only. Never an interface to real sensors, weapons or live traffic; not for fire control.

The public API, used alike by the CLI, the report and the tests::

    import iads
    cat = iads.load_catalog()                                   # sourced catalog
    sc = iads.load_scenario("scenarios/turkey-2019/base.yaml")  # validated scenario
    rows = iads.detection_table("s-400")                        # claim C2
    ds = iads.scenario_coverage(sc)                             # claims C4/C5, xarray.Dataset
    ds = iads.site_visibility(40.08, 32.57, 25.0, [0, 1000])    # one site's line of sight
    res = iads.simulate(sc, seed=1)                             # radars, pictures, metrics
    study = iads.sweep("scenarios/examples/minimal.yaml", reps=100, out="out/study")
    con = iads.results.open("out/study")                        # DuckDB: runs, events, metrics
    iads.radar.detection_probability(13.0, pfa=1e-6, n_pulses=10, swerling=1)

Domain modules (pure functions over numpy arrays): :mod:`iads.radar`, :mod:`iads.geodesy`,
:mod:`iads.terrain`, :mod:`iads.viewshed`, :mod:`iads.coverage`, :mod:`iads.tracking`,
:mod:`iads.metrics`; the randomness policy is :mod:`iads.rng`, user-facing errors
:mod:`iads.errors`.
"""

from __future__ import annotations

from . import errors, geodesy, radar, rng, units
from .catalog import load_catalog
from .errors import CatalogError, IadsError, InputFileError, ScenarioError, TerrainError

__version__ = "0.1.0"

__all__ = [
    "CatalogError",
    "IadsError",
    "InputFileError",
    "ScenarioError",
    "TerrainError",
    "detection_table",
    "errors",
    "geodesy",
    "load_catalog",
    "load_scenario",
    "radar",
    "results",
    "rng",
    "scenario_coverage",
    "simulate",
    "site_visibility",
    "sweep",
    "units",
]

_LAZY = ("sweep", "results")  # submodules imported on first use (they pull in Dask, DuckDB)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'iads' has no attribute {name!r}")


def load_scenario(path, **kwargs):
    """Load, compose (``extends:``) and validate a scenario file. See :mod:`iads.scenario`."""
    from .scenario import load_scenario as _load

    return _load(path, **kwargs)


def detection_table(system: str = "s-400", **kwargs):
    """Detection ranges of a system's radars (claim C2). See :mod:`iads.detection_table`."""
    from .detection_table import detection_table as _table

    return _table(system, **kwargs)


def scenario_coverage(scenario, settings=None, **kwargs):
    """Detection and engagement coverage of a scenario by target and altitude (xarray).

    ``scenario`` is a loaded scenario or a path. See :mod:`iads.coverage_scenario`.
    """
    from .coverage_scenario import scenario_coverage as _cov

    if not hasattr(scenario, "systems"):
        scenario = load_scenario(scenario)
    return _cov(scenario, settings, **kwargs)


def site_visibility(lat_deg, lon_deg, antenna_height_m, heights_m, **kwargs):
    """Line of sight from one site by altitude layer (xarray). See :mod:`iads.coverage_study`."""
    from .coverage_study import site_visibility as _vis

    return _vis(lat_deg, lon_deg, antenna_height_m, heights_m, **kwargs)


def simulate(scenario, seed=None, **kwargs):
    """Simulate a scenario: radars, networks, air pictures, identification, metrics.

    ``scenario`` is a loaded scenario or a path; returns a
    :class:`iads.simulation.SimulationResult` (Arrow tables, ``write(dir)`` for Parquet). See
    :func:`iads.simulation.simulate`.
    """
    from .simulation import simulate as _simulate

    return _simulate(scenario, seed, **kwargs)
