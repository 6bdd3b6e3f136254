"""Ground clutter for low flyers: a constant-γ area-clutter model on the effective earth.

The clutter competing with a target at slant range R is the ground patch at the same range in
the same azimuth beam. Its radar cross-section is

    σ_c = σ⁰ · A · F²(Δ),   σ⁰ = γ sin ψ   (constant-γ model),
    A = min(R θ_az ΔR / cos ψ,  π/4 · R² θ_az θ_el / sin ψ)   (pulse- or beam-limited patch),

with ψ the grazing angle at the patch, ΔR the range resolution, θ_az, θ_el the beamwidths, and
F²(Δ) the two-way elevation pattern at the angle Δ = el_target + δ between the beam (pointed at
the target) and the patch (δ below the horizontal): a Gaussian beam,
``F² = max(exp(-8 ln2 (Δ/θ_el)²), floor)``, the floor standing for the sidelobes. On the
effective earth of radius kₑ = k·a, for an antenna ``h`` above the local ground,

    sin ψ = (h (2kₑ + h) - R²) / (2 kₑ R),   sin δ = (h (2kₑ + h) + R²) / (2 (kₑ + h) R),

so the clutter vanishes beyond the radar horizon (ψ ≤ 0: the patch is shadowed) and below the
antenna height (R < h). The radar constant cancels between target and clutter in the same cell
(both ∝ σ/R⁴), so the clutter-to-noise ratio comes from the same reference scaling as the
target's SNR (:func:`iads.radar.snr_db_at` with σ = σ_c), and MTI/Doppler processing divides
it by the catalogued improvement factor I: ``SINR = S / (N + C/I + J)``. The clutter
decreases with the target's elevation (the beam lifts off the ground) and with range.

Not modelled: discrete clutter from terrain peaks and buildings, the terrain's actual slope and
shadowing (the smooth earth stands for it), clutter Doppler spread and blind speeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..geodesy import K_STANDARD, WGS84_A

__all__ = ["ClutterModel", "grazing_angles", "clutter_rcs_m2"]

_EIGHT_LN2 = 8.0 * math.log(2.0)


@dataclass(frozen=True)
class ClutterModel:
    """Land clutter parameters.

    Attributes
    ----------
    gamma_db
        Constant-γ reflectivity 10 log10 γ [dB]: about -10 for mountains and cities, -15 for
        wooded hills (default), -20 to -25 for farmland and open rural land (Nathanson,
        *Radar Design Principles*, ch. 7; Long, *Radar Reflectivity of Land and Sea*).
    floor_db
        Two-way pattern floor relative to the beam peak [dB] (sidelobes), -60 by default
        (-30 dB one-way).
    """

    gamma_db: float = -15.0
    floor_db: float = -60.0


def grazing_angles(range_m, antenna_agl_m, k: float = K_STANDARD):
    """Grazing angle ψ at, and depression angle δ to, the ground at a slant range.

    Parameters
    ----------
    range_m
        Slant range to the ground patch [m].
    antenna_agl_m
        Antenna height above the local ground [m].
    k
        Effective earth radius factor [-].

    Returns
    -------
    psi_rad, delta_rad
        Grazing angle [rad] (NaN where no ground lies at that range: beyond the horizon or
        closer than the antenna height) and depression below the horizontal [rad].
    """
    r = np.asarray(range_m, float)
    h = np.asarray(antenna_agl_m, float)
    ke = k * WGS84_A
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_psi = (h * (2.0 * ke + h) - r * r) / (2.0 * ke * r)
        sin_delta = (h * (2.0 * ke + h) + r * r) / (2.0 * (ke + h) * r)
        ok = (sin_psi > 0.0) & (sin_psi <= 1.0) & (r >= h)
        psi = np.where(ok, np.arcsin(np.clip(sin_psi, 0.0, 1.0)), np.nan)
        delta = np.where(ok, np.arcsin(np.clip(sin_delta, -1.0, 1.0)), np.nan)
    return psi, delta


def clutter_rcs_m2(range_m, target_elevation_rad, antenna_agl_m, *, gamma_db: float,
                   beamwidth_az_rad: float, beamwidth_el_rad: float, range_resolution_m: float,
                   floor_db: float = -60.0, k: float = K_STANDARD) -> np.ndarray:
    """Radar cross-section of the ground clutter in the target's resolution cell [m²].

    Parameters
    ----------
    range_m
        Target slant range [m].
    target_elevation_rad
        Elevation of the target, where the beam points [rad].
    antenna_agl_m
        Antenna height above the local ground [m].
    gamma_db
        Constant-γ reflectivity [dB].
    beamwidth_az_rad, beamwidth_el_rad
        Two-sided 3 dB beamwidths [rad].
    range_resolution_m
        Range resolution ΔR = cτ/2 [m].
    floor_db
        Two-way pattern floor [dB].
    k
        Effective earth radius factor [-].

    Returns
    -------
    numpy.ndarray
        σ_c [m²]; 0 where no ground is at that range.
    """
    r = np.asarray(range_m, float)
    psi, delta = grazing_angles(r, antenna_agl_m, k)
    gamma = 10.0 ** (gamma_db / 10.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sp, cp = np.sin(psi), np.cos(psi)
        area = np.minimum(r * beamwidth_az_rad * range_resolution_m / cp,
                          0.25 * np.pi * r * r * beamwidth_az_rad * beamwidth_el_rad / sp)
        off = (np.asarray(target_elevation_rad, float) + delta) / beamwidth_el_rad
        pattern = np.maximum(np.exp(-_EIGHT_LN2 * off * off), 10.0 ** (floor_db / 10.0))
        sigma = gamma * sp * area * pattern
    return np.where(np.isnan(psi), 0.0, sigma)
