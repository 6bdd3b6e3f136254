"""Generate ``scenarios/turkey-2019/air-picture.yaml``: one hour of air traffic over central Turkey.

The flagship air picture (claims C2, C3, C4, C12): the S-400s of ``base.yaml`` at Mürted, the
Turkish national surveillance radars, the NATO sensors in and over Turkey (E-3A AWACS from
Konya, the AN/TPY-2 at Kürecik, the allied Patriot and SAMP/T radars), and the air traffic of one
hour (2019-11-25 09:00-10:00 UTC): civil flows on the main routes over Anatolia, Turkish F-16
sorties, allied transports, the AWACS itself and a pair of US F-35As.

Usage::

    .venv/bin/python tools/make_air_picture.py              # rewrite the committed file
    .venv/bin/python tools/make_air_picture.py --out x.yaml --density 1   # sourced density

The output depends only on ``--seed`` and ``--density`` (every random draw comes from
:func:`iads.rng.component_rng` keyed by the seed and the flow or sortie), so the committed file
can be checked by regenerating it (``tests/test_air_picture_scenario.py`` does).

Model
-----
* **Civil flows** (:data:`FLOWS`): flights per day in each direction between groups of airports
  and far ends of airways outside the region (:data:`AIRPORTS`, :data:`GATES`). The daily rates
  are shares, labelled ASSUMPTION, of the DHMI 2019 totals (1,150 domestic flights, 1,955
  international flights and 1,306 overflights a day); :func:`rates_table` prints the sums. A
  flow's hourly rate is ``per_day / 24 * MONTH_FACTOR * HOUR_FACTOR * density``. The sourced
  density (``--density 1``) gives about 280 civil objects in the hour; the committed file uses
  :data:`DENSITY` = 4, a stated stress factor, to put over 1,000 objects in the picture.
* **Flights**: a Poisson number of departures (or boundary entries), uniform in time, over every
  start time that can put the flight in the window. Each flight follows the geodesic from its
  origin through a midpoint scattered by ~15 km (parallel airways, direct routings) to its
  destination; at an airport it climbs at :data:`CLIMB_GRADIENT` to a cruising level chosen by the
  semicircular rule (ICAO Annex 2, Appendix 3) and descends on a 3° path; Esenboğa traffic
  departs and lands on runway 21 (its preferential runway). Speeds are true airspeed in still air.
* **Clipping**: each flight is kept for the part of its path that lies inside
  :data:`REGION_KM` of Mürted *and* inside the hour; every waypoint carries a ``time_s`` anchor,
  so objects appear and vanish over the hour (entering or leaving the region, taking off,
  landing, or already airborne at 0 s).
* **Military traffic**: hand-built sorties (:func:`military_objects`) with the same timing.
* Identifiers: ICAO airline designators for callsigns (ICAO Doc 8585), ICAO 24-bit addresses
  drawn inside each registration state's block (ICAO Annex 10 Vol. III, appendix to chapter 9),
  discrete Mode 3/A codes that avoid the special-purpose codes.

Every figure below has a source (:data:`SOURCES`) or is labelled ASSUMPTION with its range.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import Geod

from iads.rng import component_rng

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "scenarios" / "turkey-2019" / "air-picture.yaml"

SEED = 20191125  #: ASSUMPTION: any fixed seed; this one is the radar-test day
DENSITY = 4.0  #: ASSUMPTION (stress factor on civil rates): see DENSITY_NOTE
DENSITY_NOTE = (
    "ASSUMPTION: civil traffic x{density:g} the sourced November-midday density, to stress "
    "identification and tracking with over 1,000 objects (range 1-4; --density 1 gives the "
    "sourced density)"
)
DURATION_S = 3600.0  #: the run of base.yaml [s]
CENTRE = (40.08, 32.57)  #: Mürted reference point of base.yaml [deg]
REGION_KM = 600.0  #: 91N6E instrumented range (catalog 91n6e; PP: 'detection range 600 km')
FT = 0.3048  #: metres per foot

GEOD = Geod(ellps="WGS84")

SOURCES = {
    "dhmi-2019": "DHMI 2019 statistics (raillynews.com 2020-01, 'Last year passengers passed "
    "over 209 million'): 839,850 domestic and 713,651 international aircraft movements, "
    "2,030,291 with overflights (so 476,790 overflights); a domestic flight is two movements",
    "dhmi-2019-12": "same page: December 2019 144,724 aircraft traffic with overflights, 0.855 "
    "of the 2019 monthly mean (169,191)",
    "esb": "Esenboga (LTAC): 117,820 movements and 15,845,878 passengers in 2017 (Turkish AIP at "
    "EUROCONTROL, ACI Europe, via en.wikipedia); 13,692,954 passengers in 2019 (de.wikipedia)",
    "esb-jeppesen": "Jeppesen 10-1P LTAC: N40 07.7 E032 59.7, elevation 3,127 ft, magnetic "
    "variation 4 E, preferential runway 21L/R for landing and take-off",
    "ayt-jeppesen": "Jeppesen LTAI: N36 54 01 E030 47 34, elevation 177 ft",
    "akinci": "Akinci/Murted Air Base (LTAE) 40 04 44 N 032 33 56 E, elevation 843 m "
    "(en.wikipedia, archived 2016-10)",
    "keyaero-f16": "key.aero '30 years of Turkish Falcons': the 4th Main Jet Base at Murted "
    "closed after the 2016 coup attempt; 141 and 143 Filo moved to Merzifon (151, 153 Filo), "
    "142 Filo to Eskisehir (113 Filo); 132 Filo flies F-16s at Konya",
    "pp-radar-test": "public-parameters.md (Turkish case): radar test 25-26 Nov 2019, Turkish "
    "F-16s (and F-4s) flew low and high over Murted",
    "pp-kurecik": "public-parameters.md: AN/TPY-2 at Kurecik ~38.35 N 37.79 E, hilltop "
    "~2,100 m, operational 1 Jan 2012 under NATO control",
    "nato-konya": "nato.int news 146773 (8 Sep 2017): Konya air base, ~250 km south of Ankara, "
    "NATO AWACS forward operating base since the 1980s; its AWACS patrol in support of Turkey",
    "awacs-2003": "globalsecurity.org (NATO press release, 3 Mar 2003): NATO E-3A from Konya fly "
    "daily surveillance missions over Turkey; cruising altitude 9,150 m, speed 800 km/h",
    "aircosmos": "aircosmosinternational.com: the E-3A 'will use a number of pre-designated "
    "orbits in Turkey'",
    "esp-patriot": "ac.nato.int (2024): a Spanish Army Patriot battery stationed at Adana near "
    "Incirlik since January 2015 (NATO support to Turkiye)",
    "ita-sampt": "esercito.difesa.it 'Turchia - Operazione Active Fence': an Italian SAMP/T "
    "battery and a Spanish Patriot battery deployed in Turkey",
    "icao-24bit": "ICAO Annex 10 Vol. III, appendix to chapter 9 (aircraft address blocks per "
    "state), as tabulated in tar1090 lua/icao_ranges.lua",
    "icao-levels": "ICAO Annex 2, Appendix 3: cruising levels, odd thousands of feet on magnetic "
    "tracks 000-179, even on 180-359 (RVSM: FL290-FL410 every 1,000 ft)",
    "icao-8585": "ICAO Doc 8585 three-letter airline designators (en.wikipedia 'List of airline "
    "codes')",
    "catalog": "iads catalog (targets.yaml): airliner cruise 210-240 m/s, max 242 m/s, ceiling "
    "12,131 m; transport max 217 m/s; f-16c / f-35a speeds and ceilings",
}

# ---- traffic rates -------------------------------------------------------------------------

#: DHMI 2019 per day [flights/day] (dhmi-2019): domestic movements / 2, international
#: movements, overflights, each / 365.
DHMI_PER_DAY = {"domestic": 839_850 / 2 / 365, "international": 713_651 / 365,
                "overflight": 476_790 / 365}
#: Esenboga movements per day in 2019 (esb): 2017 movements scaled by 2019/2017 passengers.
ESB_PER_DAY = 117_820 * 13_692_954 / 15_845_878 / 365
MONTH_FACTOR = 0.9  #: ASSUMPTION: November vs the 2019 mean (0.85-0.95; Dec 2019 0.855)
HOUR_FACTOR = 1.3  #: ASSUMPTION: 12-13 h local vs the mean hour of the day (1.1-1.6)

# ---- places --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """An airport or air base: reference point [deg], elevation [m]."""

    lat: float
    lon: float
    elev_m: float
    note: str


#: Airports and air bases (reference points, general geography within ~1 km unless sourced).
AIRPORTS = {
    "IST": Place(41.262, 28.742, 99, "Istanbul"),
    "SAW": Place(40.899, 29.309, 95, "Istanbul Sabiha Gokcen"),
    "ESB": Place(40.128, 32.995, 953, "Ankara Esenboga (esb-jeppesen)"),
    "AYT": Place(36.900, 30.793, 54, "Antalya (ayt-jeppesen)"),
    "ADB": Place(38.292, 27.157, 125, "Izmir"),
    "DLM": Place(36.713, 28.793, 6, "Dalaman"),
    "BJV": Place(37.251, 27.664, 6, "Milas-Bodrum"),
    "ADA": Place(36.982, 35.280, 20, "Adana"),
    "ASR": Place(38.770, 35.495, 1054, "Kayseri"),
    "TZX": Place(40.995, 39.790, 30, "Trabzon"),
    "SZF": Place(41.255, 36.567, 20, "Samsun"),
    "ERZ": Place(39.956, 41.170, 1757, "Erzurum"),
    "DIY": Place(37.894, 40.201, 686, "Diyarbakir"),
    "VAN": Place(38.468, 43.332, 1669, "Van"),
    "GZT": Place(36.947, 37.479, 701, "Gaziantep"),
    "MLX": Place(38.435, 38.091, 862, "Malatya"),
    "LCA": Place(34.875, 33.625, 2, "Larnaca"),
    # air bases
    "LTAE": Place(40.0789, 32.5656, 843, "Murted (akinci)"),
    "LTBI": Place(39.784, 30.583, 786, "Eskisehir, 1st Main Jet Base (keyaero-f16)"),
    "LTAN": Place(37.979, 32.562, 1030, "Konya, 3rd Main Jet Base (keyaero-f16)"),
    "LTAP": Place(40.829, 35.522, 538, "Merzifon, 5th Main Jet Base (keyaero-f16)"),
    "LTAD": Place(39.950, 32.689, 899, "Ankara Etimesgut"),
    "LTAG": Place(37.002, 35.426, 73, "Incirlik"),
}
AIRPORT_SET = frozenset(AIRPORTS)


@dataclass(frozen=True)
class Gate:
    """A far end of an airway [deg]; flights spread ``spread_km`` round it."""

    lat: float
    lon: float
    spread_km: float
    note: str


#: ASSUMPTION: far ends of the airways, outside the region, each setting a direction of travel
#: (general geography); flights spread ``spread_km`` round them.
GATES = {
    "europe-bg": Gate(43.20, 24.00, 40, "over Bulgaria, towards Sofia"),
    "europe-gr": Gate(40.70, 23.00, 40, "over northern Greece, towards Thessaloniki"),
    "aegean": Gate(38.00, 23.50, 40, "Aegean, towards Athens"),
    "russia-bs": Gate(44.90, 37.30, 40, "Russian Black Sea coast (Anapa)"),
    "ukraine-bs": Gate(45.80, 30.80, 40, "north-west Black Sea, towards Odesa"),
    "georgia": Gate(41.55, 42.60, 30, "Turkey-Georgia border"),
    "iran-n": Gate(39.45, 44.40, 30, "Turkey-Iran border, Gurbulak"),
    "iran-s": Gate(38.00, 44.50, 30, "Turkey-Iran border, Esendere"),
    "iraq": Gate(37.15, 42.45, 30, "Turkey-Iraq border, Habur (Syria is avoided)"),
    "israel": Gate(32.00, 34.90, 30, "towards Tel Aviv"),
    "egypt": Gate(31.00, 30.00, 40, "towards Alexandria and Cairo"),
}

#: Groups of endpoints with weights (ASSUMPTION: shares within a group).
GROUPS = {
    "istanbul": [("IST", 0.65), ("SAW", 0.35)],
    "ankara": [("ESB", 1.0)],
    "antalya": [("AYT", 1.0)],
    "aegean-med": [("AYT", 0.45), ("ADB", 0.35), ("DLM", 0.1), ("BJV", 0.1)],
    "north-east": [("TZX", 0.45), ("SZF", 0.25), ("ERZ", 0.3)],
    "east": [("DIY", 0.35), ("VAN", 0.25), ("MLX", 0.2), ("ERZ", 0.2)],
    "south-east": [("ADA", 0.45), ("GZT", 0.3), ("ASR", 0.25)],
    "east-all": [("TZX", 0.2), ("ERZ", 0.15), ("DIY", 0.2), ("VAN", 0.15), ("GZT", 0.15),
                 ("ADA", 0.15)],
    "europe-nw": [("europe-bg", 0.6), ("europe-gr", 0.25), ("aegean", 0.15)],
    "europe": [("europe-bg", 0.7), ("europe-gr", 0.3)],
    "gulf": [("iraq", 0.75), ("iran-s", 0.25)],
    "iran-asia": [("iran-n", 0.6), ("iran-s", 0.4)],
    "black-sea": [("russia-bs", 0.7), ("ukraine-bs", 0.3)],
    "caucasus": [("georgia", 1.0)],
    "levant": [("israel", 0.45), ("LCA", 0.3), ("egypt", 0.25)],
}

#: Airlines by market: (ICAO designator, registration state, weight) (icao-8585; ASSUMPTION mix).
MARKETS = {
    "tr-domestic": [("THY", "TR", 0.55), ("PGT", "TR", 0.35), ("SXS", "TR", 0.10)],
    "tr-international": [("THY", "TR", 0.55), ("PGT", "TR", 0.15), ("QTR", "QA", 0.06),
                         ("UAE", "AE", 0.06), ("FDB", "AE", 0.05), ("SVA", "SA", 0.04),
                         ("KAC", "KW", 0.03), ("IRA", "IR", 0.03), ("IAW", "IQ", 0.03)],
    "tr-europe": [("THY", "TR", 0.55), ("PGT", "TR", 0.2), ("DLH", "DE", 0.05),
                  ("BAW", "GB", 0.03), ("AFR", "FR", 0.03), ("KLM", "NL", 0.03),
                  ("AUA", "AT", 0.03), ("LOT", "PL", 0.03), ("WZZ", "HU", 0.05)],
    "tr-leisure": [("SXS", "TR", 0.3), ("CAI", "TR", 0.15), ("THY", "TR", 0.1),
                   ("PGT", "TR", 0.1), ("TOM", "GB", 0.1), ("EWG", "DE", 0.1),
                   ("CFG", "DE", 0.1), ("AFL", "RU", 0.05)],
    "russia-leisure": [("AFL", "RU", 0.25), ("SBI", "RU", 0.15), ("SVR", "RU", 0.15),
                       ("AZV", "RU", 0.15), ("NWS", "RU", 0.15), ("AUI", "UA", 0.1),
                       ("SQP", "UA", 0.05)],
    "europe-gulf": [("UAE", "AE", 0.22), ("QTR", "QA", 0.2), ("ETD", "AE", 0.1),
                    ("FDB", "AE", 0.06), ("SVA", "SA", 0.06), ("GFA", "BH", 0.04),
                    ("KAC", "KW", 0.04), ("DLH", "DE", 0.06), ("BAW", "GB", 0.06),
                    ("AFR", "FR", 0.04), ("KLM", "NL", 0.04), ("CLX", "LU", 0.04),
                    ("GEC", "DE", 0.04)],
    "europe-asia": [("IRA", "IR", 0.15), ("IRM", "IR", 0.1), ("KZR", "KZ", 0.1),
                    ("UZB", "UZ", 0.08), ("AIC", "IN", 0.08), ("PIA", "PK", 0.06),
                    ("DLH", "DE", 0.12), ("AUA", "AT", 0.08), ("AFR", "FR", 0.08),
                    ("BAW", "GB", 0.08), ("KLM", "NL", 0.07)],
    "russia-levant": [("AFL", "RU", 0.3), ("SBI", "RU", 0.1), ("ELY", "IL", 0.2),
                      ("ISR", "IL", 0.05), ("AIZ", "IL", 0.05), ("MSR", "EG", 0.1),
                      ("RJA", "JO", 0.1), ("MEA", "LB", 0.1)],
    "europe-caucasus": [("AHY", "AZ", 0.3), ("TGZ", "GE", 0.15), ("LOT", "PL", 0.1),
                        ("DLH", "DE", 0.15), ("AUA", "AT", 0.1), ("WZZ", "HU", 0.2)],
}

#: ICAO 24-bit address blocks, first and last address (icao-24bit).
ADDRESS_BLOCKS = {
    "TR": (0x4B8000, 0x4BFFFF), "AE": (0x896000, 0x896FFF), "QA": (0x06A000, 0x06A3FF),
    "SA": (0x710000, 0x717FFF), "BH": (0x894000, 0x894FFF), "KW": (0x706000, 0x706FFF),
    "IR": (0x730000, 0x737FFF), "IQ": (0x728000, 0x72FFFF), "DE": (0x3C0000, 0x3FFFFF),
    "GB": (0x406000, 0x43BDFF), "FR": (0x380000, 0x3BFFFF), "NL": (0x480000, 0x487FFF),
    "LU": (0x4D0000, 0x4D03FF), "AT": (0x440000, 0x447FFF), "PL": (0x488000, 0x48FFFF),
    "HU": (0x470000, 0x477FFF), "RU": (0x100000, 0x1FFFFF), "UA": (0x508000, 0x50FFFF),
    "KZ": (0x683000, 0x6833FF), "UZ": (0x507C00, 0x507FFF), "IN": (0x800000, 0x83FFFF),
    "PK": (0x760000, 0x767FFF), "AZ": (0x600800, 0x600BFF), "GE": (0x514000, 0x5143FF),
    "IL": (0x738000, 0x73FFFF), "EG": (0x010000, 0x017FFF), "JO": (0x740000, 0x747FFF),
    "LB": (0x748000, 0x74FFFF), "US": (0xA00000, 0xAFFFFF),
}
#: ASSUMPTION: US military aircraft use addresses from AE0000 (inside the US block).
US_MILITARY_BLOCK = (0xAE0000, 0xAEFFFF)
#: ASSUMPTION: NATO's E-3As are registered in Luxembourg (LX-N...): the Luxembourg block.
NATO_BLOCK = ADDRESS_BLOCKS["LU"]


@dataclass(frozen=True)
class Flow:
    """Flights per day in each direction between two endpoint groups (ASSUMPTION rates).

    ``kind`` says which DHMI total the flow is a share of; ``low``-``high`` is its range.
    """

    id: str
    a: str
    b: str
    per_day: float
    low: float
    high: float
    kind: str
    market: str


#: Civil flows through the region, each way (ASSUMPTION: shares of the DHMI 2019 totals).
FLOWS = [
    Flow("ist-esb", "istanbul", "ankara", 36, 25, 45, "domestic", "tr-domestic"),
    Flow("ist-north-east", "istanbul", "north-east", 50, 35, 65, "domestic", "tr-domestic"),
    Flow("ist-east", "istanbul", "east", 70, 50, 90, "domestic", "tr-domestic"),
    Flow("ist-south-east", "istanbul", "south-east", 45, 30, 60, "domestic", "tr-domestic"),
    Flow("ist-aegean-med", "istanbul", "aegean-med", 60, 40, 80, "domestic", "tr-domestic"),
    Flow("esb-aegean-med", "ankara", "aegean-med", 20, 12, 28, "domestic", "tr-domestic"),
    Flow("esb-east", "ankara", "east-all", 25, 15, 35, "domestic", "tr-domestic"),
    Flow("west-east", "aegean-med", "east-all", 30, 20, 40, "domestic", "tr-domestic"),
    Flow("ist-gulf", "istanbul", "gulf", 120, 90, 160, "international", "tr-international"),
    Flow("ist-iran-asia", "istanbul", "iran-asia", 40, 25, 55, "international",
         "tr-international"),
    Flow("ist-caucasus", "istanbul", "caucasus", 35, 20, 50, "international",
         "tr-international"),
    Flow("ist-black-sea", "istanbul", "black-sea", 30, 20, 45, "international",
         "tr-international"),
    Flow("ist-europe", "istanbul", "europe-nw", 330, 250, 420, "international", "tr-europe"),
    Flow("esb-europe", "ankara", "europe", 9, 5, 14, "international", "tr-europe"),
    Flow("esb-gulf", "ankara", "gulf", 9, 5, 14, "international", "tr-international"),
    Flow("antalya-russia", "black-sea", "antalya", 40, 20, 70, "international",
         "russia-leisure"),
    Flow("west-europe", "aegean-med", "europe-nw", 40, 25, 70, "international", "tr-leisure"),
    Flow("east-europe", "east-all", "europe", 20, 10, 30, "international", "tr-europe"),
    Flow("ovf-europe-gulf", "europe", "gulf", 220, 160, 280, "overflight", "europe-gulf"),
    Flow("ovf-europe-asia", "europe", "iran-asia", 120, 80, 160, "overflight", "europe-asia"),
    Flow("ovf-russia-levant", "black-sea", "levant", 50, 30, 70, "overflight",
         "russia-levant"),
    Flow("ovf-europe-caucasus", "europe", "caucasus", 40, 25, 55, "overflight",
         "europe-caucasus"),
]

# ---- flight profile (ASSUMPTIONS, ranges in the comments) ----------------------------------

CLIMB_GRADIENT = 0.055  #: ASSUMPTION: climb gradient to top of climb (0.045-0.07)
DESCENT_DEG = 3.0  #: ASSUMPTION: descent path (2.5-3.5 deg)
INITIAL_KM, INITIAL_AGL_M = 10.0, 800.0  #: ASSUMPTION: after take-off: 10 km, 800 m up
FINAL_KM, FINAL_AGL_M = 20.0, 1050.0  #: final approach: 20 km on a 3 deg glide path
SCREEN_M = 15.0  #: threshold crossing / lift-off height [m] (50 ft)
V_INITIAL, V_CLIMB, V_DESCENT, V_FINAL = 85.0, 180.0, 200.0, 75.0  #: ASSUMPTION [m/s] (+-20%)
V_CRUISE = (210.0, 240.0)  #: catalog airliner cruise range [m/s]
MAG_VARIATION_DEG = 4.0  #: esb-jeppesen: variation 4 E (track magnetic = true - 4)
RWY21_DEG = 210.0  #: esb-jeppesen: runway 21 in use (ASSUMPTION: the preferential one)
MID_JITTER_KM = 15.0  #: ASSUMPTION: sideways spread of the midpoint (parallel airways, 5-25)
MIN_SPAN_S = 60.0  #: drop flights in the picture for less than a minute
MIN_GAP_S = 5.0  #: drop waypoints less than 5 s after the previous one
FL_CEILING = 390  #: airliner ceiling FL398 (catalog) -> highest usable level FL390
RESERVED_CODES = {0o0000, 0o1000, 0o1200, 0o2000, 0o7000, 0o7500, 0o7600, 0o7700, 0o7777}


# ---- geometry -------------------------------------------------------------------------------


class Track:
    """A polyline of geodesic legs through fixes [deg]; positions by distance along it [m]."""

    def __init__(self, lat, lon):
        self.lat = np.asarray(lat, float)
        self.lon = np.asarray(lon, float)
        az, _, dist = GEOD.inv(self.lon[:-1], self.lat[:-1], self.lon[1:], self.lat[1:])
        self.az = np.atleast_1d(az)
        self.cum = np.concatenate([[0.0], np.cumsum(dist)])

    @property
    def length(self) -> float:
        return float(self.cum[-1])

    def at(self, s):
        """(lat, lon) [deg] at distances ``s`` [m] along the track."""
        s = np.clip(np.asarray(s, float), 0.0, self.length)
        leg = np.clip(np.searchsorted(self.cum, s, side="right") - 1, 0, len(self.az) - 1)
        lon, lat, _ = GEOD.fwd(self.lon[leg], self.lat[leg], self.az[leg], s - self.cum[leg])
        return np.asarray(lat), np.asarray(lon)


def offset(lat, lon, rng, spread_km):
    """A point scattered round (lat, lon) [deg]: uniform bearing, |normal| distance [km]."""
    if spread_km <= 0:
        return lat, lon
    lo, la, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360), abs(rng.normal(0, spread_km)) * 1e3)
    return float(la), float(lo)


def region_span(track: Track, radius_m: float = REGION_KM * 1e3, step_m: float = 5000.0):
    """Distances along ``track`` [m] where it first enters and last leaves the region (a
    circle round :data:`CENTRE`); ``None`` if it never enters. The crossings are interpolated
    linearly in the distance to the centre between samples ``step_m`` apart (within ~10 m)."""
    s = np.append(np.arange(0.0, track.length, step_m), track.length)
    lat, lon = track.at(s)
    _, _, d = GEOD.inv(np.full_like(lat, CENTRE[1]), np.full_like(lat, CENTRE[0]), lon, lat)
    inside = np.flatnonzero(d <= radius_m)
    if not len(inside):
        return None
    ends = []
    for i, j in ((inside[0], inside[0] - 1), (inside[-1], inside[-1] + 1)):
        if j < 0 or j >= len(s):
            ends.append(float(s[i]))
        else:  # j outside, i inside
            ends.append(float(s[i] + (s[j] - s[i]) * (radius_m - d[i]) / (d[j] - d[i])))
    return ends[0], ends[1]


# ---- flights ---------------------------------------------------------------------------------


@dataclass
class Route:
    """Waypoints of one object: arrays [deg], [m], [m/s], [s] and each point's altitude
    reference."""

    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    speed: np.ndarray
    time: np.ndarray
    agl: np.ndarray | None = None


def flight_level(track_true_deg: float, highest_m: float, rng) -> float:
    """A cruising level [m] by the semicircular rule (icao-levels) at or below ``highest_m``:
    one of the RVSM levels FL290-FL390 when it fits, else the highest one that does."""
    east = (track_true_deg - MAG_VARIATION_DEG) % 360.0 < 180.0
    levels = np.arange(90 if east else 100, FL_CEILING + 1, 20)
    fits = levels[levels * 100 * FT <= highest_m]
    if not len(fits):
        return float(levels[0] * 100 * FT)
    high = fits[fits >= 290]
    fl = rng.choice(high) if len(high) else fits[-1]
    return float(fl * 100 * FT)


def _end_fix(code: str, departing: bool):
    """Extra fix for Esenboga: runway 21 departure end or final approach fix (esb-jeppesen)."""
    if code != "ESB":
        return None
    p = AIRPORTS["ESB"]
    az = RWY21_DEG if departing else (RWY21_DEG + 180.0) % 360.0
    dist = 12e3 if departing else FINAL_KM * 1e3
    lon, lat, _ = GEOD.fwd(p.lon, p.lat, az, dist)
    return float(lat), float(lon)


def civil_flight(origin: str, dest: str, t0: float, rng) -> tuple[Track, Route] | None:
    """One flight from ``origin`` to ``dest`` (airport codes or gate names) starting at
    ``t0`` [s], clipped to the region and the hour; ``None`` if nothing is left."""
    ends = []
    for name in (origin, dest):
        if name in AIRPORT_SET:
            p = AIRPORTS[name]
            ends.append((p.lat, p.lon))
        else:
            g = GATES[name]
            ends.append(offset(g.lat, g.lon, rng, g.spread_km))
    az, _, dist = GEOD.inv(ends[0][1], ends[0][0], ends[1][1], ends[1][0])
    mlon, mlat, _ = GEOD.fwd(ends[0][1], ends[0][0], az, dist / 2)
    mid = offset(float(mlat), float(mlon), rng, MID_JITTER_KM)
    fixes = [ends[0]]
    dep_fix = _end_fix(origin, True)
    arr_fix = _end_fix(dest, False)
    if dep_fix:
        fixes.append(dep_fix)
    fixes.append(mid)
    if arr_fix:
        fixes.append(arr_fix)
    fixes.append(ends[1])
    track = Track([f[0] for f in fixes], [f[1] for f in fixes])
    L = track.length

    g_c, g_d = CLIMB_GRADIENT, math.tan(math.radians(DESCENT_DEG))
    climbs, descends = origin in AIRPORT_SET, dest in AIRPORT_SET
    f1 = AIRPORTS[origin].elev_m if climbs else 0.0
    f2 = AIRPORTS[dest].elev_m if descends else 0.0
    # highest level that leaves room for climb and descent (and 20 km of cruise)
    num, den = L - 20e3, 0.0
    if climbs:
        num += -INITIAL_KM * 1e3 + (f1 + INITIAL_AGL_M) / g_c
        den += 1 / g_c
    if descends:
        num += -FINAL_KM * 1e3 + (f2 + FINAL_AGL_M) / g_d
        den += 1 / g_d
    highest = num / den if den else math.inf
    cruise = flight_level(float(az) % 360.0, min(highest, FL_CEILING * 100 * FT), rng)
    v = rng.uniform(*V_CRUISE)

    s_k, alt_k, v_k = [], [], []  # profile knots: distance, altitude, speed on the next leg
    if climbs:
        s_init = track.cum[1] if dep_fix else INITIAL_KM * 1e3
        s_k += [0.0, s_init]
        alt_k += [f1 + SCREEN_M, f1 + INITIAL_AGL_M]
        v_k += [V_INITIAL, V_CLIMB]
        s_k.append(s_init + (cruise - f1 - INITIAL_AGL_M) / g_c)
    else:
        s_k.append(0.0)
    alt_k.append(cruise)
    v_k.append(v)
    if descends:
        s_final = L - FINAL_KM * 1e3
        s_k += [s_final - (cruise - f2 - FINAL_AGL_M) / g_d, s_final, L]
        alt_k += [cruise, f2 + FINAL_AGL_M, f2 + SCREEN_M]
        v_k += [V_DESCENT, V_FINAL, V_FINAL]
    else:
        s_k.append(L)
        alt_k.append(cruise)
        v_k.append(v)
    s_k, alt_k, v_k = (np.asarray(x, float) for x in (s_k, alt_k, v_k))
    if np.any(np.diff(s_k) < 0):  # too short for its climb and descent: not modelled
        return None
    t_k = t0 + np.concatenate([[0.0], np.cumsum(np.diff(s_k) / v_k[:-1])])
    if t_k[-1] < MIN_SPAN_S or t_k[0] > DURATION_S - MIN_SPAN_S:
        return None
    span = region_span(track)
    if span is None:
        return None
    s_a = max(span[0], float(np.interp(0.0, t_k, s_k)))
    s_b = min(span[1], float(np.interp(DURATION_S, t_k, s_k)))
    if s_b <= s_a:
        return None
    inner = np.concatenate([track.cum[1:-1], s_k])
    s = np.unique(np.concatenate([[s_a], inner[(inner > s_a) & (inner < s_b)], [s_b]]))
    t = np.interp(s, s_k, t_k)
    if t[-1] - t[0] < MIN_SPAN_S:
        return None
    lat, lon = track.at(s)
    leg = np.clip(np.searchsorted(s_k, s, side="right") - 1, 0, len(v_k) - 1)
    return track, Route(lat, lon, np.interp(s, s_k, alt_k), v_k[leg], t)


def _pick(rng, items, n=None):
    w = np.array([x[-1] for x in items], float)
    return rng.choice(len(items), size=n, p=w / w.sum())


@dataclass
class CivilObject:
    id: str
    flow: str
    origin: str
    dest: str
    state: str
    route: Route


def civil_objects(seed: int, density: float) -> list[CivilObject]:
    """Every civil flight in the picture, flow by flow, in start-time order within a flow."""
    out = []
    used_callsigns: set[str] = set()
    for flow in FLOWS:
        for a, b in ((flow.a, flow.b), (flow.b, flow.a)):
            rng = component_rng(seed, "air-picture", "flow", flow.id, a, b)
            rate = flow.per_day / 86400.0 * MONTH_FACTOR * HOUR_FACTOR * density  # [1/s]
            # longest time a flight can take (slowest average speed 150 m/s) bounds how early
            # a flight can start and still be airborne in the hour
            longest = max(_longest_m(a, b) / 150.0, 1.0)
            n = rng.poisson(rate * (DURATION_S + longest))
            starts = np.sort(rng.uniform(-longest, DURATION_S, n))
            oa = _pick(rng, GROUPS[a], n)
            ob = _pick(rng, GROUPS[b], n)
            for t0, i, j in zip(starts, oa, ob, strict=True):
                origin, dest = GROUPS[a][i][0], GROUPS[b][j][0]
                if origin == dest:
                    continue
                got = civil_flight(origin, dest, float(t0), rng)
                if got is None:
                    continue
                airline, state, _ = MARKETS[flow.market][_pick(rng, MARKETS[flow.market])]
                while True:
                    callsign = f"{airline}{int(rng.integers(100, 5000))}"
                    if callsign not in used_callsigns:
                        used_callsigns.add(callsign)
                        break
                out.append(CivilObject(callsign, flow.id, origin, dest, state, got[1]))
    return out


def _longest_m(a: str, b: str) -> float:
    """Longest geodesic between members of groups ``a`` and ``b`` plus gate spreads [m]."""
    best = 0.0
    for x, _ in GROUPS[a]:
        for y, _ in GROUPS[b]:
            p, q = (AIRPORTS.get(n) or GATES[n] for n in (x, y))
            _, _, d = GEOD.inv(p.lon, p.lat, q.lon, q.lat)
            best = max(best, d + 3e3 * (getattr(p, "spread_km", 0) + getattr(q, "spread_km", 0)))
    return best * 1.05


# ---- military ---------------------------------------------------------------------------------


@dataclass
class MilitaryObject:
    id: str
    type: str
    owner: str
    category: str
    modes: list[str]
    code_3a: str | None
    mode_s: str | None
    flight_plan: bool
    note: str
    route: Route


def timed(points, t0: float, *, trail_s: float = 0.0) -> Route:
    """A route through ``points`` = [(lat, lon, alt_m, speed_mps, agl)], starting at ``t0``
    [s] (+ ``trail_s``), each leg flown at its first point's speed, clipped to the hour.

    Clip points are interpolated on the geodesic; points whose altitude reference differs
    from their neighbour's are never clipped (the sorties are built so)."""
    lat = np.array([p[0] for p in points], float)
    lon = np.array([p[1] for p in points], float)
    alt = np.array([p[2] for p in points], float)
    v = np.array([p[3] for p in points], float)
    agl = np.array([p[4] for p in points], bool)
    tr = Track(lat, lon)
    t = t0 + trail_s + np.concatenate([[0.0], np.cumsum(np.diff(tr.cum) / v[:-1])])
    keep = (t >= 0) & (t <= DURATION_S)
    s_lo = float(np.interp(0.0, t, tr.cum)) if t[0] < 0 else 0.0
    s_hi = float(np.interp(DURATION_S, t, tr.cum)) if t[-1] > DURATION_S else tr.length
    s = np.concatenate([[s_lo] if t[0] < 0 else [], tr.cum[keep],
                        [s_hi] if t[-1] > DURATION_S else []])
    a = np.concatenate([[agl[np.searchsorted(tr.cum, s_lo, "right") - 1]] if t[0] < 0 else [],
                        agl[keep], [agl[-1]] if t[-1] > DURATION_S else []]).astype(bool)
    la, lo = tr.at(s)
    leg = np.clip(np.searchsorted(tr.cum, s, side="right") - 1, 0, len(v) - 1)
    return Route(la, lo, np.interp(s, tr.cum, alt), v[leg], np.interp(s, tr.cum, t), a)


