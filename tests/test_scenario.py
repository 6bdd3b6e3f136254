"""Scenario loading: shipped scenarios, composition (extends/set/add/remove), field paths,
round trips, and errors that name the right file and line.

Independent references: the public facts the flagship scenario encodes
(``/work/shared/reference/public-parameters.md``, quoted below), a great-circle distance computed
here from the haversine formula, line numbers found by searching the test's own text, and, for
the path functions, a second walk over the data written in the test.
"""

from __future__ import annotations

import copy
import math
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import iads
from iads.errors import ScenarioError
from iads.scenario import load_scenario, validate_data
from iads.scenario.paths import (
    Index,
    Key,
    PathError,
    Select,
    add_path,
    format_path,
    get_path,
    parse_path,
    remove_paths,
    set_path,
)

ROOT = Path(__file__).parents[1]
# the air-picture family (1,146 objects, ~5 s a load) has its own tests in
# test_air_picture_scenario.py; loading it here again would only add time
SHIPPED = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml")
                 if not p.name.startswith("air-picture"))


def _line_of(text: str, needle: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if needle in t)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


# ---- shipped scenarios --------------------------------------------------------------------


def test_there_are_shipped_scenarios():
    names = {p.relative_to(ROOT / "scenarios").as_posix() for p in SHIPPED}
    assert {"turkey-2019/base.yaml", "examples/minimal.yaml", "examples/variant.yaml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_scenarios_validate(path):
    sc = load_scenario(path)
    assert sc.name
    assert sc.source_files[0] == path


@pytest.mark.parametrize(
    "path", [ROOT / "tests" / "bad_scenarios" / "bases" / "base.yaml"], ids=["corpus-base"]
)
def test_the_bad_corpus_base_itself_is_valid(path):
    assert load_scenario(path).name == "bad-corpus-base"


def _haversine_km(lat1, lon1, lat2, lon2, r_km=6371.0088):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r_km * math.asin(math.sqrt(a))


def test_turkey_2019_encodes_the_public_facts():
    sc = load_scenario(ROOT / "scenarios" / "turkey-2019" / "base.yaml")
    # "two systems, four batteries" (Canikli)
    assert len(sc.systems) == 2
    assert sum(len(s.fire_units) for s in sc.systems) == 4
    assert {s.type for s in sc.systems} == {"s-400"}
    assert {s.owner for s in sc.systems} == {"turkey"} and {s.supplier for s in sc.systems} == {
        "russia"
    }
    # a battery: 4 launchers + search radar + engagement radar + command post (The Diplomat)
    for s in sc.systems:
        assert s.command_post is not None
        assert {r.type for r in s.radars} >= {"91n6e"}
        for fu in s.fire_units:
            assert fu.radar.type == "92n6e"
            assert sum(lg.count for lg in fu.launchers) == 4
    # TASS: one regiment set, more than 120 missiles (ready rounds plus reloads)
    rounds = sum(
        sum(lg.count * n for lg in fu.launchers for n in lg.load.values())
        + sum(fu.reserve.values())
        for s in sc.systems
        for fu in s.fire_units
    )
    assert rounds > 120
    # Murted (formerly Akinci) air base, about 40.08 N, 32.57 E, ~30 km NW of Ankara
    murted = sc.sites["murted"]
    assert abs(murted.lat - 40.08) < 0.01 and abs(murted.lon - 32.57) < 0.01
    for s in sc.systems:
        p = sc.position_of(s)
        assert _haversine_km(p.lat, p.lon, 40.08, 32.57) < 5.0
    ankara = sc.position_of(next(a for a in sc.assets if a.id == "ankara-city"))
    d = _haversine_km(ankara.lat, ankara.lon, murted.lat, murted.lon)
    assert 20 < d < 40
    assert murted.lat > ankara.lat and murted.lon < ankara.lon  # north-west of Ankara
    # not integrated into NATO systems: no NATO network, no Mode 5 keys
    assert all(n.kind != "nato" for n in sc.networks)
    assert all(not ({"4", "5"} & set(a.modes)) for a in sc.iff)


def test_positions_inherit_from_the_parent_unit():
    sc = load_scenario(ROOT / "scenarios" / "turkey-2019" / "base.yaml")
    pos = sc.positions()
    north, east = sc.sites["murted-north"], sc.sites["murted-east"]
    assert pos["s400-1"] == north
    assert pos["s400-1-91n6e"] == north  # with the system
    assert pos["s400-1-fu2"] == east  # the fire unit's own site ...
    assert pos["s400-1-fu2-92n6e"] == east  # ... inherited by its radar
    # inline positions win over the parent's place
    cp = next(s for s in sc.systems if s.id == "s400-1").command_post
    assert pos["s400-1-cp"] == cp.position != north
    assert pos["ankara-city"] == sc.sites["ankara"]


def test_battery_components_are_dispersed():
    """No two components of a Turkish battery share a point (one warhead cannot take a whole
    battery, claim C7): every pair at least 200 m apart, all within 4 km of their system (the
    base is a few km across)."""
    sc = load_scenario(ROOT / "scenarios" / "turkey-2019" / "base.yaml")
    pos = sc.positions()
    for s in sc.systems:
        ids = [r.id for r in s.radars] + [s.command_post.id] + [
            x.id for fu in s.fire_units for x in [fu.radar, *fu.launchers]]
        pts = [pos[i] for i in ids]
        for i in range(len(pts)):
            assert _haversine_km(pts[i].lat, pts[i].lon, pos[s.id].lat, pos[s.id].lon) < 4.0
            for j in range(i):
                d = _haversine_km(pts[i].lat, pts[i].lon, pts[j].lat, pts[j].lon)
                assert d > 0.2, (ids[i], ids[j], d)


def test_catalog_names_resolve_to_canonical_ids(tmp_path):
    p = _write(
        tmp_path,
        "aka.yaml",
        """
name: aka
run: {duration_s: 60, seed: 0}
owners: {tr: {}}
sites: {m: {lat: 40, lon: 32}}
systems:
  - id: s1
    type: Triumf
    owner: tr
    site: m
    fire_units:
      - id: fu1
        radar: {id: r1, type: Grave Stone, boresight_deg: 10}
        launchers: [{id: l1, type: 5P85TE2, count: 1, load: {48N6E3: 2, 9m96e2: 8}}]
""",
    )
    sc = load_scenario(p)
    s = sc.systems[0]
    assert s.type == "s-400"
    assert s.fire_units[0].radar.type == "92n6e"
    lg = s.fire_units[0].launchers[0]
    assert lg.type == "5p85te2" and lg.load == {"48n6e3": 2, "9m96e2": 8}  # half + half: full


# ---- composition ----------------------------------------------------------------------------

BASE = """\
name: base
run: {duration_s: 3600, seed: 1}
owners:
  tr: {kind: country}
  ru: {kind: country}
sites:
  m: {lat: 40.08, lon: 32.57}
systems:
  - id: s1
    type: s-400
    owner: tr
    site: m
    fire_units:
      - id: fu1
        radar: {id: fu1-r, type: 92n6e, boresight_deg: 0}
        launchers:
          - {id: fu1-l, type: 5p85te2, count: 4, load: {48n6e3: 4}}
      - id: fu2
        radar: {id: fu2-r, type: 92n6e, boresight_deg: 180}
        launchers:
          - {id: fu2-l, type: 5p85te2, count: 2, load: {48n6e3: 4}}
air_objects:
  - {id: a1, type: f-16c, owner: tr, category: own, route: [{lat: 39, lon: 32, alt_m: 5000}]}
  - {id: a2, type: f-16c, owner: tr, category: own, route: [{lat: 39, lon: 33, alt_m: 5000}]}
  - {id: a3, type: f-16c, owner: tr, category: own, route: [{lat: 39, lon: 34, alt_m: 5000}]}
events:
  - {time_s: 1800, kind: disable, target: s1, actor: ru}
"""


def test_set_by_id_index_and_key_and_a_defaulted_field(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(
        tmp_path,
        "child.yaml",
        """extends: base.yaml
set:
  run.seed: 9
  systems[s1].fire_units[fu2].launchers[0].count: 3
  systems[0].fire_units[0].radar.boresight_deg: 45
  sites.m.lat: 40.1
  systems[s1].roe: weapons_free
""",
    )
    sc = load_scenario(child)
    assert sc.run.seed == 9
    assert sc.systems[0].fire_units[1].launchers[0].count == 3
    assert sc.systems[0].fire_units[0].launchers[0].count == 4  # untouched
    assert sc.systems[0].fire_units[0].radar.boresight_deg == 45
    assert sc.sites["m"].lat == 40.1
    assert sc.systems[0].roe == "weapons_free"  # absent in the base: schema default replaced
    assert sc.source_files == (child, tmp_path / "base.yaml")


def test_top_level_key_replaces_the_whole_section(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nname: replaced\nowners: {tr: {}, ru: {}, us: {}}\n",
    )
    sc = load_scenario(child)
    assert sc.name == "replaced"
    assert list(sc.owners) == ["tr", "ru", "us"]
    assert sc.owners["tr"].kind == "country"  # the child's {} took the default, not the base's


def test_add_appends_to_lists_and_inserts_into_mappings(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(
        tmp_path,
        "child.yaml",
        """extends: base.yaml
add:
  owners: {us: {kind: country}}
  sites: {k: {lat: 38.35, lon: 37.79}}
  systems[s1].fire_units[fu1].launchers:
    - {id: fu1-l2, type: 5p85te2, count: 1, load: {9m96e2: 16}}
  sensors:   # absent in the base: a list field of the schema, created
    - {id: tpy2, type: an-tpy-2, owner: us, site: k, boresight_deg: 90}
""",
    )
    sc = load_scenario(child)
    assert list(sc.owners) == ["tr", "ru", "us"]
    assert [lg.id for lg in sc.systems[0].fire_units[0].launchers] == ["fu1-l", "fu1-l2"]
    assert [s.id for s in sc.sensors] == ["tpy2"]


def test_remove_resolves_every_path_before_deleting(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nremove:\n  - air_objects[0]\n  - air_objects[1]\n"
        "  - systems[s1].fire_units[fu2]\n  - events\n",
    )
    sc = load_scenario(child)
    assert [a.id for a in sc.air_objects] == ["a3"]  # not a2: indices refer to the base
    assert [fu.id for fu in sc.systems[0].fire_units] == ["fu1"]
    assert sc.events == []


def test_chain_of_three_files(tmp_path):
    _write(tmp_path, "a/grand.yaml", BASE)
    _write(
        tmp_path,
        "b/base.yaml",
        "extends: ../a/grand.yaml\nname: middle\nset:\n  run.seed: 2\n  run.duration_s: 7200\n",
    )
    child = _write(
        tmp_path,
        "child.yaml",
        "extends: b/base.yaml\nname: top\nset:\n  run.seed: 3\nadd:\n  owners: {us: {}}\n",
    )
    sc = load_scenario(child)
    assert sc.name == "top"
    assert sc.run.seed == 3  # the child wins over the middle
    assert sc.run.duration_s == 7200  # from the middle
    assert sc.sites["m"].lat == 40.08  # from the grandparent
    assert "us" in sc.owners
    assert [p.name for p in sc.source_files] == ["child.yaml", "base.yaml", "grand.yaml"]


def test_two_file_cycle_names_both_files(tmp_path):
    a = _write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    _write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    with pytest.raises(ScenarioError, match="circular inheritance") as exc:
        load_scenario(a)
    text = exc.value.one_line()
    assert "a.yaml" in text and "b.yaml" in text
    assert exc.value.file.endswith("b.yaml") and exc.value.line == 2


def test_three_file_cycle_names_all_files(tmp_path):
    a = _write(tmp_path, "a.yaml", "extends: b.yaml\n")
    _write(tmp_path, "b.yaml", "extends: c.yaml\n")
    _write(tmp_path, "c.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="circular inheritance") as exc:
        load_scenario(a)
    assert all(f"{n}.yaml" in str(exc.value) for n in "abc")


def test_missing_path_names_child_and_base_and_the_path(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    text = "extends: base.yaml\nset:\n  systems[s1].fire_units[fu9].launchers[0].count: 2\n"
    child = _write(tmp_path, "child.yaml", text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    err = exc.value
    assert err.file == str(child) and err.line == _line_of(text, "fu9")
    line = err.one_line()
    assert "base.yaml" in line and "systems[s1].fire_units[fu9].launchers[0].count" in line
    assert "no item with id 'fu9'" in line and "did you mean" in line


def test_set_cannot_invent_a_field_the_schema_lacks(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(tmp_path, "child.yaml", "extends: base.yaml\nset:\n  run.speed: 2\n")
    with pytest.raises(ScenarioError, match="no field 'speed' in run") as exc:
        load_scenario(child)
    assert "base.yaml" in str(exc.value)


def test_errors_point_into_the_file_that_wrote_the_value(tmp_path):
    base = _write(tmp_path, "base.yaml", BASE)
    # a bad value set by the child: the child's line
    text = "extends: base.yaml\nset:\n  sites.m.lon: 200\n"
    child = _write(tmp_path, "child.yaml", text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert (exc.value.file, exc.value.line) == (str(child), 3)
    assert exc.value.field == "sites.m.lon"
    assert "expected a longitude in degrees within [-180, 180], found 200" in str(exc.value)
    # the child shortens the run; the base's event at 1800 s is now outside it: the base's line
    child2 = _write(tmp_path, "child2.yaml", "extends: base.yaml\nset:\n  run.duration_s: 600\n")
    with pytest.raises(ScenarioError, match="within the run") as exc:
        load_scenario(child2)
    assert exc.value.file == str(base)
    assert exc.value.line == _line_of(BASE, "time_s: 1800")
    assert exc.value.field == "events[0].time_s"


def test_missing_base_file(tmp_path):
    child = _write(tmp_path, "child.yaml", "name: c\nextends: nowhere.yaml\n")
    with pytest.raises(ScenarioError, match="does not exist") as exc:
        load_scenario(child)
    assert exc.value.line == 2 and "nowhere.yaml" in str(exc.value)


def test_duplicate_id_reported_at_the_later_one(tmp_path):
    text = BASE.replace("{id: a3,", "{id: fu1,")
    p = _write(tmp_path, "dup.yaml", text)
    with pytest.raises(ScenarioError, match="duplicate id 'fu1'") as exc:
        load_scenario(p)
    assert exc.value.line == _line_of(text, "{id: fu1,")
    assert "systems[s1].fire_units[fu1]" in str(exc.value)


def test_dem_path_relative_to_the_scenario_file(tmp_path):
    (tmp_path / "dems").mkdir()
    (tmp_path / "dems" / "x.tif").write_bytes(b"not read at load time")
    p = _write(tmp_path, "s/t.yaml", BASE + "terrain: {dem: ../dems/x.tif}\n")
    sc = load_scenario(p)
    assert Path(sc.terrain.dem).resolve() == (tmp_path / "dems" / "x.tif").resolve()
    q = _write(tmp_path, "s/u.yaml", BASE + "terrain: {dem: ../dems/none.tif}\n")
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(q)


# ---- round trips and plain data -------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_model_dump_round_trips(path, tmp_path):
    sc = load_scenario(path)
    again = validate_data(sc.model_dump())
    assert again.model_dump() == sc.model_dump()
    # through YAML text on disk and the whole loader
    out = tmp_path / "dumped.yaml"
    out.write_text(yaml.safe_dump(sc.model_dump(mode="json", by_alias=True)), encoding="utf-8")
    reloaded = load_scenario(out)
    assert reloaded.model_dump() == sc.model_dump()


def test_plain_data_errors_carry_the_field_path_without_a_file():
    data = {
        "name": "x",
        "run": {"duration_s": 10, "seed": 1},
        "sites": {"a": {"lat": 91, "lon": 0}},
    }
    with pytest.raises(ScenarioError) as exc:
        validate_data(data)
    assert exc.value.file is None
    assert exc.value.one_line() == (
        "sites.a.lat: expected a latitude in degrees within [-90, 90], found 91"
    )


def test_public_api_entry_point():
    p = ROOT / "scenarios" / "examples" / "minimal.yaml"
    assert iads.load_scenario(p).model_dump() == load_scenario(p).model_dump()


# ---- field paths ------------------------------------------------------------------------------


def test_parse_path_parts():
    assert parse_path("systems[s400-1].fire_units[fu1].launchers[0].count") == (
        Key("systems"),
        Select("s400-1"),
        Key("fire_units"),
        Select("fu1"),
        Key("launchers"),
        Index(0),
        Key("count"),
    )
    assert parse_path("load.48n6e3") == (Key("load"), Key("48n6e3"))


@pytest.mark.parametrize(
    ("bad", "phrase"),
    [
        ("", "starts with a field name"),
        ("a[", "unclosed"),
        ("a..b", "field name after"),
        ("a[b c]", "expected [index] or [id]"),
        ("a]b", "unexpected ']'"),
    ],
)
def test_parse_path_errors(bad, phrase):
    with pytest.raises(PathError, match=re_escape(phrase)):
        parse_path(bad)


def re_escape(s: str) -> str:
    import re

    return re.escape(s)


def test_path_errors_explain_and_suggest():
    d = {"systems": [{"id": "s400-1", "roe": "x"}], "run": {"seed": 1}}
    with pytest.raises(PathError, match="no item with id 's400-2'.*did you mean 's400-1'"):
        get_path(d, "systems[s400-2].roe")
    with pytest.raises(PathError, match="no field 'sed' in run.*did you mean 'seed'"):
        set_path(d, "run.sed", 2)
    with pytest.raises(PathError, match="index 3 is past the end"):
        get_path(d, "systems[3]")
    with pytest.raises(PathError, match="not a list"):
        get_path(d, "run[0]")
    with pytest.raises(PathError, match="already has 'seed'"):
        add_path(d, "run", {"seed": 3})


_KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True)
_IDS = st.from_regex(r"[a-z][a-z0-9-]{0,5}", fullmatch=True)
_LEAF = st.one_of(
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.booleans(),
    st.none(),
)
_TREE = st.recursive(
    _LEAF,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.dictionaries(_KEYS, kids, max_size=3),
        st.lists(
            st.fixed_dictionaries({"id": _IDS, "v": kids}), max_size=3, unique_by=lambda x: x["id"]
        ),
    ),
    max_leaves=15,
)


def _pick_path(draw, root):
    """A random existing path into ``root`` (a non-empty dict): (parts, concrete keys)."""
    parts, keys, node = [], [], root
    while True:
        if isinstance(node, dict) and node:
            k = draw(st.sampled_from(sorted(node)))
            parts.append(Key(k))
            keys.append(k)
        elif isinstance(node, list) and node:
            i = draw(st.integers(0, len(node) - 1))
            ident = node[i].get("id") if isinstance(node[i], dict) else None
            by_id = (
                ident is not None
                and sum(isinstance(x, dict) and x.get("id") == ident for x in node) == 1
            )
            parts.append(Select(ident) if by_id and draw(st.booleans()) else Index(i))
            keys.append(i)
        else:
            return parts, keys
        node = node[keys[-1]]
        if draw(st.booleans()):
            return parts, keys


def _leaves(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*prefix, i))
    else:
        yield prefix, node


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_set_then_get_returns_the_value_and_changes_nothing_else(data):
    root = data.draw(st.dictionaries(_KEYS, _TREE, min_size=1, max_size=4))
    parts, keys = _pick_path(data.draw, root)
    text = format_path(parts)
    assert parse_path(text) == tuple(parts)
    # re-setting the id that a selector on the path uses would move the path itself
    assume(not any(isinstance(a, Select) and b == Key("id") for a, b in pairwise(parts)))
    value = data.draw(_TREE)
    if isinstance(parts[-1], Select):  # keep the path meaningful: the new item has that id
        value = {"id": parts[-1].id, "v": value}
    before = copy.deepcopy(root)
    after = set_path(root, text, value)
    assert after is root
    assert get_path(after, text) == value
    # every other leaf is unchanged: compare against the untouched copy, skipping the subtree
    n = len(keys)
    for loc, leaf in _leaves(before):
        if tuple(loc[:n]) == tuple(keys):
            continue
        node = after
        for k in loc:
            node = node[k]
        assert node == leaf


def test_remove_paths_against_a_second_walk():
    d = {"xs": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}], "m": {"p": 1, "q": 2}}
    remove_paths(d, ["xs[1]", "xs[c]", "m.p", "xs[0]"])
    assert d == {"xs": [{"id": "d"}], "m": {"q": 2}}
