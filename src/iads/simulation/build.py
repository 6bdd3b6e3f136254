"""A validated scenario as the arrays and small records the simulation runs on (the "world").

Composition only: paths from :mod:`iads.kinematics`, placed radars, signatures and terrain masks
from :mod:`iads.sensors`, identification inputs from :mod:`iads.identification`. Built once per
run by :func:`build_world`; nothing here changes while the simulation runs.

What becomes what
-----------------
* **Air objects** → one stacked :class:`~iads.kinematics.Paths` (row ``i`` = ``air_objects[i]``),
  their catalog types, true categories (:class:`~iads.identification.Truth`) and the
  :class:`~iads.identification.ObjectTable` of transponders.
* **Radars** → every system radar, fire-unit engagement radar and stand-alone sensor (ground or
  on an orbit), in scenario order, each a :class:`~iads.sensors.PlacedRadar` whose scan phase is
  the first draw of its own generator ``component_rng(seed, "radar", radar_id)``. Ground radars
  get a :class:`~iads.sensors.TerrainMask` (minimum-visible-height raster, ``terrain_cell_m``
  cells, 2 km by default) unless ``terrain=False``. A mask reaches the instrumented range or
  the radio horizon (effective earth) between the antenna raised by 3 km of terrain and the
  highest point any air object flies, whichever is nearer: nothing beyond can be in line of
  sight. Radars on one site share one terrain grid; grids and masks are cached by their inputs
  (the same inputs give the same arrays, so the cache never changes a result).
* **Nodes** (air pictures) → every unit that is the ``to`` of a link holds a picture; its inputs
  are the links that end there. A network without measurement links has a picture of its own,
  an implicit node named after the network, that fuses its member radars' plots as soon as
  each scan ends (no latency) — except the radars of member systems that hold a picture of
  their own (a link ends at one of their units: they take part through their links); a system
  that belongs to no network keeps its own battery picture (an implicit node named after it).
  A track link whose ``from`` is a radar (or a unit with radars) rather than a node makes
  that radar's own tracker a *feeder* node (fed by its plots as each scan ends; it sends
  tracks; its picture is not reported). A measurement link's ``from`` may be a radar or a unit
  holding radars (all of them feed the node). A picture uses the IFF arrangements of its own
  unit's interrogators: the whole system a command post or radar belongs to, the sensor
  itself, or an implicit network node's members (so a national radar's Mode 4/5 reaches the
  S-400 only through an arrangement of the S-400's own, e.g. one read ``via`` a network).
* **Fire units** → the engagement envelope of the longest-range missile they hold (loaded or in
  reserve): slant range from the fire unit's radar in [range_min, range_max] and height in
  [altitude_min, altitude_max] (no line of sight: a simple envelope, see
  :mod:`iads.metrics.identity`).
* **Events** → radar on/off switches (``disable``/``emissions_off``/``destroy`` vs
  ``enable``/``emissions_on`` on a radar or on a unit holding radars), node on/off (the same on
  a node's unit), air objects destroyed. ``iff_alter`` is read by
  :func:`iads.identification.interrogators_from_scenario` at each identification time.
  Fire control (:mod:`iads.engagement`): ``disable``/``enable``/``destroy`` of a system, fire
  unit or launcher group become :attr:`World.unit_switches`; ``engage_unauthorised`` becomes an
  order (:attr:`World.orders`: the unit fires at the target's objects, ROE and owner bypassed).
* **Raids** → threat paths appended after the scenario's air objects
  (:func:`iads.engagement.setup.raid_objects`), truth from the raid's category, no transponder;
  :attr:`World.threats` holds their rows, aim points and impact times.
* **Fire control** → :attr:`World.fire_control` (:class:`iads.engagement.setup.SystemModel`)
  and :attr:`World.points` (assets and components an impact can hit).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..engagement.setup import defended_points, fire_control_models, raid_objects
from ..errors import ScenarioError, format_field_path
from ..geodesy import SiteGrid, geodetic_to_ecef
from ..identification import (
    FlightPlanTable,
    ObjectTable,
    Truth,
    flight_plan_table,
    flight_plans_from_scenario,
    objects_from_scenario,
)
from ..kinematics import Paths, orbit_segments, paths_from_air_objects
from ..rng import component_rng
from ..sensors import (
    ClutterModel,
    Jammers,
    PlacedRadar,
    Signatures,
    TerrainMask,
    placed_radar,
    signatures,
)
from ..sensors.scan import RotatingScan

__all__ = [
    "RadarModel",
    "FireUnitModel",
    "MeasurementInput",
    "TrackInput",
    "NodeModel",
    "World",
    "build_world",
    "unit_parts",
]

_OFF = ("disable", "emissions_off", "destroy")
_ON = ("enable", "emissions_on")


@dataclass(frozen=True)
class RadarModel:
    """One radar of the world.

    Attributes
    ----------
    index, id
        Row in :attr:`World.radars` and scenario id.
    placed
        The placed radar (scan phase already drawn from its generator).
    owner, system, fire_unit
        Owner id; system and fire unit it belongs to (None for a stand-alone sensor).
    mask
        Terrain mask (None: smooth effective earth).
    revisit_s
        Revolution (rotating) or search frame (phased array) [s].
    rng_state
        State of its generator after the phase draw (the run continues from it).
    mask_floor
        :func:`mask_floor` of the mask (None without one).
    """

    index: int
    id: str
    placed: PlacedRadar
    owner: str
    system: str | None
    fire_unit: str | None
    mask: TerrainMask | None
    revisit_s: float
    rng_state: dict
    mask_floor: np.ndarray | None = None

    @property
    def rotating(self) -> bool:
        return isinstance(self.placed.scan, RotatingScan)

    def window_edges(self, duration_s: float, batch_s: float = 0.0) -> np.ndarray:
        """Scan window boundaries in [0, duration] [s]: 0, then every ``k`` revolutions or
        frames (``k`` the whole number of revisits nearest ``batch_s``, at least 1) from the
        scan's phase, then the duration."""
        scan = self.placed.scan
        t0 = scan.t0_s
        period = self.revisit_s * max(1, round(batch_s / self.revisit_s))
        k0 = math.floor((0.0 - t0) / period) + 1
        k1 = math.ceil((duration_s - t0) / period) - 1
        cuts = t0 + period * np.arange(k0, k1 + 1, dtype=float) if k1 >= k0 else np.zeros(0)
        cuts = cuts[(cuts > 0.0) & (cuts < duration_s)]
        return np.concatenate([[0.0], cuts, [duration_s]])


