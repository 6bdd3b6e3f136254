"""Unit conversions at the public edge. Inside iads everything is SI and radians."""

from __future__ import annotations

import numpy as np

__all__ = ["KM", "NMI", "FT", "KT", "db_to_linear", "linear_to_db", "deg", "rad"]

KM = 1000.0  #: metres in a kilometre
NMI = 1852.0  #: metres in a nautical mile
FT = 0.3048  #: metres in a foot
KT = NMI / 3600.0  #: metres per second in a knot


def db_to_linear(x_db):
    """Power ratio from decibels: 10^(x/10)."""
    return np.power(10.0, np.asarray(x_db, dtype=float) / 10.0)


def linear_to_db(x):
    """Decibels from a power ratio: 10·log10(x)."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.asarray(x, dtype=float))


def deg(x_rad):
    """Degrees from radians."""
    return np.degrees(x_rad)


def rad(x_deg):
    """Radians from degrees."""
    return np.radians(x_deg)
