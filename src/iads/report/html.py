"""The report page: one self-contained HTML file, nothing fetched from anywhere.

Leaflet (vendored from the npm registry under ``vendor/``), the report's own script and style
(``static/``) and all data are inlined; images are ``data:`` URLs. A Content-Security-Policy
``default-src 'none'`` forbids the page any request, so a mistake shows as a console error
instead of a silent fetch. Every text that comes from a scenario, a claim or the catalog passes
through :func:`html.escape`, or, in the inlined JSON, has ``<``, ``>`` and ``&`` escaped as
``\\u003c``… so that no data can close the script element; the script escapes again before
anything reaches ``innerHTML``.
"""

from __future__ import annotations

import base64
import json
import math
import re
from html import escape
from importlib import resources

from ..plots import NOT_FOR_FIRE_CONTROL
from .charts import colour
from .comparison import Comparison, Interval

__all__ = ["page", "script_json", "format_interval", "CSP"]

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; font-src data:")


def _asset(*parts: str) -> str:
    return (resources.files("iads.report").joinpath(*parts)).read_text(encoding="utf-8")


def _leaflet_css() -> str:
    """Leaflet's stylesheet with its image references turned into data URLs."""
    css = _asset("vendor", "leaflet.css")

    def inline(m):
        data = resources.files("iads.report").joinpath("vendor", "images", m.group(1))
        return "url(data:image/png;base64," + base64.b64encode(data.read_bytes()).decode() + ")"

    css = re.sub(r"url\(images/([A-Za-z0-9_.-]+\.png)\)", inline, css)
    return css.replace("behavior: url(#default#VML);", "")


def script_json(obj) -> str:
    """JSON safe to inline in ``<script type="application/json">`` (no ``</script>`` possible)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _num(v: float) -> str:
    if not math.isfinite(v):
        return "–"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def format_interval(iv: Interval | None) -> str | None:
    """``mean [low – high]`` as the table shows it, or None when not measured."""
    if iv is None or not math.isfinite(iv.mean):
        return None
    return f"{_num(iv.mean)} [{_num(iv.low)} – {_num(iv.high)}]"


def _link(url: str | None, text: str) -> str:
    if url and re.match(r"https?://", url, flags=re.I):
        return f'<a href="{escape(url)}" rel="noreferrer">{escape(text)}</a>'
    return escape(text)


def _comparison_table(comp: Comparison) -> str:
    vs = comp.data.variants
    head = "".join(f'<th scope="col" data-variant="{escape(v.name)}" style="border-top:3px solid '
                   f'{colour(i)}">{escape(v.label or v.name)}<br><span class="small">'
                   f'{escape(v.name)}</span></th>' for i, v in enumerate(vs))
    rows = []
    if not comp.data.claims:
        rows.append(f'<tr><td colspan="{len(vs) + 1}" class="na">no claims measured</td></tr>')
    for c in comp.data.claims:
        rows.append(
            f'<tr class="claim" id="claim-{escape(c.id)}"><td colspan="{len(vs) + 1}">'
            f'<b>{escape(c.id)}</b> <span class="small">({escape(c.source)})</span> '
            f'<span class="quote">“{escape(c.quote)}”</span><br>{escape(c.question)}</td></tr>')
        if not c.measures:
            rows.append(f'<tr><td>–</td><td colspan="{len(vs)}" class="na">not measured</td>'
                        '</tr>')
        for m in c.measures:
            cells = []
            for v in vs:
                iv = m.values.get(v.name)
                text = format_interval(iv)
                if text is None:
                    cells.append('<td class="na">not measured</td>')
                else:
                    cells.append(f'<td class="num" title="mean and 95% interval over {iv.n} '
                                 f'replication(s)">{escape(text)}<br><span class="small">'
                                 f'n = {iv.n}</span></td>')
            unit = f" [{escape(m.unit)}]" if m.unit else ""
            note = f'<br><span class="small">{escape(m.note)}</span>' if m.note else ""
            rows.append(f"<tr><td>{escape(m.metric)}{unit}{note}</td>{''.join(cells)}</tr>")
    return (f'<table id="comparison"><thead><tr><th>claim / measure</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _variants(comp: Comparison) -> str:
    out = ['<table id="variants"><thead><tr><th>variant</th><th>label</th><th>file</th>'
           "<th>what it changes</th></tr></thead><tbody>"]
    for i, v in enumerate(comp.data.variants):
        out.append(f'<tr><td style="border-left:4px solid {colour(i)}">{escape(v.name)}</td>'
                   f"<td>{escape(v.label)}</td><td><code>{escape(v.file)}</code></td>"
                   f"<td>{escape(v.description)}</td></tr>")
    out.append("</tbody></table>")
    for v in comp.data.variants:
        if v.text:
            out.append(f"<details><summary>scenario text: <code>{escape(v.file or v.name)}"
                       f'</code></summary><pre class="yaml">{escape(v.text)}</pre></details>')
    return "".join(out)


def _catalog(comp: Comparison) -> str:
    if not comp.data.catalog:
        return '<p class="na">no catalog figures listed</p>'
    out = ['<table id="catalog"><thead><tr><th>kind</th><th>entry</th><th>figure</th>'
           "<th>value</th><th>range</th><th>unit</th><th>source</th></tr></thead><tbody>"]
    for f in comp.data.catalog:
        rng = ("–" if f.low is None and f.high is None else
               f"{'' if f.low is None else _num(f.low)} – {'' if f.high is None else _num(f.high)}")
        if f.source or f.url:
            src = _link(f.url, f.source_title or f.source or f.url or "")
            if f.source and f.source_title:
                src = f"{escape(f.source)}: {src}"
        else:
            src = ""
        if f.assumption:
            src += (" " if src else "") + f"<i>assumption: {escape(f.assumption)}</i>"
        if not src:
            src = '<span class="na">no source given</span>'
        out.append(f"<tr><td>{escape(f.kind)}</td><td>{escape(f.id)}</td><td>{escape(f.field)}"
                   f'</td><td class="num">{escape(_num(f.value))}</td><td class="num">'
                   f"{escape(rng)}</td><td>{escape(f.unit)}</td><td>{src}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _controls(classes) -> str:
    sw = "".join(
        f'<div><span class="swatch" style="background:rgba({c["rgba"][0]},{c["rgba"][1]},'
        f'{c["rgba"][2]},{c["rgba"][3] / 255:.2f})"></span>{escape(c["label"])}</div>'
        for c in classes)
    return f"""<div id="controls">
