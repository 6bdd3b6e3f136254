"""Replication functions: what one replication of a sweep computes, by name.

A model is a plain function ``model(scenario, seed, catalog) -> Replication``:

* ``scenario``: the validated :class:`iads.scenario.Scenario` of the grid point;
* ``seed``: the replication's integer seed (:func:`iads.sweep.seeds.replication_seed`); a
  stochastic model draws every random number from ``iads.rng.component_rng(seed, ...)``;
* ``catalog``: the :class:`iads.catalog.Catalog` to use (with the figures drawn for this
  replication when the sweep samples uncertain figures).

It returns a :class:`Replication` (or a mapping ``{"metrics": {...}, "events": table}``): named
scalar metrics and, optionally, an Arrow table of events. Anything it raises is stored with the
replication's seed as a failed replication; the study goes on.

Built-in models, in :data:`MODELS`:

* ``detection``: the detection table (:mod:`iads.detection_table`) of every system type in the
  scenario against the scenario's coverage targets, at ``coverage.pd`` and ``coverage.aspect``,
  with ``terrain.k_factor``; metrics ``detection_km/<radar>/<target>`` [km]. Deterministic: it
  varies between replications only through sampled catalog figures. Fast (~15 ms).
* ``coverage``: :func:`iads.coverage_scenario.scenario_coverage` of the scenario's ``coverage:``
  study; metrics ``detection_km2/<target>/<height>m``, ``engagement_km2/...``,
  ``engagement_cued_km2/...`` [km²]. Deterministic; slower (0.1 s to minutes).
* ``simulate``: :func:`iads.simulate`, when the package provides it (the engagement model);
  metrics from the result's ``metrics`` or, failing that, its per-node summary.

``"auto"`` picks ``simulate`` when it exists and the scenario has air objects or raids, else
``detection``. A sweep can also take any importable function as its model (workers import it
by name, so it must live in a module, not in ``__main__`` or a closure).
"""

from __future__ import annotations

import importlib
import importlib.util
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import IadsError

__all__ = [
    "Replication",
    "MODELS",
    "register_model",
    "get_model",
    "choose_model",
    "model_name",
    "as_replication",
    "simulate_available",
    "detection_model",
    "coverage_model",
    "simulate_model",
]


@dataclass(frozen=True)
class Replication:
    """What one replication produced: scalar metrics and an optional Arrow table of events."""

    metrics: dict[str, float] = field(default_factory=dict)
    events: Any = None  # pyarrow.Table or None


Model = Callable[[Any, int, Any], Any]

#: Named models (name → replication function).
MODELS: dict[str, Model] = {}


def register_model(name: str, fn: Model | None = None):
    """Register ``fn`` as model ``name`` (usable as a decorator).

    Workers of a process pool or a Dask cluster see a registration only if it happens when the
    module defining it is imported; otherwise pass the function itself to the sweep.
    """
    def deco(f: Model) -> Model:
        MODELS[name] = f
        return f

    return deco if fn is None else deco(fn)


def simulate_available() -> bool:
    """Whether the package provides :func:`iads.simulate` (the engagement model)."""
    import iads

    if callable(getattr(iads, "simulate", None)):
        return True
    try:
        return importlib.util.find_spec("iads.simulation") is not None
    except (ImportError, ValueError):
        return False


def choose_model(name: str | Model, scenario=None) -> str | Model:
    """Resolve ``"auto"`` for ``scenario``; check that a named model exists.

    Raises :class:`iads.errors.IadsError` naming the choices for an unknown name.
    """
    if callable(name):
        return name
    if name == "auto":
        moving = scenario is not None and (scenario.air_objects or scenario.raids)
        return "simulate" if moving and simulate_available() else "detection"
    get_model(name)
    return name


def get_model(name: str | Model) -> Model:
    """The replication function of model ``name`` (or ``name`` itself if it is a function)."""
    if callable(name):
        return name
    if name == "simulate" and not simulate_available():
        raise IadsError("model 'simulate' is not available: iads.simulate does not exist yet; "
                        f"choose one of {', '.join(sorted(MODELS))}", field="model")
    if name not in MODELS:
        choices = ", ".join(["auto", *sorted(MODELS)])
        raise IadsError(f"unknown model {name!r}; choose one of {choices}", field="model")
    return MODELS[name]


