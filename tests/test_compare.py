"""iads.compare: families, common random numbers, intervals, coverage, the folder contract,
bad input.

A tiny family (one S-400 fire unit and three aircraft for five minutes) keeps the file fast;
every check compares with a second path: the sweep's seed function, a direct iads.simulate,
iads.scenario_coverage, scipy's t interval, the spherical-cap area.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import xarray as xr
from scipy import stats

import iads
from iads.cli import main
from iads.compare import interval, load_family
from iads.compare.coverage import radiating, ring_km, silent_at_start
from iads.compare.measures import PLAYBACK_COLUMNS, picture_metrics, playback
from iads.sweep.seeds import point_key, replication_seed

ROOT = Path(__file__).resolve().parents[1]

BASE = """\
name: tiny
description: one S-400 fire unit at Murted and three aircraft
note: test family base
sources: {pp: "public-parameters.md"}
run: {duration_s: 300, seed: 5}
owners:
  nato: {kind: alliance}
  turkey: {kind: country, member_of: [nato]}
  usa: {kind: country, member_of: [nato]}
  russia: {kind: country}
  civil: {kind: civil}
sites:
  murted: {lat: 40.08, lon: 32.57}
systems:
  - id: s1
    type: s-400
    owner: turkey
    supplier: russia
    site: murted
    radars: [{id: s1-91n6e, type: 91n6e}]
    command_post: {id: s1-cp}
    fire_units:
      - id: fu1
        radar: {id: fu1-92n6e, type: 92n6e, boresight_deg: 270}
        launchers: [{id: fu1-l, type: 5p85te2, count: 4, load: {48n6e3: 4}}]
networks:
  - id: bat
    kind: battery
    members: [s1]
    links: [{from: s1-91n6e, to: s1-cp, data: measurements, latency_s: 0.5, update_s: 10}]
iff:
  - {id: reads, interrogators: [s1], modes: [1, 2, 3a, c], keys: [turkey]}
coverage:
  targets: [f-16c, f-35a]
  heights_m: [100, 10000]
  max_range_km: 120
  cell_m: 4000
air_objects:
  - id: f35
    type: f-35a
    owner: usa
    category: allied
    transponder: {modes: [1, 2, 3a, c, 4, 5], code_3a: "5401"}
    route:
      - {lat: 40.3, lon: 31.9, alt_m: 9000, speed_mps: 240}
      - {lat: 39.8, lon: 32.2, alt_m: 9000}
  - id: thy1
    type: airliner
    owner: civil
    category: civil
    flight_plan: true
    transponder: {modes: [3a, c, s, adsb], code_3a: "2143", mode_s: "4BA9C1"}
    route:
      - {lat: 40.4, lon: 31.8, alt_m: 10000, speed_mps: 230}
      - {lat: 39.7, lon: 32.1, alt_m: 10000}
  - id: tk1
    type: f-16c
    owner: turkey
    category: own
    transponder: {modes: [1, 2, 3a, c, 4, 5], code_3a: "4101"}
    route:
      - {lat: 40.2, lon: 32.0, alt_m: 3000, speed_mps: 230}
      - {lat: 39.9, lon: 32.3, alt_m: 3000}
"""

SAME = """\
extends: base.yaml
name: tiny-same
note: identical to base.yaml but for the name (common random numbers give the same numbers)
"""

SILENT = """\
extends: base.yaml
name: tiny-silent
note: every radar silent from t = 0
add:
  events:
    - {time_s: 0, kind: emissions_off, target: s1}
"""

MANIFEST = """\
family: tiny
title: Tiny family
root_seed: 11
reps: 2
variants:
  - {name: base, file: base.yaml, label: "Base"}
  - {name: same, file: same.yaml, label: "Same"}
  - {name: silent, file: silent.yaml, label: "Silent"}
paired:
  - {variant: same, baseline: base, claim: C6}
