"""The C2 detection table against closed forms and a second route through the physics."""

import dataclasses
import json
import math

import numpy as np
import pytest

from iads.catalog import load_catalog
from iads.cli import main
from iads.detection_table import DEFAULT_TARGETS, detection_table
from iads.radar import detection_probability, smooth_earth_horizon_m, snr_db_at
from iads.radar.range_equation import reference_snr_db

CAT = load_catalog()


def _with_radar(cat, rid, **ref_updates):
    radar = cat.radars[rid]
    ref = radar.reference_detection.model_copy(update=ref_updates)
    radars = dict(cat.radars)
    radars[rid] = radar.model_copy(update={"reference_detection": ref})
    return dataclasses.replace(cat, radars=radars)


def test_swerling1_single_pulse_closed_form():
    """Swerling 1, N = 1 on both sides: SNR = ln Pfa / ln Pd − 1 (linear), so
    R = R_ref · ((σ/σ_ref) · snr_ref / snr)^(1/4) exactly."""
    cat = _with_radar(CAT, "92n6e", n_pulses=1, swerling=1, pd=0.5, pfa=1e-6)
    tg = cat.targets["f-16c"]
    targets = dict(cat.targets)
    targets["f-16c"] = tg.model_copy(update={"swerling": {**tg.swerling, "X": 1}})
    cat = dataclasses.replace(cat, targets=targets)
    rows = detection_table("s-400", targets=("f-16c",), pds=(0.9,), extra_radars=(),
                           catalog=cat)
    row = next(r for r in rows if r.radar == "92n6e")
    ref = cat.radars["92n6e"].reference_detection
    snr_ref = math.log(1e-6) / math.log(0.5) - 1
    snr = math.log(1e-6) / math.log(0.9) - 1
    want = ref.range_km.value * (row.rcs_m2 / ref.rcs_m2.value * snr_ref / snr) ** 0.25
    assert row.free_space_km == pytest.approx(want, rel=1e-6)


def test_rows_reach_their_pd_and_respect_caps():
    rows = detection_table("s-400")
    assert {r.target for r in rows} == set(DEFAULT_TARGETS)
    assert {r.radar for r in rows} >= {"91n6e", "92n6e", "96l6e", "nebo-m"}
    for r in rows:
        ref = CAT.radars[r.radar].reference_detection
        snr0 = reference_snr_db(ref.pd, ref.pfa, ref.n_pulses, ref.swerling)
        snr = snr_db_at(r.free_space_km * 1e3, r.rcs_m2, ref.range_km.value * 1e3,
                        ref.rcs_m2.value, snr0)
        pd = detection_probability(snr, ref.pfa, ref.n_pulses, r.swerling)
        assert pd == pytest.approx(r.pd, abs=1e-6)
        assert r.detection_km == pytest.approx(min(r.free_space_km, r.horizon_km,
                                                   r.instrumented_km))
        assert r.detection_low_km <= r.detection_km <= r.detection_high_km
        ant = CAT.radars[r.radar].antenna_height_m.value
        assert r.horizon_km == pytest.approx(
            smooth_earth_horizon_m(ant, r.target_altitude_m) / 1e3, rel=1e-9)


def test_stealth_shaping_matters_at_x_band_not_at_vhf():
    rows = {(r.radar, r.target, r.pd): r for r in detection_table("s-400", pds=(0.5,))}
    x = rows[("92n6e", "f-35a", 0.5)].detection_km / rows[("92n6e", "f-16c", 0.5)].detection_km
    v = rows[("nebo-m", "f-35a", 0.5)].free_space_km / rows[("nebo-m", "f-16c", 0.5)].free_space_km
    assert x < v  # the F-35 loses more against the X-band radar than against the VHF one
    # R^4 law between two targets of the same Swerling case in free space
    r35, r16 = rows[("92n6e", "f-35a", 0.5)], rows[("92n6e", "f-16c", 0.5)]
    assert r35.swerling == r16.swerling  # the R^4 law below needs the same fluctuation model
    assert r35.free_space_km / r16.free_space_km == pytest.approx(
        (r35.rcs_m2 / r16.rcs_m2) ** 0.25, rel=1e-9)


def test_cli_writes_the_table(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["detection-table", "--out", str(tmp_path)])
    assert e.value.code == 0
    data = json.loads((tmp_path / "detection_table.json").read_text())
    assert len(data) == 4 * len(DEFAULT_TARGETS) * 2
    assert np.isfinite([d["detection_km"] for d in data]).all()
    assert (tmp_path / "detection_table.csv").read_text().count("\n") == len(data) + 1
    assert "f-35a" in (tmp_path / "detection_table.md").read_text()


def test_cli_unknown_system_is_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        main(["detection-table", "--system", "s-4000"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "s-400" in err[0] and "Traceback" not in err[0]
