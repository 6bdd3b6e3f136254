"""The kill chain on the simulation's event heap: fire-control cycles, launches, flyouts,
intercepts, impacts, unit switches and unauthorised engagements.

:class:`EngagementLoop` is attached to a running :class:`iads.simulation.run._Run` and adds
these events (priorities of :class:`iads.engine.Priority`):

====================  ==========  ==============================================================
event                 priority    what it does
====================  ==========  ==============================================================
fire-control cycle    DECISION    every ``cycle_s`` per system: its node's picture (confirmed
                                  tracks, identities from :meth:`_Run.identify`; duplicate
                                  tracks of one object offered once, none while one is
                                  engaged), ROE, threat evaluation, launch feasibility per
                                  fire unit and missile (envelope, engagement radar coverage
                                  and terrain line of sight to the predicted intercept point),
                                  one round per ready launcher (catalog launch interval),
                                  weapon–target assignment (:func:`iads.assignment.
                                  assign_weapons` with the fire-unit channel caps; the system
                                  caps bound the targets and weapons offered), launches
interceptor end       SCENARIO    at the end of each flyout: kill (the target's path is cut for
                                  every radar), miss or self-destruct; channels released
threat impact         SCENARIO    a raid threat not killed reaches its aim point: assets and
                                  components within reach are hit (a radar stops, a command
                                  post's picture stops, a launcher group is gone)
reload                SCENARIO    an empty launcher refilled from its fire unit's reserve
unit switch / order   SCENARIO    disable/enable/destroy of a system, fire unit or launcher
                                  group; ``engage_unauthorised`` orders
record                METRIC      channels and magazines per fire unit every ``sample_s``
====================  ==========  ==============================================================

Flyouts (:func:`iads.flyout.flyout`) are flown, batched, at the launch: the target paths are
known, and a kill only ends a path, so the outcome is decided at the interceptor's end event
(its target already destroyed → self-destruct; its engagement radar off or destroyed during a
radar-guided flight → self-destruct, ``guidance_lost``). Launches are flown in batches: a
launch's flyout waits until half its predicted time of flight (no interceptor can end sooner),
and every launch pending then flies together (per-missile launch times). Launch direction and
target choice come from the track; in flight, guidance follows the object the track follows,
seen through the engagement radar's track errors and then the seeker's
(:class:`iads.flyout.GuidanceErrors`, ``track_errors``); a track following nothing (a false
track) sends its missiles to self-destruct at their
time-out. The kill is drawn from
``component_rng(seed, "interceptor", launcher_id, n)`` (n the launcher's shot count).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..assignment import Limits, assign_weapons
from ..engine import Priority
from ..flyout import (
    KILL,
    MISS,
    SELF_DESTRUCT,
    GuidanceErrors,
    flyout,
    interceptor_params,
    launch_direction,
    target_from_paths,
)
from ..flyout import REASONS as FLYOUT_REASONS
from ..identification import Identity, assign_identity, behaviour_flags
from ..kinematics import geodetic_of
from ..rng import component_rng
from .fire_control import (
    DUPLICATE_GATE,
    FireUnitState,
    Launcher,
    channels_free,
    duplicate_groups,
    intercept_point,
    launch_feasible,
    line_of_sight,
    offer_once,
    radar_coverage,
    roe_permits,
)
from .reach import ground_and_height, reach_table
from .threat_evaluation import threat_values, time_to_points

__all__ = ["FireControlSettings", "EngagementLoop", "REASONS"]

#: End reasons of an interceptor: the flyout's, then guidance lost and no target (false track).
REASONS = (*FLYOUT_REASONS, "guidance_lost", "no_target")
_GUIDANCE_LOST, _NO_TARGET = len(FLYOUT_REASONS), len(FLYOUT_REASONS) + 1
_GONE = FLYOUT_REASONS.index("target_gone")


@dataclass(frozen=True)
class FireControlSettings:
    """Fire-control assumptions (stated; vary them).

    Attributes
    ----------
    enabled
        Run the kill chain (False: air picture only).
    cycle_s
        Fire-control cycle per system [s] (assumption 4 s: the picture is fused and the
        assignment solved this often; launches still wait for ``launch_interval_s``).
    launch_interval_s
        Time between two launches of one launcher [s] when its catalog type gives none
        (assumption 3 s; 1-5).
    mean_speed_fraction
        Mean speed over the flight / catalog top speed, for the predicted intercept point
        (assumption 0.6; 0.5-0.8).
    min_elevation_deg
        Lowest launch elevation [°] (assumption 10°: canisters launch steeply).
    flyout_dt_s, flyout_refine
        Flyout step [s] and its divisor near the closest approach (0.1 s, a 10 Hz guidance
        rate, and 100: a 1 ms fine step over the last 0.3 s).
    track_errors
        Guide interceptors on the engagement radar's track and then the seeker's, with their
        errors (:class:`iads.flyout.GuidanceErrors`: the radar's catalog σ; seeker and
        filter times the stated assumptions); False: on the truth (exact guidance).
    assess_s
        Kill assessment: a track is engaged again only this long after its last interceptor
        ended [s] (the "look" of shoot-look-shoot; assumption 10 s, a few revisits); a track
        whose target was killed is never engaged again. An interceptor fired at a false
        track self-destructs this long after its predicted intercept time.
    threat_radius_m
        A track passing within this of a defended asset threatens it [m] (assumption 5 km).
    base_value
        WTA value of a track threatening no asset (assets add their values).
    duplicate_gate
        χ² gate under which two tracks are one target
        (:func:`iads.engagement.fire_control.duplicate_groups`; 16.8: 6 degrees of freedom,
        99 %).
    """

    enabled: bool = True
    cycle_s: float = 4.0
    launch_interval_s: float = 3.0
    mean_speed_fraction: float = 0.6
    min_elevation_deg: float = 10.0
    flyout_dt_s: float = 0.1
    flyout_refine: int = 100
    track_errors: bool = True
    assess_s: float = 10.0
    threat_radius_m: float = 5_000.0
    duplicate_gate: float = DUPLICATE_GATE
    base_value: float = 1.0

    def __post_init__(self):
        if not self.cycle_s > 0:
            raise ValueError(f"cycle_s must be > 0, got {self.cycle_s}")


class _System:
    def __init__(self, model, node: int, units: list[FireUnitState], cued: list[bool]):
        self.model = model
        self.node = node
        self.units = units
        self.cued = cued
        self.enabled = True
        self.first_launch = math.inf
        self.last_end: dict[int, float] = {}  # track id -> time its last interceptor ended
        self.killed: set[int] = set()  # tracks seen killed (never engaged again)


class EngagementLoop:
    """Fire control of every system of a run (see the module docstring)."""

    def __init__(self, run):
        self.run = run
        w = run.w
        self.w = w
        self.s: FireControlSettings = getattr(run.s, "fire_control", FireControlSettings())
        self.cat = w.catalog
        self.systems: list[_System] = []
        for sm in w.fire_control:
            k = run.system_node(sm.id, [f.id for f in sm.fire_units])
            units = []
            cued = []
            for f in sm.fire_units:
                lcs = [Launcher(id=lm.id, group=lm.group, pos=lm.pos, rounds=dict(lm.load),
                                capacity=dict(lm.load), reload_s=lm.reload_s,
                                launch_interval_s=(lm.launch_interval_s
                                                   if lm.launch_interval_s is not None
                                                   else self.s.launch_interval_s))
                       for lm in f.launchers]
                units.append(FireUnitState(id=f.id, system=sm.id, radar_index=f.radar_index,
                                           launchers=lcs, reserve=dict(f.reserve),
                                           max_targets=f.max_targets,
                                           max_missiles=f.max_missiles))
                radars = set(run.nodes[k].model.radars) if k >= 0 else set()
                cued.append(bool(radars - {f.radar_index}))
            self.systems.append(_System(sm, k, units, cued))
        self.off: set[str] = set()
        self.destroyed: dict[str, float] = {}
        self.orders: list[list] = []  # [unit, rows(set), actor]
        self.records: list[dict] = []
        self.usage: list[tuple] = []
        self.impacts: list[tuple] = []
        self.shots: dict[str, int] = {}
        self.truth_fn = target_from_paths(w.paths) if len(w.paths) else None
        self.params = {}
        self.reach = {}
        self.extent = {}
        self.pending: list[tuple] = []
        self.flush_at = math.inf
        self.n_flush = 0
        self.assets = [p for p in w.points if p.kind == "asset"]
        self.n_cycles = 0
        self.interceptor_steps = 0

    # ---- scheduling ---------------------------------------------------------------------

    def schedule(self) -> None:
        eng, w, s = self.run.eng, self.w, self.s
        if not s.enabled:
            return
        for k, sy in enumerate(self.systems):
            if sy.node >= 0 and w.duration_s > s.cycle_s:
                eng.schedule(s.cycle_s, Priority.DECISION, self._cycle, (k, 1))
        th = w.threats
        if th is not None:
            for j in range(th.rows.size):
                if th.t_impact[j] <= w.duration_s:
                    eng.schedule(float(th.t_impact[j]), Priority.SCENARIO, self._impact, j)
        for t, unit, kind in w.unit_switches:
            eng.schedule(t, Priority.SCENARIO, self._switch, (unit, kind))
        for t, unit, rows, actor in w.orders:
            eng.schedule(t, Priority.SCENARIO, self._order, (unit, rows, actor))
        from ..simulation.network import send_times

        for t in send_times(self.run.s.sample_s, w.duration_s):
            eng.schedule(float(t), Priority.METRIC, self._record, None)

    # ---- unit state ---------------------------------------------------------------------

    def _switch(self, eng, t, payload):
        """disable / enable / destroy of a system, fire unit or part (destroy is final and
        destroys every component under the unit)."""
        unit, kind = payload
        if unit in self.destroyed:
            return
        if kind == "enable":
            self.off.discard(unit)
            return
        self.off.add(unit)
        if kind != "destroy":
            return
        under = {unit}
        for sy in self.systems:
            if sy.model.id == unit:
                under |= set(sy.model.parts)
            for f in sy.model.fire_units:
                if f.id == unit:
                    under |= {self.w.radars[f.radar_index].id, *(lm.group for lm in f.launchers)}
        for pt in self.w.points:
            if pt.kind != "asset" and pt.id in under:
                self._destroy_component(eng, t, pt.id, pt.kind)
        self.destroyed.setdefault(unit, t)

    def _order(self, eng, t, payload):
        unit, rows, actor = payload
        self.orders.append([unit, set(rows), actor])

    def _radar_up(self, r: int, t: float) -> bool:
        state = True
        for ts, on in self.run.switches[r]:
            if ts <= t:
                state = on
        return state

    def _radar_kept(self, r: int, t0: float, t1: float) -> bool:
        """The radar radiated through all of [t0, t1]."""
        from ..simulation.network import on_intervals

        iv = on_intervals(self.run.switches[r], t0, t1)
        return len(iv) == 1 and iv[0][0] <= t0 and iv[0][1] >= t1

    def _destroy_component(self, eng, t, cid: str, kind: str):
        if cid in self.destroyed:
            return
        self.destroyed[cid] = t
        run = self.run
        if kind == "radar":
            r = self.w.radar_index(cid)
            sw = [(ts, on) for ts, on in run.switches[r] if ts < t]
            sw.append((t, False))
            run.switches[r] = sw
        elif kind == "command_post":
            for n in run.nodes:
                if n.model.id == cid:
                    run._switch_node(eng, t, (n.model.index, False))
        elif kind == "launcher":
            for sy in self.systems:
                for u in sy.units:
                    for lc in u.launchers:
                        if lc.group == cid:
                            lc.alive = False

    # ---- impacts ------------------------------------------------------------------------

    def _impact(self, eng, t, j):
        w = self.w
        th = w.threats
        row = int(th.rows[j])
        if w.destroyed_at[row] <= t:
            return
        p = th.impact_ecef[j]
        hits = []
        for pt in w.points:
            if np.linalg.norm(pt.ecef - p) <= pt.radius_m:
                hits.append(pt.id)
                if pt.kind != "asset":
                    self._destroy_component(eng, t, pt.id, pt.kind)
        self.impacts.append((t, row, th.aim[j], tuple(hits)))

    # ---- reload and records -------------------------------------------------------------

    def _reload(self, eng, t, payload):
        u, lc = payload
        lc.reloading = False
        if not lc.alive:
            return
        for m, cap in lc.capacity.items():
            need = cap - lc.rounds.get(m, 0)
            take = min(need, u.reserve.get(m, 0))
            if take > 0:
                lc.rounds[m] = lc.rounds.get(m, 0) + take
                u.reserve[m] -= take
        lc.ready_at = max(lc.ready_at, t)

    def _record(self, eng, t, payload):
        for sy in self.systems:
            for u in sy.units:
                self.usage.append((t, sy.model.id, u.id, u.targets_engaged(),
                                   u.missiles_guided(), u.ready_rounds(),
                                   int(sum(u.reserve.values()))))

    # ---- fire control -------------------------------------------------------------------

    def _reach(self, m: str):
        if m not in self.reach:
            mm = self.cat.missiles[m]
            self.reach[m] = reach_table(self._params(m), mm.range_max_km.value * 1e3,
                                        mm.altitude_max_km.value * 1e3,
                                        self.s.min_elevation_deg)
        return self.reach[m]

    def _extent(self, sm):
        """Longest ground range [m] and time of flight [s] of system ``sm``'s envelopes (its
        reach tables, fixed: computed once per system)."""
        if sm.id not in self.extent:
            tables = [self._reach(m) for m in sm.envelopes]
            self.extent[sm.id] = (
                max(float(tb.range_m[np.isfinite(tb.tof_s).any(axis=1)].max(initial=0.0))
                    for tb in tables),
                max(float(tb.tof_s[np.isfinite(tb.tof_s)].max(initial=0.0)) for tb in tables))
        return self.extent[sm.id]

    def _params(self, m: str):
        if m not in self.params:
            self.params[m] = interceptor_params(self.cat.missiles[m])
        return self.params[m]

    def _identities(self, node, t, pic):
        """Identity of each track (K,): the picture's identification of the object it
        follows; behaviour only for a track following nothing."""
        run, w = self.run, self.w
        N = len(w.paths)
        tlat, tlon, _, gs, cl, sig, csig = pic.kinematics()
        f = pic.follows
        ok = f >= 0
        out = np.full(len(pic), int(Identity.UNKNOWN), np.int8)
        if ok.any():
            seen = np.zeros(N, bool)
            seen[f[ok]] = True
            lat = np.zeros(N)
            lon = np.zeros(N)
            sp = np.zeros(N)
            cln = np.zeros(N)
            sd = np.zeros(N)
            cd = np.zeros(N)
            lat[f[ok]], lon[f[ok]] = tlat[ok], tlon[ok]
            sp[f[ok]], cln[f[ok]] = gs[ok], cl[ok]
            sd[f[ok]], cd[f[ok]] = sig[ok], csig[ok]
            ident = run.identify(node, t, seen, lat, lon, sp, cln, sd, cd)
            out[ok] = ident[f[ok]]
        if (~ok).any():
            beh = behaviour_flags(gs[~ok], cl[~ok], rules=run.s.rules, speed_sigma_mps=sig[~ok],
                                  climb_sigma_mps=csig[~ok])
            z = np.zeros((~ok).sum(), bool)
            out[~ok] = assign_identity(seen=~z, falsified=z, authenticated=z,
                                       ballistic=beh.ballistic, correlated=z, fast=beh.fast,
                                       hostile_origin=beh.hostile_origin, code_match=z,
                                       replied=z, rules=run.s.rules)
        # the envelope's ballistic range limit goes with the estimate (the best guess of
        # what the target is), identity with significant evidence
        ballistic = behaviour_flags(gs, cl, rules=run.s.rules).ballistic
        return out, np.asarray(ballistic, bool)

    def _cycle(self, eng, t, payload):
        k, n_cycle = payload
        if t + self.s.cycle_s <= self.w.duration_s:
            eng.schedule(t + self.s.cycle_s, Priority.DECISION, self._cycle, (k, n_cycle + 1))
        sy = self.systems[k]
        sm = sy.model
        if sm.id in self.off or sm.id in self.destroyed:
            return
        node = self.run.nodes[sy.node]
        if not node.on:
            return
        self.n_cycles += 1
        ft, fm, sys_t, sys_m = channels_free(sy.units, sm.max_targets, sm.max_missiles)
        if sys_t <= 0 or sys_m <= 0:
            return
        # weapons offered: one round of the preferred missile per ready launcher
        weapons = []  # (unit index, launcher, missile)
        for ui, u in enumerate(sy.units):
            if u.id in self.off or fm[ui] <= 0:
                continue
            n_u = 0
            for lc in u.launchers:
                if (not lc.alive or lc.reloading or lc.ready_at > t or lc.group in self.off
                        or n_u >= fm[ui]):
                    continue
                m = next((m for m in sm.weapons if lc.rounds.get(m, 0) > 0), None)
                if m is None:
                    continue
                weapons.append((ui, lc, m))
                n_u += 1
        if not weapons:
            return
        pic = self.run.picture(sy.node, t)
        if not len(pic):
            return
        pos, vel = pic.x[:, :3], pic.x[:, 3:6]
        # reach prefilter: a track the longest envelope cannot reach before time-out
        reach, tmax = self._extent(sm)
        centre = weapons[0][1].pos
        dist = np.linalg.norm(pos - centre, axis=1)
        near = dist <= reach + np.linalg.norm(vel, axis=1) * tmax
        engaged = set()
        for u in sy.units:
            engaged |= {tid for tid, c in u.in_flight.items() if c > 0}
        engaged |= {tid for tid, te in sy.last_end.items() if t - te < self.s.assess_s}
        engaged |= sy.killed
        # duplicate tracks are one target: engaged if any is, else offered once (the best)
        near = offer_once(duplicate_groups(pic.x, pic.P, self.s.duplicate_gate),
                          np.isin(pic.track_id, list(engaged)), near,
                          np.trace(pic.P[:, :3, :3], axis1=1, axis2=2))
        if not near.any():
            return
        pic = pic.take(np.flatnonzero(near))
        pos, vel = pic.x[:, :3], pic.x[:, 3:6]
        ident, ballistic = self._identities(node, t, pic)
        permit = roe_permits(ident, sm.roe)
        # unauthorised orders on this system's units: the tracks following their objects
        forced_units: dict[int, set[int]] = {}
        for unit, rows, _actor in self.orders:
            if unit == sm.id:
                uis = set(range(len(sy.units)))
            else:
                uis = {i for i, u in enumerate(sy.units) if u.id == unit}
            if not uis:
                continue
            hit = np.flatnonzero(np.isin(pic.follows, list(rows)))
            for kk in hit:
                forced_units.setdefault(int(kk), set()).update(uis)
        forced = np.zeros(len(pic), bool)
        forced[list(forced_units)] = True
        cand = permit | forced
        if not cand.any():
            return
        sel = np.flatnonzero(cand)
        pic = pic.take(sel)
        pos, vel, ident, ballistic = pos[sel], vel[sel], ident[sel], ballistic[sel]
        permit, forced = permit[sel], forced[sel]
        forced_units = {int(np.searchsorted(sel, kk)): v for kk, v in forced_units.items()}
        T = len(pic)
        # threat evaluation
        own = [a for a in self.assets]
        if own:
            tgo, _ = time_to_points(pos, vel, np.array([a.ecef for a in own]),
                                    np.full(len(own), self.s.threat_radius_m))
            value = threat_values(tgo, [a.value for a in own], self.s.base_value)
            urgency = tgo.min(axis=1)
        else:
            value = np.full(T, self.s.base_value)
            urgency = np.full(T, np.inf)
        value = np.where(forced & ~permit, value + 1e3, value)
        # feasibility per (unit, missile) and track
        feas: dict[tuple[int, str], np.ndarray] = {}
        taus: dict[tuple[int, str], np.ndarray] = {}
        radars = self.w.radars
        for ui, lc, m in weapons:
            key = (ui, m)
            if key in feas:
                continue
            u = sy.units[ui]
            env = sm.envelopes[m]
            tau, ip = intercept_point(lc.pos, pos, vel, env.mean_speed_mps)
            table = self._reach(m)
            for _ in range(2):  # the flyout's own time of flight at the predicted point
                g, h = ground_and_height(lc.pos, ip)
                tau = table.time_of_flight(g, h)
                ip = pos + vel * np.where(np.isfinite(tau), tau, 0.0)[:, None]
            g, h = ground_and_height(lc.pos, ip)
            tau = table.time_of_flight(g, h)
            rm = radars[u.radar_index]
            pl = rm.placed
            rp = pl.platform.p0[0]
            lat, lon, _ = geodetic_of(rp[None, :])
            cov = radar_coverage(ip, rp, float(lat[0]), float(lon[0]), pl.max_range_m,
                                 pl.boresight_rad, pl.sector_rad, pl.elevation_min_rad,
                                 pl.elevation_max_rad)
            look = np.flatnonzero(cov & np.isfinite(tau))  # terrain only where it can matter
            cov[:] = False
            cov[look] = line_of_sight(ip[look], rp, rm.mask, pl.k_factor)
            up = self._radar_up(u.radar_index, t) and rm.id not in self.destroyed
            ok = launch_feasible(env, lc.pos, ip, tau, h, ballistic, cov, up,
                                 np.full(T, sy.cued[ui]))
            feas[key] = ok
            taus[key] = tau
        W = len(weapons)
        allowed = np.zeros((W, T), bool)
        p = np.zeros((W, T))
        for i, (ui, _lc, m) in enumerate(weapons):
            ok = feas[(ui, m)]
            # an unauthorised order engages only with the ordered units' weapons
            ok = ok & (permit | np.array([ui in forced_units.get(j, ()) for j in range(T)]))
            allowed[i] = ok
            p[i] = np.where(ok, sm.envelopes[m].pk, 0.0)
        feasible_t = allowed.any(axis=0)
        if not feasible_t.any():
            return
        # the system's free target channels go to the most urgent, most valuable targets
        order = np.lexsort((-value, urgency))
        order = order[feasible_t[order]][:sys_t]
        keep_t = np.sort(order)
        if W > sys_m:
            W = sys_m
            weapons = weapons[:W]
            allowed, p = allowed[:W], p[:W]
        allowed, p = allowed[:, keep_t], p[:, keep_t]
        unit = np.array([ui for ui, _, _ in weapons], np.int64)
        salvo = sm.salvo_size if sm.mode == "salvo" else 1
        lim = Limits(allowed=allowed, max_per_target=salvo, unit=unit,
                     max_targets=ft, max_weapons=fm)
        a = assign_weapons(p, value[keep_t], lim)
        fire = np.flatnonzero(a.target >= 0)
        if not fire.size:
            return
        tk = keep_t[a.target[fire]]
        shots = [weapons[i] for i in fire]
        tau = np.array([taus[(ui, m)][k] for (ui, _, m), k in zip(shots, tk, strict=True)])
        self._launch(eng, t, sy, shots, pic, tk, authorised=permit[tk], tau=tau,
                     identity=ident[tk])

    def _launch(self, eng, t, sy, shots, pic, tk, authorised, tau, identity):
        """Launch ``shots`` (unit, launcher, missile) at the tracks ``tk`` of ``pic``; their
        flyouts are flown together at the next flush (see :meth:`_flush`)."""
        w, s = self.w, self.s
        sm = sy.model
        launch_pos = np.array([lc.pos for _, lc, _ in shots])
        speeds = np.array([sm.envelopes[m].mean_speed_mps for _, _, m in shots])
        dirs = np.empty((len(shots), 3))
        kinds = np.array([m for _, _, m in shots])
        for m in set(kinds):
            sel = np.flatnonzero(kinds == m)
            dirs[sel] = launch_direction(self._params(m), launch_pos[sel], pic.x[tk[sel], :3],
                                         pic.x[tk[sel], 3:6], speeds[sel],
                                         min_elevation_deg=s.min_elevation_deg)
        objs = pic.follows[tk]
        sy.first_launch = min(sy.first_launch, t)
        for i, (ui, lc, m) in enumerate(shots):
            u = sy.units[ui]
            n = self.shots.get(lc.id, 0) + 1
            self.shots[lc.id] = n
            u_draw = float(component_rng(w.seed, "interceptor", lc.id, n).random())
            tid = int(pic.track_id[tk[i]])
            o = int(objs[i])
            rec = dict(time_s=t, system=sm.id, fire_unit=u.id, launcher=lc.id, missile=m,
                       track_id=tid, object=o, truth=int(w.truth[o]) if o >= 0 else -1,
                       authorised=bool(authorised[i]), identity=int(identity[i]),
                       radar=u.radar_index,
                       radar_guided=sm.envelopes[m].radar_guided, draw=u_draw,
                       outcome=SELF_DESTRUCT, reason=_NO_TARGET, end_s=math.nan,
                       miss_m=math.nan, p_kill=0.0)
            self.records.append(rec)
            k = len(self.records) - 1
            lc.rounds[m] -= 1
            lc.ready_at = t + lc.launch_interval_s
            u.in_flight[tid] = u.in_flight.get(tid, 0) + 1
            if lc.total() == 0 and any(u.reserve.get(mm, 0) > 0 for mm in lc.capacity):
                lc.reloading = True
                eng.schedule(t + lc.reload_s, Priority.SCENARIO, self._reload, (u, lc))
            if o < 0:  # a false track: nothing at the predicted point, self-destruct there
                tf = float(tau[i]) if np.isfinite(tau[i]) else self._params(m).max_time_s
                rec["end_s"] = t + min(tf + s.assess_s, self._params(m).max_time_s)
                eng.schedule(rec["end_s"], Priority.SCENARIO, self._end, (sy, u, k))
            else:
                self.pending.append((k, sy, u, launch_pos[i], dirs[i], t, m, o))
                # no interceptor ends before half its predicted time of flight (its mean
                # speed is at most 1/mean_speed_fraction < 2 times the predicted one)
                t_f = t + max(0.5 * float(tau[i]) if np.isfinite(tau[i]) else 1.0, 1.0)
                if t_f < self.flush_at:
                    self.flush_at = t_f
                    eng.schedule(t_f, Priority.SCENARIO, self._flush, t_f)
            for od in self.orders:  # an order is done once its object has been fired at
                od[1].discard(o)
        self.orders = [od for od in self.orders if od[1]]

    def _flush(self, eng, t, payload):
        """Fly every pending interceptor (one batch) and schedule its end."""
        if payload != self.flush_at or not self.pending:
            return
        w, s = self.w, self.s
        pend, self.pending, self.flush_at = self.pending, [], math.inf
        self.n_flush += 1
        objs = np.array([p[7] for p in pend], np.int64)
        cats = [self.cat.targets[w.object_types[o]].category for o in objs]
        res = flyout(np.array([p[3] for p in pend]), np.array([p[4] for p in pend]),
                     np.array([p[5] for p in pend]), [self._params(p[6]) for p in pend],
                     self.truth_fn, rng=component_rng(w.seed, "flyout", self.n_flush),
                     target_index=objs, errors=self._errors(pend), target_category=cats,
                     dt=s.flyout_dt_s, refine=s.flyout_refine)
        self.interceptor_steps += res.steps
        for j, (k, sy, u, *_rest) in enumerate(pend):
            rec = self.records[k]
            rec.update(outcome=int(res.outcome[j]), reason=int(res.reason[j]),
                       end_s=float(res.t_end[j]), miss_m=float(res.miss_m[j]),
                       p_kill=float(res.p_kill[j]))
            eng.schedule(max(rec["end_s"], t), Priority.SCENARIO, self._end, (sy, u, k))

    def _errors(self, pend) -> GuidanceErrors | None:
        """Guidance errors of a batch: each fire unit's engagement radar (catalog σ, its
        position now) until terminal homing, then the seeker (none for command guidance)."""
        if not self.s.track_errors:
            return None
        radars = self.w.radars
        rows = []
        for p in pend:
            u, m = p[2], p[6]
            pl = radars[u.radar_index].placed
            rows.append((*pl.platform.p0[0], pl.sigma_range_m,
                         math.hypot(pl.sigma_azimuth_rad, pl.sigma_elevation_rad) / math.sqrt(2),
                         self.cat.missiles[m].guidance != "command"))
        a = np.array(rows, float).reshape(len(pend), 6)
        return GuidanceErrors(radar_pos=a[:, :3], sigma_range_m=a[:, 3],
                              sigma_angle_rad=a[:, 4], seeker=a[:, 5])

    def _end(self, eng, t, payload):
        sy, u, k = payload
        rec = self.records[k]
        w = self.w
        tid = rec["track_id"]
        u.in_flight[tid] = u.in_flight.get(tid, 0) - 1
        if u.in_flight[tid] <= 0:
            del u.in_flight[tid]
        sy.last_end[tid] = t
        o = rec["object"]
        if rec["radar_guided"] and not self._radar_kept(rec["radar"], rec["time_s"], t):
            rec.update(outcome=SELF_DESTRUCT, reason=_GUIDANCE_LOST, p_kill=0.0)
        elif o >= 0 and w.destroyed_at[o] <= t:
            rec.update(outcome=SELF_DESTRUCT, reason=_GONE, p_kill=0.0)
        elif rec["outcome"] != SELF_DESTRUCT:
            kill = rec["draw"] < rec["p_kill"]
            rec["outcome"] = KILL if kill else MISS
            if kill:
                w.destroyed_at[o] = min(w.destroyed_at[o], t)
                sy.killed.add(tid)  # kill assessment by the engagement radar
        rec["done"] = True

