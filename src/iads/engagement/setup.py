"""The fire-control part of the world: static models built once from a validated scenario.

:func:`fire_control_models` turns systems into :class:`SystemModel` (caps from the catalog's
fire channels, doctrine, ROE, fire units with their engagement radar, launchers and reserve,
missile envelopes); :func:`defended_points` the assets and the components that can be hit;
:func:`raid_objects` the scenario's raids into threat paths (the one place raids are turned
into threats: the threat engineer's ``iads.simulation.raids`` replaces it when it lands).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geodesy import geodetic_to_ecef
from ..identification import Truth
from .fire_control import MissileEnvelope, missile_envelope

__all__ = ["DOCTRINE_DEFAULT", "LauncherModel", "FireUnitFC", "SystemModel", "Point",
           "RaidObjects", "fire_control_models", "defended_points", "raid_objects"]

#: Doctrine when a system gives none (assumption: two missiles per target, the S-300/S-400
#: salvo usually described; shoot-look-shoot is the alternative).
DOCTRINE_DEFAULT = dict(mode="salvo", salvo_size=2, weapons=())


def _ecef(lat, lon, h) -> np.ndarray:
    return np.array([float(v) for v in geodetic_to_ecef(lat, lon, h)])


@dataclass(frozen=True)
class LauncherModel:
    """One launcher (a launcher group of ``count`` gives ``count`` of them); its catalog
    launch interval [s] (None: the fire-control setting)."""

    id: str
    group: str
    pos: np.ndarray
    load: dict
    reload_s: float
    launch_interval_s: float | None = None


@dataclass(frozen=True)
class FireUnitFC:
    """A fire unit for fire control: engagement radar row, launchers, reserve, caps."""

    id: str
    system: str
    radar_index: int
    launchers: tuple[LauncherModel, ...]
    reserve: dict
    max_targets: int
    max_missiles: int


@dataclass(frozen=True)
class SystemModel:
    """A system for fire control.

    ``max_targets`` / ``max_missiles``: the system's fire channels (shared by its fire units);
    ``weapons``: missiles in order of preference (the doctrine's, then the others held by
    decreasing range); ``envelopes`` by missile id.
    """

    id: str
    owner: str
    roe: str
    mode: str
    salvo_size: int
    weapons: tuple[str, ...]
    max_targets: int
    max_missiles: int
    fire_units: tuple[FireUnitFC, ...]
    envelopes: dict[str, MissileEnvelope]
    parts: frozenset[str]


@dataclass(frozen=True)
class Point:
    """Something an impact can hit: a defended asset or a component (radar, launcher group,
    command post) [m], with its value (assets) and kind."""

    id: str
    kind: str
    system: str | None
    ecef: np.ndarray
    value: float
    radius_m: float


@dataclass(frozen=True)
class RaidObjects:
    """Raid threats as air-object rows (appended after the scenario's air objects)."""

    ids: tuple[str, ...]
    types: tuple[str, ...]
    owners: tuple[str, ...]
    truth: np.ndarray
    raid: tuple[str, ...]
    aim: tuple[str, ...]
    t_impact: np.ndarray
    paths: object


def fire_control_models(sc, cat, radars, ground, mean_speed_fraction: float = 0.6):
    """One :class:`SystemModel` per scenario system (launcher heights from ``ground(lat,
    lon)`` [m MSL], or 0 without terrain)."""
    positions = sc.positions()
    radar_of = {r.id: r.index for r in radars}
    out = []
    for s in sc.systems:
        sysc = cat.systems[s.type]
        fc = sysc.fire_channels
        held = []
        for fu in s.fire_units:
            for lg in fu.launchers:
                held += [m for m, n in lg.load.items() if n > 0]
            held += [m for m, n in fu.reserve.items() if n > 0]
        held = list(dict.fromkeys(held))
        doc = s.doctrine
        pref = list(doc.weapons) if doc is not None else []
        pref = [m for m in pref if m in held]  # others are refused by the scenario checks
        rest = sorted((m for m in held if m not in pref),
                      key=lambda m: -cat.missiles[m].range_max_km.value)
        fus = []
        for fu in s.fire_units:
            lcs = []
            for lg in fu.launchers:
                p = positions[lg.id]
                h = (float(ground(p.lat, p.lon)) if ground is not None else 0.0) + p.height_agl_m
                pos = _ecef(p.lat, p.lon, h + 5.0)
                lcat = cat.launchers[lg.type]
                reload_s = lcat.reload_time_s.value
                interval = (lcat.launch_interval_s.value if lcat.launch_interval_s is not None
                            else None)
                for k in range(lg.count):
                    lcs.append(LauncherModel(id=f"{lg.id}/{k + 1}", group=lg.id, pos=pos,
                                             load=dict(lg.load), reload_s=reload_s,
                                             launch_interval_s=interval))
            fus.append(FireUnitFC(
                id=fu.id, system=s.id, radar_index=radar_of[fu.radar.id], launchers=tuple(lcs),
                reserve=dict(fu.reserve), max_targets=int(fc.targets_per_fire_unit.value),
                max_missiles=int(fc.missiles_per_fire_unit.value)))
        parts = {s.id, *(r.id for r in s.radars), *(f.id for f in s.fire_units),
                 *(f.radar.id for f in s.fire_units),
                 *(lg.id for f in s.fire_units for lg in f.launchers)}
        if s.command_post is not None:
            parts.add(s.command_post.id)
        out.append(SystemModel(
            id=s.id, owner=s.owner, roe=s.roe,
            mode=doc.mode if doc is not None else DOCTRINE_DEFAULT["mode"],
            salvo_size=doc.salvo_size if doc is not None else DOCTRINE_DEFAULT["salvo_size"],
            weapons=tuple(pref + rest), max_targets=int(fc.targets_per_system.value),
            max_missiles=int(fc.missiles_per_system.value), fire_units=tuple(fus),
            envelopes={m: missile_envelope(m, cat.missiles[m], mean_speed_fraction)
                       for m in held},
            parts=frozenset(parts)))
    return tuple(out)


def defended_points(sc, ground, asset_radius_m: float = 2_000.0,
                    component_radius_m: float = 50.0) -> tuple[Point, ...]:
    """Assets (radius ``asset_radius_m``, assumption) and components — radars, command posts,
    launcher groups — (``component_radius_m``: a warhead's lethal radius against a vehicle,
    assumption) as :class:`Point`. Components without their own place stand at their
    parent's: one hit there reaches them all."""
    pos = sc.positions()

    def at(i):
        p = pos[i]
        h = (float(ground(p.lat, p.lon)) if ground is not None else 0.0) + p.height_agl_m
        return _ecef(p.lat, p.lon, h)

    out = [Point(a.id, "asset", None, at(a.id), float(a.value), asset_radius_m)
           for a in sc.assets]
    for s in sc.systems:
        comps = [(r.id, "radar") for r in s.radars]
        if s.command_post is not None:
            comps.append((s.command_post.id, "command_post"))
        for fu in s.fire_units:
            comps.append((fu.radar.id, "radar"))
            comps += [(lg.id, "launcher") for lg in fu.launchers]
        out += [Point(c, k, s.id, at(c), 0.0, component_radius_m) for c, k in comps]
    return tuple(out)


def raid_objects(sc, cat, seed: int, ground) -> RaidObjects:
    """The scenario's raids as threats (:func:`iads.simulation.raids.raid_objects`: each raid
    drawn from ``component_rng(seed, "raid", raid_id)``; ids ``<raid>/<k>``). Aircraft raids
    have no impact (their path returns to base): their impact time is +inf here."""
    from ..simulation.raids import raid_objects as scenario_raids

    paths, table = scenario_raids(sc, cat, terrain=ground, seed=seed)
    col = {c: table.column(c).to_pylist() for c in table.column_names}
    kinds = col["kind"]
    t_imp = np.array([t if k != "aircraft" else np.inf
                      for t, k in zip(col["impact_time_s"], kinds, strict=True)], float)
    return RaidObjects(
        ids=tuple(col["object_id"]), types=tuple(col["type"]), owners=tuple(col["owner"]),
        truth=np.array([Truth[c.upper()] for c in col["category"]], np.int8),
        raid=tuple(col["raid_id"]), aim=tuple(a or "" for a in col["aim_id"]),
        t_impact=t_imp, paths=paths)
