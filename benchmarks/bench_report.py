"""Benchmark: the comparison report's size and its time to interactive in headless Chromium.

Targets (issue 7): the report of the Turkish family is under 15 MB and interactive within 3 s in
headless Chromium.

Setup
-----
* ``--comparison DIR``: an ``iads compare`` output (e.g. ``out/compare`` after ``make demo``).
  Without it, a family-sized folder is built with the public API (``tests/comparison_fixture.py``):
  ``--variants`` (default 6) variants, each with the full-resolution coverage of
  ``scenarios/turkey-2019/base.yaml`` at its own settings (3 targets x 6 altitudes, 1 km cells,
  450 km; computed once) and the tracks of ``scenarios/turkey-2019/air-picture.yaml`` (1146 air
  objects, every air picture) simulated for ``--duration`` seconds (computed once).
* The report is written with :func:`iads.write_report` (figures and exports included; timed).
* Debian's Chromium (``/usr/bin/chromium --headless --no-sandbox --disable-gpu``) through
  Playwright opens it from disk, offline, ``--repeat`` times in fresh pages; "interactive" is
  ``performance.now()`` when the report's script has built the map, the layers and the first
  track frame (``window.iadsReadyMs``, counted from navigation start).
* Peer, same browser, same way: a bare page with the same inlined Leaflet and one map
  (``L.map`` + ``fitBounds``) — the floor any Leaflet report pays. Printed: both medians and
  their ratio; also the time one slider move takes to redraw the tracks.

Run: ``.venv/bin/python benchmarks/bench_report.py`` (a few minutes on 2 cores, mostly building
the folder).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SIZE_TARGET_MB = 15.0
READY_TARGET_MS = 3000.0


def _family(out: Path, n: int, duration: float) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from comparison_fixture import build_comparison

    base = ROOT / "scenarios" / "turkey-2019" / "base.yaml"
    air = ROOT / "scenarios" / "turkey-2019" / "air-picture.yaml"
    names = [f"variant-{i + 1}" for i in range(n)]
    return build_comparison(out, variants=dict.fromkeys(names, base), coverage=None,
                            tracks_from=dict.fromkeys(names, air), duration_s=duration)


def _bare_leaflet(path: Path) -> Path:
    from iads.report.html import _asset, _leaflet_css

    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<style>{_leaflet_css()}</style></head><body><div id='map' style='height:620px'>"
        f"</div><script>{_asset('vendor', 'leaflet.js')}</script><script>"
        "var m = L.map('map'); m.fitBounds([[36, 26], [42, 45]]);"
        "window.iadsReadyMs = performance.now(); window.iadsReady = true;</script>"
        "</body></html>", encoding="utf-8")
    return path


def _ready_ms(browser, path: Path, repeat: int, slider: bool) -> tuple[list[float], list[float]]:
    ready, moves = [], []
    for _ in range(repeat):
        ctx = browser.new_context(offline=True, viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.iadsReady === true", timeout=60_000)
        ready.append(page.evaluate("window.iadsReadyMs"))
        if slider:
            moves.append(page.evaluate("""() => {
                const s = document.getElementById('ctl-time');
                const t0 = performance.now();
                s.value = s.max; s.dispatchEvent(new Event('input'));
                return performance.now() - t0; }"""))
        if errors:
            raise SystemExit(f"page error in {path}: {errors[0]}")
        ctx.close()
    return ready, moves


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--comparison", type=Path, help="an iads compare output folder")
    ap.add_argument("--variants", type=int, default=6)
    ap.add_argument("--duration", type=float, default=900.0, help="simulated seconds of tracks")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import iads

    work = Path(tempfile.mkdtemp(prefix="bench_report_"))
    if args.comparison is None:
        t = time.perf_counter()
        folder = _family(work / "compare", args.variants, args.duration)
        print(f"built a {args.variants}-variant folder in {time.perf_counter() - t:.0f} s: "
              f"{folder}")
    else:
        folder = args.comparison
    t = time.perf_counter()
    rep = iads.write_report(folder, work / "report.html")
    write_s = time.perf_counter() - t
    size_mb = rep.size_bytes / 1e6

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--headless", "--disable-gpu"])
        peer, _ = _ready_ms(browser, _bare_leaflet(work / "bare.html"), args.repeat, False)
        ours, moves = _ready_ms(browser, rep.html, args.repeat, True)
        browser.close()
    med, pmed = statistics.median(ours), statistics.median(peer)
    print(f"report: {rep.html} ({len(rep.figures)} figures, {len(rep.exports)} exports), "
          f"written in {write_s:.1f} s")
    print(f"{'measure':<42}{'iads report':>14}{'peer':>12}{'ratio':>8}{'target':>12}")
    print(f"{'size [MB]':<42}{size_mb:>14.2f}{'':>12}{'':>8}{'< 15':>12}  "
          f"{'ok' if size_mb < SIZE_TARGET_MB else 'MISSED'}")
    print(f"{'interactive, median of ' + str(args.repeat) + ' [ms]':<42}{med:>14.0f}{pmed:>12.0f}"
          f"{med / pmed:>8.1f}{'< 3000':>12}  {'ok' if med < READY_TARGET_MS else 'MISSED'}")
    print(f"{'  (min - max) [ms]':<42}{min(ours):>7.0f}-{max(ours):<6.0f}"
          f"{min(peer):>5.0f}-{max(peer):<6.0f}")
    print(f"{'slider move redraw, median [ms]':<42}{statistics.median(moves):>14.1f}")
    print("peer: a bare page with the same inlined Leaflet and one map (fitBounds), same browser")


if __name__ == "__main__":
    main()
