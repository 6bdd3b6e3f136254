"""Noise jamming in a simulation (scenario ``jammer:`` field) against the closed forms.

Independent references (:mod:`iads.sensors.jamming`'s closed forms, themselves checked against
a root search of the look model in test_sensors.py):

* self-protection: an F-16 carrying a jammer flies straight at an L-band surveillance radar.
  Every detection's SINR is the one :func:`iads.sensors.burn_through_range` inverts to its
  range; nothing is detected outside the burn-through range for Pd = 0.01 (the stated Pd
  margin: Swerling fluctuation gives detections well beyond the 50 % range), it is detected
  inside the Pd = 0.5 range, and the unjammed aircraft is detected beyond the Pd = 0.01 range
  (the radar's elevation limit hides it inside ~30 km);
* stand-off: a stationary jammer 90° off the line of sight (sidelobe floor) raises the noise by
  1 + J/N (:func:`iads.sensors.jammer_to_noise`): each detection's SINR is the unjammed
  closed-form SNR less 10 log10(1 + J/N), so the detection range shrinks by (1 + J/N)^(-1/4);
* a jammer outside the radar's band changes nothing; bad jammer data raise ScenarioError.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from iads.catalog import load_catalog
from iads.errors import ScenarioError
from iads.radar import required_snr
from iads.scenario import validate_data
from iads.sensors import burn_through_range, jammer_to_noise
from iads.simulation import SimulationSettings, build_world, simulate

CAT = load_catalog()
FAST = SimulationSettings(terrain=False, false_alarms=False, sample_s=10.0)
SPJ = {"erp_w": 3.0, "bandwidth_mhz": 1000.0, "bands": ["L"]}
SOJ = {"erp_dbw": 20.0, "bandwidth_mhz": 100.0, "bands": ["L", "S"]}
SOJ_LON = 34.5  # ~130 km east of the radar, 90° off the inbound target's bearing


def _scenario(jammer=None, soj=None, events=()):
    ac = {"id": "ac1", "type": "f-16c", "owner": "turkey", "category": "own",
          "route": [{"lat": 41.4, "lon": 33.0, "alt_m": 9000, "speed_mps": 650},
                    {"lat": 39.05, "lon": 33.0, "alt_m": 9000}]}
    if jammer:
        ac["jammer"] = jammer
    objs = [ac]
    if soj:
        objs.append({"id": "soj", "type": "f-16c", "owner": "turkey", "category": "own",
                     "route": [{"lat": 38.8, "lon": SOJ_LON, "alt_m": 9000, "speed_mps": 100},
                               {"lat": 39.2, "lon": SOJ_LON, "alt_m": 9000}],
                     "jammer": soj})
    return validate_data({
        "name": "jamming", "run": {"duration_s": 400, "seed": 9},
        "owners": {"turkey": {"kind": "country"}},
        "sites": {"r": {"lat": 39.0, "lon": 33.0}},
        "sensors": [{"id": "radar-a", "type": "national-surveillance", "owner": "turkey",
                     "site": "r"}],
        "networks": [{"id": "net", "kind": "national", "members": ["radar-a"]}],
        "events": list(events), "air_objects": objs}, CAT)


def _radar():
    return build_world(_scenario(), terrain=False).radars[0].placed


def _run(**kw):
    det = simulate(_scenario(**kw), settings=FAST).detections.to_pandas()
    return det[det.object == 0]


def test_a_destroyed_stand_off_jammer_stops_jamming(clean):
    """The stand-off jammer's aircraft destroyed at 280 s (a scenario event): until then the
    target's detections are the jammed run's; from then on each detection's SINR is the clean
    run's at the same look (no J/N term left), where the jammed run's was lower."""
    t_kill = 280.0
    det = _run(soj=SOJ, events=[{"time_s": t_kill, "kind": "destroy", "target": "soj"}])
    jammed = _run(soj=SOJ)
    pre, ref = det[det.time_s < t_kill], jammed[jammed.time_s < t_kill]
    assert len(pre) >= 3
    np.testing.assert_array_equal(pre.time_s.to_numpy(), ref.time_s.to_numpy())
    np.testing.assert_array_equal(pre.sinr_db.to_numpy(), ref.sinr_db.to_numpy())
    post = det[det.time_s >= t_kill].merge(clean, on="time_s", suffixes=("", "_clean"))
    jam = post.merge(jammed, on="time_s", suffixes=("", "_jammed"))
    assert len(post) >= 3 and len(jam) >= 3
    np.testing.assert_allclose(post.sinr_db, post.sinr_db_clean, atol=1e-9)
    assert (jam.sinr_db > jam.sinr_db_jammed + 3.0).all()


@pytest.fixture(scope="module")
def clean():
    return _run()


def _burn_through(rad, snr_db, erp_w, bw_hz):
    rcs = CAT.targets["f-16c"].rcs_m2[rad.band].nose.value  # inbound: nose sector
    return burn_through_range(rcs, erp_w, bw_hz, snr_db, ref_range_m=rad.ref_range_m,
                              ref_rcs_m2=rad.ref_rcs_m2, ref_snr_db=rad.ref_snr_db,
                              wavelength_m=rad.wavelength_m, gain_db=rad.peak_gain_db,
                              noise_temperature_k=rad.noise_temperature_k,
                              receiver_bandwidth_hz=rad.receiver_bandwidth_hz)


def _req(rad, pd):
    return required_snr(pd, rad.pfa, rad.n_pulses, CAT.targets["f-16c"].swerling[rad.band])


def test_self_protection_jammer_is_seen_only_inside_burn_through(clean):
    rad = _radar()
    erp, bw = SPJ["erp_w"], SPJ["bandwidth_mhz"] * 1e6
    det = _run(jammer=SPJ)
    assert len(det) >= 3
    assert (det.aspect_deg < 45).all()
    # each detection's SINR is the closed form at its range
    got = _burn_through(rad, det.sinr_db.to_numpy(), erp, bw)
    np.testing.assert_allclose(got, det.true_range_m.to_numpy(), rtol=1e-3)
    # the stated Pd margin: nothing beyond the Pd = 0.01 burn-through range (~30 looks, Pd
    # falling outward: expected < 0.3 such detections), seen inside the Pd = 0.5 range
    r_01, r_50 = (_burn_through(rad, _req(rad, p), erp, bw) for p in (0.01, 0.5))
    assert det.true_range_m.max() <= r_01
    assert (det.true_range_m <= r_50).sum() >= 1
    assert clean.true_range_m.max() > r_01  # the jammer is what hides it


def test_stand_off_jammer_shrinks_detection_range_as_j_over_n(clean):
    rad = _radar()
    det = _run(soj=SOJ)
    # the jammer flies a 44 km north-south leg 130 km east: its range varies by < 1.5 % (J/N by
    # < 0.13 dB, the inferred range by < 1 %); its closest range stands for all
    rj = (SOJ_LON - 33.0) * 111.32e3 * math.cos(math.radians(39.0))
    jn = float(jammer_to_noise(rj, math.pi / 2, 10 ** (SOJ["erp_dbw"] / 10),
                               SOJ["bandwidth_mhz"] * 1e6, wavelength_m=rad.wavelength_m,
                               gain_db=rad.peak_gain_db, beamwidth_rad=rad.beamwidth_rad,
                               sidelobe_db=rad.sidelobe_db,
                               noise_temperature_k=rad.noise_temperature_k,
                               receiver_bandwidth_hz=rad.receiver_bandwidth_hz))
    assert jn > 3.0
    loss_db = 10 * math.log10(1 + jn)
    # unjammed SNR of each detection from the clean run's closed form (zero ERP jammer)
    snr = det.sinr_db.to_numpy() + loss_db
    got = _burn_through(rad, snr, 0.0, 1.0)
    np.testing.assert_allclose(got, det.true_range_m.to_numpy(), rtol=2e-2)
    shrink = (1 + jn) ** -0.25
    r_01, r_50 = (_burn_through(rad, _req(rad, p), 0.0, 1.0) for p in (0.01, 0.5))
    assert det.true_range_m.max() <= shrink * r_01
    assert (det.true_range_m <= shrink * r_50).sum() >= 3
    assert clean.true_range_m.max() > max(shrink * r_01, 1.5 * det.true_range_m.max())


def test_jammer_outside_the_radar_band_changes_nothing(clean):
    det = _run(jammer={**SPJ, "bands": ["X"]})
    assert det.time_s.tolist() == clean.time_s.tolist()
    np.testing.assert_array_equal(det.sinr_db.to_numpy(), clean.sinr_db.to_numpy())


@pytest.mark.parametrize("jam, phrase", [
    ({"erp_w": 10.0, "erp_dbw": 10.0, "bandwidth_mhz": 10.0, "bands": ["L"]}, "exactly one"),
    ({"erp_w": 10.0, "bandwidth_mhz": 0.0, "bands": ["L"]}, "bandwidth"),
    ({"erp_w": 10.0, "bandwidth_mhz": 10.0, "bands": []}, "bands"),
])
def test_bad_jammer_raises(jam, phrase):
    with pytest.raises(ScenarioError, match=phrase):
        _scenario(jammer=jam)
