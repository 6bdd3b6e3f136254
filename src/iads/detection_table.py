"""Claim C2 in numbers: how far a system's radars detect stealthy and conventional targets.

For each radar of a system (plus any extra radar named, e.g. the Nebo-M-class VHF radar reported
with S-400 units) and each target, the table gives the range at which a single scan reaches a
probability of detection Pd, scaled from the radar's catalog reference detection with the radar
range equation (SNR ∝ σ/R⁴, :mod:`iads.radar.range_equation`), using the target's RCS in the
radar's band at the chosen aspect and its Swerling case in that band.

Three ranges are reported per Pd:

* ``free_space``: the range-equation range alone;
* ``horizon``: the smooth-earth radar horizon (effective earth k·a) between the antenna and the
  target's typical altitude — terrain (issue 3) can only shorten it;
* ``detection``: the smaller of the two and the radar's instrumented range.

The low–high interval combines the catalog's ranges the way they act: the weakest radar (lowest
reference range with the largest reference RCS) against the smallest target RCS gives ``low``;
the reverse gives ``high``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from . import radar
from .catalog import Catalog, load_catalog
from .catalog.schema import Figure
from .geodesy import K_STANDARD

__all__ = ["DetectionRow", "DEFAULT_TARGETS", "detection_table", "write_table", "print_table"]

#: Targets of the C2 question: a stealth fighter, a conventional fighter, a cruise missile, a drone.
DEFAULT_TARGETS = ("f-35a", "f-16c", "cruise-missile", "tb2")
#: Radars reported with a system but not part of its catalog composition.
EXTRA_RADARS = {"s-400": ("nebo-m",)}


@dataclass(frozen=True)
class DetectionRow:
    """One radar × target × Pd line of the table. Ranges in km, RCS in m²."""

    system: str
    radar: str
    radar_name: str
    band: str
    target: str
    target_name: str
    aspect: str
    rcs_m2: float
    rcs_low_m2: float
    rcs_high_m2: float
    swerling: int
    pd: float
    pfa: float
    free_space_km: float
    free_space_low_km: float
    free_space_high_km: float
    target_altitude_m: float
    horizon_km: float
    instrumented_km: float
    detection_km: float
    detection_low_km: float
    detection_high_km: float
    limited_by: str
    assumptions: str


def _ranges_km(ref, rcs: Figure, pd: float, swerling: int) -> tuple[float, float, float]:
    """Free-space detection range [km]: value, low, high (weakest radar vs smallest RCS, and
    the reverse), through :func:`iads.radar.detection_range_from_reference`."""
    return tuple(
        float(radar.detection_range_from_reference(ref, r, pd, swerling, which=w)) / 1e3
        for w, r in (("value", rcs.value), ("low", rcs.lo), ("high", rcs.hi))
    )


def detection_table(
    system: str = "s-400",
    targets: tuple[str, ...] = DEFAULT_TARGETS,
    pds: tuple[float, ...] = (0.5, 0.9),
    aspect: str = "nose",
    extra_radars: tuple[str, ...] | None = None,
    k: float = K_STANDARD,
    catalog: Catalog | None = None,
) -> list[DetectionRow]:
    """Detection ranges of ``system``'s radars against ``targets`` at each Pd.

    Parameters
    ----------
    system
        Catalog system id or name (e.g. ``"s-400"``).
    targets
        Catalog target ids or names.
    pds
        Single-scan probabilities of detection [-], each in (Pfa, 1).
    aspect
        RCS aspect sector: ``"nose"`` (head-on, the default), ``"beam"`` or ``"tail"``.
    extra_radars
        Radars to add to the system's own; default: those reported with the system.
    k
        Effective earth radius factor for the horizon [-].
    """
    cat = catalog or load_catalog()
    if aspect not in ("nose", "beam", "tail"):
        raise ValueError(f"aspect must be 'nose', 'beam' or 'tail', got {aspect!r}")
    sys_id = cat.resolve("systems", system)
    sysm = cat.systems[sys_id]
    radar_ids = list(dict.fromkeys(sysm.radars.values()))
    extra = EXTRA_RADARS.get(sys_id, ()) if extra_radars is None else extra_radars
    radar_ids += [cat.resolve("radars", r) for r in extra if cat.resolve("radars", r) not in
                  radar_ids]
    target_ids = [cat.resolve("targets", t) for t in targets]

    rows = []
    for rid in radar_ids:
        rd = cat.radars[rid]
        ref = rd.reference_detection
        for tid in target_ids:
            tg = cat.targets[tid]
            if rd.band not in tg.rcs_m2:
                raise ValueError(f"target {tid} has no RCS in band {rd.band} (radar {rid})")
            rcs = getattr(tg.rcs_m2[rd.band], aspect)
            sw = tg.swerling[rd.band]
            alt = tg.altitude_typical_m.value
            h_ant = rd.antenna_height_m.value
            horizon_km = float(radar.smooth_earth_horizon_m(h_ant, alt, k)) / 1e3
            inst_km = rd.instrumented_range_km.value
            notes = [f"{p}: {f.assumption}" for p, f in (("reference", ref.range_km),
                                                        ("rcs", rcs)) if f.is_assumption]
            if ref.note:
                notes.append(f"reference: {ref.note}")
            for pd in pds:
                fs, fs_lo, fs_hi = _ranges_km(ref, rcs, pd, sw)
                caps = {"free space": fs, "horizon": horizon_km, "instrumented": inst_km}
                limit = min(caps, key=caps.get)
                rows.append(DetectionRow(
                    system=sys_id, radar=rid, radar_name=rd.name, band=rd.band,
                    target=tid, target_name=tg.name, aspect=aspect,
                    rcs_m2=rcs.value, rcs_low_m2=rcs.lo, rcs_high_m2=rcs.hi, swerling=sw,
                    pd=pd, pfa=ref.pfa,
                    free_space_km=fs, free_space_low_km=fs_lo, free_space_high_km=fs_hi,
                    target_altitude_m=alt, horizon_km=horizon_km, instrumented_km=inst_km,
                    detection_km=min(fs, horizon_km, inst_km),
                    detection_low_km=min(fs_lo, horizon_km, rd.instrumented_range_km.lo),
                    detection_high_km=min(fs_hi, horizon_km, rd.instrumented_range_km.hi),
                    limited_by=limit, assumptions="; ".join(notes),
                ))
    return rows


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def _rcs(x: float) -> str:
    return f"{x:g}"


def write_table(rows: list[DetectionRow], out: str | Path) -> list[Path]:
    """Write ``detection_table.csv``, ``.json`` and ``.md`` into folder ``out``; return paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path, md_path = (out / f"detection_table.{e}" for e in ("csv", "json", "md"))
    fields = list(DetectionRow.__dataclass_fields__)
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow(asdict(r))
    json_path.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")
    md_path.write_text(to_markdown(rows), encoding="utf-8")
    return [csv_path, json_path, md_path]


