"""Identification: IFF/SSR interrogation, flight-plan correlation, behaviour, STANAG 1241
identities (claims C3, C6).

Independent references, all written here from the rules stated in the module docstring and
the brief, not from the implementation:

* a set-based reference interrogator (``ref_replies``) evaluated for every combination of
  transponder modes fitted, modes read, IFF standard, NATO link, keys and alteration;
* the identity rules as a *partition*: a table of mutually exclusive patterns over the nine
  evidence flags, checked to cover every one of the 512 combinations exactly once, then
  compared with the implementation's ordered decision list;
* both composed end to end over fitted modes × read modes × standard × link × keys × flight
  plan × behaviour;
* a brute-force double loop for flight-plan correlation and pyproj geodesics on a densified
  polyline for corridor distances;
* claim C3 on the shipped Turkey-2019 scenario, with the expected identities counted by hand
  from the claim.
"""

from __future__ import annotations

import collections
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iads.geodesy import geodesic_forward, geodesic_inverse
from iads.identification import (
    IDENTITY_LABELS,
    MODES,
    TRUTH_LABELS,
    Area,
    Behaviour,
    FlightPlan,
    Identity,
    Interrogator,
    Rules,
    Truth,
    assign_identity,
    behaviour_flags,
    correlate,
    correlate_pairs,
    corridor_distance_m,
    flight_plan_table,
    flight_plans_from_scenario,
    identify,
    identity_matrix,
    interrogate,
    interrogators_from_scenario,
    mode_mask,
    object_table,
    objects_from_scenario,
    plan_pairs,
    read_replies,
)
from iads.scenario import load_scenario

ROOT = Path(__file__).parents[1]
BASE = ROOT / "scenarios" / "turkey-2019" / "base.yaml"

ALLIANCES = {"turkey": {"nato"}, "usa": {"nato"}}
OPEN_CODE_MODES = {"1", "2", "3a"}
OPEN_MODES = {"1", "2", "3a", "c", "s", "adsb"}
SECURE_MODES = {"4", "5"}
STANDARDS = ("nato_mode5", "russian", "national", "none")


def modes_of(mask: int) -> set[str]:
    return {m for b, m in enumerate(MODES) if mask >> b & 1}


def ref_replies(answered: set, owner, code_owner, standard, linked, keys, alteration):
    """Reference interrogation from the stated rules. ``answered`` = modes both fitted and
    read. Returns (replied, authenticated, code_match, falsified, read_3a, read_address)."""
    if standard == "none" and not linked:  # no interrogator of its own, no link
        answered = set()
    if alteration == "suppress":
        answered = set()

    def covered(o):
        return o != "" and (o in keys or bool(ALLIANCES.get(o, set()) & keys))

    can_challenge = linked or standard in ("nato_mode5", "national")
    # a Mode 4/5 transponder answers only a challenge made with its key: no key, no reply
    authenticated = can_challenge and covered(owner) and bool(answered & SECURE_MODES)
    code_match = covered(code_owner) and bool(answered & OPEN_CODE_MODES)
    replied = bool(answered & OPEN_MODES) or authenticated
    falsified = False
    if alteration == "falsify":
        falsified = authenticated or code_match
        authenticated = code_match = False
    return (replied, authenticated, code_match, falsified, "3a" in answered,
            bool(answered & {"s", "adsb"}))


# The identity rules as mutually exclusive patterns over the evidence flags, in this order:
#   seen, falsified, authenticated, ballistic, correlated, fast, hostile_origin, code_match,
#   replied       ('.' = either).  Outcomes in <> are the Rules parameters.
FLAGS = ("seen", "falsified", "authenticated", "ballistic", "correlated", "fast",
         "hostile_origin", "code_match", "replied")
PATTERNS = [
    ("0........", "pending"),
    ("11.......", "<falsified>"),  # an altered answer: whatever else is true
    ("101......", "friend"),  # authenticated Mode 4/5, not altered: behaviour is irrelevant
    ("1001.....", "hostile"),  # ballistic
    ("100011...", "suspect"),  # flight plan but fast
    ("100010...", "neutral"),  # flight plan, civil speed
    ("10000.1..", "hostile"),  # hostile origin, no plan
    ("10000.01.", "<code_match>"),  # own code plan on the open modes
    ("10000100.", "suspect"),  # fast, nothing else
    ("100000000", "<no_reply>"),  # silent
    ("100000001", "unknown"),  # replies that prove nothing
]


def matches(pattern: str, bits: tuple) -> bool:
    return all(p == "." or int(p) == b for p, b in zip(pattern, bits, strict=True))


def ref_identity(bits: tuple, rules: Rules) -> Identity:
    (label,) = [lab for pat, lab in PATTERNS if matches(pat, bits)]
    if label.startswith("<"):
        return getattr(rules, label.strip("<>"))
    return Identity[label.upper()]


RULE_VARIANTS = [
    Rules(),
    Rules(code_match=Identity.FRIEND, no_reply=Identity.SUSPECT, falsified=Identity.SUSPECT),
]


# ---- enums and small helpers ---------------------------------------------------------------


