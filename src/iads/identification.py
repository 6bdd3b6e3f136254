"""Identification of air objects: IFF/SSR interrogation, flight-plan correlation, behaviour and
the STANAG 1241 standard identity each object is given at one instant (claims C3, C6).

Analysis only; a model of published principles, not of any real equipment or crypto.

Stages, each a pure function over arrays of objects (one row per object):

1. :func:`read_replies` / :func:`interrogate`: what one / several :class:`Interrogator` read
   from each object's transponder (:class:`Replies`);
2. :func:`correlate`: whether a reply read matches a filed :class:`FlightPlan` inside its route
   corridor;
3. :func:`behaviour_flags`: ballistic profile, speed above a threshold, origin in a hostile area
   (:class:`Behaviour`);
4. :func:`assign_identity`: the decision list below turns the evidence into an :class:`Identity`.

:func:`identify` runs the four; :func:`identity_matrix` tallies truth × assigned identity.
:func:`object_table` builds the object arrays; :func:`objects_from_scenario`,
:func:`interrogators_from_scenario` and :func:`flight_plans_from_scenario` build the inputs from
a validated scenario.

Interrogation rules (ICAO Annex 10 Vol. IV for SSR Modes A/C/S and extended squitter; NATO
STANAG 4193 for Modes 1-5, whose crypto is not public and is modelled as "keys held or not")
----------------------------------------------------------------------------------------------
* A reply on a mode needs the mode fitted (and on) in the transponder **and** read by the
  interrogator (listed in its arrangement's ``modes``).
* Modes 1, 2 and 3/A (codes) and C (pressure altitude) are not encrypted: anyone who
  interrogates them reads them, and anyone can set the same codes (spoofing). A Mode 1/2/3/A
  reply whose codes belong to the code plan of an owner whose codes the interrogator holds is a
  *code match*; the codes' owner is :attr:`ObjectTable.code_owner` (a spoofer copying Turkish
  codes has code owner ``turkey``).
* Modes 4 and 5 are encrypted: a transponder answers only a challenge made with its key, so a
  reply exists only if the interrogator can make NATO Mode 4/5 challenges (standard
  ``nato_mode5`` or ``national``, or its replies come ``via`` a network whose sensors can) and
  holds the keys of the object's owner or of an alliance the owner belongs to. Such a reply is
  *authenticated*. Otherwise the secure modes give nothing at all (no reply, not a wrong one).
  Mode 4 is superseded by Mode 5 in NATO; both authenticate the same way here.
* A ``russian``-standard interrogator (the S-400's) has no NATO Mode 4/5 hardware: it reads
  only the open modes unless the unit's standard is overridden (integration hardware:
  ``iff_standard: national`` or ``nato_mode5`` in the scenario) or the arrangement reads the
  secure modes ``via`` a network (a link to the NATO picture gives it the identity).
* An interrogator of standard ``none`` has no interrogator of its own: it reads only ``via``.
* Modes S and ADS-B (1090 MHz extended squitter) give the 24-bit ICAO address and the flight
  identity (callsign); both are unencrypted.
* "Holding an owner's keys" (an arrangement's ``keys``) means holding that owner's Mode 4/5
  keys **and** its Mode 1/2/3/A code plan. This is how Turkey's own jets are modelled in claim
  C3: an arrangement on the (Russian-standard) S-400 that holds ``keys: [turkey]`` recognises
  Turkish jets by their unencrypted codes (:attr:`Rules.code_match`, assumed friend by default)
  but, without Mode 4/5 hardware, authenticates no one; allied jets stay unknown.

Supplier alteration (claim C6, scenario ``iff_alter`` events): :attr:`Interrogator.alteration`
is ``suppress`` (every answer it would read is lost) or ``falsify`` (every answer that would
authenticate or code-match is reported as a failed authentication), for all objects or for
``altered_objects`` only.

Identity: the decision list (first row that applies wins)
---------------------------------------------------------
=====  ===============================================================  =====================
row    evidence                                                         identity
=====  ===============================================================  =====================
1      not seen (no track)                                              pending
2      a falsified answer (supplier alteration)                         ``rules.falsified``
                                                                        (hostile)
3      authenticated Mode 4/5 reply                                     friend
4      ballistic profile                                                hostile
5      correlated with a flight plan and fast                           suspect
6      correlated with a flight plan                                    neutral
7      origin in a hostile area                                         hostile
8      code match (open modes, code plan held)                          ``rules.code_match``
                                                                        (assumed friend)
9      fast                                                             suspect
10     no reply at all                                                  ``rules.no_reply``
                                                                        (unknown)
11     anything else (replies that prove nothing)                       unknown
=====  ===============================================================  =====================

Authentication outranks behaviour (a friend is not shot for flying fast); an altered answer
outranks authentication (the alteration acts inside the system that fuses the answers).
Flight-plan correlation and code matches are unencrypted evidence: kinematics that contradict a
civil flight plan make it suspect, and a hostile origin outranks a code match. Absence of a
reply alone is not hostile (light aircraft, failed transponders): unknown unless the rules say
suspect. The thresholds (:class:`Rules`) are assumptions to vary, not sourced figures.

Identities are those of STANAG 1241 (also APP-6 / MIL-STD-2525 standard identities); their enum
order is the order STANAG 1241 lists them, pending lowest and hostile highest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np
from numba import njit

from .geodesy import geodesic_inverse
from .scenario.schema import MODES

__all__ = [
    "MODES",
    "Identity",
    "Truth",
    "IDENTITY_LABELS",
    "TRUTH_LABELS",
    "mode_mask",
    "Interrogator",
    "ObjectTable",
    "FlightPlan",
    "FlightPlanTable",
    "flight_plan_table",
    "Area",
    "Rules",
    "Replies",
    "Behaviour",
    "Identification",
    "read_replies",
    "interrogate",
    "corridor_distance_m",
    "correlate",
    "plan_pairs",
    "correlate_pairs",
    "behaviour_flags",
    "assign_identity",
    "identify",
    "identity_matrix",
    "object_table",
    "objects_from_scenario",
    "interrogators_from_scenario",
    "flight_plans_from_scenario",
]


class Identity(IntEnum):
    """STANAG 1241 standard identity, in the order the standard lists them."""

    PENDING = 0
    UNKNOWN = 1
    ASSUMED_FRIEND = 2
    FRIEND = 3
    NEUTRAL = 4
    SUSPECT = 5
    HOSTILE = 6


class Truth(IntEnum):
    """True category of an air object (the scenario's ``category``)."""

    OWN = 0
    ALLIED = 1
    CIVIL = 2
    NEUTRAL = 3
    HOSTILE = 4


IDENTITY_LABELS = tuple(i.name.lower() for i in Identity)
TRUTH_LABELS = tuple(t.name.lower() for t in Truth)

_BIT = {m: 1 << i for i, m in enumerate(MODES)}
_OPEN_CODES = _BIT["1"] | _BIT["2"] | _BIT["3a"]  # modes that carry an unencrypted code
_OPEN = _OPEN_CODES | _BIT["c"] | _BIT["s"] | _BIT["adsb"]
_SECURE = _BIT["4"] | _BIT["5"]
_ADDRESS = _BIT["s"] | _BIT["adsb"]
_STANDARDS = ("nato_mode5", "russian", "national", "none")
_ALTERATIONS = ("none", "suppress", "falsify")
_MEAN_EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius [m], for corridor cross-track distances


def _choice(value, choices, what):
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(choices)}")