def racetrack(lat, lon, axis_deg, leg_km, radius_km, n_per_turn=4):
    """Points [(lat, lon)] of one racetrack lap (two legs, two turns), clockwise, starting at
    the start of the outbound leg."""
    out = []
    half = leg_km * 1e3 / 2
    for k in (0, 1):
        # turn centre at the end of this leg, then the half circle round it
        clon, clat, _ = GEOD.fwd(lon, lat, (axis_deg + 180 * k) % 360, half)
        for j in range(n_per_turn + 1):
            brg = (axis_deg + 180 * k - 90 + 180 * j / n_per_turn) % 360
            plon, plat, _ = GEOD.fwd(clon, clat, brg, radius_km * 1e3)
            out.append((float(plat), float(plon)))
    return out


def orbit_points(orbit: dict, t_end: float, step_deg: float = 15.0):
    """Points (lat, lon, t) on a clockwise circular orbit, bearing 0 at t = 0 (the phase
    convention of :func:`iads.kinematics.orbit_segments`), one every ``step_deg``, up to
    ``t_end`` [s]; times from the arc length on the small circle."""
    r = orbit["radius_km"] * 1e3
    period = 2 * math.pi * r / orbit["speed_mps"]
    n = int(math.ceil(t_end / period * 360 / step_deg))
    brg = np.arange(n + 1) * step_deg
    t = brg / 360.0 * period
    lon, lat, _ = GEOD.fwd(np.full(n + 1, orbit["lon"]), np.full(n + 1, orbit["lat"]),
                           brg % 360, np.full(n + 1, r))
    keep = t <= t_end
    return np.asarray(lat)[keep], np.asarray(lon)[keep], t[keep]


