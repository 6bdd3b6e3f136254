"""A multi-target tracker composed from injected parts, working on arrays of tracks.

As in Stone Soup (``stonesoup/tracker/simple.py``), the tracker owns no algorithm of its own: it
calls a *filter* (predictor + updater of one state kind, :class:`~iads.tracking.filters.
KalmanFilter` or :class:`~iads.tracking.filters.IMMFilter`), an *associator*
(:class:`~iads.tracking.association.GNNAssociator`), and optionally an *initiator*
(:class:`SinglePointInitiator`) and a *track maintenance* rule (:class:`MOfN`: M-of-N confirmation,
deletion after consecutive misses). Unlike Stone Soup, every part works on the whole stack of
tracks at once: one array of states, one array of ids, one array of hit histories.

One scan (:meth:`Tracker.step`): predict all tracks by ``dt``; predict their measurements; associate
the scan's detections; update the assigned tracks; book hits and misses, confirm and delete; start
tentative tracks on the detections nobody took.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .association import Association

__all__ = ["Detections", "Tracks", "SinglePointInitiator", "MOfN", "Tracker"]

_BOOK = ("track_id", "hits", "misses", "age", "confirmed")  # per-track bookkeeping arrays


@dataclass(frozen=True)
class Detections:
    """One scan of Cartesian detections.

    Attributes
    ----------
    z
        Positions (D, m) [m], ENU (or converted measurements, see
        :func:`iads.tracking.filters.convert_radar_measurements`).
    R
        Noise covariance, shared (m, m) or per detection (D, m, m) [m²].
    """

    z: np.ndarray
    R: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "z", np.asarray(self.z, float).reshape(-1, np.shape(self.z)[-1]))
        object.__setattr__(self, "R", np.asarray(self.R, float))

    def __len__(self) -> int:
        return self.z.shape[0]

    def noise(self, idx) -> np.ndarray:
        """Noise covariance of detections ``idx``: (m, m) if shared, else (K, m, m) [m²]."""
        return self.R[idx] if self.R.ndim == 3 else self.R

    def take(self, idx) -> Detections:
        return Detections(self.z[idx], self.noise(idx))


@dataclass(frozen=True)
class Tracks:
    """A stack of tracks.

    Attributes
    ----------
    states
        Filter states (``GaussianStates`` or ``IMMStates``), one per track.
    track_id
        Unique ids (T,) int64.
    hits
        Hit history (T,) uint64: bit ``k`` set if the track was assigned a detection ``k`` scans
        ago (bit 0: the latest scan, or the initiating detection).
    misses
        Consecutive scans without a detection (T,) int64.
    age
        Scans since the track was started (T,) int64.
    confirmed
        (T,) bool.
    next_id
        Id the next new track will get.
    """

    states: object
    track_id: np.ndarray
    hits: np.ndarray
    misses: np.ndarray
    age: np.ndarray
    confirmed: np.ndarray
    next_id: int = 0

    @classmethod
    def start(cls, states, confirmed: bool = True, first_id: int = 0) -> Tracks:
        """New tracks (one hit each) from filter states, e.g. initialised from truth."""
        n = len(states)
        return cls(states, np.arange(first_id, first_id + n, dtype=np.int64),
                   np.ones(n, np.uint64), np.zeros(n, np.int64), np.zeros(n, np.int64),
                   np.full(n, bool(confirmed)), first_id + n)

    def __len__(self) -> int:
        return len(self.track_id)

    def take(self, idx) -> Tracks:
        return type(self)(self.states.take(idx), *[getattr(self, f)[idx] for f in _BOOK],
                          self.next_id)

    def concatenate(self, other: Tracks) -> Tracks:
        return type(self)(self.states.concatenate(other.states),
                          *[np.concatenate([getattr(self, f), getattr(other, f)])
                            for f in _BOOK], max(self.next_id, other.next_id))

    @property
    def mean(self) -> np.ndarray:
        """Track means (T, n) [m, m/s] (mixture mean for IMM)."""
        return self.states.mean

    @property
    def covar(self) -> np.ndarray:
        """Track covariances (T, n, n) [SI²]."""
        return self.states.covar


class SinglePointInitiator:
    """Tentative tracks from single detections: position from the detection, zero velocity.

    ``x = [z, 0]``, ``P = diag(R, σ_v² I)``.

    Parameters
    ----------
    velocity_sigma_m_s
        Prior standard deviation of each velocity component [m/s] (about half the largest speed
        expected).
    """

    def __init__(self, velocity_sigma_m_s: float):
        self.velocity_sigma_m_s = float(velocity_sigma_m_s)

    def initiate(self, filt, detections: Detections, first_id: int) -> Tracks:
        D, d = detections.z.shape
        x = np.zeros((D, 2 * d))
        x[:, :d] = detections.z
        P = np.zeros((D, 2 * d, 2 * d))
        P[:, :d, :d] = detections.R
        P[:, d:, d:] = self.velocity_sigma_m_s**2 * np.eye(d)
        return Tracks.start(filt.initiate(x, P), confirmed=False, first_id=first_id)


class MOfN:
    """M-of-N confirmation and deletion after consecutive misses.

    * a tentative track is confirmed as soon as it holds at least ``m`` hits among its last
      ``n`` scans (the initiating detection counts as a hit);
    * a tentative track still unconfirmed after ``n`` scans of life (the initiating one included)
      is deleted;
    * a confirmed track is deleted after ``max_misses`` consecutive misses.

    Parameters
    ----------
    m, n
        Confirmation rule, ``1 <= m <= n <= 64``.
    max_misses
        Consecutive misses that delete a confirmed track (>= 1).
    """

    def __init__(self, m: int, n: int, max_misses: int):
        if not (1 <= m <= n <= 64) or max_misses < 1:
            raise ValueError(f"need 1 <= m <= n <= 64 and max_misses >= 1, got m={m}, n={n}, "
                             f"max_misses={max_misses}")
        self.m, self.n, self.max_misses = int(m), int(n), int(max_misses)

    def maintain(self, tracks: Tracks) -> tuple[np.ndarray, np.ndarray]:
        """``(confirmed, keep)`` (T,) bool each, from the updated bookkeeping of ``tracks``."""
        window = np.uint64((1 << self.n) - 1) if self.n < 64 else np.uint64(2**64 - 1)
        n_hits = np.bitwise_count(tracks.hits & window)
        confirmed = tracks.confirmed | (n_hits >= self.m)
        keep = np.where(confirmed, tracks.misses < self.max_misses, tracks.age < self.n - 1)
        return confirmed, keep


class Tracker:
    """Multi-target tracker by composition.

    Parameters
    ----------
    filter
        Predictor + updater: ``initiate``, ``predict(states, dt)``, ``predict_measurement``,
        ``update(states, idx, z, R)`` (:class:`~iads.tracking.filters.KalmanFilter`,
        :class:`~iads.tracking.filters.IMMFilter`).
    associator
        ``associate(z_pred, HPHt, z, R) -> Association``
        (:class:`~iads.tracking.association.GNNAssociator`).
    initiator
        Starts tentative tracks on unassigned detections; ``None``: no initiation.
    maintenance
        Confirmation and deletion rule (:class:`MOfN`); ``None``: tracks are never deleted nor
        confirmed by the tracker.
    """

    def __init__(self, filter, associator, initiator=None, maintenance=None):
        self.filter = filter
        self.associator = associator
        self.initiator = initiator
        self.maintenance = maintenance

    def step(self, tracks: Tracks, detections: Detections, dt_s: float):
        """One scan: returns ``(tracks, association)``.

        ``association`` indexes the tracks as they were *before* the step (predicted), and the
        scan's detections. New tracks are appended after the surviving ones.
        """
        states = self.filter.predict(tracks.states, dt_s)
        z_pred, HPHt = self.filter.predict_measurement(states)
        assoc: Association = self.associator.associate(z_pred, HPHt, detections.z, detections.R)
        states = self.filter.update(states, assoc.track, detections.z[assoc.detection],
                                    detections.noise(assoc.detection))
        hit = assoc.track_hit
        out = replace(tracks, states=states,
                      hits=(tracks.hits << np.uint64(1)) | hit.astype(np.uint64),
                      misses=np.where(hit, 0, tracks.misses + 1),
                      age=tracks.age + 1)
        if self.maintenance is not None:
            confirmed, keep = self.maintenance.maintain(out)
            out = replace(out, confirmed=confirmed).take(np.flatnonzero(keep))
        if self.initiator is not None:
            free = np.flatnonzero(~assoc.detection_used)
            if free.size:
                new = self.initiator.initiate(self.filter, detections.take(free), out.next_id)
                out = out.concatenate(new)
        return out, assoc
