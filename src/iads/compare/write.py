"""Writing the comparison folder (its contract is in :mod:`iads.compare`)."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .claims import CLAIMS, SEED_FILES

__all__ = ["write_comparison", "sites_and_rings", "catalog_rows", "metric_values",
           "FORMAT"]

FORMAT = 1
_UNITS = (("_km2", "km²"), ("_m2", "m²"), ("_km", "km"), ("_mps", "m/s"), ("_ghz", "GHz"),
          ("_deg", "°"), ("_db", "dB"), ("_mrad", "mrad"), ("_s", "s"), ("_m", "m"))


def _finite(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def metric_values(runs_dir) -> dict:
    """``{(variant, study, raid_size): {metric: {rep: value}}}`` from the sweep store."""
    from ..results import open as open_results

    con = open_results(runs_dir)
    rows = con.sql("SELECT variant, study, raid_size, metric, rep, value FROM metrics_raw "
                   "JOIN points USING (point_id)").fetchall()
    out: dict = {}
    for v, s, z, m, r, val in rows:
        out.setdefault((v, s, int(z)), {}).setdefault(m, {})[int(r)] = float(val)
    return out


def _unit(field: str) -> str:
    for suffix, unit in _UNITS:
        if field.endswith(suffix):
            return unit
    return ""


def catalog_rows(family, catalog) -> list[dict]:
    """Every catalog figure of the entries the variants use, with its source and range."""
    from ..catalog import iter_figures

    used: dict[str, set] = {k: set() for k in ("systems", "radars", "launchers", "missiles",
                                                "targets")}
    for v in family.variants:
        sc = v.scenario
        for s in sc.systems:
            used["systems"].add(s.type)
            used["radars"].update(r.type for r in s.radars)
            for fu in s.fire_units:
                used["radars"].add(fu.radar.type)
                used["missiles"].update(fu.reserve)
                for ln in fu.launchers:
                    used["launchers"].add(ln.type)
                    used["missiles"].update(ln.load)
        used["radars"].update(x.type for x in sc.sensors)
        used["targets"].update(o.type for o in sc.air_objects)
        used["targets"].update(r.type for r in sc.raids)
        used["targets"].update(sc.coverage.targets)
    rows = []
    for kind in sorted(used):
        for id_ in sorted(used[kind]):
            entry = catalog.section(kind)[id_]
            for path, fig in iter_figures(entry):
                src = catalog.sources.get(fig.source) if fig.source else None
                rows.append({
                    "kind": kind[:-1], "id": id_, "field": ".".join(map(str, path)),
                    "value": float(fig.value),
                    "low": None if fig.low is None else float(fig.low),
                    "high": None if fig.high is None else float(fig.high),
                    "unit": _unit(str(path[0]) if path else ""),
                    "source": fig.source,
                    "source_title": (f"{src.title} ({src.publisher}"
                                     f"{', ' + src.date if src.date else ''})") if src else None,
                    "url": src.url if src else None,
                    "assumption": fig.assumption})
    return rows


def sites_and_rings(family, catalog) -> tuple[list[dict], list[dict]]:
    """Map features of every variant: radars, launchers, command posts, assets, sensors;
    one range ring per fire unit (its longest-range missile)."""
    sites, rings = [], []
    for v in family.variants:
        sc = v.scenario
        pos = sc.positions()

        def add(id_, kind, label, pos=pos, v=v):
            p = pos.get(id_)
            if p is not None:
                sites.append({"variant": v.name, "id": id_, "kind": kind, "lat": p.lat,
                              "lon": p.lon, "label": label})

        for s in sc.systems:
            for r in s.radars:
                add(r.id, "radar", f"{r.type} ({s.id})")
            if s.command_post:
                add(s.command_post.id, "command_post", f"command post ({s.id})")
            for fu in s.fire_units:
                add(fu.radar.id, "radar", f"{fu.radar.type} ({fu.id})")
                for ln in fu.launchers:
                    add(ln.id, "launcher", f"{ln.count} x {ln.type} ({fu.id})")
                missiles = {*fu.reserve, *(k for ln in fu.launchers for k in ln.load)}
                if missiles and fu.radar.id in pos:
                    best = max(missiles, key=lambda m: catalog.missiles[m].range_max_km.value)
                    r_km = catalog.missiles[best].range_max_km.value
                    p = pos[fu.radar.id]
                    rings.append({"variant": v.name, "site": fu.radar.id, "lat": p.lat,
                                  "lon": p.lon, "radius_km": float(r_km),
                                  "label": f"{catalog.missiles[best].name}: {r_km:g} km"})
        for x in sc.sensors:
            add(x.id, "sensor", f"{x.type} ({x.owner})")
        for a in sc.assets:
            add(a.id, "asset", a.note or a.id)
    return sites, rings


def _write_netcdf(ds, path: Path) -> None:
    ds = ds.copy()
    for name in list(ds.data_vars):
        if ds[name].dtype == bool:
            ds[name] = ds[name].astype("int8")
            ds[name].attrs["flag_meanings"] = "0: not covered, 1: covered"
    try:
        import h5netcdf  # noqa: F401

        ds.to_netcdf(path, engine="h5netcdf",
                     encoding={v: {"zlib": True} for v in ds.data_vars})
    except ImportError:
        ds.to_netcdf(path, engine="scipy")


def write_comparison(out, family, study, catalog, raid) -> dict:
    """Compute the coverage and the claim table, write the folder; returns comparison.json's
    content (plus ``_coverage_s``, the coverage wall time)."""
    import pyarrow.parquet as pq

    import iads

    from ..coverage import ring_area_km2
    from ..identification import IDENTITY_LABELS, TRUTH_LABELS
    from ..results import open as open_results
    from .coverage import coverage_figure, engageable, ring_km, variant_coverage
    from .run import RAID_NAME, interval

    out = Path(out)
    (out / "coverage").mkdir(parents=True, exist_ok=True)
    (out / "tracks").mkdir(parents=True, exist_ok=True)
    values = metric_values(out / "runs")
    names = [v.name for v in family.variants]

    # coverage, once per variant
    t0 = time.perf_counter()
    cov, ring_area = {}, {}
    for v in family.variants:
        ds = variant_coverage(v.scenario, catalog)
        _write_netcdf(ds, out / "coverage" / f"{v.name}.nc")
        cov[v.name] = ds
        ring_area[v.name] = float(ring_area_km2(ring_km(v.scenario, catalog) * 1e3))
    cov_s = time.perf_counter() - t0

    # playback: replication 0 of each variant's own scenario
    con = open_results(out / "runs")
    for v in family.variants:
        t = con.sql("SELECT e.* EXCLUDE (point_id, rep) FROM events e JOIN points p USING "
                    f"(point_id) WHERE p.variant = '{v.name}' AND p.study = 'picture' "
                    "AND e.rep = 0 ORDER BY time_s, track").to_arrow_table()
        keep = [c for c in ("time_s", "track", "lat", "lon", "alt_m", "identity",
                            "truth_category", "node") if c in t.column_names]
        pq.write_table(t.select(keep), out / "tracks" / f"{v.name}.parquet")

    def reps_of(variant, study, metric, size=None):
        for (vv, s, z), m in values.items():
            if vv == variant and s == study and (size is None or z == size):
                return m.get(metric)
        return None

    std_size = int(raid["standard"].get("count", 8)) if raid else None
    eng_on = any(s in ("raid", "salvo") for (_, s, _) in values)
    from .measures import engagement_available

    why_eng = ("not measured (the engagement model is not in this build: "
               "SimulationResult.metrics() is missing)" if not engagement_available() else
               "not measured (the family defines no raid: add raid: to family.yml)"
               if not raid else "")

    claims = []
    for c in CLAIMS:
        measures = []
        for m in c.measures:
            vals: dict = {}
            note = m.note
            if m.kind == "coverage":
                for n in names:
                    x = coverage_figure(cov[n], m.key, ring_area[n])
                    vals[n] = None if x is None else interval([x])
                if all(x is None for x in vals.values()):
                    note = (note + "; " if note else "") + "not measured (no variant has it)"
                note = (note + "; " if note else "") + "deterministic (n = 1)"
            elif m.kind == "sim":
                for n in names:
                    r = reps_of(n, "picture", m.key)
                    vals[n] = None if r is None else interval(list(r.values()))
            elif m.kind in ("raid", "salvo"):
                for n in names:
                    r = reps_of(n, m.kind, m.key, std_size if m.kind == "raid" else None)
                    vals[n] = None if r is None else interval(list(r.values()))
                if not eng_on:
                    note = (note + "; " if note else "") + why_eng
            elif m.kind == "paired":
                pairs = [p for p in family.paired if p.get("claim") == c.id]
                vals = {n: None for n in names}
                which = "raid" if m.key.startswith("eng.") else "picture"
                size = std_size if which == "raid" else None
                for p in pairs:
                    a = reps_of(p["variant"], which, m.key, size)
                    b = reps_of(p["baseline"], which, m.key, size)
                    if a and b:
                        common = sorted(set(a) & set(b))
                        vals[p["variant"]] = interval([a[k] - b[k] for k in common])
                note = (note + "; " if note else "") + (
                    "paired difference variant - baseline on the same seeds: " + ", ".join(
                        f"{p['variant']} - {p['baseline']}" for p in pairs) if pairs else
                    "not measured (no pair for this claim in family.yml)")
                if which == "raid" and not eng_on:
                    note += "; " + why_eng
            measures.append({"metric": m.metric, "unit": m.unit, "values": vals,
                             "note": note})
        claims.append({"id": c.id, "source": SEED_FILES[c.source], "quote": c.quote,
                       "question": c.question, "measures": measures})

    # series
    coverage_series = {}
    for n in names:
        ds = cov[n]
        targets = [str(t) for t in ds.target.values]
        tgt = "f-16c" if "f-16c" in targets else targets[0]
        j = targets.index(tgt)
        heights = [float(h) for h in ds.height.values]
        coverage_series[n] = {"target": tgt, "altitude_m": heights,
                              "area_km2": [float(a) for a in engageable(ds)[j]],
                              "ring_km2": [ring_area[n]] * len(heights)}
    saturation = {}
    for n in names:
        sizes = sorted(z for (vv, s, z) in values if vv == n and s == "raid")
        if not sizes:
            continue
        mean, low, high = [], [], []
        for z in sizes:
            iv = interval(list((reps_of(n, "raid", "eng.leakers", z) or {}).values()))
            mean.append(_finite(iv["mean"]) if iv else None)
            low.append(_finite(iv["low"]) if iv else None)
            high.append(_finite(iv["high"]) if iv else None)
        saturation[n] = {"raid_size": sizes, "leakers_mean": mean, "low": low, "high": high}
    identity = {}
    for n in names:
        mat = []
        for t in TRUTH_LABELS:
            row = []
            for lab in IDENTITY_LABELS:
                r = reps_of(n, "picture", f"idm.{t}.{lab}")
                row.append(float(np.mean(list(r.values()))) if r else 0.0)
            mat.append(row)
        identity[n] = {"truth": list(TRUTH_LABELS), "identity": list(IDENTITY_LABELS),
                       "minutes": mat}
    sites, rings = sites_and_rings(family, catalog)
    data = {
        "format": FORMAT, "family": family.name, "title": family.title,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "iads_version": iads.__version__, "reps": study.reps,
        "root_seed": int(study.context.root_seed),
        "variants": [{"name": v.name, "file": _relative(v.file, family.folder),
                      "label": v.label, "description": v.description, "text": v.text}
                     for v in family.variants],
        "claims": claims,
        "series": {"coverage_by_altitude": coverage_series, "saturation": saturation,
                   "identity_matrix": identity},
        "sites": sites, "rings": rings, "catalog": catalog_rows(family, catalog),
    }
    if raid:
        data["raid"] = {"standard_raid": RAID_NAME, "size": std_size}
    text = json.dumps(_clean(data), indent=1, ensure_ascii=False, allow_nan=False)
    tmp = out / ".comparison.json.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out / "comparison.json")
    data["_coverage_s"] = cov_s
    return data


def _relative(file: Path, folder: Path) -> str:
    import os

    return os.path.relpath(file, folder)


def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