def mode_mask(modes: Iterable[str]) -> int:
    """Bit mask of IFF/SSR ``modes`` (bit i is ``MODES[i]``: 1, 2, 3a, c, 4, 5, s, adsb)."""
    mask = 0
    for m in modes:
        _choice(m, MODES, "mode")
        mask |= _BIT[m]
    return mask


# ---- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interrogator:
    """One interrogator as one IFF arrangement uses it.

    Attributes
    ----------
    id
        The unit (system, fire unit, radar or sensor) that interrogates.
    modes
        Modes it reads (``MODES`` labels).
    keys
        Owners (countries or alliances) whose Mode 4/5 keys and Mode 1/2/3/A code plan it holds.
    standard
        Its own IFF hardware: ``nato_mode5``, ``national`` (NATO Mode 4/5 compatible, national
        keys), ``russian`` (no NATO Mode 4/5) or ``none`` (no interrogator of its own).
    linked
        Its replies are read by the sensors of a linked network (the arrangement's ``via``, e.g.
        the NATO picture), which have NATO Mode 4/5 hardware.
    alteration
        ``none``, ``suppress`` (answers lost) or ``falsify`` (authenticating answers reported as
        failed): a supplier-control event.
    altered_objects
        Object ids the alteration applies to; ``None``: all objects.
    arrangement
        Id of the IFF arrangement this belongs to (for selecting a picture's interrogators).
    """

    id: str
    modes: frozenset[str]
    keys: frozenset[str] = frozenset()
    standard: str = "nato_mode5"
    linked: bool = False
    alteration: str = "none"
    altered_objects: frozenset[str] | None = None
    arrangement: str = ""

    def __post_init__(self):
        object.__setattr__(self, "modes", frozenset(self.modes))
        object.__setattr__(self, "keys", frozenset(self.keys))
        if self.altered_objects is not None:
            object.__setattr__(self, "altered_objects", frozenset(self.altered_objects))
        mode_mask(self.modes)
        _choice(self.standard, _STANDARDS, "IFF standard")
        _choice(self.alteration, _ALTERATIONS, "alteration")

    @property
    def secure_capable(self) -> bool:
        """Whether its Mode 4/5 challenges can be made (own hardware or a link)."""
        return self.linked or self.standard in ("nato_mode5", "national")

    @property
    def read_mask(self) -> int:
        """Bit mask of the modes it actually reads (nothing without hardware or a link)."""
        if self.standard == "none" and not self.linked:
            return 0
        mask = mode_mask(self.modes)
        return mask if self.secure_capable else mask & ~_SECURE


def _str_array(values, n):
    if values is None:
        return np.full(n, "", dtype="<U1")
    return np.broadcast_to(np.asarray(values, dtype=str), (n,)).copy()


def _mode_masks(modes, n):
    """Bit masks from ints (masks) or from collections of mode labels, shape ``(n,)``."""
    if isinstance(modes, (int, np.integer)):
        items = [int(modes)] * n
    else:
        items = list(modes)
    if all(isinstance(m, (int, np.integer)) for m in items):
        masks = np.asarray(items, np.int64).reshape(-1)
        if len(masks) and (masks.min() < 0 or masks.max() > 255):
            raise ValueError("mode masks must be 0..255 (see mode_mask)")
    else:
        masks = np.array([mode_mask([m] if isinstance(m, str) else m) for m in items], np.int64)
    if len(masks) != n:
        raise ValueError(f"expected {n} mode entries, one per object, found {len(masks)}")
    return masks.astype(np.uint8)


