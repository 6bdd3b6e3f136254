"""Typed results of a simulation: Arrow tables, written as Parquet.

Every table is a :class:`pyarrow.Table`; units are in the column names (``_s``, ``_m``,
``_deg``, ``_db``). Object, radar, node and fire-unit columns are row numbers into the
``objects``, ``radars``, ``nodes`` and ``fire_units`` tables, which carry the scenario ids.
``truth`` and ``identity`` are :class:`iads.identification.Truth` and
:class:`iads.identification.Identity` codes (``TRUTH_LABELS`` / ``IDENTITY_LABELS``).

==================  ============================================================================
table               one row per
==================  ============================================================================
objects             air object: id, type, category, owner
radars              radar: id, type, band, owner, system, fire unit, revisit, looks, plots
nodes               node: id, networks, inputs, radars reaching it, plots tracked
fire_units          fire unit: id, system, missile, envelope, node whose picture it uses
detections          plot: time, radar, object (-1 false alarm), measured range/azimuth/
                    elevation, SINR, true range and aspect of the look
tracks              picture track at a sample: node, track number, forming node, object it
                    follows (-1 none), position, ground speed, climb rate, heading, position σ
identities          object in a picture's truth set at a sample: truth, identity, tracked,
                    track number following it
gospa               (node, sample): GOSPA distance [m] (c, p in the metadata, α = 2) and its
                    localisation / missed / false parts [m^p], counts; ``area_*``: GOSPA and
                    counts over the engagement envelopes of the node's fire units, against
                    every object alive there (the same truth in every arrangement; NaN for
                    a node without fire units)
identity_matrix     (node, sample, truth, identity) with a non-zero count
continuity          (node, object): samples in the truth set, tracked samples, tracks, breaks,
                    swaps (:func:`iads.metrics.picture.track_continuity`)
time_to_track       (node, object): first possible detection, first confirmed track, delay [s]
exposure            (radar, exposed object): visible looks, detections, time under detection
                    [s] (:func:`iads.metrics.exposure.time_under_detection`), time under track
                    [s] (samples at which a picture this radar's plots reach held a confirmed
                    track on it), closest approach [m] and when [s], aspect histogram of the
                    detections (list, ``aspect_bin_deg`` bins from nose-on)
engagement          (fire unit, object) for own, allied and civil aircraft inside its envelope:
                    minutes inside, minutes labelled unknown or suspect
engagements         interceptor: launch time, system, fire unit, launcher, missile, track,
                    object it flew at (-1: a false track) and its truth, the picture's identity
                    of the track at launch, authorised (False: an
                    ``engage_unauthorised`` order outside the ROE), outcome (kill, miss,
                    self_destruct) and reason, end time, miss distance, kill probability, first
                    possible detection of the object by the system's radars, wrong (the object
                    is own, allied, civil or neutral)
impacts             raid threat: raid, aim point, impact time, fate (intercepted, impact,
                    in_flight at the end of the run), time killed, what the impact hit
leakers             defended asset: threats aimed at it, impacts on it, intercepted
fire_control        (sample, fire unit): targets engaged, missiles guided (channels in use),
                    ready rounds on launchers, rounds in reserve
components          radar, command post and launcher group: kind, system, time destroyed (NaN:
                    survived)
==================  ============================================================================

:meth:`SimulationResult.metrics` gives flat scalar metrics of the run (used by sweeps).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..identification import IDENTITY_LABELS, TRUTH_LABELS, Identity
from ..metrics.exposure import aspect_histogram, closest_approach, time_under_detection
from ..metrics.identity import AT_RISK, identity_counts
from ..metrics.picture import time_to_track, track_continuity

__all__ = ["SimulationResult", "collect", "TABLES"]

TABLES = ("objects", "radars", "nodes", "fire_units", "detections", "tracks", "identities",
          "gospa", "identity_matrix", "continuity", "time_to_track", "exposure", "engagement",
          "engagements", "impacts", "leakers", "fire_control", "components")

#: Columns of the kill-chain tables (name → Arrow type).
_KILL_CHAIN = {
    "engagements": dict(
        time_s=pa.float64(), system=pa.string(), fire_unit=pa.string(), launcher=pa.string(),
        missile=pa.string(), track_id=pa.int64(), object=pa.int64(), truth=pa.int8(),
        identity=pa.int8(), authorised=pa.bool_(), outcome=pa.string(), reason=pa.string(),
        end_s=pa.float64(),
        miss_m=pa.float64(), p_kill=pa.float64(), detected_s=pa.float64(), wrong=pa.bool_()),
    "impacts": dict(object=pa.int64(), raid=pa.string(), aim=pa.string(),
                    impact_s=pa.float64(), fate=pa.string(), killed_s=pa.float64(),
                    hits=pa.string()),
    "leakers": dict(asset=pa.string(), aimed=pa.int64(), impacts=pa.int64(),
                    intercepted=pa.int64()),
    "fire_control": dict(time_s=pa.float64(), system=pa.string(), fire_unit=pa.string(),
                         targets_engaged=pa.int64(), missiles_guided=pa.int64(),
                         ready_rounds=pa.int64(), reserve=pa.int64()),
    "components": dict(id=pa.string(), kind=pa.string(), system=pa.string(),
                       destroyed_s=pa.float64()),
}


def _empty(name: str) -> pa.Table:
    return pa.table({k: pa.array([], t) for k, t in _KILL_CHAIN[name].items()})


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`iads.simulate` returns: the tables above and the run's metadata.

    Attributes
    ----------
    meta
        Scenario name, seed, duration [s], wall times [s], settings, notes.
    (tables)
        One :class:`pyarrow.Table` per name in :data:`TABLES`.
    """

    meta: dict
    objects: pa.Table
    radars: pa.Table
    nodes: pa.Table
    fire_units: pa.Table
    detections: pa.Table
    tracks: pa.Table
    identities: pa.Table
    gospa: pa.Table
    identity_matrix: pa.Table
    continuity: pa.Table
    time_to_track: pa.Table
    exposure: pa.Table
    engagement: pa.Table
    notes: tuple = field(default=())
    engagements: pa.Table = field(default_factory=lambda: _empty("engagements"))
    impacts: pa.Table = field(default_factory=lambda: _empty("impacts"))
    leakers: pa.Table = field(default_factory=lambda: _empty("leakers"))
    fire_control: pa.Table = field(default_factory=lambda: _empty("fire_control"))
    components: pa.Table = field(default_factory=lambda: _empty("components"))

    def metrics(self) -> dict[str, float]:
        """Flat scalar metrics of the run (for sweeps), all floats.

        The numeric fields of :meth:`node_summary` as ``<field>/<node>``, and the kill chain:
        ``interceptors``, ``kills``, ``misses``, ``self_destructs``; ``threats`` (raid threats),
        ``threats_killed``, ``leakers`` (impacts), ``leakers.<asset>`` per defended asset;
        ``interceptors_per_kill`` (NaN without a kill); ``wrong_engagements`` and
        ``wrong.<truth>`` (interceptors at own, allied, civil, neutral objects);
        ``unauthorised`` (interceptors outside the ROE by an order);
        ``detect_to_launch_s`` (the first launch minus the first possible detection, by the
        launching system's radars, of any object it engaged; NaN without launches);
        ``components_destroyed``, ``components_surviving``; ``max_targets_engaged``,
        ``max_missiles_guided`` (system sums at a sample); ``rounds_left`` (ready + reserve
        at the end).
        """
        e = self.engagements.to_pydict()
        out: dict[str, float] = {}
        for row in self.node_summary():  # the air pictures: <field>/<node>
            for k, v in row.items():
                if k != "node" and isinstance(v, int | float | np.number) and not isinstance(
                        v, bool):
                    out[f"{k}/{row['node']}"] = float(v)
        oc = e["outcome"]
        n = len(oc)
        kills = sum(1 for x in oc if x == "kill")
        out["interceptors"] = float(n)
        out["kills"] = float(kills)
        out["misses"] = float(sum(1 for x in oc if x == "miss"))
        out["self_destructs"] = float(sum(1 for x in oc if x == "self_destruct"))
        out["interceptors_per_kill"] = n / kills if kills else float("nan")
        wrong = [TRUTH_LABELS[t] for t, w_ in zip(e["truth"], e["wrong"], strict=True) if w_]
        out["wrong_engagements"] = float(len(wrong))
        for lab in ("own", "allied", "civil", "neutral"):
            out[f"wrong.{lab}"] = float(wrong.count(lab))
        out["unauthorised"] = float(sum(1 for a in e["authorised"] if not a))
        det = [s_ for s_ in e["detected_s"] if s_ == s_]
        out["detect_to_launch_s"] = (float(min(e["time_s"]) - min(det)) if det
                                     else float("nan"))
        im = self.impacts.to_pydict()
        out["threats"] = float(len(im["fate"]))
        out["threats_killed"] = float(sum(1 for f in im["fate"] if f == "intercepted"))
        out["leakers"] = float(sum(1 for f in im["fate"] if f == "impact"))
        lk = self.leakers.to_pydict()
        for a, k in zip(lk["asset"], lk["impacts"], strict=True):
            out[f"leakers.{a}"] = float(k)
        c = self.components.to_pydict()
        dead = sum(1 for x in c["destroyed_s"] if x == x)
        out["components_destroyed"] = float(dead)
        out["components_surviving"] = float(len(c["id"]) - dead)
        fc = self.fire_control.to_pydict()
        if fc["time_s"]:
            t = np.asarray(fc["time_s"])
            tg = np.asarray(fc["targets_engaged"], float)
            ms = np.asarray(fc["missiles_guided"], float)
            sysk = np.asarray(fc["system"])
            best_t = best_m = 0.0
            for sv in np.unique(sysk):
                for tv in np.unique(t):
                    m_ = (t == tv) & (sysk == sv)
                    best_t = max(best_t, float(tg[m_].sum()))
                    best_m = max(best_m, float(ms[m_].sum()))
            last = t == t.max()
            out["max_targets_engaged"] = best_t
            out["max_missiles_guided"] = best_m
            out["rounds_left"] = float(np.sum(np.asarray(fc["ready_rounds"])[last])
                                       + np.sum(np.asarray(fc["reserve"])[last]))
        return out

    def with_build_time(self, build_s: float) -> SimulationResult:
        meta = dict(self.meta)
        meta["build_s"] = build_s
        meta["total_wall_s"] = build_s + meta["wall_s"]
        meta["speedup"] = meta["duration_s"] / meta["total_wall_s"]
        return replace(self, meta=meta)

    def table(self, name: str) -> pa.Table:
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r}; choose one of {', '.join(TABLES)}")
        return getattr(self, name)

    def write(self, directory) -> list[Path]:
        """Write every table as ``<name>.parquet`` and the metadata as ``run.json``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        out = []
        for name in TABLES:
            p = d / f"{name}.parquet"
            pq.write_table(self.table(name), p)
            out.append(p)
        p = d / "run.json"
        p.write_text(json.dumps(self.meta, indent=2, default=str))
        out.append(p)
        return out

    def node_summary(self) -> list[dict]:
        """Per node: tracks at the last sample, mean GOSPA and its parts, mean GOSPA over its
        fire units' envelopes (``area_gospa_m``), the identity matrix at the last sample,
        breaks and swaps."""
        out = []
        g = self.gospa.to_pydict()
        im = self.identity_matrix.to_pydict()
        ct = self.continuity.to_pydict()
        for row in self.nodes.to_pylist():
            if not row["reported"]:
                continue
            n = row["node"]
            sel = [i for i, v in enumerate(g["node"]) if v == n]
            last_t = max((g["time_s"][i] for i in sel), default=None)
            mat = np.zeros((len(TRUTH_LABELS), len(IDENTITY_LABELS)), np.int64)
            for i, v in enumerate(im["node"]):
                if v == n and im["time_s"][i] == last_t:
                    mat[im["truth"][i], im["identity"][i]] = im["count"][i]
            cs = [i for i, v in enumerate(ct["node"]) if v == n]
            out.append(dict(
                node=row["id"], tracks=(g["n_tracks"][sel[-1]] if sel else 0),
                truth=(g["n_truth"][sel[-1]] if sel else 0),
                gospa_m=float(np.mean([g["distance_m"][i] for i in sel])) if sel else np.nan,
                area_gospa_m=(float(np.mean([g["area_distance_m"][i] for i in sel])) if sel
                              else np.nan),
                missed=float(np.mean([g["n_missed"][i] for i in sel])) if sel else np.nan,
                false=float(np.mean([g["n_false"][i] for i in sel])) if sel else np.nan,
                breaks=int(sum(ct["breaks"][i] for i in cs)),
                swaps=int(sum(ct["swaps"][i] for i in cs)), identity_matrix=mat,
                last_sample_s=last_t))
        return out


def _table(parts: list[dict], schema: dict) -> pa.Table:
    cols = {}
    for name, typ in schema.items():
        if parts:
            cols[name] = pa.array(np.concatenate([p[name] for p in parts]), type=typ)
        else:
            cols[name] = pa.array([], type=typ)
    return pa.table(cols)


def collect(run, wall_s: float) -> SimulationResult:
    """Assemble the tables from a finished run (:class:`iads.simulation.run._Run`)."""
    w, s = run.w, run.s
    sc = w.scenario
    f64, i64, i8 = pa.float64(), pa.int64(), pa.int8()
    objects = pa.table({
        "object": pa.array(np.arange(len(w.object_ids)), i64),
        "id": pa.array(list(w.object_ids), pa.string()),
        "type": pa.array(list(w.object_types), pa.string()),
        "truth": pa.array(w.truth, i8),
        "category": pa.array([TRUTH_LABELS[int(c)] for c in w.truth], pa.string()),
        "owner": pa.array([str(o) for o in w.objects.owner], pa.string()),
    })
    radars = pa.table({
        "radar": pa.array([r.index for r in w.radars], i64),
        "id": pa.array([r.id for r in w.radars], pa.string()),
        "type": pa.array([r.placed.type for r in w.radars], pa.string()),
        "band": pa.array([r.placed.band for r in w.radars], pa.string()),
        "owner": pa.array([r.owner for r in w.radars], pa.string()),
        "system": pa.array([r.system for r in w.radars], pa.string()),
        "fire_unit": pa.array([r.fire_unit for r in w.radars], pa.string()),
        "revisit_s": pa.array([r.revisit_s for r in w.radars], f64),
        "looks": pa.array(run.looks_count, i64),
        "plots": pa.array(run.plots_count, i64),
    })
    nodes = pa.table({
        "node": pa.array([n.model.index for n in run.nodes], i64),
        "id": pa.array([n.model.id for n in run.nodes], pa.string()),
        "networks": pa.array([",".join(n.model.networks) for n in run.nodes], pa.string()),
        "measurement_inputs": pa.array([len(n.model.measurements) for n in run.nodes], i64),
        "track_inputs": pa.array([len(n.model.tracks) for n in run.nodes], i64),
        "radars": pa.array([",".join(w.radars[r].id for r in n.model.radars)
                            for n in run.nodes], pa.string()),
        "chunk_s": pa.array([n.chunk_s for n in run.nodes], f64),
        "reported": pa.array([n.model.reported for n in run.nodes], pa.bool_()),
        "plots_tracked": pa.array([n.tracker.plots_in if n.tracker else 0 for n in run.nodes],
                                  i64),
    })
    fire_units = pa.table({
        "fire_unit": pa.array(np.arange(len(w.fire_units)), i64),
        "id": pa.array([f.id for f in w.fire_units], pa.string()),
        "system": pa.array([f.system for f in w.fire_units], pa.string()),
        "missile": pa.array([f.missile for f in w.fire_units], pa.string()),
        "range_min_m": pa.array([f.range_min_m for f in w.fire_units], f64),
        "range_max_m": pa.array([f.range_max_m for f in w.fire_units], f64),
        "altitude_min_m": pa.array([f.altitude_min_m for f in w.fire_units], f64),
        "altitude_max_m": pa.array([f.altitude_max_m for f in w.fire_units], f64),
        "node": pa.array(run.fu_node, i64),
    })
    detections = _table(run.det_parts, dict(
        time_s=f64, radar=i64, object=i64, range_m=f64, azimuth_deg=f64, elevation_deg=f64,
        sinr_db=f64, true_range_m=f64, aspect_deg=f64))
    tracks = _table(run.track_parts, dict(
        time_s=f64, node=i64, track_id=i64, origin=i64, follows=i64, lat_deg=f64, lon_deg=f64,
        height_m=f64, speed_mps=f64, climb_mps=f64, heading_deg=f64, sigma_pos_m=f64))
    identities = _table(run.ident_parts, dict(
        time_s=f64, node=i64, object=i64, truth=i8, identity=i8, tracked=pa.bool_(),
        track_id=i64))
    gr = np.array(run.gospa_rows, dtype=float).reshape(-1, 15)
    gospa_t = pa.table({
        "time_s": pa.array(gr[:, 0], f64), "node": pa.array(gr[:, 1].astype(np.int64), i64),
        "distance_m": pa.array(gr[:, 2], f64), "localisation": pa.array(gr[:, 3], f64),
        "missed": pa.array(gr[:, 4], f64), "false": pa.array(gr[:, 5], f64),
        "n_truth": pa.array(gr[:, 6].astype(np.int64), i64),
        "n_tracks": pa.array(gr[:, 7].astype(np.int64), i64),
        "n_missed": pa.array(gr[:, 8].astype(np.int64), i64),
        "n_false": pa.array(gr[:, 9].astype(np.int64), i64),
        "area_distance_m": pa.array(gr[:, 10], f64),
        "area_n_truth": pa.array(gr[:, 11].astype(np.int64), i64),
        "area_n_tracks": pa.array(gr[:, 12].astype(np.int64), i64),
        "area_n_missed": pa.array(gr[:, 13].astype(np.int64), i64),
        "area_n_false": pa.array(gr[:, 14].astype(np.int64), i64),
    })
    # identity matrices per (node, sample)
    it = identities.to_pydict() if identities.num_rows else None
    ti = np.asarray(identities.column("time_s"), float)
    ni = np.asarray(identities.column("node"), np.int64)
    oi = np.asarray(identities.column("object"), np.int64)
    tri = np.asarray(identities.column("truth"), np.int64)
    idi = np.asarray(identities.column("identity"), np.int64)
    kid = np.asarray(identities.column("track_id"), np.int64)
    del it
    times = np.unique(ti)
    key = ni * max(times.size, 1) + np.searchsorted(times, ti)
    keys, mats = identity_counts(key, tri, idi)
    kk, tt, jj = np.nonzero(mats)
    identity_matrix = pa.table({
        "time_s": pa.array(times[keys[kk] % max(times.size, 1)] if kk.size else [], f64),
        "node": pa.array(keys[kk] // max(times.size, 1), i64),
        "truth": pa.array(tt, i8), "identity": pa.array(jj, i8),
        "count": pa.array(mats[kk, tt, jj], i64),
    })
    # continuity per node
    cparts = []
    for node in run.nodes:
        m = ni == node.model.index
        if not m.any():
            continue
        c = track_continuity(ti[m], oi[m], kid[m])
        cparts.append(dict(node=np.full(c.object.size, node.model.index, np.int64),
                           object=c.object, samples=c.samples, tracked=c.tracked,
                           tracks=c.tracks, breaks=c.breaks, swaps=c.swaps))
    continuity = _table(cparts, dict(node=i64, object=i64, samples=i64, tracked=i64,
                                     tracks=i64, breaks=i64, swaps=i64))
    # time to track per node
    tparts = []
    for node in run.nodes:
        reach = list(node.model.radars)
        N = len(w.object_ids)
        possible = (run.first_good[reach].min(axis=0) if reach else np.full(N, np.inf))
        confirmed = np.full(N, np.inf)
        if node.tracker is not None:
            for c in node.tracker.confirmations:
                if c.object >= 0:
                    confirmed[c.object] = min(confirmed[c.object], c.now_s)
        confirmed = np.minimum(confirmed, node.first_seen)
        sel = np.flatnonzero(np.isfinite(possible) | np.isfinite(confirmed))
        p = np.where(np.isfinite(possible[sel]), possible[sel], np.nan)
        q = np.where(np.isfinite(confirmed[sel]), confirmed[sel], np.nan)
        tparts.append(dict(node=np.full(sel.size, node.model.index, np.int64), object=sel,
                           first_possible_s=p, confirmed_s=q, delay_s=time_to_track(p, q)))
    time_to_track_t = _table(tparts, dict(node=i64, object=i64, first_possible_s=f64,
                                          confirmed_s=f64, delay_s=f64))
    # exposure per radar and exposed object
    eparts = []
    tracked_at = {}
    trk = np.asarray(identities.column("tracked"), bool)
    for e, o in enumerate(run.exposed):
        for rm in w.radars:
            feeds = [n.model.index for n in run.nodes if rm.index in n.model.radars]
            m = np.isin(ni, feeds) & (oi == o) & trk
            tracked_at[(rm.index, e)] = np.unique(ti[m]).size * s.sample_s
            p = w.paths
            t0 = max(0.0, float(p.t_begin[o]))
            t1 = min(w.duration_s, float(p.t_end[o]), float(w.destroyed_at[o]))
            ca, ca_t = (closest_approach(p, int(o), rm.placed.platform, t0, t1)
                        if t1 > t0 else (np.nan, np.nan))
            dt = run.ex_det_t[rm.index][e]
            eparts.append(dict(
                radar=np.array([rm.index]), object=np.array([o]),
                looks=np.array([run.ex_looks[rm.index, e]]), detections=np.array([len(dt)]),
                time_under_detection_s=np.array([time_under_detection(dt, rm.revisit_s,
                                                                      w.duration_s)]),
                time_under_track_s=np.array([tracked_at[(rm.index, e)]]),
                closest_approach_m=np.array([ca]), closest_approach_s=np.array([ca_t]),
                aspect_hist=[aspect_histogram(run.ex_det_aspect[rm.index][e],
                                              s.aspect_bin_deg).tolist()]))
    exposure = pa.table({
        "radar": pa.array(np.concatenate([p["radar"] for p in eparts]) if eparts else [], i64),
        "object": pa.array(np.concatenate([p["object"] for p in eparts]) if eparts else [],
                           i64),
        "looks": pa.array(np.concatenate([p["looks"] for p in eparts]) if eparts else [], i64),
        "detections": pa.array(np.concatenate([p["detections"] for p in eparts])
                               if eparts else [], i64),
        "time_under_detection_s": pa.array(np.concatenate(
            [p["time_under_detection_s"] for p in eparts]) if eparts else [], f64),
        "time_under_track_s": pa.array(np.concatenate(
            [p["time_under_track_s"] for p in eparts]) if eparts else [], f64),
        "closest_approach_m": pa.array(np.concatenate(
            [p["closest_approach_m"] for p in eparts]) if eparts else [], f64),
        "closest_approach_s": pa.array(np.concatenate(
            [p["closest_approach_s"] for p in eparts]) if eparts else [], f64),
        "aspect_hist": pa.array([p["aspect_hist"][0] for p in eparts], pa.list_(i64)),
    })
    # engagement: minutes inside and minutes labelled unknown/suspect per (fire unit, object)
    if run.eng_parts:
        ef = np.concatenate([p["fire_unit"] for p in run.eng_parts])
        eo = np.concatenate([p["object"] for p in run.eng_parts])
        en = np.concatenate([p["node"] for p in run.eng_parts])
        et = np.concatenate([p["truth"] for p in run.eng_parts]).astype(np.int64)
        ei = np.concatenate([p["identity"] for p in run.eng_parts]).astype(np.int64)
        pair = ef * max(len(w.object_ids), 1) + eo
        keys, inv = np.unique(pair, return_inverse=True)
        inside_min = np.bincount(inv, minlength=keys.size) * s.sample_s / 60.0
        risk = np.isin(ei, AT_RISK)
        risk_min = np.bincount(inv, weights=risk, minlength=keys.size) * s.sample_s / 60.0
        first = np.zeros(keys.size, np.int64)
        first[inv[::-1]] = np.arange(inv.size)[::-1]
        engagement = pa.table({
            "fire_unit": pa.array(keys // max(len(w.object_ids), 1), i64),
            "object": pa.array(keys % max(len(w.object_ids), 1), i64),
            "node": pa.array(en[first], i64), "truth": pa.array(et[first], i8),
            "minutes_inside": pa.array(inside_min, f64),
            "minutes_unknown_or_suspect": pa.array(risk_min, f64),
        })
    else:
        engagement = pa.table({"fire_unit": pa.array([], i64), "object": pa.array([], i64),
                               "node": pa.array([], i64), "truth": pa.array([], i8),
                               "minutes_inside": pa.array([], f64),
                               "minutes_unknown_or_suspect": pa.array([], f64)})
    settings = asdict(s)
    settings["rules"] = {k: (v.name.lower() if isinstance(v, Identity) else v)
                         for k, v in asdict(s.rules).items()}
    meta = dict(scenario=sc.name, seed=w.seed, duration_s=w.duration_s, wall_s=wall_s,
                speedup=w.duration_s / wall_s if wall_s > 0 else np.inf,
                events=run.eng.processed, settings=settings,
                gospa=dict(c_m=s.gospa_c_m, p=s.gospa_p, alpha=2.0),
                truth_labels=list(TRUTH_LABELS), identity_labels=list(IDENTITY_LABELS),
                notes=list(w.notes))
    meta["fire_control"] = dict(cycles=run.fc.n_cycles, flyout_batches=run.fc.n_flush,
                                interceptor_steps=run.fc.interceptor_steps)
    return SimulationResult(meta=meta, objects=objects, radars=radars, nodes=nodes,
                            fire_units=fire_units, detections=detections, tracks=tracks,
                            identities=identities, gospa=gospa_t,
                            identity_matrix=identity_matrix, continuity=continuity,
                            time_to_track=time_to_track_t, exposure=exposure,
                            engagement=engagement, notes=tuple(w.notes),
                            **kill_chain_tables(run))


def kill_chain_tables(run) -> dict[str, pa.Table]:
    """The engagements, impacts, leakers, fire_control and components tables of a run."""
    from ..engagement.loop import REASONS
    from ..flyout import OUTCOMES

    w, fc = run.w, run.fc
    T = _KILL_CHAIN
    recs = fc.records
    node_of = {sy.model.id: sy.node for sy in fc.systems}
    first_good = {}
    for sid, n in node_of.items():
        rs = list(run.nodes[n].model.radars) if n >= 0 else []
        first_good[sid] = (run.first_good[rs].min(axis=0) if rs
                           else np.full(len(w.paths), np.inf))
    wrong_truth = {0, 1, 2, 3}
    cols = {k: [] for k in T["engagements"]}
    for r in recs:
        o = r["object"]
        det = float(first_good[r["system"]][o]) if o >= 0 else np.inf
        vals = dict(r, outcome=OUTCOMES[r["outcome"]], reason=REASONS[r["reason"]],
                    detected_s=det if np.isfinite(det) else np.nan,
                    wrong=o >= 0 and r["truth"] in wrong_truth)
        for k in cols:
            cols[k].append(vals[k])
    engagements = pa.table({k: pa.array(v, T["engagements"][k]) for k, v in cols.items()})
    th = w.threats
    hit_at = {row: (t, hits) for t, row, _aim, hits in fc.impacts}
    cols = {k: [] for k in T["impacts"]}
    if th is not None:
        for j, row in enumerate(th.rows):
            row = int(row)
            killed = float(w.destroyed_at[row])
            if row in hit_at:
                fate = "impact"
            elif killed <= min(th.t_impact[j], w.duration_s):
                fate = "intercepted"
            else:
                fate = "in_flight"
            cols["object"].append(row)
            cols["raid"].append(th.raid[j])
            cols["aim"].append(th.aim[j])
            cols["impact_s"].append(float(th.t_impact[j]))
            cols["fate"].append(fate)
            cols["killed_s"].append(killed if np.isfinite(killed) else np.nan)
            cols["hits"].append(",".join(hit_at.get(row, (0, ()))[1]))
    impacts = pa.table({k: pa.array(v, T["impacts"][k]) for k, v in cols.items()})
    cols = {k: [] for k in T["leakers"]}
    aims = impacts.column("aim").to_pylist()
    all_fates = impacts.column("fate").to_pylist()
    for pt in w.points:
        if pt.kind != "asset":
            continue
        aimed = [j for j, a in enumerate(aims) if a == pt.id]
        fates = [all_fates[j] for j in aimed]
        cols["asset"].append(pt.id)
        cols["aimed"].append(len(aimed))
        cols["impacts"].append(sum(1 for _t, _r, _a, hits in fc.impacts if pt.id in hits))
        cols["intercepted"].append(sum(1 for f in fates if f == "intercepted"))
    leakers = pa.table({k: pa.array(v, T["leakers"][k]) for k, v in cols.items()})
    u = list(zip(*fc.usage, strict=True)) if fc.usage else [[] for _ in T["fire_control"]]
    fire_control = pa.table({k: pa.array(list(v), T["fire_control"][k])
                             for k, v in zip(T["fire_control"], u, strict=True)})
    comps = [pt for pt in w.points if pt.kind != "asset"]
    components = pa.table({
        "id": pa.array([c.id for c in comps], pa.string()),
        "kind": pa.array([c.kind for c in comps], pa.string()),
        "system": pa.array([c.system for c in comps], pa.string()),
        "destroyed_s": pa.array([fc.destroyed.get(c.id, np.nan) for c in comps], pa.float64()),
    })
    return dict(engagements=engagements, impacts=impacts, leakers=leakers,
                fire_control=fire_control, components=components)
