"""Identification metrics over time: identity matrices and friends labelled unknown in range.

* :func:`identity_counts`: the truth category × assigned identity matrix of
  :func:`iads.identification.identity_matrix`, for every (picture, time) group of identity
  records, as long rows.
* :func:`inside_envelope`: which objects are inside a fire unit's engagement envelope — a
  **simple slant-range envelope** of the longest-range missile it holds: slant range from the
  fire unit's radar in [range_min, range_max] and height in [altitude_min, altitude_max]; no
  line of sight and no radar coverage (those are :mod:`iads.coverage_scenario`'s layers).
* :func:`labelled_unknown_minutes`: minutes that civil and allied aircraft (and, if asked, own)
  spend inside each envelope while the fire unit's picture labels them unknown or suspect.
"""

from __future__ import annotations

import numpy as np

from ..identification import Identity, Truth

__all__ = ["identity_counts", "inside_envelope", "labelled_unknown_minutes", "AT_RISK"]

#: Identities that leave a friendly or civil aircraft exposed to a wrong engagement.
AT_RISK = (int(Identity.UNKNOWN), int(Identity.SUSPECT))


def identity_counts(group, truth, identity):
    """Identity matrices of groups of records.

    Parameters
    ----------
    group
        Group key of each record (M,) int (e.g. one per (picture, time)).
    truth, identity
        :class:`~iads.identification.Truth` and :class:`~iads.identification.Identity` codes
        (M,).

    Returns
    -------
    keys, matrices
        Distinct group keys (G,) and their matrices (G, 5, 7) int64 (rows truth, columns
        identity, as :func:`iads.identification.identity_matrix`).
    """
    g = np.asarray(group, np.int64).reshape(-1)
    keys, inv = np.unique(g, return_inverse=True)
    out = np.zeros((keys.size, len(Truth), len(Identity)), np.int64)
    if g.size:
        np.add.at(out, (inv, np.asarray(truth, np.int64), np.asarray(identity, np.int64)), 1)
    return keys, out


def inside_envelope(pos_ecef, height_m, fire_unit_ecef, range_min_m: float, range_max_m: float,
                    altitude_min_m: float, altitude_max_m: float) -> np.ndarray:
    """Objects inside a slant-range engagement envelope, (N,) bool.

    Parameters
    ----------
    pos_ecef
        Object positions, ECEF (N, 3) [m].
    height_m
        Their heights above the ellipsoid (N,) [m].
    fire_unit_ecef
        The fire unit's radar, ECEF (3,) [m].
    range_min_m, range_max_m, altitude_min_m, altitude_max_m
        Envelope [m].
    """
    p = np.asarray(pos_ecef, float).reshape(-1, 3)
    r = np.linalg.norm(p - np.asarray(fire_unit_ecef, float).reshape(1, 3), axis=1)
    h = np.asarray(height_m, float).reshape(-1)
    return (r >= range_min_m) & (r <= range_max_m) & (h >= altitude_min_m) & (
        h <= altitude_max_m)


def labelled_unknown_minutes(truth, identity, inside, sample_s: float,
                             categories=(Truth.CIVIL, Truth.ALLIED)) -> float:
    """Minutes objects of ``categories`` spend inside an envelope labelled unknown or suspect.

    Parameters
    ----------
    truth, identity, inside
        Per record (one object at one sample of the fire unit's picture): truth, identity and
        whether it is inside the envelope (M,).
    sample_s
        Time each sample stands for [s].
    """
    t = np.asarray(truth, np.int64)
    i = np.asarray(identity, np.int64)
    m = np.isin(t, [int(c) for c in categories]) & np.isin(i, AT_RISK) & np.asarray(inside, bool)
    return float(m.sum()) * sample_s / 60.0

