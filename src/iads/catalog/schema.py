"""Typed schema of the catalog: every number is a sourced :class:`Figure`.

Catalog YAML files live in ``iads/catalog/data/``. A figure is written either in full::

    instrumented_range_km: {value: 600, low: 400, high: 600, source: sputnik-ar-2019}

or, when no public source gives it, labelled as an assumption with the reasoning and a range::

    speed_max_mps: {value: 1900, low: 1500, high: 2300, assumption: "Mach 5-7 class, ..."}

``source`` names an entry of ``sources.yaml`` (title, publisher, url, date), so a report can list
every reference once. Field names carry their unit (``_km``, ``_m``, ``_deg``, ``_s``, ``_m2``,
``_mps``, ``_db``, ``_ghz``); :meth:`Figure.si` helpers are not provided on purpose: the engine
converts at the edge with :mod:`iads.units`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Figure",
    "Source",
    "ReferenceDetection",
    "Scan",
    "Radar",
    "AspectRCS",
    "Target",
    "Missile",
    "Launcher",
    "FireChannels",
    "System",
    "BANDS",
    "ASPECT_SECTORS",
]

#: Radar bands, IEEE letter designations (VHF/UHF included).
BANDS = ("VHF", "UHF", "L", "S", "C", "X", "Ku", "Ka")
Band = Literal["VHF", "UHF", "L", "S", "C", "X", "Ku", "Ka"]

#: Aspect sectors of a target's RCS: off-nose angle ranges in degrees, [low, high).
ASPECT_SECTORS = {"nose": (0.0, 45.0), "beam": (45.0, 135.0), "tail": (135.0, 180.0001)}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A public reference."""

    title: str
    publisher: str
    url: str | None = None
    date: str | None = None
    note: str | None = None


class Figure(_Strict):
    """A number with its public source, or labelled as an assumption, and its range.

    ``low``/``high`` carry disagreement between sources (or the plausible range of an
    assumption); both default to ``value``. Exactly one of ``source`` and ``assumption`` is set.
    """

    value: float
    low: float | None = None
    high: float | None = None
    source: str | None = None
    assumption: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Figure:
        if (self.source is None) == (self.assumption is None):
            raise ValueError("a figure needs exactly one of 'source' or 'assumption'")
        if self.assumption is not None and (self.low is None or self.high is None):
            raise ValueError("an assumption needs its plausible range: give 'low' and 'high'")
        lo = self.value if self.low is None else self.low
        hi = self.value if self.high is None else self.high
        if not lo <= self.value <= hi:
            raise ValueError(f"need low <= value <= high, got {lo} <= {self.value} <= {hi}")
        return self

    @property
    def lo(self) -> float:
        """Lower end of the range (``value`` when no range is given)."""
        return self.value if self.low is None else self.low

    @property
    def hi(self) -> float:
        """Upper end of the range (``value`` when no range is given)."""
        return self.value if self.high is None else self.high

    @property
    def is_assumption(self) -> bool:
        return self.assumption is not None


class ReferenceDetection(_Strict):
    """A stated detection performance the range equation is scaled from.

    The radar detects a target of ``rcs_m2`` at ``range_km`` with probability ``pd`` at false-alarm
    probability ``pfa``, integrating ``n_pulses`` pulses non-coherently, target fluctuating as
    ``swerling``, in a single scan.
    """

    range_km: Figure
    rcs_m2: Figure
    pd: float = Field(gt=0, lt=1)
    pfa: float = Field(gt=0, lt=1)
    n_pulses: int = Field(ge=1, le=1024)
    swerling: int = Field(ge=0, le=4)
    note: str | None = None


class Scan(_Strict):
    """How the radar revisits: a rotating antenna or a phased array's revisit schedule."""

    kind: Literal["rotating", "phased_array"]
    period_s: Figure | None = None  # rotating: one revolution
    search_revisit_s: Figure | None = None  # phased array
    track_revisit_s: Figure | None = None  # phased array

    @model_validator(mode="after")
    def _check(self) -> Scan:
        if self.kind == "rotating" and self.period_s is None:
            raise ValueError("a rotating scan needs 'period_s'")
        if self.kind == "phased_array" and self.search_revisit_s is None:
            raise ValueError("a phased-array scan needs 'search_revisit_s'")
        return self