#: NATO E-3A orbit (ASSUMPTION: centre between Konya and Kayseri, one of the 'pre-designated
#: orbits' (aircosmos); radius 40 km (30-60); 200 m/s on station (180-222: 800 km/h cruise,
#: awacs-2003); 9,150 m (awacs-2003)).
AWACS_ORBIT = {"lat": 38.60, "lon": 34.00, "radius_km": 40.0, "alt_m": 9150.0,
               "speed_mps": 200.0, "clockwise": True}


def military_objects(seed: int) -> list[MilitaryObject]:
    """Turkish F-16 sorties, Turkish and US transports, the E-3A and the US F-35A pair."""
    rng = component_rng(seed, "air-picture", "military")
    A = AIRPORTS
    out: list[MilitaryObject] = []
    tr_modes = ["1", "2", "3a", "c", "4", "5"]
    us_modes = ["1", "2", "3a", "c", "4", "5", "s"]

    def f16(name, code, note, points, t0, trail_s=0.0):
        out.append(MilitaryObject(name, "f-16c", "turkey", "own", tr_modes, code, None, False,
                                  note, timed(points, t0, trail_s=trail_s)))

    def base(code, v=90.0):
        """The runway point of a base (50 ft above it)."""
        p = A[code]
        return (p.lat, p.lon, p.elev_m + SCREEN_M, v, False)

    def near(code, brg_deg, v, km=15.0, agl=900.0):
        """A point ``km`` from a base on bearing ``brg_deg``, ``agl`` above it."""
        p = A[code]
        lon, lat, _ = GEOD.fwd(p.lon, p.lat, brg_deg, km * 1e3)
        return (float(lat), float(lon), p.elev_m + agl, v, False)

    # Radar test over Murted (pp-radar-test), flown from Eskisehir (keyaero-f16: no F-16s at
    # Murted since 2016). ASSUMPTION: the test falls in this hour; low passes at 150 m above
    # ground (100-300), high passes at 9,000 m (6,000-12,000), 250 m/s (200-300).
    m = A["LTAE"]
    low = [base("LTBI"), near("LTBI", 60, 200),
           (39.90, 31.20, 4500, 230, False),
           (39.80, 32.10, 150, 250, True),              # let down south-west of the base
           (m.lat, m.lon, 150, 250, True),              # low pass SW -> NE over Murted
           (40.35, 33.05, 150, 250, True),
           (40.45, 32.60, 150, 250, True),              # turn north of the base
           (m.lat, m.lon, 150, 250, True),              # second low pass N -> S
           (39.75, 32.45, 150, 250, True),
           (39.80, 31.40, 4500, 230, False),            # climb out, back to Eskisehir
           near("LTBI", 70, 110), base("LTBI")]
    for k, trail in enumerate((0.0, 20.0)):
        f16(f"TUAF-RT1{k + 1}", f"41{k + 1:02o}", "radar test over Murted, low passes "
            "(pp-radar-test); 113 Filo, Eskisehir", low, 240.0, trail)
    high = [base("LTBI"), near("LTBI", 60, 200),
            (39.95, 31.30, 9000, 240, False),
            (40.90, 32.60, 9000, 250, False),
            (m.lat, m.lon, 9000, 250, False),            # high pass N -> S
            (39.20, 32.55, 9000, 250, False),
            (39.30, 33.30, 9000, 250, False),
            (m.lat, m.lon, 9000, 250, False),            # high pass SE -> NW
            (40.60, 31.90, 9000, 250, False),
            (39.90, 30.90, 4000, 230, False),
            near("LTBI", 40, 110), base("LTBI")]
    for k, trail in enumerate((0.0, 20.0)):
        f16(f"TUAF-RT2{k + 1}", f"41{k + 3:02o}", "radar test over Murted, high passes "
            "(pp-radar-test); 113 Filo, Eskisehir", high, 60.0, trail)

    # CAP north-east of Ankara from Merzifon (151/153 Filo, keyaero-f16). ASSUMPTION: on station
    # at 0 s, racetrack 80 km x 20 km at 7,600 m (FL250), 230 m/s, for 2.5 laps (~40 min),
    # then back to Merzifon.
    lap = racetrack(40.70, 33.80, 90.0, 80.0, 10.0)
    cap = [(la, lo, 7600.0, 230.0, False) for la, lo in lap * 3][: 3 * len(lap) - 5]
    cap += [(40.80, 35.00, 3000, 200, False), near("LTAP", 250, 110), base("LTAP")]
    for k, trail in enumerate((0.0, 15.0)):
        f16(f"TUAF-CAP{k + 1}", f"42{k + 1:02o}", "combat air patrol north-east of Ankara; "
            "151 Filo, Merzifon", cap, -60.0, trail)

    # Training pairs: Konya (132 Filo) over Tuz Golu, Eskisehir (113 Filo) west of Ankara.
    # ASSUMPTION: 8 manoeuvre points scattered ~20 km round the area centre, 3,000-9,000 m,
    # 180-320 m/s.
    for name, home, centre, t0, code0 in (("TUAF-KON", "LTAN", (38.80, 33.05), 700.0, 0o4301),
                                          ("TUAF-ESK", "LTBI", (39.55, 31.35), 1500.0, 0o4311)):
        brg, _, _ = GEOD.inv(A[home].lon, A[home].lat, centre[1], centre[0])
        pts = [base(home), near(home, brg, 200)]
        for _ in range(8):
            la, lo = offset(centre[0], centre[1], rng, 20.0)
            pts.append((la, lo, float(rng.uniform(3000, 9000)), float(rng.uniform(180, 320)),
                        False))
        pts += [near(home, brg, 110), base(home)]
        for k, trail in enumerate((0.0, 15.0)):
            f16(f"{name}{k + 1}", f"{code0 + k:04o}", f"training sortie from {A[home].note}",
                pts, t0, trail)

    # Turkish A400M between Kayseri (12th Air Transport Main Base) and Etimesgut. ASSUMPTION:
    # OAT without a civil flight plan, 6,100 m, 190 m/s.
    for name, a, b, t0, code in (("TUAF-A400-1", "ASR", "LTAD", 300.0, "4321"),
                                 ("TUAF-A400-2", "LTAD", "ASR", 1900.0, "4322")):
        ab, _, _ = GEOD.inv(A[a].lon, A[a].lat, A[b].lon, A[b].lat)
        pts = [base(a, 80), near(a, ab, 150),
               (0.5 * (A[a].lat + A[b].lat), 0.5 * (A[a].lon + A[b].lon), 6100, 190, False),
               near(b, ab + 180, 80), base(b)]
        out.append(MilitaryObject(name, "transport", "turkey", "own", tr_modes + ["s"], code,
                                  _address(rng, ADDRESS_BLOCKS["TR"]), False,
                                  "A400M, Kayseri - Ankara Etimesgut (OAT)", timed(pts, t0)))

    # US transports to and from Incirlik on filed flight plans (GAT, 'RCH' callsigns).
    # ASSUMPTION: 3 in the hour (1-6), C-130J/C-17 class, 200 m/s; FL280 westbound, FL290
    # eastbound (icao-levels).
    g = GATES["europe-bg"]
    west = [base("LTAG", 80), near("LTAG", 330, 170, 25.0, 3000.0),
            (39.30, 33.20, 8534, 200, False), (40.60, 30.50, 8534, 200, False),
            (g.lat, g.lon, 8534, 200, False)]
    east = [(g.lat, g.lon, 8839, 200, False), (40.60, 30.50, 8839, 200, False),
            (39.30, 33.20, 8839, 200, False), near("LTAG", 330, 100, 25.0, 1500.0),
            base("LTAG")]
    for name, path, t0, code in (("RCH401", west, 300.0, "5401"),
                                 ("RCH402", east, -1200.0, "5402"),
                                 ("RCH403", west, 2500.0, "5403")):
        out.append(MilitaryObject(name, "transport", "usa", "allied", us_modes, code,
                                  _address(rng, US_MILITARY_BLOCK), True,
                                  "USAF transport, Incirlik - Europe (GAT, flight plan filed)",
                                  timed(path, t0)))

    # The E-3A itself (sensor nato-e3a flies the same orbit), tracing the orbit with time
    # anchors on the circle every 15 degrees.
    la, lo, t = orbit_points(AWACS_ORBIT, DURATION_S)
    n = len(t)
    out.append(MilitaryObject(
        "NATO01", "e-3", "nato", "allied", us_modes, "5501", _address(rng, NATO_BLOCK), False,
        "the E-3A carrying sensor nato-e3a, on its orbit (a polygon through the circle every "
        "15 deg: within 0.4 km of it)",
        Route(la, lo, np.full(n, AWACS_ORBIT["alt_m"]), np.full(n, AWACS_ORBIT["speed_mps"]),
              t, np.zeros(n, bool))))

    # US F-35A pair in transit from Europe to Incirlik (C2: exposure to the S-400 radars).
    # ASSUMPTION: the shortest route from the Bosphorus to Incirlik, which passes ~100 km
    # south-west of Murted; FL310 (eastbound), 240 m/s (Mach 0.8); Mode 5 and Mode S on, no
    # civil flight plan (OAT); wingman 2 km in trail.
    f35 = [(41.10, 29.05, 9449, 240, False), (37.45, 35.00, 9449, 210, False),
           near("LTAG", 330, 120, 20.0, 1500.0), base("LTAG", 80)]
    for k, trail in enumerate((0.0, 8.0)):
        out.append(MilitaryObject(f"USAF-F35-{k + 1}", "f-35a", "usa", "allied", us_modes,
                                  f"54{k + 11:02o}", _address(rng, US_MILITARY_BLOCK), False,
                                  "US F-35A pair, Bosphorus - Incirlik transit (C2 exposure)",
                                  timed(f35, 0.0, trail_s=trail)))
    return out