@dataclass(frozen=True)
class FireUnitModel:
    """A fire unit's engagement envelope (the longest-range missile it holds).

    Attributes
    ----------
    id, system
        Fire unit and system ids.
    radar_index
        Its engagement radar (row in :attr:`World.radars`).
    ecef
        The radar's phase centre, ECEF (3,) [m] (the envelope is measured from it).
    missile
        Catalog id of the missile whose envelope is used.
    range_min_m, range_max_m
        Slant-range limits [m].
    altitude_min_m, altitude_max_m
        Height limits above the ellipsoid (≈ MSL) [m].
    """

    id: str
    system: str
    radar_index: int
    ecef: np.ndarray
    missile: str
    range_min_m: float
    range_max_m: float
    altitude_min_m: float
    altitude_max_m: float


@dataclass(frozen=True)
class MeasurementInput:
    """Plots of one radar reaching a node.

    ``update_s`` None: each scan's plots are delivered when the scan ends (implicit network
    node); otherwise every ``update_s`` the plots of the scans ended since the last send are sent
    and arrive ``latency_s`` later. ``where``: field path of the link (for messages).
    """

    radar: int
    latency_s: float
    update_s: float | None
    where: str


@dataclass(frozen=True)
class TrackInput:
    """Tracks of another node reaching this one every ``update_s`` after ``latency_s``."""

    source: int
    latency_s: float
    update_s: float
    where: str


@dataclass(frozen=True)
class NodeModel:
    """A node holding an air picture.

    Attributes
    ----------
    index, id
        Row in :attr:`World.nodes` and its unit id (or the network id for an implicit node).
    networks
        Networks it takes part in.
    measurements, tracks
        Its inputs.
    units
        Units whose IFF arrangements apply to its picture: the members of its networks and
        their parts.
    radars
        Radars whose data reach it, directly or through other nodes (sorted rows).
    reported
        Whether its picture is sampled for the metrics (False for a feeder: a radar's own
        tracker that only sends tracks to other nodes).
    """

    index: int
    id: str
    networks: tuple[str, ...]
    measurements: tuple[MeasurementInput, ...]
    tracks: tuple[TrackInput, ...]
    units: frozenset[str]
    radars: tuple[int, ...] = ()
    reported: bool = True


