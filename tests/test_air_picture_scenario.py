"""The flagship air picture: ``scenarios/turkey-2019/air-picture*.yaml`` and its generator
``tools/make_air_picture.py`` (claims C2, C3, C4, C12).

References, all outside the code under test:

* the committed file against a fresh run of the generator (it cannot drift);
* the three arrangement variants against what C4 says each one is (which networks feed the
  S-400, which IFF arrangement reads through them), and against each other (nothing else
  differs);
* identities against the decision list documented in :mod:`iads.identification` (C3);
* geometry (speeds, region, orbit, F-35 exposure, Kurecik's boresight) against pyproj
  geodesics computed here, the catalog's speeds and ceilings, and the public coordinates;
* identifiers against ICAO tables: Annex 10 Vol. III address blocks, Annex 2 cruising levels,
  special-purpose Mode 3/A codes.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from iads.catalog import load_catalog
from iads.identification import (
    flight_plan_table,
    flight_plans_from_scenario,
    identify,
    interrogators_from_scenario,
    objects_from_scenario,
)
from iads.scenario import load_scenario
from iads.scenario.safeyaml import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "scenarios" / "turkey-2019"
PICTURE = HERE / "air-picture.yaml"
VARIANTS = ("standalone", "national", "nato")
GEOD = Geod(ellps="WGS84")
MURTED = (40.08, 32.57)  # base.yaml site 'murted' [deg]
FT = 0.3048


def _generator():
    spec = importlib.util.spec_from_file_location("make_air_picture",
                                                  ROOT / "tools" / "make_air_picture.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(mod)
    finally:
        del sys.modules[spec.name]
    return mod


@pytest.fixture(scope="module")
def loaded():
    """The three variants, each loaded once, with their load times [s]."""
    out, seconds = {}, {}
    for v in VARIANTS:
        t0 = time.perf_counter()
        out[v] = load_scenario(HERE / f"air-picture-{v}.yaml")
        seconds[v] = time.perf_counter() - t0
    return out, seconds


@pytest.fixture(scope="module")
def sc(loaded):
    return loaded[0]["standalone"]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _civil(sc):
    return [o for o in sc.air_objects if o.category == "civil"]


# ---- the committed file is the generator's output -------------------------------------------


def test_committed_file_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "air-picture.yaml"
    assert _generator().main(["--out", str(out)]) == 0
    fresh = out.read_bytes()
    assert fresh == PICTURE.read_bytes(), (
        "scenarios/turkey-2019/air-picture.yaml differs from tools/make_air_picture.py's output:"
        " rerun the generator")
    assert len(fresh) < MAX_FILE_BYTES  # the hardened loader's limit


def test_load_time_is_reported(loaded, capsys):
    _, seconds = loaded
    with capsys.disabled():
        print("\nair picture load times [s]: "
              + ", ".join(f"{v} {s:.1f}" for v, s in seconds.items()))
    # a loose bound: ~5 s each on a quiet 2-core machine; a loader gone quadratic fails it
    assert max(seconds.values()) < 30.0


# ---- the three arrangements (C4) -----------------------------------------------------------


def _radars_feeding(sc, system_id):
    """Ids of the radars whose data reach a system's picture: its own, and every radar or
    sensor of every network it belongs to (systems in a network bring their radars)."""
    by_system = {s.id: {r.id for r in s.radars} | {fu.radar.id for fu in s.fire_units}
                 for s in sc.systems}
    out = set(by_system[system_id])
    for n in sc.networks:
        if system_id in n.members:
            for m in n.members:
                out |= by_system.get(m, {m})
    return out


def test_variants_differ_only_in_networks_and_iff(loaded):
    scs = loaded[0]
    base = scs["standalone"].model_dump()
    for v in ("national", "nato"):
        other = scs[v].model_dump()
        same = {k for k in base if k not in ("name", "description", "networks", "iff")}
        assert {k: other[k] for k in same} == {k: base[k] for k in same}, v
    # who feeds the S-400: own radars only; + 5 national radars; + the NATO sensors
    expected_networks = {"standalone": {"s400-tr"},
                         "national": {"s400-tr", "tr-national"},
                         "nato": {"s400-tr", "tr-national", "nato-picture"}}
    expected_feeds = {"standalone": 8, "national": 8 + 5, "nato": 8 + 5 + 4}
    for v, s in scs.items():
        for unit in ("s400-1", "s400-2"):
            assert set(s.networks_of(unit)) == expected_networks[v], (v, unit)
            assert len(_radars_feeding(s, unit)) == expected_feeds[v], (v, unit)
        # the NATO picture exists in every variant; only the S-400's membership changes
        nato = next(n for n in s.networks if n.id == "nato-picture")
        assert {"nato-e3a", "kurecik-tpy2"} <= set(nato.members)
        s400_iff = {a.id for a in s.iff if set(a.interrogators) <= {"s400-1", "s400-2"}}
        assert s400_iff == ({"s400-reads", "s400-nato"} if v == "nato" else {"s400-reads"})
        # every link into the S-400 ends at one of its command posts
        for n in s.networks:
            for link in n.links:
                if link.to.startswith("s400") and n.id != "s400-tr":
                    assert link.to in ("s400-1-cp", "s400-2-cp")


def _s400_identities(s):
    """Identity of every object in the S-400's picture (its own IFF arrangements), with the
    objects' first positions for the flight-plan corridors."""
    arrs = {a.id for a in s.iff if set(a.interrogators) <= {"s400-1", "s400-2"}}
    intrs = [i for i in interrogators_from_scenario(s) if i.arrangement in arrs]
    objs = objects_from_scenario(s)
    lat = [o.route[0].lat for o in s.air_objects]
    lon = [o.route[0].lon for o in s.air_objects]
    out = identify(objs, intrs, flight_plans=flight_plan_table(flight_plans_from_scenario(s)),
                   lat_deg=lat, lon_deg=lon)
    return dict(zip(objs.ids.tolist(), out.labels().tolist(), strict=True))


