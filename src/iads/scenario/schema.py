"""Typed schema of a scenario: what a user may write, with its units and physical ranges.

A scenario is one YAML mapping whose sections are the fields of :class:`Scenario`. Every model is
strict (``extra="forbid"``: a misspelt field is an error, never ignored), frozen, and checks types
strictly (``yes`` is not a count, ``"12"`` is not a number). Units are in the field names, SI
throughout (``_m``, ``_s``, ``_mps``, ``_deg``), except:

* ``lat`` and ``lon`` are geodetic latitude and longitude on WGS84 in degrees, north and east
  positive;
* ``radius_km`` of launch areas and orbits is in kilometres;
* ``boresight_deg`` is the azimuth of a sector's centre in degrees clockwise from true north.

Identifiers (``id`` fields and the keys of ``owners`` and ``sites``) start with a letter and use
letters, digits, ``-`` and ``_``; they are what field paths (``systems[s400-1].roe``) and
references use. The ids of everything that can be referred to as a unit, sensor, object, network
or asset are unique across the whole scenario; owners and sites are separate name spaces.

Cross-references, catalog consistency and times within the run are checked after these models by
:func:`iads.scenario.checks.check_scenario`. Catalog names (``type`` fields, missile names) are
resolved to the catalog's canonical ids while validating (aka names and any case are accepted).
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from ..catalog.schema import Band
from ..errors import CatalogError

__all__ = [
    "ID_PATTERN",
    "MODES",
    "Scenario",
    "Run",
    "Terrain",
    "Owner",
    "Position",
    "RadarUnit",
    "CommandPost",
    "LauncherGroup",
    "FireUnit",
    "Doctrine",
    "SystemUnit",
    "Orbit",
    "Sensor",
    "Asset",
    "Waypoint",
    "Transponder",
    "Jammer",
    "AirObject",
    "LaunchArea",
    "LatLon",
    "Manoeuvre",
    "Raid",
    "RAID_KIND_FIELDS",
    "Link",
    "Network",
    "IffArrangement",
    "Event",
]

#: What an identifier looks like.
ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]*$"
#: IFF / SSR modes a transponder answers and an interrogator reads.
MODES = ("1", "2", "3a", "c", "4", "5", "s", "adsb")

# ---- constrained scalar types; ``description`` is what error messages say was expected -----

Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        max_length=64,
        description="an id (a letter, then letters, digits, '-' or '_')",
    ),
]
Lat = Annotated[float, Field(ge=-90, le=90, description="a latitude in degrees")]
Lon = Annotated[float, Field(ge=-180, le=180, description="a longitude in degrees")]
Altitude = Annotated[float, Field(ge=-500, le=1_000_000, description="an altitude in metres")]
HeightAgl = Annotated[float, Field(ge=0, le=10_000, description="a height above ground in metres")]
Speed = Annotated[float, Field(ge=0, le=8000, description="a speed in m/s")]
Time = Annotated[float, Field(ge=0, description="a time in seconds from the start of the run")]
Duration = Annotated[float, Field(ge=0, le=86_400, description="a duration in seconds")]
Azimuth = Annotated[
    float, Field(ge=0, lt=360, description="an azimuth in degrees clockwise from true north")
]
SectorWidth = Annotated[float, Field(gt=0, le=360, description="a sector width in degrees")]
Count = Annotated[int, Field(ge=1, le=100_000, description="a count")]
Rounds = Annotated[int, Field(ge=0, le=10_000, description="a number of missiles")]
Roe = Literal["weapons_hold", "weapons_tight", "weapons_free"]
IffStandard = Literal["nato_mode5", "russian", "national", "none"]
Category = Literal["own", "allied", "civil", "hostile", "neutral"]
Text = Annotated[str, Field(max_length=10_000, description="text")]


def _catalog(info: ValidationInfo):
    ctx = info.context or {}
    if ctx.get("catalog") is None:
        from ..catalog import load_catalog

        return load_catalog()
    return ctx["catalog"]


def _resolver(kind: str):
    def resolve(name: str, info: ValidationInfo) -> str:
        catalog = _catalog(info)
        try:
            return catalog.resolve(kind, name)
        except CatalogError:
            pass
        names: dict[str, str] = {}  # lower-case id or aka -> canonical id
        for id_, entry in catalog.section(kind).items():
            for n in (id_, *getattr(entry, "aka", ())):
                names.setdefault(n.lower(), id_)
        close = difflib.get_close_matches(name.lower(), list(names), n=6, cutoff=0.5)
        ids = list(dict.fromkeys(names[c] for c in close))[:3]
        hint = f"; did you mean {', '.join(repr(i) for i in ids)}?" if ids else ""
        raise ValueError(f"unknown {kind[:-1]} {name!r}{hint} (`iads catalog` lists them)")

    return AfterValidator(resolve)


def _catalog_name(kind: str, what: str):
    return Annotated[str, Field(description=f"a {what} name from the catalog"), _resolver(kind)]


SystemType = _catalog_name("systems", "system")
RadarType = _catalog_name("radars", "radar")
TargetType = _catalog_name("targets", "target")
LauncherType = _catalog_name("launchers", "launcher")
MissileName = _catalog_name("missiles", "missile")


def _mode(v: Any) -> Any:
    """Accept ``1`` for ``'1'`` and any case / ``ads-b`` spelling for the mode labels."""
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, str):
        return v.strip().lower().replace("-", "").replace("mode", "").strip()
    return v


Mode = Annotated[
    Literal["1", "2", "3a", "c", "4", "5", "s", "adsb"],
    BeforeValidator(_mode),
    Field(description="an IFF/SSR mode (1, 2, 3a, c, 4, 5, s, adsb)"),
]


def _unique(items: list) -> list:
    dupes = sorted({str(x) for x in items if items.count(x) > 1})
    if dupes:
        raise ValueError(f"expected each entry once, found {', '.join(dupes)} more than once")
    return items


def _quoted_code(digits: int, what: str):
    def check(v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            raise ValueError(
                f"expected {what} as quoted text such as '{'7' * digits}', found {v} "
                "(unquoted digits are read as a number: quote the code)"
            )
        return v

    return BeforeValidator(check)


Code3A = Annotated[
    str,
    _quoted_code(4, "a Mode 3/A code of 4 octal digits"),
    Field(pattern=r"^[0-7]{4}$", description="a Mode 3/A code of 4 octal digits"),
]
ModeSAddress = Annotated[
    str,
    _quoted_code(6, "a Mode S address of 6 hex digits"),
    Field(pattern=r"^[0-9A-Fa-f]{6}$", description="a Mode S address of 6 hex digits"),
]


def _aware_time(v: Any) -> Any:
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"expected an ISO 8601 time such as 2019-11-25T09:00:00Z, found {v!r}"
            ) from None
    if isinstance(v, datetime) and v.tzinfo is None:
        raise ValueError(
            f"expected a time with its zone (e.g. 2019-11-25T09:00:00Z), found {v.isoformat()}"
        )
    return v


StartTime = Annotated[
    datetime, BeforeValidator(_aware_time), Field(description="an ISO 8601 time with zone")
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        validate_by_name=True,
        validate_by_alias=True,
    )


# ---- placement ----------------------------------------------------------------------------


class Position(_Model):
    """A point on the ground: WGS84 latitude and longitude [°], height above ground [m]."""

    lat: Lat
    lon: Lon
    height_agl_m: HeightAgl = 0.0
    note: Text | None = None


class _Placed(_Model):
    """Something placed at a named ``site`` or at an inline ``position`` (at most one; systems,
    assets and sensors need one, components default to their parent's place)."""

    site: Id | None = None
    position: Position | None = None

    @property
    def placed(self) -> bool:
        return self.site is not None or self.position is not None


# ---- run and world ------------------------------------------------------------------------


class Run(_Model):
    """How long to simulate and from which seed (all randomness derives from ``seed``)."""

    duration_s: Annotated[float, Field(gt=0, le=864_000, description="a run duration in seconds")]
    seed: Annotated[int, Field(ge=0, description="a seed (an integer)")]
    start_time: StartTime | None = None


class Terrain(_Model):
    """The elevation model and radio horizon.

    ``dem`` is ``builtin`` (the shipped GLOBE extract) or a GeoTIFF path (relative paths are
    relative to the scenario file that names them); ``k_factor`` is the effective earth radius
    factor (4/3 for a standard atmosphere); ``outside`` says what happens to points outside the
    DEM: ``error`` or ``sea_level``.
    """

    dem: Annotated[str, Field(min_length=1, description="'builtin' or a GeoTIFF path")] = "builtin"
    k_factor: Annotated[
        float, Field(ge=0.5, le=10, description="an effective earth radius factor")
    ] = 4.0 / 3.0
    outside: Literal["error", "sea_level"] = "error"


class Owner(_Model):
    """A country, an alliance or civil aviation; ``member_of`` lists alliances (owner ids)."""

    kind: Literal["country", "alliance", "civil", "organisation"] = "country"
    name: Text | None = None
    member_of: Annotated[list[Id], AfterValidator(_unique)] = []
    note: Text | None = None


# ---- deployed air-defence systems ---------------------------------------------------------


class RadarUnit(_Placed):
    """A radar of a deployed system or fire unit (placed with its parent unless given).

    ``boresight_deg`` points the centre of the radar's sector; ``sector_deg`` overrides the
    catalog's azimuth sector width. A radar whose sector is narrower than 360° needs a boresight.
    """

    id: Id
    type: RadarType
    boresight_deg: Azimuth | None = None
    sector_deg: SectorWidth | None = None
    note: Text | None = None


class CommandPost(_Placed):
    """A system's command post (battle management), placed with the system unless given."""

    id: Id
    note: Text | None = None


class LauncherGroup(_Placed):
    """``count`` launchers of one catalog type, each loaded with ``load`` (missile → rounds)."""

    id: Id
    type: LauncherType
    count: Count
    load: dict[MissileName, Rounds]
    note: Text | None = None


class FireUnit(_Placed):
    """A fire unit (battery): its engagement radar, its launchers and its reload stock."""

    id: Id
    radar: RadarUnit
    launchers: Annotated[list[LauncherGroup], Field(min_length=1)]
    reserve: dict[MissileName, Rounds] = {}
    note: Text | None = None


class Doctrine(_Model):
    """How a system fires (:mod:`iads.engagement.fire_control`).

    ``mode``: ``salvo`` fires ``salvo_size`` missiles at a target at once; ``shoot_look_shoot``
    fires one, looks (waits for it to end) and fires again if the target is still there (both
    re-engage a surviving target only after its missiles have ended). ``weapons``: missiles in
    order of preference (each one the system holds); the others held follow by decreasing
    range.
    """

    mode: Literal["salvo", "shoot_look_shoot"] = "salvo"
    salvo_size: Annotated[int, Field(ge=1, le=8, description="missiles per target (1-8)")] = 2
    weapons: Annotated[list[MissileName], AfterValidator(_unique)] = []


class SystemUnit(_Placed):
    """A deployed air-defence system: system → fire units → radars and launchers.

    ``type`` is a catalog system; ``owner`` operates it and ``supplier`` (an owner) built it
    (supplier-control events act as the supplier). ``radars`` are the system-level search and
    low-altitude radars; ``iff_standard`` defaults to the catalog's. ``roe`` and ``doctrine``
    govern fire control (:mod:`iads.engagement.fire_control`); without a doctrine the system
    fires salvos of two.
    """

    id: Id
    type: SystemType
    owner: Id
    supplier: Id | None = None
    radars: list[RadarUnit] = []
    command_post: CommandPost | None = None
    fire_units: Annotated[list[FireUnit], Field(min_length=1)]
    roe: Roe = "weapons_tight"
    doctrine: Doctrine | None = None
    iff_standard: IffStandard | None = None
    note: Text | None = None


# ---- stand-alone sensors and defended assets ---------------------------------------------


class Orbit(_Model):
    """A circular orbit of an airborne sensor: centre [°], radius [km], altitude MSL [m]."""

    lat: Lat
    lon: Lon
    radius_km: Annotated[float, Field(gt=0, le=1000, description="an orbit radius in km")]
    alt_m: Altitude
    speed_mps: Annotated[float, Field(gt=0, le=8000, description="a speed in m/s")]
    clockwise: bool = True


class Sensor(_Placed):
    """A stand-alone sensor (a catalog radar) at a site, a position, or on an ``orbit``."""

    id: Id
    type: RadarType
    owner: Id
    orbit: Orbit | None = None
    boresight_deg: Azimuth | None = None
    sector_deg: SectorWidth | None = None
    iff_standard: IffStandard | None = None
    note: Text | None = None


class Asset(_Placed):
    """A defended asset and its relative ``value`` (> 0)."""

    id: Id
    value: Annotated[float, Field(gt=0, le=1e6, description="a relative value")] = 1.0
    owner: Id | None = None
    note: Text | None = None


# ---- air objects and raids ----------------------------------------------------------------


class Waypoint(_Model):
    """A route point: position [°], altitude [m] above ``alt_ref`` (msl or agl), speed on the
    leg that starts here [m/s], optional time of passage [s]."""

    lat: Lat
    lon: Lon
    alt_m: Altitude
    alt_ref: Literal["msl", "agl"] = "msl"
    speed_mps: Speed | None = None
    time_s: Time | None = None

    @model_validator(mode="after")
    def _agl(self):
        if self.alt_ref == "agl" and self.alt_m < 0:
            raise ValueError(
                f"expected a height above ground >= 0 with alt_ref agl, found {self.alt_m:g}"
            )
        return self


class Transponder(_Model):
    """What an air object's transponder answers: ``modes``, Mode 3/A code, Mode S address."""

    modes: Annotated[list[Mode], AfterValidator(_unique)] = []
    code_3a: Code3A | None = None
    mode_s: ModeSAddress | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.code_3a is not None and "3a" not in self.modes:
            raise ValueError("expected mode 3a in 'modes' when a code_3a is given, found none")
        if self.mode_s is not None and not {"s", "adsb"} & set(self.modes):
            raise ValueError("expected mode s or adsb in 'modes' when mode_s is given, found none")
        return self


class Jammer(_Model):
    """A noise jammer an air object carries: self-protection on a target, stand-off on a jamming
    aircraft flying its own route. ERP toward the radars in ``erp_w`` [W] or ``erp_dbw`` [dBW]
    (one of them), noise ``bandwidth_mhz`` [MHz], the radar ``bands`` it covers (radars in
    other bands do not see it)."""

    erp_w: Annotated[float, Field(gt=0, le=1e9, description="an ERP in watts")] | None = None
    erp_dbw: Annotated[float, Field(ge=-30, le=90, description="an ERP in dBW")] | None = None
    bandwidth_mhz: Annotated[float, Field(gt=0, le=20_000, description="a bandwidth in MHz")]
    bands: Annotated[list[Band], Field(min_length=1), AfterValidator(_unique)]

    @model_validator(mode="after")
    def _one_erp(self):
        if (self.erp_w is None) == (self.erp_dbw is None):
            raise ValueError("expected exactly one of erp_w or erp_dbw, found "
                             + ("both" if self.erp_w is not None else "neither"))
        return self

    @property
    def power_w(self) -> float:
        """ERP [W]."""
        return float(self.erp_w) if self.erp_w is not None else 10.0 ** (self.erp_dbw / 10.0)


class AirObject(_Model):
    """An aircraft, missile or drone flying a ``route``; ``category`` is its true identity;
    ``jammer``: the noise jammer it carries, if any."""

    id: Id
    type: TargetType
    owner: Id
    category: Category
    route: Annotated[list[Waypoint], Field(min_length=1)]
    transponder: Transponder | None = None
    flight_plan: Annotated[
        bool | Id, Field(description="true, false or the id of a filed flight plan")
    ] = False
    jammer: Jammer | None = None
    note: Text | None = None


class LaunchArea(_Model):
    """A circle launches start from: centre [°], radius [km] (launch points are drawn uniformly
    over the disc; aircraft take off from them)."""

    lat: Lat
    lon: Lon
    radius_km: Annotated[float, Field(ge=0, le=2000, description="a radius in km")] = 0.0


class LatLon(_Model):
    """A point given by WGS84 latitude and longitude [°] (an explicit aim or route point)."""

    lat: Lat
    lon: Lon


class Manoeuvre(_Model):
    """A terminal manoeuvre of a ballistic missile over the last ``duration_s`` before impact:
    an extra acceleration of ``g`` [g] shaped as ``periods`` whole cosine periods, across the
    track (``lateral``, a weave) or upwards (``vertical``, a pull-up then dive); the missile
    still lands on its aim point (:class:`iads.threats.TerminalManoeuvre`)."""

    g: Annotated[float, Field(gt=0, le=50, description="an acceleration in g")]
    duration_s: Annotated[float, Field(gt=0, le=600, description="a duration in seconds")]
    periods: Annotated[int, Field(ge=1, le=20, description="a number of periods")] = 1
    plane: Literal["lateral", "vertical"] = "lateral"


#: What a raid's threats are: a trajectory model (see :class:`Raid`).
RaidKind = Literal["ballistic", "quasi_ballistic", "cruise", "drone", "aircraft"]
#: Fields of :class:`Raid` that only some kinds take (field → kinds).
RAID_KIND_FIELDS = {
    "trajectory": ("ballistic", "quasi_ballistic"),
    "apogee_m": ("ballistic", "quasi_ballistic"),
    "flight_time_s": ("ballistic", "quasi_ballistic"),
    "reentry_speed_mps": ("ballistic", "quasi_ballistic"),
    "manoeuvre": ("ballistic", "quasi_ballistic"),
    "speed_mps": ("cruise", "drone", "aircraft"),
    "clearance_m": ("cruise",),
    "alt_m": ("drone", "aircraft"),
    "alt_ref": ("drone", "aircraft"),
    "via": ("cruise", "drone", "aircraft"),
    "terminal_dive_deg": ("cruise", "drone"),
    "standoff_km": ("aircraft",),
}


class Raid(_Model):
    """``count`` threats of one catalog ``type`` launched from ``launch_area`` at ``aim_points``.

    Common fields:

    * ``kind``: ``ballistic``, ``quasi_ballistic`` (catalog ballistic missiles), ``cruise``
      (cruise missiles), ``drone`` (drones) or ``aircraft`` (aircraft, or drones that strike and
      return); default: the first kind the type's catalog category allows;
    * ``aim_points``: ids of assets or components (systems, fire units, radars, launcher
      groups, command posts, sensors), or explicit ``{lat, lon}`` points; threat *i* aims at
      ``aim_points[i % n]``. Aim points must lie on the terrain model (inside the DEM, on
      data), whatever ``terrain.outside`` says; a cruise, ballistic (or AGL) raid's launch
      area too, unless ``terrain.outside`` is ``sea_level`` (ballistic arcs start and end on
      the terrain);
    * ``start_s``, ``spread_s``: launch times (``timing: launch``) or impact times
      (``timing: impact``, a time-on-target raid) uniform over [start_s, start_s + spread_s];
      launch points uniform over the launch area. Draws come from the raid's own generator
      (``component_rng(seed, "raid", id)``).

    Ballistic and quasi-ballistic (:mod:`iads.threats`: a Kepler arc, range from the launch
    and aim points): at most one of ``apogee_m``, ``flight_time_s`` [s] or a named
    ``trajectory`` (``minimum_energy``, ``lofted``, ``depressed``) — the third of range, apogee
    and flight time is derived; with none, the catalog's apogee scaled to the range.
    ``reentry_speed_mps`` is the impact speed drag slows the descent to (default: the catalog
    figure); ``manoeuvre`` an optional terminal manoeuvre. The range must be within the
    catalog's, and apogee / flight time within what the catalog burnout speed and apogee allow.

    Cruise: ``speed_mps`` (default catalog cruise speed), ``clearance_m`` over the DEM
    (default catalog typical altitude; within the catalog's altitude band), optional ``via``
    points, ``terminal_dive_deg`` (default 30°).

    Drones: ``speed_mps``, ``alt_m`` above ``alt_ref`` (msl or agl), optional ``via`` and
    ``terminal_dive_deg`` (default none: over the aim point at altitude).

    Aircraft: ``speed_mps`` and ``alt_m`` (defaults from the catalog) on a route from the
    launch area through ``via`` to a weapon-release point ``standoff_km`` short of the aim
    point, and back the same way.
    """

    id: Id
    type: TargetType
    kind: RaidKind | None = None
    count: Count
    owner: Id
    category: Category = "hostile"
    launch_area: LaunchArea
    aim_points: Annotated[list[Id | LatLon], Field(min_length=1)]
    start_s: Time = 0.0
    spread_s: Duration = 0.0
    timing: Literal["launch", "impact"] = "launch"
    # ballistic and quasi-ballistic
    trajectory: Literal["minimum_energy", "lofted", "depressed"] | None = None
    apogee_m: Annotated[
        float, Field(gt=0, le=2_000_000, description="an apogee in metres")] | None = None
    flight_time_s: Annotated[
        float, Field(gt=0, le=7200, description="a flight time in seconds")] | None = None
    reentry_speed_mps: Annotated[
        float, Field(gt=0, le=8000, description="a speed > 0 in m/s")] | None = None
    manoeuvre: Manoeuvre | None = None
    # cruise, drone, aircraft
    speed_mps: Annotated[
        float, Field(gt=0, le=8000, description="a speed > 0 in m/s")] | None = None
    clearance_m: Annotated[
        float, Field(ge=0, le=10_000, description="a clearance in metres")] | None = None
    alt_m: Altitude | None = None
    alt_ref: Literal["msl", "agl"] = "msl"
    via: list[LatLon] = []
    terminal_dive_deg: Annotated[
        float, Field(gt=0, le=90, description="a dive angle in degrees")] | None = None
    standoff_km: Annotated[
        float, Field(ge=0, le=2000, description="a stand-off distance in km")] | None = None
    note: Text | None = None


# ---- networks, IFF and events -------------------------------------------------------------


class Link(_Model):
    """A data link inside a network: ``from`` sends ``data`` to ``to`` every ``update_s`` with
    ``latency_s`` delay."""

    from_: Id = Field(alias="from")
    to: Id
    data: Literal["measurements", "tracks"]
    latency_s: Annotated[float, Field(ge=0, le=3600, description="a latency in seconds")] = 0.0
    update_s: Annotated[
        float, Field(gt=0, le=3600, description="an update interval in seconds")
    ] = 1.0


class Network(_Model):
    """Units and sensors that share a picture: a battery, a national or a NATO network."""

    id: Id
    kind: Literal["battery", "national", "nato"]
    members: Annotated[list[Id], Field(min_length=1), AfterValidator(_unique)]
    links: list[Link] = []
    note: Text | None = None


class IffArrangement(_Model):
    """Which ``interrogators`` (systems, sensors, radars) read which ``modes``.

    ``keys`` lists the owners whose secure-mode (4, 5) keys they hold; ``via`` names a network
    through which the replies are read (e.g. Mode 5 read by NATO sensors and passed on).
    """

    id: Id
    interrogators: Annotated[list[Id], Field(min_length=1), AfterValidator(_unique)]
    modes: Annotated[list[Mode], Field(min_length=1), AfterValidator(_unique)]
    keys: Annotated[list[Id], AfterValidator(_unique)] = []
    via: Id | None = None
    note: Text | None = None


class Event(_Model):
    """A scheduled event at ``time_s`` acting on ``target``.

    ``actor`` (an owner) does it, e.g. the supplier. ``engage_unauthorised`` needs ``unit`` (the
    system or fire unit that fires) and targets an air object; ``iff_alter`` may give the
    ``modes`` the target reads afterwards.
    """

    id: Id | None = None
    time_s: Time
    kind: Literal[
        "disable",
        "enable",
        "emissions_off",
        "emissions_on",
        "iff_alter",
        "engage_unauthorised",
        "destroy",
    ]
    target: Id
    actor: Id | None = None
    unit: Id | None = None
    modes: Annotated[list[Mode], AfterValidator(_unique)] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _fields(self):
        if self.kind == "engage_unauthorised" and self.unit is None:
            raise ValueError("expected 'unit' (who fires) for engage_unauthorised, found none")
        if self.modes is not None and self.kind != "iff_alter":
            raise ValueError(f"expected 'modes' only with kind iff_alter, found kind {self.kind}")
        return self


# ---- the scenario -------------------------------------------------------------------------


class CoverageStudy(_Model):
    """What ``iads coverage SCENARIO`` computes: targets, altitude layers, Pd, the study radius.

    ``rings_km`` are the naive range rings drawn for contrast (label → radius [km]).
    """

    targets: Annotated[list[TargetType], Field(min_length=1), AfterValidator(_unique)] = [
        "f-16c", "f-35a", "cruise-missile"]
    heights_m: Annotated[list[Annotated[float, Field(ge=0, le=100_000)]],
                         Field(min_length=1, max_length=50,
                               description="target heights in metres")] = [
        30.0, 100.0, 500.0, 1000.0, 3000.0, 10000.0]
    reference: Literal["agl", "msl"] = "agl"
    pd: Annotated[float, Field(gt=0, lt=1, description="a probability of detection")] = 0.5
    aspect: Literal["nose", "beam", "tail"] = "nose"
    max_range_km: Annotated[float, Field(gt=0, le=2000, description="a radius in km")] = 450.0
    cell_m: Annotated[float, Field(ge=30, le=20_000, description="a grid cell in metres")] = (
        1000.0)
    rings_km: dict[str, Annotated[float, Field(gt=0, le=5000)]] = {
        "400 km (40N6)": 400.0, "250 km (48N6E3)": 250.0, "120 km (9M96E2)": 120.0}


class Scenario(_Model):
    """A whole scenario. Load it with :func:`iads.scenario.load_scenario`.

    ``note`` says what the file changes and why (a variant's justification); ``sources`` maps a
    citation key used in the note and comments to the public source (title, publisher, date).

    ``source_files`` (not a field) lists the files it was composed from, the loaded file first,
    then the file it extends, and so on.
    """

    name: Annotated[str, Field(min_length=1, max_length=200, description="a scenario name")]
    description: Text = ""
    note: Text | None = None
    sources: dict[Id, Text] = {}
    run: Run
    terrain: Terrain = Terrain()
    owners: dict[Id, Owner] = {}
    sites: dict[Id, Position] = {}
    systems: list[SystemUnit] = []
    sensors: list[Sensor] = []
    assets: list[Asset] = []
    air_objects: list[AirObject] = []
    raids: list[Raid] = []
    networks: list[Network] = []
    iff: list[IffArrangement] = []
    events: list[Event] = []
    coverage: CoverageStudy = CoverageStudy()

    _source_files: tuple = PrivateAttr(default=())

    @property
    def source_files(self) -> tuple:
        """Files the scenario was composed from: the loaded one first, then its bases."""
        return self._source_files

    def position_of(self, obj: _Placed) -> Position | None:
        """The position of a placed object: its own, or its site's (``None`` if neither)."""
        if obj.position is not None:
            return obj.position
        if obj.site is not None:
            return self.sites.get(obj.site)
        return None

    def positions(self) -> dict[str, Position]:
        """Ground position of every placed thing, by id.

        Systems, assets and ground sensors have their own; a fire unit, radar, launcher group
        or command post without one stands with its parent (fire unit, then system). Sensors on
        an orbit move and are left out.
        """
        out: dict[str, Position] = {}
        for s in self.systems:
            here = self.position_of(s)
            out[s.id] = here
            parts = [*s.radars, *([s.command_post] if s.command_post else [])]
            for part in parts:
                out[part.id] = self.position_of(part) or here
            for fu in s.fire_units:
                fu_here = self.position_of(fu) or here
                out[fu.id] = fu_here
                for part in (fu.radar, *fu.launchers):
                    out[part.id] = self.position_of(part) or fu_here
        for x in (*self.sensors, *self.assets):
            p = self.position_of(x)
            if p is not None:
                out[x.id] = p
        return out

    def networks_of(self, unit_id: str) -> list[str]:
        """Ids of the networks that list ``unit_id`` as a member."""
        return [n.id for n in self.networks if unit_id in n.members]
