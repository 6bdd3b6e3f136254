"""A simulation's summary in the terminal (rich tables): what ``iads run`` prints.

Presentation only: every number comes from the :class:`~iads.simulation.SimulationResult`
tables.
"""

from __future__ import annotations

import numpy as np

from ..identification import IDENTITY_LABELS, TRUTH_LABELS

__all__ = ["print_summary", "print_kill_chain"]


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
    print_kill_chain(console, res)


def print_kill_chain(console, res) -> None:
    """Engagements per system and outcome, leakers per defended asset, wrong engagements by
    truth category, components destroyed, and the run's scalar kill-chain metrics."""
    from rich.table import Table

    e = res.engagements.to_pylist()
    im = res.impacts.to_pylist()
    if not e and not im:
        return
    if e:
        tot: dict[tuple, list[int]] = {}
        for r in e:
            acc = tot.setdefault((r["system"], r["missile"]), [0, 0, 0, 0])
            acc[0] += 1
            acc[1 + ("kill", "miss", "self_destruct").index(r["outcome"])] += 1
        t = Table(title="Interceptors (one row per system and missile)")
        for col in ("system", "missile", "launched", "kill", "miss", "self-destruct"):
            t.add_column(col, justify="left" if col in ("system", "missile") else "right")
        for (sy, mi), (n, k, m, s) in sorted(tot.items()):
            t.add_row(sy, mi, f"{n}", f"{k}", f"{m}", f"{s}")
        console.print(t)
    lk = res.leakers.to_pylist()
    if lk:
        t = Table(title="Defended assets: threats aimed, intercepted, impacts (leakers)")
        for col in ("asset", "aimed", "intercepted", "impacts"):
            t.add_column(col, justify="left" if col == "asset" else "right")
        for r in lk:
            t.add_row(r["asset"], f"{r['aimed']}", f"{r['intercepted']}", f"{r['impacts']}")
        console.print(t)
    m = res.metrics()
    t = Table(title="Kill chain")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k in ("threats", "threats_killed", "leakers", "interceptors", "kills",
              "interceptors_per_kill", "detect_to_launch_s", "wrong_engagements",
              "wrong.civil", "wrong.allied", "wrong.own", "unauthorised",
              "max_targets_engaged", "max_missiles_guided", "rounds_left",
              "components_destroyed", "components_surviving"):
        if k in m:
            v = m[k]
            t.add_row(k, "-" if v != v else (f"{v:,.0f}" if float(v).is_integer()
                                             else f"{v:,.2f}"))
    console.print(t)
    dead = [c for c in res.components.to_pylist() if c["destroyed_s"] == c["destroyed_s"]]
    if dead:
        t = Table(title="Components destroyed")
        for col in ("component", "kind", "system", "time [s]"):
            t.add_column(col, justify="right" if col == "time [s]" else "left")
        for c in dead:
            t.add_row(c["id"], c["kind"], c["system"] or "-", f"{c['destroyed_s']:,.0f}")
        console.print(t)