class Radar(_Strict):
    """A radar type."""

    name: str
    aka: list[str] = []
    role: Literal[
        "surveillance", "acquisition", "engagement", "multifunction", "low_altitude", "bmd"
    ]
    band: Band
    frequency_ghz: Figure
    antenna_height_m: Figure
    scan: Scan
    azimuth_sector_deg: Figure  # width of the instantaneous coverage sector; 360 = all round
    elevation_min_deg: Figure
    elevation_max_deg: Figure
    instrumented_range_km: Figure
    sigma_range_m: Figure
    sigma_azimuth_mrad: Figure
    sigma_elevation_mrad: Figure
    reference_detection: ReferenceDetection
    mti_improvement_db: Figure
    max_tracks: Figure | None = None
    note: str | None = None


class AspectRCS(_Strict):
    """RCS by aspect sector (off-nose angle): nose 0–45°, beam 45–135°, tail 135–180°."""

    nose: Figure
    beam: Figure
    tail: Figure


class Target(_Strict):
    """An air object type: aircraft, missile or drone, as seen by radars."""

    name: str
    aka: list[str] = []
    category: Literal[
        "stealth_fighter",
        "fighter",
        "bomber",
        "aew",
        "transport",
        "airliner",
        "cruise_missile",
        "ballistic_missile",
        "drone",
    ]
    rcs_m2: dict[Band, AspectRCS]
    swerling: dict[Band, Annotated[int, Field(ge=0, le=4)]]
    speed_cruise_mps: Figure
    speed_max_mps: Figure
    altitude_min_m: Figure
    altitude_typical_m: Figure
    altitude_max_m: Figure
    # ballistic and quasi-ballistic missiles (issue 5): any two of range, apogee and flight time
    range_max_km: Figure | None = None
    apogee_km: Figure | None = None
    reentry_speed_mps: Figure | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Target:
        if set(self.rcs_m2) != set(self.swerling):
            raise ValueError("'rcs_m2' and 'swerling' must cover the same bands")
        return self


class Missile(_Strict):
    """An interceptor missile type."""

    name: str
    aka: list[str] = []
    range_max_km: Figure
    range_min_km: Figure
    altitude_max_km: Figure
    altitude_min_m: Figure
    range_max_ballistic_km: Figure | None = None
    speed_max_mps: Figure
    boost_time_s: Figure
    #: Time the motor holds the top speed after the boost [s] (a sustainer or second pulse;
    #: absent: 0, a single-pulse motor).
    sustain_time_s: Figure | None = None
    guidance: Literal["command", "semi_active", "active", "tvm", "command_active"]
    pk: Figure
    note: str | None = None


class Launcher(_Strict):
    """A launcher type and the missiles it carries (missile id → rounds).

    ``loads`` is the default load; ``alternative_loads`` lists other loads the launcher is
    reported to carry (e.g. 16 small instead of 4 large missiles), each missile id → rounds.
    """

    name: str
    aka: list[str] = []
    loads: dict[str, Annotated[int, Field(ge=1)]]
    alternative_loads: list[dict[str, Annotated[int, Field(ge=1)]]] = []
    reload_time_s: Figure
    #: Shortest time between two launches of one launcher [s] (absent: the fire-control
    #: setting ``launch_interval_s``).
    launch_interval_s: Figure | None = None
    note: str | None = None


class FireChannels(_Strict):
    """Simultaneous engagement capacity. ``per_system`` caps are shared by all fire units."""

    targets_per_system: Figure
    missiles_per_system: Figure
    targets_per_fire_unit: Figure
    missiles_per_fire_unit: Figure


class System(_Strict):
    """A whole air-defence system: its radars, launchers and missiles, and its structure.

    ``radars`` maps a role in the system (``search``, ``engagement``, ``low_altitude``,
    ``surveillance``) to a radar id; ``fire_units`` is the number of fire units (each with its
    own engagement radar) in one system; ``launchers_per_fire_unit`` counts launchers.
    """

    name: str
    aka: list[str] = []
    operator_origin: str
    radars: dict[str, str]
    engagement_radar: str
    launchers: list[str]
    missiles: list[str]
    fire_units: Figure
    launchers_per_fire_unit: Figure
    fire_channels: FireChannels
    readiness_s: Figure | None = None
    iff_standard: Literal["nato_mode5", "russian", "national"]
    note: str | None = None
