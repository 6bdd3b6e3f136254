"""The simulation core end to end (iads.simulate, iads.simulation).

Independent references:

* determinism: two runs with one seed give equal tables; another seed other plots; adding a
  sensor leaves every other radar's plots unchanged (the randomness policy);
* the candidate prefilter against a scan over every object (same visible looks);
* plots converted to ECEF against PROJ's geodesic inversion of the sensor model;
* the time-stamped CV prediction against the filter's own transition;
* one aircraft, one radar, no false alarms: GOSPA is exactly the distance between the track and
  the truth (computed here with pyproj from the tracks table), one track, no breaks or swaps,
  confirmation within two revisits of the first possible detection;
* identities recomputed with :func:`iads.identification.identify` from the tracks table;
* the three IFF arrangements of claim C3/C4 on a small scenario: the S-400's own open-mode
  arrangement (Turkey's code plan) makes Turkish jets assumed friends and an allied jet
  unknown; national track links bring national tracks but not their identity; the NATO
  arrangement read through the NATO picture makes both friends;
* events: a disabled radar makes no plots; bad links raise :class:`iads.errors.ScenarioError`
  with the field path.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from pyproj import Transformer

import iads
from iads.catalog import load_catalog
from iads.errors import ScenarioError
from iads.identification import (
    IDENTITY_LABELS,
    Identity,
    Truth,
    behaviour_flags,
    flight_plans_from_scenario,
    identify,
    interrogators_from_scenario,
    objects_from_scenario,
)
from iads.kinematics import geodetic_of, positions
from iads.rng import component_rng
from iads.scenario import validate_data
from iads.sensors import look_geometry, measurement_to_ecef, scan_window
from iads.simulation import SimulationSettings, build_world, simulate
from iads.simulation.nodes import CVTransition, RadarView
from iads.simulation.plots import enu_rows_many, plot_offsets_enu
from iads.simulation.run import objects_in_reach, vertical_speed_bound
from iads.tracking import KalmanFilter

ROOT = Path(__file__).resolve().parents[1]

CAT = load_catalog()
FAST = SimulationSettings(terrain=False, false_alarms=False, sample_s=10.0)
_TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)



def _s400_at_murted(boresight_deg: float) -> dict:
    """One S-400 system at the site "murted": a 91N6E, a command post, one fire unit (92N6E
    facing ``boresight_deg``, four 5P85TE2 launchers of 48N6E3)."""
    return {
        "id": "s400-1", "type": "s-400", "owner": "turkey", "site": "murted",
        "radars": [{"id": "s400-1-91n6e", "type": "91n6e"}],
        "command_post": {"id": "s400-1-cp"},
        "fire_units": [{"id": "fu1", "radar": {"id": "fu1-92n6e", "type": "92n6e",
                                               "boresight_deg": boresight_deg},
                        "launchers": [{"id": "fu1-l", "type": "5p85te2", "count": 4,
                                       "load": {"48n6e3": 4}}]}]}


def _ecef(lat, lon, h):
    x, y, z = _TO_ECEF.transform(lon, lat, h)
    return np.stack([np.asarray(x), np.asarray(y), np.asarray(z)], axis=-1)


def _aircraft(n, seed, lat0=39.8, lon0=32.6, spread=1.2):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lat, lon = lat0 + rng.uniform(-spread, spread), lon0 + rng.uniform(-spread, spread)
        hd = rng.uniform(0, 2 * np.pi)
        civil = i % 3 != 0
        ac = {"id": f"ac{i}", "type": "airliner" if civil else "f-16c",
              "owner": "civil" if civil else "turkey", "category": "civil" if civil else "own",
              "route": [{"lat": lat, "lon": lon, "alt_m": float(rng.uniform(4000, 11000)),
                         "speed_mps": float(rng.uniform(180, 240))},
                        {"lat": lat + 2 * np.cos(hd), "lon": lon + 2 * np.sin(hd),
                         "alt_m": 9000.0}]}
        if civil:
            ac["transponder"] = {"modes": ["3a", "c", "s", "adsb"], "code_3a": f"{0o2100 + i:04o}",
                                 "mode_s": f"4BA{i:03X}"}
            ac["flight_plan"] = True
        else:
            ac["transponder"] = {"modes": ["1", "2", "3a", "c", "5"],
                                 "code_3a": f"{0o4100 + i:04o}"}
        out.append(ac)
    return out


def _battery(extra_sensors=(), n=12, seed=3, duration=120.0, spread=1.2, lat0=39.8,
             lon0=32.6, **over):
    data = {
        "name": "battery",
        "run": {"duration_s": duration, "seed": 5},
        "owners": {"turkey": {"kind": "country"}, "civil": {"kind": "civil"}},
        "sites": {"murted": {"lat": 40.08, "lon": 32.57}, "east": {"lat": 39.9, "lon": 33.4}},
        "systems": [_s400_at_murted(boresight_deg=180)],
        "sensors": [{"id": "tr-east", "type": "national-surveillance", "owner": "turkey",
                     "site": "east"}, *extra_sensors],
        "networks": [{"id": "bat", "kind": "battery", "members": ["s400-1"]}],
        "iff": [{"id": "s400-reads", "interrogators": ["s400-1"], "modes": ["1", "2", "3a", "c"],
                 "keys": ["turkey"]}],
        "air_objects": _aircraft(n, seed, lat0, lon0, spread),
    }
    data.update(over)
    return validate_data(data, CAT)


@pytest.fixture(scope="module")
def battery_run():
    sc = _battery()
    return sc, simulate(sc, settings=SimulationSettings(terrain=False, sample_s=10.0))


# ---- building blocks ----------------------------------------------------------------------


def test_cv_transition_matches_the_filter():
    for noise in ("continuous", "piecewise"):
        kf = KalmanFilter(7.0, ndim=3, noise=noise)
        cv = CVTransition(kf)
        dt = np.array([0.0, 0.37, 2.5, 11.0, 30.0])
        x = np.random.default_rng(1).normal(size=(5, 6))
        P = np.tile(np.eye(6), (5, 1, 1)) * 100.0
        xp, Pp = cv.predict(x, P, dt)
        for k, d in enumerate(dt):
            F, Q = kf.transition(float(d))
            assert np.allclose(xp[k], F @ x[k], rtol=1e-12, atol=1e-9)
            assert np.allclose(Pp[k], F @ P[k] @ F.T + Q, rtol=1e-10, atol=1e-7)


def test_gate_kernel_against_the_filter_algebra():
    from iads.simulation.nodes import _gate_kernel

    kf = KalmanFilter(10.0, ndim=3)
    cv = CVTransition(kf)
    rng = np.random.default_rng(4)
    T, D = 5, 7
    x = rng.normal(0, 1000, (T, 6))
    A = rng.normal(0, 30, (T, 6, 6))
    P = A @ np.swapaxes(A, 1, 2) + np.eye(6)
    t_track = rng.uniform(0, 5, T)
    z = rng.normal(0, 1000, (D, 3))
    B = rng.normal(0, 50, (D, 3, 3))
    R = B @ np.swapaxes(B, 1, 2) + np.eye(3)
    t_plot = rng.uniform(3, 12, D)
    rows, cols = np.repeat(np.arange(T), D), np.tile(np.arange(D), T)
    d2 = np.empty(rows.size)
    S = np.empty((rows.size, 3, 3))
    _gate_kernel(x, P, t_track, rows, cols, z, R, t_plot, cv.Qc[:, :3, :3].copy(), d2, S)
    H = np.eye(3, 6)
    for e, (k, j) in enumerate(zip(rows, cols, strict=True)):
        F, Q = kf.transition(t_plot[j] - t_track[k])
        Sr = H @ (F @ P[k] @ F.T + Q) @ H.T + R[j]
        nu = z[j] - H @ F @ x[k]
        assert np.allclose(S[e], Sr, rtol=1e-9, atol=1e-6)
        assert d2[e] == pytest.approx(nu @ np.linalg.solve(Sr, nu), rel=1e-8)


def test_plot_inversion_agrees_with_proj():
    rp = _ecef(40.0, 32.5, 1000.0)
    rng = np.random.default_rng(2)
    lat = 40.0 + rng.uniform(-4, 4, 300)
    lon = 32.5 + rng.uniform(-5, 5, 300)
    h = rng.uniform(100, 15000, 300)
    op = _ecef(lat, lon, h)
    g = look_geometry(rp, np.zeros(3), op, np.zeros_like(op), 4.0 / 3.0)
    g_ok = g.smooth_los
    assert g_ok.sum() > 100
    mine = plot_offsets_enu(rp, g.range_m, g.azimuth_rad, g.elevation_rad, 4.0 / 3.0)
    ref = measurement_to_ecef(rp, g.range_m, g.azimuth_rad, g.elevation_rad, 4.0 / 3.0)
    rows = enu_rows_many(rp)[0]
    ecef = rp + mine @ rows
    err_ref = np.linalg.norm(ecef - ref, axis=1)[g_ok]
    err_true = np.linalg.norm(ecef - op, axis=1)[g_ok]
    assert err_ref.max() < 20.0 and err_true.max() < 20.0  # m, at up to ~550 km


def test_converted_plots_in_ecef_equal_the_tracking_conversion_rotated():
    # the compiled conversion of plots_from_detections against
    # iads.tracking.convert_radar_measurements and an explicit rotation, for a stationary radar
    # (one frame) and a moving one (a frame per plot)
    from iads.simulation.plots import _converted_ecef
    from iads.tracking import convert_radar_measurements

    rng = np.random.default_rng(4)
    n = 60
    enu = rng.normal(size=(n, 3)) * 1e5
    enu[:, 2] = np.abs(enu[:, 2]) / 10.0
    for rp in (_ecef(40.0, 32.5, 900.0)[None, :],
               _ecef(39.0 + rng.random(n), 33.0 + rng.random(n), np.full(n, 9000.0))):
        rows = enu_rows_many(rp)
        z = np.empty((n, 3))
        R = np.empty((n, 3, 3))
        _converted_ecef(enu, rp, rows, 0.003, 0.004, 50.0, z, R)
        r = np.linalg.norm(enu, axis=1)
        az = np.mod(np.arctan2(enu[:, 0], enu[:, 1]), 2.0 * np.pi)
        el = np.arcsin(enu[:, 2] / r)
        zr, Rr = convert_radar_measurements(az, el, r, 0.003, 0.004, 50.0)
        M = np.broadcast_to(rows, (n, 3, 3))
        np.testing.assert_allclose(z, rp + np.einsum("dki,dk->di", M, zr), rtol=1e-13)
        want = np.einsum("dki,dkl,dlj->dij", M, Rr, M)
        np.testing.assert_allclose(R, want, rtol=0, atol=1e-9 * np.abs(want).max())


@pytest.mark.parametrize("terrain", [False, True])
def test_prefilter_keeps_every_visible_look(terrain):
    sc = _battery(n=40, seed=8, lat0=40.0, lon0=32.3, spread=3.0)
    w = build_world(sc, terrain=terrain)
    climb = vertical_speed_bound(w.paths)
    kept = total = by_terrain = 0
    for r in w.radars:
        view = RadarView(r.placed, r.mask)
        sig = w.signatures[r.placed.band]
        for ta in (0.0, 37.0, 80.0):
            tb = ta + 10.0
            t_ref = round(ta / 10.0) * 10.0
            pos, _ = positions(w.paths, t_ref)
            cand = objects_in_reach(w.paths, pos, geodetic_of(pos)[2], t_ref, view, ta, tb,
                                    climb_mps=climb)
            kept += len(cand)
            total += len(w.paths)
            plain = objects_in_reach(w.paths, pos, geodetic_of(pos)[2], t_ref, view, ta, tb)
            by_terrain += len(plain) - len(cand)
            every = scan_window(r.placed, w.paths, sig, ta, tb, np.random.default_rng(0),
                                mask=r.mask)
            some = scan_window(r.placed, w.paths, sig, ta, tb, np.random.default_rng(0),
                               objects=cand, mask=r.mask)
            vis = {(t, o) for t, o, v in zip(every.looks.time_s, every.looks.object,
                                             every.looks.visible, strict=True) if v}
            vis_c = {(t, o) for t, o, v in zip(some.looks.time_s, some.looks.object,
                                               some.looks.visible, strict=True) if v}
            assert vis == vis_c
    assert kept < total  # and it does leave objects out
    assert (by_terrain > 0) == terrain  # some of them behind the terrain


# ---- determinism --------------------------------------------------------------------------


def _tables(res):
    return {n: res.table(n) for n in ("detections", "tracks", "identities", "gospa",
                                      "continuity", "exposure", "engagement")}


def test_same_seed_same_tables_other_seed_other_plots(battery_run):
    sc, first = battery_run
    again = simulate(sc, settings=SimulationSettings(terrain=False, sample_s=10.0))
    for name, tab in _tables(first).items():  # pandas: NaN equals NaN
        assert tab.to_pandas().equals(_tables(again)[name].to_pandas()), name
    assert first.detections.num_rows > 200
    other = simulate(sc, seed=6, settings=SimulationSettings(terrain=False, sample_s=10.0))
    assert not other.detections.to_pandas().equals(first.detections.to_pandas())
    assert first.meta["seed"] == sc.run.seed == 5 and other.meta["seed"] == 6


def test_adding_a_sensor_leaves_other_radars_plots_unchanged(battery_run):
    sc, first = battery_run
    more = _battery(extra_sensors=[{"id": "tr-north", "type": "national-surveillance",
                                    "owner": "turkey", "position": {"lat": 40.9, "lon": 33.0}}])
    res = simulate(more, settings=SimulationSettings(terrain=False))
    ids_a = first.radars.column("id").to_pylist()
    ids_b = res.radars.column("id").to_pylist()
    assert set(ids_b) - set(ids_a) == {"tr-north"}
    da, db = first.detections.to_pandas(), res.detections.to_pandas()
    for rid in ids_a:
        a = da[da.radar == ids_a.index(rid)].drop(columns="radar").reset_index(drop=True)
        b = db[db.radar == ids_b.index(rid)].drop(columns="radar").reset_index(drop=True)
        assert len(a) > 0
        assert a.equals(b), rid
    # and the new radar's own stream is the one its component generator gives
    assert component_rng(5, "radar", "tr-north").random() != component_rng(
        5, "radar", "tr-east").random()


# ---- a picture checked by hand -------------------------------------------------------------


def _one_target(**over):
    data = {
        "name": "one-target",
        "run": {"duration_s": 300, "seed": 9},
        "owners": {"turkey": {"kind": "country"}, "civil": {"kind": "civil"}},
        "sites": {"r": {"lat": 39.0, "lon": 33.0}},
        "sensors": [{"id": "radar-a", "type": "national-surveillance", "owner": "turkey",
                     "site": "r"}],
        "networks": [{"id": "net", "kind": "national", "members": ["radar-a"]}],
        "air_objects": [{"id": "ac1", "type": "airliner", "owner": "civil",
                         "category": "civil",
                         "route": [{"lat": 39.6, "lon": 32.2, "alt_m": 10000,
                                    "speed_mps": 230},
                                   {"lat": 39.6, "lon": 34.4, "alt_m": 10000}]}],
    }
    data.update(over)
    return validate_data(data, CAT)


def test_one_target_one_radar_by_hand():
    sc = _one_target()
    res = simulate(sc, settings=FAST)
    g = res.gospa.to_pandas()
    tr = res.tracks.to_pandas()
    assert set(tr.follows) == {0}  # every track follows the aircraft
    held = g[g.n_tracks > 0]
    assert len(held) >= 25 and (held.n_truth == 1).all()
    assert (held.n_missed == 0).all() and (held.n_false == 0).all()
    assert np.allclose(held.missed, 0.0) and np.allclose(held["false"], 0.0)
    # before the track exists the one truth is missed: c^p / 2 = 2.5 km
    early = g[(g.n_tracks == 0) & (g.n_truth == 1)]
    assert np.allclose(early.distance_m, 2500.0)
    # localisation only: the distance between the track and the truth (pyproj, p = 1)
    t = tr.time_s.to_numpy()
    pos, _ = positions(build_world(sc, terrain=False).paths, t, np.zeros(t.size, np.int64))
    d = np.linalg.norm(_ecef(tr.lat_deg.to_numpy(), tr.lon_deg.to_numpy(),
                             tr.height_m.to_numpy()) - pos, axis=1)
    ref = dict(zip(t, d, strict=True))
    for _, row in held.iterrows():
        assert row.distance_m == pytest.approx(ref[row.time_s], abs=1e-3)
        assert row.localisation == pytest.approx(ref[row.time_s], abs=1e-3)
    assert np.median(d) < 1000.0  # the track sits on the aircraft
    # continuity: one track, no break, no swap
    c = res.continuity.to_pandas()
    assert c.tracks.tolist() == [1] and c.breaks.tolist() == [0] and c.swaps.tolist() == [0]
    # confirmed two looks (one 12 s revolution) after the first possible detection, reported
    # after its scan window (12 s) and chunk (5 s)
    tt = res.time_to_track.to_pandas()
    assert len(tt) == 1
    assert 12.0 <= tt.delay_s[0] <= 12.0 + 12.0 + 5.0 + 1e-6


def test_phased_array_revisits_its_tracks_every_track_revisit():
    # the 92N6E (boresight south) feeds the battery's picture with the 91N6E; once the
    # picture holds a confirmed track on an object in its sector, it dwells on it every
    # track_revisit_s (catalog) besides its 3 s search frames
    rev = CAT.radars["92n6e"].scan.track_revisit_s.value
    frame = CAT.radars["92n6e"].scan.search_revisit_s.value
    sc = _battery(n=6, seed=5, duration=60.0, spread=0.4, lat0=39.6)

    def intervals(res):
        det = res.detections.to_pandas()
        r = res.radars.column("id").to_pylist().index("fu1-92n6e")
        d = det[(det.radar == r) & (det.object >= 0)]
        return {o: np.diff(np.sort(g.time_s.to_numpy())) for o, g in d.groupby("object")}

    with_dwells = intervals(simulate(sc, settings=FAST))
    dwelt = [o for o, dt in with_dwells.items() if np.isclose(dt, rev, atol=1e-6).sum() >= 20]
    assert dwelt
    search_only = intervals(simulate(sc, settings=replace(FAST, track_dwells=0)))
    for dt in search_only.values():  # one look per search frame at most
        assert np.all(dt > frame - 0.5)


def test_disabled_radar_makes_no_plots():
    sc = _one_target(events=[{"time_s": 60, "kind": "disable", "target": "radar-a"},
                             {"time_s": 150, "kind": "enable", "target": "radar-a"}])
    res = simulate(sc, settings=FAST)
    t = res.detections.column("time_s").to_numpy()
    assert t.size and not ((t >= 60.0) & (t < 150.0)).any()
    assert (t < 60.0).any() and (t >= 150.0).any()


# ---- identification -----------------------------------------------------------------------


def test_identities_equal_identify_on_the_same_inputs(battery_run):
    sc, res = battery_run
    idt = res.identities.to_pandas()
    tr = res.tracks.to_pandas()
    objs = objects_from_scenario(sc)
    intrs = [i for i in interrogators_from_scenario(sc) if i.id == "s400-1"]
    plans = flight_plans_from_scenario(sc)
    n = len(objs)
    checked = 0
    for (node, t), grp in idt.groupby(["node", "time_s"]):
        seen = np.zeros(n, bool)
        lat, lon, sp, cl = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        rows = tr[(tr.node == node) & (tr.time_s == t)].set_index("track_id")
        for o, k in zip(grp.object, grp.track_id, strict=True):
            if k >= 0:
                seen[o] = True
                lat[o], lon[o] = rows.loc[k, "lat_deg"], rows.loc[k, "lon_deg"]
                sp[o], cl[o] = rows.loc[k, "speed_mps"], rows.loc[k, "climb_mps"]
        out = identify(objs, intrs, flight_plans=plans, behaviour=behaviour_flags(sp, cl),
                       seen=seen, lat_deg=lat, lon_deg=lon)
        assert out.identity[grp.object.to_numpy()].tolist() == grp.identity.tolist()
        checked += int(seen.sum())
    assert checked > 100
    # open modes with Turkey's code plan: the Turkish jets are assumed friends, the airliners
    # with flight plans neutral
    last = idt[idt.time_s == idt.time_s.max()]
    labels = {int(o): IDENTITY_LABELS[i] for o, i in zip(last.object, last.identity,
                                                         strict=True) if i}
    for o, lab in labels.items():
        assert lab == ("assumed_friend" if objs.truth[o] == Truth.OWN else "neutral")


def _arrangement(kind):
    """One S-400 at Murted, a Turkish national radar, a NATO E-3; a Turkish F-16, a US F-16 and
    an airliner near Murted; the S-400 stand-alone, linked to the national radar, or also to
    the NATO picture with Mode 5 read through it."""
    obj = [
        {"id": "tur-f16", "type": "f-16c", "owner": "turkey", "category": "own",
         "transponder": {"modes": ["1", "2", "3a", "c", "5"], "code_3a": "4101"},
         "route": [{"lat": 39.7, "lon": 32.0, "alt_m": 8000, "speed_mps": 230},
                   {"lat": 40.5, "lon": 33.2, "alt_m": 8000}]},
        {"id": "usa-f16", "type": "f-16c", "owner": "usa", "category": "allied",
         "transponder": {"modes": ["1", "2", "3a", "c", "5"], "code_3a": "5201"},
         "route": [{"lat": 40.6, "lon": 32.1, "alt_m": 9000, "speed_mps": 230},
                   {"lat": 39.8, "lon": 33.3, "alt_m": 9000}]},
        {"id": "thy1", "type": "airliner", "owner": "civil", "category": "civil",
         "flight_plan": True,
         "transponder": {"modes": ["3a", "c", "s", "adsb"], "code_3a": "2143",
                         "mode_s": "4BA9C1"},
         "route": [{"lat": 40.3, "lon": 31.6, "alt_m": 11000, "speed_mps": 230},
                   {"lat": 39.6, "lon": 33.8, "alt_m": 11000}]},
    ]
    networks = [
        {"id": "s400-tr", "kind": "battery", "members": ["s400-1"],
         "links": [{"from": "s400-1-91n6e", "to": "s400-1-cp", "data": "measurements",
                    "latency_s": 0.5, "update_s": 10}]},
        {"id": "tr-national", "kind": "national", "members": ["tr-radar"]},
        {"id": "nato-picture", "kind": "nato", "members": ["tr-radar", "e3"]},
    ]
    iff = [{"id": "s400-reads", "interrogators": ["s400-1"], "modes": ["1", "2", "3a", "c"],
            "keys": ["turkey"]},
           {"id": "tr-iff", "interrogators": ["tr-radar"],
            "modes": ["1", "2", "3a", "c", "4", "5", "s", "adsb"], "keys": ["turkey", "nato"]},
           {"id": "nato-iff", "interrogators": ["e3"], "modes": ["1", "2", "3a", "c", "5"],
            "keys": ["nato"]}]
    if kind in ("national", "nato"):
        networks[1]["members"].append("s400-1")
        networks[1]["links"] = [{"from": "tr-radar", "to": "s400-1-cp", "data": "tracks",
                                 "latency_s": 4, "update_s": 12}]
    if kind == "nato":
        networks[2]["members"].append("s400-1")
        networks[2]["links"] = [{"from": "e3", "to": "s400-1-cp", "data": "tracks",
                                 "latency_s": 6, "update_s": 12}]
        iff.append({"id": "s400-nato", "interrogators": ["s400-1"], "modes": ["5"],
                    "keys": ["nato"], "via": "nato-picture"})
    data = {
        "name": f"arrangement-{kind}", "run": {"duration_s": 180, "seed": 2},
        "owners": {"nato": {"kind": "alliance"},
                   "turkey": {"kind": "country", "member_of": ["nato"]},
                   "usa": {"kind": "country", "member_of": ["nato"]}, "civil": {"kind": "civil"}},
        "sites": {"murted": {"lat": 40.08, "lon": 32.57}, "ankara-r": {"lat": 40.05, "lon": 33.28}},
        "systems": [_s400_at_murted(boresight_deg=0)],
        "sensors": [{"id": "tr-radar", "type": "national-surveillance", "owner": "turkey",
                     "site": "ankara-r", "iff_standard": "national"},
                    {"id": "e3", "type": "an-apy-2", "owner": "nato",
                     "iff_standard": "nato_mode5",
                     "orbit": {"lat": 39.3, "lon": 33.0, "radius_km": 40, "alt_m": 9000,
                               "speed_mps": 200}}],
        "networks": networks, "iff": iff, "air_objects": obj,
    }
    return validate_data(data, CAT)


@pytest.mark.parametrize("kind", ["standalone", "national", "nato"])
def test_three_arrangements(kind):
    sc = _arrangement(kind)
    res = simulate(sc, settings=FAST)
    nodes = res.nodes.to_pandas().set_index("id")
    cp = int(nodes.loc["s400-1-cp", "node"])
    idt = res.identities.to_pandas()
    idt = idt[(idt.node == cp) & idt.tracked]
    last = idt[idt.time_s == idt.time_s.max()]
    ids = res.objects.column("id").to_pylist()
    got = {ids[o]: IDENTITY_LABELS[i] for o, i in zip(last.object, last.identity, strict=True)}
    assert set(got) == {"tur-f16", "usa-f16", "thy1"}
    if kind == "nato":
        assert got == {"tur-f16": "friend", "usa-f16": "friend", "thy1": "neutral"}
    else:
        assert got == {"tur-f16": "assumed_friend", "usa-f16": "unknown", "thy1": "neutral"}
    # national and NATO links bring other nodes' tracks (formed by the radars' own trackers,
    # feeders) into the S-400's picture, where they fuse with its own
    assert nodes.loc["s400-1-cp", "track_inputs"] == {"standalone": 0, "national": 1,
                                                      "nato": 2}[kind]
    feeders = nodes[~nodes.reported]
    assert set(feeders.index) == {"standalone": set(), "national": {"tr-radar"},
                                  "nato": {"tr-radar", "e3"}}[kind]
    assert (feeders.plots_tracked > 0).all()
    # the allied jet inside the S-400's envelope: minutes labelled unknown unless NATO
    eng = res.engagement.to_pandas()
    usa = eng[eng.object == ids.index("usa-f16")]
    assert usa.minutes_inside.sum() > 1.0
    risk = usa.minutes_unknown_or_suspect.sum()
    assert (risk == 0.0) if kind == "nato" else (risk > 1.0)
    assert Identity.FRIEND == 3  # the STANAG 1241 order the tables use


# ---- errors and output --------------------------------------------------------------------


def test_links_the_simulator_cannot_follow_raise_scenario_errors():
    bad = _battery(networks=[{"id": "bat", "kind": "battery", "members": ["s400-1"],
                              "links": [{"from": "s400-1-cp", "to": "fu1", "data": "tracks"}]}])
    with pytest.raises(ScenarioError) as e:
        simulate(bad, duration_s=10.0, settings=FAST)
    assert e.value.field == "networks[0].links[0].from"
    bad = _battery(networks=[{"id": "bat", "kind": "battery", "members": ["s400-1"],
                              "links": [{"from": "s400-1-cp", "to": "fu1",
                                         "data": "measurements"}]}])
    with pytest.raises(ScenarioError) as e:
        simulate(bad, duration_s=10.0, settings=FAST)
    assert e.value.field == "networks[0].links[0].from"


def test_write_parquet_and_public_api(tmp_path, battery_run):
    _, res = battery_run
    paths = res.write(tmp_path / "out")
    names = {p.name for p in paths}
    assert "gospa.parquet" in names and "run.json" in names
    back = pq.read_table(tmp_path / "out" / "identities.parquet")
    assert back.to_pandas().equals(res.identities.to_pandas())
    assert callable(iads.simulate) and "simulate" in iads.__all__
    rows = res.node_summary()
    assert [r["node"] for r in rows] == ["bat"]
    assert rows[0]["identity_matrix"].shape == (5, 7)


def test_a_metric_look_leaves_a_fire_control_picture_as_it_was():
    """A metric sample's look (``observe``) at a picture that feeds fire control correlates
    on a copy of the node's correlator: the correlator's state is unchanged by it, and the
    node's next operational look is the same picture as in the same run without the sample's
    look. Two command posts exchanging tracks (raid-ankara.yaml) make a correlator with
    several sources."""
    from iads.simulation.run import _Run

    sc = iads.load_scenario(ROOT / "scenarios/turkey-2019/raid-ankara.yaml")
    world = build_world(sc, duration_s=200.0, terrain=False)
    s = SimulationSettings(terrain=False)
    out = []
    for look in (False, True):
        run = _Run(replace(world, destroyed_at=world.destroyed_at.copy()), s, None)
        run.schedule()
        run.eng.run(until=141.0)
        n = run.fc.systems[0].node
        node = run.nodes[n]
        assert node.operational and len(node.model.tracks) >= 1
        if look:
            before = (node.correlator._member, node.correlator._reporter,
                      dict(node.correlator._born), node.correlator._seq)
            seen = run.picture(n, 141.5, observe=True)
            assert len(seen) > 0
            after = (node.correlator._member, node.correlator._reporter,
                     node.correlator._born, node.correlator._seq)
            for a, b in zip(before[:2], after[:2], strict=True):
                for x, y in zip(a, b, strict=True):
                    np.testing.assert_array_equal(x, y)
            assert before[2:] == after[2:]
        run.eng.run(until=142.5)
        out.append(run.picture(n, 142.5))
    a, b = out
    np.testing.assert_array_equal(a.track_id, b.track_id)
    np.testing.assert_array_equal(a.x, b.x)