def _address(rng, block) -> str:
    return f"{int(rng.integers(block[0], block[1] + 1)):06X}"


# ---- sensors, networks, IFF -------------------------------------------------------------------

#: Turkish national surveillance radars. ASSUMPTION: positions are not published; each stands
#: on the highest GLOBE 30" cell within ~15 km of a place the brief names (found with
#: iads.terrain.elevation_at), height from the DEM plus the catalog mast.
NATIONAL_RADARS = [
    ("tr-radar-ankara", 40.0533, 33.2800, "east of Ankara, GLOBE 1,954 m"),
    ("tr-radar-eskisehir", 39.4417, 30.3117, "south-west of Eskisehir, GLOBE 1,623 m"),
    ("tr-radar-sinop", 41.8700, 35.0000, "south of Sinop, GLOBE 355 m"),
    ("tr-radar-konya", 37.8250, 32.3117, "south-west of Konya (Loras), GLOBE 2,039 m"),
    ("tr-radar-diyarbakir", 37.7117, 39.8300, "Karacadag, west of Diyarbakir, GLOBE 1,949 m"),
]
#: NATO and allied sensors: id, type, owner, lat, lon, boresight, note.
ALLIED_RADARS = [
    ("kurecik-tpy2", "an-tpy-2", "usa", 38.35, 37.79, 95.0,
     "AN/TPY-2 at Kurecik (pp-kurecik; GLOBE 2,004 m there). ASSUMPTION: faces Iran "
     "(Tabriz ~92 deg, Tehran ~101 deg from the site), not Ankara (~290 deg)"),
    ("esp-patriot-adana", "an-mpq-65", "spain", 37.00, 35.35, 135.0,
     "Spanish Patriot radar at Adana near Incirlik (esp-patriot). ASSUMPTION: position within "
     "~10 km; faces Syria (Aleppo ~120 deg, Idlib ~150 deg)"),
    ("ita-sampt-kmaras", "arabel", "italy", 37.58, 36.93, None,
     "Italian SAMP/T Arabel radar (ita-sampt). ASSUMPTION: at Kahramanmaras, still deployed in "
     "Nov 2019; 360 deg"),
]
TR_RADAR_IDS = [r[0] for r in NATIONAL_RADARS]
NATO_SENSOR_IDS = TR_RADAR_IDS + ["nato-e3a"] + [r[0] for r in ALLIED_RADARS]