@dataclass(frozen=True)
class World:
    """Everything the simulation needs from the scenario, built once (:func:`build_world`).

    Attributes
    ----------
    scenario, catalog, seed, duration_s
        The inputs [s].
    paths
        Air objects' paths (row i = ``scenario.air_objects[i]``).
    object_ids, object_types
        Ids and catalog target ids, (N,) tuples.
    truth
        True categories (N,) int8 (:class:`~iads.identification.Truth`).
    objects
        Transponders and owners for identification.
    flight_plans
        Filed flight plans.
    signatures
        Per radar band: signatures of all objects.
    radars, fire_units, nodes
        See :class:`RadarModel`, :class:`FireUnitModel`, :class:`NodeModel`.
    radar_switches
        ``(time_s, radar_index, on)`` in time order (event order for ties).
    node_switches
        ``(time_s, node_index, on)``.
    destroyed_at
        Time each object is destroyed (N,) [s] (inf: never).
    clutter
        Land clutter model for all radars.
    k_factor
        Effective earth radius factor [-].
    notes
        What the scenario asks for that this simulation does not model.
    fire_control, points
        Systems for fire control and what impacts can hit (:mod:`iads.engagement.setup`).
    threats
        :class:`ThreatRows` of the raid threats (None without raids).
    unit_switches
        ``(time_s, unit_id, kind)``: a system, fire unit or one of their parts disabled,
        enabled or destroyed (``kind`` the event's), in time order.
    orders
        ``(time_s, unit_id, object rows, actor)``: ``engage_unauthorised`` events.
    jammers
        Per radar band: the noise jammers covering it (air objects' ``jammer``).
    """

    scenario: object
    catalog: object
    seed: int
    duration_s: float
    paths: Paths
    object_ids: tuple[str, ...]
    object_types: tuple[str, ...]
    truth: np.ndarray
    objects: ObjectTable
    flight_plans: FlightPlanTable
    signatures: dict[str, Signatures]
    radars: tuple[RadarModel, ...]
    fire_units: tuple[FireUnitModel, ...]
    nodes: tuple[NodeModel, ...]
    radar_switches: tuple[tuple[float, int, bool], ...]
    node_switches: tuple[tuple[float, int, bool], ...]
    destroyed_at: np.ndarray
    clutter: ClutterModel
    k_factor: float
    notes: tuple[str, ...] = field(default=())
    fire_control: tuple = field(default=())
    points: tuple = field(default=())
    threats: object = None
    unit_switches: tuple[tuple[float, str, str], ...] = field(default=())
    orders: tuple[tuple[float, str, tuple[int, ...], str | None], ...] = field(default=())
    jammers: dict[str, Jammers] = field(default_factory=dict)

    def radar_index(self, radar_id: str) -> int:
        for r in self.radars:
            if r.id == radar_id:
                return r.index
        raise KeyError(radar_id)

    def node_index(self, node_id: str) -> int:
        for n in self.nodes:
            if n.id == node_id:
                return n.index
        raise KeyError(node_id)


# ------------------------------------------------------------------------------------------------
# units and their parts


def unit_parts(sc) -> dict[str, set[str]]:
    """Every unit id → the ids of itself and everything under it (fire units, radars,
    launchers, command post)."""
    parts: dict[str, set[str]] = {}
    for s in sc.systems:
        below = {s.id}
        for r in s.radars:
            parts[r.id] = {r.id}
            below.add(r.id)
        if s.command_post is not None:
            parts[s.command_post.id] = {s.command_post.id}
            below.add(s.command_post.id)
        for fu in s.fire_units:
            fu_parts = {fu.id, fu.radar.id, *(lg.id for lg in fu.launchers)}
            parts[fu.id] = fu_parts
            for p in fu_parts - {fu.id}:
                parts[p] = {p}
            below |= fu_parts
        parts[s.id] = below
    for x in sc.sensors:
        parts[x.id] = {x.id}
    return parts


def _radar_units(sc):
    """``(unit, system, fire_unit, owner, where)`` of every radar, in scenario order."""
    out = []
    for i, s in enumerate(sc.systems):
        for j, r in enumerate(s.radars):
            out.append((r, s, None, s.owner, ("systems", i, "radars", j)))
        for j, fu in enumerate(s.fire_units):
            out.append((fu.radar, s, fu, s.owner, ("systems", i, "fire_units", j, "radar")))
    for i, x in enumerate(sc.sensors):
        out.append((x, None, None, x.owner, ("sensors", i)))
    return out


# ------------------------------------------------------------------------------------------------
# radars


def _horizon_m(h1_m: float, h2_m: float, k: float) -> float:
    """Radio-horizon distance between heights h1 and h2 above the ground on the effective
    earth [m] (beyond it nothing is in line of sight)."""
    ka = k * 6_371_000.0
    return math.sqrt(2.0 * ka * max(h1_m, 0.0)) + math.sqrt(2.0 * ka * max(h2_m, 0.0))


@functools.lru_cache(maxsize=4)
def _dem(spec: str):
    """The DEM named by a scenario's ``terrain.dem`` ("builtin" or a GeoTIFF path)."""
    from .. import terrain as terrain_mod

    return terrain_mod.builtin_dem() if spec == "builtin" else terrain_mod.load_dem(spec)