@dataclass(frozen=True)
class ObjectTable:
    """Air objects as arrays, one row per object (all arrays shape ``(n,)``).

    Attributes
    ----------
    ids, owner
        Object ids and owners (str).
    truth
        :class:`Truth` codes (int8).
    modes
        Bit mask of the transponder modes fitted and switched on (uint8, see :func:`mode_mask`).
    code_owner
        Owner whose code plan the Mode 1/2/3/A codes belong to ("" for none).
    code_3a
        Mode 3/A code as its integer value (``0o1234`` for "1234"); -1 for none (int32).
    mode_s
        24-bit ICAO address; -1 for none (int32).
    callsign
        Flight identity sent by Mode S / ADS-B ("" for none).
    member_of
        Alliances of each owner (owner → frozenset of owners); owners not listed have none.
    """

    ids: np.ndarray
    owner: np.ndarray
    truth: np.ndarray
    modes: np.ndarray
    code_owner: np.ndarray
    code_3a: np.ndarray
    mode_s: np.ndarray
    callsign: np.ndarray
    member_of: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # derived: owner names (``owners``) and the index of each row's owner / code owner in it
    owners: tuple[str, ...] = field(init=False, repr=False)
    owner_index: np.ndarray = field(init=False, repr=False)
    code_owner_index: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        n = len(self.ids)
        names, inverse = np.unique(np.concatenate([self.owner, self.code_owner]),
                                   return_inverse=True)
        object.__setattr__(self, "owners", tuple(str(x) for x in names))
        object.__setattr__(self, "owner_index", inverse[:n])
        object.__setattr__(self, "code_owner_index", inverse[n:])

    def __len__(self) -> int:
        return len(self.ids)

    def holds(self, keys: frozenset[str]) -> np.ndarray:
        """Whether ``keys`` cover each owner (itself or one of its alliances) and each code
        owner: two bool arrays ``(n,)``."""
        held = np.array(
            [o != "" and (o in keys or bool(self.member_of.get(o, frozenset()) & keys))
             for o in self.owners], bool)
        return held[self.owner_index], held[self.code_owner_index]


def object_table(
    ids,
    owner,
    truth,
    modes,
    *,
    code_owner=None,
    code_3a=None,
    mode_s=None,
    callsign=None,
    member_of: Mapping[str, Iterable[str]] | None = None,
) -> ObjectTable:
    """Build an :class:`ObjectTable` from sequences (see its attributes).

    ``owner`` may be one string for all; ``modes`` is a sequence of bit masks or of mode-label
    collections; ``code_owner`` defaults to the owner for objects fitted with Mode 1, 2 or 3/A
    (their own codes) and to "" otherwise.
    """
    ids = np.asarray(ids, dtype=str).reshape(-1)
    n = len(ids)
    owner = np.broadcast_to(np.asarray(owner, dtype=str), (n,)).copy()
    truth = np.broadcast_to(np.asarray(truth, dtype=np.int8), (n,)).copy()
    if len(truth) and (truth.min() < 0 or truth.max() > max(Truth)):
        raise ValueError(f"truth codes must be 0..{max(Truth)} ({', '.join(TRUTH_LABELS)})")
    modes = _mode_masks(modes, n)
    if code_owner is None:
        code_owner = np.where(modes & _OPEN_CODES != 0, owner, "")
    ints = {}
    for name, v in (("code_3a", code_3a), ("mode_s", mode_s)):
        a = np.full(n, -1, np.int32) if v is None else np.asarray(v, np.int32).reshape(n)
        ints[name] = a
    alliances = {k: frozenset(v) for k, v in (member_of or {}).items()}
    return ObjectTable(
        ids,
        owner,
        truth,
        modes,
        _str_array(code_owner, n),
        ints["code_3a"],
        ints["mode_s"],
        _str_array(callsign, n),
        alliances,
    )


@dataclass(frozen=True)
class FlightPlan:
    """A filed flight plan: the identifiers it declares and its route corridor.

    ``code_3a`` is the assigned Mode 3/A code as an integer (-1: none), ``mode_s`` the 24-bit
    address (-1: none), ``callsign`` the flight identity ("" none). The corridor is the polyline
    through ``corridor_lat_deg`` / ``corridor_lon_deg`` [°] widened by ``half_width_m`` [m] each
    side (default 5 NM, the usual half-width of an ATS route); no points: no corridor check.
    """

    id: str
    callsign: str = ""
    mode_s: int = -1
    code_3a: int = -1
    corridor_lat_deg: tuple[float, ...] = ()
    corridor_lon_deg: tuple[float, ...] = ()
    half_width_m: float = 9_260.0

    def __post_init__(self):
        if len(self.corridor_lat_deg) != len(self.corridor_lon_deg):
            raise ValueError(f"flight plan {self.id}: corridor lat and lon differ in length")
        if not self.half_width_m >= 0:
            raise ValueError(f"flight plan {self.id}: half_width_m must be >= 0")


def _sorted_keys(values: np.ndarray, valid: np.ndarray):
    j = np.flatnonzero(valid)
    order = np.argsort(values[j], kind="stable")
    return values[j][order], j[order]


@dataclass(frozen=True)
class FlightPlanTable:
    """Flight plans as arrays, built once by :func:`flight_plan_table` (plans are static).

    Identifier arrays are shape ``(m,)`` (-1 / "" for none); corridor segments are rows of
    ``segments`` (``(k, 4)``: start lat, start lon, end lat, end lon [rad]), plan ``j`` owning
    rows ``seg_start[j] : seg_start[j] + seg_count[j]`` (none: no corridor check).
    """

    ids: np.ndarray
    callsign: np.ndarray
    mode_s: np.ndarray
    code_3a: np.ndarray
    half_width_m: np.ndarray
    segments: np.ndarray
    seg_start: np.ndarray
    seg_count: np.ndarray
    by_mode_s: tuple = field(init=False, repr=False)
    by_callsign: tuple = field(init=False, repr=False)
    by_code_3a: tuple = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "by_mode_s", _sorted_keys(self.mode_s, self.mode_s >= 0))
        object.__setattr__(self, "by_callsign", _sorted_keys(self.callsign, self.callsign != ""))
        object.__setattr__(self, "by_code_3a", _sorted_keys(self.code_3a, self.code_3a >= 0))

    def __len__(self) -> int:
        return len(self.ids)


