"""Sampling the uncertain figures of the catalog, one catalog per replication.

Every catalog figure with a range (``low < high``) is drawn independently in each replication;
figures without a range keep their value. Two distributions:

* ``"triangular"`` (the default): triangular on [low, high] with its mode at the stated
  ``value`` — the stated figure stays the most likely one, the sources' range bounds it;
* ``"uniform"``: uniform on [low, high] (the stated value carries no weight).

Both are drawn on a linear scale (an RCS given as 0.001–0.01 m² is not drawn log-uniformly) by
the inverse CDF of one uniform draw per figure, so the same seed gives the same quantile under
either distribution. Counts (fire units, launchers per fire unit, fire channels, track capacity)
are rounded to the nearest integer, which stays inside their integer range.

Each catalog entry draws from its own stream, ``component_rng(seed, "catalog", kind, id)``, in
the order of :func:`iads.catalog.iter_figures`: adding an entry, or a figure to one entry,
changes no other entry's draws. Only ``value`` is replaced; ``low``/``high`` and the source stay.
Figures are drawn independently: a drawn minimum range may, rarely, exceed a drawn maximum of
the same missile when their ranges overlap.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from ..catalog import KINDS, Catalog, iter_figures
from ..catalog.schema import Figure
from ..errors import format_field_path
from ..rng import component_rng

__all__ = [
    "DISTRIBUTIONS",
    "COUNT_FIELDS",
    "UncertainFigure",
    "SamplingPlan",
    "inverse_cdf",
    "sample_catalog",
]

#: The distributions a figure can be drawn from.
DISTRIBUTIONS = ("triangular", "uniform")
#: Figure fields that count things: drawn values are rounded to integers.
COUNT_FIELDS = frozenset({
    "fire_units", "launchers_per_fire_unit", "targets_per_system", "missiles_per_system",
    "targets_per_fire_unit", "missiles_per_fire_unit", "max_tracks",
})


def inverse_cdf(u, low, mode, high, distribution: str = "triangular") -> np.ndarray:
    """Quantile ``u`` ∈ [0, 1] of the triangular (low, mode, high) or uniform (low, high) law.

    Broadcasts over all arguments. Units are those of ``low``/``mode``/``high``.

    >>> float(inverse_cdf(0.5, 0.0, 1.0, 2.0))
    1.0
    >>> float(inverse_cdf(0.25, 0.0, 1.0, 2.0, "uniform"))
    0.5
    """
    u, a, c, b = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (u, low, mode, high)))
    width = b - a
    if distribution == "uniform":
        return a + u * width
    if distribution != "triangular":
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        fc = np.where(width > 0, (c - a) / np.where(width > 0, width, 1.0), 0.0)
        left = a + np.sqrt(u * width * (c - a))
        right = b - np.sqrt((1.0 - u) * width * (b - c))
    return np.where(u < fc, left, right)


@dataclass(frozen=True)
class UncertainFigure:
    """A catalog figure with a range: its name (``kind.id.field.path``) and its law."""

    name: str
    path: tuple
    low: float
    mode: float
    high: float
    count: bool


@dataclass(frozen=True)
class SamplingPlan:
    """Which figures of a catalog are drawn, entry by entry, and from which distribution."""

    distribution: str
    entries: tuple[tuple[str, str, tuple[UncertainFigure, ...]], ...]

    @classmethod
    def from_catalog(cls, catalog: Catalog, distribution: str = "triangular") -> SamplingPlan:
        if distribution not in DISTRIBUTIONS:
            raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
        entries = []
        for kind in KINDS:
            if kind == "sources":
                continue
            for id_, entry in catalog.section(kind).items():
                figs = tuple(
                    UncertainFigure(
                        name=f"{kind}.{id_}.{format_field_path(path)}", path=path,
                        low=fig.lo, mode=fig.value, high=fig.hi, count=path[-1] in COUNT_FIELDS)
                    for path, fig in iter_figures(entry) if fig.lo < fig.hi)
                if figs:
                    entries.append((kind, id_, figs))
        return cls(distribution, tuple(entries))

    @property
    def names(self) -> list[str]:
        """Names of every drawn figure, in drawing order."""
        return [f.name for _k, _i, figs in self.entries for f in figs]

    def draw(self, seed: int) -> dict[str, float]:
        """The drawn value of every uncertain figure for replication seed ``seed``."""
        out: dict[str, float] = {}
        for kind, id_, figs in self.entries:
            u = component_rng(seed, "catalog", kind, id_).random(len(figs))
            lo = np.array([f.low for f in figs])
            mode = np.array([f.mode for f in figs])
            hi = np.array([f.high for f in figs])
            x = inverse_cdf(u, lo, mode, hi, self.distribution)
            for f, v in zip(figs, x.tolist(), strict=True):
                out[f.name] = float(round(v)) if f.count else v
        return out

    def apply(self, catalog: Catalog, values: dict[str, float]) -> Catalog:
        """A copy of ``catalog`` whose uncertain figures take ``values`` (from :meth:`draw`)."""
        sections: dict[str, dict] = {}
        for kind, id_, figs in self.entries:
            section = sections.setdefault(kind, dict(catalog.section(kind)))
            section[id_] = _replace(section[id_], {f.path: values[f.name] for f in figs})
        return replace(catalog, **sections)

    def sample(self, catalog: Catalog, seed: int) -> tuple[Catalog, dict[str, float]]:
        """The catalog of replication ``seed`` and the values drawn for it."""
        values = self.draw(seed)
        return self.apply(catalog, values), values


def _replace(model, updates: dict[tuple, float]):
    """``model`` (a pydantic catalog entry) with the figure ``value`` at each path replaced."""
    if isinstance(model, Figure):
        return model.model_copy(update={"value": updates[()]})
    groups: dict = defaultdict(dict)
    for path, v in updates.items():
        groups[path[0]][path[1:]] = v
    changes = {}
    for name, sub in groups.items():
        current = getattr(model, name)
        if isinstance(current, dict):
            by_key: dict = defaultdict(dict)
            for path, v in sub.items():
                by_key[path[0]][path[1:]] = v
            changes[name] = {**current, **{k: _replace(current[k], s) for k, s in by_key.items()}}
        else:
            changes[name] = _replace(current, sub)
    return model.model_copy(update=changes)


def sample_catalog(catalog: Catalog, seed: int, distribution: str = "triangular"
                   ) -> tuple[Catalog, dict[str, float]]:
    """Draw every uncertain figure of ``catalog`` for replication seed ``seed``.

    Returns the sampled catalog and ``{figure name: drawn value}``. For many replications build
    one :class:`SamplingPlan` and call :meth:`SamplingPlan.sample`.
    """
    return SamplingPlan.from_catalog(catalog, distribution).sample(catalog, seed)
