"""Noise jamming as an interference term: stand-off and self-protection jammers.

A noise jammer of effective radiated power ERP [W] spread over a bandwidth B_j, at range R_j
from the radar and seen at an angle Δ off the radar beam, raises the radar's noise by

    J/N = ERP · G(Δ) · λ² / ((4π)² R_j² · k_B T_s · max(B_j, B_r))

(the one-way beacon equation; B_r = c/(2ΔR) is the receiver bandwidth: a jammer wider than the
receiver puts a fraction B_r/B_j of its power in it, a narrower one all of it). G is the radar's
receive gain toward the jammer: a Gaussian main beam of 3 dB width θ with a constant sidelobe
floor, ``G(Δ) = G₀ max(exp(-4 ln2 (Δ/θ)²), SL)``.

* **Self-protection** (the jammer rides on the target): Δ = 0 and R_j = R, so J ∝ 1/R² while
  S ∝ 1/R⁴: S/J ∝ 1/R² (J/S ∝ R²). The **burn-through range** is where S/(N + J) reaches the
  required SNR; with ``S/N = A/R⁴`` and ``J/N = B/R²`` it is the root of
  ``R⁴ + B R² - A/SNR_req = 0``: ``R² = (√(B² + 4A/SNR_req) - B)/2``
  (:func:`burn_through_range`).
* **Stand-off** jammers sit elsewhere, usually in the sidelobes (Δ > θ): J/N ∝ ERP·SL/R_j².

The jammer's effect is treated as extra white noise: with CFAR the threshold rises with it, so
Pd follows from the Swerling model at the SINR at the same Pfa. Jammers are assumed to cover the
radar's band; the caller passes the ones that do. A jammer masked by terrain or the horizon
contributes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BOLTZMANN",
    "SPEED_OF_LIGHT",
    "Jammers",
    "receive_gain",
    "jammer_to_noise",
    "burn_through_range",
]

BOLTZMANN = 1.380649e-23  #: Boltzmann constant [J/K]
SPEED_OF_LIGHT = 299_792_458.0  #: [m/s]
_FOUR_LN2 = 4.0 * math.log(2.0)


@dataclass(frozen=True)
class Jammers:
    """Noise jammers carried by objects of the simulation's paths.

    Attributes
    ----------
    objects
        Rows of the carriers in the paths (J,) int: a self-protection jammer is carried by the
        target it protects, a stand-off jammer by its own aircraft (or a stationary path).
    erp_w
        Effective radiated power toward the radar, within the jamming band, (J,) [W].
    bandwidth_hz
        Jamming bandwidth (J,) [Hz].
    silent_from_s
        Time from which each jammer is silent (J,) [s]: its carrier destroyed; +inf (the
        default): it jams as long as its carrier flies.
    """

    objects: np.ndarray
    erp_w: np.ndarray
    bandwidth_hz: np.ndarray
    silent_from_s: np.ndarray | float = math.inf

    def __post_init__(self):
        o = np.asarray(self.objects, np.int64).reshape(-1)
        e = np.broadcast_to(np.asarray(self.erp_w, float), o.shape).copy()
        b = np.broadcast_to(np.asarray(self.bandwidth_hz, float), o.shape).copy()
        s = np.broadcast_to(np.asarray(self.silent_from_s, float), o.shape).copy()
        if np.any(e < 0) or np.any(~(b > 0)):
            raise ValueError("jammer erp_w must be >= 0 and bandwidth_hz > 0")
        object.__setattr__(self, "objects", o)
        object.__setattr__(self, "erp_w", e)
        object.__setattr__(self, "bandwidth_hz", b)
        object.__setattr__(self, "silent_from_s", s)

    def __len__(self) -> int:
        return self.objects.shape[0]


def receive_gain(off_axis_rad, gain_db: float, beamwidth_rad: float,
                 sidelobe_db: float) -> np.ndarray:
    """One-way antenna gain at an angle off the beam axis [-] (linear).

    Gaussian main beam of 3 dB width ``beamwidth_rad`` [rad], peak ``gain_db`` [dBi], floored
    at ``sidelobe_db`` [dB] below the peak.
    """
    x = np.asarray(off_axis_rad, float) / beamwidth_rad
    g0 = 10.0 ** (gain_db / 10.0)
    return g0 * np.maximum(np.exp(-_FOUR_LN2 * x * x), 10.0 ** (sidelobe_db / 10.0))


def jammer_to_noise(jammer_range_m, off_axis_rad, erp_w, bandwidth_hz, *, wavelength_m: float,
                    gain_db: float, beamwidth_rad: float, sidelobe_db: float,
                    noise_temperature_k: float, receiver_bandwidth_hz: float) -> np.ndarray:
    """Jammer-to-noise ratio at the radar receiver [-] (linear), broadcast over jammers.

    Parameters
    ----------
    jammer_range_m
        Range from the radar to the jammer [m].
    off_axis_rad
        Angle between the beam and the jammer's direction [rad].
    erp_w, bandwidth_hz
        Jammer ERP [W] and bandwidth [Hz].
    wavelength_m
        Radar wavelength [m].
    gain_db, beamwidth_rad, sidelobe_db
        Receive antenna: peak gain [dBi], 3 dB beamwidth [rad], sidelobe floor [dB].
    noise_temperature_k
        System noise temperature [K].
    receiver_bandwidth_hz
        Receiver bandwidth [Hz].
    """
    g = receive_gain(off_axis_rad, gain_db, beamwidth_rad, sidelobe_db)
    r = np.asarray(jammer_range_m, float)
    b = np.maximum(np.asarray(bandwidth_hz, float), receiver_bandwidth_hz)
    with np.errstate(divide="ignore"):
        return (np.asarray(erp_w, float) * g * wavelength_m**2
                / ((4.0 * math.pi) ** 2 * r * r * BOLTZMANN * noise_temperature_k * b))


def burn_through_range(rcs_m2, erp_w, bandwidth_hz, required_snr_db, *, ref_range_m: float,
                       ref_rcs_m2: float, ref_snr_db: float, wavelength_m: float,
                       gain_db: float, noise_temperature_k: float,
                       receiver_bandwidth_hz: float):
    """Range inside which a target with a self-protection jammer reaches the required SINR.

    Parameters
    ----------
    rcs_m2
        Target RCS [m²].
    erp_w, bandwidth_hz
        Its jammer's ERP [W] and bandwidth [Hz].
    required_snr_db
        SINR needed for the wanted Pd (:func:`iads.radar.required_snr`) [dB].
    ref_range_m, ref_rcs_m2, ref_snr_db
        The radar's reference detection [m], [m²], [dB].
    wavelength_m, gain_db, noise_temperature_k, receiver_bandwidth_hz
        As :func:`jammer_to_noise` (the jammer is in the main beam).

    Returns
    -------
    numpy.ndarray or float
        Burn-through range [m]; without jamming it is the free-space detection range.
    """
    a = (10.0 ** (np.asarray(ref_snr_db, float) / 10.0) * ref_range_m**4
         * np.asarray(rcs_m2, float) / ref_rcs_m2)
    b = jammer_to_noise(1.0, 0.0, erp_w, bandwidth_hz, wavelength_m=wavelength_m,
                        gain_db=gain_db, beamwidth_rad=1.0, sidelobe_db=-300.0,
                        noise_temperature_k=noise_temperature_k,
                        receiver_bandwidth_hz=receiver_bandwidth_hz)
    c = a / 10.0 ** (np.asarray(required_snr_db, float) / 10.0)
    # R^2 = (sqrt(b^2 + 4c) - b)/2, written without cancellation for b^2 >> c
    r2 = 2.0 * c / (np.sqrt(b * b + 4.0 * c) + b)
    out = np.sqrt(r2)
    return float(out) if np.ndim(out) == 0 else out
