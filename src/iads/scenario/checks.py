"""Checks that span more than one field: ids, references, catalog consistency, times.

Run on a :class:`~iads.scenario.schema.Scenario` that already passed its field-level schema.
Each problem is a :class:`Problem` with the ``loc`` (field names and list indices) of the
offending value; :func:`iads.scenario.load_scenario` turns the first one into a located
:class:`iads.errors.ScenarioError`.

What is checked:

* ids of units, sensors, objects, raids, networks, IFF arrangements and events are unique;
* every reference resolves to something of the right kind (owners, sites, network members and
  link ends, aim points, interrogators, event targets), suggesting the closest name otherwise;
* deployed systems use their catalog system's radars, launchers and missiles, and a launcher
  holds at most a full load (mixed loads count each missile as its share of the tubes: a
  launcher that takes 4 large or 16 small missiles can take 2 large + 8 small);
* a radar whose sector is narrower than 360° has a ``boresight_deg``;
* times lie within the run (waypoints, raid launches, events), route times increase, a route
  leg has a way to be flown (a speed > 0 or times at both ends), and route speeds and
  altitudes stay within the catalog maximum of the air object's type;
* raids (:func:`_raid_problems`): the kind fits the type's catalog category and takes the
  fields given; aim points lie on the terrain model (inside the DEM whatever
  ``terrain.outside`` says), a cruise or AGL raid's launch area too (unless ``sea_level``);
  speeds, altitudes and clearances fit the catalog type; a ballistic raid's shots are
  possible for the type at the shortest and longest range the launch area allows to each
  aim point (range within the catalog's, apogee or flight time within the band the catalog
  burnout speed and apogee allow).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .schema import RadarUnit, Scenario, Sensor

__all__ = ["Problem", "check_scenario"]

UNIT_KINDS = ("system", "fire_unit", "radar", "launcher", "command_post", "sensor")


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario, at ``loc`` (a tuple of field names and indices)."""

    loc: tuple
    message: str = ""
    expected: str | None = None
    found: str | None = None


def _hint(name: str, candidates) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=2, cutoff=0.5)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def _words(kinds) -> str:
    names = {
        "system": "a system",
        "fire_unit": "a fire unit",
        "radar": "a radar",
        "launcher": "a launcher group",
        "command_post": "a command post",
        "sensor": "a sensor",
        "asset": "an asset",
        "air_object": "an air object",
        "raid": "a raid",
        "network": "a network",
        "iff": "an IFF arrangement",
        "event": "an event",
    }
    words = [names[k] for k in kinds]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _capacity(launcher) -> dict[str, int]:
    """Most rounds of each missile one launcher takes, over its default and other loads."""
    out: dict[str, int] = {}
    for load in (launcher.loads, *getattr(launcher, "alternative_loads", ())):
        for m, n in load.items():
            out[m] = max(out.get(m, 0), n)
    return out