# ---- YAML --------------------------------------------------------------------------------------


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _note(indent: str, text: str, width: int = 98) -> list[str]:
    """A ``note:`` entry at ``indent``: one line if it fits, else a folded block."""
    line = f"{indent}note: {_q(text)}"
    if len(line) <= width:
        return [line]
    return [f"{indent}note: >-"] + textwrap.wrap(text, width, initial_indent=indent + "  ",
                                                  subsequent_indent=indent + "  ",
                                                  break_long_words=False,
                                                  break_on_hyphens=False)


def _num(x: float, nd: int) -> str:
    s = f"{x:.{nd}f}"
    if nd:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _waypoints(r: Route, speeds: bool = True) -> list[str]:
    """Flow-style waypoints; a point less than :data:`MIN_GAP_S` after the last one kept is
    dropped (so the 0.1 s rounding of times moves no leg's speed by more than 2 %), except
    the final point, which replaces the last one kept. Every point is a time anchor, so the
    speeds are implied; ``speeds=False`` leaves them out (the civil routes, to keep the file
    quick to load)."""
    t = np.round(r.time, 1)
    keep = [0]
    for i in range(1, len(t)):
        if t[i] - t[keep[-1]] >= MIN_GAP_S:
            keep.append(i)
    if keep[-1] != len(t) - 1 and len(t) > 1:
        if len(keep) > 1:
            keep[-1] = len(t) - 1
        else:
            keep.append(len(t) - 1)
    lines = []
    for i in keep:
        agl = r.agl is not None and bool(r.agl[i])
        ref = ", alt_ref: agl" if agl else ""
        v = f", speed_mps: {_num(r.speed[i], 0)}" if speeds else ""
        lines.append(f"{{lat: {_num(r.lat[i], 4)}, lon: {_num(r.lon[i], 4)}, "
                     f"alt_m: {_num(r.alt[i], 0)}{ref}{v}, time_s: {_num(t[i], 1)}}}")
    return lines