def flight_plan_table(plans: Sequence[FlightPlan]) -> FlightPlanTable:
    """Arrays of ``plans`` for :func:`correlate` (a one-point corridor is a zero-length
    segment: a circle round that point)."""
    segments, counts = [np.zeros((0, 4))], []
    for p in plans:
        la, lo = np.radians(p.corridor_lat_deg), np.radians(p.corridor_lon_deg)
        if len(la) == 1:
            la, lo = np.repeat(la, 2), np.repeat(lo, 2)
        segments.append(np.stack([la[:-1], lo[:-1], la[1:], lo[1:]], axis=1).reshape(-1, 4))
        counts.append(max(len(la) - 1, 0))
    counts = np.asarray(counts, np.int64)
    return FlightPlanTable(
        ids=np.array([p.id for p in plans], dtype=str),
        callsign=np.array([p.callsign for p in plans], dtype=str),
        mode_s=np.array([p.mode_s for p in plans], np.int64),
        code_3a=np.array([p.code_3a for p in plans], np.int64),
        half_width_m=np.array([p.half_width_m for p in plans], float),
        segments=np.concatenate(segments),
        seg_start=np.cumsum(counts) - counts,
        seg_count=counts,
    )


@dataclass(frozen=True)
class Area:
    """A circle on the ground: centre [°] and radius [m] (e.g. a hostile origin area)."""

    lat_deg: float
    lon_deg: float
    radius_m: float


@dataclass(frozen=True)
class Rules:
    """Thresholds and outcomes of the identification rules (assumptions to vary).

    Attributes
    ----------
    fast_mps
        Ground speed above which an object is "fast" [m/s]: 320 m/s (~620 kt) is above any
        airliner's ground speed (A320 maximum 242 m/s TAS, catalog) plus a strong jet-stream
        tail wind of ~75 m/s.
    ballistic_speed_mps, ballistic_climb_mps
        A ballistic profile: speed at least ``ballistic_speed_mps`` [m/s] (1000 m/s ~ Mach 3)
        and vertical speed of magnitude at least ``ballistic_climb_mps`` [m/s].
    code_match
        Identity from a code match on the open modes (default assumed friend: codes can be
        copied; set ``Identity.FRIEND`` to read claim C3's "except Turkey's own jets" as friend).
    no_reply
        Identity of an object that gives no reply and no other evidence (unknown or suspect).
    falsified
        Identity given when an altered interrogator reports a failed authentication.
    evidence_sigmas
        "Fast" needs significant evidence: with the track's speed uncertainty σ given
        (:func:`behaviour_flags`), an object is fast only if speed − ``evidence_sigmas``·σ is
        above ``fast_mps`` (2: one-sided ~97.7 %). A young or badly fed track (two plots of a
        long-range radar give a velocity error of hundreds of m/s) does not make an airliner
        suspect. The ballistic profile needs the same evidence on both of its terms: speed −
        k·σ_speed at least ``ballistic_speed_mps`` and |climb| − k·σ_climb at least
        ``ballistic_climb_mps`` (with the σ given). A track built from plots of two aircraft
        can carry Mach 3 and a steep climb for a while; taken on the estimate alone, it made
        airliners hostile.
    """

    fast_mps: float = 320.0
    ballistic_speed_mps: float = 1000.0
    ballistic_climb_mps: float = 200.0
    evidence_sigmas: float = 2.0
    code_match: Identity = Identity.ASSUMED_FRIEND
    no_reply: Identity = Identity.UNKNOWN
    falsified: Identity = Identity.HOSTILE

    def __post_init__(self):
        for name in ("code_match", "no_reply", "falsified"):
            object.__setattr__(self, name, Identity(getattr(self, name)))


# ---- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Replies:
    """What was read from each object (bool arrays of shape ``(n,)``).

    ``replied``: any reply on any mode; ``authenticated``: a Mode 4/5 reply (keys held);
    ``code_match``: a Mode 1/2/3/A reply whose code plan is held; ``falsified``: an altered
    interrogator reported a failed authentication; ``read_3a``: the Mode 3/A code was read;
    ``read_address``: the Mode S address and flight identity were read (Mode S or ADS-B).
    """

    replied: np.ndarray
    authenticated: np.ndarray
    code_match: np.ndarray
    falsified: np.ndarray
    read_3a: np.ndarray
    read_address: np.ndarray

    def __or__(self, other: Replies) -> Replies:
        return Replies(*(a | b for a, b in zip(_fields(self), _fields(other), strict=True)))


def _fields(r):
    return (r.replied, r.authenticated, r.code_match, r.falsified, r.read_3a, r.read_address)


@dataclass(frozen=True)
class Behaviour:
    """Kinematic and origin evidence (bool arrays of shape ``(n,)``)."""

    ballistic: np.ndarray
    fast: np.ndarray
    hostile_origin: np.ndarray


@dataclass(frozen=True)
class Identification:
    """Result of :func:`identify`: ``identity`` (int8 :class:`Identity` codes) and evidence."""

    identity: np.ndarray
    replies: Replies
    correlated: np.ndarray
    behaviour: Behaviour
    seen: np.ndarray

    def labels(self) -> np.ndarray:
        """Identity labels (``IDENTITY_LABELS``) per object."""
        return np.asarray(IDENTITY_LABELS)[self.identity]


# ---- stage 1: interrogation --------------------------------------------------------------