def test_identity_order_is_stanag_1241_listing():
    assert IDENTITY_LABELS == ("pending", "unknown", "assumed_friend", "friend", "neutral",
                               "suspect", "hostile")
    assert TRUTH_LABELS == ("own", "allied", "civil", "neutral", "hostile")
    assert Identity.HOSTILE > Identity.SUSPECT > Identity.NEUTRAL > Identity.FRIEND


def test_mode_mask_and_bad_names():
    assert mode_mask(MODES) == 255
    assert mode_mask([]) == 0
    assert [mode_mask([m]) for m in MODES] == [1, 2, 4, 8, 16, 32, 64, 128]
    with pytest.raises(ValueError, match="choose one of 1, 2, 3a"):
        mode_mask(["3A"])
    with pytest.raises(ValueError, match="IFF standard"):
        Interrogator("x", frozenset({"5"}), standard="soviet")
    with pytest.raises(ValueError, match="alteration"):
        Interrogator("x", frozenset({"5"}), alteration="spoof")


# ---- exhaustive: interrogation ---------------------------------------------------------------

# object kinds: (owner, code owner): a Turkish jet, a US jet, a spoofer with copied Turkish codes
KINDS = [("turkey", "turkey"), ("usa", "usa"), ("x", "turkey")]
KEY_SETS = [frozenset(), frozenset({"turkey"}), frozenset({"nato"}), frozenset({"usa"})]
ALTERATIONS = ("none", "suppress", "falsify")


def test_interrogation_truth_table_every_combination():
    """Every fitted set (256) × read set (256) × standard × link × keys × alteration, for a
    Turkish jet, a US jet and a spoofer: 18.9 million rows against the reference."""
    fitted = np.tile(np.arange(256), len(KINDS))
    kind = np.repeat(np.arange(len(KINDS)), 256)
    objs = object_table(
        [f"o{i}" for i in range(len(fitted))],
        [KINDS[k][0] for k in kind],
        Truth.ALLIED,
        fitted,
        code_owner=[KINDS[k][1] for k in kind],
        member_of=ALLIANCES,
    )
    rows = 0
    for standard, linked, keys, alteration in itertools.product(
        STANDARDS, (False, True), KEY_SETS, ALTERATIONS
    ):
        # reference for every (modes answered, object kind)
        ref = np.array([[ref_replies(modes_of(a), *KINDS[k], standard, linked, keys, alteration)
                         for a in range(256)] for k in range(len(KINDS))])  # (kind, 256, 6)
        got = np.empty((256, len(objs), 6), bool)
        for read in range(256):
            intr = Interrogator("i", frozenset(modes_of(read)), keys, standard, linked,
                                alteration)
            r = read_replies(objs, intr)
            got[read] = np.stack([r.replied, r.authenticated, r.code_match, r.falsified,
                                  r.read_3a, r.read_address], axis=1)
        expected = ref[kind[None, :], fitted[None, :] & np.arange(256)[:, None]]
        bad = np.argwhere(got != expected)
        assert not len(bad), (standard, linked, keys, alteration, bad[:5])
        rows += got.shape[0] * got.shape[1]
    assert rows == 256 * 256 * 3 * 4 * 2 * 4 * 3


# ---- exhaustive: identity rules --------------------------------------------------------------


def test_identity_patterns_partition_all_evidence():
    """The reference table is a partition: each of the 512 combinations matches one row."""
    for bits in itertools.product((0, 1), repeat=len(FLAGS)):
        assert sum(matches(p, bits) for p, _ in PATTERNS) == 1, bits


@pytest.mark.parametrize("rules", RULE_VARIANTS)
def test_assign_identity_truth_table(rules):
    combos = np.array(list(itertools.product((0, 1), repeat=len(FLAGS))), bool)
    got = assign_identity(**{f: combos[:, i] for i, f in enumerate(FLAGS)}, rules=rules)
    expected = [ref_identity(tuple(int(b) for b in row), rules) for row in combos]
    assert got.dtype == np.int8
    np.testing.assert_array_equal(got, expected)


# ---- exhaustive: end to end ------------------------------------------------------------------


