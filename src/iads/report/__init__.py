"""The comparison report: one self-contained HTML file, static figures and coverage exports.

:func:`write_report` reads a comparison folder written by ``iads compare``
(:mod:`iads.report.comparison` describes it) and writes, beside the HTML file::

    report.html      map (terrain, borders, coverage by altitude, range rings, sites, track
                     playback), the claims table with intervals, charts, variants, catalog
                     figures; no request leaves the page (scripts vendored, data inlined)
    figures/         the charts as PNG and SVG, one coverage map per variant (PNG)
    exports/         coverage as GeoTIFF, GeoJSON and KML per variant and target

Modules: :mod:`~iads.report.comparison` (reading and checking the folder),
:mod:`~iads.report.overlays` (grids warped to Web Mercator PNGs), :mod:`~iads.report.mapdata`
(what the map draws), :mod:`~iads.report.charts` (inline SVG), :mod:`~iads.report.figures`
(static figures), :mod:`~iads.report.exports`, :mod:`~iads.report.html` (the page).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError
from .comparison import Comparison, load_comparison

__all__ = ["Report", "load_comparison", "write_report", "Comparison"]


@dataclass
class Report:
    """What :func:`write_report` wrote."""

    html: Path
    figures: list[Path] = field(default_factory=list)
    exports: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def size_bytes(self) -> int:
        """Size of the HTML file [bytes]."""
        return self.html.stat().st_size


def write_report(comparison_dir, out=None, *, max_px: int = 512, figures: bool = True,
                 exports: bool = True) -> Report:
    """Write the HTML report of a comparison folder, with static figures and exports beside it.

    Parameters
    ----------
    comparison_dir
        Folder written by ``iads compare`` (``comparison.json``, ``coverage/``, ``tracks/``).
    out
        The HTML file; default ``comparison_dir/report.html``. ``figures/`` and ``exports/``
        go into its folder.
    max_px
        Longest side of each coverage overlay on the map [pixels].
    figures, exports
        Also write the static figures / the GeoTIFF, GeoJSON and KML exports.

    Raises
    ------
    iads.errors.InputFileError
        The folder is missing or empty, or a file in it is malformed (file, field path,
        expected and found in the message).
    """
    from .figures import chart_specs, inline_charts, write_figures
    from .html import page
    from .mapdata import map_data

    comp = load_comparison(comparison_dir)
    html_path = Path(out) if out is not None else comp.directory / "report.html"
    if html_path.is_dir():
        raise InputFileError(file=html_path, field="--out", expected="a file path for the report",
                             found="a folder")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    base = html_path.parent
    specs = chart_specs(comp)
    fig_paths = write_figures(comp, specs, base / "figures") if figures else []
    from .exports import write_exports

    exp_paths = write_exports(comp, base / "exports") if exports else []
    listed = {"figures": [os.path.relpath(p, base) for p in fig_paths],
              "exports": [os.path.relpath(p, base) for p in exp_paths]}
    if (comp.directory / "runs").is_dir():
        listed["sweep store behind the numbers (iads query)"] = [
            os.path.relpath(comp.directory / "runs", base)]
    data = {"variants": [{"name": v.name, "label": v.label} for v in comp.data.variants],
            "map": map_data(comp, max_px=max_px)}
    html_path.write_text(page(comp, data, inline_charts(specs), listed), encoding="utf-8")
    return Report(html_path, fig_paths, exp_paths, list(comp.missing))
