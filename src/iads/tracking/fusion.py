"""Measurement fusion: several radars feeding one tracking node.

The node works in one local ENU frame [m]. Each radar's plots (azimuth, elevation, range about the
radar) become Cartesian detections in that frame by the unbiased converted-measurement transform
(:func:`radar_detections`), and the scans of all radars are processed one after the other in time
order by the same tracker (:func:`fuse_scans`): *sequential-update* measurement fusion. For linear
Gaussian models, updating with two sensors one after the other at the same time is exactly the
joint update with both measurements stacked (tested), so nothing is lost by going sensor by sensor,
and sensors with different revisit times need no special handling.

Analysis only; not for fire control.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .filters import convert_radar_measurements
from .tracker import Detections, Tracker, Tracks

__all__ = ["radar_detections", "fuse_scans"]


def radar_detections(az_rad, el_rad, r_m, sigma_az_rad, sigma_el_rad, sigma_r_m,
                     sensor_enu_m) -> Detections:
    """One radar scan as Cartesian detections in the node's ENU frame.

    Parameters
    ----------
    az_rad, el_rad, r_m
        Plots about the radar (D,): azimuth clockwise from north [rad], elevation [rad], slant
        range [m].
    sigma_az_rad, sigma_el_rad, sigma_r_m
        The radar's measurement noise standard deviations [rad], [rad], [m].
    sensor_enu_m
        The radar's position in the node's ENU frame (3,) [m]. (Over the few hundred km of one
        air picture the radar's own ENU axes are taken as parallel to the node's.)

    Returns
    -------
    Detections
        Positions (D, 3) [m] and per-plot covariances (D, 3, 3) [m²].
    """
    z, R = convert_radar_measurements(az_rad, el_rad, r_m, sigma_az_rad, sigma_el_rad, sigma_r_m)
    return Detections(np.asarray(z).reshape(-1, 3) + np.asarray(sensor_enu_m, float),
                      np.asarray(R).reshape(-1, 3, 3))


def fuse_scans(tracker: Tracker, tracks: Tracks, scans: Iterable[tuple[float, Detections]],
               t0_s: float):
    """Run the tracker over the scans of several sensors, merged in time order.

    Parameters
    ----------
    tracker
        The node's tracker.
    tracks
        Tracks valid at ``t0_s``.
    scans
        ``(time [s], Detections)`` pairs from any sensors, in any order; they are sorted by time
        (stable, so scans with equal times keep their given order).
    t0_s
        Time of ``tracks`` [s].

    Returns
    -------
    tracks, associations, time
        Tracks after the last scan, the list of per-scan
        :class:`~iads.tracking.association.Association` (in processing order) and the time of the
        last scan [s].
    """
    ordered = sorted(scans, key=lambda s: s[0])
    t = float(t0_s)
    out = []
    for ts, det in ordered:
        if ts < t:
            raise ValueError(f"scan at t = {ts} s is before the tracks' time {t} s")
        tracks, assoc = tracker.step(tracks, det, ts - t)
        out.append(assoc)
        t = float(ts)
    return tracks, out, t