def test_identify_every_combination_end_to_end():
    """Fitted modes (256) × read modes (256) × standard (russian, nato_mode5) × NATO link ×
    keys (none, NATO) × flight plan (none, filed and inside its corridor, filed but 28 km off)
    × behaviour (ballistic, fast, hostile origin): 25 million objects against the reference
    interrogation + flight-plan rule + identity partition."""
    plan_states = ("none", "inside", "off")
    combos = list(itertools.product(range(256), range(3), range(8)))
    fitted = np.array([c[0] for c in combos])
    plan_state = np.array([c[1] for c in combos])
    beh = np.array([c[2] for c in combos])
    n = len(combos)
    k = np.arange(n)
    lat = 30.0 + 0.5 * (k // 100)  # a grid 0.5° apart: every object far from others' corridors
    lon = 10.0 + 0.5 * (k % 100)
    objs = object_table([f"o{i}" for i in k], "usa", Truth.ALLIED, fitted,
                        code_3a=k % 4096, mode_s=k, callsign=[f"F{i}" for i in k],
                        member_of=ALLIANCES)
    plans = []
    for i in np.flatnonzero(plan_state > 0):
        dlat = 0.0 if plan_states[plan_state[i]] == "inside" else 0.25  # 0.25° = 27.8 km
        plans.append(FlightPlan(f"p{i}", callsign=f"F{i}", mode_s=int(i), code_3a=int(i % 4096),
                                corridor_lat_deg=(lat[i] + dlat, lat[i] + dlat),
                                corridor_lon_deg=(lon[i] - 0.1, lon[i] + 0.1)))
    table = flight_plan_table(plans)
    behaviour = Behaviour(ballistic=beh & 4 > 0, fast=beh & 2 > 0, hostile_origin=beh & 1 > 0)
    rules = Rules()
    checked = 0
    for standard, linked, keys in itertools.product(("russian", "nato_mode5"), (False, True),
                                                    (frozenset(), frozenset({"nato"}))):
        ref = np.zeros((256, 3, 8), np.int8)  # (modes answered, plan state, behaviour)
        for a, p, b in itertools.product(range(256), range(3), range(8)):
            replied, auth, code, fals, r3a, raddr = ref_replies(
                modes_of(a), "usa", "usa", standard, linked, keys, "none")
            correlated = plan_states[p] == "inside" and (r3a or raddr)
            bits = (1, fals, auth, b >> 2 & 1, correlated, b >> 1 & 1, b & 1, code, replied)
            ref[a, p, b] = ref_identity(tuple(int(x) for x in bits), rules)
        for read in range(256):
            intr = Interrogator("s400", frozenset(modes_of(read)), keys, standard, linked)
            got = identify(objs, [intr], flight_plans=table, behaviour=behaviour,
                           lat_deg=lat, lon_deg=lon, rules=rules)
            np.testing.assert_array_equal(
                got.identity, ref[fitted & read, plan_state, beh],
                err_msg=f"{standard} linked={linked} keys={set(keys)} read={modes_of(read)}")
            checked += n
    assert checked == 256 * 256 * 3 * 8 * 8


# ---- properties -------------------------------------------------------------------------------

OWNERS = ["turkey", "usa", "nato", "x", "civil"]
mode_sets = st.frozensets(st.sampled_from(MODES))
interrogator_st = st.builds(
    Interrogator,
    id=st.sampled_from(["a", "b", "c"]),
    modes=mode_sets,
    keys=st.frozensets(st.sampled_from(OWNERS), max_size=3),
    standard=st.sampled_from(STANDARDS),
    linked=st.booleans(),
    alteration=st.sampled_from(ALTERATIONS),
    altered_objects=st.none() | st.frozensets(st.sampled_from([f"o{i}" for i in range(8)])),
)


@st.composite
def pictures(draw):
    n = draw(st.integers(1, 8))
    ids = [f"o{i}" for i in range(n)]
    objs = object_table(
        ids,
        draw(st.lists(st.sampled_from(OWNERS), min_size=n, max_size=n)),
        draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)),
        draw(st.lists(st.integers(0, 255), min_size=n, max_size=n)),
        code_owner=draw(st.lists(st.sampled_from([*OWNERS, ""]), min_size=n, max_size=n)),
        code_3a=draw(st.lists(st.integers(-1, 3), min_size=n, max_size=n)),
        mode_s=draw(st.lists(st.integers(-1, 3), min_size=n, max_size=n)),
        callsign=draw(st.lists(st.sampled_from(["", "A", "B"]), min_size=n, max_size=n)),
        member_of=ALLIANCES,
    )
    intrs = draw(st.lists(interrogator_st, min_size=1, max_size=4))
    plans = [FlightPlan(f"p{j}", callsign=c, mode_s=m, code_3a=q)
             for j, (c, m, q) in enumerate(draw(st.lists(st.tuples(
                 st.sampled_from(["", "A", "B"]), st.integers(-1, 3), st.integers(-1, 3)),
                 max_size=4)))]
    flags = [np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) for _ in range(4)]
    return objs, intrs, plans, Behaviour(*flags[:3]), flags[3]


def _applies(intr: Interrogator, obj_id: str) -> bool:
    return intr.alteration != "none" and (intr.altered_objects is None
                                          or obj_id in intr.altered_objects)


def _authenticates(intr: Interrogator, owner: str, fitted: int) -> bool:
    capable = intr.linked or intr.standard in ("nato_mode5", "national")
    keyed = owner in intr.keys or bool(ALLIANCES.get(owner, set()) & intr.keys)
    return capable and keyed and "5" in intr.modes and "5" in modes_of(fitted)


