"""What one replication of a variant measures: the numbers that test the sources' claims.

:func:`replication` is the sweep model of :mod:`iads.compare` (``model(scenario, seed,
catalog)``, see :mod:`iads.sweep.models`): it simulates the variant with the replication's seed
and returns scalar metrics (pure functions of the result's tables, below) and, as its event
table, the air picture for playback (:func:`playback`).

Metrics (per replication):

===============================  ======  =====================================================
metric                           unit    what
===============================  ======  =====================================================
``f35.detected_min``             min     sum over F-35s of the longest time under detection by
                                         one radar of a Russian-built system (claim C2)
``f35.tracked_min``              min     the same for time under track
``f35.looks``                    1       looks of Russian-built radars on the F-35s
``unknown.civil_allied_n``       1       civil and allied aircraft labelled unknown or suspect
                                         while inside a fire unit's envelope (claim C3)
``unknown.civil_allied_min``     min     sum over them of the longest such time at one unit
``inside.civil_allied_n``        1       civil and allied aircraft inside any envelope
``picture.track_min``            min     track-minutes in the pictures the fire units use
``idm.<truth>.<identity>``       min     identity matrix of those pictures, in minutes
``eng.<name>``                   as eng  the engagement model's metrics when the result has
                                         ``metrics()`` (leakers, interceptors_per_kill, ...)
===============================  ======  =====================================================

"Russian-built": a system whose catalog ``operator_origin`` starts with "Russia". Times are
sums of samples [``settings.sample_s``] or the exposure table's times [s] over 60.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..identification import IDENTITY_LABELS, TRUTH_LABELS

__all__ = ["replication", "picture_metrics", "playback", "russian_radars", "fire_unit_nodes",
           "SETTINGS", "PLAYBACK_COLUMNS", "engagement_available"]

#: Columns of the playback table (``tracks/<variant>.parquet``).
PLAYBACK_COLUMNS = ("time_s", "track", "lat", "lon", "alt_m", "identity", "truth_category",
                    "node")
_CIVIL_ALLIED = (TRUTH_LABELS.index("civil"), TRUTH_LABELS.index("allied"))


def _settings():
    from ..simulation.run import SimulationSettings

    # detections are not kept (large, unused here); tracks are (playback)
    return SimulationSettings(keep_detections=False, keep_tracks=True)


SETTINGS = None  # built lazily: importing the simulation is slow


def engagement_available() -> bool:
    """Whether this build's simulation has the engagement model (``SimulationResult.metrics``)."""
    from ..simulation.results import SimulationResult

    return callable(getattr(SimulationResult, "metrics", None))


def russian_radars(result, scenario, catalog) -> np.ndarray:
    """Row numbers of the result's radars that belong to a Russian-built system."""
    types = {s.id: s.type for s in scenario.systems}
    systems = result.radars.column("system").to_pylist()
    out = []
    for i, sid in enumerate(systems):
        t = types.get(sid)
        if t is not None and catalog.systems[t].operator_origin.lower().startswith("russia"):
            out.append(i)
    return np.asarray(out, dtype=np.int64)


def fire_unit_nodes(result) -> np.ndarray:
    """Nodes whose picture a fire unit uses (all reported nodes when there is no fire unit)."""
    nodes = np.unique(np.asarray(result.fire_units.column("node"), np.int64))
    nodes = nodes[nodes >= 0]
    if nodes.size == 0:
        rep = np.asarray(result.nodes.column("reported"), bool)
        nodes = np.asarray(result.nodes.column("node"), np.int64)[rep]
    return nodes