<fieldset><legend>variant</legend><select id="ctl-variant"></select></fieldset>
<fieldset><legend>coverage</legend>
<label><input type="checkbox" id="ctl-cov" checked> show coverage</label>
<label>target <select id="ctl-target"></select></label>
<div id="ctl-alt" role="radiogroup" aria-label="altitude"></div>
<div id="cov-note" class="small"></div>{sw}</fieldset>
<fieldset><legend>layers</legend>
<label><input type="checkbox" id="ctl-rings" checked> range rings</label>
<label><input type="checkbox" id="ctl-sites" checked> sites</label>
<label><input type="checkbox" id="ctl-tracks" checked> tracks</label></fieldset>
<fieldset><legend>track playback</legend>
<label>air picture of <select id="ctl-node"></select></label>
<input type="range" id="ctl-time" min="0" max="1" step="1" value="0" aria-label="time">
<div><span id="ctl-time-label"></span> · <span id="ctl-count"></span></div>
<label>trail <select id="ctl-trail"><option value="120">2 min</option>
<option value="600" selected>10 min</option><option value="1e9">whole track</option>
</select></label>
<button type="button" id="ctl-play">play</button>
<div class="small">colour: identity the picture holds (friend blue, hostile red, unknown
yellow, neutral green, pending grey)</div></fieldset>
</div>"""


def page(comp: Comparison, data: dict, charts: dict[str, str], files: dict[str, list[str]]) -> str:
    """The whole HTML document. ``data`` is the inlined JSON (``variants`` and ``map``),
    ``charts`` titled inline SVG strings, ``files`` the static figures and exports beside it."""
    d = comp.data
    title = d.title or f"iads comparison: {d.family}"
    missing = ""
    if comp.missing:
        missing = ('<div class="missing">Parts missing from the comparison folder (shown as '
                   f'absent below): {escape(", ".join(comp.missing))}</div>')
    chart_html = "".join(f'<figure>{svg}</figure>' for svg in charts.values()) or (
        '<p class="na">no series measured</p>')
    file_list = "".join(
        f"<li>{escape(k)}: " + ", ".join(f'<a href="{escape(p)}">{escape(p)}</a>' for p in v)
        + "</li>" for k, v in files.items() if v)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_leaflet_css()}</style>
<style>{_asset("static", "report.css")}</style>
</head><body>
<header><h1>{escape(title)}</h1>
<div class="notice">{escape(NOT_FOR_FIRE_CONTROL)}. Every number below comes from public figures
and stated assumptions; intervals are 95% confidence intervals of the mean over the replications.
</div>
<div class="meta">family <b>{escape(d.family)}</b> · {len(d.variants)} variant(s) ·
{d.reps} replication(s) per variant · root seed {d.root_seed} · created {escape(d.created)} ·
iads {escape(d.iads_version)}</div>{missing}</header>
<main>
<h2 id="table">The claims, measured</h2>
{_comparison_table(comp)}
<h2 id="map-section">Map</h2>
<div id="mapwrap"><div id="map"></div>{_controls(data["map"]["classes"])}</div>
<p class="small">Coverage: union over the variant's radars for the chosen target and altitude
(detection), fire-unit radar ∧ missile envelope (engagement); dashed circles: the range rings the
press quotes, for contrast. Terrain: NOAA GLOBE; borders: Natural Earth 1:50m.</p>
<h2 id="charts">Charts</h2><div class="charts">{chart_html}</div>
<h2 id="variants-section">Variants</h2>{_variants(comp)}
<h2 id="catalog-section">Catalog figures used</h2>{_catalog(comp)}
<h2 id="files">Files beside this report</h2><ul>{file_list}</ul>
</main>
<footer>Written by iads {escape(d.iads_version)}. Leaflet 1.9.4 © Volodymyr Agafonkin, CloudMade
(BSD-2-Clause), inlined. {escape(NOT_FOR_FIRE_CONTROL)}.</footer>
<script type="application/json" id="iads-data">{script_json(data)}</script>
<script>{_asset("vendor", "leaflet.js")}</script>
<script>{_asset("static", "report.js")}</script>
</body></html>
"""
