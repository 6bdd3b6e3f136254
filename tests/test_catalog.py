"""The shipped catalog: loads, every figure sourced or a labelled assumption, references resolve,
figures agree with the project's public-parameters compilation, physics sanity, errors that name
file/line/field, and the ``iads catalog`` command."""

from __future__ import annotations

import io
import math
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest
from pydantic import BaseModel
from rich.console import Console

from iads.catalog import KINDS, iter_figures, load_catalog
from iads.catalog.schema import ASPECT_SECTORS, Figure
from iads.catalog_view import figure_rows, format_figure, print_entry, print_listing
from iads.cli import main
from iads.errors import CatalogError

DATA = Path(str(resources.files("iads.catalog") / "data"))
PUBLIC_PARAMETERS = Path("/work/shared/reference/public-parameters.md")
ENTRY_KINDS = [k for k in KINDS if k != "sources"]

#: Ids other modules code against (issue 2, item 4).
REQUIRED_IDS = {
    "radars": {"91n6e", "92n6e", "96l6e", "nebo-m", "64n6e", "30n6e1", "30n6e2", "an-mpq-65",
               "arabel", "an-tpy-2", "an-apy-2", "national-surveillance"},
    "targets": {"f-35a", "f-16c", "su-24", "e-3", "airliner", "transport", "cruise-missile",
                "atacms", "iskander-m", "tb2"},
    "missiles": {"40n6", "48n6e", "48n6e2", "48n6e3", "9m96e", "9m96e2", "pac-2-gem-t",
                 "pac-3-mse", "aster-30-b1"},
    "launchers": {"5p85te2", "5p85se", "m903", "samp-t-ml"},
    "systems": {"s-400", "s-300pmu-1", "s-300pm-2", "patriot", "samp-t"},
}

#: IEEE Std 521 radar letter bands [GHz] (VHF/UHF by ITU): the frequency must sit in its band.
BAND_GHZ = {"VHF": (0.03, 0.3), "UHF": (0.3, 1.0), "L": (1.0, 2.0), "S": (2.0, 4.0),
            "C": (4.0, 8.0), "X": (8.0, 12.0), "Ku": (12.0, 18.0), "Ka": (27.0, 40.0)}

#: Bands ordered by frequency, low to high.
BAND_ORDER = ("VHF", "L", "S", "C", "X")

#: Numbers allowed outside a Figure: detection-model parameters and counts, not measurements.
PLAIN_NUMBERS = {"pd", "pfa", "n_pulses", "swerling"}


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def _all_entries(cat):
    for kind in ENTRY_KINDS:
        for id_, entry in cat.section(kind).items():
            yield kind, id_, entry


# --- loading and provenance ---------------------------------------------------------------------


def test_shipped_catalog_loads_with_required_ids(cat):
    for kind, ids in REQUIRED_IDS.items():
        missing = ids - set(cat.section(kind))
        assert not missing, f"{kind}: missing {sorted(missing)}"


def test_every_figure_is_sourced_or_a_reasoned_assumption_with_range(cat):
    n = 0
    for kind, id_, entry in _all_entries(cat):
        for path, fig in iter_figures(entry):
            n += 1
            where = f"{kind}/{id_}.{'.'.join(map(str, path))}"
            assert (fig.source is None) != (fig.assumption is None), where
            assert fig.lo <= fig.value <= fig.hi, where
            if fig.is_assumption:
                assert fig.low is not None and fig.high is not None, where
                # reasoning, not a placeholder: several words
                assert len(fig.assumption.split()) >= 3, f"{where}: {fig.assumption!r}"
            else:
                src = cat.sources[fig.source]
                assert src.title.strip() and src.publisher.strip(), where
    assert n > 300  # the walk reached the nested figures (scan, reference, RCS, channels)


def test_no_bare_numbers_outside_figures(cat):
    """Every measured number is a Figure; only detection-model parameters and counts are not."""

    def walk(model: BaseModel, where: str):
        for name in type(model).model_fields:
            v = getattr(model, name)
            if isinstance(v, Figure):
                continue
            if isinstance(v, BaseModel):
                walk(v, f"{where}.{name}")
            elif isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool)):
                assert name in PLAIN_NUMBERS, f"{where}.{name} = {v} is not a Figure"

    for kind, id_, entry in _all_entries(cat):
        walk(entry, f"{kind}/{id_}")