@functools.lru_cache(maxsize=32)
def _terrain_grid(dem_spec: str, lat: float, lon: float, reach_m: float, cell_m: float,
                  outside: str):
    """DEM heights on a site-centred grid (cached: the same inputs give the same array).
    Without ``sea_level``, cells beyond the DEM (or on nodata) are NaN: the terrain mask sees
    through them (:meth:`iads.sensors.geometry.TerrainMask.from_terrain`)."""
    from .. import terrain as terrain_mod

    grid = SiteGrid.covering(lat, lon, reach_m, cell_m)
    policy = "nan" if outside == "error" else outside
    # the mask is NaN beyond the reach and no cell within it depends on one beyond
    # (:func:`iads.viewshed.minimum_visible_height`): the corners are not sampled
    return grid, terrain_mod.dem_on_grid(_dem(dem_spec), grid, outside=policy,
                                         max_range_m=reach_m + 2.0 * cell_m)


@functools.lru_cache(maxsize=64)
def _mask(dem_spec, lat, lon, reach_m, cell_m, outside, antenna_agl_m, k):
    grid, z = _terrain_grid(dem_spec, lat, lon, reach_m, cell_m, outside)
    return TerrainMask.from_terrain(grid, z, antenna_agl_m, k=k, max_range_m=reach_m)


#: disk radius of :func:`mask_floor` [cells]
FLOOR_CELLS = 4


def mask_floor(mvh_msl_m, radius_cells: int = FLOOR_CELLS) -> np.ndarray:
    """Lowest minimum visible height within ``radius_cells`` cells of each cell [m MSL]
    (+inf where nothing is visible and outside the grid): an object below it cannot be seen
    anywhere within that distance (a disk minimum filter of the mask)."""
    from scipy.ndimage import minimum_filter

    r = int(radius_cells)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    mvh = np.where(np.isnan(mvh_msl_m), np.inf, mvh_msl_m)
    return minimum_filter(mvh, footprint=(xx * xx + yy * yy) <= r * r, mode="constant",
                          cval=np.inf)


@functools.lru_cache(maxsize=64)
def _floor(*key):
    return mask_floor(_mask(*key).mvh_msl_m)


def _place_radars(sc, cat, seed, dem, terrain_on, cell_m, k, top_m):
    """Placed radars; ``top_m`` is the highest an air object flies [m] (caps the masks)."""
    from .. import terrain as terrain_mod

    positions = sc.positions()
    units = _radar_units(sc)
    # one terrain grid per site, as wide as the widest mask needed there
    reach_at: dict[tuple, float] = {}
    if terrain_on:
        for unit, _, _, _, _ in units:
            if getattr(unit, "orbit", None) is not None:
                continue
            pos = positions[unit.id]
            rd = cat.radars[unit.type]
            agl = rd.antenna_height_m.value + pos.height_agl_m
            reach = min(rd.instrumented_range_km.value * 1e3,
                        _horizon_m(agl + 3_000.0, top_m, k))
            key = (pos.lat, pos.lon)
            reach_at[key] = max(reach_at.get(key, 0.0), reach)
    out = []
    for idx, (unit, system, fu, owner, where) in enumerate(units):
        rd = cat.radars[unit.type]
        rng = component_rng(seed, "radar", unit.id)
        kw = dict(boresight_deg=unit.boresight_deg, sector_deg=unit.sector_deg, rng=rng, k=k)
        mask = floor = None
        orbit = getattr(unit, "orbit", None)
        try:
            if orbit is not None:
                seg = orbit_segments(orbit)
                placed = placed_radar(rd, unit.id, orbit.lat, orbit.lon, 0.0, platform=seg, **kw)
            else:
                pos = positions[unit.id]
                ground = (float(terrain_mod.elevation_at(dem, pos.lat, pos.lon,
                                                         sc.terrain.outside))
                          if dem is not None else 0.0)
                placed = placed_radar(rd, unit.id, pos.lat, pos.lon, ground,
                                      height_agl_m=pos.height_agl_m, **kw)
                if terrain_on:
                    agl = rd.antenna_height_m.value + pos.height_agl_m
                    key = (sc.terrain.dem, pos.lat, pos.lon, reach_at[(pos.lat, pos.lon)],
                           cell_m, sc.terrain.outside, agl, k)
                    mask = _mask(*key)
                    floor = _floor(*key)
        except ValueError as exc:  # e.g. a sector radar without boresight
            raise ScenarioError(str(exc), field=format_field_path(where)) from None
        scan = placed.scan
        revisit = scan.period_s if isinstance(scan, RotatingScan) else scan.frame_s
        out.append(RadarModel(
            index=idx, id=unit.id, placed=placed, owner=owner,
            system=system.id if system is not None else None,
            fire_unit=fu.id if fu is not None else None, mask=mask, revisit_s=float(revisit),
            rng_state=rng.bit_generator.state, mask_floor=floor))
    return out