def read_replies(objects: ObjectTable, interrogator: Interrogator) -> Replies:
    """What one interrogator reads from every object (the interrogation rules above)."""
    n = len(objects)
    read = np.uint8(interrogator.read_mask)
    got = objects.modes & read
    altered = np.zeros(n, bool)
    if interrogator.alteration != "none":
        if interrogator.altered_objects is None:
            altered[:] = True
        else:
            altered = np.isin(objects.ids, list(interrogator.altered_objects))
    if interrogator.alteration == "suppress":
        got = np.where(altered, np.uint8(0), got)
    keyed, code_keyed = objects.holds(interrogator.keys)
    authenticated = (got & _SECURE != 0) & keyed  # read_mask is secure only if capable
    code_match = (got & _OPEN_CODES != 0) & code_keyed
    replied = (got & _OPEN != 0) | authenticated
    falsified = np.zeros(n, bool)
    if interrogator.alteration == "falsify":
        falsified = altered & (authenticated | code_match)
        authenticated = authenticated & ~altered
        code_match = code_match & ~altered
    return Replies(
        replied,
        authenticated,
        code_match,
        falsified,
        got & _BIT["3a"] != 0,
        got & _ADDRESS != 0,
    )


def interrogate(objects: ObjectTable, interrogators: Sequence[Interrogator]) -> Replies:
    """What several interrogators feeding one picture read together (any of them)."""
    n = len(objects)
    out = Replies(*(np.zeros(n, bool) for _ in range(6)))
    for intr in interrogators:
        out = out | read_replies(objects, intr)
    return out


# ---- stage 2: flight plans ---------------------------------------------------------------


def _haversine(lat1, lon1, lat2, lon2):
    """Central angle [rad] between points given in [rad]."""
    s = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return 2 * np.arcsin(np.sqrt(np.clip(s, 0.0, 1.0)))


def _bearing(lat1, lon1, lat2, lon2):
    """Initial great-circle bearing [rad] from point 1 to point 2 (points in [rad])."""
    dlon = lon2 - lon1
    return np.arctan2(
        np.sin(dlon) * np.cos(lat2),
        np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon),
    )


def _segment_distance(plat, plon, alat, alon, blat, blon):
    """Great-circle distance [rad] from points P to segments AB on a sphere (all in [rad]).

    Cross-track distance where the foot of the perpendicular lies on the segment, else the
    nearer end (right spherical triangle: sin xt = sin d13 sin Δθ, tan at = tan d13 cos Δθ).
    """
    d13 = _haversine(alat, alon, plat, plon)
    d23 = _haversine(blat, blon, plat, plon)
    d12 = _haversine(alat, alon, blat, blon)
    dtheta = _bearing(alat, alon, plat, plon) - _bearing(alat, alon, blat, blon)
    xt = np.arcsin(np.clip(np.sin(d13) * np.sin(dtheta), -1.0, 1.0))
    at = np.arctan2(np.sin(d13) * np.cos(dtheta), np.cos(d13))
    inside = (at >= 0) & (at <= d12) & (d12 > 0)
    return np.where(inside, np.abs(xt), np.minimum(d13, d23))


def corridor_distance_m(lat_deg, lon_deg, corridor_lat_deg, corridor_lon_deg) -> np.ndarray:
    """Distance [m] from points (lat, lon) [°] to a polyline corridor centre line [°].

    Great circles on the mean-radius sphere (within ~0.5 % of the WGS-84 geodesic distance).
    One corridor point: distance to that point.
    """
    p_lat, p_lon = (np.radians(np.asarray(v, float)) for v in (lat_deg, lon_deg))
    c_lat, c_lon = (np.radians(np.asarray(v, float).reshape(-1)) for v in (
        corridor_lat_deg, corridor_lon_deg))
    if len(c_lat) == 1:
        c_lat, c_lon = np.repeat(c_lat, 2), np.repeat(c_lon, 2)
    d = _segment_distance(
        p_lat[..., None], p_lon[..., None], c_lat[:-1], c_lon[:-1], c_lat[1:], c_lon[1:]
    )
    return d.min(axis=-1) * _MEAN_EARTH_RADIUS_M


def _equal_pairs(a: np.ndarray, rows: np.ndarray, keys: tuple):
    """All (i, j) with ``a[i]`` equal to plan j's key, i in ``rows`` (increasing) (``keys`` =
    sorted key values and their plan indices)."""
    values, plan = keys
    lo = np.searchsorted(values, a[rows], "left")
    count = np.searchsorted(values, a[rows], "right") - lo
    return np.repeat(rows, count), plan[_ranges(lo, count)]