def test_s400_identities_under_each_arrangement(loaded):
    """C3 through the decision list of iads.identification: with open modes and Turkey's code
    plan, Turkey's jets are assumed friends (code match, row 8), allied aircraft without a
    flight plan unknown (row 11), flight-plan traffic neutral (row 6); Mode 5 through the NATO
    picture authenticates every NATO aircraft (row 3)."""
    for v, s in loaded[0].items():
        ids = _s400_identities(s)
        nato_linked = v == "nato"
        for o in s.air_objects:
            if o.category == "civil":
                want = "neutral"
            elif nato_linked:
                want = "friend"
            elif o.owner == "turkey":
                want = "assumed_friend"
            elif o.flight_plan:
                want = "neutral"
            else:
                want = "unknown"
            assert ids[o.id] == want, (v, o.id, o.owner, o.flight_plan)
        unknown_allied = sorted(o.id for o in s.air_objects
                                if o.category == "allied" and ids[o.id] == "unknown")
        if nato_linked:
            assert unknown_allied == []
        else:  # the F-35 pair and the E-3A itself: allies the S-400 cannot tell apart
            assert unknown_allied == ["NATO01", "USAF-F35-1", "USAF-F35-2"]


# ---- contents and counts -----------------------------------------------------------------------


def test_counts(sc):
    objs = sc.air_objects
    assert len(objs) >= 1000
    radars = [r for s in sc.systems for r in (*s.radars, *(fu.radar for fu in s.fire_units))]
    assert len(radars) + len(sc.sensors) >= 10
    f35 = [o for o in objs if o.type == "f-35a"]
    assert len(f35) == 2 and {(o.owner, o.category) for o in f35} == {("usa", "allied")}
    awacs = [x for x in sc.sensors if x.type == "an-apy-2"]
    assert len(awacs) == 1 and awacs[0].orbit is not None and awacs[0].owner == "nato"
    f16 = [o for o in objs if o.type == "f-16c"]
    assert len(f16) >= 4 and all(o.owner == "turkey" and o.category == "own" for o in f16)
    assert all({"1", "2", "3a", "c", "4", "5"} <= set(o.transponder.modes) for o in f16)
    assert {"national-surveillance", "an-tpy-2", "an-apy-2"} <= {x.type for x in sc.sensors}
    by = {}
    for o in objs:
        by[(o.category, o.type)] = by.get((o.category, o.type), 0) + 1
    print("objects by category and type:", dict(sorted(by.items())))


