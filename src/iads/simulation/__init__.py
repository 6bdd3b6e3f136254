"""The simulation core: scenario → radars, networks, air pictures, identification, metrics.

>>> import iads
>>> res = iads.simulate("scenarios/examples/minimal.yaml", duration_s=60)  # doctest: +SKIP
>>> res.gospa.num_rows  # doctest: +SKIP

Modules, each one stage:

* :mod:`~iads.simulation.build`: the validated scenario as arrays (paths, placed radars, nodes,
  fire-unit envelopes, event switches);
* :mod:`~iads.simulation.plots`: radar plots as ECEF converted measurements;
* :mod:`~iads.simulation.network`: links, message delivery, the out-of-sequence buffer;
* :mod:`~iads.simulation.nodes`: a node's time-stamped plot tracker and track-to-track fusion;
* :mod:`~iads.simulation.run`: :func:`simulate`, the event loop;
* :mod:`~iads.simulation.results`: :class:`SimulationResult`, Arrow tables, Parquet.

Analysis only; not for fire control.
"""

from .build import World, build_world
from .nodes import Picture, PlotTracker, TrackerSettings
from .results import TABLES, SimulationResult
from .run import SimulationSettings, run_world, simulate

__all__ = [
    "Picture",
    "PlotTracker",
    "SimulationResult",
    "SimulationSettings",
    "TABLES",
    "TrackerSettings",
    "World",
    "build_world",
    "run_world",
    "simulate",
]
