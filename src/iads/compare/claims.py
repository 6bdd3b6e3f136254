"""The sources' claims (``shared/reference/seed-claims.md``) and the measures that test them.

Each :class:`Claim` quotes its source file and asks a measurable question; each
:class:`Measure` says where its number comes from:

* ``sim``: a per-replication metric of :mod:`iads.compare.measures` (mean and t-interval
  over the replications of the variant's own scenario);
* ``coverage``: a deterministic figure of :func:`iads.scenario_coverage` (n = 1, no interval);
* ``raid``: a per-replication metric of the engagement model (``eng.<name>``) in the family's
  standard raid (``raid:`` of family.yml) added to the variant;
* ``salvo``: the same in the family's salvo against the batteries themselves;
* ``paired``: the difference variant - baseline of a ``sim`` or ``raid`` metric per
  replication (common random numbers: the same seeds), for the pairs of ``paired:``.

A measure that cannot be computed says why in its note and has ``null`` values ("not
measured (reason)").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Measure", "Claim", "CLAIMS", "SEED_FILES"]

#: The seed files, by their number in seed-claims.md.
SEED_FILES = {
    "000": "000_423b2b8aa73b9570.txt",
    "001": "001_ccaf4731e82fe21c.txt",
    "002": "002_30edfe7b0db05673.txt",
    "003": "003_32a775402062ac00.txt",
    "004": "004_1805e01f66b217ff.txt",
}


@dataclass(frozen=True)
class Measure:
    """One number per variant: where it comes from (``kind``, ``key``), unit and meaning."""

    metric: str
    unit: str
    kind: str  # sim | coverage | raid | salvo | paired
    key: str
    note: str = ""


@dataclass(frozen=True)
class Claim:
    id: str
    source: str  # seed file number
    quote: str
    question: str
    measures: tuple[Measure, ...]


_ENG_AREA = Measure("engagement area, F-16 at 1,000 m AGL", "km²", "coverage",
                    "engageable/f-16c/1000",
                    "radar-guided and cued engagement coverage over terrain (Pd 0.5, nose)")
_F35_DET = Measure("F-35 time under detection by Russian-built radars", "min", "sim",
                   "f35.detected_min", "sum over the F-35s of the longest time one radar of a "
                   "Russian-built system held them in detection")
_UNKNOWN_N = Measure("civil and allied aircraft 'unknown' inside an engagement envelope", "1",
                     "sim", "unknown.civil_allied_n",
                     "labelled unknown or suspect while inside a fire unit's envelope")
_LEAKERS = Measure("leakers, standard raid", "1", "raid", "eng.leakers",
                   "raid threats that reached their aim point")

CLAIMS: tuple[Claim, ...] = (
    Claim("C1", "002", "Russian media claims that it can target aircraft, cruise missiles, "
          "medium-range missiles, and drones and other airborne surveillance systems",
          "Raid outcome: leakers, interceptors per kill, time to first engagement, and where "
          "the fire channels saturate (public figure 36 targets / 72 missiles per system).",
          (_LEAKERS,
           Measure("interceptors per kill, standard raid", "1", "raid",
                   "eng.interceptors_per_kill"),
           Measure("time from first possible detection to first launch", "s", "raid",
                   "eng.detect_to_launch_s", "time to first engagement, standard raid"),
           Measure("most targets engaged at once", "1", "raid", "eng.max_targets_engaged"))),
    Claim("C2", "001", "the S-400's radar could compromise the stealth technology of F-35 "
          "fighters", "For the allied F-35 pair's transit: time in detection and in track, "
          "and looks, by Russian-built radars (the 'signature collection' exposure).",
          (_F35_DET,
           Measure("F-35 time under track by Russian-built radars", "min", "sim",
                   "f35.tracked_min"),
           Measure("looks of Russian-built radars on the F-35s", "1", "sim", "f35.looks"))),
    Claim("C3", "001", "the friend-or-foe identification system will probably show all "
          "aircraft in Turkish airspace as 'unknown' objects except Turkey's own jets",
          "How many civil and allied aircraft are 'unknown' inside engagement range, and for "
          "how long?",
          (_UNKNOWN_N,
           Measure("minutes civil and allied aircraft spend 'unknown' inside an envelope",
                   "min", "sim", "unknown.civil_allied_min",
                   "per aircraft the longest time at one fire unit, summed"),
           Measure("civil and allied aircraft inside any engagement envelope", "1", "sim",
                   "inside.civil_allied_n"))),
    Claim("C4", "001", "stand-alone S-400 batteries cannot operate at full capacity and their "
          "effectiveness will be limited to creating 'local bubbles'",
          "Coverage and picture with the batteries' own radars, national cueing, or the NATO "
          "picture, side by side.",
          (_ENG_AREA,
           Measure("track-minutes in the fire units' pictures", "min", "sim",
                   "picture.track_min", "more cueing sources give more tracks"))),
    Claim("C5", "002", "its anti-access/area-denial (A2/AD) system, which essentially creates "
          "a no-fly zone wherever the system is set up",
          "Real coverage over terrain and earth curvature at each altitude vs the naive range "
          "ring.",
          (Measure("engagement area / range-ring area, F-16 at 100 m AGL", "%", "coverage",
                   "ring_share/f-16c/100"),
           Measure("engagement area / range-ring area, F-16 at 10,000 m AGL", "%", "coverage",
                   "ring_share/f-16c/10000"),
           Measure("engagement area / range-ring area, cruise missile at 30 m AGL", "%",
                   "coverage", "ring_share/cruise-missile/30"))),
    Claim("C6", "004", "The weapon system may stop providing security in a time of dire need "
          "or target aircraft without Ankara's authorization",
          "Effect of a supplier-control event (the system disabled mid-run) on the metrics, "
          "against the same pathway without it (same seeds).",
          (Measure("change in track-minutes of the fire units' pictures", "min", "paired",
                   "picture.track_min"),
           Measure("change in leakers, standard raid", "1", "paired", "eng.leakers"))),
    Claim("C7", "000", "The destruction by Ukraine of S-400 batteries using decades-old US "
          "missiles", "Survival of the battery's components against a ballistic (ATACMS-class) "
          "salvo.",
          (Measure("components surviving the ATACMS salvo", "1", "salvo",
                   "eng.components_surviving"),
           Measure("salvo missiles intercepted", "1", "salvo", "eng.threats_killed"))),
    Claim("C8", "000", "Analysts have outlined multiple pathways: full activation ...; "
          "activation without compromising the alliance's tech; delayed activation ...; or an "
          "outright cancellation", "The pathways and the alternatives (Patriot, SAMP/T) with "
          "the same traffic, threats and metrics.",
          (_ENG_AREA, _F35_DET, _UNKNOWN_N, _LEAKERS)),
    Claim("C9", "000", "The most likely compromise-delivery without activation-would parallel "
          "Greece's decade-long delay in deploying its S-300 system",
          "The same analysis on Crete's S-300PMU-1 (variant crete-s300).",
          (_ENG_AREA, _UNKNOWN_N)),
    Claim("C10", "002", "Russian deployment of the S-400 in Syria helped to force U.S.-Russian "
          "cooperation to ensure that U.S. aircraft would not accidentally be targeted",
          "Coverage of Khmeimim over neighbouring airspace and coalition routes (variant "
          "syria-khmeimim).",
          (Measure("detection area, F-16 at 10,000 m AGL", "km²", "coverage",
                   "detection/f-16c/10000", "union of every radar of the scenario"),
           Measure("civil and allied aircraft inside an engagement envelope", "1", "sim",
                   "inside.civil_allied_n"), _UNKNOWN_N)),
    Claim("C11", "001", "Russia agreed to supply Turkey with four S-400 batteries (001) vs "
          "two batteries and ... technology for Ankara to produce two of its own (002)",
          "Force size as a parameter: four batteries against two.",
          (_ENG_AREA, _LEAKERS,
           Measure("change in track-minutes, two batteries vs four", "min", "paired",
                   "picture.track_min"))),
    Claim("C12", "002", "it complies with its NATO obligations ... by running the X-band radar "
          "in Kurecik while also bolstering its military capabilities by procuring the S-400",
          "Sensors of different owners in one scenario, with who shares with whom as data.",
          (Measure("detection area of the NATO picture, F-35 at 10,000 m AGL", "km²",
                   "coverage", "network:nato-picture/f-35a/10000"),
           Measure("detection area of the S-400 battery network, F-35 at 10,000 m AGL",
                   "km²", "coverage", "network:s400-tr/f-35a/10000"))),
)