def _comment(text: str, indent: str = "", width: int = 98) -> list[str]:
    """``text`` as YAML comment lines at ``indent``."""
    return textwrap.wrap(text, width, initial_indent=indent + "# ",
                         subsequent_indent=indent + "#   ", break_long_words=False,
                         break_on_hyphens=False)


def civil_codes(n: int, rng) -> list[str]:
    """``n`` discrete Mode 3/A codes: first digit 0-3 or 6 (ASSUMPTION: 4xxx and 5xxx are left
    to military aircraft, 7xxx to special purposes), reserved codes excluded; unique while
    they last."""
    codes = [c for c in range(0o10000) if (c >> 9) in (0, 1, 2, 3, 6)
             and c not in RESERVED_CODES]
    perm = rng.permutation(codes)
    return [f"{int(perm[i % len(perm)]):04o}" for i in range(n)]


def build(seed: int = SEED, density: float = DENSITY) -> tuple[str, dict]:
    """The YAML text and a summary of counts."""
    civil = civil_objects(seed, density)
    mil = military_objects(seed)
    rng = component_rng(seed, "air-picture", "identifiers")
    codes = civil_codes(len(civil), rng)
    used = {int(m.mode_s, 16) for m in mil if m.mode_s}
    addresses = []
    for c in civil:
        lo, hi = ADDRESS_BLOCKS[c.state]
        while True:
            a = int(rng.integers(lo, hi + 1))
            if a not in used:
                used.add(a)
                addresses.append(f"{a:06X}")
                break

    by_flow: dict[str, int] = {}
    for c in civil:
        by_flow[c.flow] = by_flow.get(c.flow, 0) + 1
    by_kind = {"domestic": 0, "international": 0, "overflight": 0}
    kinds = {f.id: f.kind for f in FLOWS}
    for f, n in by_flow.items():
        by_kind[kinds[f]] += n
    appear = sum(c.route.time[0] > 0 for c in civil)
    leave = sum(c.route.time[-1] < DURATION_S for c in civil)
    summary = {
        "civil": len(civil), **{f"civil_{k}": v for k, v in by_kind.items()},
        "f-16c": sum(m.type == "f-16c" for m in mil), "f-35a": sum(m.type == "f-35a" for m in mil),
        "transport": sum(m.type == "transport" for m in mil),
        "e-3": sum(m.type == "e-3" for m in mil), "total": len(civil) + len(mil),
        "appear_after_0s": appear, "leave_before_end": leave,
    }

    L: list[str] = []
    c = L.extend
    c(_comment(f"GENERATED by tools/make_air_picture.py (seed {seed}, density {density:g}): "
               "do not edit by hand; change the generator and rerun it "
               "(tests/test_air_picture_scenario.py checks the two agree)."))
    c(["#"])
    c(_comment("One hour of air traffic over central Turkey around the S-400s of base.yaml: "
               "civil flows on the main routes over Anatolia, Turkish F-16 sorties, allied "
               "transports, the NATO E-3A and a pair of US F-35As; the Turkish national radars, "
               "the NATO and allied sensors, and the networks they form. The S-400s stay "
               "stand-alone here (as delivered); air-picture-national.yaml and "
               "air-picture-nato.yaml connect them (claim C4)."))
    c(["#"])
    c(_comment(f"Objects: {summary['total']} ({summary['civil']} civil: "
               f"{by_kind['domestic']} domestic, {by_kind['international']} international, "
               f"{by_kind['overflight']} overflights; {summary['f-16c']} F-16C, "
               f"{summary['f-35a']} F-35A, {summary['transport']} transports, "
               f"{summary['e-3']} E-3A). {appear} civil objects appear after 0 s and {leave} "
               "leave before the end (time_s anchors)."))
    c(["#", "# Sources (keys used below and in the generator):"])
    for k, v in SOURCES.items():
        c(_comment(f"[{k}] {v}"))
    c(["#", "# Civil traffic model (ASSUMPTIONS unless sourced):"])
    total = {k: sum(f.per_day for f in FLOWS if f.kind == k) for k in DHMI_PER_DAY}
    for k, v in DHMI_PER_DAY.items():
        c(_comment(f"- {k}: flows in the region carry {total[k]:g} flights/day each way x 2 = "
                   f"{2 * total[k]:g} of the DHMI 2019 {v:,.0f}/day [dhmi-2019]"))
    esb = 2 * sum(f.per_day for f in FLOWS if "ankara" in (f.a, f.b))
    c(_comment(f"- Esenboga: flows carry {esb:g} movements/day of ~{ESB_PER_DAY:.0f}/day (2017 "
               "movements x 2019/2017 passengers [esb]; the rest go to airports not "
               "modelled)"))
    c(_comment(f"- rate per hour = per_day / 24 x {MONTH_FACTOR:g} (ASSUMPTION November, "
               f"0.85-0.95 [dhmi-2019-12]) x {HOUR_FACTOR:g} (ASSUMPTION midday hour, 1.1-1.6) "
               f"x {density:g} ({DENSITY_NOTE.format(density=density)})"))
    c(_comment(f"- region: within {REGION_KM:g} km of Murted (91N6E instrumented range, "
               "catalog); flights follow geodesics through a midpoint jittered "
               f"{MID_JITTER_KM:g} km (ASSUMPTION 5-25); climb gradient {CLIMB_GRADIENT:g} "
               f"(0.045-0.07), descent {DESCENT_DEG:g} deg (2.5-3.5), cruise "
               f"{V_CRUISE[0]:g}-{V_CRUISE[1]:g} m/s [catalog], cruising levels by the "
               "semicircular rule [icao-levels], still air; Esenboga traffic on runway 21 "
               "[esb-jeppesen]"))
    c(_comment("- callsigns: airline designators [icao-8585]; Mode S addresses in each "
               "airline's state block [icao-24bit]; Mode 3/A codes discrete, 4xxx and 5xxx "
               "left to the military; every airliner answers 3/A, C, S and ADS-B and has a "
               "flight plan"))
    c(["# Flows (each way, flights/day, ASSUMPTION range):"])
    for f in FLOWS:
        c(_comment(f"- {f.id}: {f.a} <-> {f.b}, {f.per_day:g} ({f.low:g}-{f.high:g}), "
                   f"{f.kind}, airlines {f.market}; {by_flow.get(f.id, 0)} objects"))
    c(["extends: base.yaml", "name: turkey-2019-air-picture", "description: >-"])
    c(textwrap.wrap(
        "One hour (2019-11-25 09:00-10:00 UTC) of synthetic air traffic over central Turkey "
        f"around the S-400s at Murted: {summary['total']} air objects, Turkish national "
        "radars, NATO and allied sensors; the S-400s stand-alone.", 98,
        initial_indent="  ", subsequent_indent="  "))
    c(["", "set:",
       "  # ASSUMPTION: Turkey loads its own code plan into the S-400 (keys: turkey): its jets",
       "  # are recognised by their open Mode 1/2/3A codes (C3: 'unknown except Turkey's own')",
       "  iff[s400-reads].keys: [turkey]", "", "add:", "  owners:",
       "    spain: {kind: country, name: Spain, member_of: [nato]}",
       "    italy: {kind: country, name: Italy, member_of: [nato]}", "", "  sites:"])
    for rid, lat, lon, note in NATIONAL_RADARS:
        c([f"    {rid}:", f"      lat: {lat}", f"      lon: {lon}"])
        c(_note("      ", "ASSUMPTION: " + note))
    for rid, _t, _o, lat, lon, _b, _n in ALLIED_RADARS:
        c([f"    {rid}: {{lat: {lat}, lon: {lon}}}"])
    c(["", "  sensors:"])
    c(_comment("Turkish national surveillance radars (national-surveillance: L-band, "
               "FPS-117 / TRS-22XX class); Turkish IFF with NATO Mode 4/5 (national).", "    "))
    for rid, *_ in NATIONAL_RADARS:
        c([f"    - {{id: {rid}, type: national-surveillance, owner: turkey, site: {rid},",
           "       iff_standard: national}"])
    c(_comment("NATO E-3A from Konya, the NATO forward operating base [nato-konya]; orbit: "
               "ASSUMPTION (a 'pre-designated orbit' [aircosmos] between Konya and Kayseri, "
               "radius 30-60 km), 9,150 m and 800 km/h cruise [awacs-2003], 200 m/s on "
               "station (180-222).", "    "))
    o = AWACS_ORBIT
    c(["    - id: nato-e3a", "      type: an-apy-2", "      owner: nato",
       "      iff_standard: nato_mode5",
       f"      orbit: {{lat: {o['lat']}, lon: {o['lon']}, radius_km: {o['radius_km']:g}, "
       f"alt_m: {o['alt_m']:g}, speed_mps: {o['speed_mps']:g}, clockwise: true}}",
       "      note: \"flown by air object NATO01\""])
    for rid, typ, owner, _la, _lo, bs, note in ALLIED_RADARS:
        c([f"    - id: {rid}", f"      type: {typ}", f"      owner: {owner}",
           f"      site: {rid}"])
        if bs is not None:
            c([f"      boresight_deg: {bs:g}"])
        c(_note("      ", note))
    c(["", "  networks:"])
    c(_comment("Who shares with whom (C12). The S-400s are members of neither network here "
               "(stand-alone, PP Turkish case); the variants add them with their links.",
               "    "))
    c(["    - id: tr-national", "      kind: national", "      members:"])
    c([f"        - {x}" for x in TR_RADAR_IDS])
    c(_note("      ", "Turkish national air picture (ASSUMPTION: the five radars feed one "
                      "national C2)"))
    c(["    - id: nato-picture", "      kind: nato", "      members:"])
    c([f"        - {x}" for x in NATO_SENSOR_IDS])
    c(_note("      ", "NATO recognised air picture: the Turkish radars (Turkey is in NATO's "
                      "integrated air defence), the E-3A, the AN/TPY-2 (under NATO control, "
                      "pp-kurecik) and the allied Patriot and SAMP/T radars"))
    c(["", "  iff:"])
    c(["    - id: tr-national-iff", "      interrogators:"])
    c([f"        - {x}" for x in TR_RADAR_IDS])
    c([
       "      modes: [1, 2, 3a, c, 4, 5, s, adsb]", "      keys: [turkey, nato]",
       "      note: \"ASSUMPTION: Turkish radars hold Turkey's code plan and NATO Mode 4/5 "
       "keys\"",
       "    - id: nato-picture-iff", "      interrogators: [nato-e3a]",
       "      modes: [1, 2, 3a, c, 4, 5, s, adsb]", "      keys: [nato]", "", "  air_objects:"])
    c(_comment("---- military (hand-built sorties; times are anchors, s from 09:00 UTC)",
               "    "))
    for m in mil:
        tr = f"{{modes: [{', '.join(m.modes)}]"
        tr += f', code_3a: "{m.code_3a}"' if m.code_3a else ""
        tr += f', mode_s: "{m.mode_s}"' if m.mode_s else ""
        tr += "}"
        c([f"    - id: {m.id}", f"      type: {m.type}", f"      owner: {m.owner}",
           f"      category: {m.category}", f"      flight_plan: {str(m.flight_plan).lower()}",
           f"      transponder: {tr}"])
        c(_note("      ", m.note) + ["      route:"])
        c([f"        - {w}" for w in _waypoints(m.route)])
    c(_comment("---- civil (generated flows; note: flow, origin > destination). Every waypoint "
               "is a time anchor: the speed on each leg is its length over its time (speeds "
               "are left out to keep the file quick to load)", "    "))
    for obj, code, addr in zip(civil, codes, addresses, strict=True):
        c([f"    - id: {obj.id}", "      type: airliner", "      owner: civil",
           "      category: civil", "      flight_plan: true",
           f'      transponder: {{modes: [3a, c, s, adsb], code_3a: "{code}", '
           f'mode_s: "{addr}"}}',
           f"      note: \"{obj.flow}: {obj.origin} > {obj.dest}\"", "      route:"])
        c([f"        - {w}" for w in _waypoints(obj.route, speeds=False)])
    return "\n".join(L) + "\n", summary


def rates_table() -> str:
    """Flights/day each way in the flows, by kind, against the DHMI 2019 totals."""
    rows = []
    for k, v in DHMI_PER_DAY.items():
        s = sum(f.per_day for f in FLOWS if f.kind == k)
        rows.append(f"{k:14s} flows {2 * s:7.0f}/day of DHMI {v:7.0f}/day ({2 * s / v:.0%})")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="output file (default: committed)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--density", type=float, default=DENSITY,
                    help="civil traffic factor on the sourced rates (1 = sourced)")
    args = ap.parse_args(argv)
    text, summary = build(args.seed, args.density)
    args.out.write_text(text, encoding="utf-8")
    print(rates_table(), file=sys.stderr)
    print(f"wrote {args.out} ({len(text.encode()):,} bytes): "
          + ", ".join(f"{k} {v}" for k, v in summary.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