def test_every_source_has_a_title_and_is_cited(cat):
    texts = []
    for _, _, entry in _all_entries(cat):
        texts.append(getattr(entry, "note", None) or "")
        texts.append(getattr(getattr(entry, "reference_detection", None), "note", None) or "")
        for _, fig in iter_figures(entry):
            texts += [fig.source or "", fig.note or "", fig.assumption or ""]
    blob = "\n".join(texts)
    for key, src in cat.sources.items():
        assert src.title.strip() and src.publisher.strip(), key
        assert re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", blob), f"source {key} never cited"


def test_cross_references_resolve_and_compose(cat):
    for id_, s in cat.systems.items():
        assert s.engagement_radar in s.radars.values(), id_
        assert cat.radars[s.engagement_radar].role in ("engagement", "multifunction"), id_
        loadable = set()
        for ln in s.launchers:
            launcher = cat.launchers[ln]
            assert set(launcher.loads) <= set(s.missiles), f"{id_}: {ln} default load"
            loadable |= set(launcher.loads)
            for alt in launcher.alternative_loads:
                loadable |= set(alt)
        assert set(s.missiles) <= loadable, f"{id_}: missiles no launcher of it carries"
    for id_, ln in cat.launchers.items():
        for load in (ln.loads, *ln.alternative_loads):
            assert all(m in cat.missiles and n >= 1 for m, n in load.items()), id_


def test_aka_names_are_unambiguous(cat):
    for kind in ENTRY_KINDS:
        seen = {}
        for id_, entry in cat.section(kind).items():
            for name in (id_, *entry.aka):
                assert seen.setdefault(name.lower(), id_) == id_, f"{kind}: {name!r} ambiguous"


# --- agreement with the public-parameters compilation --------------------------------------------
#
# Figures transcribed from shared/reference/public-parameters.md (the project's compilation of
# public sources): (kind, id, field path, expected). `expected` is a number the catalog figure
# must equal, or an interval its [low, high] must lie within / overlap as stated.

EXACT = [
    ("missiles", "40n6", ("range_max_km",), 400),
    ("missiles", "48n6e", ("range_max_km",), 150),
    ("missiles", "48n6e2", ("range_max_km",), 200),
    ("missiles", "9m96e", ("range_max_km",), 40),
    ("missiles", "9m96e2", ("range_max_km",), 120),
    ("missiles", "48n6e3", ("range_max_ballistic_km",), 60),
    ("systems", "s-400", ("fire_channels", "targets_per_system"), 36),
    ("systems", "s-400", ("fire_channels", "missiles_per_system"), 72),
    ("systems", "s-400", ("launchers_per_fire_unit",), 4),
    ("systems", "s-400", ("readiness_s",), 300),
    ("systems", "samp-t", ("launchers_per_fire_unit",), 4),
    ("radars", "91n6e", ("instrumented_range_km",), 600),
    ("radars", "96l6e", ("max_tracks",), 100),
    ("targets", "atacms", ("range_max_km",), 300),
    ("targets", "iskander-m", ("range_max_km",), 500),
    ("targets", "cruise-missile", ("range_max_km",), 1600),
]
WITHIN = [  # catalog [low, high] must lie inside this public interval
    ("systems", "s-400", ("fire_channels", "targets_per_system"), (36, 40)),
    ("systems", "patriot", ("launchers_per_fire_unit",), (6, 8)),
    ("missiles", "40n6", ("altitude_max_km",), (27, 60)),
    ("missiles", "40n6", ("altitude_min_m",), (5, 10)),
    ("targets", "atacms", ("range_max_km",), (165, 300)),
    ("targets", "f-35a", ("rcs_m2", "X", "nose"), (0.001, 0.01)),
    ("targets", "f-16c", ("rcs_m2", "X", "nose"), (1, 5)),
    ("targets", "airliner", ("rcs_m2", "X", "nose"), (10, 100)),
    ("targets", "tb2", ("altitude_max_m",), (24000 * 0.3048 - 1, 27000 * 0.3048 + 1)),
    ("targets", "tb2", ("speed_cruise_mps",), (0.514444 * 69, 0.514444 * 73)),
]


