"""Radar range equation scaled from a reference detection, and the smooth-earth horizon.

Independent references: the R^4 law itself (closed-form ratios), the single-pulse Swerling 1
closed form ``snr = ln Pfa / ln Pd - 1``, and the horizon from plane geometry (a bisection for
the largest central angle at which the straight ray between the two points clears the sphere).
"""

from __future__ import annotations

import numpy as np
import pytest

from iads.catalog.schema import Figure, ReferenceDetection
from iads.radar import (
    EARTH_RADIUS_M,
    detection_probability,
    detection_range,
    detection_range_from_reference,
    reference_snr_db,
    required_snr,
    smooth_earth_horizon_m,
    snr_db_at,
)

REF_R = 250e3
REF_RCS = 2.0


def _reference(pd=0.5, pfa=1e-6, n_pulses=10, swerling=1, rng_km=(250.0, 200.0, 300.0)):
    value, low, high = rng_km
    return ReferenceDetection(
        range_km=Figure(value=value, low=low, high=high, source="test"),
        rcs_m2=Figure(value=2.0, low=1.0, high=5.0, source="test"),
        pd=pd,
        pfa=pfa,
        n_pulses=n_pulses,
        swerling=swerling,
    )


def test_round_trip_snr_at_detection_range_is_required_snr():
    ref_snr = reference_snr_db(0.8, 1e-6, 12, 1)
    rcs = np.array([0.01, 0.1, 1.0, 10.0])[:, None]
    pd = np.array([0.3, 0.5, 0.9])[None, :]
    for case in range(5):
        r = detection_range(rcs, pd, 1e-6, 12, case, REF_R, REF_RCS, ref_snr)
        assert r.shape == (4, 3)
        got = snr_db_at(r, rcs, REF_R, REF_RCS, ref_snr)
        np.testing.assert_allclose(got, required_snr(pd, 1e-6, 12, case) + 0 * rcs, atol=1e-9)
        np.testing.assert_allclose(
            detection_probability(got, 1e-6, 12, case), np.broadcast_to(pd, got.shape), rtol=1e-8
        )


def test_r4_law():
    ref_snr = reference_snr_db(0.5, 1e-6, 10, 1)
    r1 = detection_range(1.0, 0.9, 1e-6, 10, 3, REF_R, REF_RCS, ref_snr)
    r16 = detection_range(16.0, 0.9, 1e-6, 10, 3, REF_R, REF_RCS, ref_snr)
    assert r16 / r1 == pytest.approx(2.0, rel=1e-12)
    s = snr_db_at(np.array([100e3, 200e3]), 1.0, REF_R, REF_RCS, ref_snr)
    assert s[0] - s[1] == pytest.approx(40 * np.log10(2), rel=1e-12)
    assert snr_db_at(REF_R, REF_RCS, REF_R, REF_RCS, 13.0) == pytest.approx(13.0, abs=1e-12)
    assert detection_range(0.0, 0.9, 1e-6, 10, 3, REF_R, REF_RCS, ref_snr) == 0.0


@pytest.mark.parametrize("case", [0, 1, 2, 3, 4])
def test_reference_detection_is_recovered(case):
    ref_snr = reference_snr_db(0.7, 1e-5, 16, case)
    r = detection_range(REF_RCS, 0.7, 1e-5, 16, case, REF_R, REF_RCS, ref_snr)
    assert r == pytest.approx(REF_R, rel=1e-9)


def test_swerling1_single_pulse_closed_form_ratio():
    """Reference and target Swerling 1, one pulse: the range ratio follows from the closed form
    snr = ln Pfa / ln Pd - 1 and the R^4 law alone."""
    pfa, pd_ref, pd = 1e-6, 0.5, np.array([0.1, 0.5, 0.9, 0.99])
    ref = _reference(pd=pd_ref, pfa=pfa, n_pulses=1, swerling=1)
    snr_ref = np.log(pfa) / np.log(pd_ref) - 1
    snr = np.log(pfa) / np.log(pd) - 1
    want = REF_R * (0.5 / REF_RCS * snr_ref / snr) ** 0.25
    got = detection_range_from_reference(ref, 0.5, pd, 1)
    np.testing.assert_allclose(got, want, rtol=1e-7)