def check_scenario(
    sc: Scenario,
    catalog,
    render: Callable[[tuple], str] | None = None,
    order: Callable[[tuple], Any] | None = None,
) -> Iterator[Problem]:
    """Yield every cross-field problem of ``sc``, roughly in file order.

    ``render`` turns a loc into the path text used inside messages (e.g. where an id was first
    used); by default the loc is joined plainly. ``order`` gives a sort key for a loc (its
    place in the files): when two values clash (a duplicate id, both a site and a position),
    the problem is reported at the later one, i.e. the one most likely just written.
    """
    render = render or (lambda loc: ".".join(str(p) for p in loc))
    order = order or (lambda loc: 0)
    ids: dict[str, tuple[str, tuple]] = {}
    parent: dict[str, list[str]] = {}  # component id -> ids of the fire unit / system above it
    problems: list[Problem] = []

    def declare(kind: str, id_: str, loc: tuple, above: list[str]) -> None:
        if id_ in ids:
            other_kind, other_loc = ids[id_]
            if order((*loc, "id")) < order((*other_loc, "id")):  # report at the later one
                loc, other_loc, kind, other_kind = other_loc, loc, other_kind, kind
            problems.append(
                Problem(
                    (*loc, "id"),
                    f"duplicate id {id_!r}",
                    "an id used once in the scenario",
                    f"{id_!r} again (first used by {_words([other_kind])} at {render(other_loc)})",
                )
            )
            return
        ids[id_] = (kind, loc)
        parent[id_] = above

    # ---- declare every id, in file order ----
    for i, s in enumerate(sc.systems):
        sl = ("systems", i)
        declare("system", s.id, sl, [])
        for j, r in enumerate(s.radars):
            declare("radar", r.id, (*sl, "radars", j), [s.id])
        if s.command_post is not None:
            declare("command_post", s.command_post.id, (*sl, "command_post"), [s.id])
        for j, fu in enumerate(s.fire_units):
            fl = (*sl, "fire_units", j)
            declare("fire_unit", fu.id, fl, [s.id])
            declare("radar", fu.radar.id, (*fl, "radar"), [fu.id, s.id])
            for k, lg in enumerate(fu.launchers):
                declare("launcher", lg.id, (*fl, "launchers", k), [fu.id, s.id])
    for section, kind in (
        ("sensors", "sensor"),
        ("assets", "asset"),
        ("air_objects", "air_object"),
        ("raids", "raid"),
        ("networks", "network"),
        ("iff", "iff"),
        ("events", "event"),
    ):
        for i, x in enumerate(getattr(sc, section)):
            if x.id is not None:
                declare(kind, x.id, (section, i), [])
    yield from problems

    def ref(loc: tuple, value: str | None, kinds) -> Iterator[Problem]:
        if value is None:
            return
        hit = ids.get(value)
        if hit is not None and hit[0] in kinds:
            return
        fits = [k for k, (kind, _) in ids.items() if kind in kinds]
        if hit is None:
            found = f"{value!r}, which is not defined{_hint(value, fits)}"
        else:
            found = f"{value!r}, which is {_words([hit[0]])}{_hint(value, fits)}"
        yield Problem(loc, "", f"the id of {_words(kinds)}", found)

    def owner(loc: tuple, value: str | None) -> Iterator[Problem]:
        if value is not None and value not in sc.owners:
            yield Problem(
                loc,
                "",
                f"an owner defined under 'owners' ({', '.join(sc.owners) or 'none defined'})",
                f"{value!r}{_hint(value, sc.owners)}",
            )

    def site(loc: tuple, obj, need: str | None = None) -> Iterator[Problem]:
        """Check the placement of ``obj``; ``need`` names it if it must be placed."""
        ways = ("site", "position", "orbit") if isinstance(obj, Sensor) else ("site", "position")
        given = [w for w in ways if getattr(obj, w) is not None]
        choice = (
            "either 'site' or 'position'"
            if len(ways) == 2
            else ("exactly one of 'site', 'position' or 'orbit'")
        )
        if len(given) > 1:
            last = max(given, key=lambda w: order((*loc, w)))
            yield Problem((*loc, last), "", choice, " and ".join(given))
            return
        if need and not given:
            yield Problem(loc, "", f"{choice} for {need}", "neither" if len(ways) == 2 else "none")
            return
        if obj.site is not None and obj.site not in sc.sites:
            yield Problem(
                (*loc, "site"),
                "",
                f"a site defined under 'sites' ({', '.join(sc.sites) or 'none defined'})",
                f"{obj.site!r}{_hint(obj.site, sc.sites)}",
            )

    def boresight(loc: tuple, r: RadarUnit | Sensor) -> Iterator[Problem]:
        width = r.sector_deg
        if width is None:
            width = catalog.radars[r.type].azimuth_sector_deg.value
        if width < 360 and r.boresight_deg is None:
            yield Problem(
                (*loc, "boresight_deg"),
                "",
                f"the azimuth the {r.type} faces (its sector is {width:g}° wide)",
                "none",
            )

    # ---- owners and sites ----
    for name, o in sc.owners.items():
        for j, a in enumerate(o.member_of):
            loc = ("owners", name, "member_of", j)
            if a == name:
                yield Problem(loc, "", "an alliance other than the owner itself", repr(a))
            elif a not in sc.owners:
                yield from owner(loc, a)
            elif sc.owners[a].kind != "alliance":
                yield Problem(
                    loc, "", "an owner of kind alliance", f"{a!r} of kind {sc.owners[a].kind}"
                )

    duration = sc.run.duration_s

    def within_run(loc: tuple, t: float | None, what: str = "a time") -> Iterator[Problem]:
        if t is not None and t > duration:
            yield Problem(
                loc, "", f"{what} within the run [0, {duration:g}] s (run.duration_s)", f"{t:g}"
            )

    # ---- systems ----
    for i, s in enumerate(sc.systems):
        sl = ("systems", i)
        entry = catalog.systems[s.type]
        yield from owner((*sl, "owner"), s.owner)
        yield from owner((*sl, "supplier"), s.supplier)
        yield from site(sl, s, "a system")
        sys_radars = list(dict.fromkeys([*entry.radars.values(), entry.engagement_radar]))
        fu_radars = [entry.engagement_radar] + [
            r
            for r in entry.radars.values()
            if r in catalog.radars and catalog.radars[r].role in ("engagement", "multifunction")
        ]
        fu_radars = list(dict.fromkeys(fu_radars))
        for j, r in enumerate(s.radars):
            rl = (*sl, "radars", j)
            yield from site(rl, r)
            if r.type not in sys_radars:
                yield Problem(
                    (*rl, "type"),
                    "",
                    f"one of the {s.type}'s radars ({', '.join(sys_radars)})",
                    repr(r.type),
                )
            yield from boresight(rl, r)
        if s.command_post is not None:
            yield from site((*sl, "command_post"), s.command_post)
        for j, fu in enumerate(s.fire_units):
            fl = (*sl, "fire_units", j)
            yield from site(fl, fu)
            rl = (*fl, "radar")
            yield from site(rl, fu.radar)
            if fu.radar.type not in fu_radars:
                yield Problem(
                    (*rl, "type"),
                    "",
                    f"an engagement radar of the {s.type} ({', '.join(fu_radars)})",
                    repr(fu.radar.type),
                )
            yield from boresight(rl, fu.radar)
            for k, lg in enumerate(fu.launchers):
                ll = (*fl, "launchers", k)
                yield from site(ll, lg)
                if lg.type not in entry.launchers:
                    yield Problem(
                        (*ll, "type"),
                        "",
                        f"a launcher of the {s.type} ({', '.join(entry.launchers)})",
                        repr(lg.type),
                    )
                    continue
                capacity = _capacity(catalog.launchers[lg.type])
                fill = 0.0
                for m, n in lg.load.items():
                    if m not in entry.missiles or m not in capacity:
                        fits = [x for x in entry.missiles if x in capacity]
                        yield Problem(
                            (*ll, "load", m),
                            "",
                            f"a missile the {s.type}'s {lg.type} fires ({', '.join(fits)})",
                            repr(m),
                        )
                        continue
                    fill += n / capacity[m]
                if fill > 1 + 1e-9:
                    full = ", ".join(f"{c} x {m}" for m, c in capacity.items())
                    yield Problem(
                        (*ll, "load"),
                        "",
                        f"at most a full {lg.type} ({full}, or a mix filling at most its tubes)",
                        f"{', '.join(f'{n} x {m}' for m, n in lg.load.items())} "
                        f"({fill:.0%} of its tubes)",
                    )
            for m in fu.reserve:
                if m not in entry.missiles:
                    yield Problem(
                        (*fl, "reserve", m),
                        "",
                        f"a missile of the {s.type} ({', '.join(entry.missiles)})",
                        repr(m),
                    )

        # a doctrine names only missiles the system holds (loaded or in reserve)
        if s.doctrine is not None:
            held = {m for fu in s.fire_units for lg in fu.launchers for m in lg.load}
            held |= {m for fu in s.fire_units for m in fu.reserve}
            for j, m in enumerate(s.doctrine.weapons):
                if m not in held:
                    yield Problem(
                        (*sl, "doctrine", "weapons", j),
                        "",
                        f"a missile system {s.id!r} holds ({', '.join(sorted(held)) or 'none'})",
                        repr(m),
                    )

    # ---- sensors and assets ----
    for i, x in enumerate(sc.sensors):
        loc = ("sensors", i)
        yield from owner((*loc, "owner"), x.owner)
        yield from site(loc, x, "a sensor")
        yield from boresight(loc, x)
    for i, a in enumerate(sc.assets):
        loc = ("assets", i)
        yield from owner((*loc, "owner"), a.owner)
        yield from site(loc, a, "an asset")

    # ---- air objects ----
    for i, ao in enumerate(sc.air_objects):
        loc = ("air_objects", i)
        yield from owner((*loc, "owner"), ao.owner)
        target = catalog.targets[ao.type]
        v_max, h_max = target.speed_max_mps.hi, target.altitude_max_m.hi
        last_t, last_j = None, None
        for j, wp in enumerate(ao.route):
            wl = (*loc, "route", j)
            yield from within_run((*wl, "time_s"), wp.time_s, "a waypoint time")
            if wp.time_s is not None:
                if last_t is not None and wp.time_s <= last_t:
                    yield Problem(
                        (*wl, "time_s"),
                        "",
                        f"a time after the previous timed waypoint (route[{last_j}] at "
                        f"{last_t:g} s)",
                        f"{wp.time_s:g}",
                    )
                last_t, last_j = wp.time_s, j
            if wp.speed_mps is not None and wp.speed_mps > v_max:
                yield Problem(
                    (*wl, "speed_mps"),
                    "",
                    f"a speed within the {ao.type}'s maximum of {v_max:g} m/s (catalog)",
                    f"{wp.speed_mps:g}",
                )
            if wp.alt_ref == "msl" and wp.alt_m > h_max:
                yield Problem(
                    (*wl, "alt_m"),
                    "",
                    f"an altitude within the {ao.type}'s ceiling of {h_max:g} m (catalog)",
                    f"{wp.alt_m:g}",
                )
            if j + 1 < len(ao.route):
                nxt = ao.route[j + 1]
                timed = wp.time_s is not None and nxt.time_s is not None
                if wp.speed_mps == 0 and not timed:
                    yield Problem(
                        (*wl, "speed_mps"),
                        "",
                        "a speed > 0 on a leg to a next waypoint (or time_s at both ends)",
                        "0",
                    )

    # ---- raids ----
    aim_kinds = ("asset", *UNIT_KINDS)
    for i, r in enumerate(sc.raids):
        loc = ("raids", i)
        yield from owner((*loc, "owner"), r.owner)
        bad_aim = False
        for j, a in enumerate(r.aim_points):
            if isinstance(a, str):
                found = list(ref((*loc, "aim_points", j), a, aim_kinds))
                bad_aim = bad_aim or bool(found)
                yield from found
        yield from within_run((*loc, "start_s"), r.start_s, "a launch time")
        if r.start_s <= duration:
            yield from within_run((*loc, "spread_s"), r.start_s + r.spread_s, "start_s + spread_s")
        if not bad_aim:
            yield from _raid_problems(sc, catalog, i, r, order)

    # ---- networks ----
    for i, n in enumerate(sc.networks):
        loc = ("networks", i)
        for j, m in enumerate(n.members):
            yield from ref((*loc, "members", j), m, UNIT_KINDS)
        inside = set(n.members)
        for j, link in enumerate(n.links):
            for end, value in (("from", link.from_), ("to", link.to)):
                el = (*loc, "links", j, end)
                bad = list(ref(el, value, UNIT_KINDS))
                if bad:
                    yield from bad
                elif value not in inside and not inside & set(parent.get(value, [])):
                    yield Problem(
                        el,
                        "",
                        f"a member of network {n.id!r} or a part of one ({', '.join(n.members)})",
                        repr(value),
                    )

    # ---- IFF ----
    for i, arr in enumerate(sc.iff):
        loc = ("iff", i)
        for j, x in enumerate(arr.interrogators):
            yield from ref(
                (*loc, "interrogators", j), x, ("system", "fire_unit", "radar", "sensor")
            )
        for j, k in enumerate(arr.keys):
            yield from owner((*loc, "keys", j), k)
        yield from ref((*loc, "via"), arr.via, ("network",))
        secure = sorted({"4", "5"} & set(arr.modes))
        if secure and not arr.keys:
            yield Problem(
                (*loc, "modes"),
                f"mode {' and '.join(secure)} needs 'keys'",
                "the owners whose mode 4/5 crypto keys are held (modes 4 and 5 are encrypted)",
                "none",
            )

    # ---- events ----
    everything = tuple(dict.fromkeys(kind for kind, _ in ids.values()))
    for i, e in enumerate(sc.events):
        loc = ("events", i)
        yield from within_run((*loc, "time_s"), e.time_s, "an event time")
        yield from owner((*loc, "actor"), e.actor)
        if e.kind == "engage_unauthorised":
            yield from ref((*loc, "target"), e.target, ("air_object", "raid"))
            yield from ref((*loc, "unit"), e.unit, ("system", "fire_unit"))
        elif e.kind == "iff_alter":
            yield from ref((*loc, "target"), e.target, ("system", "radar", "sensor", "iff"))
        else:
            yield from ref((*loc, "target"), e.target, everything or UNIT_KINDS)
            yield from ref((*loc, "unit"), e.unit, ("system", "fire_unit"))


