"""Raids of a scenario as threat paths (iads.simulation.raids) and the raid checks.

References: pyproj's geodesics for distances, the closed forms of Kepler arcs
(iads.threats.ballistic_arc, itself tested against a two-body integration in test_threats),
the minimum-energy burnout speed on a sphere v² = (GM/Rₑ)·2 sin ψ / (1 + sin ψ), ψ the half range
angle, and the scenario's own positions.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from pyproj import Geod

from iads.catalog import load_catalog
from iads.errors import ScenarioError
from iads.kinematics import geodetic_of, positions
from iads.scenario import load_scenario
from iads.simulation.raids import RAID_COLUMNS, raid_objects
from iads.terrain import builtin_dem, elevation_at
from iads.threats import EARTH_RADIUS_M, GM_EARTH, ballistic_arc

BASE = Path(__file__).parent / "bad_scenarios" / "bases" / "base.yaml"
GEOD = Geod(ellps="WGS84")
CAT = load_catalog()
FAST = 8000.0  # a re-entry speed no arc reaches: the descent is not slowed
DEM = builtin_dem()


def scenario(tmp_path, raids, name="s.yaml", **top):
    doc = {"extends": str(BASE), "set": {"raids": raids, **top}}
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_scenario(p)


def ballistic(id_="bm", **kw):
    r = {"id": id_, "type": "atacms", "count": 6, "owner": "russia",
         "launch_area": {"lat": 41.0, "lon": 33.5, "radius_km": 15},
         "aim_points": ["s400-1-91n6e", "fu1-92n6e", {"lat": 40.0, "lon": 32.6}],
         "start_s": 100, "spread_s": 20, "reentry_speed_mps": FAST}
    r.update(kw)
    return r


def at(paths, i, t):
    p, v = positions(paths, np.array([t]), np.array([i]))
    return p[0], v[0]


def test_rows_describe_their_paths_and_ballistic_times_follow_the_arc(tmp_path):
    sc = scenario(tmp_path, [ballistic()])
    paths, tab = raid_objects(sc)
    assert tab.column_names == list(RAID_COLUMNS)
    assert len(paths) == tab.num_rows == 6
    rows = tab.to_pylist()
    pos = sc.positions()
    for i, row in enumerate(rows):
        assert row["object_id"] == paths.ids[i] == f"bm/{i}"
        aim = sc.raids[0].aim_points[i % 3]
        if isinstance(aim, str):
            assert row["aim_id"] == aim
            assert (row["aim_lat_deg"], row["aim_lon_deg"]) == (pos[aim].lat, pos[aim].lon)
        else:
            assert row["aim_id"] is None and row["aim_lat_deg"] == aim.lat
        # launch in the disc, at a time in [start, start + spread]
        _, _, d = GEOD.inv(33.5, 41.0, row["launch_lon_deg"], row["launch_lat_deg"])
        assert d <= 15e3 + 1e-6
        assert 100.0 <= row["launch_time_s"] <= 120.0
        # the path starts on the terrain at the launch point and ends on it at the aim point
        h_launch = float(elevation_at(DEM, row["launch_lat_deg"], row["launch_lon_deg"]))
        h_aim = float(elevation_at(DEM, row["aim_lat_deg"], row["aim_lon_deg"]))
        lat, lon, h = geodetic_of(at(paths, i, row["launch_time_s"])[0][None])
        assert (lat[0], lon[0]) == pytest.approx((row["launch_lat_deg"], row["launch_lon_deg"]),
                                                 abs=1e-7)
        assert h[0] == pytest.approx(h_launch, abs=1e-3)
        lat, lon, h = geodetic_of(at(paths, i, row["impact_time_s"])[0][None])
        assert (lat[0], lon[0]) == pytest.approx((row["aim_lat_deg"], row["aim_lon_deg"]),
                                                 abs=1e-7)
        assert h[0] == pytest.approx(h_aim, abs=1e-3)
        # flight time and apogee: the catalog loft (50 km at 300 km) scaled to the geodesic range
        _, _, R = GEOD.inv(row["launch_lon_deg"], row["launch_lat_deg"], row["aim_lon_deg"],
                           row["aim_lat_deg"])
        assert row["apogee_m"] == pytest.approx(50e3 * R / 300e3, rel=1e-9)
        arc = ballistic_arc(range_m=R, apogee_m=row["apogee_m"], heights_m=(h_launch, h_aim))
        assert row["impact_time_s"] - row["launch_time_s"] == pytest.approx(arc.flight_time_s,
                                                                             rel=1e-9)
        assert row["kind"] == "ballistic" and row["type"] == "atacms"


def test_same_seed_same_threats_and_raids_do_not_disturb_each_other(tmp_path):
    a = raid_objects(scenario(tmp_path, [ballistic()], "a.yaml"))
    b = raid_objects(scenario(tmp_path, [ballistic()], "b.yaml"))
    assert a[1].equals(b[1])
    np.testing.assert_array_equal(a[0].p0, b[0].p0)
    # another raid listed first changes nothing of this one (its own generator)
    other = ballistic("zz", count=2, aim_points=["ankara-city"])
    c = raid_objects(scenario(tmp_path, [other, ballistic()], "c.yaml"))[1]
    assert c.slice(2).drop(["object_id"]).equals(a[1].drop(["object_id"]))
    # another seed moves the launches
    d = raid_objects(scenario(tmp_path, [ballistic()], "d.yaml"), seed=8)[1]
    assert d.column("launch_lat_deg").to_pylist() != a[1].column("launch_lat_deg").to_pylist()


def test_impact_timing_puts_impacts_in_the_window(tmp_path):
    _, tab = raid_objects(scenario(tmp_path, [ballistic(timing="impact", start_s=400)]))
    t = np.array(tab.column("impact_time_s").to_pylist())
    assert np.all((t >= 400.0) & (t <= 420.0))


def test_named_trajectories_against_their_definitions(tmp_path):
    raids = [ballistic("me", trajectory="minimum_energy", count=3),
             ballistic("lo", trajectory="lofted", count=3),
             ballistic("de", trajectory="depressed", count=3)]
    _, tab = raid_objects(scenario(tmp_path, raids))
    atacms = CAT.get("targets", "atacms")
    for row in tab.to_pylist():
        _, _, R = GEOD.inv(row["launch_lon_deg"], row["launch_lat_deg"], row["aim_lon_deg"],
                           row["aim_lat_deg"])
        h1 = float(elevation_at(DEM, row["launch_lat_deg"], row["launch_lon_deg"]))
        h2 = float(elevation_at(DEM, row["aim_lat_deg"], row["aim_lon_deg"]))
        arc = ballistic_arc(range_m=R, apogee_m=row["apogee_m"], heights_m=(h1, h2))
        if row["raid_id"] == "me":  # Lambert's minimum-energy arc between the two radii
            r1, r2, Phi = EARTH_RADIUS_M + h1, EARTH_RADIUS_M + h2, R / EARTH_RADIUS_M
            c = math.sqrt(r1**2 + r2**2 - 2 * r1 * r2 * math.cos(Phi))
            v_me = math.sqrt(GM_EARTH * (2 / r1 - 4 / (r1 + r2 + c)))
            assert arc.burnout_speed_mps == pytest.approx(v_me, rel=1e-6)
            gamma = (math.pi / 2 + math.atan2(r2 * math.cos(Phi) - r1, r2 * math.sin(Phi))) / 2
            assert arc.burnout_angle_rad == pytest.approx(gamma, abs=2e-3)
        elif row["raid_id"] == "de":  # the flattest arc the catalog's top burnout speed flies
            assert arc.burnout_speed_mps == pytest.approx(atacms.speed_max_mps.hi, rel=1e-6)
            assert arc.apogee_m < 50e3 * R / 300e3
        else:  # lofted: capped by the catalog apogee (70 km) at these ~130 km ranges
            assert row["apogee_m"] == pytest.approx(atacms.apogee_km.hi * 1e3)
            assert arc.burnout_speed_mps < atacms.speed_max_mps.hi


def test_aircraft_release_short_of_the_aim_and_return(tmp_path):
    r = {"id": "air", "type": "f-16c", "count": 2, "owner": "russia",
         "launch_area": {"lat": 41.5, "lon": 34.0, "radius_km": 5},
         "aim_points": ["ankara-city"], "standoff_km": 60, "alt_m": 8000,
         "speed_mps": 250, "via": [{"lat": 41.0, "lon": 33.8}]}
    paths, tab = raid_objects(scenario(tmp_path, [r]))
    for i, row in enumerate(tab.to_pylist()):
        lat, lon, h = geodetic_of(at(paths, i, row["impact_time_s"])[0][None])
        _, _, d = GEOD.inv(lon[0], lat[0], row["aim_lon_deg"], row["aim_lat_deg"])
        assert d == pytest.approx(60e3, abs=1.0)
        assert h[0] == pytest.approx(8000.0, abs=1.0)
        # back over the take-off point at the end, having flown at 250 m/s all along
        lat, lon, _ = geodetic_of(at(paths, i, row["end_time_s"])[0][None])
        assert (lat[0], lon[0]) == pytest.approx((row["launch_lat_deg"],
                                                  row["launch_lon_deg"]), abs=1e-6)
        t = np.linspace(row["launch_time_s"], row["end_time_s"], 40)
        _, v = positions(paths, t, np.full(t.shape, i))
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 250.0, rtol=1e-3)
        assert row["kind"] == "aircraft"


def test_cruise_and_drone_raids_use_the_dem_and_their_catalog_defaults(tmp_path):
    drone = {"id": "uav", "type": "tb2", "count": 2, "owner": "russia",
             "launch_area": {"lat": 40.6, "lon": 33.0, "radius_km": 2},
             "aim_points": ["s400-1"], "alt_m": 3000}
    cruise = {"id": "cm", "type": "cruise-missile", "count": 2, "owner": "russia",
              "launch_area": {"lat": 41.3, "lon": 33.0, "radius_km": 5},
              "aim_points": ["ankara-city"], "terminal_dive_deg": 20}
    paths, tab = raid_objects(scenario(tmp_path, [cruise, drone]))
    rows = tab.to_pylist()
    assert [r["kind"] for r in rows] == ["cruise"] * 2 + ["drone"] * 2
    tb2 = CAT.get("targets", "tb2")
    dem = builtin_dem()
    for i, row in enumerate(rows):
        target = CAT.get("targets", row["type"])
        assert row["impact_speed_mps"] == target.speed_cruise_mps.value
        mid = 0.5 * (row["launch_time_s"] + row["impact_time_s"])
        lat, lon, h = geodetic_of(at(paths, i, mid)[0][None])
        if row["kind"] == "cruise":  # the catalog's typical 50 m over the DEM, to a few metres
            t = np.linspace(row["launch_time_s"], row["impact_time_s"] - 60.0, 200)
            p, _ = positions(paths, t, np.full(t.shape, i))
            lat, lon, h = geodetic_of(p)
            clear = h - elevation_at(dem, lat, lon)
            assert clear.min() > 50.0 - 5.0
            assert np.median(clear) < 200.0
        if row["kind"] == "drone":
            assert h[0] == pytest.approx(3000.0, abs=1.0)
            _, _, d = GEOD.inv(row["launch_lon_deg"], row["launch_lat_deg"],
                               row["aim_lon_deg"], row["aim_lat_deg"])
            flown = row["impact_time_s"] - row["launch_time_s"]
            assert flown * tb2.speed_cruise_mps.value > d  # a route at altitude is longer
            assert flown * tb2.speed_cruise_mps.value < d * (1 + 1e-3)


def test_ballistic_checks_use_the_farthest_point_of_the_launch_area(tmp_path):
    # s400-1-91n6e (40.08 N, 32.57 E): find a launch centre 280 km away, then a radius that
    # puts the farthest launch point just inside / just outside the catalog's 300 km
    lon, lat, _ = GEOD.fwd(32.57, 40.08, 20.0, 280e3)
    base = ballistic(count=4, aim_points=["s400-1-91n6e"],
                     launch_area={"lat": float(lat), "lon": float(lon), "radius_km": 19.9})
    sc = scenario(tmp_path, [base], "in.yaml")
    _, tab = raid_objects(sc)  # validated, so it builds
    assert tab.num_rows == 4
    base["launch_area"]["radius_km"] = 20.1
    with pytest.raises(ScenarioError, match=r"raids\[bm\]\.aim_points\[0\].*range up to 300 km"):
        scenario(tmp_path, [base], "out.yaml")


def test_crimea_atacms_scenario_builds_its_salvo_in_range():
    root = Path(__file__).parents[1] / "scenarios" / "crimea-2024"
    sc = load_scenario(root / "atacms.yaml")
    paths, tab = raid_objects(sc)
    assert tab.num_rows == sc.raids[0].count == len(paths)
    pos = sc.positions()
    launchers = {lg.id for lg in sc.systems[0].fire_units[0].launchers}
    aims = sc.raids[0].aim_points
    assert {a for a in aims if a.startswith("dzh-lch")} == launchers
    for row in tab.to_pylist():
        assert row["aim_id"] in pos
        _, _, R = GEOD.inv(row["launch_lon_deg"], row["launch_lat_deg"], row["aim_lon_deg"],
                           row["aim_lat_deg"])
        assert 150e3 < R <= 300e3
    grid = yaml.safe_load((root / "salvo-sizes.grid.yml").read_text(encoding="utf-8"))
    assert sc.raids[0].count in grid["raids[atacms].count"]


def test_manoeuvre_and_quasi_ballistic_fields_reach_the_trajectory(tmp_path):
    """The same draws with and without a terminal weave: identical until the weave starts,
    displaced across the track by (A/ω²)(1 − cos ωτ) inside it, on the aim point at impact."""
    iskander = {"id": "isk", "type": "iskander-m", "kind": "quasi_ballistic", "count": 2,
                "owner": "russia", "launch_area": {"lat": 41.0, "lon": 35.0, "radius_km": 5},
                "aim_points": ["s400-1"], "apogee_m": 40000, "reentry_speed_mps": FAST}
    weave = {**iskander, "manoeuvre": {"g": 5, "duration_s": 20, "periods": 1}}
    a, ta = raid_objects(scenario(tmp_path, [iskander], "a.yaml"))
    b, tb = raid_objects(scenario(tmp_path, [weave], "b.yaml"))
    assert ta.column("kind").to_pylist() == ["quasi_ballistic"] * 2
    for i, row in enumerate(ta.to_pylist()):
        t_imp = row["impact_time_s"]
        assert tb.column("impact_time_s")[i].as_py() == pytest.approx(t_imp)
        before = np.linspace(row["launch_time_s"], t_imp - 20.5, 30)
        pa_, _ = positions(a, before, np.full(30, i))
        pb_, _ = positions(b, before, np.full(30, i))
        # each path's chords are within 1 m (sag_m) of the same exact arc
        assert np.linalg.norm(pa_ - pb_, axis=1).max() < 2.0
        tau = 5.0  # a quarter period into the weave: offset A/ω² (1 − cos π/2) = A/ω²
        pa_, _ = positions(a, np.array([t_imp - 20.0 + tau]), np.array([i]))
        pb_, _ = positions(b, np.array([t_imp - 20.0 + tau]), np.array([i]))
        w = 2 * math.pi / 20.0
        assert np.linalg.norm(pb_ - pa_) == pytest.approx(5 * 9.80665 / w**2, abs=2.0)
        pb_, _ = positions(b, np.array([t_imp]), np.array([i]))
        lat, lon, _ = geodetic_of(pb_)
        assert (lat[0], lon[0]) == pytest.approx((row["aim_lat_deg"], row["aim_lon_deg"]),
                                                 abs=1e-7)


def test_aim_points_must_lie_on_the_dem_even_with_sea_level_outside(tmp_path):
    doc = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    doc["terrain"] = {"outside": "sea_level"}
    doc["raids"][0]["aim_points"] = [{"lat": 55.75, "lon": 37.62}]  # Moscow, north of 48 N
    p = tmp_path / "far.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"aim_points\[0\].*DEM extent 28\.000\.\.48\.000 N"):
        load_scenario(p)
    doc["raids"][0]["aim_points"] = [{"lat": 47.9, "lon": 37.62}]  # just inside
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert load_scenario(p).raids[0].aim_points[0].lat == 47.9


def test_atacms_on_a_component_850_m_up_impacts_within_the_component_radius(tmp_path):
    """Mürted's S-400 stands ~830 m up: every ATACMS of a salvo on its radars ends within the
    50 m component radius of the component the engagement model can hit (defended_points, on
    the same DEM), and in its 3-D distance, not only over the map."""
    from functools import partial

    from iads.engagement.setup import defended_points

    sc = scenario(tmp_path, [ballistic(aim_points=["s400-1-91n6e", "fu1-92n6e"],
                                       launch_area={"lat": 41.75, "lon": 32.4, "radius_km": 10},
                                       reentry_speed_mps=1000.0)])
    ground = partial(elevation_at, DEM)
    points = {p.id: p for p in defended_points(sc, ground)}
    paths, tab = raid_objects(sc, terrain=DEM)
    for i, row in enumerate(tab.to_pylist()):
        pt = points[row["aim_id"]]
        _, _, h_pt = geodetic_of(pt.ecef[None])
        assert h_pt[0] > 800.0
        end, v = at(paths, i, row["impact_time_s"])
        assert np.linalg.norm(end - pt.ecef) <= min(1.0, pt.radius_m)
        assert np.linalg.norm(v) == pytest.approx(1000.0, rel=0.02)  # catalog re-entry speed