def _ranges(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(start[k], start[k] + count[k])`` over k."""
    return np.repeat(start, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count,
                                                                          count))


def plan_pairs(objects: ObjectTable, replies: Replies,
               plans: FlightPlanTable) -> tuple[np.ndarray, np.ndarray]:
    """The (object, plan) pairs whose identifiers match: an identifier read from object ``i``
    equals one plan ``j`` declares (Mode S address or flight identity, if read by Mode S /
    ADS-B; Mode 3/A code, if read). Sorted by object, then plan, each pair once (int64
    ``(k,)`` twice). The pairs of a subset of the objects (e.g. those seen) are the pairs
    whose object is in it: replies are per object."""
    if not len(plans):
        e = np.zeros(0, np.int64)
        return e, e
    addr = np.flatnonzero(replies.read_address)
    a3 = np.flatnonzero(replies.read_3a)
    pairs = [  # the identifiers read, of the objects that have them
        _equal_pairs(objects.mode_s, addr[objects.mode_s[addr] >= 0], plans.by_mode_s),
        _equal_pairs(objects.callsign, addr[objects.callsign[addr] != ""], plans.by_callsign),
        _equal_pairs(objects.code_3a, a3[objects.code_3a[a3] >= 0], plans.by_code_3a),
    ]
    key = np.unique(np.concatenate([i * len(plans) + j for i, j in pairs]))
    return key // len(plans), key % len(plans)


def correlate_pairs(n: int, plans: FlightPlanTable, i, j, lat_deg=None,
                    lon_deg=None) -> np.ndarray:
    """Whether each of ``n`` objects correlates with a plan (bool ``(n,)``), given the pairs
    ``(i, j)`` of :func:`plan_pairs`: a pair counts if plan ``j`` has no corridor or object
    ``i`` (``lat_deg``, ``lon_deg`` [°], shape ``(n,)``) lies within ``half_width_m`` of its
    centre line (:func:`corridor_distance_m`'s great circles, compiled, one pass)."""
    out = np.zeros(n, bool)
    i = np.asarray(i, np.int64)
    j = np.asarray(j, np.int64)
    free = plans.seg_count[j] == 0
    out[i[free]] = True
    i, j = i[~free], j[~free]
    if not len(i):
        return out
    if lat_deg is None or lon_deg is None:
        raise ValueError("flight plans with corridors need the objects' lat_deg and lon_deg")
    lat = np.radians(np.asarray(lat_deg, float).reshape(n))
    lon = np.radians(np.asarray(lon_deg, float).reshape(n))
    _within_corridors(lat, lon, i, j, np.ascontiguousarray(plans.segments, dtype=float),
                      plans.seg_start, plans.seg_count, plans.half_width_m,
                      _MEAN_EARTH_RADIUS_M, out)
    return out


@njit(cache=True)
def _within_corridors(lat, lon, i, j, segments, seg_start, seg_count, half_width_m,
                      radius_m, out):
    """``out[i] = True`` for each pair whose object (``lat``, ``lon`` [rad]) is within
    ``half_width_m[j]`` of plan ``j``'s segments (:func:`_segment_distance`, the nearest
    segment, times ``radius_m``)."""
    for e in range(i.size):
        p = i[e]
        q = j[e]
        if out[p]:
            continue
        plat = lat[p]
        plon = lon[p]
        best = math.inf
        for s in range(seg_start[q], seg_start[q] + seg_count[q]):
            alat = segments[s, 0]
            alon = segments[s, 1]
            blat = segments[s, 2]
            blon = segments[s, 3]
            d13 = _hav1(alat, alon, plat, plon)
            d23 = _hav1(blat, blon, plat, plon)
            d12 = _hav1(alat, alon, blat, blon)
            dtheta = _bearing1(alat, alon, plat, plon) - _bearing1(alat, alon, blat, blon)
            xt = math.asin(min(max(math.sin(d13) * math.sin(dtheta), -1.0), 1.0))
            at = math.atan2(math.sin(d13) * math.cos(dtheta), math.cos(d13))
            if at >= 0 and at <= d12 and d12 > 0:
                d = abs(xt)
            else:
                d = min(d13, d23)
            if d < best:
                best = d
                if best * radius_m <= half_width_m[q]:
                    break  # within this segment's reach: the nearest is too
        if best * radius_m <= half_width_m[q]:
            out[p] = True


@njit(cache=True, inline="always")
def _hav1(lat1, lon1, lat2, lon2):
    """:func:`_haversine` of one pair."""
    a = math.sin((lat2 - lat1) / 2)
    b = math.sin((lon2 - lon1) / 2)
    s = a * a + math.cos(lat1) * math.cos(lat2) * b * b
    return 2 * math.asin(math.sqrt(min(max(s, 0.0), 1.0)))


@njit(cache=True, inline="always")
def _bearing1(lat1, lon1, lat2, lon2):
    """:func:`_bearing` of one pair."""
    dlon = lon2 - lon1
    return math.atan2(math.sin(dlon) * math.cos(lat2),
                      math.cos(lat1) * math.sin(lat2)
                      - math.sin(lat1) * math.cos(lat2) * math.cos(dlon))


def correlate(
    objects: ObjectTable,
    replies: Replies,
    flight_plans: FlightPlanTable | Sequence[FlightPlan],
    lat_deg=None,
    lon_deg=None,
) -> np.ndarray:
    """Whether each object correlates with a filed flight plan (bool ``(n,)``).

    An object correlates with a plan when an identifier read from it equals one the plan
    declares (Mode S address or flight identity, if read by Mode S / ADS-B; Mode 3/A code, if
    read) and, if the plan has a corridor, its position (``lat_deg``, ``lon_deg`` [°], shape
    ``(n,)``) lies within ``half_width_m`` of the corridor's centre line (great circles,
    :func:`corridor_distance_m`). Pass a :func:`flight_plan_table` when calling repeatedly
    (:func:`plan_pairs` then :func:`correlate_pairs`).
    """
    n = len(objects)
    plans = (flight_plans if isinstance(flight_plans, FlightPlanTable)
             else flight_plan_table(flight_plans))
    if not len(plans) or not n:
        return np.zeros(n, bool)
    return correlate_pairs(n, plans, *plan_pairs(objects, replies, plans), lat_deg, lon_deg)


# ---- stage 3: behaviour ------------------------------------------------------------------


def behaviour_flags(
    speed_mps,
    climb_mps,
    origin_lat_deg=None,
    origin_lon_deg=None,
    hostile_areas: Sequence[Area] = (),
    rules: Rules | None = None,
    speed_sigma_mps=None,
    climb_sigma_mps=None,
) -> Behaviour:
    """Behaviour evidence per object.

    Parameters
    ----------
    speed_mps
        Ground speed [m/s], shape ``(n,)``.
    climb_mps
        Vertical speed [m/s] (positive up), shape ``(n,)``.
    origin_lat_deg, origin_lon_deg
        Where each object was first seen or came from [°]; needed with ``hostile_areas``.
    hostile_areas
        Circles an object coming from is hostile (WGS-84 geodesic distance to the centre).
    rules
        Thresholds (:class:`Rules`).
    speed_sigma_mps
        Standard deviation of the speed estimates [m/s], shape ``(n,)`` or scalar (e.g. from
        the track's velocity covariance along its velocity); None: exact speeds. "Fast" needs
        the estimate ``rules.evidence_sigmas`` σ above ``rules.fast_mps``, and so does the
        ballistic profile's speed term.
    climb_sigma_mps
        Standard deviation of the vertical-speed estimates [m/s] (e.g.
        :func:`iads.kinematics.climb_sigma`); None: exact. The ballistic profile's climb term
        needs |climb| ``rules.evidence_sigmas`` σ above ``rules.ballistic_climb_mps``.
    """
    rules = rules or Rules()
    speed = np.asarray(speed_mps, float).reshape(-1)
    climb = np.broadcast_to(np.asarray(climb_mps, float), speed.shape)

    def margin(sigma):
        if sigma is None:
            return 0.0
        return rules.evidence_sigmas * np.broadcast_to(np.asarray(sigma, float), speed.shape)
    m_speed = margin(speed_sigma_mps)
    ballistic = ((speed - m_speed >= rules.ballistic_speed_mps)
                 & (np.abs(climb) - margin(climb_sigma_mps) >= rules.ballistic_climb_mps))
    fast = speed - m_speed > rules.fast_mps
    origin = np.zeros(speed.shape, bool)
    if hostile_areas:
        if origin_lat_deg is None or origin_lon_deg is None:
            raise ValueError("hostile_areas need the objects' origin_lat_deg and origin_lon_deg")
        lat = np.asarray(origin_lat_deg, float).reshape(speed.shape)
        lon = np.asarray(origin_lon_deg, float).reshape(speed.shape)
        for a in hostile_areas:
            _, dist = geodesic_inverse(lat, lon, a.lat_deg, a.lon_deg)
            origin |= dist <= a.radius_m
    return Behaviour(ballistic, fast, origin)


# ---- stage 4: identity -------------------------------------------------------------------


def assign_identity(
    *,
    seen,
    falsified,
    authenticated,
    ballistic,
    correlated,
    fast,
    hostile_origin,
    code_match,
    replied,
    rules: Rules | None = None,
) -> np.ndarray:
    """Identity per object from the evidence (bool arrays, broadcast together): the decision
    list in the module docstring. Returns int8 :class:`Identity` codes."""
    rules = rules or Rules()
    I = Identity  # noqa: E741
    conditions = [
        ~np.asarray(seen, bool),
        falsified,
        authenticated,
        ballistic,
        np.logical_and(correlated, fast),
        correlated,
        hostile_origin,
        code_match,
        fast,
        ~np.asarray(replied, bool),
    ]
    choices = [I.PENDING, rules.falsified, I.FRIEND, I.HOSTILE, I.SUSPECT, I.NEUTRAL, I.HOSTILE,
               rules.code_match, I.SUSPECT, rules.no_reply]
    conditions = np.broadcast_arrays(*(np.asarray(c, bool) for c in conditions))
    # the first condition that holds decides
    return np.select(conditions, [np.int8(c) for c in choices], np.int8(I.UNKNOWN))


def identify(
    objects: ObjectTable,
    interrogators: Sequence[Interrogator],
    *,
    flight_plans: FlightPlanTable | Sequence[FlightPlan] = (),
    behaviour: Behaviour | None = None,
    seen=None,
    lat_deg=None,
    lon_deg=None,
    rules: Rules | None = None,
) -> Identification:
    """Identity of every object at one instant, as one picture fed by ``interrogators`` sees it.

    Parameters
    ----------
    objects
        The air objects (:func:`object_table`).
    interrogators
        The interrogators whose answers this picture fuses (any of them reading suffices).
    flight_plans
        Filed flight plans available to the picture (none: no civil correlation).
    behaviour
        :func:`behaviour_flags` (none: no behaviour evidence).
    seen
        Whether each object is tracked now (bool ``(n,)``; default all): the rest are pending.
    lat_deg, lon_deg
        Positions now [°] (for flight-plan corridors).
    rules
        :class:`Rules`.
    """
    rules = rules or Rules()
    n = len(objects)
    replies = interrogate(objects, interrogators)
    correlated = correlate(objects, replies, flight_plans, lat_deg, lon_deg)
    if behaviour is None:
        behaviour = Behaviour(*(np.zeros(n, bool) for _ in range(3)))
    seen = np.ones(n, bool) if seen is None else np.asarray(seen, bool).reshape(n)
    identity = assign_identity(
        seen=seen,
        falsified=replies.falsified,
        authenticated=replies.authenticated,
        ballistic=behaviour.ballistic,
        correlated=correlated,
        fast=behaviour.fast,
        hostile_origin=behaviour.hostile_origin,
        code_match=replies.code_match,
        replied=replies.replied,
        rules=rules,
    )
    return Identification(identity, replies, correlated, behaviour, seen)


def identity_matrix(truth, identity, where=None) -> np.ndarray:
    """Counts of objects by truth category (rows, ``TRUTH_LABELS``) and assigned identity
    (columns, ``IDENTITY_LABELS``): int64 array of shape ``(5, 7)``.

    ``where`` (bool, optional) keeps only some objects (e.g. those inside engagement range).
    """
    truth = np.asarray(truth, np.int64).reshape(-1)
    identity = np.asarray(identity, np.int64).reshape(-1)
    if where is not None:
        keep = np.asarray(where, bool).reshape(-1)
        truth, identity = truth[keep], identity[keep]
    nt, ni = len(Truth), len(Identity)
    if len(truth) and (truth.min() < 0 or truth.max() >= nt or identity.min() < 0
                       or identity.max() >= ni):
        raise ValueError("truth or identity code out of range")
    return np.bincount(truth * ni + identity, minlength=nt * ni).reshape(nt, ni)




# ---- from a scenario ---------------------------------------------------------------------


def objects_from_scenario(scenario) -> ObjectTable:
    """The scenario's ``air_objects`` as an :class:`ObjectTable` (raids are added by the engine
    when it launches them).

    Codes: ``code_3a`` (octal text) and ``mode_s`` (hex text) from the transponder; the code
    owner is the object's owner. Flight identity (objects fitted with Mode S or ADS-B): the id
    of its filed flight plan when ``flight_plan`` names one, else the object's id.
    """
    objs = scenario.air_objects
    modes, code_3a, mode_s, callsign = [], [], [], []
    for o in objs:
        t = o.transponder
        modes.append(mode_mask(t.modes) if t else 0)
        code_3a.append(int(t.code_3a, 8) if t and t.code_3a else -1)
        mode_s.append(int(t.mode_s, 16) if t and t.mode_s else -1)
        squitter = t is not None and bool({"s", "adsb"} & set(t.modes))
        name = o.flight_plan if isinstance(o.flight_plan, str) else o.id
        callsign.append(name if squitter else "")
    return object_table(
        [o.id for o in objs],
        [o.owner for o in objs],
        [Truth[o.category.upper()] for o in objs],
        np.asarray(modes, np.uint8),
        code_3a=code_3a,
        mode_s=mode_s,
        callsign=callsign,
        member_of={k: v.member_of for k, v in scenario.owners.items()},
    )


def flight_plans_from_scenario(scenario, half_width_m: float = 9_260.0) -> list[FlightPlan]:
    """A flight plan for every air object with ``flight_plan`` set: it declares the object's
    flight identity, Mode S address and Mode 3/A code, and its route as the corridor (centre
    line through the waypoints, ``half_width_m`` [m] each side)."""
    plans = []
    for o in scenario.air_objects:
        if o.flight_plan is False:
            continue
        t = o.transponder
        name = o.flight_plan if isinstance(o.flight_plan, str) else o.id
        plans.append(
            FlightPlan(
                id=name,
                callsign=name,
                mode_s=int(t.mode_s, 16) if t and t.mode_s else -1,
                code_3a=int(t.code_3a, 8) if t and t.code_3a else -1,
                corridor_lat_deg=tuple(w.lat for w in o.route),
                corridor_lon_deg=tuple(w.lon for w in o.route),
                half_width_m=half_width_m,
            )
        )
    return plans


def _units(scenario, catalog):
    """Per unit id: its IFF standard and its related ids (ancestors and parts)."""
    standard: dict[str, str] = {}
    family: dict[str, set[str]] = {}
    for s in scenario.systems:
        std = s.iff_standard or catalog.get("systems", s.type).iff_standard
        parts = [r.id for r in s.radars]
        for fu in s.fire_units:
            fu_parts = [fu.radar.id, *(lg.id for lg in fu.launchers)]
            parts += [fu.id, *fu_parts]
            for p in (fu.id, *fu_parts):
                family[p] = {p, s.id, fu.id}
            family[fu.id] |= set(fu_parts)
        for r in s.radars:
            family[r.id] = {r.id, s.id}
        for p in (s.id, *parts):
            standard[p] = std
        family[s.id] = {s.id, *parts}
    for x in scenario.sensors:
        # a sensor with no stated standard reads what its arrangement lists
        standard[x.id] = x.iff_standard or "nato_mode5"
        family[x.id] = {x.id}
    return standard, family


def interrogators_from_scenario(scenario, catalog=None, time_s: float | None = None
                                ) -> list[Interrogator]:
    """One :class:`Interrogator` per interrogator of every IFF arrangement of the scenario.

    The standard is the unit's ``iff_standard`` (a system's from the catalog unless
    overridden; fire units and radars take their system's; a sensor without one is taken as
    able to read what its arrangement lists). ``via`` makes it ``linked``.

    ``iff_alter`` events at or before ``time_s`` [s] (none if ``time_s`` is ``None``) act on
    the interrogators they target (the interrogator, its system or a part of it, or the whole
    arrangement), in time order, the latest deciding: no ``modes`` → answers falsified;
    ``modes: []`` → answers suppressed; a list of modes → it reads those modes, unaltered.
    """
    if catalog is None:
        from .catalog import load_catalog

        catalog = load_catalog()
    standard, family = _units(scenario, catalog)
    events = []
    if time_s is not None:
        events = sorted(
            (e for e in scenario.events if e.kind == "iff_alter" and e.time_s <= time_s),
            key=lambda e: e.time_s,
        )
    out = []
    for arr in scenario.iff:
        for uid in arr.interrogators:
            intr = Interrogator(
                id=uid,
                modes=frozenset(arr.modes),
                keys=frozenset(arr.keys),
                standard=standard.get(uid, "nato_mode5"),
                linked=arr.via is not None,
                arrangement=arr.id,
            )
            for e in events:
                if e.target != arr.id and e.target not in family.get(uid, {uid}):
                    continue
                if e.modes is None:
                    intr = replace(intr, alteration="falsify")
                elif not e.modes:
                    intr = replace(intr, alteration="suppress")
                else:
                    intr = replace(intr, modes=frozenset(e.modes), alteration="none")
            out.append(intr)
    return out