def test_every_civil_object_has_a_flight_plan_and_mode_s(sc):
    civil = _civil(sc)
    assert len(civil) >= 900
    for o in civil:
        assert o.flight_plan is True, o.id
        assert o.transponder is not None and o.transponder.mode_s, o.id
        assert {"3a", "c", "s", "adsb"} <= set(o.transponder.modes), o.id
    addresses = [o.transponder.mode_s for o in sc.air_objects if o.transponder.mode_s]
    assert len(set(addresses)) == len(addresses)  # 24-bit addresses are unique per airframe
    codes = [o.transponder.code_3a for o in civil]
    assert len(set(codes)) == len(codes)  # discrete codes
    # ICAO special-purpose codes: hijack, radio failure, emergency, conspicuity codes
    assert not {"7500", "7600", "7700", "7000", "2000", "1200", "1000", "0000"} & set(codes)
    military = {o.transponder.code_3a for o in sc.air_objects if o.category != "civil"}
    assert not military & set(codes)  # no civil plan can correlate with a military aircraft


#: ICAO Annex 10 Vol. III address blocks of the airlines' registration states, and the ICAO
#: designators of a few airlines by state (ICAO Doc 8585).
BLOCKS = {"TR": (0x4B8000, 0x4BFFFF), "RU": (0x100000, 0x1FFFFF), "AE": (0x896000, 0x896FFF),
          "QA": (0x06A000, 0x06A3FF), "DE": (0x3C0000, 0x3FFFFF), "IR": (0x730000, 0x737FFF),
          "IL": (0x738000, 0x73FFFF), "UA": (0x508000, 0x50FFFF)}
AIRLINE_STATE = {"THY": "TR", "PGT": "TR", "SXS": "TR", "AFL": "RU", "SBI": "RU", "UAE": "AE",
                 "ETD": "AE", "QTR": "QA", "DLH": "DE", "IRA": "IR", "ELY": "IL", "AUI": "UA"}


def test_mode_s_addresses_lie_in_the_registration_states_blocks(sc):
    checked = 0
    for o in _civil(sc):
        state = AIRLINE_STATE.get(o.id[:3])
        if state is None:
            continue
        lo, hi = BLOCKS[state]
        assert lo <= int(o.transponder.mode_s, 16) <= hi, (o.id, o.transponder.mode_s)
        checked += 1
    assert checked > 0.6 * len(_civil(sc))


# ---- routes --------------------------------------------------------------------------------------


def _legs(o):
    r = o.route
    lat = np.array([w.lat for w in r])
    lon = np.array([w.lon for w in r])
    _, _, d = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.atleast_1d(d), np.diff([w.time_s for w in r])


def test_routes_are_anchored_in_the_hour_and_within_catalog_limits(sc, catalog):
    appear = leave = 0
    for o in sc.air_objects:
        t = np.array([w.time_s for w in o.route])
        assert np.all(np.isfinite(t)) and t[0] >= 0 and t[-1] <= 3600, o.id
        assert np.all(np.diff(t) >= 5.0 - 1e-9), o.id  # anchors at least 5 s apart
        target = catalog.targets[o.type]
        msl = [w.alt_m for w in o.route if w.alt_ref == "msl"]
        assert max(msl, default=0) <= target.altitude_max_m.hi, o.id
        d, dt = _legs(o)
        dh = np.diff([w.alt_m for w in o.route])
        pairs = zip(o.route, o.route[1:], strict=False)
        both_msl = np.array([a.alt_ref == b.alt_ref == "msl" for a, b in pairs])
        path = np.where(both_msl, np.hypot(d, dh), d)
        # times are written to 0.1 s and positions to 1e-4 deg (< 12 m): allow that much
        v = (path - 25.0) / (dt + 0.1)
        assert np.all(v <= target.speed_max_mps.hi), (o.id, v.max())
        appear += t[0] > 0
        leave += t[-1] < 3600
    n = len(sc.air_objects)
    assert appear > 0.25 * n and leave > 0.25 * n  # objects come and go over the hour


def test_civil_routes_stay_within_the_region(sc):
    lat = np.array([w.lat for o in _civil(sc) for w in o.route])
    lon = np.array([w.lon for o in _civil(sc) for w in o.route])
    _, _, d = GEOD.inv(np.full_like(lat, MURTED[1]), np.full_like(lat, MURTED[0]), lon, lat)
    assert d.max() <= 600e3 + 100  # the 91N6E instrumented range, to the rounding of positions
    assert d.max() > 590e3  # and traffic enters and leaves at its edge