@settings(max_examples=400, deadline=None)
@given(pictures())
def test_valid_mode5_reply_is_never_hostile_unless_altered(picture):
    objs, intrs, plans, behaviour, seen = picture
    out = identify(objs, intrs, flight_plans=plans, behaviour=behaviour, seen=seen)
    for i, oid in enumerate(objs.ids):
        valid = any(_authenticates(x, objs.owner[i], objs.modes[i]) and not _applies(x, oid)
                    for x in intrs)
        altered = any(_applies(x, oid) for x in intrs)
        if valid and not altered:
            assert out.identity[i] != Identity.HOSTILE
            assert out.identity[i] == (Identity.FRIEND if seen[i] else Identity.PENDING)
        # the exception is real: a falsified Mode 5 answer makes a seen friend hostile
        if seen[i] and any(x.alteration == "falsify" and _applies(x, oid)
                           and _authenticates(x, objs.owner[i], objs.modes[i]) for x in intrs):
            assert out.identity[i] == Identity.HOSTILE


@settings(max_examples=100, deadline=None)
@given(pictures(), st.randoms(use_true_random=False))
def test_identify_is_deterministic_and_permutation_equivariant(picture, rnd):
    objs, intrs, plans, behaviour, seen = picture
    first = identify(objs, intrs, flight_plans=plans, behaviour=behaviour, seen=seen)
    again = identify(objs, intrs, flight_plans=plans, behaviour=behaviour, seen=seen)
    np.testing.assert_array_equal(first.identity, again.identity)
    perm = np.array(rnd.sample(range(len(objs)), len(objs)))
    shuffled = object_table(objs.ids[perm], objs.owner[perm], objs.truth[perm],
                            objs.modes[perm], code_owner=objs.code_owner[perm],
                            code_3a=objs.code_3a[perm], mode_s=objs.mode_s[perm],
                            callsign=objs.callsign[perm], member_of=ALLIANCES)
    beh = Behaviour(behaviour.ballistic[perm], behaviour.fast[perm],
                    behaviour.hostile_origin[perm])
    out = identify(shuffled, intrs[::-1], flight_plans=plans[::-1], behaviour=beh,
                   seen=seen[perm])
    np.testing.assert_array_equal(out.identity, first.identity[perm])


# ---- flight plans and corridors ----------------------------------------------------------------


