"""Engagements: threat evaluation, fire control, and the kill chain in the simulation.

* :mod:`~iads.engagement.threat_evaluation`: time to each defended point, target values;
* :mod:`~iads.engagement.fire_control`: ROE, predicted intercept point, launch feasibility,
  channel caps, launcher and fire-unit state;
* :mod:`~iads.engagement.setup`: static fire-control models, defended points, raids → threats;
* :mod:`~iads.engagement.loop`: the events on the simulation heap.

Analysis only: a model of published figures, not fire-control software.
"""

from .fire_control import (
    DOCTRINE_MODES,
    ROES,
    MissileEnvelope,
    duplicate_groups,
    intercept_point,
    launch_feasible,
    line_of_sight,
    missile_envelope,
    radar_coverage,
    roe_permits,
)
from .loop import REASONS, EngagementLoop, FireControlSettings
from .threat_evaluation import threat_values, time_to_points

__all__ = [
    "DOCTRINE_MODES",
    "REASONS",
    "ROES",
    "EngagementLoop",
    "FireControlSettings",
    "MissileEnvelope",
    "duplicate_groups",
    "intercept_point",
    "launch_feasible",
    "line_of_sight",
    "missile_envelope",
    "radar_coverage",
    "roe_permits",
    "threat_values",
    "time_to_points",
]
