"""A real comparison folder for the report tests, built with the public API.

Until ``iads compare`` writes them, this follows the folder contract (see
:mod:`iads.report.comparison`): two variants (``scenarios/examples/minimal.yaml`` and its
``variant.yaml``), coverage from :func:`iads.scenario_coverage` at a coarse setting, tracks from
a short :func:`iads.simulate`, claims whose numbers come from those results, and a claim left
unmeasured. ``hostile`` puts markup into every text the report shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import iads
from iads.catalog import iter_figures, load_catalog
from iads.coverage import ring_area_km2
from iads.identification import IDENTITY_LABELS, TRUTH_LABELS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
VARIANTS = {"minimal": "minimal.yaml", "variant": "variant.yaml"}
HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">&amp;"\''
HEIGHTS = [100.0, 1000.0, 5000.0]
TARGETS = ["f-16c", "f-35a"]
RING_KM = 250.0
DURATION_S = 180.0


def _netcdf(ds, path: Path) -> None:
    """netCDF 3 (scipy) has no booleans: masks stored as int8, as ``iads compare`` does."""
    out = ds.copy()
    for name, var in ds.data_vars.items():
        if var.dtype == bool:
            out[name] = var.astype("int8")
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_netcdf(path, engine="scipy")


def _tracks(res) -> pa.Table:
    """The simulation's tracks, joined with the identity each picture held, in the contract's
    columns."""
    tr = res.table("tracks").to_pydict()
    ids = res.table("identities").to_pydict()
    objects = res.table("objects").to_pydict()
    nodes = res.table("nodes").to_pydict()
    category = dict(zip(objects["object"], objects["category"], strict=True))
    node_name = dict(zip(nodes["node"], nodes["id"], strict=True))
    held = {}
    for t, n, o, i, k in zip(ids["time_s"], ids["node"], ids["object"], ids["identity"],
                             ids["track_id"], strict=True):
        if k is not None and k >= 0:
            held[(t, n, k)] = (IDENTITY_LABELS[i], category[o])
    rows = {c: [] for c in ("time_s", "track", "lat", "lon", "alt_m", "identity",
                            "truth_category", "node")}
    for t, n, k, la, lo, h in zip(tr["time_s"], tr["node"], tr["track_id"], tr["lat_deg"],
                                  tr["lon_deg"], tr["height_m"], strict=True):
        ident, cat = held.get((t, n, k), ("pending", "false_track"))
        for c, v in zip(rows, (t, str(k), la, lo, h, ident, cat, node_name[n]), strict=True):
            rows[c].append(v)
    return pa.table(rows)


def _identity_minutes(res, dt_s: float) -> dict:
    im = res.table("identity_matrix").to_pydict()
    mat = np.zeros((len(TRUTH_LABELS), len(IDENTITY_LABELS)))
    for tr, i, c in zip(im["truth"], im["identity"], im["count"], strict=True):
        mat[tr, i] += c * dt_s / 60.0
    return {"truth": list(TRUTH_LABELS), "identity": list(IDENTITY_LABELS),
            "minutes": np.round(mat, 3).tolist()}


COARSE = {"cell_m": 4000.0, "max_range_km": 220.0, "heights_m": HEIGHTS, "targets": TARGETS}


def build_comparison(out: Path, hostile: bool = False, variants: dict | None = None,
                     coverage: dict | None = COARSE, tracks_from: dict | None = None,
                     duration_s: float | None = DURATION_S) -> Path:
    """Write a comparison folder into ``out`` and return it.

    ``variants`` maps variant names to scenario files (default: the two examples); ``coverage``
    overrides the scenarios' coverage settings (None: their own); ``tracks_from`` maps a
    variant to the scenario simulated for its tracks (default: its own); ``duration_s`` limits
    the simulation (None: the scenario's own duration). Results are computed once per file.
    """
    out = Path(out)
    cat = load_catalog()
    mark = HOSTILE if hostile else ""
    files = {k: Path(v) for k, v in variants.items()} if variants else {
        k: EXAMPLES / v for k, v in VARIANTS.items()}
    tracks_from = {k: Path(v) for k, v in (tracks_from or {}).items()}
    computed: dict = {}
    variants, sites, rings, cov_series, id_series, areas = [], [], [], {}, {}, {}
    for name, path in files.items():
        sc = iads.load_scenario(path)
        st = sc.coverage.model_copy(update=coverage) if coverage else sc.coverage
        if ("cov", path) not in computed:
            computed["cov", path] = iads.scenario_coverage(sc, st)
        ds = computed["cov", path]
        _netcdf(ds, out / "coverage" / f"{name}.nc")
        sim_path = tracks_from.get(name, path)
        if ("sim", sim_path) not in computed:
            # the scenario's own seed
            computed["sim", sim_path] = iads.simulate(sim_path, duration_s=duration_s)
        res = computed["sim", sim_path]
        (out / "tracks").mkdir(parents=True, exist_ok=True)
        pq.write_table(_tracks(res), out / "tracks" / f"{name}.parquet")
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        variants.append({"name": name, "file": str(rel),
                         "label": f"{sc.name}{mark}", "description": f"example {name}{mark}",
                         "text": path.read_text(encoding="utf-8") + mark})
        ring = float(ring_area_km2(RING_KM * 1e3))
        det = ds.detection_km2.sel(target="f-16c").values
        hs = [float(h) for h in ds.height.values]
        areas[name] = float(det[0])
        cov_series[name] = {"target": "f-16c", "altitude_m": hs,
                            "area_km2": [float(a) for a in det], "ring_km2": [ring] * len(hs)}
        times = np.unique(res.table("identity_matrix").column("time_s").to_numpy())
        id_series[name] = _identity_minutes(res, float(np.diff(times).min())
                                            if times.size > 1 else 20.0)
        for r in json.loads(ds.attrs["radars_json"]):
            sites.append({"variant": name, "id": r["id"], "kind": "radar", "lat": r["lat_deg"],
                          "lon": r["lon_deg"], "label": f"{r['id']} ({r['type']}){mark}"})
            rings.append({"variant": name, "site": r["id"], "lat": r["lat_deg"],
                          "lon": r["lon_deg"], "radius_km": RING_KM,
                          "label": f"{RING_KM:g} km (48N6E3){mark}"})
    # saturation: a closed form (two shots per missile, independent, Pk 0.7) for the chart
    raid = [2, 4, 8, 16]
    first = next(iter(files))
    sat = {first: {"raid_size": raid, "leakers_mean": [r * 0.09 for r in raid],
                       "low": [r * 0.05 for r in raid], "high": [r * 0.14 for r in raid]}}
    catalog = []
    for rid in ("92n6e", "91n6e"):
        for path, f in iter_figures(cat.radars[rid]):
            src = cat.sources.get(f.source) if f.source else None
            catalog.append({"kind": "radars", "id": rid, "field": ".".join(map(str, path)),
                            "value": f.value, "low": f.low, "high": f.high, "unit": "",
                            "source": f.source, "source_title": src.title if src else None,
                            "url": src.url if src else None,
                            "assumption": (f.assumption + mark) if f.assumption else None})
    catalog.append({"kind": "missiles", "id": "hostile", "field": f"range{mark}",
                    "value": 1.0, "low": None, "high": None, "unit": f"km{mark}",
                    "source": None, "source_title": None, "url": "javascript:alert(1)",
                    "assumption": f"made up for the test{mark}"})
    doc = {
        "format": 1, "family": f"examples{mark}", "title": f"Example comparison{mark}",
        "created": "2026-11-22T21:00:00Z", "iads_version": iads.__version__, "reps": 1,
        "root_seed": 1, "variants": variants,
        "claims": [
            {"id": "C4", "source": f"000-seed.md{mark}", "quote": f"covers 600 km{mark}",
             "question": f"How much area does the S-400 cover at 100 m?{mark}",
             "measures": [{"metric": f"detection area, F-16C at 100 m{mark}", "unit": "km²",
                           "values": {n: {"mean": a, "low": 0.9 * a, "high": 1.1 * a, "n": 1}
                                      for n, a in areas.items()},
                           "note": f"coarse grid{mark}"}]},
            {"id": "C9", "source": "002-seed.md", "quote": "deconfliction", "question": "q",
             "measures": [{"metric": "unknown allied tracks", "unit": "tracks",
                           "values": {first: None}, "note": ""}]},
        ],
        "series": {"coverage_by_altitude": cov_series, "saturation": sat,
                   "identity_matrix": id_series},
        "sites": sites, "rings": rings, "catalog": catalog,
    }
    (out / "comparison.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return out
