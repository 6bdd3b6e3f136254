"""A simulation's summary in the terminal (rich tables): what ``iads run`` prints.

Presentation only: every number comes from the :class:`~iads.simulation.SimulationResult`
tables.
"""

from __future__ import annotations

import numpy as np

from ..identification import IDENTITY_LABELS, TRUTH_LABELS

__all__ = ["print_summary"]


def print_summary(console, res) -> None:
    """Per node: tracks, GOSPA and its parts (and over its fire units' envelopes),
    continuity, the identity matrix at the last sample; exposure of the exposed objects (F-35)
    per radar; civil and allied minutes labelled unknown or suspect inside each fire unit's
    envelope."""
    from rich.table import Table

    m = res.meta
    g = m["gospa"]
    console.print(f"[bold]{m['scenario']}[/bold]: seed {m['seed']}, {m['duration_s']:,.0f} s "
                  f"simulated in {m.get('total_wall_s', m['wall_s']):,.1f} s "
                  f"({m.get('speedup', 0):,.0f}x real time)", highlight=False)
    t = Table(title=f"Air pictures (means over samples; GOSPA c = {g['c_m']:,.0f} m, "
                    f"p = {g['p']:g}, α = 2)")
    for col in ("node", "tracks", "truth", "GOSPA [m]", "missed", "false", "envelope GOSPA [m]",
                "breaks", "swaps"):
        t.add_column(col, justify="left" if col == "node" else "right")
    rows = res.node_summary()
    for r in rows:
        t.add_row(r["node"], f"{r['tracks']}", f"{r['truth']}", f"{r['gospa_m']:,.0f}",
                  f"{r['missed']:.1f}", f"{r['false']:.1f}",
                  "-" if np.isnan(r["area_gospa_m"]) else f"{r['area_gospa_m']:,.0f}",
                  f"{r['breaks']}", f"{r['swaps']}")
    console.print(t)
    for r in rows:
        mat = r["identity_matrix"]
        if not mat.any():
            continue
        cols = [j for j in range(mat.shape[1]) if mat[:, j].any()]
        it = Table(title=f"{r['node']}: truth x identity at t = {r['last_sample_s']:,.0f} s")
        it.add_column("truth")
        for j in cols:
            it.add_column(IDENTITY_LABELS[j], justify="right")
        for i in range(mat.shape[0]):
            if mat[i].any():
                it.add_row(TRUTH_LABELS[i], *(f"{mat[i, j]}" for j in cols))
        console.print(it)
    ex = res.exposure.to_pylist()
    if ex:
        ids = res.objects.column("id").to_pylist()
        radars = res.radars.column("id").to_pylist()
        et = Table(title="Exposure per radar (objects of the exposed types)")
        for col in ("object", "radar", "looks", "plots", "under detection [s]",
                    "under track [s]", "closest [km]", "aspects seen [°]"):
            et.add_column(col, justify="left" if col in ("object", "radar") else "right")
        for e in ex:
            if not (e["looks"] or e["detections"] or e["time_under_track_s"]):
                continue
            h = np.asarray(e["aspect_hist"])
            bin_deg = 180.0 / max(h.size, 1)
            seen = np.flatnonzero(h)
            span = (f"{seen.min() * bin_deg:.0f}-{(seen.max() + 1) * bin_deg:.0f}"
                    if seen.size else "-")
            et.add_row(ids[e["object"]], radars[e["radar"]], f"{e['looks']}",
                       f"{e['detections']}", f"{e['time_under_detection_s']:,.0f}",
                       f"{e['time_under_track_s']:,.0f}",
                       f"{e['closest_approach_m'] / 1e3:,.1f}", span)
        console.print(et)
    en = res.engagement.to_pylist()
    if en:
        fus = res.fire_units.column("id").to_pylist()
        tot: dict[tuple, list[float]] = {}
        for e in en:
            key = (fus[e["fire_unit"]], TRUTH_LABELS[e["truth"]])
            acc = tot.setdefault(key, [0.0, 0.0, 0])
            acc[0] += e["minutes_inside"]
            acc[1] += e["minutes_unknown_or_suspect"]
            acc[2] += 1
        ft = Table(title="Inside engagement envelopes (slant range of the longest-range "
                         "missile held)")
        for col in ("fire unit", "truth", "aircraft", "minutes inside",
                    "minutes unknown/suspect"):
            ft.add_column(col, justify="left" if col in ("fire unit", "truth") else "right")
        for (fu, tr), (a, b, n) in sorted(tot.items()):
            ft.add_row(fu, tr, f"{n}", f"{a:,.1f}", f"{b:,.1f}")
        console.print(ft)
