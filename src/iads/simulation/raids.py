"""A scenario's raids as threat paths: one row per threat, with what it is and where it aims.

:func:`raid_objects` turns every :class:`~iads.scenario.schema.Raid` into ``count`` threats
through :func:`iads.threats.raid` (trajectory models there), each raid drawing from its own
generator ``component_rng(seed, "raid", raid_id)``: adding, removing or reordering raids never
changes another raid's threats, and the same seed gives the same paths.

Rows are in scenario order, raid by raid, threats in drawing order. The object id of threat
*k* (from 0) of raid ``salvo`` is ``"salvo/k"``.
"""

from __future__ import annotations

import functools
import math

import pyarrow as pa

from ..kinematics import Paths
from ..rng import component_rng
from ..threats import TerminalManoeuvre, raid, threat_paths

__all__ = ["RAID_COLUMNS", "raid_objects", "raid_kwargs"]

#: Columns of the table :func:`raid_objects` returns (units in the names).
RAID_COLUMNS = (
    "object_id",  # "raid/k"
    "raid_id",
    "kind",  # ballistic, quasi_ballistic, cruise, drone, aircraft
    "type",  # catalog target id
    "category",  # true identity (own, allied, civil, hostile, neutral)
    "owner",
    "aim_id",  # asset/component id, or null for an explicit {lat, lon}
    "aim_lat_deg",
    "aim_lon_deg",
    "launch_lat_deg",
    "launch_lon_deg",
    "launch_time_s",
    "impact_time_s",  # aircraft: the weapon-release time
    "end_time_s",  # end of the path (impact; aircraft: back at base)
    "impact_speed_mps",
    "apogee_m",  # ballistic: the drag-free arc's apogee; else NaN
)


def raid_kwargs(r) -> dict:
    """Builder keyword arguments of a scenario raid (:func:`iads.threats.raid` ``**kwargs``):
    only the fields the raid gives, in the units the builders take."""
    kw: dict = {}
    for name in ("trajectory", "apogee_m", "flight_time_s", "reentry_speed_mps", "speed_mps",
                 "clearance_m", "alt_m", "terminal_dive_deg"):
        value = getattr(r, name)
        if value is not None:
            kw[name] = value
    if r.manoeuvre is not None:
        m = r.manoeuvre
        kw["manoeuvre"] = TerminalManoeuvre(g=m.g, duration_s=m.duration_s, periods=m.periods,
                                            plane=m.plane)
    if r.via:
        kw["via"] = [(p.lat, p.lon) for p in r.via]
    if r.alt_ref != "msl":
        kw["alt_ref"] = r.alt_ref
    if r.standoff_km is not None:
        kw["standoff_m"] = r.standoff_km * 1e3
    return kw


def _ground(scenario, terrain):
    if terrain is None:
        from .. import terrain as terrain_mod

        spec = scenario.terrain.dem
        terrain = terrain_mod.builtin_dem() if spec == "builtin" else terrain_mod.load_dem(spec)
    if callable(terrain):
        return terrain
    from .. import terrain as terrain_mod

    return functools.partial(terrain_mod.elevation_at, terrain, outside=scenario.terrain.outside)


def raid_objects(scenario, catalog=None, terrain=None, seed: int | None = None
                 ) -> tuple[Paths, pa.Table]:
    """Threat paths and metadata of every raid of a validated scenario.

    Parameters
    ----------
    scenario
        A validated :class:`iads.scenario.Scenario`.
    catalog
        The catalog (the shipped one by default).
    terrain
        A :class:`iads.terrain.Dem`, a callable ``terrain(lat [°], lon [°]) -> m MSL``, or
        None (the scenario's ``terrain.dem``, read lazily; only cruise missiles, ballistic
        arcs (from the terrain at the launch point to the terrain at the aim point), AGL
        routes and drone dives use it). A :class:`~iads.terrain.Dem` is read with the
        scenario's ``terrain.outside`` policy.
    seed
        Root seed (``scenario.run.seed`` by default).

    Returns
    -------
    paths
        :class:`iads.kinematics.Paths`, one row per threat, ids ``"raid/k"``
        (evaluate with :func:`iads.kinematics.positions`).
    table
        :class:`pyarrow.Table` with :data:`RAID_COLUMNS`, row ``i`` describing ``paths`` row
        ``i``.

    Raises
    ------
    iads.threats.ThreatError
        A threat the catalog type cannot fly (field path ``raids[i]...``); scenarios that
        passed :func:`iads.scenario.load_scenario` have been checked for this already.
    """
    from ..catalog import load_catalog

    cat = catalog or load_catalog()
    seed = int(scenario.run.seed if seed is None else seed)
    positions = scenario.positions()
    ground = None
    threats, ids = [], []
    cols: dict[str, list] = {c: [] for c in RAID_COLUMNS}
    for i, r in enumerate(scenario.raids):
        target = cat.targets[r.type]
        aims, aim_ids = [], []
        for a in r.aim_points:
            p = positions[a] if isinstance(a, str) else a
            aims.append((p.lat, p.lon))
            aim_ids.append(a if isinstance(a, str) else None)
        if ground is None and (target.category in ("cruise_missile", "ballistic_missile")
                               or r.alt_ref == "agl" or r.terminal_dive_deg is not None):
            ground = _ground(scenario, terrain)
        la = r.launch_area
        out = raid(target, r.count, (la.lat, la.lon, la.radius_km * 1e3), aims,
                   rng=component_rng(seed, "raid", r.id), type_id=r.type, kind=r.kind,
                   start_s=r.start_s, spread_s=r.spread_s, timing=r.timing, terrain=ground,
                   where=("raids", i), **raid_kwargs(r))
        for k, th in enumerate(out):
            threats.append(th)
            ids.append(f"{r.id}/{k}")
            j = k % len(aims)
            row = {
                "object_id": ids[-1], "raid_id": r.id, "kind": th.kind, "type": r.type,
                "category": r.category, "owner": r.owner, "aim_id": aim_ids[j],
                "aim_lat_deg": aims[j][0], "aim_lon_deg": aims[j][1],
                "launch_lat_deg": th.launch[0], "launch_lon_deg": th.launch[1],
                "launch_time_s": th.t_launch, "impact_time_s": th.t_impact,
                "end_time_s": float(th.segments.t_end),
                "impact_speed_mps": th.impact_speed_mps,
                "apogee_m": th.arc.apogee_m if th.arc is not None else math.nan,
            }
            for c in RAID_COLUMNS:
                cols[c].append(row[c])
    types = {c: pa.string() for c in RAID_COLUMNS[:7]}
    table = pa.table({c: pa.array(cols[c], types.get(c, pa.float64())) for c in RAID_COLUMNS})
    return threat_paths(threats, ids), table
