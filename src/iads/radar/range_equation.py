"""Radar range equation scaled from a reference detection, and the smooth-earth radio horizon.

Public figures rarely give a radar's power, gain and losses; they give a detection: "a target of
RCS sigma_ref is detected at R_ref". With everything else fixed the received SNR is proportional
to ``sigma / R^4``, so one reference detection calibrates the whole curve:

    SNR(R, sigma) [dB] = SNR_ref + 10 log10(sigma / sigma_ref) + 40 log10(R_ref / R)

where ``SNR_ref`` is the per-pulse SNR the stated reference detection (its Pd, Pfa, pulses and
Swerling case) implies (:func:`reference_snr_db`). Free space only: terrain masking, the horizon,
multipath and atmospheric loss are applied elsewhere.
"""

from __future__ import annotations

import numpy as np

from .swerling import required_snr

__all__ = [
    "EARTH_RADIUS_M",
    "reference_snr_db",
    "snr_db_at",
    "detection_range",
    "detection_range_from_reference",
    "smooth_earth_horizon_m",
]

#: Equatorial radius of the WGS 84 ellipsoid [m].
EARTH_RADIUS_M = 6_378_137.0

_WHICH = ("value", "low", "high")


def _positive(name, value, allow_zero=False):
    arr = np.asarray(value, dtype=float)
    ok = (arr >= 0.0) if allow_zero else (arr > 0.0)
    ok &= np.isfinite(arr)
    if not np.all(ok):
        what = "finite and >= 0" if allow_zero else "finite and > 0"
        raise ValueError(f"{name} must be {what}; got {arr[~ok].flat[0]!r}")
    return arr


def _out(arr):
    return float(arr) if np.ndim(arr) == 0 else arr


def reference_snr_db(pd, pfa, n_pulses, swerling):
    """Per-pulse SNR implied by a stated reference detection.

    Parameters
    ----------
    pd : array_like
        Stated probability of detection of the reference, in (pfa, 1) [-].
    pfa : array_like
        False-alarm probability, in (0, 1) [-].
    n_pulses : array_like of int
        Pulses integrated non-coherently [-].
    swerling : array_like of int
        Swerling case 0-4 of the reference target [-].

    Returns
    -------
    numpy.ndarray or float
        Per-pulse SNR at the reference range and RCS [dB].
    """
    return required_snr(pd, pfa, n_pulses, swerling)


def snr_db_at(range_m, rcs_m2, ref_range_m, ref_rcs_m2, ref_snr_db):
    """Per-pulse SNR of a target at a range, scaled from the reference as ``sigma / R^4``.

    Parameters
    ----------
    range_m : array_like
        Target range, > 0 [m].
    rcs_m2 : array_like
        Target radar cross-section, >= 0 (0 gives ``-inf``) [m^2].
    ref_range_m : array_like
        Range of the reference detection, > 0 [m].
    ref_rcs_m2 : array_like
        RCS of the reference target, > 0 [m^2].
    ref_snr_db : array_like
        Per-pulse SNR of the reference detection (:func:`reference_snr_db`) [dB].

    Returns
    -------
    numpy.ndarray or float
        Per-pulse SNR [dB], broadcast over the arguments.
    """
    r = _positive("range_m", range_m)
    s = _positive("rcs_m2", rcs_m2, allow_zero=True)
    r0 = _positive("ref_range_m", ref_range_m)
    s0 = _positive("ref_rcs_m2", ref_rcs_m2)
    with np.errstate(divide="ignore"):
        gain_db = 10.0 * np.log10(s / s0) + 40.0 * np.log10(r0 / r)
    out = np.asarray(ref_snr_db, dtype=float) + gain_db
    return _out(out)