def test_from_reference_uses_the_figure_ends():
    """Same Pd and Swerling case as the reference: R = R_ref (sigma / sigma_ref)^(1/4), with the
    pessimistic (low) and optimistic (high) ends of the reference figures."""
    ref = _reference(pd=0.9, pfa=1e-6, n_pulses=8, swerling=3)
    sigma = 0.3
    for which, r_km, s_ref in (("value", 250.0, 2.0), ("low", 200.0, 5.0), ("high", 300.0, 1.0)):
        got = detection_range_from_reference(ref, sigma, 0.9, 3, which=which)
        assert got == pytest.approx(r_km * 1e3 * (sigma / s_ref) ** 0.25, rel=1e-9), which
    ends = ("low", "value", "high")
    low, value, high = (detection_range_from_reference(ref, sigma, 0.5, 1, which=w) for w in ends)
    assert low < value < high
    with pytest.raises(ValueError, match="which"):
        detection_range_from_reference(ref, sigma, 0.9, 3, which="max")


def test_invalid_inputs():
    with pytest.raises(ValueError, match="range_m"):
        snr_db_at(-1.0, 1.0, REF_R, REF_RCS, 10.0)
    with pytest.raises(ValueError, match="rcs_m2"):
        detection_range(-1.0, 0.5, 1e-6, 10, 1, REF_R, REF_RCS, 10.0)
    with pytest.raises(ValueError, match="ref_rcs_m2"):
        detection_range(1.0, 0.5, 1e-6, 10, 1, REF_R, 0.0, 10.0)
    with pytest.raises(ValueError, match="pd"):
        detection_range(1.0, 1e-7, 1e-6, 10, 1, REF_R, REF_RCS, 10.0)
    with pytest.raises(ValueError, match="h1_m"):
        smooth_earth_horizon_m(-5.0, 10.0)


def _horizon_by_geometry(h1, h2, radius):
    """Largest arc along a sphere of ``radius`` between points at heights h1 and h2 whose straight
    connecting segment stays outside the sphere (bisection on the central angle)."""
    r1, r2 = radius + h1, radius + h2
    lo, hi = np.zeros_like(r1), np.full_like(r1, 0.5)
    for _ in range(200):
        theta = 0.5 * (lo + hi)
        chord2 = (r1 - r2) ** 2 + 4 * r1 * r2 * np.sin(theta / 2) ** 2
        # foot of the perpendicular from the centre on the line P1 P2, as a fraction of P1 -> P2
        foot = (r1**2 - r1 * r2 * np.cos(theta)) / chord2
        line_distance = r1 * r2 * np.sin(theta) / np.sqrt(chord2)
        clear = (foot <= 0) | (foot >= 1) | (line_distance >= radius)
        lo = np.where(clear, theta, lo)
        hi = np.where(clear, hi, theta)
    return radius * lo


def test_horizon_against_geometry():
    h1 = np.array([0.0, 10.0, 30.0, 30.0, 100.0, 1000.0, 10000.0])
    h2 = np.array([0.0, 0.0, 10.0, 5000.0, 100.0, 12000.0, 10000.0])
    for k in (1.0, 4.0 / 3.0):
        radius = k * EARTH_RADIUS_M
        # exact tangent-ray arc, and the bisection that checks it (resolution ~ sqrt(eps) R)
        exact = radius * (np.arccos(radius / (radius + h1)) + np.arccos(radius / (radius + h2)))
        np.testing.assert_allclose(_horizon_by_geometry(h1, h2, radius), exact, rtol=0, atol=1.0)
        got = smooth_earth_horizon_m(h1, h2, k=k)
        # first-order formula: it overestimates the arc by a relative 5 h / (12 k a) at most
        rtol = 5 * np.maximum(h1, h2) / (12 * radius)
        assert np.all(got >= exact)
        assert np.all(got - exact <= rtol * exact * 1.001)
    # the radar rule of thumb for the 4/3 earth, d [km] = 4.12 sqrt(h [m]) (a ~ 6370 km)
    assert smooth_earth_horizon_m(10.0, 0.0) == pytest.approx(4.12e3 * np.sqrt(10.0), rel=2e-3)
    assert smooth_earth_horizon_m(np.zeros((2, 3)), 100.0).shape == (2, 3)
