"""Multi-target tracking on arrays of tracks.

* :mod:`~iads.tracking.models`: constant-velocity and known-turn-rate coordinated-turn models,
  position measurement matrix (state ``[x, y(, z), vx, vy(, vz)]``, ENU, [m], [m/s]);
* :mod:`~iads.tracking.filters`: Kalman filter, unbiased converted radar measurements, EKF radar
  update, IMM, all over stacks of tracks;
* :mod:`~iads.tracking.association`: k-d tree gating, gate-graph clusters, one assignment per
  cluster (global nearest neighbour);
* :mod:`~iads.tracking.tracker`: the tracker composed from a filter, an associator, an initiator
  and an M-of-N confirmation / deletion rule;
* :mod:`~iads.tracking.fusion`: several radars feeding one node (converted plots in the node's
  frame, sequential-update fusion in time order);
* :mod:`~iads.tracking.correlation`: track-to-track correlation of several sources' tracks into
  system tracks with persistent numbers (Link-16-style reporting responsibility).

Analysis only; not for fire control.
"""

from .association import Association, GNNAssociator, assign_dense, assign_sparse, gate
from .correlation import Correlation, TrackCorrelator
from .filters import (
    GaussianStates,
    IMMFilter,
    IMMStates,
    KalmanFilter,
    convert_polar_measurements,
    convert_radar_measurements,
    ekf_update_radar,
    kf_predict,
    kf_update,
)
from .fusion import fuse_scans, radar_detections
from .models import ct_transition, cv_process_noise, cv_transition, position_measurement_matrix
from .tracker import Detections, MOfN, SinglePointInitiator, Tracker, Tracks

__all__ = [
    "Association",
    "Correlation",
    "Detections",
    "GNNAssociator",
    "GaussianStates",
    "IMMFilter",
    "IMMStates",
    "KalmanFilter",
    "MOfN",
    "SinglePointInitiator",
    "TrackCorrelator",
    "Tracker",
    "Tracks",
    "assign_dense",
    "assign_sparse",
    "convert_polar_measurements",
    "convert_radar_measurements",
    "ct_transition",
    "cv_process_noise",
    "cv_transition",
    "ekf_update_radar",
    "fuse_scans",
    "gate",
    "kf_predict",
    "kf_update",
    "position_measurement_matrix",
    "radar_detections",
]
