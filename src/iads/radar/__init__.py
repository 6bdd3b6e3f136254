"""Radar detection physics: exact Swerling 0-4 detection probability and the range equation.

* :mod:`iads.radar.swerling`: probability of detection of a square-law detector after
  non-coherent integration of N pulses, threshold set by the false-alarm probability, for the
  Swerling 0-4 targets (exact closed forms), and its exact inverse, the required per-pulse SNR.
* :mod:`iads.radar.range_equation`: free-space SNR and detection range scaled from a catalogued
  reference detection (SNR proportional to RCS / R^4), and the smooth-earth radio horizon.

Units: SNR per pulse in [dB], ranges and heights in [m], RCS in [m^2], probabilities in [-].
"""

from __future__ import annotations

from .range_equation import (
    EARTH_RADIUS_M,
    detection_range,
    detection_range_from_reference,
    reference_snr_db,
    smooth_earth_horizon_m,
    snr_db_at,
)
from .swerling import SWERLING_CASES, detection_probability, required_snr, threshold

__all__ = [
    "EARTH_RADIUS_M",
    "SWERLING_CASES",
    "detection_probability",
    "detection_range",
    "detection_range_from_reference",
    "reference_snr_db",
    "required_snr",
    "smooth_earth_horizon_m",
    "snr_db_at",
    "threshold",
]
