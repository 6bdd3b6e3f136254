"""Coverage of each variant (deterministic: computed once, not replicated).

Radars a variant keeps silent for the whole run (``emissions_off``, ``disable`` or ``destroy``
at t = 0 and never switched back on) cover nothing: they are left out before
:func:`iads.scenario_coverage` runs, so a delivered-but-not-activated system shows no
coverage of its own. Areas are counted within ``coverage.max_range_km`` of the centre of
the radars that radiate (where :func:`iads.scenario_coverage` centres its grid): leaving radars
out moves that centre, so areas of sensors common to every variant can differ a little between
variants for that reason alone.
"""

from __future__ import annotations

import numpy as np

__all__ = ["silent_at_start", "radiating", "variant_coverage", "coverage_figure",
           "ring_km", "engageable"]

_OFF = ("emissions_off", "disable", "destroy")
_ON = ("emissions_on", "enable")


def silent_at_start(sc) -> set[str]:
    """Ids of radars switched off at t = 0 and never on again."""
    parts: dict[str, set[str]] = {}
    for s in sc.systems:
        ids = {r.id for r in s.radars} | {fu.radar.id for fu in s.fire_units}
        parts[s.id] = ids
        for fu in s.fire_units:
            parts[fu.id] = {fu.radar.id}
    for x in sc.sensors:
        parts[x.id] = {x.id}
    off: set[str] = set()
    for ev in sorted(sc.events, key=lambda e: e.time_s):
        under = parts.get(ev.target, {ev.target})
        if ev.kind in _OFF and ev.time_s == 0:
            off |= under
        elif ev.kind in _ON:
            off -= under
    return off


def radiating(sc):
    """A copy of ``sc`` without the radars (and fire units of silent engagement radars) that
    stay silent all run; ``None`` when nothing radiates."""
    off = silent_at_start(sc)
    if not off:
        return sc
    systems = []
    for s in sc.systems:
        fus = [fu for fu in s.fire_units if fu.radar.id not in off]
        radars = [r for r in s.radars if r.id not in off]
        if fus or radars:
            systems.append(s.model_copy(update={"fire_units": fus, "radars": radars}))
    sensors = [x for x in sc.sensors if x.id not in off]
    if not systems and not sensors:
        return None
    return sc.model_copy(update={"systems": systems, "sensors": sensors})


def variant_coverage(sc, catalog=None):
    """:func:`iads.scenario_coverage` of what radiates (all layers empty when nothing does)."""
    from ..coverage_scenario import scenario_coverage

    live = radiating(sc)
    if live is None:
        ds = scenario_coverage(sc, catalog=catalog)
        for v in ("detection_by_radar", "detection", "detection_by_network", "engagement",
                  "engagement_cued"):
            ds[v] = ds[v] & False
        for v in ("detection_km2", "engagement_km2", "engagement_cued_km2"):
            ds[v] = ds[v] * 0.0
        ds.attrs["silent"] = "every radar silent all run"
        return ds
    ds = scenario_coverage(live, catalog=catalog)
    if live is not sc:
        ds.attrs["silent"] = ", ".join(sorted(silent_at_start(sc)))
    return ds


def ring_km(sc, catalog) -> float:
    """Range [km] of the longest-range missile the variant's fire units hold (0 if none)."""
    best = 0.0
    for s in sc.systems:
        for fu in s.fire_units:
            for m in {*fu.reserve, *(k for ln in fu.launchers for k in ln.load)}:
                best = max(best, catalog.missiles[m].range_max_km.value)
    return best


def engageable(ds) -> np.ndarray:
    """Engagement area (radar-guided + cued) [km²] by (target, height)."""
    return np.asarray(ds.engagement_km2.values + ds.engagement_cued_km2.values, float)


def coverage_figure(ds, key: str, ring_area_km2: float) -> float | None:
    """A coverage figure named by ``key`` (see :mod:`iads.compare.claims`); ``None`` when the
    variant's coverage does not hold it (a target, height or network it lacks)."""
    what, target, height = key.split("/")
    targets = [str(t) for t in ds.target.values]
    heights = [float(h) for h in ds.height.values]
    if target not in targets or float(height) not in heights:
        return None
    j, k = targets.index(target), heights.index(float(height))
    if what == "engageable":
        return float(engageable(ds)[j, k])
    if what == "detection":
        return float(ds.detection_km2.values[j, k])
    if what == "ring_share":
        if ring_area_km2 <= 0:
            return None
        return float(100.0 * engageable(ds)[j, k] / ring_area_km2)
    if what.startswith("network:"):
        net = what.split(":", 1)[1]
        if net not in [str(n) for n in ds.network.values]:
            return None
        from ..coverage_study import grid_of
        from ..viewshed import visible_area_km2

        layer = ds.detection_by_network.sel(network=net).values[j, k]
        return float(visible_area_km2(layer, grid_of(ds)))
    raise ValueError(f"unknown coverage figure {key!r}")
