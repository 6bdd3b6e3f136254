"""Scenario coverage end to end, on the one place the shipped DEM is flat: the open Black Sea.

There every layer has a closed form: the covered ground is a spherical cap (or a sector of one)
whose radius is where the slant range on the effective earth reaches the detection range, and
the engagement zone is the annulus of the missile envelope inside it.
"""

import numpy as np
import pytest

from iads import coverage as cv
from iads.catalog import load_catalog
from iads.coverage_scenario import radar_sites, scenario_coverage
from iads.geodesy import effective_earth_geometry, effective_radius
from iads.radar import detection_range, reference_snr_db
from iads.scenario import validate_data

CAT = load_catalog()
SEA = {"lat": 43.2, "lon": 34.0}  # open Black Sea, > 150 km from any coast


def _scenario(boresight=0.0, sector=None, extra_radar=False, heights=(100.0, 5000.0)):
    radar = {"id": "fu1-92n6e", "type": "92n6e", "boresight_deg": boresight}
    if sector is not None:
        radar["sector_deg"] = sector
    system = {"id": "s1", "type": "s-400", "owner": "x", "site": "sea",
              "fire_units": [{"id": "fu1", "radar": radar, "launchers": [
                  {"id": "l1", "type": "5p85te2", "count": 4, "load": {"48n6e3": 4}}]}]}
    if extra_radar:
        system["radars"] = [{"id": "s1-96l6e", "type": "96l6e"}]
    nets = [{"id": "net", "kind": "battery", "members": ["s1"]}] if extra_radar else []
    return validate_data({
        "name": "sea-test", "networks": nets, "run": {"duration_s": 60, "seed": 1},
        "owners": {"x": {}}, "sites": {"sea": SEA}, "systems": [system],
        "coverage": {"targets": ["f-35a", "f-16c"], "heights_m": list(heights),
                     "max_range_km": 150, "cell_m": 1500, "pd": 0.5},
    })


def _ground_radius(slant_m, h1, h2):
    """Ground range at which the slant range on the effective earth equals ``slant_m``."""
    R = effective_radius()
    r1, r2 = R + h1, R + h2
    return R * np.arccos((r1 * r1 + r2 * r2 - slant_m**2) / (2 * r1 * r2))


def _elevation_radius(el_min_rad, h1, h2):
    """Ground range beyond which the target sinks below the radar's lowest elevation, found
    with the geodesy module's exact geometry (bisection)."""
    lo, hi = 1.0, 2e6
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        _, el = effective_earth_geometry(mid, h1, h2)
        lo, hi = (mid, hi) if el >= el_min_rad else (lo, mid)
    return lo


def _det_range(radar_id, target_id, pd=0.5):
    rd, tg = CAT.radars[radar_id], CAT.targets[target_id]
    ref = rd.reference_detection
    snr0 = reference_snr_db(ref.pd, ref.pfa, ref.n_pulses, ref.swerling)
    return detection_range(tg.rcs_m2[rd.band].nose.value, pd, ref.pfa, ref.n_pulses,
                           tg.swerling[rd.band], ref.range_km.value * 1e3,
                           ref.rcs_m2.value, snr0)


@pytest.fixture(scope="module")
def full_circle():
    sc = _scenario(sector=360)
    return sc, scenario_coverage(sc)


def test_detection_is_the_closed_form_cap(full_circle):
    sc, ds = full_circle
    ant = CAT.radars["92n6e"].antenna_height_m.value
    el_min = np.radians(CAT.radars["92n6e"].elevation_min_deg.value)
    assert float(ds.terrain.values[ds.sizes["y"] // 2, ds.sizes["x"] // 2]) == 0.0
    for t in ("f-35a", "f-16c"):
        r_det = min(_det_range("92n6e", t), 150e3)
        for h in (100.0, 5000.0):
            R = effective_radius()
            horizon = np.sqrt(2 * R * ant) + np.sqrt(2 * R * h)
            radius = min(_ground_radius(r_det, ant, h), horizon, 150e3,
                         _elevation_radius(el_min, ant, h))
            got = float(ds.detection_km2.sel(target=t, height=h))
            want = float(cv.ring_area_km2(radius))
            # 1.5 km cells: the disc's edge is resolved to about a cell
            assert got == pytest.approx(want, rel=0.03 + 2 * 1500 / radius), (t, h)


def test_engagement_is_envelope_within_radar_cover(full_circle):
    sc, ds = full_circle
    m = CAT.missiles["48n6e3"]
    assert bool((ds.engagement <= ds.detection_by_radar.sel(radar="fu1-92n6e")).all())
    eng = ds.engagement.sel(target="f-16c", height=5000.0).values
    det = ds.detection_by_radar.sel(radar="fu1-92n6e", target="f-16c", height=5000.0).values
    x, y = np.meshgrid(ds.x.values, ds.y.values)
    d = np.hypot(x, y)
    ant = CAT.radars["92n6e"].antenna_height_m.value
    low = ds.engagement.sel(target="f-16c", height=100.0).values
    slant_low, _ = effective_earth_geometry(d, ant, 100.0)
    too_close = slant_low < m.range_min_km.value * 1e3
    assert too_close.sum() >= 4 and not low[too_close].any()
    slant, _ = effective_earth_geometry(d, ant, 5000.0)
    ring = (slant > m.range_min_km.value * 1e3 + 2000) & (
        slant < min(m.range_max_km.value * 1e3, 150e3) - 2000)
    assert (eng[ring] == det[ring]).all()
    assert eng[ring].any()


def test_sector_is_a_quarter_and_faces_its_boresight():
    sc = _scenario(boresight=90.0, sector=90)
    ds = scenario_coverage(sc)
    full = _scenario(sector=360)
    a_full = float(scenario_coverage(full).detection_km2.sel(target="f-16c", height=5000.0))
    a = float(ds.detection_km2.sel(target="f-16c", height=5000.0))
    assert a / a_full == pytest.approx(0.25, abs=0.02)
    lay = ds.detection.sel(target="f-16c", height=5000.0).values
    c = ds.sizes["x"] // 2
    assert lay[c, c + 40] and not lay[c, c - 40]  # east seen, west not


def test_union_contains_every_radar():
    sc = _scenario(sector=90, extra_radar=True)
    ds = scenario_coverage(sc)
    assert {s.id for s in radar_sites(sc, CAT)} == {"fu1-92n6e", "s1-96l6e"}
    for r in ds.radar.values:
        assert bool((ds.detection_by_radar.sel(radar=r) <= ds.detection).all())
    # the all-round 96L6E adds to the 90° sector of the 92N6E: the union is strictly larger
    assert int(ds.detection.sum()) > int(ds.detection_by_radar.sel(radar="fu1-92n6e").sum())
    single = ds.detection_by_radar.sum("radar") > 0
    assert bool((single == ds.detection).all())
    # the network holds the whole system: its coverage contains each member radar's
    net = ds.detection_by_network.sel(network="net")
    for r in ds.radar.values:
        assert bool((ds.detection_by_radar.sel(radar=r) <= net).all())