def _fire_units(sc, cat, radars):
    by_id = {r.id: r for r in radars}
    out = []
    for s in sc.systems:
        for fu in s.fire_units:
            held = {m for lg in fu.launchers for m, n in lg.load.items() if n > 0}
            held |= {m for m, n in fu.reserve.items() if n > 0}
            if not held:
                continue
            best = max(sorted(held), key=lambda m: cat.missiles[m].range_max_km.value)
            m = cat.missiles[best]
            r = by_id[fu.radar.id]
            p = r.placed.platform.p0[0].copy()
            out.append(FireUnitModel(
                id=fu.id, system=s.id, radar_index=r.index, ecef=p, missile=best,
                range_min_m=m.range_min_km.value * 1e3, range_max_m=m.range_max_km.value * 1e3,
                altitude_min_m=m.altitude_min_m.value,
                altitude_max_m=m.altitude_max_km.value * 1e3))
    return out


# ------------------------------------------------------------------------------------------------
# nodes


def _nodes(sc, radars, parts):
    radar_of = {r.id: r.index for r in radars}

    def radars_under(unit_id):
        return sorted(radar_of[u] for u in parts.get(unit_id, {unit_id}) if u in radar_of)

    system_ids = {s_.id for s_ in sc.systems}
    order: list[str] = []
    meas: dict[str, list[MeasurementInput]] = {}
    trk: dict[str, list[tuple[str, float, float, str]]] = {}
    nets: dict[str, list[str]] = {}
    units: dict[str, set[str]] = {}
    for i, net in enumerate(sc.networks):
        members = set()
        for m in net.members:
            members |= parts.get(m, {m})
        ends = []
        if not any(lk.data == "measurements" for lk in net.links):
            # the network's own picture: its members' plots as each scan ends, except those
            # of systems holding a picture of their own (they take part through their links)
            nid = net.id
            ends.append(nid)
            if nid not in order:
                order.append(nid)
                meas[nid], trk[nid] = [], []
            own = {lk.to for n_ in sc.networks for lk in n_.links}
            for m in net.members:
                if m in system_ids and own & parts.get(m, {m}):
                    continue
                for r in radars_under(m):
                    meas[nid].append(MeasurementInput(r, 0.0, None, format_field_path(
                        ("networks", i, "members"))))
        for j, link in enumerate(net.links):
            where = ("networks", i, "links", j)
            to = link.to
            ends.append(to)
            if to not in order:
                order.append(to)
                meas[to], trk[to] = [], []
            if link.data == "measurements":
                rs = radars_under(link.from_)
                if not rs:
                    raise ScenarioError(
                        field=format_field_path((*where, "from")),
                        expected="a radar, or a unit with radars, for data: measurements",
                        found=repr(link.from_))
                for r in rs:
                    meas[to].append(MeasurementInput(r, link.latency_s, link.update_s,
                                                     format_field_path(where)))
            else:
                trk[to].append((link.from_, link.latency_s, link.update_s,
                                format_field_path(where)))
        for e in ends:
            nets.setdefault(e, [])
            if net.id not in nets[e]:
                nets[e].append(net.id)
        if nid_implicit := (net.id if net.id in order and not any(
                lk.data == "measurements" for lk in net.links) else None):
            units.setdefault(nid_implicit, set()).update(members)
    # a system in no network keeps its own battery picture: an implicit node named after it
    networked = set()
    for net in sc.networks:
        for m in net.members:
            networked |= parts.get(m, {m})
    for i, s in enumerate(sc.systems):
        if s.id in networked or s.id in order:
            continue
        rs = radars_under(s.id)
        if not rs:
            continue
        order.append(s.id)
        meas[s.id] = [MeasurementInput(r, 0.0, None, format_field_path(("systems", i)))
                      for r in rs]
        trk[s.id] = []
        nets[s.id] = []
        units[s.id] = set(parts[s.id])
    # a track link from a radar (or a unit with radars) that is no node: the radar's own
    # tracker, fed by its plots as each scan ends, is the sender (a feeder node)
    feeders = set()
    for nid in list(order):
        for src, _, _, where in trk[nid]:
            if src in order:
                continue
            rs = radars_under(src)
            if not rs:
                raise ScenarioError(
                    field=f"{where}.from",
                    expected="a node that holds tracks (the 'to' of a link) or a unit with "
                             "radars",
                    found=repr(src))
            order.append(src)
            feeders.add(src)
            meas[src] = [MeasurementInput(r, 0.0, None, f"{where}.from") for r in rs]
            trk[src] = []
            nets[src] = [n.id for n in sc.networks if any(
                lk.from_ == src for lk in n.links)]
    # whose IFF arrangements a picture uses: its own unit's (the whole system a command post
    # or radar belongs to, or the sensor), an implicit network node's members'
    system_of = {p: s_.id for s_ in sc.systems for p in parts[s_.id]}
    for nid in order:
        if nid not in units:
            units[nid] = set(parts[system_of[nid]]) if nid in system_of else set(
                parts.get(nid, {nid}))
    index = {nid: k for k, nid in enumerate(order)}
    nodes = []
    for k, nid in enumerate(order):
        tin = []
        for src, lat_s, upd, where in trk[nid]:
            if src == nid:
                raise ScenarioError(field=f"{where}.from", expected="another node than 'to'",
                                    found=repr(src))
            tin.append(TrackInput(index[src], lat_s, upd, where))
        nodes.append(NodeModel(index=k, id=nid, networks=tuple(nets[nid]),
                               measurements=tuple(meas[nid]), tracks=tuple(tin),
                               units=frozenset(units[nid]), reported=nid not in feeders))
    # radars reaching each node, through track links too (transitive closure)
    reach = [set(m.radar for m in n.measurements) for n in nodes]
    changed = True
    while changed:
        changed = False
        for n in nodes:
            for t in n.tracks:
                new = reach[t.source] - reach[n.index]
                if new:
                    reach[n.index] |= new
                    changed = True
    return [NodeModel(index=n.index, id=n.id, networks=n.networks, measurements=n.measurements,
                      tracks=n.tracks, units=n.units, radars=tuple(sorted(reach[n.index])),
                      reported=n.reported)
            for n in nodes]