def to_markdown(rows: list[DetectionRow]) -> str:
    """The table as Markdown, one line per radar × target × Pd."""
    head = ("| radar | band | target | RCS m² (low–high) | Pd | free-space km (low–high) "
            "| horizon km | detection km (low–high) | limited by |")
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        lines.append(
            f"| {r.radar} | {r.band} | {r.target} | {_rcs(r.rcs_m2)} ({_rcs(r.rcs_low_m2)}–"
            f"{_rcs(r.rcs_high_m2)}) | {r.pd:g} | {_fmt(r.free_space_km)} "
            f"({_fmt(r.free_space_low_km)}–{_fmt(r.free_space_high_km)}) | "
            f"{_fmt(r.horizon_km)} | **{_fmt(r.detection_km)}** ({_fmt(r.detection_low_km)}–"
            f"{_fmt(r.detection_high_km)}) | {r.limited_by} |"
        )
    return "\n".join(lines) + "\n"


def print_table(console, rows: list[DetectionRow]) -> None:
    """Print the table with rich: one line per radar × target, one column per Pd."""
    from rich.table import Table

    if not rows:
        console.print("no rows")
        return
    pds = list(dict.fromkeys(r.pd for r in rows))
    t = Table(title=f"Single-scan detection range of the {rows[0].system} radars "
                    f"(km), {rows[0].aspect} aspect", title_justify="left",
              caption="value (low–high from the catalog's ranges); * limited by the horizon "
                      "(smooth earth, k = 4/3, target at its typical altitude), "
                      "† by the instrumented range", caption_justify="left")
    t.add_column("radar")
    t.add_column("band")
    t.add_column("target")
    t.add_column("RCS m²", justify="right")
    for pd in pds:
        t.add_column(f"Pd {pd:g}", justify="right")
    mark = {"horizon": "*", "instrumented": "†", "free space": ""}
    by_key: dict[tuple, dict[float, DetectionRow]] = {}
    for r in rows:
        by_key.setdefault((r.radar, r.target), {})[r.pd] = r
    for (rid, tid), per_pd in by_key.items():
        first = next(iter(per_pd.values()))
        cells = [
            f"[bold]{_fmt(r.detection_km)}[/bold]{mark[r.limited_by]} "
            f"({_fmt(r.detection_low_km)}–{_fmt(r.detection_high_km)})"
            for r in (per_pd[pd] for pd in pds)
        ]
        t.add_row(rid, first.band, tid, _rcs(first.rcs_m2), *cells)
    console.print(t)
    console.print("Every figure's source: `iads catalog <radar or target>`.")
