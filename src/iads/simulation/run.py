"""The simulation: scenario events, radar scans, message deliveries and metric samples on one
event heap (:class:`iads.engine.Engine`).

:func:`simulate` builds the world (:mod:`~iads.simulation.build`) and schedules four kinds of
event, each handled vectorised over all objects or tracks:

========================  =========================  ===========================================
event                     priority                   what it does
========================  =========================  ===========================================
node on/off               ``Priority.SCENARIO``      a switched-off node drops its tracks and
                                                     what reaches it; radar switches are read
                                                     from the world when a scan ends
scan end (per radar)      ``Priority.SENSOR``        the whole revolutions or search frames
                                                     nearest ``scan_window_s`` (10 s; one for a
                                                     slow radar): :func:`iads.sensors.
                                                     scan_window` over the objects that can be
                                                     visible (:func:`objects_in_reach`), during
                                                     the intervals the radar was on; plots
                                                     become ECEF converted measurements;
                                                     reports go to the radar's links
link send / delivery      ``Priority.MESSAGE``       measurement reports and track pictures
                                                     (:mod:`~iads.simulation.network`); a node
                                                     tracks its plots up to its inputs' common
                                                     watermark (:mod:`~iads.simulation.nodes`)
metric sample             ``Priority.METRIC``        every ``sample_s``: each node's picture,
                                                     its identification, GOSPA, records
========================  =========================  ===========================================

Objects move on their exact paths (:mod:`iads.kinematics`): every look, every truth position and
every radar position is evaluated at its own time. Randomness: each radar draws from
``component_rng(seed, "radar", radar_id)`` only (scan phase first, then its scans in time
order); nothing else is random. A radar's plots therefore depend only on the seed, the radar
and the air objects: adding a sensor, a node or a link leaves every other radar's plots as
they were.

Identification (at every sample, per node): the stages of :func:`iads.identification.identify`
on the objects the node's confirmed tracks follow, with the interrogators of the IFF
arrangements of the node's own units (:mod:`~iads.simulation.build`; ``iff_alter`` events
applied up to that time), the scenario's filed flight plans, and behaviour from the **track's**
estimated speed and climb. Objects not followed are pending.

The truth set of a picture at time t (for GOSPA, identity matrices and continuity) is the
objects a radar reaching the node has looked at with Pd ≥ ``pd_level`` within its last
``detectable_revisits`` revisits, plus the objects the picture follows.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from numba import njit

from ..engagement.loop import EngagementLoop, FireControlSettings
from ..engine import Engine, Priority
from ..identification import (
    Rules,
    assign_identity,
    behaviour_flags,
    correlate_pairs,
    interrogate,
    interrogators_from_scenario,
    plan_pairs,
)
from ..kinematics import (
    active,
    geodetic_of,
    heading_of,
    positions,
)
from ..metrics import gospa
from ..metrics.identity import inside_envelope
from ..sensors import scan_window
from ..tracking.correlation import TrackCorrelator
from .build import World, build_world
from .network import InputBuffer, ScanReport, on_intervals, process_ready, send_times
from .nodes import (
    ID_SHIFT,
    CVTransition,
    Picture,
    PlotTracker,
    RadarView,
    TrackerSettings,
    correlate_pictures,
    local_picture,
)
from .plots import Plots, plots_from_detections

__all__ = ["SimulationSettings", "simulate", "run_world", "objects_in_reach",
           "vertical_speed_bound"]


@dataclass(frozen=True)
class SimulationSettings:
    """How the simulation samples, tracks and measures (stated assumptions).

    Attributes
    ----------
    sample_s
        Interval of metric samples and identification [s] (20 s: an hour gives 180 samples
        per picture; 10 s doubles the sampling cost, ~7 s per hour of the Turkey-2019 air
        picture on one core).
    tracker
        Node tracker parameters (:class:`~iads.simulation.nodes.TrackerSettings`).
    t2t_gate, t2t_decorrelation_gate, t2t_handover_ratio
        Track-to-track correlation (:class:`~iads.tracking.correlation.TrackCorrelator`):
        gate to correlate and wider gate to decorrelate (Mahalanobis on positions) [-], and
        the covariance-trace ratio at which reporting passes to a better track [-].
    gospa_c_m, gospa_p
        GOSPA cut-off [m] and order (α = 2): c = 5 km, about five times the cross-range σ of a
        3 mrad radar at 300 km; p = 1 (Stone Soup's default).
    pd_level
        Pd at which a look counts as a *possible* detection (truth set, time to track) [-].
    detectable_revisits
        An object stays in a picture's truth set this many revisits of a radar after that
        radar's last possible detection of it [-].
    scan_window_s
        A radar's scans are simulated in windows of whole revolutions or frames, as many as
        come nearest this (at least one) [s]: a window is one event, vectorised over all
        objects, and its plots (each with its exact time) are reported when it ends. The
        looks are the same whatever the window (beam crossings are exact); fast radars
        (a 1 s Arabel) report every ~10 s instead of every revolution.
    terrain, terrain_cell_m
        Terrain masks for ground radars, and their cell [m].
    false_alarms
        Draw false plots (Poisson per scan).
    exposure_types
        Catalog target types whose exposure to each radar is measured (claim C2).
    aspect_bin_deg
        Bin of the aspect-angle histograms [°].
    rules
        Identification rules (:class:`iads.identification.Rules`).
    keep_detections, keep_tracks
        Keep the per-plot and per-sample track tables (large for long runs).
    track_dwells
        Phased arrays (catalog ``track_revisit_s``) revisit at most this many objects every
        ``track_revisit_s`` besides their search (:func:`iads.sensors.scan_window`
        ``tracked=``): the objects the confirmed tracks of the radar's own node follow at the
        start of each scan window, inside its sector and range, nearest first (assumption:
        the fire-control channels of an engagement radar; 0: search only). Their plots feed
        the node like any other; its rounds per chunk grow to take them in time order.
    fire_control
        The kill chain's assumptions (:class:`iads.engagement.FireControlSettings`).
    """

    sample_s: float = 20.0
    scan_window_s: float = 10.0
    tracker: TrackerSettings = field(default_factory=TrackerSettings)
    t2t_gate: float = 4.0
    t2t_decorrelation_gate: float = 6.0
    t2t_handover_ratio: float = 0.5
    gospa_c_m: float = 5_000.0
    gospa_p: float = 1.0
    pd_level: float = 0.5
    detectable_revisits: float = 2.0
    terrain: bool = True
    terrain_cell_m: float = 2_000.0
    false_alarms: bool = True
    exposure_types: tuple[str, ...] = ("f-35a",)
    aspect_bin_deg: float = 10.0
    rules: Rules = field(default_factory=Rules)
    keep_detections: bool = True
    keep_tracks: bool = True
    track_dwells: int = 10
    fire_control: FireControlSettings = field(default_factory=FireControlSettings)

    def __post_init__(self):
        if not self.sample_s > 0:
            raise ValueError(f"sample_s must be > 0, got {self.sample_s}")
        if not 0 < self.pd_level < 1:
            raise ValueError(f"pd_level must be in (0, 1), got {self.pd_level}")


class _Node:
    """Runtime state of one node."""

    def __init__(self, world: World, model, settings: SimulationSettings,
                 views: dict | None = None):
        self.model = model
        radars = sorted({m.radar for m in model.measurements})
        views = {} if views is None else views  # shared by the nodes a radar feeds
        for r in radars:
            if r not in views:
                views[r] = RadarView(world.radars[r].placed, world.radars[r].mask,
                                     settings.tracker.expected_rcs_m2)
        self.views = [(r, views[r]) for r in radars]
        ts = settings.tracker
        dwell = [world.radars[r].placed.track_revisit_s for r in radars
                 if world.radars[r].placed.track_revisit_s and settings.track_dwells > 0]
        if dwell:  # a track takes one plot per round: room for a dwelling radar's plots
            ts = replace(ts, max_rounds=ts.max_rounds + math.ceil(ts.chunk_s / min(dwell)))
        self.tracker = PlotTracker(ts) if radars else None
        self.chunk_s = settings.tracker.chunk_s if radars else 0.0
        self.buffer = InputBuffer(len(model.measurements))
        self.chunk = 0
        self.on = True
        self.remote: dict[int, Picture] = {}
        self.outbox: dict[int, list[ScanReport]] = {}
        self.first_seen = np.full(len(world.paths), np.inf)  # first sample followed [s]
        self.last_track_of = np.full(len(world.paths), -1, np.int64)
        self.correlator = TrackCorrelator(settings.t2t_gate, settings.t2t_decorrelation_gate,
                                          settings.t2t_handover_ratio,
                                          (model.index << ID_SHIFT) | (1 << (ID_SHIFT - 1)))
        # the picture is a function of the node's inputs at an instant: ``version`` counts
        # their changes (plots processed, tracks received, switched), ``picture_cache`` holds
        # (time, version, picture) of the last one correlated
        self.version = 0
        self.picture_cache: tuple | None = None
        self.local_cache: tuple | None = None  # (time, version, its own tracks' picture)
        # the picture feeds fire control or is relayed: metric samples must not update it
        self.operational = False

    def looks(self, pos, c0, c1, anywhere=None):
        n = np.zeros(pos.shape[0], np.int64)
        for r, view in self.views:
            on = self.buffer.on(r, c0, c1)
            if on:
                n += view.count(pos, c0, c1, on, anywhere)
        return n

    def advance(self, now: float) -> None:
        self.version += 1
        if self.tracker is not None:
            self.chunk = process_ready(self.buffer, self.tracker, self.chunk, self.chunk_s,
                                       self.looks, now, self.on)


class _Run:
    def __init__(self, world: World, settings: SimulationSettings, progress):
        self.w = world
        self.s = settings
        self.progress = progress
        self.eng = Engine()
        n_obj = len(world.paths)
        n_rad = len(world.radars)
        self.rngs = []
        for rm in world.radars:
            g = np.random.Generator(np.random.PCG64())
            g.bit_generator.state = rm.rng_state
            self.rngs.append(g)
        self.switches = [[(t, on) for t, r, on in world.radar_switches if r == rm.index]
                         for rm in world.radars]
        node_views: dict = {}
        self.nodes = [_Node(world, m, settings, node_views) for m in world.nodes]
        self.cv = CVTransition(self.nodes[0].tracker.filter if self.nodes and
                               self.nodes[0].tracker else PlotTracker(settings.tracker).filter)
        self.subs: list[list[tuple[int, int]]] = [[] for _ in range(n_rad)]
        for node in self.nodes:
            for i, m in enumerate(node.model.measurements):
                self.subs[m.radar].append((node.model.index, i))
        # per radar and object: last / first look with Pd >= level
        self.last_good = np.full((n_rad, n_obj), -np.inf)
        self.first_good = np.full((n_rad, n_obj), np.inf)
        self.looks_count = np.zeros(n_rad, np.int64)
        self.plots_count = np.zeros(n_rad, np.int64)
        ex = set(settings.exposure_types)
        self.exposed = np.array([i for i, t in enumerate(world.object_types) if t in ex],
                                np.int64)
        self.ex_looks = np.zeros((n_rad, self.exposed.size), np.int64)
        self.ex_det_t = [[[] for _ in self.exposed] for _ in range(n_rad)]
        self.ex_det_aspect = [[[] for _ in self.exposed] for _ in range(n_rad)]
        self.ex_of = np.full(n_obj, -1, np.int64)  # object -> its row in exposed, or -1
        self.ex_of[self.exposed] = np.arange(self.exposed.size)
        self.det_parts: list[dict] = []
        self.track_parts: list[dict] = []
        self.ident_parts: list[dict] = []
        self.gospa_rows: list[tuple] = []
        self.eng_parts: list[dict] = []
        self.window_start = np.zeros(n_rad)
        self.intr_cache: dict = {}
        self._pos_cache: dict = {}
        self.views = [RadarView(rm.placed, rm.mask, floor=rm.mask_floor)
                      for rm in world.radars]
        self.climb_bound = vertical_speed_bound(world.paths)
        self.iff_times = sorted(e.time_s for e in world.scenario.events
                                if e.kind == "iff_alter")
        self._node_by_id = {n.model.id: n.model.index for n in self.nodes}
        self._command_posts = {s.id: s.command_post.id for s in world.scenario.systems
                               if s.command_post is not None}
        self.fu_node = self._fire_unit_nodes()
        self.dwell_on: list = [None] * n_rad  # objects each phased array dwells on
        self.fc = EngagementLoop(self)
        for sy in self.fc.systems:  # fire-control pictures
            if sy.node >= 0:
                self.nodes[sy.node].operational = True
        for node in self.nodes:  # relayed pictures (a node without a tracker sends them)
            for tin in node.model.tracks:
                if self.nodes[tin.source].tracker is None:
                    self.nodes[tin.source].operational = True

    # ---- set-up --------------------------------------------------------------------------

    def system_node(self, system: str, units=()) -> int:
        """Index of the node holding ``system``'s picture: the node of its command post, of
        the system itself or of one of ``units`` (its fire units), else the first node the
        system is a member of; -1 if none."""
        for cand in (self._command_posts.get(system), system, *units):
            if cand in self._node_by_id:
                return self._node_by_id[cand]
        for n in self.nodes:
            if system in n.model.units:
                return n.model.index
        return -1

    def _fire_unit_nodes(self):
        return [self.system_node(fu.system, (fu.id,)) for fu in self.w.fire_units]

    def schedule(self) -> None:
        eng, w = self.eng, self.w
        for rm in w.radars:
            edges = rm.window_edges(w.duration_s, self.s.scan_window_s)
            self.window_start[rm.index] = edges[0]
            eng.schedule(edges[1], Priority.SENSOR, self._scan, (rm.index, edges, 1))
        for t, n, on in w.node_switches:
            eng.schedule(t, Priority.SCENARIO, self._switch_node, (n, on))
        for node in self.nodes:
            for i, m in enumerate(node.model.measurements):
                if m.update_s is not None:
                    for t in send_times(m.update_s, w.duration_s):
                        eng.schedule(t, Priority.MESSAGE, self._send_plots,
                                     (node.model.index, i))
            for j, tin in enumerate(node.model.tracks):
                for t in send_times(tin.update_s, w.duration_s):
                    eng.schedule(t, Priority.MESSAGE, self._send_tracks, (node.model.index, j))
        for t in send_times(self.s.sample_s, w.duration_s):
            eng.schedule(t, Priority.METRIC, self._sample, None)
        self.fc.schedule()

    # ---- handlers ------------------------------------------------------------------------

    def _switch_node(self, eng, t, payload):
        n, on = payload
        node = self.nodes[n]
        node.on = on
        node.version += 1
        if not on:
            if node.tracker is not None:
                node.tracker.reset()
            node.remote.clear()
            node.correlator.reset()

    def _positions_near(self, t: float):
        """All objects' positions at the multiple of ``scan_window_s`` nearest ``t`` (shared by
        every radar's window around then), and that time."""
        step = self.s.scan_window_s
        t_ref = float(np.clip(round(t / step) * step, 0.0, self.w.duration_s))
        if t_ref not in self._pos_cache:
            if len(self._pos_cache) > 4:
                self._pos_cache.pop(next(iter(self._pos_cache)))
            pos = positions(self.w.paths, t_ref)[0]
            self._pos_cache[t_ref] = (pos, geodetic_of(pos)[2])
        return (*self._pos_cache[t_ref], t_ref)

    def _candidates(self, r: int, ta: float, tb: float) -> np.ndarray:
        w = self.w
        if len(w.paths) == 0:
            return np.zeros(0, np.int64)
        pos, height, t_ref = self._positions_near(0.5 * (ta + tb))
        return objects_in_reach(w.paths, pos, height, t_ref, self.views[r], ta, tb,
                                w.destroyed_at, self.climb_bound)

    def _scan(self, eng, t, payload):
        r, edges, k = payload
        w, s = self.w, self.s
        rm = w.radars[r]
        ta, tb = float(edges[k - 1]), float(edges[k])
        on = on_intervals(self.switches[r], ta, tb)
        objs = self._candidates(r, ta, tb) if on else np.zeros(0, np.int64)
        sig = w.signatures[rm.placed.band]
        jam = w.jammers.get(rm.placed.band)
        if jam is not None and np.isfinite(w.destroyed_at[jam.objects]).any():
            jam = replace(jam, silent_from_s=w.destroyed_at[jam.objects])  # carrier destroyed
        reports = []
        for a, b in on:
            res = scan_window(rm.placed, w.paths, sig, a, b, self.rngs[r], radar_index=r,
                              objects=objs, tracked=self.dwell_on[r], mask=rm.mask,
                              clutter=w.clutter, with_false_alarms=s.false_alarms,
                              jammers=jam)
            det, hit = res.detections, res.look_of
            if np.isfinite(w.destroyed_at).any() and len(det):
                o = det.object
                gone = (o >= 0) & (det.time_s >= w.destroyed_at[np.maximum(o, 0)])
                if gone.any():
                    keep = np.flatnonzero(~gone)
                    det, hit = det.take(keep), hit[keep]
            self._book_looks(r, res.looks, det, hit)
            if self.subs[r]:  # converted only for the nodes it feeds
                view = self.views[r]  # (a moving radar's plots take its position per plot)
                reports.append(plots_from_detections(
                    rm.placed, det, r, frame=view.frame(0.0) if view.stationary else None))
        rep = ScanReport(r, ta, tb, on, Plots.concatenate(reports))
        for n, i in self.subs[r]:
            node = self.nodes[n]
            m = node.model.measurements[i]
            if m.update_s is None:
                eng.schedule(t + m.latency_s, Priority.MESSAGE, self._deliver_plots,
                             (n, i, [rep]))
            else:
                node.outbox.setdefault(i, []).append(rep)
        self.dwell_on[r] = self._dwell_objects(r, tb)
        if k + 1 < len(edges):
            eng.schedule(edges[k + 1], Priority.SENSOR, self._scan, (r, edges, k + 1))

    def _dwell_objects(self, r: int, t: float):
        """Objects a phased array dwells on in its next window (None for other radars): those
        followed by confirmed tracks of its own node (the node its plots alone feed, else the
        first its plots reach) at ``t``, inside its sector and instrumented range, nearest
        first, at most ``track_dwells``."""
        rm = self.w.radars[r]
        if rm.placed.track_revisit_s is None or not self.subs[r] or self.s.track_dwells <= 0:
            return None
        nodes = [self.nodes[n] for n, _ in self.subs[r]]
        own = [nd for nd in nodes if len(nd.model.measurements) == 1] or nodes
        trk = own[0].tracker
        idx = np.flatnonzero(trk.tracks.confirmed & (trk.follows >= 0))
        if idx.size == 0:
            return None
        x, _ = trk.predicted(t, idx)
        view = self.views[r]
        inside = view.count(x[:, :3], t, t + view.period, [(t, t + view.period)],
                            np.ones(idx.size, bool)) > 0
        idx, p = idx[inside], x[inside, :3]
        if idx.size == 0:
            return None
        rp, _ = view.frame(t)
        near = np.argsort(np.linalg.norm(p - rp, axis=1), kind="stable")[:self.s.track_dwells]
        return np.unique(trk.follows[idx[near]])

    def _book_looks(self, r, looks, det, hit):
        """Counts, first and last good looks, exposure and the detection table of a window;
        ``hit``: each plot's row in ``looks`` (-1: a false alarm)."""
        s = self.s
        self.looks_count[r] += int(looks.visible.sum())
        self.plots_count[r] += len(det)
        good = looks.visible & (looks.pd >= s.pd_level)
        if good.any():
            o, t = looks.object[good], looks.time_s[good]
            np.maximum.at(self.last_good[r], o, t)
            np.minimum.at(self.first_good[r], o, t)
        if self.exposed.size:
            ex = self.ex_of[looks.object]
            vis = looks.visible & (ex >= 0)
            self.ex_looks[r] += np.bincount(ex[vis], minlength=self.exposed.size)
            hl = hit[hit >= 0]
            for j in hl[ex[hl] >= 0]:
                e = int(ex[j])
                self.ex_det_t[r][e].append(float(looks.time_s[j]))
                self.ex_det_aspect[r][e].append(float(looks.off_nose_rad[j]))
        if s.keep_detections and len(det):
            true_r = np.full(len(det), np.nan)
            aspect = np.full(len(det), np.nan)
            ok = hit >= 0
            true_r[ok] = looks.range_m[hit[ok]]
            aspect[ok] = np.degrees(looks.off_nose_rad[hit[ok]])
            self.det_parts.append(dict(
                time_s=det.time_s, radar=det.radar, object=det.object, range_m=det.range_m,
                azimuth_deg=np.degrees(det.azimuth_rad),
                elevation_deg=np.degrees(det.elevation_rad), sinr_db=det.sinr_db,
                true_range_m=true_r, aspect_deg=aspect))

    def _send_plots(self, eng, t, payload):
        n, i = payload
        node = self.nodes[n]
        reps = node.outbox.pop(i, [])
        if reps:
            m = node.model.measurements[i]
            eng.schedule(t + m.latency_s, Priority.MESSAGE, self._deliver_plots, (n, i, reps))

    def _deliver_plots(self, eng, t, payload):
        n, i, reps = payload
        node = self.nodes[n]
        node.buffer.receive(i, reps)
        node.advance(t)

    def picture(self, n: int, t: float, exclude_origin: int | None = None,
                observe: bool = False) -> Picture:
        """Node ``n``'s picture at time ``t``: its own confirmed tracks and the latest remote
        ones, correlated by the node's track correlator (:func:`.nodes.correlate_pictures`).

        ``exclude_origin``: leave out the tracks formed by that node (a picture sent to it).

        Asked again at the same instant with the same inputs (a fire-control cycle and a
        metric sample, or a relay), the node shows the picture it correlated then: looking
        twice does not update its correlator twice. ``observe``: a metric sample's look; on a
        picture that feeds fire control or is relayed, it correlates on a copy of the
        correlator, so that how often metrics are sampled never changes what fire control
        sees (a picture nobody else uses is kept by the samples alone).
        """
        node = self.nodes[n]
        if not node.on:
            return Picture.empty(t)
        c = node.picture_cache
        if c is not None and c[0] == t and c[1] == node.version:
            pic = c[2]
        else:
            pics = [self._local_picture(n, t) if node.tracker is not None
                    else Picture.empty(t)]
            # the latest remote reports, predicted to t in the correlation (one call)
            pics += [node.remote[j] if j in node.remote else Picture.empty(t)
                     for j in range(len(node.model.tracks))]
            if observe and node.operational:
                pic = correlate_pictures(node.correlator.copy(), pics, t, self.cv)
            else:
                pic = correlate_pictures(node.correlator, pics, t, self.cv)
                node.picture_cache = (t, node.version, pic)
        if exclude_origin is not None and len(pic):
            pic = pic.take(np.flatnonzero(pic.origin != exclude_origin))
        return pic

    def _local_picture(self, n: int, t: float) -> Picture:
        """Node ``n``'s own confirmed tracks at ``t`` (:func:`.nodes.local_picture`), kept for
        the instant: its tracker changes only with the node's ``version`` (plots processed,
        switched), so the reports to several links and the node's own picture share one."""
        node = self.nodes[n]
        c = node.local_cache
        if c is not None and c[0] == t and c[1] == node.version:
            return c[2]
        pic = local_picture(node.tracker, n, t)
        node.local_cache = (t, node.version, pic)
        return pic

    def _send_tracks(self, eng, t, payload):
        """A node reports the tracks it formed itself (reporting responsibility: received
        tracks are not sent on, so no track circulates between nodes after its source lost
        it); a node without a tracker of its own relays what it received, less the
        receiver's own tracks."""
        n, j = payload
        tin = self.nodes[n].model.tracks[j]
        src = self.nodes[tin.source]
        if not src.on:
            return
        if src.tracker is not None:
            pic = self._local_picture(tin.source, t)
        else:
            pic = self.picture(tin.source, t, exclude_origin=n)
        eng.schedule(t + tin.latency_s, Priority.MESSAGE, self._deliver_tracks, (n, j, pic))

    def _deliver_tracks(self, eng, t, payload):
        n, j, pic = payload
        node = self.nodes[n]
        if node.on and (j not in node.remote or pic.time_s >= node.remote[j].time_s):
            node.remote[j] = pic  # the latest report of each link (a late one is dropped)
            node.version += 1

    # ---- sampling ------------------------------------------------------------------------

    def _replies(self, node, t):
        """What the node's interrogators read from every object and the (object, flight plan)
        pairs whose identifiers match (:func:`iads.identification.plan_pairs`), fixed between
        ``iff_alter`` events, so computed once per node and epoch."""
        k = int(np.searchsorted(self.iff_times, t, side="right"))
        key = (node.model.index, k)
        if key not in self.intr_cache:
            intrs = interrogators_from_scenario(self.w.scenario, self.w.catalog,
                                                time_s=t if k else None)
            intrs = [i for i in intrs if i.id in node.model.units]
            replies = interrogate(self.w.objects, intrs)
            self.intr_cache[key] = (replies,
                                    plan_pairs(self.w.objects, replies, self.w.flight_plans))
        return self.intr_cache[key]

    def identify(self, node, t, seen, lat_deg, lon_deg, speed_mps, climb_mps,
                 speed_sigma_mps=None, climb_sigma_mps=None):
        """Identities (int8, (N,)) of all objects in node's picture at ``t`` (speeds with their
        standard deviations from the tracks: kinematic flags need significant evidence).

        The stages of :func:`iads.identification.identify` (interrogation, flight-plan
        correlation, behaviour, decision list), with the interrogation cached per ``iff_alter``
        epoch and correlation asked only for the objects seen (the others are pending whatever
        they answer: the epoch's matching pairs of the objects seen); equal to ``identify`` on
        the same inputs (tested).
        """
        replies, (pi, pj) = self._replies(node, t)
        keep = seen[pi]
        correlated = correlate_pairs(len(self.w.objects), self.w.flight_plans, pi[keep],
                                     pj[keep], lat_deg, lon_deg)
        beh = behaviour_flags(speed_mps, climb_mps, rules=self.s.rules,
                              speed_sigma_mps=speed_sigma_mps,
                              climb_sigma_mps=climb_sigma_mps)
        return assign_identity(seen=seen, falsified=replies.falsified,
                               authenticated=replies.authenticated, ballistic=beh.ballistic,
                               correlated=correlated, fast=beh.fast,
                               hostile_origin=beh.hostile_origin, code_match=replies.code_match,
                               replied=replies.replied, rules=self.s.rules)

    def _area_gospa(self, n, pos, h, alive, pic):
        """GOSPA of node ``n``'s picture over its fire units' engagement envelopes: every
        object alive inside them (whether a radar can see it or not) against the tracks
        placed inside them; the same truth whatever the arrangement. (distance [m], truth,
        tracks, missed, false); NaN and zeros for a node without fire units."""
        fus = [fu for f, fu in enumerate(self.w.fire_units) if self.fu_node[f] == n]
        if not fus:
            return (np.nan, 0, 0, 0, 0)
        K = len(pic)
        th = geodetic_of(pic.x[:, :3])[2] if K else np.zeros(0)
        obj = np.zeros(len(pos), bool)
        trk = np.zeros(K, bool)
        for fu in fus:
            env = (fu.ecef, fu.range_min_m, fu.range_max_m, fu.altitude_min_m,
                   fu.altitude_max_m)
            obj |= inside_envelope(pos, h, *env)
            trk |= inside_envelope(pic.x[:, :3], th, *env)
        g = gospa(pos[obj & alive], pic.x[trk, :3], self.s.gospa_c_m, self.s.gospa_p)
        return (g.distance, int((obj & alive).sum()), int(trk.sum()), g.n_missed, g.n_false)

    def _sample(self, eng, t, payload):
        w, s = self.w, self.s
        if self.progress is not None:
            self.progress(f"t = {t:,.0f} s", t / w.duration_s)
        N = len(w.paths)
        if N:
            pos, vel = positions(w.paths, t)
            alive = active(w.paths, t) & (t < w.destroyed_at)
            lat, lon, h = geodetic_of(pos)
        else:
            pos = np.zeros((0, 3))
            alive = np.zeros(0, bool)
            lat = lon = h = np.zeros(0)
        window = np.array([s.detectable_revisits * rm.revisit_s for rm in w.radars])
        ident_by_node = {}
        for node in self.nodes:
            n = node.model.index
            if not node.model.reported:
                continue
            pic = self.picture(n, t, observe=True)
            K = len(pic)
            f = pic.follows
            ok = f >= 0
            dist = np.full(K, np.inf)
            if ok.any():
                fo = f[ok]
                dist[ok] = np.linalg.norm(pic.x[ok, :3] - pos[fo], axis=1)
                ok[ok] = alive[fo] & (dist[ok] <= s.tracker.follow_gate_m)
            fv = np.where(ok, f, -1)
            track_of = np.full(N, -1, np.int64)
            row_of = np.full(N, -1, np.int64)
            idx = np.flatnonzero(ok)
            if idx.size:
                # several tracks on one object: the one that followed it at the last sample,
                # else the closest (written last)
                prev = node.last_track_of
                keep_prev = prev[fv[idx]] == pic.track_id[idx]
                o = idx[np.lexsort((-dist[idx], keep_prev))]
                track_of[fv[o]] = pic.track_id[o]
                row_of[fv[o]] = o
            node.last_track_of = track_of
            seen = track_of >= 0
            radars = list(node.model.radars)
            if radars and N:
                det = (self.last_good[radars] >= t - window[radars][:, None]).any(axis=0)
            else:
                det = np.zeros(N, bool)
            pop = (alive & det) | seen
            g = gospa(pos[pop], pic.x[:, :3], s.gospa_c_m, s.gospa_p)
            self.gospa_rows.append((t, n, g.distance, g.localisation, g.missed, g.false,
                                    int(pop.sum()), K, g.n_missed, g.n_false,
                                    *self._area_gospa(n, pos, h, alive, pic)))
            node.first_seen[seen] = np.minimum(node.first_seen[seen], t)
            identity = np.zeros(N, np.int8)
            if pop.any():
                tlat, tlon, th = lat.copy(), lon.copy(), h.copy()
                sp = np.zeros(N)
                cl = np.zeros(N)
                sd = np.zeros(N)
                cd = np.zeros(N)
                rows = row_of[seen]
                if rows.size:
                    (tlat[seen], tlon[seen], th[seen], sp[seen], cl[seen], sd[seen],
                     cd[seen]) = pic.kinematics(rows)
                identity = self.identify(node, t, seen, tlat, tlon, sp, cl, sd, cd)
                sel = np.flatnonzero(pop)
                self.ident_parts.append(dict(
                    time_s=np.full(sel.size, t), node=np.full(sel.size, n, np.int64),
                    object=sel.astype(np.int64), truth=w.truth[sel].astype(np.int8),
                    identity=identity[sel].astype(np.int8), tracked=seen[sel],
                    track_id=track_of[sel]))
            ident_by_node[n] = (identity, pop)
            if s.keep_tracks and K:
                plat, plon, ph = geodetic_of(pic.x[:, :3])
                hd, climb, gs = heading_of(pic.x[:, :3], pic.x[:, 3:])
                self.track_parts.append(dict(
                    time_s=np.full(K, t), node=np.full(K, n, np.int64), track_id=pic.track_id,
                    origin=pic.origin, follows=fv, lat_deg=plat, lon_deg=plon, height_m=ph,
                    speed_mps=gs, climb_mps=gs * np.tan(climb), heading_deg=np.degrees(hd),
                    sigma_pos_m=np.sqrt(np.trace(pic.P[:, :3, :3], axis1=1, axis2=2))))
        # fire units: civil, allied and own aircraft inside the envelope
        for f, fu in enumerate(w.fire_units):
            if not N:
                break
            inside = alive & inside_envelope(pos, h, fu.ecef, fu.range_min_m, fu.range_max_m,
                                             fu.altitude_min_m, fu.altitude_max_m)
            inside &= w.truth <= 2  # own, allied, civil
            sel = np.flatnonzero(inside)
            if not sel.size:
                continue
            n = self.fu_node[f]
            ident = (ident_by_node[n][0][sel] if n in ident_by_node
                     else np.zeros(sel.size, np.int8))
            self.eng_parts.append(dict(
                time_s=np.full(sel.size, t), fire_unit=np.full(sel.size, f, np.int64),
                node=np.full(sel.size, n, np.int64), object=sel.astype(np.int64),
                truth=w.truth[sel].astype(np.int8), identity=ident.astype(np.int8)))


_R_MIN = 6_335_439.0  # smallest radius of curvature of the WGS-84 ellipsoid [m]
_E2 = 6.69437999014e-3  # WGS-84 first eccentricity squared [-]


def vertical_speed_bound(paths) -> np.ndarray:
    """A bound on each object's vertical speed over its path (N,) [m/s]: the largest radial
    component of its segments' velocities, plus the turn of the vertical along a chord (a
    chord of at most 7.1 km leans by 1/1,800 rad: 0.1 % of the speed, doubled)."""
    if paths.t0.shape[0] == 0:
        return np.zeros(len(paths))
    up = np.abs(np.einsum("ij,ij->i", paths.v, paths.p0)) / np.linalg.norm(paths.p0, axis=1)
    up = np.where(paths.arc >= 0, 0.0, up)  # orbits keep their height
    per = np.maximum.reduceat(up, paths.offsets[:-1])
    return per + 2e-3 * paths.speed_max


def objects_in_reach(paths, pos_ecef, height_m, t_ref: float, view, t_start: float,
                     t_end: float, destroyed_at=None, climb_mps=None) -> np.ndarray:
    """Objects a radar may look at in [t_start, t_end), from their positions at ``t_ref``.

    Kept: objects on their path and not destroyed in the window, within the instrumented
    range, above the smooth effective-earth radio horizon and inside the azimuth sector — each
    test grown by how far the object (and the radar) can move between ``t_ref`` and the window
    (their largest speeds). The others cannot be visible in the window (``in_range``, line of
    sight — terrain hides more than the smooth effective earth, never less — or ``in_sector``
    would be false), so scanning only these gives the same visible looks (tested).

    Parameters
    ----------
    paths
        All objects' :class:`~iads.kinematics.Paths`.
    pos_ecef, height_m
        Their ECEF positions (N, 3) [m] and heights (N,) [m] at ``t_ref`` [s].
    view
        The radar's :class:`~iads.simulation.nodes.RadarView`.
    destroyed_at
        Time each object is destroyed (N,) [s] (None: never).
    climb_mps
        Largest vertical speed of each object (N,) [m/s] (:func:`vertical_speed_bound`);
        with it and the radar's terrain mask, objects that stay below the terrain's minimum
        visible height around them during the window are dropped too.

    Returns
    -------
    numpy.ndarray
        Object rows, sorted.
    """
    P = paths
    placed = view.radar
    alive = (P.t_begin <= t_end) & (P.t_end >= t_start)
    if destroyed_at is not None:
        alive &= np.asarray(destroyed_at) > t_start
    tm = 0.5 * (t_start + t_end)
    rp, rows = view.frame(tm)
    dt = max(abs(t_start - t_ref), abs(t_end - t_ref))
    r_move = placed.platform.speed_max[0] * (0.5 * (t_end - t_start))
    floor = view.mask_floor() if climb_mps is not None else None
    if floor is not None:
        g = view.mask.grid
        fl, half, n, cell = floor, g.half_cells, g.n, g.cell_m
        near = view.FLOOR_CELLS * cell - cell * np.sqrt(2.0) - 10.0
        lat1 = view.lat_deg
        climb = np.asarray(climb_mps, float)
    else:
        fl, half, n, cell, near, lat1 = np.full((1, 1), np.inf), 0, 0, 1.0, -1.0, 0.0
        climb = np.zeros(len(P))
    keep = _reach_kernel(np.ascontiguousarray(pos_ecef), np.asarray(height_m, float),
                         P.speed_max, climb, alive, np.ascontiguousarray(rp),
                         np.ascontiguousarray(rows), float(dt), float(r_move),
                         float(placed.max_range_m), float(placed.k_factor * 6_378_137.0),
                         view.height_m(tm),
                         float(placed.sector_rad),
                         float(placed.boresight_rad), fl, int(half), int(n), float(cell),
                         float(near), float(lat1))
    return np.flatnonzero(keep)


@njit(cache=True)
def _reach_kernel(pos, height, speed_max, climb, alive, rp, rows, dt, r_move, max_range, ka,
                  h_radar, sector, boresight, floor, half, n, cell, near, lat1_deg):
    """The tests of :func:`objects_in_reach`, one pass over the objects."""
    out = np.zeros(pos.shape[0], np.bool_)
    rpn = math.sqrt(rp[0] * rp[0] + rp[1] * rp[1] + rp[2] * rp[2])
    h1 = max(h_radar, 0.0) + r_move
    t1 = math.acos(ka / (ka + h1))
    two_pi = 2.0 * math.pi
    s_ = math.sin(math.radians(lat1_deg))
    w2 = 1.0 - _E2 * s_ * s_
    n_rad = 6_378_137.0 / math.sqrt(w2)
    m_rad = 6_378_137.0 * (1.0 - _E2) / (w2 * math.sqrt(w2))
    for i in range(pos.shape[0]):
        if not alive[i]:
            continue
        move = speed_max[i] * dt + r_move + 1.0
        dx = pos[i, 0] - rp[0]
        dy = pos[i, 1] - rp[1]
        dz = pos[i, 2] - rp[2]
        e = rows[0, 0] * dx + rows[0, 1] * dy + rows[0, 2] * dz
        nn = rows[1, 0] * dx + rows[1, 1] * dy + rows[1, 2] * dz
        u = rows[2, 0] * dx + rows[2, 1] * dy + rows[2, 2] * dz
        if math.sqrt(e * e + nn * nn + u * u) > max_range + move:
            continue
        # radio horizon on the effective earth (radius ka): the ground distance between the
        # two ends is at most ka times the sum of their tangent angles acos(ka / (ka + h));
        # the true ground distance is at least R_min times the central angle between them
        h2 = max(height[i] + move, 0.0)
        horizon = ka * (t1 + math.acos(ka / (ka + h2)))
        pn = math.sqrt(pos[i, 0] ** 2 + pos[i, 1] ** 2 + pos[i, 2] ** 2)
        c = (pos[i, 0] * rp[0] + pos[i, 1] * rp[1] + pos[i, 2] * rp[2]) / (pn * rpn)
        ground = _R_MIN * math.acos(min(1.0, max(-1.0, c))) - move
        if ground > 1.001 * horizon + 1.0:
            continue
        hor = math.sqrt(e * e + nn * nn)
        az = 0.0
        if sector < two_pi - 1e-9 or (n > 0 and move <= near):
            az = math.atan2(e, nn)
        if sector < two_pi - 1e-9:
            off = abs((az - boresight + math.pi) % two_pi - math.pi)
            ang = math.asin(min(move / hor, 1.0)) if hor > move else math.pi
            if off > 0.5 * sector + ang + 1e-6:
                continue
        if n > 0 and move <= near:
            # terrain: below the lowest minimum visible height of every cell the object can
            # reach in the window (its cell's neighbourhood), it is never seen
            ca = math.cos(az)
            sa = math.sin(az)
            r_alpha = 1.0 / (ca * ca / m_rad + sa * sa / n_rad)
            d = r_alpha * math.atan2(hor, u + r_alpha + h_radar)
            col = int(math.floor(d * sa / cell + 0.5)) + half
            row = half - int(math.floor(d * ca / cell + 0.5))
            low = math.inf
            if 0 <= row < n and 0 <= col < n:
                low = floor[row, col]
            if height[i] + climb[i] * dt + 1.0 < low:
                continue
        out[i] = True
    return out


def run_world(world: World, settings: SimulationSettings | None = None,
              progress: Callable[[str, float], None] | None = None):
    """Run a built world; returns the :class:`~iads.simulation.results.SimulationResult`."""
    from .results import collect

    s = settings or SimulationSettings()
    t0 = _time.perf_counter()
    # kills cut paths during the run: each run works on its own copy of the destruction times
    world = replace(world, destroyed_at=world.destroyed_at.copy())
    run = _Run(world, s, progress)
    run.schedule()
    run.eng.run(until=world.duration_s)
    wall = _time.perf_counter() - t0
    return collect(run, wall)


def simulate(scenario, seed: int | None = None, *, duration_s: float | None = None,
             catalog=None, progress: Callable[[str, float], None] | None = None,
             settings: SimulationSettings | None = None):
    """Simulate a scenario: radars, networks, air pictures, identification, metrics.

    Parameters
    ----------
    scenario
        A loaded :class:`iads.scenario.Scenario` or the path of a scenario file.
    seed
        Root seed (the scenario's ``run.seed`` by default).
    duration_s
        Simulated time [s] (the scenario's ``run.duration_s`` by default).
    catalog
        The catalog (the shipped one by default).
    progress
        ``progress(message, fraction)`` called at every metric sample.
    settings
        :class:`SimulationSettings`.

    Returns
    -------
    iads.simulation.results.SimulationResult

    Raises
    ------
    iads.errors.ScenarioError
        What the scenario asks that the simulation cannot do, with the field path.
    """
    if not hasattr(scenario, "systems"):
        from ..scenario import load_scenario

        scenario = load_scenario(scenario, catalog=catalog)
    s = settings or SimulationSettings()
    t0 = _time.perf_counter()
    world = build_world(scenario, catalog, seed, duration_s, terrain=s.terrain,
                        terrain_cell_m=s.terrain_cell_m)
    build_s = _time.perf_counter() - t0
    res = run_world(world, s, progress)
    return res.with_build_time(build_s)