# ------------------------------------------------------------------------------------------------
# events


def _fire_control_events(sc, object_ids, raid_of):
    """Unit switches and unauthorised-engagement orders (see :attr:`World.orders`)."""
    obj_of = {o: i for i, o in enumerate(object_ids)}
    fc_units = _fc_units(sc)
    switches, orders = [], []
    for _k, ev in sorted(enumerate(sc.events), key=lambda x: (x[1].time_s, x[0])):
        if ev.kind == "engage_unauthorised":
            rows = ((obj_of[ev.target],) if ev.target in obj_of
                    else tuple(i for i, r in enumerate(raid_of) if r == ev.target))
            orders.append((float(ev.time_s), ev.unit, rows, ev.actor))
        elif ev.kind in ("disable", "enable", "destroy") and ev.target in fc_units:
            switches.append((float(ev.time_s), ev.target, ev.kind))
    return tuple(switches), tuple(orders)


def _fc_units(sc) -> set[str]:
    """Units whose state fire control follows: systems, fire units and all their parts."""
    parts = unit_parts(sc)
    return {u for s in sc.systems for u in parts[s.id]}


def _events(sc, radars, nodes, parts, object_ids):
    radar_of = {r.id: r.index for r in radars}
    node_of = {n.id: n.index for n in nodes}
    obj_of = {o: i for i, o in enumerate(object_ids)}
    rs, ns = [], []
    destroyed = np.full(len(object_ids), np.inf)
    notes = []
    fc_units = _fc_units(sc)
    for k, ev in sorted(enumerate(sc.events), key=lambda x: (x[1].time_s, x[0])):
        where = ("events", k)
        if ev.kind in ("iff_alter",):
            continue
        if ev.kind == "engage_unauthorised":
            continue
        if ev.target in obj_of:
            if ev.kind != "destroy":
                raise ScenarioError(field=format_field_path((*where, "kind")),
                                    expected="destroy (the only event an air object can take)",
                                    found=ev.kind)
            destroyed[obj_of[ev.target]] = min(destroyed[obj_of[ev.target]], ev.time_s)
            continue
        if ev.kind not in _OFF + _ON:
            continue
        on = ev.kind in _ON
        under = parts.get(ev.target, {ev.target})
        hit = False
        for u in sorted(under):
            if u in radar_of:
                rs.append((float(ev.time_s), radar_of[u], on))
                hit = True
            if u in node_of:
                ns.append((float(ev.time_s), node_of[u], on))
                hit = True
        if ev.target in node_of and ev.target not in under:
            ns.append((float(ev.time_s), node_of[ev.target], on))
            hit = True
        if ev.kind in ("disable", "enable", "destroy") and ev.target in fc_units:
            hit = True
        if not hit:
            notes.append(f"{format_field_path(where)}: {ev.kind} of {ev.target!r} changes "
                         "nothing the simulation models (no radar, node or air object)")
    # destroy is final: later "on" switches of the same radar or node are dropped
    for ev in sc.events:
        if ev.kind == "destroy" and ev.target not in obj_of:
            for u in parts.get(ev.target, {ev.target}):
                if u in radar_of:
                    rs = [(t, r, on) for t, r, on in rs
                          if not (r == radar_of[u] and on and t >= ev.time_s)]
                if u in node_of:
                    ns = [(t, n, on) for t, n, on in ns
                          if not (n == node_of[u] and on and t >= ev.time_s)]
    return tuple(rs), tuple(ns), destroyed, notes


