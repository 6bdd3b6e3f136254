"""Radar sensors in time: scan schedules, per-look detection physics, plots.

* :mod:`~iads.sensors.scan`: when the beam looks at each object — rotating radars (exact
  beam-crossing times), phased-array search frames and track dwells;
* :mod:`~iads.sensors.geometry`: slant range, azimuth and refracted elevation on the effective
  earth, terrain masking from a minimum-visible-height raster, plots back to ECEF;
* :mod:`~iads.sensors.clutter`: constant-γ land clutter reduced by the MTI improvement factor;
* :mod:`~iads.sensors.jamming`: stand-off and self-protection noise jamming, burn-through;
* :mod:`~iads.sensors.detection`: the placed radar, per-look SNR/SINR/Pd, Bernoulli draws,
  measurement noise, false alarms, and :func:`scan_window` which runs one window of a radar.

Object motion comes from :mod:`iads.kinematics` (exact positions at the look times). Every
random draw comes from the radar's own generator (:func:`iads.rng.component_rng`), so adding a
radar never changes another radar's plots. Analysis only; not for fire control.
"""

from __future__ import annotations

from .clutter import ClutterModel, clutter_rcs_m2, grazing_angles
from .detection import (
    DetectionBatch,
    Looks,
    PlacedRadar,
    ScanResult,
    Signatures,
    converted_measurements,
    detections_to_ecef,
    draw_detections,
    evaluate_looks,
    false_alarm_cells,
    false_alarms,
    placed_radar,
    scan_window,
    signatures,
)
from .geometry import LookGeometry, TerrainMask, look_geometry, measurement_to_ecef
from .jamming import Jammers, burn_through_range, jammer_to_noise, receive_gain
from .scan import (
    Crossings,
    RotatingScan,
    SectorScan,
    beam_azimuth,
    beam_crossings,
    scan_pieces,
    track_dwells,
)

__all__ = [
    "ClutterModel",
    "Crossings",
    "DetectionBatch",
    "Jammers",
    "LookGeometry",
    "Looks",
    "PlacedRadar",
    "RotatingScan",
    "ScanResult",
    "SectorScan",
    "Signatures",
    "TerrainMask",
    "beam_azimuth",
    "beam_crossings",
    "burn_through_range",
    "clutter_rcs_m2",
    "converted_measurements",
    "detections_to_ecef",
    "draw_detections",
    "evaluate_looks",
    "false_alarm_cells",
    "false_alarms",
    "grazing_angles",
    "jammer_to_noise",
    "look_geometry",
    "measurement_to_ecef",
    "placed_radar",
    "receive_gain",
    "scan_pieces",
    "scan_window",
    "signatures",
    "track_dwells",
]