def _dem_probe(sc):
    """``probe(lat, lon) -> None or the reason the point is off the terrain`` for the
    scenario's DEM (outside its extent or on nodata), whatever ``terrain.outside`` says."""
    from .. import terrain as terrain_mod
    from ..errors import TerrainError

    try:
        dem = (terrain_mod.builtin_dem() if sc.terrain.dem == "builtin"
               else terrain_mod.load_dem(sc.terrain.dem))
    except TerrainError:
        return lambda lat, lon: None  # the simulation reports an unusable DEM itself

    def probe(lat, lon):
        try:
            terrain_mod.elevation_at(dem, lat, lon, "error")
        except TerrainError as exc:  # "... ; DEM extent 28.000..48.000 N, ..."
            return "outside the DEM or on nodata; " + exc.message.split("; ")[-1]
        return None

    return probe


def _raid_problems(sc: Scenario, catalog, i: int, r, order) -> Iterator[Problem]:
    """Problems of raid ``i`` that need the catalog, the terrain or trajectory physics."""
    from pyproj import Geod

    from ..threats import CATEGORY_KINDS, ThreatError, ballistic_shot
    from .schema import RAID_KIND_FIELDS

    loc = ("raids", i)
    target = catalog.targets[r.type]
    kinds = CATEGORY_KINDS.get(target.category, ())
    kind = r.kind or (kinds[0] if kinds else None)
    if kind not in kinds:
        yield Problem(
            (*loc, "kind" if r.kind else "type"), "",
            f"a kind a {target.category} flies ({', '.join(kinds) or 'none'})",
            f"{kind} for {r.type}" if r.kind else f"{r.type}, a {target.category}",
        )
        return
    defaults = {"alt_ref": "msl", "via": []}
    for name, allowed in RAID_KIND_FIELDS.items():
        value = getattr(r, name)
        if value is not None and value != defaults.get(name) and kind not in allowed:
            yield Problem((*loc, name), "", f"{name} only for a raid of kind "
                          f"{' or '.join(allowed)}", f"it on a {kind} raid")
            return

    given = [n for n in ("apogee_m", "flight_time_s", "trajectory") if getattr(r, n) is not None]
    if len(given) > 1:
        last = max(given, key=lambda n: order((*loc, n)))
        yield Problem((*loc, last), "", "at most one of apogee_m, flight_time_s and trajectory "
                      "(the rest is derived from the range)", " and ".join(given))
        return

    # aim points on the terrain
    positions = sc.positions()
    aims = []
    probe = _dem_probe(sc)
    for j, a in enumerate(r.aim_points):
        p = positions.get(a) if isinstance(a, str) else a
        if p is None:  # a unit placed nowhere: reported by its own checks
            return
        why = probe(p.lat, p.lon)
        if why is not None:
            what = f"{a!r} at" if isinstance(a, str) else "the point"
            yield Problem((*loc, "aim_points", j), "", "an aim point on the terrain model",
                          f"{what} ({p.lat:g} N, {p.lon:g} E), {why}")
            return
        aims.append((p.lat, p.lon))
    la = r.launch_area
    follows = kind == "cruise" or (r.alt_ref == "agl" and kind in ("drone", "aircraft"))
    starts = kind in ("ballistic", "quasi_ballistic")  # the arc starts on the terrain
    if (follows or starts) and sc.terrain.outside == "error":
        why = probe(la.lat, la.lon)
        if why is not None:
            how = "follows it" if follows else "starts on it"
            yield Problem((*loc, "launch_area"), "",
                          f"a launch area on the terrain model (a {kind} raid {how})",
                          f"({la.lat:g} N, {la.lon:g} E), {why}")
            return

    # air-breathing: speed and height against the catalog
    name = r.type
    if r.speed_mps is not None and r.speed_mps > target.speed_max_mps.hi:
        yield Problem((*loc, "speed_mps"), "", f"a speed within the {name}'s maximum of "
                      f"{target.speed_max_mps.hi:g} m/s (catalog speed_max_mps.high)",
                      f"{r.speed_mps:g}")
    lo, hi = target.altitude_min_m.lo, target.altitude_max_m.hi
    for field, value in (("clearance_m", r.clearance_m), ("alt_m", r.alt_m)):
        if value is not None and not lo <= value <= hi:
            what = "a clearance" if field == "clearance_m" else "an altitude"
            yield Problem((*loc, field), "", f"{what} in [{lo:g}, {hi:g}] m for the {name} "
                          "(catalog altitude_min_m.low, altitude_max_m.high)", f"{value:g}")

    geod = Geod(ellps="WGS84")
    radius = la.radius_km * 1e3

    def legs_m(lat, lon):
        """Ground legs [m] from the launch area's centre via the ``via`` points to (lat, lon)."""
        pts = [(la.lat, la.lon), *[(p.lat, p.lon) for p in r.via], (lat, lon)]
        return [geod.inv(a[1], a[0], b[1], b[0])[2] for a, b in zip(pts[:-1], pts[1:],
                                                                     strict=True)]

    # cruise range from the launch area's far edge; aircraft stand-off within the last leg
    for j, (lat, lon) in enumerate(aims):
        legs = legs_m(lat, lon)
        total = (sum(legs) + radius) / 1e3
        if kind == "cruise" and target.range_max_km is not None and \
                total > target.range_max_km.hi:
            yield Problem((*loc, "aim_points", j), "", f"a route up to "
                          f"{target.range_max_km.hi:g} km for the {name} (catalog "
                          "range_max_km.high)", f"{total:.1f} km from the launch area's far edge")
            return
        last = (legs[-1] - (0.0 if r.via else radius)) / 1e3
        if kind == "aircraft" and r.standoff_km is not None and r.standoff_km >= last:
            yield Problem((*loc, "standoff_km"), "", f"a stand-off shorter than the last leg to "
                          f"aim point {j} ({last:.1f} km at the shortest)", f"{r.standoff_km:g}")
            return

    # ballistic shots at the shortest and longest range from the launch area
    if kind not in ("ballistic", "quasi_ballistic"):
        return
    given = given[0] if given else None
    for j, (lat, lon) in enumerate(aims):
        _, _, d = geod.inv(la.lon, la.lat, lon, lat)
        for rng_m in sorted({max(d - radius, 1.0), d + radius}):
            try:
                arc = ballistic_shot(rng_m, target, apogee_m=r.apogee_m,
                                     flight_time_s=r.flight_time_s, trajectory=r.trajectory,
                                     type_id=r.type)
            except ThreatError as exc:
                field = (exc.field or "").split("/")[0]
                if field == "range_m" or given is None:
                    at = (*loc, "aim_points", j)
                    msg = "" if field == "range_m" else "the catalog's apogee scaled to the range"
                else:
                    at, msg = (*loc, given), ""
                yield Problem(at, msg, exc.expected, exc.found)
                return
            if r.manoeuvre is not None and r.manoeuvre.duration_s >= arc.flight_time_s / 2:
                yield Problem((*loc, "manoeuvre", "duration_s"), "",
                              f"a manoeuvre shorter than the descent of a {rng_m / 1e3:.1f} km "
                              f"shot ({arc.flight_time_s / 2:.1f} s)",
                              f"{r.manoeuvre.duration_s:g}")
                return