def detection_range(rcs_m2, pd, pfa, n_pulses, swerling, ref_range_m, ref_rcs_m2, ref_snr_db):
    """Free-space range at which a target is detected with probability ``pd``.

    Parameters
    ----------
    rcs_m2 : array_like
        Target radar cross-section, >= 0 [m^2] (0 gives range 0).
    pd : array_like
        Wanted probability of detection per scan, in (pfa, 1) [-].
    pfa : array_like
        The radar's false-alarm probability, in (0, 1) [-].
    n_pulses : array_like of int
        Pulses the radar integrates non-coherently [-].
    swerling : array_like of int
        Swerling case 0-4 of this target (not of the reference) [-].
    ref_range_m, ref_rcs_m2, ref_snr_db : array_like
        The reference detection: range [m], RCS [m^2] and per-pulse SNR [dB].

    Returns
    -------
    numpy.ndarray or float
        Range at which the SNR falls to :func:`~iads.radar.required_snr` [m].
    """
    s = _positive("rcs_m2", rcs_m2, allow_zero=True)
    r0 = _positive("ref_range_m", ref_range_m)
    s0 = _positive("ref_rcs_m2", ref_rcs_m2)
    need = np.asarray(required_snr(pd, pfa, n_pulses, swerling), dtype=float)
    with np.errstate(divide="ignore"):
        margin_db = np.asarray(ref_snr_db, dtype=float) + 10.0 * np.log10(s / s0) - need
    return _out(r0 * np.power(10.0, margin_db / 40.0))


def detection_range_from_reference(ref, rcs_m2, pd, swerling, which="value"):
    """:func:`detection_range` for a catalog :class:`~iads.catalog.schema.ReferenceDetection`.

    Parameters
    ----------
    ref : iads.catalog.schema.ReferenceDetection
        The radar's stated reference detection (range in km, RCS in m^2, Pd, Pfa, pulses,
        Swerling case).
    rcs_m2 : array_like
        Target radar cross-section [m^2].
    pd : array_like
        Wanted probability of detection per scan [-].
    swerling : array_like of int
        Swerling case of the target [-].
    which : {"value", "low", "high"}
        Which end of the reference figures to use: ``"value"`` the central values; ``"low"`` the
        pessimistic end (low reference range, high reference RCS), ``"high"`` the optimistic end
        (high reference range, low reference RCS), i.e. the smallest and largest detection range
        the figures' ranges allow.

    Returns
    -------
    numpy.ndarray or float
        Free-space detection range [m].
    """
    if which not in _WHICH:
        raise ValueError(f"which must be one of {', '.join(map(repr, _WHICH))}; got {which!r}")
    if which == "value":
        range_km, ref_rcs = ref.range_km.value, ref.rcs_m2.value
    elif which == "low":
        range_km, ref_rcs = ref.range_km.lo, ref.rcs_m2.hi
    else:
        range_km, ref_rcs = ref.range_km.hi, ref.rcs_m2.lo
    ref_snr = reference_snr_db(ref.pd, ref.pfa, ref.n_pulses, ref.swerling)
    return detection_range(
        rcs_m2, pd, ref.pfa, ref.n_pulses, swerling, range_km * 1000.0, ref_rcs, ref_snr
    )


def smooth_earth_horizon_m(h1_m, h2_m, k=4.0 / 3.0):
    """Radio horizon between two heights over a smooth earth of effective radius ``k a``.

    ``d = sqrt(2 k a h1) + sqrt(2 k a h2)``, ``a`` = :data:`EARTH_RADIUS_M`: the classic
    first-order form of the tangent-ray geometry. It differs from the exact arc length along the
    effective earth by a relative ``5h / (12 k a)`` and from the straight tangent ray by
    ``h / (4 k a)`` (under 5e-4 for ``h`` = 10 km, ``k`` = 4/3).

    Parameters
    ----------
    h1_m, h2_m : array_like
        Heights above the smooth earth of the antenna and the target, >= 0 [m].
    k : float
        Effective earth-radius factor (4/3 for the standard atmosphere) [-].

    Returns
    -------
    numpy.ndarray or float
        Maximum distance along the effective earth at which the two see each other [m].
    """
    h1 = _positive("h1_m", h1_m, allow_zero=True)
    h2 = _positive("h2_m", h2_m, allow_zero=True)
    kk = _positive("k", k)
    two_ka = 2.0 * kk * EARTH_RADIUS_M
    return _out(np.sqrt(two_ka * h1) + np.sqrt(two_ka * h2))