# ------------------------------------------------------------------------------------------------


def build_world(sc, catalog=None, seed: int | None = None, duration_s: float | None = None, *,
                terrain: bool = True, terrain_cell_m: float = 2000.0,
                clutter: ClutterModel | None = None) -> World:
    """Build the :class:`World` of a validated scenario.

    Parameters
    ----------
    sc
        A validated :class:`iads.scenario.Scenario`.
    catalog
        The catalog (the shipped one by default).
    seed
        Root seed (``sc.run.seed`` by default).
    duration_s
        Simulated time [s] (``sc.run.duration_s`` by default).
    terrain
        Terrain masks for ground radars (and terrain under AGL waypoints); False: smooth earth.
    terrain_cell_m
        Cell of the masks [m].
    clutter
        Land clutter (constant γ, :class:`~iads.sensors.ClutterModel` default when None).
    """
    from .. import terrain as terrain_mod
    from ..catalog import load_catalog

    cat = catalog or load_catalog()
    seed = int(sc.run.seed if seed is None else seed)
    if seed < 0:
        raise ScenarioError(field="run.seed", expected="a seed >= 0", found=str(seed))
    duration = float(sc.run.duration_s if duration_s is None else duration_s)
    if not duration > 0:
        raise ScenarioError(field="run.duration_s", expected="a duration > 0",
                            found=f"{duration:g}")
    k = sc.terrain.k_factor
    needs_dem = (terrain or any(w.alt_ref == "agl" for o in sc.air_objects for w in o.route)
                 or any(cat.targets[r.type].category in ("cruise_missile", "drone",
                                                         "ballistic_missile")
                        for r in sc.raids))
    dem = _dem(sc.terrain.dem) if needs_dem else None
    if dem is not None and sc.raids:
        # raids query the terrain along every cruise route: hold the raster in memory once
        # (the same heights; a window read per query costs a file open each)
        _ = dem.data
    ground = (functools.partial(terrain_mod.elevation_at, dem, outside=sc.terrain.outside)
              if dem is not None else None)
    paths = paths_from_air_objects(sc.air_objects, ground)
    ids = tuple(o.id for o in sc.air_objects)
    types = tuple(o.type for o in sc.air_objects)
    truth = np.array([Truth[o.category.upper()] for o in sc.air_objects], np.int8)
    raids = raid_objects(sc, cat, seed, ground) if sc.raids else None
    objects = objects_from_scenario(sc)
    if raids is not None:
        paths, ids, types, truth, objects, threats = _with_raids(paths, ids, types, truth,
                                                                 objects, raids, sc)
    else:
        threats = None
    targets = [cat.targets[t] for t in types]
    top = 0.0
    if len(paths):
        from ..kinematics import geodetic_of

        top = float(np.max(geodetic_of(paths.p0)[2]))
        # rounded up to 2 km: a mask reaching a little further is the same mask where it is
        # used, and seeded raids (a new top every seed) then share the cached masks
        top = math.ceil(top / 2000.0) * 2000.0
    radars = _place_radars(sc, cat, seed, dem, terrain, terrain_cell_m, k, top)
    bands = sorted({r.placed.band for r in radars})
    sigs = {}
    for b in bands:
        sigs[b] = signatures(targets, b) if targets else Signatures(np.zeros((0, 3)),
                                                                    np.zeros(0, np.int64))
    parts = unit_parts(sc)
    nodes = _nodes(sc, radars, parts)
    rs, ns, destroyed, notes = _events(sc, radars, nodes, parts, ids)
    raid_of = (("",) * len(sc.air_objects) + raids.raid) if raids is not None else ()
    unit_sw, orders = _fire_control_events(sc, ids, raid_of)
    fc = fire_control_models(sc, cat, radars, ground)
    points = defended_points(sc, ground)
    for n in notes:
        warnings.warn(n, stacklevel=2)
    return World(
        scenario=sc, catalog=cat, seed=seed, duration_s=duration, paths=paths, object_ids=ids,
        object_types=types, truth=truth, objects=objects,
        flight_plans=flight_plan_table(flight_plans_from_scenario(sc)), signatures=sigs,
        radars=tuple(radars), fire_units=tuple(_fire_units(sc, cat, radars)),
        nodes=tuple(nodes), radar_switches=rs, node_switches=ns, destroyed_at=destroyed,
        clutter=clutter or ClutterModel(), k_factor=k, notes=tuple(notes), fire_control=fc,
        points=points, threats=threats, unit_switches=unit_sw, orders=orders,
        jammers=jammers_by_band(sc.air_objects, bands))