def _figure(cat, kind, id_, path):
    obj = cat.section(kind)[id_]
    for p in path:
        obj = obj[p] if isinstance(obj, dict) else getattr(obj, p)
    assert isinstance(obj, Figure)
    return obj


@pytest.mark.parametrize(("kind", "id_", "path", "expected"), EXACT)
def test_figures_match_public_parameters(cat, kind, id_, path, expected):
    assert _figure(cat, kind, id_, path).value == expected


@pytest.mark.parametrize(("kind", "id_", "path", "interval"), WITHIN)
def test_figure_ranges_within_public_intervals(cat, kind, id_, path, interval):
    fig = _figure(cat, kind, id_, path)
    assert interval[0] <= fig.lo <= fig.hi <= interval[1], (fig.lo, fig.hi, interval)


# Figures sourced from single public pages, checked against the text recorded for that source in
# sources.yaml: (kind, id, field path, which end of the figure, source key, phrase the source's note
# must contain, the number that phrase states converted here to the field's unit, tolerance).
# The conversion is done here, independently of the YAML, so a slip in either shows up.
FT, KT, MPH, MACH_ALT = 0.3048, 0.514444, 0.44704, 295.07  # [m], [m/s], [m/s], a above 11 km [m/s]
SOURCED = [
    ("targets", "f-35a", ("speed_max_mps",), "value", "airandspaceforces-f35-supersonic",
     "top speed of Mach 1.6", 1.6 * MACH_ALT, 1.0),
    ("targets", "f-35a", ("altitude_max_m",), "value", "madison-k12-f35",
     "over 50,000 feet", 50_000 * FT, 1.0),
    ("targets", "f-16c", ("altitude_max_m",), "value", "about-usmilitary-f16",
     "altitude of 50,000 feet", 50_000 * FT, 1.0),
    ("targets", "f-16c", ("speed_max_mps",), "hi", "about-usmilitary-f16",
     "1,500 miles per hour", 1500 * MPH, 1.0),
    ("targets", "e-3", ("speed_max_mps",), "value", "globaldefence-e3-engines",
     "530 miles per hour", 530 * MPH, 1.0),
    ("targets", "e-3", ("altitude_max_m",), "value", "globaldefence-e3-engines",
     "40,000 feet", 40_000 * FT, 1.0),
    ("targets", "e-3", ("altitude_max_m",), "hi", "outono-2025-06-12",
     "42,999 ft", 42_999 * FT, 1.0),
    ("targets", "airliner", ("speed_cruise_mps",), "value", "viaintercity-a320",
     "cruise speed 447 KTAS", 447 * KT, 1.0),
    ("targets", "airliner", ("speed_max_mps",), "value", "viaintercity-a320",
     "470 KTAS", 470 * KT, 1.0),
    ("targets", "airliner", ("altitude_max_m",), "value", "aviation-se-a320-fl398",
     "FL398", 39_800 * FT, 1.0),
    ("targets", "airliner", ("altitude_max_m",), "lo", "viaintercity-a320",
     "service ceiling FL390", 39_000 * FT, 1.0),
    ("targets", "cruise-missile", ("range_max_km",), "hi", "actualidad-rt-406346",
     "2,600 km", 2600, 0.5),
    ("missiles", "aster-30-b1", ("altitude_max_km",), "lo", "strategypage-2009-07-22",
     "66,000 feet", 66_000 * FT / 1e3, 0.2),
    ("missiles", "aster-30-b1", ("altitude_max_km",), "value", "gagadget-samp-t-2023",
     "25 km altitude", 25, 0.01),
    ("radars", "an-apy-2", ("reference_detection", "range_km"), "lo", "futurezone-e3",
     "375 km", 375, 0.5),
]


@pytest.mark.parametrize(
    ("kind", "id_", "path", "end", "source", "phrase", "expected", "tol"), SOURCED
)
def test_sourced_figures_match_their_source_text(
    cat, kind, id_, path, end, source, phrase, expected, tol
):
    fig = _figure(cat, kind, id_, path)
    assert source in cat.sources, source
    assert phrase in (cat.sources[source].note or ""), (source, phrase)
    # the figure names the source, as its `source` or (for a range end) in its note
    assert fig.source == source or source in (fig.note or ""), (fig.source, fig.note)
    assert abs(getattr(fig, end) - expected) <= tol, (end, getattr(fig, end), expected)