"""


def _family(folder: Path, manifest: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.yaml").write_text(BASE)
    (folder / "same.yaml").write_text(SAME)
    (folder / "silent.yaml").write_text(SILENT)
    if manifest:
        (folder / "family.yml").write_text(MANIFEST)
    return folder


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    fam = _family(d / "fam")
    res = iads.compare(fam, d / "out", progress=False)
    return fam, d / "out", res


def _values(data, claim, metric_start):
    c = next(c for c in data["claims"] if c["id"] == claim)
    m = next(m for m in c["measures"] if m["metric"].startswith(metric_start))
    return m


# ---- intervals --------------------------------------------------------------------------------


def test_interval_is_the_student_t_interval():
    x = [3.0, 5.5, 4.25, 6.0, 2.5]
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    iv = interval(x)
    assert iv["n"] == 5 and iv["mean"] == pytest.approx(np.mean(x))
    assert (iv["low"], iv["high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert interval([7.0]) == {"mean": 7.0, "low": 7.0, "high": 7.0, "n": 1}
    assert interval([float("nan")]) is None and interval([]) is None


# ---- common random numbers ---------------------------------------------------------------------


def test_every_variant_runs_replication_r_with_the_same_seed(compared):
    _, out, _ = compared
    from iads.results import open as open_results

    con = open_results(out / "runs")
    rows = con.sql("SELECT variant, rep, seed FROM runs").fetchall()
    key = point_key({"study": "picture"})
    for variant, rep, seed in rows:
        assert seed == replication_seed(11, key, rep), (variant, rep)
    assert {r[0] for r in rows} == {"base", "same", "silent"}
    assert len({s for _, _, s in rows}) == 2  # two replications, two seeds, shared


def test_identical_variants_give_identical_numbers_and_a_zero_paired_effect(compared):
    _, _, res = compared
    for claim in res.data["claims"]:
        for m in claim["measures"]:
            if m["values"].get("base") is not None and "paired" not in m["note"]:
                assert m["values"]["same"] == m["values"]["base"], m["metric"]
    eff = _values(res.data, "C6", "change in track-minutes")
    assert eff["values"]["same"] == {"mean": 0.0, "low": 0.0, "high": 0.0, "n": 2}
    assert eff["values"]["base"] is None


def test_measures_match_a_direct_simulation_with_the_replication_seed(compared):
    fam, out, res = compared
    sc = iads.load_scenario(fam / "base.yaml")
    seed = replication_seed(11, point_key({"study": "picture"}), 0)
    from iads.compare import measures
    from iads.compare.measures import _settings

    direct = iads.simulate(sc, seed=seed, settings=_settings())
    cat = iads.load_catalog()
    m = picture_metrics(direct, sc, cat)
    from iads.results import open as open_results

    con = open_results(out / "runs")
    stored = dict(con.sql("SELECT metric, value FROM metrics WHERE variant = 'base' AND rep = 0"
                          ).fetchall())
    for k, v in m.items():
        assert stored[k] == pytest.approx(v), k
    # the playback file is replication 0's picture, row for row
    t = pq.read_table(out / "tracks" / "base.parquet")
    assert tuple(t.column_names) == PLAYBACK_COLUMNS
    ref = playback(direct)
    assert t.num_rows == ref.num_rows > 0
    assert np.allclose(np.sort(t.column("lat").to_numpy()), np.sort(ref.column("lat").to_numpy()))
    assert measures.russian_radars(direct, sc, cat).size == 2  # 91N6E and 92N6E


def test_f35_exposure_is_the_longest_russian_radar_time(compared):
    fam, _, _ = compared
    sc = iads.load_scenario(fam / "base.yaml")
    res = iads.simulate(sc, seed=3)
    ex = res.exposure.to_pandas()
    obj = res.objects.to_pandas().set_index("object")
    ex = ex[ex.object.map(obj.type) == "f-35a"]
    expect = ex.groupby("object").time_under_detection_s.max().sum() / 60.0
    got = picture_metrics(res, sc, iads.load_catalog())["f35.detected_min"]
    assert got == pytest.approx(expect)


# ---- coverage ---------------------------------------------------------------------------------


def test_silent_radars_cover_nothing(compared):
    fam, out, res = compared
    sc = iads.load_scenario(fam / "silent.yaml")
    assert silent_at_start(sc) == {"s1-91n6e", "fu1-92n6e"}
    assert radiating(sc) is None
    series = res.data["series"]["coverage_by_altitude"]
    assert series["silent"]["area_km2"] == [0.0, 0.0] and series["base"]["area_km2"][1] > 0
    share = _values(res.data, "C5", "engagement area / range-ring area, F-16 at 10,000")
    assert share["values"]["silent"]["mean"] == 0.0  # the ring stays: the press draws it anyway
    ds = xr.open_dataset(out / "coverage" / "silent.nc", engine="scipy")
    assert int(ds.engagement.sum()) == 0


def test_coverage_figures_are_scenario_coverage(compared):
    fam, out, res = compared
    sc = iads.load_scenario(fam / "base.yaml")
    ds = iads.scenario_coverage(sc)
    j = list(ds.target.values).index("f-16c")
    eng = ds.engagement_km2.values[j] + ds.engagement_cued_km2.values[j]
    series = res.data["series"]["coverage_by_altitude"]["base"]
    assert series["altitude_m"] == [100.0, 10000.0]
    assert series["area_km2"] == pytest.approx(list(eng))
    # the ring: a spherical cap of the 48N6E3's range (catalog), closed form
    r = ring_km(sc, iads.load_catalog())
    assert r == iads.load_catalog().missiles["48n6e3"].range_max_km.value
    cap = 2 * math.pi * 6371.0088 ** 2 * (1 - math.cos(r / 6371.0088))
    assert series["ring_km2"][0] == pytest.approx(cap, rel=5e-3)
    share = _values(res.data, "C5", "engagement area / range-ring area, F-16 at 10,000")
    assert share["values"]["base"]["mean"] == pytest.approx(100 * eng[1] / series["ring_km2"][1])
    nc = xr.open_dataset(out / "coverage" / "base.nc", engine="scipy")
    assert np.array_equal(nc.engagement.values.astype(bool), ds.engagement.values)


# ---- the folder contract ----------------------------------------------------------------------


def test_comparison_json_follows_the_contract(compared):
    fam, out, _ = compared
    d = json.loads((out / "comparison.json").read_text())
    assert d["format"] == 1 and d["family"] == "tiny" and d["reps"] == 2 and d["root_seed"] == 11
    assert [v["name"] for v in d["variants"]] == ["base", "same", "silent"]
    assert d["variants"][1]["text"] == SAME and d["variants"][1]["file"] == "same.yaml"
    assert [c["id"] for c in d["claims"]] == [f"C{i}" for i in range(1, 13)]
    seeds = {p.name for p in (ROOT.parent / "shared" / "seeds").glob("*.txt")} or None
    for c in d["claims"]:
        assert c["quote"] and c["question"]
        if seeds:
            assert c["source"] in seeds
        for m in c["measures"]:
            assert set(m) == {"metric", "unit", "values", "note"}
            assert set(m["values"]) == {"base", "same", "silent"}
            for v in m["values"].values():
                assert v is None or (set(v) == {"mean", "low", "high", "n"}
                                     and v["low"] <= v["mean"] <= v["high"])
            if all(v is None for v in m["values"].values()):
                assert "not measured (" in m["note"]
    s = d["series"]
    assert set(s) == {"coverage_by_altitude", "saturation", "identity_matrix"}
    im = s["identity_matrix"]["base"]
    assert np.shape(im["minutes"]) == (len(im["truth"]), len(im["identity"]))
    kinds = {x["kind"] for x in d["sites"]}
    assert {"radar", "launcher", "command_post"} <= kinds
    radar = next(x for x in d["sites"] if x["id"] == "fu1-92n6e" and x["variant"] == "base")
    assert (radar["lat"], radar["lon"]) == (40.08, 32.57)
    ring = next(r for r in d["rings"] if r["variant"] == "base")
    assert ring["radius_km"] == 250.0
    for row in d["catalog"]:
        assert (row["source"] is None) != (row["assumption"] is None)
        if row["source"]:
            assert row["source_title"]
    assert {r["id"] for r in d["catalog"]} >= {"s-400", "92n6e", "48n6e3", "f-35a"}


def test_rerun_completes_nothing_and_query_reads_the_runs(compared, capsys):
    fam, out, _ = compared
    res = iads.compare(fam, out, progress=False)
    assert res.sweep.ran == 0 and res.sweep.skipped == 6
    with pytest.raises(SystemExit) as exc:
        main(["query", str(out / "runs"), "SELECT count(*) AS n FROM runs", "--csv"])
    assert exc.value.code in (0, None)
    assert "6" in capsys.readouterr().out


def test_without_manifest_every_yaml_is_a_variant(tmp_path):
    fam = _family(tmp_path / "fam", manifest=False)
    f = load_family(fam)
    assert [v.name for v in f.variants] == ["base", "same", "silent"]
    assert f.variants[1].label == "tiny-same" and f.root_seed == 5


def test_the_turkish_family_loads():
    f = load_family(ROOT / "scenarios" / "turkey-2019")
    assert len(f.variants) == 10
    for v in f.variants:
        assert v.scenario.note, v.name
        assert v.scenario.sources, v.name
    two = f.variant("two-batteries").scenario
    four = f.variant("standalone").scenario
    assert sum(len(s.fire_units) for s in two.systems) == 2
    assert sum(len(s.fire_units) for s in four.systems) == 4
    assert {s.type for s in f.variant("patriot").scenario.systems} == {"patriot"}
    assert {s.type for s in f.variant("samp-t").scenario.systems} == {"samp-t"}
    # the pathway variants differ from the reference in what their pathway changes only
    ref = f.variant("standalone").scenario
    for name in ("full-activation", "restricted", "not-activated", "patriot", "samp-t"):
        sc = f.variant(name).scenario
        assert sc.air_objects == ref.air_objects and sc.sensors == ref.sensors, name


# ---- bad input ---------------------------------------------------------------------------------


def _cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, err


@pytest.mark.parametrize("make", ["empty", "text-only", "file"])
def test_not_a_family_is_one_line_exit_2(tmp_path, capsys, make):
    d = tmp_path / "x"
    if make == "file":
        d.write_text("name: x\n")
    else:
        d.mkdir()
        if make == "text-only":
            (d / "notes.txt").write_text("hello")
    code, err = _cli(["compare", str(d), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert str(d) in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_override_of_a_missing_field_names_both_files(tmp_path, capsys):
    fam = _family(tmp_path / "fam", manifest=False)
    (fam / "same.yaml").write_text(SAME + "set:\n  systems[s9].roe: weapons_free\n")
    code, err = _cli(["compare", str(fam), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "same.yaml" in err and "base.yaml" in err and "s9" in err


def test_circular_inheritance_names_both_files(tmp_path, capsys):
    fam = _family(tmp_path / "fam", manifest=False)
    (fam / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (fam / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    code, err = _cli(["compare", str(fam), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "a.yaml" in err and "b.yaml" in err and "circular" in err


@pytest.mark.parametrize("edit, phrase", [
    ("variants:\n  - {name: base, file: nothere.yaml}\n", "nothere.yaml"),
    ("variants:\n  - {name: base, file: base.yaml, colour: red}\n", "colour"),
    ("variants: []\n", "variants"),
    ("variants:\n  - {name: base, file: base.yaml}\n  - {name: base, file: same.yaml}\n",
     "twice"),
    ("variants:\n  - {name: base, file: base.yaml}\npaired:\n  - {variant: x, baseline: base}\n",
     "paired"),
    ("reps: 0\nvariants:\n  - {name: base, file: base.yaml}\n", "reps"),
])
def test_bad_manifest_is_one_line_naming_it(tmp_path, capsys, edit, phrase):
    fam = _family(tmp_path / "fam", manifest=False)
    (fam / "family.yml").write_text("family: t\n" + edit)
    code, err = _cli(["compare", str(fam), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "family.yml" in err and phrase in err


def test_bad_options(tmp_path, capsys):
    fam = _family(tmp_path / "fam")
    code, err = _cli(["compare", str(fam), "--out", str(tmp_path / "o"), "--reps", "0"], capsys)
    assert code == 2 and "--reps" in err
    shutil.rmtree(fam)