def test_civil_cruise_levels_follow_the_semicircular_rule(sc):
    """ICAO Annex 2, Appendix 3: level flight at whole thousands of feet, odd on magnetic
    tracks 000-179, even on 180-359 (magnetic variation 4 E over Ankara)."""
    checked = 0
    for o in _civil(sc):
        d, _ = _legs(o)
        for k, (a, b) in enumerate(zip(o.route, o.route[1:], strict=False)):
            if a.alt_m != b.alt_m or a.alt_m < 3000 or d[k] < 30e3:
                continue
            thousands = a.alt_m / FT / 1000
            assert abs(thousands - round(thousands)) * 1000 * FT < 1.0, (o.id, a.alt_m)
            az, _, _ = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
            mag = (az - 4.0) % 360
            if min(mag, abs(mag - 180), 360 - mag) < 25:  # too near the boundary to judge
                continue
            assert round(thousands) % 2 == (1 if mag < 180 else 0), (o.id, a.alt_m, mag)
            checked += 1
    assert checked > 300


def test_awacs_platform_flies_the_sensor_orbit(sc):
    sensor = next(x for x in sc.sensors if x.id == "nato-e3a")
    orbit = sensor.orbit
    platform = next(o for o in sc.air_objects if o.id == "NATO01")
    assert platform.type == "e-3" and platform.owner == sensor.owner
    lat = np.array([w.lat for w in platform.route])
    lon = np.array([w.lon for w in platform.route])
    az, _, r = GEOD.inv(np.full_like(lat, orbit.lon), np.full_like(lat, orbit.lat), lon, lat)
    assert np.allclose(r, orbit.radius_km * 1e3, atol=500)  # on the circle
    assert platform.route[0].time_s == 0 and abs(az[0]) < 0.5  # north of the centre at 0 s
    # clockwise at the orbit's speed: the bearing advances by speed / radius
    t = np.array([w.time_s for w in platform.route])
    turned = np.unwrap(np.radians(az))
    rate = np.polyfit(t, turned, 1)[0]
    assert rate == pytest.approx(orbit.speed_mps / (orbit.radius_km * 1e3), rel=0.01)
    assert t[-1] > 3000 and all(w.alt_m == orbit.alt_m for w in platform.route)


def test_f35_pair_passes_within_reach_of_murted(sc):
    """C2 exposure: the transit passes ~90 km from the S-400s (within every S-400 radar's
    instrumented range, 300-600 km in the catalog)."""
    for oid in ("USAF-F35-1", "USAF-F35-2"):
        o = next(x for x in sc.air_objects if x.id == oid)
        best = math.inf
        for a, b in zip(o.route, o.route[1:], strict=False):
            pts = np.array(GEOD.npts(a.lon, a.lat, b.lon, b.lat, 400))
            _, _, d = GEOD.inv(np.full(400, MURTED[1]), np.full(400, MURTED[0]),
                               pts[:, 0], pts[:, 1])
            best = min(best, d.min())
        assert 50e3 < best < 150e3, (oid, best)
        assert {"5"} <= set(o.transponder.modes) and not o.flight_plan


def test_kurecik_faces_iran_not_ankara(sc, catalog):
    """C12: the AN/TPY-2 at Kurecik (public-parameters: ~38.35 N, 37.79 E) looks east, away
    from the S-400s."""
    tpy = next(x for x in sc.sensors if x.type == "an-tpy-2")
    pos = sc.position_of(tpy)
    assert (pos.lat, pos.lon) == pytest.approx((38.35, 37.79), abs=0.02)
    half = catalog.radars["an-tpy-2"].azimuth_sector_deg.value / 2

    def off_boresight(lat, lon):
        az, _, _ = GEOD.inv(pos.lon, pos.lat, lon, lat)
        return abs((az - tpy.boresight_deg + 180) % 360 - 180)

    assert off_boresight(39.925, 32.854) > half  # Ankara
    assert off_boresight(*MURTED) > half
    assert off_boresight(35.69, 51.39) < half  # Tehran