def test_launcher_loads_match_public_parameters(cat):
    # PAC-2 4 per launcher, PAC-3 MSE 12; SAMP/T 8 Aster 30; S-400 4 large or 16 small
    m903 = cat.launchers["m903"]
    assert m903.loads == {"pac-3-mse": 12} and {"pac-2-gem-t": 4} in m903.alternative_loads
    assert cat.launchers["samp-t-ml"].loads == {"aster-30-b1": 8}
    s400 = cat.launchers["5p85te2"]
    sizes = {sum(load.values()) for load in (s400.loads, *s400.alternative_loads)}
    assert sizes == {4, 16}


@pytest.mark.skipif(not PUBLIC_PARAMETERS.is_file(), reason="shared reference not present")
def test_transcribed_numbers_appear_in_the_compilation():
    """Guard against transcription slips: each number above occurs in the compilation text."""
    text = PUBLIC_PARAMETERS.read_text(encoding="utf-8").replace(",", "")
    for *_, expected in EXACT:
        assert re.search(rf"(?<![\d.]){expected:g}(?![\d])", text), expected


# --- physics sanity -----------------------------------------------------------------------------


def test_stealth_shaping_works_best_at_high_frequency(cat):
    f35 = cat.targets["f-35a"].rcs_m2
    # the whole X-band nose interval lies below the whole VHF nose interval
    assert f35["X"].nose.hi < f35["VHF"].nose.lo
    for aspect in ASPECT_SECTORS:
        values = [getattr(f35[b], aspect).value for b in BAND_ORDER]  # VHF → X
        assert values == sorted(values, reverse=True), aspect
    # a conventional fighter is far larger than the stealth fighter at X-band, less so at VHF
    f16 = cat.targets["f-16c"].rcs_m2
    ratio_x = f16["X"].nose.value / f35["X"].nose.value
    ratio_vhf = f16["VHF"].nose.value / f35["VHF"].nose.value
    assert ratio_x > 100 and ratio_vhf < ratio_x / 10


def test_targets_cover_every_band_a_catalog_radar_uses(cat):
    bands = {r.band for r in cat.radars.values()}
    assert {"VHF", "L", "S", "C", "X"} <= bands
    for id_, t in cat.targets.items():
        assert bands <= set(t.rcs_m2), id_
        for band, rcs in t.rcs_m2.items():
            for aspect in ASPECT_SECTORS:
                assert getattr(rcs, aspect).lo > 0, (id_, band, aspect)


def test_target_kinematics_consistent(cat):
    g = 9.80665
    for id_, t in cat.targets.items():
        assert t.speed_cruise_mps.value <= t.speed_max_mps.value, id_
        assert t.altitude_min_m.value <= t.altitude_typical_m.value <= t.altitude_max_m.value, id_
        if t.category == "ballistic_missile":
            assert t.apogee_km is not None and t.reentry_speed_mps is not None, id_
            assert t.reentry_speed_mps.value <= t.speed_max_mps.hi, id_
            # apogee agrees with the trajectory's top altitude
            assert t.apogee_km.lo * 1e3 <= t.altitude_max_m.hi, id_
            assert t.altitude_max_m.lo <= t.apogee_km.hi * 1e3, id_
            # without drag, burnout speed v reaches at most v²/g (flat earth, 45°): the fastest
            # catalogued speed must be able to reach the catalogued range (5 % for curvature)
            assert t.speed_max_mps.hi ** 2 / g * 1.05 >= t.range_max_km.value * 1e3, id_


def test_missile_envelopes_consistent(cat):
    for id_, m in cat.missiles.items():
        assert m.range_min_km.hi < m.range_max_km.lo, id_
        assert m.altitude_min_m.hi < m.altitude_max_km.lo * 1e3, id_
        if m.range_max_ballistic_km is not None:
            assert m.range_max_ballistic_km.value <= m.range_max_km.value, id_
        assert 0 < m.pk.lo <= m.pk.hi <= 1, id_
        # a missile must be able to fly its range: mean speed below its maximum
        assert m.speed_max_mps.value > 300, id_