@dataclass(frozen=True)
class ThreatRows:
    """Raid threats in the world: object ``rows``, their raid and aim point ids, impact
    times [s] and impact points (ECEF (n, 3) [m], the end of each path)."""

    rows: np.ndarray
    raid: tuple[str, ...]
    aim: tuple[str, ...]
    t_impact: np.ndarray
    impact_ecef: np.ndarray


def _with_raids(paths, ids, types, truth, objects, raids, sc):
    """Append the raid threats after the air objects (paths, ids, types, truth, objects)."""
    from ..identification import object_table
    from ..kinematics import positions

    n0 = len(ids)
    both = _stack(paths, raids.paths)
    ids = ids + raids.ids
    types = types + raids.types
    truth = np.concatenate([truth, raids.truth]).astype(np.int8)
    extra = object_table(list(raids.ids), list(raids.owners), raids.truth,
                         np.zeros(len(raids.ids), np.uint8),
                         member_of={k: v.member_of for k, v in sc.owners.items()})
    objects = _concat_objects(objects, extra)
    rows = np.arange(n0, n0 + len(raids.ids), dtype=np.int64)
    end = positions(both, np.minimum(both.t_end[rows], raids.t_impact), rows)[0]
    # impacts only for threats that impact (aircraft raids return to base: t_impact inf)
    threats = ThreatRows(rows=rows, raid=raids.raid, aim=raids.aim,
                         t_impact=raids.t_impact.copy(), impact_ecef=end)
    return both, ids, types, truth, objects, threats


def _stack(a, b):
    """Two stacked :class:`Paths` as one (``b``'s objects after ``a``'s)."""
    na = a.offsets[-1]
    ka = a.arc_c.shape[0]
    arc_b = np.where(b.arc >= 0, b.arc + ka, -1)
    cat = np.concatenate
    return Paths(
        offsets=cat([a.offsets, b.offsets[1:] + na]), t0=cat([a.t0, b.t0]),
        p0=np.ascontiguousarray(cat([a.p0, b.p0])), v=np.ascontiguousarray(cat([a.v, b.v])),
        arc=cat([a.arc, arc_b]), arc_c=np.ascontiguousarray(cat([a.arc_c, b.arc_c])),
        arc_w=cat([a.arc_w, b.arc_w]), arc_phi0=cat([a.arc_phi0, b.arc_phi0]),
        t_begin=cat([a.t_begin, b.t_begin]), t_end=cat([a.t_end, b.t_end]),
        period=cat([a.period, b.period]), t_base=cat([a.t_base, b.t_base]),
        ids=tuple(a.ids) + tuple(b.ids))


def _concat_objects(a, b):
    """Two :class:`~iads.identification.ObjectTable` as one."""
    from ..identification import ObjectTable

    return ObjectTable(
        ids=np.concatenate([a.ids, b.ids]), owner=np.concatenate([a.owner, b.owner]),
        truth=np.concatenate([a.truth, b.truth]), modes=np.concatenate([a.modes, b.modes]),
        code_owner=np.concatenate([a.code_owner, b.code_owner]),
        code_3a=np.concatenate([a.code_3a, b.code_3a]),
        mode_s=np.concatenate([a.mode_s, b.mode_s]),
        callsign=np.concatenate([a.callsign, b.callsign]), member_of=a.member_of)


def jammers_by_band(air_objects, bands) -> dict[str, Jammers]:
    """The noise jammers of ``air_objects`` covering each of ``bands`` (bands none covers are
    left out)."""
    out = {}
    for b in bands:
        rows = [(i, o.jammer) for i, o in enumerate(air_objects)
                if o.jammer is not None and b in o.jammer.bands]
        if rows:
            out[b] = Jammers(np.array([i for i, _ in rows], np.int64),
                             np.array([j.power_w for _, j in rows]),
                             np.array([j.bandwidth_mhz * 1e6 for _, j in rows]))
    return out


def ecef_of(lat_deg, lon_deg, h_m) -> np.ndarray:
    """ECEF (3,) [m] of a point (lat, lon [°], height [m])."""
    return np.array([float(v) for v in geodetic_to_ecef(lat_deg, lon_deg, h_m)])