def model_name(model: str | Model) -> str:
    """A stable name of a model: its registry name or ``module:qualname`` of the function."""
    if isinstance(model, str):
        return model
    return f"{model.__module__}:{model.__qualname__}"


def as_replication(result: Any) -> Replication:
    """Normalise what a model returned into a :class:`Replication`.

    Accepted: a :class:`Replication`; a mapping with ``metrics`` (and optional ``events``); an
    object with a ``metrics`` attribute (a mapping, or a method returning one) and optional
    ``events``. Metric values must convert to ``float``.
    """
    if isinstance(result, Replication):
        metrics, events = result.metrics, result.events
    elif isinstance(result, Mapping):
        if "metrics" not in result:
            raise TypeError("a model must return {'metrics': {name: value}, 'events': ...}, "
                            f"got a mapping with keys {sorted(result)}")
        metrics, events = result["metrics"], result.get("events")
    elif hasattr(result, "metrics"):
        metrics = result.metrics() if callable(result.metrics) else result.metrics
        events = getattr(result, "events", None)
        events = events() if callable(events) else events
    else:
        raise TypeError(f"a model must return a Replication, got {type(result).__name__}")
    if not isinstance(metrics, Mapping):
        raise TypeError(f"metrics must be a mapping name -> value, got {type(metrics).__name__}")
    clean = {str(k): float(v) for k, v in metrics.items()}
    if events is not None:
        import pyarrow as pa

        if not isinstance(events, pa.Table):
            events = pa.table(events)
    return Replication(clean, events)


@register_model("detection")
def detection_model(scenario, seed: int, catalog) -> Replication:
    """Detection range [km] of each system type's radars against the coverage targets."""
    from ..detection_table import detection_table

    st = scenario.coverage
    metrics: dict[str, float] = {}
    types = list(dict.fromkeys(s.type for s in scenario.systems))
    if not types:
        raise ValueError("the detection model needs at least one system in the scenario")
    for system in types:
        rows = detection_table(system, targets=tuple(st.targets), pds=(st.pd,),
                               aspect=st.aspect, k=scenario.terrain.k_factor, catalog=catalog)
        for r in rows:
            metrics[f"detection_km/{r.radar}/{r.target}"] = r.detection_km
    return Replication(metrics)


@register_model("coverage")
def coverage_model(scenario, seed: int, catalog) -> Replication:
    """Covered areas [km²] by target and height (detection, engagement, cued engagement)."""
    from ..coverage_scenario import scenario_coverage

    ds = scenario_coverage(scenario, catalog=catalog)
    metrics: dict[str, float] = {}
    for var in ("detection_km2", "engagement_km2", "engagement_cued_km2"):
        a = ds[var]
        for t in a.target.values:
            for h in a.height.values:
                metrics[f"{var}/{t}/{h:g}m"] = float(a.sel(target=t, height=h))
    return Replication(metrics)


@register_model("simulate")
def simulate_model(scenario, seed: int, catalog) -> Replication:
    """One run of :func:`iads.simulate` with the replication's seed and catalog.

    The result's own ``metrics`` (and ``events``) are used when it has them; otherwise the
    numeric fields of its ``node_summary()`` rows become ``<field>/<node>`` metrics.
    """
    import iads

    sim = getattr(iads, "simulate", None)
    if not callable(sim):
        sim = importlib.import_module("iads.simulation").simulate
    res = sim(scenario, seed=seed, catalog=catalog)
    if isinstance(res, Replication | Mapping) or hasattr(res, "metrics"):
        return as_replication(res)
    metrics: dict[str, float] = {}
    for row in res.node_summary():
        for k, v in row.items():
            if k != "node" and isinstance(v, numbers.Real) and not isinstance(v, bool):
                metrics[f"{k}/{row['node']}"] = float(v)
    return Replication(metrics)