def test_radar_geometry_and_bands_consistent(cat):
    for id_, r in cat.radars.items():
        lo, hi = BAND_GHZ[r.band]
        assert lo <= r.frequency_ghz.value <= hi, (id_, r.band, r.frequency_ghz.value)
        assert r.elevation_min_deg.value < r.elevation_max_deg.value, id_
        assert 0 < r.azimuth_sector_deg.value <= 360, id_
        if r.scan.kind == "rotating":
            assert r.azimuth_sector_deg.value == 360, id_
        ref = r.reference_detection
        assert ref.range_km.value <= r.instrumented_range_km.hi, id_
        assert ref.pfa < ref.pd, id_
    # angle accuracy scales with beamwidth ~ wavelength / aperture: X-band fire control beats
    # S-band search, and the metre-wave VHF radar is coarser than any microwave radar
    sigma_az = {id_: r.sigma_azimuth_mrad for id_, r in cat.radars.items()}
    assert sigma_az["92n6e"].value < sigma_az["91n6e"].value
    assert sigma_az["nebo-m"].lo > max(f.hi for i, f in sigma_az.items() if i != "nebo-m")
    assert cat.radars["an-apy-2"].elevation_min_deg.value < 0  # airborne look-down


def test_fire_channels_consistent(cat):
    for id_, s in cat.systems.items():
        fc = s.fire_channels
        assert fc.targets_per_fire_unit.value <= fc.targets_per_system.value, id_
        assert fc.missiles_per_system.value >= fc.targets_per_system.value, id_
        assert fc.missiles_per_fire_unit.value >= fc.targets_per_fire_unit.value, id_
        assert s.fire_units.value >= 1 and s.launchers_per_fire_unit.value >= 1, id_


# --- lookups ------------------------------------------------------------------------------------


def test_lookup_by_aka_and_case(cat):
    assert cat.resolve("radars", "Grave Stone") == "92n6e"
    assert cat.resolve("systems", "SA-21") == "s-400"
    assert cat.get("radars", "91N6E").band == "S"
    assert cat.find("Bayraktar TB2") == ("targets", "tb2")


def test_unknown_name_suggests_the_closest(cat):
    with pytest.raises(CatalogError) as e:
        cat.get("radars", "92n7e")
    assert "'92n6e'" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(CatalogError) as e:
        cat.find("s-4000")
    assert "'s-400'" in str(e.value)
    with pytest.raises(CatalogError):
        print_entry(Console(file=io.StringIO()), "s-4000", catalog=cat)


# --- broken catalogs ----------------------------------------------------------------------------


