"""The report in a real browser: Debian's Chromium driven by Playwright, offline, from disk.

No request may leave the page (only the file:// page itself and data: URLs), no console error;
toggling an altitude changes the coverage overlay, moving the time slider changes the drawn
tracks, the table holds every variant. A screenshot is saved (its path is printed).

Skipped only outside CI (``CI`` not ``"true"``) when Playwright or Chromium is missing; in CI a
missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from comparison_fixture import build_comparison

import iads

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI") == "true"


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("playwright is not installed (pip install -e '.[dev]')")
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return sync_playwright


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    sync_playwright = _playwright()
    d = build_comparison(tmp_path_factory.mktemp("cmp"), hostile=True)
    rep = iads.write_report(d, figures=False, exports=False)
    log = {"requests": [], "console": [], "errors": [], "blocked": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--headless", "--disable-gpu"])
        context = browser.new_context(offline=True, viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        url = rep.html.resolve().as_uri()

        def route(r):
            if r.request.url == url or r.request.url.startswith("data:"):
                r.continue_()
            else:
                log["blocked"].append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("request", lambda r: log["requests"].append(r.url))
        page.on("console", lambda m: log["console"].append((m.type, m.text)))
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        page.goto(url)
        page.wait_for_function("window.iadsReady === true", timeout=10_000)
        yield page, log, d, url, tmp_path_factory.mktemp("shot")
        browser.close()


def _track_state(page):
    return page.evaluate("""() => Array.from(document.querySelectorAll(
        '#map path.track, #map path.track-head')).map(p => p.getAttribute('d')).join('|')""")


def test_no_request_and_no_console_error(browser_page):
    page, log, _, url, _ = browser_page
    page.wait_for_timeout(300)
    assert all(u == url or u.startswith("data:") for u in log["requests"]), log["requests"]
    assert not log["blocked"]
    assert not log["errors"], log["errors"]
    assert not [m for m in log["console"] if m[0] in ("error", "warning")], log["console"]
    assert page.evaluate("window.pwned") is None  # the hostile strings never ran


def test_altitude_toggle_changes_the_coverage_layer(browser_page):
    page, log, _, _, _ = browser_page
    overlay = page.locator("#map img.coverage")
    before = overlay.get_attribute("src"), overlay.get_attribute("data-layer")
    radios = page.locator("#ctl-alt input[type=radio]")
    assert radios.count() == 3
    radios.nth(2).check()
    after = overlay.get_attribute("src"), overlay.get_attribute("data-layer")
    assert after[0] != before[0]
    assert after[1].endswith("/5000.0") or after[1].endswith("/5000")
    page.locator("#ctl-cov").uncheck()
    assert page.locator("#map img.coverage").count() == 0
    page.locator("#ctl-cov").check()
    assert page.locator("#map img.coverage").count() == 1
    assert not log["errors"]


def _expected_heads(d, variant, t, trail=600.0):
    """Tracks with a sample in [t - trail, t] in the first air picture, from the Parquet."""
    import pyarrow.parquet as pq

    tab = pq.read_table(d / "tracks" / f"{variant}.parquet").to_pydict()
    node = sorted(set(tab["node"]))[0]
    return len({k for k, n, s in zip(tab["track"], tab["node"], tab["time_s"], strict=True)
                if n == node and t - trail <= s <= t})


def test_time_slider_changes_the_drawn_tracks(browser_page, record_property):
    page, log, d, _, shot = browser_page
    slider = page.locator("#ctl-time")

    def move(t):
        slider.evaluate("(el, t) => { el.value = t; el.dispatchEvent(new Event('input')); }", t)
        return _track_state(page), page.locator("#map path.track-head").count()

    for variant in ("minimal", "variant"):
        page.locator("#ctl-variant").select_option(variant)
        lo, hi = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
        assert hi > lo
        early, n_early = move(lo)
        late, n_late = move(hi)
        assert late != early
        assert n_early == _expected_heads(d, variant, lo)
        assert n_late == _expected_heads(d, variant, hi) >= 1
        assert page.locator("#ctl-time-label").inner_text() == f"t = {round(hi)} s"
        page.locator("#ctl-trail").select_option("120")
        assert page.locator("#map path.track-head").count() == _expected_heads(d, variant, hi,
                                                                               120.0)
        page.locator("#ctl-trail").select_option("600")
    path = shot / "report.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"screenshot: {path}")
    record_property("screenshot", str(path))
    assert path.stat().st_size > 10_000
    assert not log["errors"]


def test_table_holds_every_variant(browser_page):
    page, _, d, _, _ = browser_page
    raw = json.loads((d / "comparison.json").read_text())
    heads = page.locator("#comparison thead th[data-variant]")
    names = [heads.nth(i).get_attribute("data-variant") for i in range(heads.count())]
    assert names == [v["name"] for v in raw["variants"]]
    texts = [heads.nth(i).inner_text() for i in range(heads.count())]
    for t, v in zip(texts, raw["variants"], strict=True):
        assert t.startswith(v["label"])  # the hostile label shows as text
    rows = page.locator("#comparison tbody tr").count()
    assert rows == sum(1 + len(c["measures"]) for c in raw["claims"])
