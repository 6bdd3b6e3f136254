"""The comparison report (iads.report): self-contained, escaped, faithful to its data.

References: the HTML is read back with the standard library's parser; map overlays are checked
pixel by pixel against an exact pyproj transform of each pixel centre and against the coverage
areas of :func:`iads.scenario_coverage`; exports are read back with rasterio and ElementTree.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html import escape
from html.parser import HTMLParser

import numpy as np
import pytest
from comparison_fixture import HOSTILE, build_comparison
from pyproj import Transformer

import iads
from iads.cli import main
from iads.coverage_study import grid_of
from iads.errors import InputFileError
from iads.report import Report
from iads.report.comparison import load_comparison
from iads.report.html import script_json


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture folder and its report, written through the CLI (``iads report DIR``)."""
    d = build_comparison(tmp_path_factory.mktemp("cmp"), hostile=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        main(["report", str(d)])
    assert exc.value.code == 0
    assert out.getvalue().strip() == str(d / "report.html")  # the CLI prints the path
    rep = Report(d / "report.html", sorted((d / "figures").iterdir()),
                 sorted((d / "exports").iterdir()))
    return d, rep


class _Page(HTMLParser):
    """Collects tags with attributes, the inlined JSON, and table rows as cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.json, self.rows, self.styles = [], None, {}, []
        self._in, self._table, self._row, self._cell = None, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script" and a.get("id") == "iads-data":
            self._in = "json"
            self.json = ""
        elif tag == "style":
            self._in = "style"
            self.styles.append("")
        elif tag == "table":
            self._table = a.get("id")
            self.rows[self._table] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in = None
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._table:
            self.rows[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._in == "json":
            self.json += data
        elif self._in == "style":
            self.styles[-1] += data
        elif self._cell is not None:
            self._cell += data


def _parse(path):
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_page_requests_nothing(built):
    _, rep = built
    page = _parse(rep.html)
    assert not [t for t, a in page.tags if t == "link"]
    for tag, a in page.tags:
        for attr in ("src", "srcset", "data", "poster", "background"):
            if attr in a:
                assert a[attr].startswith("data:"), (tag, attr, a[attr][:60])
        if tag == "script":
            assert "src" not in a
    css = "".join(page.styles)
    assert "@import" not in css
    assert all(u.startswith("data:") for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", css))
    csp = [a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]
    assert rep.size_bytes < 15e6


def test_hostile_text_is_escaped(built):
    d, rep = built
    text = rep.html.read_text(encoding="utf-8")
    assert "<script>window.pwned" not in text
    assert "<img src=x" not in text
    assert escape(HOSTILE) in text  # shown, as text
    page = _parse(rep.html)
    data = json.loads(page.json)
    assert data["variants"][0]["label"].endswith(HOSTILE)  # the JSON round-trips exactly
    hrefs = [a.get("href", "") for t, a in page.tags if t == "a"]
    assert not [h for h in hrefs if h.lower().startswith("javascript:")]
    # the scenario text is shown verbatim inside <pre>
    raw = json.loads((d / "comparison.json").read_text())
    assert escape(raw["variants"][1]["text"]) in text


def test_script_json_cannot_close_its_element():
    obj = {"a": "</script><script>alert(1)</script>", "b": "\u2028<!--", "c": "&amp;"}
    s = script_json(obj)
    assert "<" not in s and ">" not in s and "&" not in s
    assert json.loads(s) == obj


def test_table_holds_every_claim_and_variant(built):
    d, rep = built
    raw = json.loads((d / "comparison.json").read_text())
    rows = _parse(rep.html).rows["comparison"]
    header = rows[0]
    for i, v in enumerate(raw["variants"], start=1):
        assert header[i].startswith(v["label"]) and header[i].endswith(v["name"])
    for claim in raw["claims"]:
        row = next(r for r in rows if r[0].startswith(claim["id"]))
        assert claim["source"] in row[0] and claim["quote"] in row[0]
        for m in claim["measures"]:
            cells = next(r for r in rows if r[0].startswith(m["metric"]))
            for i, v in enumerate(raw["variants"], start=1):
                iv = m["values"].get(v["name"])
                if iv is None:
                    assert cells[i] == "not measured"
                    continue
                nums = [float(x.replace(",", "")) for x in re.findall(r"[\d,]+\.?\d*", cells[i])]
                mean, low, high, n = nums[:4]
                assert mean == pytest.approx(iv["mean"], rel=5e-3, abs=0.5)
                assert low == pytest.approx(iv["low"], rel=5e-3, abs=0.5)
                assert high == pytest.approx(iv["high"], rel=5e-3, abs=0.5)
                assert n == iv["n"]


def test_catalog_lists_every_figure_with_its_source(built):
    d, rep = built
    raw = json.loads((d / "comparison.json").read_text())
    rows = _parse(rep.html).rows["catalog"][1:]
    assert len(rows) == len(raw["catalog"])
    for f, r in zip(raw["catalog"], rows, strict=True):
        assert r[1] == f["id"] and r[2] == f["field"]
        assert float(r[3].replace(",", "")) == pytest.approx(f["value"], rel=5e-3)
        assert (f["source"] or "assumption") in r[6]


def _png(url):
    from PIL import Image

    assert url.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


def test_overlay_pixels_match_the_coverage(built):
    """Each overlay pixel shows the class of the grid cell its centre falls in (exact pyproj),
    and the covered pixels add up to the coverage area."""
    d, rep = built
    data = json.loads(_parse(rep.html).json)
    comp = load_comparison(d)
    for v, ds in comp.coverage.items():
        cov = data["map"]["coverage"][v]
        grid = grid_of(ds)
        ti, hi = cov["targets"].index("f-16c"), 2
        img = np.asarray(_png(cov["images"]["f-16c"][hi]))
        (s, w), (n, e) = cov["bounds"]
        fwd = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
        (x0, x1), (y0, y1) = fwd.transform([w, e], [s, n])
        rows, cols = img.shape
        px = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
        py = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows
        xx, yy = np.meshgrid(px, py)
        gx, gy = Transformer.from_crs("EPSG:3857", grid.crs, always_xy=True).transform(xx, yy)
        c = np.rint(gx / grid.cell_m).astype(int) + grid.half_cells
        r = grid.half_cells - np.rint(gy / grid.cell_m).astype(int)
        inside = (r >= 0) & (r < grid.n) & (c >= 0) & (c < grid.n)
        sel = {"target": "f-16c", "height": cov["heights"][hi]}
        want = np.zeros(img.shape, dtype=int)
        det, eng = ds.detection.sel(sel).values, ds.engagement.sel(sel).values
        cued = ds.engagement_cued.sel(sel).values
        cls = np.where(eng, 3, np.where(cued, 2, np.where(det, 1, 0)))
        want[inside] = cls[r[inside], c[inside]]
        assert (img == want).mean() > 0.995
        assert ti >= 0
        # area: Mercator pixel area shrinks by cos²(lat) on the ground
        _, lat = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True).transform(xx, yy)
        pix_m2 = (x1 - x0) / cols * (y1 - y0) / rows * np.cos(np.radians(lat)) ** 2
        area = pix_m2[img > 0].sum() / 1e6
        assert area == pytest.approx(float(ds.detection_km2.sel(sel)), rel=0.05)


def test_tracks_and_sites_are_inlined(built):
    d, rep = built
    data = json.loads(_parse(rep.html).json)
    comp = load_comparison(d)
    for v, tr in comp.tracks.items():
        m = data["map"]["tracks"][v]
        n = sum(len(b["t"]) for b in m["by_node"].values())
        assert n == len(tr["time_s"])
        assert m["t0"] == pytest.approx(tr["time_s"].min())
        assert m["t1"] == pytest.approx(tr["time_s"].max())
    raw = json.loads((d / "comparison.json").read_text())
    assert data["map"]["sites"] == raw["sites"]


def test_static_figures_and_exports(built):
    from PIL import Image

    d, rep = built
    comp = load_comparison(d)
    pngs = [p for p in rep.figures if p.suffix == ".png"]
    svgs = [p for p in rep.figures if p.suffix == ".svg"]
    assert len(svgs) >= 4 and len(pngs) == len(svgs) + len(comp.coverage)
    for p in pngs:
        assert min(Image.open(p).size) > 100
    for p in svgs:
        ET.parse(p)
    import rasterio

    for v, ds in comp.coverage.items():
        tif = next(p for p in rep.exports if p.name == f"detection_{v}_f-16c.tif")
        with rasterio.open(tif) as src:
            assert src.count == ds.sizes["height"]
            np.testing.assert_array_equal(src.read().astype(bool),
                                          ds.detection.sel(target="f-16c").values)
        gj = json.loads(next(p for p in rep.exports
                             if p.name == f"detection_{v}_f-16c.geojson").read_text())
        kml = ET.parse(next(p for p in rep.exports if p.name == f"detection_{v}_f-16c.kml"))
        ns = {"k": "http://www.opengis.net/kml/2.2"}
        folders = kml.getroot().findall(".//k:Folder", ns)
        assert len(folders) == len(gj["features"]) == ds.sizes["height"]
        for f, feat in zip(folders, gj["features"], strict=True):
            lines = f.findall(".//k:LineString/k:coordinates", ns)
            assert len(lines) == len(feat["geometry"]["coordinates"])
            for ln, ref in zip(lines, feat["geometry"]["coordinates"], strict=True):
                pts = [tuple(map(float, p.split(",")[:2])) for p in ln.text.split()]
                np.testing.assert_allclose(pts, ref, atol=1e-5)
        names = [n.text for n in kml.getroot().findall(".//k:Placemark/k:name", ns)]
        assert any(n.endswith(HOSTILE) for n in names)  # escaped, so the XML still parses


def test_missing_parts_are_said_and_skipped(built, tmp_path):
    d, _ = built
    part = tmp_path / "cmp"
    shutil.copytree(d, part, ignore=shutil.ignore_patterns("report.html", "figures", "exports"))
    (part / "coverage" / "variant.nc").unlink()
    (part / "tracks" / "variant.parquet").unlink()
    rep = iads.write_report(part, tmp_path / "r" / "out.html", figures=False, exports=False)
    assert rep.missing == ["coverage/variant.nc", "tracks/variant.parquet"]
    text = rep.html.read_text()
    assert "coverage/variant.nc, tracks/variant.parquet" in text
    data = json.loads(_parse(rep.html).json)
    assert set(data["map"]["coverage"]) == {"minimal"}
    assert set(data["map"]["tracks"]) == {"minimal"}


# --- bad input -------------------------------------------------------------------------------


def _cli_error(args, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(["report", *map(str, args)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_missing_or_empty_folder(tmp_path, capsys):
    err = _cli_error([tmp_path / "nope"], capsys)
    assert str(tmp_path / "nope") in err and "no such folder" in err
    (tmp_path / "empty").mkdir()
    err = _cli_error([tmp_path / "empty"], capsys)
    assert "no comparison results" in err and "empty folder" in err


def _with(tmp_path, doc) -> str:
    d = tmp_path / "c"
    d.mkdir(exist_ok=True)
    (d / "comparison.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return d


_OK = {"format": 1, "family": "f", "variants": [{"name": "a"}, {"name": "b"}]}


@pytest.mark.parametrize("doc, field, expected, found", [
    ({**_OK, "format": 2}, "format", "expected 1", "found 2"),
    ({k: v for k, v in _OK.items() if k != "format"}, "format", "expected 1", "missing"),
    ({**_OK, "variants": [{"name": "a"}, {"name": "a"}]}, "variants", "distinct", "'a' twice"),
    ({**_OK, "variants": [{"name": "../x"}]}, "variants[0].name", "file-name-safe", "../x"),
    ({**_OK, "claims": [{"id": "C1", "measures": [{"metric": "m", "values": {
        "a": {"mean": "lots", "low": 1, "high": 2, "n": 3}}}]}]},
     "claims[0].measures[0].values.a.mean", "valid number", '"lots"'),
    ({**_OK, "claims": [{"id": "C1", "measures": [{"metric": "m", "values": {
        "zz": None}}]}]}, "claims[0].measures[0].values.zz", "a variant name (a, b)", "'zz'"),
    ({**_OK, "sites": [{"variant": "a", "id": "s", "kind": "tank", "lat": 1, "lon": 2}]},
     "sites[0].kind", "'radar'", '"tank"'),
    ({**_OK, "series": {"saturation": {"q": {"raid_size": [1], "leakers_mean": [1]}}}},
     "series.saturation.q", "a variant name", "'q'"),
])
def test_malformed_comparison_names_file_field_expected_found(tmp_path, capsys, doc, field,
                                                               expected, found):
    d = _with(tmp_path, doc)
    err = _cli_error([d], capsys)
    assert err.startswith(f"error: {d / 'comparison.json'}: {field}: ")
    assert expected in err and found in err


def test_invalid_json_names_the_line(tmp_path):
    d = _with(tmp_path, '{"format": 1,\n "family": oops}')
    with pytest.raises(InputFileError) as exc:
        iads.write_report(d)
    assert exc.value.line == 2 and exc.value.file == d / "comparison.json"


def test_corrupt_parts_name_their_file(tmp_path):
    d = _with(tmp_path, _OK)
    (d / "tracks").mkdir()
    (d / "tracks" / "a.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputFileError) as exc:
        iads.write_report(d)
    assert exc.value.file == d / "tracks" / "a.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"time_s": [1.0]}), d / "tracks" / "a.parquet")
    with pytest.raises(InputFileError) as exc:
        iads.write_report(d)
    assert exc.value.field == "track" and "columns" in exc.value.found


def test_line_chart_places_points_linearly_and_says_what_is_missing():
    from iads.report.charts import Line, line_chart, matrix_chart

    svg = line_chart([Line("a<b", [0, 1, 2, 4], [0.0, 10.0, None, 40.0], "#000"),
                      Line("none", [0, 1], [None, None], "#111")], "t", "x", "y")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    d = root.find(f"{ns}path").get("d")
    pts = np.array([[float(v) for v in p.split(",")] for p in re.findall(r"[\d.]+,[\d.]+", d)])
    assert len(pts) == 3  # the None point is left out
    x = np.array([0, 1, 4.0])
    y = np.array([0, 10, 40.0])
    # pixel positions are affine in the data: x up to the right, y up the page
    np.testing.assert_allclose(np.polyval(np.polyfit(x, pts[:, 0], 1), x), pts[:, 0], atol=0.1)
    np.testing.assert_allclose(np.polyval(np.polyfit(y, pts[:, 1], 1), y), pts[:, 1], atol=0.1)
    assert np.polyfit(y, pts[:, 1], 1)[0] < 0 < np.polyfit(x, pts[:, 0], 1)[0]
    legend = [t.text for t in root.iter(f"{ns}text") if t.get("class") == "lg"]
    assert "a<b (1 point(s) not measured)" in legend and "none (not measured)" in legend
    m = ET.fromstring(matrix_chart(["friend"], ["friend", "hostile"], [[2.0, None]], "m"))
    cells = [t.text for t in m.iter(f"{ns}text") if t.get("class") == "mv"]
    assert cells == ["2.0", "–"]


def test_kml_outline_of_a_disc_lies_on_its_radius(tmp_path):
    """A 30 km disc's KML outline: one closed ring whose points are 30 km (± one cell) from the
    site by geodesic distance; text is escaped."""
    import xarray as xr

    from iads.coverage_study import to_kml
    from iads.geodesy import SiteGrid, geodesic_inverse

    grid = SiteGrid(40.0, 32.5, 50, 1000.0)
    disc = grid.ground_range() <= 30e3
    mask = xr.DataArray(np.stack([disc, np.zeros_like(disc)]), dims=("height", "y", "x"),
                        coords={"height": [100.0, 200.0]})
    p = to_kml(mask, grid, tmp_path / "d.kml", name="a<b&c", points=[("site <1>", 40.0, 32.5)])
    root = ET.parse(p).getroot()
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    folders = root.findall(".//k:Folder", ns)
    assert [f.find("k:name", ns).text for f in folders] == ["a<b&c: 100 m", "a<b&c: 200 m"]
    rings = folders[0].findall(".//k:coordinates", ns)
    assert len(rings) == 1 and not folders[1].findall(".//k:coordinates", ns)
    pts = np.array([[float(v) for v in c.split(",")[:2]] for c in rings[0].text.split()])
    np.testing.assert_allclose(pts[0], pts[-1])  # closed
    _, dist = geodesic_inverse(40.0, 32.5, pts[:, 1], pts[:, 0])
    assert np.all(np.abs(dist - 30e3) < 1000.0)
    names = [n.text for n in root.findall(".//k:Placemark/k:name", ns)]
    assert "site <1>" in names