def _dense_geodesic_distance(lat, lon, c_lat, c_lon, step_m=100.0):
    """Reference: WGS-84 geodesic distance to a polyline sampled every ``step_m``."""
    pts_lat, pts_lon = [], []
    for (a_lat, a_lon), (b_lat, b_lon) in itertools.pairwise(zip(c_lat, c_lon, strict=True)):
        az, d = geodesic_inverse(a_lat, a_lon, b_lat, b_lon)
        s = np.linspace(0, float(d), int(d // step_m) + 2)
        la, lo = geodesic_forward(a_lat, a_lon, az, s)
        pts_lat.append(la)
        pts_lon.append(lo)
    pl, po = np.concatenate(pts_lat), np.concatenate(pts_lon)
    _, dist = geodesic_inverse(np.asarray(lat)[:, None], np.asarray(lon)[:, None], pl, po)
    return dist.min(axis=1)


def test_corridor_distance_against_geodesic_polyline():
    rng = np.random.default_rng(1)
    c_lat, c_lon = (41.0, 40.2, 39.9, 38.5), (28.8, 30.5, 32.8, 35.4)  # Istanbul-Ankara-Adana-ish
    lat = rng.uniform(37.5, 42.0, 300)
    lon = rng.uniform(27.5, 36.5, 300)
    got = corridor_distance_m(lat, lon, c_lat, c_lon)
    ref = _dense_geodesic_distance(lat, lon, c_lat, c_lon)
    # sphere vs ellipsoid: within 0.6 %; sampling: the dense reference overshoots by < 5 m
    keep = ref > 2_000
    np.testing.assert_allclose(got[keep], ref[keep], rtol=6e-3, atol=5)
    assert np.all(np.abs(got[~keep] - ref[~keep]) < 20)
    # a single point is a circle round it
    one = corridor_distance_m(lat[:5], lon[:5], (39.93,), (32.85,))
    _, d = geodesic_inverse(lat[:5], lon[:5], 39.93, 32.85)
    np.testing.assert_allclose(one, d, rtol=6e-3)


def _brute_correlate(objs, replies, plans, lat, lon):
    out = []
    for i in range(len(objs)):
        hit = False
        for p in plans:
            same = (
                (replies.read_address[i] and objs.mode_s[i] >= 0 and objs.mode_s[i] == p.mode_s)
                or (replies.read_address[i] and objs.callsign[i] != ""
                    and objs.callsign[i] == p.callsign)
                or (replies.read_3a[i] and objs.code_3a[i] >= 0 and objs.code_3a[i] == p.code_3a)
            )
            if same and p.corridor_lat_deg:
                d = corridor_distance_m([lat[i]], [lon[i]], p.corridor_lat_deg,
                                        p.corridor_lon_deg)[0]
                same = d <= p.half_width_m
            hit = hit or same
        out.append(hit)
    return np.array(out)


def test_correlate_against_brute_force_with_shared_codes():
    """Duplicated codes, addresses and callsigns across plans; some plans without corridor."""
    rng = np.random.default_rng(7)
    n, m = 300, 120
    objs = object_table([f"o{i}" for i in range(n)], "civil", Truth.CIVIL,
                        rng.integers(0, 256, n), code_3a=rng.integers(-1, 40, n),
                        mode_s=rng.integers(-1, 40, n),
                        callsign=rng.choice(["", "THY1", "THY2", "PGT3", "SXS4"], n))
    lat = rng.uniform(38, 41, n)
    lon = rng.uniform(29, 34, n)
    plans = []
    for j in range(m):
        k = int(rng.integers(0, 4))  # 0: no corridor, else k+1 points
        c_lat = tuple(rng.uniform(38, 41, k + 1)) if k else ()
        c_lon = tuple(rng.uniform(29, 34, k + 1)) if k else ()
        plans.append(FlightPlan(f"p{j}", callsign=str(rng.choice(["", "THY1", "PGT3", "X"])),
                                mode_s=int(rng.integers(-1, 40)), code_3a=int(rng.integers(-1, 40)),
                                corridor_lat_deg=c_lat, corridor_lon_deg=c_lon,
                                half_width_m=float(rng.uniform(5e3, 60e3))))
    intrs = [Interrogator("a", frozenset({"3a", "c"})), Interrogator("b", frozenset({"s"}))]
    replies = interrogate(objs, intrs)
    got = correlate(objs, replies, plans, lat, lon)
    ref = _brute_correlate(objs, replies, plans, lat, lon)
    assert 20 < ref.sum() < n - 20  # the case is not trivial either way
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(correlate(objs, replies, flight_plan_table(plans), lat, lon),
                                  ref)
    with pytest.raises(ValueError, match="lat_deg and lon_deg"):
        correlate(objs, replies, plans)


def test_correlate_pairs_equals_the_numpy_corridor_distance():
    """The compiled corridor test against :func:`corridor_distance_m` (numpy) per pair, for
    points on both sides of the half width, beside and beyond the segments; and the pairs of
    the objects seen are those of all objects whose object is seen."""
    rng = np.random.default_rng(11)
    m = 30
    plans = []
    for j in range(m):
        k = int(rng.integers(0, 4))  # k + 1 corridor points (one: a circle round it)
        plans.append(FlightPlan(f"p{j}", code_3a=j,
                                corridor_lat_deg=tuple(rng.uniform(38, 39, k + 1)),
                                corridor_lon_deg=tuple(rng.uniform(32, 33, k + 1)),
                                half_width_m=float(rng.uniform(5e3, 40e3))))
    table = flight_plan_table(plans)
    n = 400
    lat, lon = rng.uniform(37.8, 39.2, n), rng.uniform(31.8, 33.2, n)
    i = np.repeat(np.arange(n), 3)
    j = rng.integers(0, m, 3 * n)
    ref = np.zeros(n, bool)
    for a, b in zip(i, j, strict=True):
        p = plans[b]
        d = corridor_distance_m([lat[a]], [lon[a]], p.corridor_lat_deg, p.corridor_lon_deg)[0]
        ref[a] |= d <= p.half_width_m
    assert 50 < ref.sum() < n - 50
    np.testing.assert_array_equal(correlate_pairs(n, table, i, j, lat, lon), ref)
    objs = object_table([f"o{q}" for q in range(n)], "civil", Truth.CIVIL,
                        rng.integers(0, 256, n), code_3a=rng.integers(-1, m, n))
    replies = interrogate(objs, [Interrogator("a", frozenset({"3a"}))])
    seen = rng.random(n) < 0.5
    pi, pj = plan_pairs(objs, replies, table)
    seen_r = replace(replies, read_3a=replies.read_3a & seen,
                     read_address=replies.read_address & seen)
    si, sj = plan_pairs(objs, seen_r, table)
    np.testing.assert_array_equal(si, pi[seen[pi]])
    np.testing.assert_array_equal(sj, pj[seen[pi]])
    # an object not seen reads no identifier, so it matches no plan: the whole set's
    # correlation, less the unseen
    np.testing.assert_array_equal(correlate_pairs(n, table, si, sj, lat, lon),
                                  correlate(objs, replies, table, lat, lon) & seen)


def test_spoofed_open_identifiers_fool_correlation_but_not_kinematics():
    """Mode S and 3/A are unencrypted: a jet copying an airliner's address inside the
    airliner's corridor correlates; at fighter speed it is suspect, at airliner speed neutral."""
    plan = FlightPlan("THY2143", callsign="THY2143", mode_s=0x4BA9C1, code_3a=0o2143,
                      corridor_lat_deg=(40.98, 39.95), corridor_lon_deg=(28.82, 32.69))
    objs = object_table(["spoof-slow", "spoof-fast", "real-off-route"], ["x", "x", "civil"],
                        [Truth.HOSTILE, Truth.HOSTILE, Truth.CIVIL], [{"s", "c"}] * 3,
                        mode_s=[0x4BA9C1] * 3, callsign=["THY2143"] * 3)
    beh = behaviour_flags([230.0, 400.0, 230.0], [0.0, 0.0, 0.0])
    lat, lon = [40.5, 40.5, 37.0], [30.6, 30.6, 30.6]  # first two on the route, third 390 km S
    r = identify(objs, [Interrogator("ssr", frozenset({"s", "c"}), standard="russian")],
                 flight_plans=[plan], behaviour=beh, lat_deg=lat, lon_deg=lon)
    assert r.labels().tolist() == ["neutral", "suspect", "unknown"]


# ---- behaviour ---------------------------------------------------------------------------------


def test_behaviour_thresholds_and_hostile_area():
    rules = Rules(fast_mps=300, ballistic_speed_mps=1000, ballistic_climb_mps=200)
    speed = [300.0, 300.1, 999.9, 1000.0, 1000.0, 2000.0]
    climb = [0.0, 0.0, -500.0, -200.0, 199.9, 300.0]
    b = behaviour_flags(speed, climb, rules=rules)
    assert b.fast.tolist() == [False, True, True, True, True, True]
    assert b.ballistic.tolist() == [False, False, False, True, False, True]
    # origin 99 km and 101 km from the centre of a 100 km circle (WGS-84 geodesics)
    lat, lon = geodesic_forward(36.2, 37.2, np.radians([10.0, 200.0]), [99e3, 101e3])
    b = behaviour_flags([200.0, 200.0], [0.0, 0.0], lat, lon, [Area(36.2, 37.2, 100e3)])
    assert b.hostile_origin.tolist() == [True, False]
    with pytest.raises(ValueError, match="origin_lat_deg"):
        behaviour_flags([200.0], [0.0], hostile_areas=[Area(36.2, 37.2, 100e3)])


def test_fast_needs_significant_evidence():
    """With σ given, "fast" needs speed − k·σ above the threshold (k = evidence_sigmas)."""
    rules = Rules(fast_mps=320, evidence_sigmas=2.0)
    speed = [330.0, 400.0, 400.0, 400.0, 1500.0]
    sigma = [0.0, 39.0, 40.0, 41.0, 600.0]
    b = behaviour_flags(speed, [0.0, 0.0, 0.0, 0.0, -600.0], rules=rules, speed_sigma_mps=sigma)
    assert b.fast.tolist() == [True, True, False, False, False]
    # without σ: the old rule, whatever evidence_sigmas says
    assert behaviour_flags(speed, [0.0] * 5, rules=rules).fast.all()


def test_ballistic_profile_needs_significant_evidence_on_speed_and_climb():
    """Both terms of the ballistic profile need k·σ of margin (k = evidence_sigmas), each on
    its own σ; without σ, the estimate decides. The tracks that made airliners hostile in the
    NATO air picture (1,087 m/s at σ 61 m/s, climbing 273 m/s) are not ballistic."""
    rules = Rules(ballistic_speed_mps=1000.0, ballistic_climb_mps=200.0, evidence_sigmas=2.0)
    speed = np.array([1200.0, 1200.0, 1200.0, 1200.0, 1087.0, 2000.0])
    climb = np.array([-300.0, -300.0, 300.0, 300.0, 273.0, -900.0])
    s_sd = np.array([100.0, 101.0, 0.0, 0.0, 61.0, 300.0])
    c_sd = np.array([0.0, 0.0, 50.0, 50.5, 20.0, 150.0])
    b = behaviour_flags(speed, climb, rules=rules, speed_sigma_mps=s_sd, climb_sigma_mps=c_sd)
    expect = (speed - 2 * s_sd >= 1000.0) & (np.abs(climb) - 2 * c_sd >= 200.0)
    assert b.ballistic.tolist() == expect.tolist() == [True, False, True, False, False, True]
    assert behaviour_flags(speed, climb, rules=rules).ballistic.all()
    # the climb σ alone
    b = behaviour_flags(speed, climb, rules=rules, climb_sigma_mps=c_sd)
    assert b.ballistic.tolist() == [True, True, True, False, True, True]


# ---- identity matrix ---------------------------------------------------------------------------


def test_identity_matrix_against_counter():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 5, 2000)
    ident = rng.integers(0, 7, 2000)
    keep = rng.random(2000) < 0.6
    m = identity_matrix(truth, ident, where=keep)
    counts = collections.Counter(zip(truth[keep].tolist(), ident[keep].tolist(), strict=True))
    assert m.shape == (len(TRUTH_LABELS), len(IDENTITY_LABELS))
    for t, i in itertools.product(range(5), range(7)):
        assert m[t, i] == counts[(t, i)]
    with pytest.raises(ValueError, match="out of range"):
        identity_matrix([5], [0])


# ---- claim C3 on the shipped scenario -----------------------------------------------------------

C3_VARIANT = """
extends: {base}
name: c3-identification
{set}
add:
{add}
  owners:
    x-air: {{kind: country, name: "an air force outside NATO"}}
  sensors:
    - id: e3-awacs
      type: an-apy-2
      owner: nato
      iff_standard: nato_mode5
      orbit: {{lat: 40.6, lon: 31.5, radius_km: 40, alt_m: 9000, speed_mps: 200}}
  networks:
    - {{id: nato-picture, kind: nato, members: [e3-awacs, s400-1, s400-2]}}
  iff:
    # ASSUMPTION of this test: Turkey loads its own code plan into the S-400 (keys: turkey).
    - {{id: s400-national, interrogators: [s400-1, s400-2], modes: [1, 2, 3a, c, 5],
       keys: [turkey]}}
    # NATO-integrated: Mode 5 read by NATO sensors and passed on over the NATO picture.
    - {{id: s400-nato, interrogators: [s400-1, s400-2], modes: [5], keys: [nato],
       via: nato-picture}}
  air_objects:
{objects}
"""

C3_OBJECTS = [
    # id, type, owner, category, modes, code_3a, mode_s, flight_plan, lat, lon, speed
    ("tur-f16-1", "f-16c", "turkey", "own", "[1, 2, 3a, c, 5]", "4101", None, False,
     39.6, 32.2, 250),
    ("tur-f16-2", "f-16c", "turkey", "own", "[1, 2, 3a, c, 5]", "4102", None, False,
     40.4, 33.1, 250),
    ("tur-f16-3", "f-16c", "turkey", "own", "[1, 2, 3a, c, 5]", "4103", None, False,
     39.9, 31.6, 230),
    ("usa-f16-1", "f-16c", "usa", "allied", "[1, 2, 3a, c, 5]", "5201", None, False,
     40.2, 32.0, 240),
    ("usa-f35-1", "f-35a", "usa", "allied", "[1, 2, 3a, c, 5]", "5202", None, False,
     39.7, 33.0, 250),
    ("thy2143", "airliner", "civil", "civil", "[3a, c, s, adsb]", "2143", "4BA9C1", True,
     40.5, 31.0, 230),
    ("pgt7", "airliner", "civil", "civil", "[3a, c, s, adsb]", "3321", "4BB1F0", True,
     39.5, 33.5, 230),
    ("civ-noplan", "airliner", "civil", "civil", "[3a, c]", "7000", None, False,
     40.0, 33.6, 200),
    ("x-jet", "su-24", "x-air", "hostile", "[]", None, None, False, 40.3, 34.0, 260),
]


def _c3_scenario(tmp_path, set_="", add=""):
    lines = []
    for oid, typ, own, cat, modes, code, addr, fp, lat, lon, v in C3_OBJECTS:
        tr = f"{{modes: {modes}"
        tr += f', code_3a: "{code}"' if code else ""
        tr += f', mode_s: "{addr}"' if addr else ""
        tr += "}"
        lines.append(
            f"    - {{id: {oid}, type: {typ}, owner: {own}, category: {cat}, "
            f"flight_plan: {str(fp).lower()}, transponder: {tr}, route: ["
            f"{{lat: {lat}, lon: {lon}, alt_m: 8000, speed_mps: {v}}}, "
            f"{{lat: 39.95, lon: 32.6, alt_m: 8000}}]}}")
    path = tmp_path / "c3.yaml"
    path.write_text(C3_VARIANT.format(base=BASE, objects="\n".join(lines), set=set_, add=add))
    return load_scenario(path)


def _c3_identify(sc, arrangements, rules=None, time_s=None, units=None):
    objs = objects_from_scenario(sc)
    intrs = [i for i in interrogators_from_scenario(sc, time_s=time_s)
             if i.arrangement in arrangements and (units is None or i.id in units)]
    assert {i.arrangement for i in intrs} == set(arrangements)
    lat = [o.route[0].lat for o in sc.air_objects]
    lon = [o.route[0].lon for o in sc.air_objects]
    beh = behaviour_flags([o.route[0].speed_mps for o in sc.air_objects],
                          np.zeros(len(lat)), rules=rules)
    out = identify(objs, intrs, flight_plans=flight_plans_from_scenario(sc), behaviour=beh,
                   lat_deg=lat, lon_deg=lon, rules=rules)
    return objs, dict(zip(objs.ids.tolist(), out.labels().tolist(), strict=True)), out


def test_c3_russian_standard_shows_allies_unknown_except_turkish_jets(tmp_path):
    sc = _c3_scenario(tmp_path)
    # the S-400 is Russian-standard (catalog), so it cannot make NATO Mode 5 challenges
    assert {i.standard for i in interrogators_from_scenario(sc)
            if i.id.startswith("s400")} == {"russian"}

    # base arrangement (open modes, no keys): every military aircraft is unknown
    _, ids, _ = _c3_identify(sc, {"s400-reads"})
    assert [ids[k] for k in ("tur-f16-1", "usa-f16-1", "usa-f35-1")] == ["unknown"] * 3
    assert [ids[k] for k in ("thy2143", "pgt7", "civ-noplan", "x-jet")] == [
        "neutral", "neutral", "unknown", "unknown"]

    # national arrangement (Turkish code plan): Turkey's own jets are recognised by their
    # open codes, allied NATO aircraft stay unknown though they answer Mode 5
    objs, ids, out = _c3_identify(sc, {"s400-national"})
    expected = {"tur-f16-1": "assumed_friend", "tur-f16-2": "assumed_friend",
                "tur-f16-3": "assumed_friend", "usa-f16-1": "unknown", "usa-f35-1": "unknown",
                "thy2143": "neutral", "pgt7": "neutral", "civ-noplan": "unknown",
                "x-jet": "unknown"}
    assert ids == expected
    m = identity_matrix(objs.truth, out.identity)
    assert m[Truth.OWN, Identity.ASSUMED_FRIEND] == 3
    assert m[Truth.ALLIED, Identity.UNKNOWN] == 2
    assert m[Truth.CIVIL].tolist() == [0, 1, 0, 0, 2, 0, 0]
    assert m.sum() == 9 and m[:, Identity.FRIEND].sum() == 0
    # reading the source's "except Turkey's own jets" as friend is one parameter away
    _, ids, _ = _c3_identify(sc, {"s400-national"}, rules=Rules(code_match=Identity.FRIEND))
    assert [ids[k] for k in ("tur-f16-1", "usa-f16-1")] == ["friend", "unknown"]

    # NATO-integrated: Mode 5 via the NATO picture makes every allied aircraft a friend
    _, ids, _ = _c3_identify(sc, {"s400-national", "s400-nato"})
    assert ids == {**expected, "tur-f16-1": "friend", "tur-f16-2": "friend",
                   "tur-f16-3": "friend", "usa-f16-1": "friend", "usa-f35-1": "friend"}


def test_c3_integration_hardware_and_supplier_alteration(tmp_path):
    """Integration hardware (the S-400's standard overridden to national) reads Mode 5 with the
    keys held; supplier ``iff_alter`` events falsify (600 s) or suppress (900 s) answers."""
    sc = _c3_scenario(
        tmp_path,
        set_="set:\n  systems[s400-1].iff_standard: national\n"
             "  systems[s400-2].iff_standard: national",
        add="  events:\n"
            "    - {time_s: 600, kind: iff_alter, target: s400-1, actor: russia}\n"
            "    - {time_s: 900, kind: iff_alter, target: s400-2, actor: russia, modes: []}",
    )
    military = ("tur-f16-1", "usa-f16-1", "usa-f35-1")
    everything = {"s400-reads", "s400-national", "s400-nato"}

    # national hardware + Turkish keys: Turkish jets authenticate on Mode 5, US jets do not
    _, ids, _ = _c3_identify(sc, {"s400-national"})
    assert [ids[k] for k in military] == ["friend", "unknown", "unknown"]
    _, ids, _ = _c3_identify(sc, everything, time_s=0)
    assert [ids[k] for k in military] == ["friend"] * 3

    # from 600 s the supplier falsifies s400-1's answers: its picture shows friends hostile;
    # open civil answers are not authentication and stay as they were
    for t, want in ((599.0, "friend"), (600.0, "hostile")):
        _, ids, _ = _c3_identify(sc, everything, time_s=t, units={"s400-1"})
        assert [ids[k] for k in military] == [want] * 3
        assert [ids[k] for k in ("thy2143", "civ-noplan")] == ["neutral", "unknown"]
    # s400-2 is untouched until 900 s; then its answers are lost: nothing is identified
    _, ids, _ = _c3_identify(sc, everything, time_s=899.0, units={"s400-2"})
    assert [ids[k] for k in military] == ["friend"] * 3
    _, ids, out = _c3_identify(sc, everything, time_s=900.0, units={"s400-2"})
    assert set(ids.values()) == {"unknown"}
    assert not out.replies.replied.any()
    # an event aimed at the arrangement acts on all its interrogators
    sc2 = _c3_scenario(tmp_path, add="  events:\n"
                       "    - {time_s: 10, kind: iff_alter, target: s400-nato, modes: [5]}")
    alt = [i for i in interrogators_from_scenario(sc2, time_s=10) if i.arrangement == "s400-nato"]
    assert len(alt) == 2 and all(i.alteration == "none" and i.modes == {"5"} for i in alt)


def test_objects_and_plans_from_scenario(tmp_path):
    sc = _c3_scenario(tmp_path)
    objs = objects_from_scenario(sc)
    i = objs.ids.tolist().index("thy2143")
    assert objs.code_3a[i] == 1123  # octal 2143 = 2*512 + 1*64 + 4*8 + 3
    assert objs.mode_s[i] == 4958657  # hex 4BA9C1
    assert objs.callsign[i] == "thy2143"
    assert objs.modes[i] == mode_mask(["3a", "c", "s", "adsb"])
    assert objs.truth[objs.ids.tolist().index("usa-f16-1")] == Truth.ALLIED
    assert objs.member_of["turkey"] == {"nato"}
    plans = {p.id: p for p in flight_plans_from_scenario(sc, half_width_m=5000.0)}
    assert set(plans) == {"thy2143", "pgt7"}
    assert plans["thy2143"].corridor_lat_deg == (40.5, 39.95)
    assert plans["thy2143"].half_width_m == 5000.0


def test_interrogator_replace_keeps_validation():
    x = Interrogator("a", {"5"}, {"nato"})
    assert x.modes == frozenset({"5"}) and x.secure_capable
    assert not replace(x, standard="russian").secure_capable
    assert replace(x, standard="russian").read_mask == 0
    assert replace(x, standard="russian", linked=True).read_mask == mode_mask(["5"])
    assert replace(x, standard="none").read_mask == 0
    with pytest.raises(ValueError):
        replace(x, modes={"6"})
