"""Compare a family of scenarios: the sources' futures side by side, with uncertainty.

>>> import iads
>>> res = iads.compare("scenarios/turkey-2019", out="out/cmp", workers=2)  # doctest: +SKIP
>>> res.data["claims"][1]["measures"][0]["values"]["full-activation"]   # doctest: +SKIP
{'mean': 12.3, 'low': 10.1, 'high': 14.5, 'n': 3}

``iads compare SCENARIO_DIR --out DIR [--reps N] [--workers K]`` is the same from the shell.
The package is callable: ``iads.compare(...)`` is :func:`compare`. Stages (each its module):
:mod:`~iads.compare.family` (the variants), :mod:`~iads.compare.run` (one sweep study whose
variants share their replication seeds: common random numbers), :mod:`~iads.compare.measures`
(what one replication measures), :mod:`~iads.compare.coverage` (coverage, once per variant),
:mod:`~iads.compare.claims` (claims and their measures), :mod:`~iads.compare.write`.

The comparison folder (format 1; the report is built from exactly this)
-----------------------------------------------------------------------

``DIR/comparison.json``::

    {"format": 1, "family": str, "title": str, "created": ISO time, "iads_version": str,
     "reps": int, "root_seed": int,
     "variants": [{"name": str, "file": str (relative to the family folder), "label": str,
                   "description": str, "text": the variant file's YAML text}],
     "claims": [{"id": "C1".., "source": seed file name, "quote": str, "question": str,
                 "measures": [{"metric": str, "unit": str,
                               "values": {variant name: {"mean": float, "low": float,
                                                         "high": float, "n": int} | null},
                               "note": str}]}],
     "series": {"coverage_by_altitude": {variant: {"target": str, "altitude_m": [...],
                                                   "area_km2": [...], "ring_km2": [...]}},
                "saturation": {variant: {"raid_size": [...], "leakers_mean": [...],
                                         "low": [...], "high": [...]}},
                "identity_matrix": {variant: {"truth": [...], "identity": [...],
                                              "minutes": [[...]]}}},
     "sites": [{"variant": str, "id": str,
                "kind": "radar"|"launcher"|"command_post"|"asset"|"sensor",
                "lat": float, "lon": float, "label": str}],
     "rings": [{"variant": str, "site": str, "lat": float, "lon": float, "radius_km": float,
                "label": str}],
     "catalog": [{"kind": str, "id": str, "field": str, "value": float, "low": float|null,
                  "high": float|null, "unit": str, "source": str|null,
                  "source_title": str|null, "url": str|null, "assumption": str|null}]}

* ``values[variant]`` is the mean over the replications and its two-sided 95 % Student-t
  interval (``low``, ``high``); ``n`` replications (``n = 1`` and ``low = high = mean`` for
  deterministic coverage figures); ``null`` when the variant has no such number, and a
  measure nobody could compute says "not measured (reason)" in its ``note``. JSON holds no
  NaN: a non-finite number is ``null``.
* ``coverage_by_altitude``: engagement area (radar-guided + cued) [km²] for one target (the
  F-16 when present) by altitude above ground [m], and the area of the range ring of the
  variant's longest-range missile [km²] at each altitude.
* ``saturation``: leakers of the standard raid by raid size (only with the engagement model
  and a ``raid:`` in family.yml; otherwise ``{}``).
* ``identity_matrix``: minutes each true category (rows, ``truth``) spent with each label
  (columns, ``identity``) in the pictures the fire units use, mean over replications.
* ``catalog``: every figure of the catalog entries the variants use (systems, radars,
  launchers, missiles, targets), ``unit`` from the field name.

``DIR/coverage/<variant>.nc``: the :class:`xarray.Dataset` of :func:`iads.scenario_coverage`
(boolean layers stored as int8 0/1), NetCDF written with h5netcdf (compressed) when installed,
else scipy (NetCDF 3). Radars silent for the whole run are left out (see
:mod:`iads.compare.coverage`).

``DIR/tracks/<variant>.parquet``: replication 0's air picture for playback, the pictures the
fire units use, one row per track and sample: ``time_s`` [s], ``track`` (``node:number``),
``lat``, ``lon`` [°], ``alt_m`` [m], ``identity`` (label), ``truth_category`` (``own``,
``allied``, ``civil``, ``neutral``, ``hostile`` or ``false``), ``node`` (id).

``DIR/runs/``: the sweep store (:mod:`iads.sweep.store`; ``iads query DIR/runs "SQL"``), one
grid point per variant (``variant``, ``study`` = ``picture``/``raid``/``salvo``,
``raid_size``); its events table is the playback table of every replication.
"""

from __future__ import annotations

import sys
import types

from .run import ComparisonResult, compare, define_comparison, interval

__all__ = ["compare", "ComparisonResult", "define_comparison", "interval", "load_family"]


def load_family(folder, catalog=None):
    """The family in ``folder``, every variant validated. See :mod:`iads.compare.family`."""
    from .family import load_family as _load

    return _load(folder, catalog)


class _CallableModule(types.ModuleType):
    """``iads.compare`` is both this package and its main function: ``iads.compare(...)``."""

    def __call__(self, *args, **kwargs) -> ComparisonResult:
        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
