"""iads: integrated air and missile defence analysis on public figures.

Analysis only. Never an interface to real sensors, weapons or live traffic; not for fire control.

The public API (used alike by the CLI, the report and the tests)::

    import iads
    cat = iads.load_catalog()
    sc = iads.load_scenario("scenarios/turkey-2019/base.yaml")
    iads.radar.detection_probability(snr_db=13.0, pfa=1e-6, n_pulses=10, swerling=1)
"""

from __future__ import annotations

from . import errors, geodesy, radar, rng, units
from .catalog import load_catalog
from .errors import CatalogError, IadsError, InputFileError, ScenarioError

__version__ = "0.1.0"

__all__ = [
    "CatalogError",
    "IadsError",
    "InputFileError",
    "ScenarioError",
    "errors",
    "geodesy",
    "load_catalog",
    "load_scenario",
    "radar",
    "rng",
    "units",
]


def load_scenario(path, **kwargs):
    """Load, compose (``extends:``) and validate a scenario file. See :mod:`iads.scenario`."""
    from .scenario import load_scenario as _load

    return _load(path, **kwargs)