def _broken_copy(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """Copy the shipped catalog, replace ``old`` by ``new`` once in ``file``; return the copy's
    directory and the 1-based line where the change is."""
    d = tmp_path / "catalog"
    shutil.copytree(DATA, d)
    p = d / file
    text = p.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not unique in {file}"
    p.write_text(text.replace(old, new), encoding="utf-8")
    return d, text[: text.index(old)].count("\n") + 1


BROKEN = [
    # (file, old, new, field, message fragment)
    ("radars.yaml", "instrumented_range_km: {value: 300, source: defensemirror-39012}",
     "instrumented_range_km: {value: 300}", "96l6e.instrumented_range_km",
     "exactly one of 'source' or 'assumption'"),
    ("missiles.yaml", "range_min_km: {value: 10, low: 5, high: 20,",
     "range_min_km: {value: 10, low: 25, high: 20,", "40n6.range_min_km", "low <= value <= high"),
    ("missiles.yaml", "range_max_km: {value: 400, source: twz-26540,",
     "range_max_km: {value: 400, source: twz-99999,", "40n6.range_max_km",
     "unknown source 'twz-99999'"),
    ("launchers.yaml", "loads: {48n6e3: 4}", "loads: {48n6e9: 4}", "5p85te2.loads.48n6e9",
     "unknown missile '48n6e9'"),
    ("systems.yaml", "radars: {search: 91n6e, engagement: 92n6e,",
     "radars: {search: 91n6x, engagement: 92n6e,", "s-400.radars.search", "unknown radar '91n6x'"),
    ("targets.yaml", "VHF: 1}\n  speed_cruise_mps: {value: 250, low: 220, high: 280, "
     "assumption: \"high-subsonic cruise, Mach 0.8-0.9 at altitude",
     "}\n  speed_cruise_mps: {value: 250, low: 220, high: 280, "
     "assumption: \"high-subsonic cruise, Mach 0.8-0.9 at altitude", "f-35a", "same bands"),
]


@pytest.mark.parametrize(("file", "old", "new", "field", "message"), BROKEN)
def test_broken_catalog_names_file_line_and_field(tmp_path, file, old, new, field, message):
    d, line = _broken_copy(tmp_path, file, old, new)
    with pytest.raises(CatalogError) as e:
        load_catalog(d)
    err = e.value
    assert Path(err.file).name == file
    assert err.field is not None and err.field.startswith(field)
    assert message in err.one_line()
    assert "\n" not in err.one_line()
    # the line is the changed line; for a rule on the whole entry, the entry's first line
    entry_id = field.split(".")[0]
    text = (d / file).read_text(encoding="utf-8")
    entry_line = text[: text.index(f"\n{entry_id}:\n")].count("\n") + 3
    assert err.line == (entry_line if message == "same bands" else line)


def test_missing_catalog_file(tmp_path):
    d = tmp_path / "catalog"
    shutil.copytree(DATA, d)
    (d / "launchers.yaml").unlink()
    with pytest.raises(CatalogError, match="missing catalog file"):
        load_catalog(d)


# --- display and CLI ----------------------------------------------------------------------------


def _render(fn, *args, **kw) -> str:
    buf = io.StringIO()
    fn(Console(file=buf, width=400, color_system=None), *args, **kw)
    return buf.getvalue()


def test_format_figure():
    assert format_figure(Figure(value=250, low=190, high=340, assumption="a b c d"), "km") == (
        "250 km (190–340)*"
    )
    assert format_figure(Figure(value=0.003, low=0.001, high=0.01, source="x"), "m²") == (
        "0.003 m² (0.001–0.01)"
    )
    assert format_figure(Figure(value=15240, source="x"), "m") == "15,240 m"


def test_listing_shows_every_entry(cat):
    out = _render(print_listing, catalog=cat)
    for kind in ENTRY_KINDS:
        for id_ in cat.section(kind):
            assert re.search(rf"(?<![\w-]){re.escape(id_)}(?![\w-])", out), id_
    assert "*" in out and "assumption" in out


def test_entry_rows_carry_source_title_or_assumption(cat):
    rows = {r[0]: r for r in figure_rows(cat.missiles["40n6"], cat)}
    assert cat.sources["twz-26540"].title in rows["range_max_km"][3]
    assert rows["range_min_km"][4] is True
    assert rows["range_min_km"][3].startswith(cat.missiles["40n6"].range_min_km.assumption)
    assert rows["range_min_km"][2] == "5–20"


def test_system_entry_shows_its_radars_and_missiles(cat):
    out = _render(print_entry, "s-400", catalog=cat)
    s = cat.systems["s-400"]
    for part in (*s.radars.values(), *s.missiles, *s.launchers):
        assert cat.section(_kind_of(cat, part))[part].name in out, part
    assert "ASSUMPTION" in out
    assert cat.sources["armyrecognition-2015"].title in out


def _kind_of(cat, id_):
    return next(k for k in ENTRY_KINDS if id_ in cat.section(k))


def test_entry_by_section_and_by_source(cat):
    out = _render(print_entry, "radars", catalog=cat)
    assert all(r in out for r in cat.radars) and "f-35a" not in out
    out = _render(print_entry, "twz-26540", catalog=cat)
    assert "missiles/40n6.range_max_km" in out


def _run_cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_cli_catalog_listing_entry_and_unknown(capsys):
    code, out, err = _run_cli(["catalog"], capsys)
    assert code == 0 and "s-400" in out and "nebo-m" in out and err == ""
    code, out, err = _run_cli(["catalog", "s-400"], capsys)
    assert code == 0 and "92n6e" in out and "ASSUMPTION" in out
    code, out, err = _run_cli(["catalog", "s-4000"], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "s-400" in lines[0] and lines[0].startswith("error:")
    assert "Traceback" not in err


def test_catalog_numbers_are_finite(cat):
    for _, _, entry in _all_entries(cat):
        for _, fig in iter_figures(entry):
            assert all(math.isfinite(x) for x in (fig.value, fig.lo, fig.hi))
