"""Air-picture quality over time: track continuity and time to a confirmed track.

GOSPA per picture and time is :func:`iads.metrics.gospa` itself (the simulation states its
``c`` and ``p``); these functions work on the per-sample assignment of truth objects to picture
tracks that the simulation records (which track, if any, follows each object at each sample).

* **continuity** (:func:`track_continuity`): per object, over the samples where it belongs to
  the picture's truth set in time order: the number of distinct tracks that followed it, the
  **breaks** (followed at one sample, not at the next: a lost track) and the **swaps** (followed
  by one track, then directly by another: a track number change). One clean track over the
  whole time: 1 track, 0 breaks, 0 swaps.
* **time to track** (:func:`time_to_track`): from the first *possible* detection (the first look
  by one of the picture's radars with Pd at or above a stated level) to the first time the
  picture held a confirmed track on the object.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Continuity", "track_continuity", "time_to_track"]


@dataclass(frozen=True)
class Continuity:
    """Per object (arrays (K,)): ``object`` rows, ``samples`` in the truth set,
    ``tracked`` samples, distinct ``tracks``, ``breaks``, ``swaps``."""

    object: np.ndarray
    samples: np.ndarray
    tracked: np.ndarray
    tracks: np.ndarray
    breaks: np.ndarray
    swaps: np.ndarray


def track_continuity(time_s, object_index, track_id) -> Continuity:
    """Continuity per object from samples ``(time, object, track following it or -1)``.

    Parameters
    ----------
    time_s
        Sample times (M,) [s].
    object_index
        Object of each sample (M,) int.
    track_id
        Track following it then, -1 for none (M,) int.
    """
    t = np.asarray(time_s, float).reshape(-1)
    o = np.asarray(object_index, np.int64).reshape(-1)
    k = np.asarray(track_id, np.int64).reshape(-1)
    if not (t.shape == o.shape == k.shape):
        raise ValueError("time_s, object_index and track_id must have the same length")
    order = np.lexsort((t, o))
    o, k = o[order], k[order]
    objs, start, samples = np.unique(o, return_index=True, return_counts=True)
    same = np.zeros(o.shape, bool)
    same[1:] = o[1:] == o[:-1]
    prev = np.empty_like(k)
    prev[0:1] = -1
    prev[1:] = k[:-1]
    prev = np.where(same, prev, -1)
    brk = same & (prev >= 0) & (k < 0)
    swp = same & (prev >= 0) & (k >= 0) & (k != prev)
    grp = np.repeat(np.arange(objs.size), samples)
    tracked = np.bincount(grp, weights=k >= 0, minlength=objs.size).astype(np.int64)
    breaks = np.bincount(grp, weights=brk, minlength=objs.size).astype(np.int64)
    swaps = np.bincount(grp, weights=swp, minlength=objs.size).astype(np.int64)
    pairs = np.unique(np.stack([grp[k >= 0], k[k >= 0]], axis=1), axis=0) if (k >= 0).any() \
        else np.zeros((0, 2), np.int64)
    tracks = np.bincount(pairs[:, 0], minlength=objs.size).astype(np.int64)
    return Continuity(objs, samples.astype(np.int64), tracked, tracks, breaks, swaps)


def time_to_track(first_possible_s, first_confirmed_s) -> np.ndarray:
    """Delay from the first possible detection to the first confirmed track [s].

    NaN where either time is NaN (never detectable, or never under confirmed track).
    """
    a = np.asarray(first_possible_s, float)
    b = np.asarray(first_confirmed_s, float)
    return b - a