def picture_metrics(result, scenario, catalog) -> dict[str, float]:
    """The claim metrics of one simulation result (see the module docstring)."""
    out: dict[str, float] = {}
    sample_min = float(result.meta["settings"]["sample_s"]) / 60.0
    # C2: exposure of F-35s to Russian-built radars
    ex = result.exposure
    rus = russian_radars(result, scenario, catalog)
    obj_type = dict(zip(result.objects.column("object").to_pylist(),
                        result.objects.column("type").to_pylist(), strict=True))
    r = np.asarray(ex.column("radar"), np.int64)
    o = np.asarray(ex.column("object"), np.int64)
    f35 = np.array([obj_type.get(int(x)) == "f-35a" for x in o], bool)
    sel = np.isin(r, rus) & f35
    det = np.asarray(ex.column("time_under_detection_s"), float)
    trk = np.asarray(ex.column("time_under_track_s"), float)
    looks = np.asarray(ex.column("looks"), float)
    det_min = trk_min = 0.0
    for obj in np.unique(o[sel]):
        m = sel & (o == obj)
        det_min += float(det[m].max()) / 60.0
        trk_min += float(trk[m].max()) / 60.0
    out["f35.detected_min"] = det_min
    out["f35.tracked_min"] = trk_min
    out["f35.looks"] = float(looks[sel].sum())
    # C3: civil and allied aircraft labelled unknown/suspect inside an engagement envelope
    en = result.engagement
    eo = np.asarray(en.column("object"), np.int64)
    et = np.asarray(en.column("truth"), np.int64)
    inside = np.asarray(en.column("minutes_inside"), float)
    risk = np.asarray(en.column("minutes_unknown_or_suspect"), float)
    ca = np.isin(et, _CIVIL_ALLIED)
    n_risk = n_in = 0
    risk_min = 0.0
    for obj in np.unique(eo[ca]):
        m = ca & (eo == obj)
        n_in += bool(inside[m].max() > 0)
        if risk[m].max() > 0:
            n_risk += 1
            risk_min += float(risk[m].max())
    out["unknown.civil_allied_n"] = float(n_risk)
    out["unknown.civil_allied_min"] = risk_min
    out["inside.civil_allied_n"] = float(n_in)
    # the pictures the fire units use: track-minutes and identity matrix in minutes
    nodes = fire_unit_nodes(result)
    g = result.gospa
    gn = np.asarray(g.column("node"), np.int64)
    out["picture.track_min"] = float(
        np.asarray(g.column("n_tracks"), float)[np.isin(gn, nodes)].sum() * sample_min)
    im = result.identity_matrix
    inn = np.isin(np.asarray(im.column("node"), np.int64), nodes)
    mat = np.zeros((len(TRUTH_LABELS), len(IDENTITY_LABELS)))
    np.add.at(mat, (np.asarray(im.column("truth"), np.int64)[inn],
                    np.asarray(im.column("identity"), np.int64)[inn]),
              np.asarray(im.column("count"), float)[inn])
    for i, t in enumerate(TRUTH_LABELS):
        for j, lab in enumerate(IDENTITY_LABELS):
            out[f"idm.{t}.{lab}"] = float(mat[i, j] * sample_min)
    return out


def playback(result) -> pa.Table:
    """The fire units' pictures as a playback table (:data:`PLAYBACK_COLUMNS`).

    One row per track and sample: ``track`` is ``<node id>:<track number>``; ``identity`` the
    picture's label of the object it follows (``pending`` when not identified); ``truth_category``
    the object's true category, or ``false`` for a track that follows no object.
    """
    nodes = fire_unit_nodes(result)
    tr = result.tracks
    tn = np.asarray(tr.column("node"), np.int64)
    keep = np.isin(tn, nodes)
    t = np.asarray(tr.column("time_s"), float)[keep]
    tn = tn[keep]
    tid = np.asarray(tr.column("track_id"), np.int64)[keep]
    follows = np.asarray(tr.column("follows"), np.int64)[keep]
    idt = result.identities
    key = {}
    it = np.asarray(idt.column("time_s"), float)
    inode = np.asarray(idt.column("node"), np.int64)
    itid = np.asarray(idt.column("track_id"), np.int64)
    ident = np.asarray(idt.column("identity"), np.int64)
    tracked = np.asarray(idt.column("tracked"), bool)
    for a, b, c, d in zip(it[tracked], inode[tracked], itid[tracked], ident[tracked],
                          strict=True):
        key[(float(a), int(b), int(c))] = int(d)
    truth = np.asarray(result.objects.column("truth"), np.int64)
    node_ids = result.nodes.column("id").to_pylist()
    pending = IDENTITY_LABELS.index("pending")
    return pa.table({
        "time_s": pa.array(t, pa.float64()),
        "track": pa.array([f"{node_ids[n]}:{k}" for n, k in zip(tn, tid, strict=True)],
                          pa.string()),
        "lat": pa.array(np.asarray(tr.column("lat_deg"), float)[keep], pa.float64()),
        "lon": pa.array(np.asarray(tr.column("lon_deg"), float)[keep], pa.float64()),
        "alt_m": pa.array(np.asarray(tr.column("height_m"), float)[keep], pa.float64()),
        "identity": pa.array([IDENTITY_LABELS[key.get((float(a), int(b), int(c)), pending)]
                              for a, b, c in zip(t, tn, tid, strict=True)], pa.string()),
        "truth_category": pa.array([TRUTH_LABELS[truth[f]] if f >= 0 else "false"
                                    for f in follows], pa.string()),
        "node": pa.array([node_ids[n] for n in tn], pa.string()),
    })


def replication(scenario, seed: int, catalog):
    """Sweep model of :mod:`iads.compare`: simulate, measure, and return the playback table."""
    from ..simulation import simulate
    from ..sweep.models import Replication

    global SETTINGS
    if SETTINGS is None:
        SETTINGS = _settings()
    res = simulate(scenario, seed=seed, catalog=catalog, settings=SETTINGS)
    metrics = picture_metrics(res, scenario, catalog)
    if callable(getattr(res, "metrics", None)):
        for k, v in res.metrics().items():
            metrics[f"eng.{k}"] = float(v)
    return Replication(metrics, playback(res))
