"""Weapon–target assignment (WTA): which interceptor engages which target, in one salvo.

The static WTA problem (Manne 1958; den Broeder, Ellison & Emerling 1959; Ahuja, Kumar, Jha &
Orlin 2007, *Operations Research* 55(6):1136-1146): ``W`` weapons, ``T`` targets, kill
probability ``p[w, t]`` [-] of weapon ``w`` fired at target ``t`` (shots independent), value
``V[t]`` [value units, any] of target ``t``. Each weapon engages at most one target (exactly one in
the benchmark of Ahuja et al.). Minimise the expected surviving value

    F(x) = Σ_t V_t Π_w (1 − p_wt)^{x_wt},      x_wt ∈ {0, 1},

equivalently maximise the expected destroyed value ``Σ_t V_t − F(x)``.

Array convention: ``p`` has shape ``(W, T)``, one row per weapon, one column per target (Ahuja et
al. write *n* weapons ``i`` and *m* targets ``j`` with ``p_ij``, the same orientation). An
instance written ``W × T`` (``50 × 100``) has W weapons and T targets. An assignment is an integer
array ``target`` of shape ``(W,)``: the target of each weapon, ``-1`` for a weapon held.

Limits (:class:`Limits`), all optional:

* ``allowed`` ``(W, T)`` bool: the pair is inside the weapon's engagement envelope;
* ``max_per_target`` ``(T,)``: weapons on one target at most (a salvo limit);
* fire channels per fire unit (``unit`` ``(W,)`` gives each weapon's unit): ``max_targets``
  targets engaged at once and ``max_weapons`` missiles guided at once (S-400: 36 / 72 by public
  figures);
* ``assign_all``: every weapon on exactly one target (Ahuja et al.'s form).

Solvers
-------
* :func:`greedy_assignment`: maximum marginal return. Repeatedly assign the feasible (weapon,
  target) pair with the largest reduction of surviving value ``V_t S_t p_wt`` (``S_t`` the
  target's current survival probability). Optimal when all weapons are alike (``p_wt = p_t``):
  the surviving value is then separable and convex in the number of weapons per target, and
  marginal allocation is optimal for such problems (den Broeder, Ellison & Emerling 1959, *On
  optimum target assignments*, Operations Research 7(3):322-326; Fox 1966, *Discrete
  optimization via marginal analysis*, Management Science 13(3):210-216).
* :func:`improve_assignment`: local search in two neighbourhoods until neither improves:
  moving one weapon or exchanging the targets of two (2-exchange; numba), and re-placing a
  *layer* of weapons, one from each target, optimally by one linear assignment (for that layer,
  the best of all the cyclic and path multi-exchanges of Ahuja et al.'s very large-scale
  neighbourhood search in which each target receives at most one weapon). Limits are kept.
* :func:`assign_weapons`: the two in a row; the fast path (about 2 ms at 50 × 100).
* :func:`exact_assignment`: a proven optimum or a proven bound with OR-Tools (see its docstring:
  outer approximation of the convex ``exp`` of the log-survival, solved as a sequence of MILPs).
* :func:`brute_force_assignment`: enumeration, for tiny instances (the reference of the tests).

:func:`ahuja_instance` draws random instances as in Ahuja et al. (2007).

Analysis only: a model of the published problem, not fire-control software.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = [
    "Assignment",
    "ExactAssignment",
    "Limits",
    "ahuja_instance",
    "assign_weapons",
    "brute_force_assignment",
    "exact_assignment",
    "greedy_assignment",
    "improve_assignment",
    "kill_probability",
    "surviving_value",
]

HELD = -1
"""Target index of a weapon that is not fired."""


# ---------------------------------------------------------------------------------------------
# Instance, limits and results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Engagement limits of one assignment. Every field is optional (``None``: no limit).

    Attributes
    ----------
    allowed
        ``(W, T)`` bool: ``True`` where weapon ``w`` may engage target ``t`` (inside its envelope).
    max_per_target
        Weapons on one target at most: an int or a ``(T,)`` int array.
    unit
        ``(W,)`` int: the fire unit (0 … U−1) of each weapon; ``None``: one unit holds them all.
    max_targets
        Targets one unit engages at most (target channels): an int or a ``(U,)`` int array.
    max_weapons
        Missiles one unit guides at most (missile channels): an int or a ``(U,)`` int array.
    assign_all
        ``True``: every weapon engages exactly one target (Ahuja et al.'s problem); the solvers
        raise ``ValueError`` when they find no such assignment. ``False``: at most one.
    """

    allowed: np.ndarray | None = None
    max_per_target: int | np.ndarray | None = None
    unit: np.ndarray | None = None
    max_targets: int | np.ndarray | None = None
    max_weapons: int | np.ndarray | None = None
    assign_all: bool = False


@dataclass(frozen=True)
class Assignment:
    """One assignment and its value.

    Attributes
    ----------
    target
        ``(W,)`` int64: the target of each weapon, ``-1`` (:data:`HELD`) for a weapon not fired.
    surviving_value
        Expected surviving value ``F`` [value units].
    destroyed_value
        Expected destroyed value ``Σ V − F`` [value units].
    kill
        ``(T,)``: probability [-] that each target is destroyed, ``1 − Π_w (1 − p_wt)``.
    """

    target: np.ndarray
    surviving_value: float
    destroyed_value: float
    kill: np.ndarray


@dataclass(frozen=True)
class ExactAssignment(Assignment):
    """Result of :func:`exact_assignment`: the best assignment found and a proven bound.

    Attributes
    ----------
    bound
        Proven lower bound on the minimum surviving value [value units].
    optimal
        ``True`` when ``surviving_value − bound ≤ rel_gap · surviving_value`` (proven optimal
        within the solver's tolerance).
    iterations
        MILP solves of the outer approximation.
    wall_s
        Wall time [s].
    """

    bound: float = math.nan
    optimal: bool = False
    iterations: int = 0
    wall_s: float = 0.0

    @property
    def gap(self) -> float:
        """Proven relative gap [-]: ``(surviving_value − bound) / bound`` (0 when optimal)."""
        return _rel_gap(self.surviving_value, self.bound)


def _rel_gap(upper: float, lower: float) -> float:
    if upper <= lower:
        return 0.0
    return (upper - lower) / lower if lower > 0 else math.inf


def _instance(p, value) -> tuple[np.ndarray, np.ndarray]:
    p = np.ascontiguousarray(p, dtype=np.float64)
    value = np.ascontiguousarray(value, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"p must have shape (W, T), got shape {p.shape}")
    if value.shape != (p.shape[1],):
        raise ValueError(f"value must have shape (T,) = ({p.shape[1]},), got {value.shape}")
    if not np.all((p >= 0.0) & (p <= 1.0)):
        raise ValueError("kill probabilities p must lie in [0, 1]")
    if not np.all(np.isfinite(value) & (value >= 0.0)):
        raise ValueError("target values must be finite and >= 0")
    return p, value


@dataclass(frozen=True)
class _Resolved:
    allowed: np.ndarray  # (W, T) bool
    cap_t: np.ndarray  # (T,) int64
    unit: np.ndarray  # (W,) int64
    cap_ut: np.ndarray  # (U,) int64, targets per unit
    cap_uw: np.ndarray  # (U,) int64, weapons per unit
    assign_all: bool


def _caps(x, n: int, default: int, name: str) -> np.ndarray:
    if x is None:
        return np.full(n, default, dtype=np.int64)
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.integer) or np.any(arr < 0):
        raise ValueError(f"{name} must hold non-negative integers")
    if arr.ndim == 0:
        return np.full(n, int(arr), dtype=np.int64)
    if arr.shape != (n,):
        raise ValueError(f"{name} must be an int or have shape ({n},), got {arr.shape}")
    return arr.astype(np.int64)


def _resolve(limits: Limits | None, w: int, t: int) -> _Resolved:
    lim = limits if limits is not None else Limits()
    if not isinstance(lim, Limits):
        raise TypeError(f"limits must be a Limits, got {type(lim).__name__}")
    if lim.allowed is None:
        allowed = np.ones((w, t), dtype=np.bool_)
    else:
        allowed = np.ascontiguousarray(lim.allowed, dtype=np.bool_)
        if allowed.shape != (w, t):
            raise ValueError(f"allowed must have shape ({w}, {t}), got {allowed.shape}")
    if lim.unit is None:
        unit = np.zeros(w, dtype=np.int64)
    else:
        unit = np.asarray(lim.unit)
        if unit.shape != (w,) or not np.issubdtype(unit.dtype, np.integer) or np.any(unit < 0):
            raise ValueError(f"unit must be a ({w},) array of non-negative ints")
        unit = unit.astype(np.int64)
    n_units = int(unit.max()) + 1 if w else 1
    for cap in (lim.max_targets, lim.max_weapons):
        if cap is not None and np.ndim(cap) == 1:
            n_units = max(n_units, len(cap))
    return _Resolved(
        allowed=allowed,
        cap_t=_caps(lim.max_per_target, t, w, "max_per_target"),
        unit=unit,
        cap_ut=_caps(lim.max_targets, n_units, t, "max_targets"),
        cap_uw=_caps(lim.max_weapons, n_units, w, "max_weapons"),
        assign_all=bool(lim.assign_all),
    )


def _result(target: np.ndarray, p: np.ndarray, value: np.ndarray) -> Assignment:
    kill = kill_probability(target, p)
    surv = float(np.dot(value, 1.0 - kill))
    return Assignment(target, surv, float(value.sum()) - surv, kill)


# ---------------------------------------------------------------------------------------------
# Objective
# ---------------------------------------------------------------------------------------------


def kill_probability(target, p) -> np.ndarray:
    """Probability [-] that each target is destroyed, ``1 − Π_{w → t} (1 − p_wt)``.

    Parameters
    ----------
    target
        ``(..., W)`` int: target of each weapon, ``-1`` held. Leading axes are a batch.
    p
        ``(W, T)`` kill probabilities [-].

    Returns
    -------
    ``(..., T)`` kill probabilities [-].

    Examples
    --------
    >>> kill_probability([0, 0, 1], [[0.5, 0.1], [0.5, 0.1], [0.2, 0.3]])
    array([0.75, 0.3 ])
    """
    p = np.asarray(p, dtype=np.float64)
    target = np.asarray(target)
    n_w, n_t = p.shape
    if target.shape[-1:] != (n_w,) or not np.issubdtype(target.dtype, np.integer):
        raise ValueError(f"target must be an int array of shape (..., {n_w}), got {target.shape}")
    if np.any((target < HELD) | (target >= n_t)):
        raise ValueError(f"target indices must lie in [-1, {n_t - 1}]")
    # log-free product: q for the assigned pair, 1 for every other (weapon, target)
    q = np.concatenate([1.0 - p, np.ones((n_w, 1))], axis=1)  # column T: held
    col = np.where(target < 0, n_t, target)
    q_sel = q[np.arange(n_w), col]  # (..., W)
    onehot = col[..., None] == np.arange(n_t)  # (..., W, T)
    surv = np.where(onehot, q_sel[..., None], 1.0).prod(axis=-2)
    return 1.0 - surv


def surviving_value(target, p, value) -> np.ndarray | float:
    """Expected surviving value ``Σ_t V_t Π_{w → t} (1 − p_wt)`` [value units].

    ``target`` ``(..., W)`` (``-1`` held), ``p`` ``(W, T)`` [-], ``value`` ``(T,)``; returns shape
    ``(...)``.

    Examples
    --------
    >>> float(surviving_value([0, 0, 1], [[0.5, 0.1], [0.5, 0.1], [0.2, 0.3]], [10.0, 1.0]))
    3.2
    """
    return (1.0 - kill_probability(target, p)) @ np.asarray(value, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Heuristic: maximum marginal return, then local search (numba kernels)
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _greedy_kernel(p, value, allowed, cap_t, unit, cap_ut, cap_uw, assign_all):
    n_w, n_t = p.shape
    n_u = cap_ut.shape[0]
    a = np.full(n_w, -1, dtype=np.int64)
    s = np.ones(n_t)  # survival probability of each target
    count_t = np.zeros(n_t, dtype=np.int64)
    cnt_ut = np.zeros((n_u, n_t), dtype=np.int64)
    n_ut = np.zeros(n_u, dtype=np.int64)
    n_uw = np.zeros(n_u, dtype=np.int64)
    # zero-gain pairs are taken only when every weapon must fire
    floor = -1.0 if assign_all else 0.0
    for _ in range(n_w):
        best = floor
        bw = -1
        bt = -1
        for w in range(n_w):
            if a[w] >= 0:
                continue
            u = unit[w]
            if n_uw[u] >= cap_uw[u]:
                continue
            for t in range(n_t):
                if not allowed[w, t] or count_t[t] >= cap_t[t]:
                    continue
                if cnt_ut[u, t] == 0 and n_ut[u] >= cap_ut[u]:
                    continue
                g = value[t] * s[t] * p[w, t]
                if g > best:
                    best = g
                    bw = w
                    bt = t
        if bw < 0:
            break
        u = unit[bw]
        a[bw] = bt
        s[bt] *= 1.0 - p[bw, bt]
        count_t[bt] += 1
        if cnt_ut[u, bt] == 0:
            n_ut[u] += 1
        cnt_ut[u, bt] += 1
        n_uw[u] += 1
    return a


@njit(cache=True)
def _local_search_kernel(p, value, allowed, cap_t, unit, cap_ut, cap_uw, a, tol, max_moves):
    """Best-improvement search over reassign/fire-held moves and 2-exchanges; ``a`` in place."""
    n_w, n_t = p.shape
    n_u = cap_ut.shape[0]
    s = np.ones(n_t)
    count_t = np.zeros(n_t, dtype=np.int64)
    cnt_ut = np.zeros((n_u, n_t), dtype=np.int64)
    n_ut = np.zeros(n_u, dtype=np.int64)
    n_uw = np.zeros(n_u, dtype=np.int64)
    for w in range(n_w):
        t = a[w]
        if t >= 0:
            u = unit[w]
            s[t] *= 1.0 - p[w, t]
            count_t[t] += 1
            if cnt_ut[u, t] == 0:
                n_ut[u] += 1
            cnt_ut[u, t] += 1
            n_uw[u] += 1
    sx = np.ones(n_w)  # survival of the weapon's target without that weapon
    moves = 0
    while moves < max_moves:
        for w in range(n_w):
            t = a[w]
            acc = 1.0
            if t >= 0:
                for w2 in range(n_w):
                    if w2 != w and a[w2] == t:
                        acc *= 1.0 - p[w2, t]
            sx[w] = acc
        best = -tol
        kind = 0  # 1: reassign, 2: exchange
        m1 = -1
        m2 = -1
        # reassign weapon w (or fire a held one) to target t2
        for w in range(n_w):
            t1 = a[w]
            u = unit[w]
            if t1 < 0:
                if n_uw[u] >= cap_uw[u]:
                    continue
                loss = 0.0
                frees = 0
            else:
                loss = value[t1] * sx[w] * p[w, t1]
                frees = 1 if cnt_ut[u, t1] == 1 else 0
            for t2 in range(n_t):
                if t2 == t1 or not allowed[w, t2] or count_t[t2] >= cap_t[t2]:
                    continue
                if cnt_ut[u, t2] == 0 and n_ut[u] - frees + 1 > cap_ut[u]:
                    continue
                d = loss - value[t2] * s[t2] * p[w, t2]
                if d < best:
                    best = d
                    kind = 1
                    m1 = w
                    m2 = t2
        # exchange the targets of w1 and w2
        for w1 in range(n_w):
            t1 = a[w1]
            u1 = unit[w1]
            for w2 in range(w1 + 1, n_w):
                t2 = a[w2]
                if t2 == t1:
                    continue
                if t2 >= 0 and not allowed[w1, t2]:
                    continue
                if t1 >= 0 and not allowed[w2, t1]:
                    continue
                u2 = unit[w2]
                if u1 != u2:
                    # missile channels: a held weapon that takes a target adds one to its unit
                    if t1 < 0 and n_uw[u1] + 1 > cap_uw[u1]:
                        continue
                    if t2 < 0 and n_uw[u2] + 1 > cap_uw[u2]:
                        continue
                    # target channels
                    d1 = 0
                    if t1 >= 0 and cnt_ut[u1, t1] == 1:
                        d1 -= 1
                    if t2 >= 0 and cnt_ut[u1, t2] == 0:
                        d1 += 1
                    if d1 > 0 and n_ut[u1] + d1 > cap_ut[u1]:
                        continue
                    d2 = 0
                    if t2 >= 0 and cnt_ut[u2, t2] == 1:
                        d2 -= 1
                    if t1 >= 0 and cnt_ut[u2, t1] == 0:
                        d2 += 1
                    if d2 > 0 and n_ut[u2] + d2 > cap_ut[u2]:
                        continue
                d = 0.0
                if t1 >= 0:
                    d += value[t1] * sx[w1] * (p[w1, t1] - p[w2, t1])
                if t2 >= 0:
                    d += value[t2] * sx[w2] * (p[w2, t2] - p[w1, t2])
                if d < best:
                    best = d
                    kind = 2
                    m1 = w1
                    m2 = w2
        if kind == 0:
            break
        moves += 1
        # (weapon, new target) of the move; an exchange's two weapons never share a target
        n_ch = 1 if kind == 1 else 2
        cw = np.empty(2, dtype=np.int64)
        ct = np.empty(2, dtype=np.int64)
        if kind == 1:
            cw[0] = m1
            ct[0] = m2
        else:
            cw[0] = m1
            ct[0] = a[m2]
            cw[1] = m2
            ct[1] = a[m1]
        for i in range(n_ch):  # remove, then add
            w = cw[i]
            t = a[w]
            if t >= 0:
                u = unit[w]
                count_t[t] -= 1
                cnt_ut[u, t] -= 1
                if cnt_ut[u, t] == 0:
                    n_ut[u] -= 1
                n_uw[u] -= 1
        for i in range(n_ch):
            w = cw[i]
            t = ct[i]
            a[w] = t
            if t >= 0:
                u = unit[w]
                count_t[t] += 1
                if cnt_ut[u, t] == 0:
                    n_ut[u] += 1
                cnt_ut[u, t] += 1
                n_uw[u] += 1
        s[:] = 1.0
        for w in range(n_w):
            if a[w] >= 0:
                s[a[w]] *= 1.0 - p[w, a[w]]
    return moves


def _check_all_assigned(target: np.ndarray, res: _Resolved, who: str) -> None:
    if res.assign_all and np.any(target < 0):
        raise ValueError(
            f"{who}: found no assignment that fires every weapon ({int(np.sum(target < 0))} "
            "left) within the limits; use Limits(assign_all=False) or relax the limits"
        )


def greedy_assignment(p, value, limits: Limits | None = None) -> Assignment:
    """Maximum-marginal-return greedy assignment within ``limits``.

    Parameters
    ----------
    p
        ``(W, T)`` kill probabilities [-].
    value
        ``(T,)`` target values [value units].
    limits
        :class:`Limits`; ``None``: none (each weapon on at most one target).

    Returns
    -------
    :class:`Assignment`. With ``assign_all=False``, weapons whose every feasible shot gains
    nothing are held. Optimal when ``p[w, t]`` does not depend on ``w`` and the only limits are
    ``max_per_target`` (den Broeder et al. 1959).
    """
    p, value = _instance(p, value)
    res = _resolve(limits, *p.shape)
    a = _greedy_kernel(
        p, value, res.allowed, res.cap_t, res.unit, res.cap_ut, res.cap_uw, res.assign_all
    )
    _check_all_assigned(a, res, "greedy_assignment")
    return _result(a, p, value)


def _feasible(target: np.ndarray, res: _Resolved, n_t: int) -> bool:
    if np.any((target < -1) | (target >= n_t)):
        return False
    on = target >= 0
    if res.assign_all and not np.all(on):
        return False
    if not np.all(res.allowed[np.flatnonzero(on), target[on]]):
        return False
    if np.any(np.bincount(target[on], minlength=n_t) > res.cap_t):
        return False
    n_u = res.cap_ut.shape[0]
    pairs = np.zeros((n_u, n_t), dtype=np.int64)
    np.add.at(pairs, (res.unit[on], target[on]), 1)
    engaged = (pairs > 0).sum(axis=1)
    return bool(np.all(engaged <= res.cap_ut) and np.all(pairs.sum(axis=1) <= res.cap_uw))


def improve_assignment(
    target,
    p,
    value,
    limits: Limits | None = None,
    *,
    layers: int = 4,
    max_rounds: int = 1000,
) -> Assignment:
    """Local search from a feasible assignment until no move in its neighbourhoods improves.

    Neighbourhoods (every move kept within ``limits``; a move is taken when it lowers the
    surviving value by more than 1e-12 of the total value):

    1. *move / 2-exchange* (numba, best improvement): send one weapon to another target or fire
       a held weapon; exchange the targets of two weapons (one may be held). Always searched.
    2. *layer assignment* (``layers`` > 0): take one *layer* of weapons, one from each target
       (its k-th under one of ``layers`` orderings: by increasing kill probability, decreasing,
       then fixed hashed orders), with every held weapon, and re-place the layer optimally by one
       linear assignment (scipy). Each target receives at most one weapon of the layer, so the
       gains are exact: this searches, exactly, the multi-exchanges in which each target gives
       up and receives at most one weapon (the cyclic and path exchanges of Ahuja et al.'s
       VLSN). Under binding fire-channel limits it keeps them conservatively (it may then miss
       some moves).

    Neighbourhood 1 runs to a local optimum, then the first improving layer of 2 is applied (the
    orderings tried cyclically, each round starting after the last one that improved), and so on
    until no layer of any ordering improves, or for ``max_rounds`` rounds.

    Parameters
    ----------
    target
        ``(W,)`` int: starting assignment (``-1`` held); must satisfy ``limits``.
    p, value, limits
        As :func:`greedy_assignment`.
    layers
        Orderings of neighbourhood 2 (0: not searched). More find better solutions when there
        are more weapons than targets, at a cost in time (benchmarks/bench_wta.py).
    max_rounds
        Rounds of neighbourhood 2 at most.

    Returns
    -------
    :class:`Assignment`, never worse than the start.
    """
    p, value = _instance(p, value)
    res = _resolve(limits, *p.shape)
    a = np.array(target, dtype=np.int64).copy()
    if a.shape != (p.shape[0],):
        raise ValueError(f"target must have shape ({p.shape[0]},), got {a.shape}")
    if not _feasible(a, res, p.shape[1]):
        raise ValueError("the starting assignment breaks the limits")
    _improve(a, p, value, res, layers=layers, max_rounds=max_rounds)
    return _result(a, p, value)


def _order_keys(n_w: int, n_orders: int) -> np.ndarray:
    """``(n_orders, W)`` ranking keys: order 0 ranks a target's weapons by increasing kill
    probability (set by the caller), 1 by decreasing, the others by a fixed integer hash of
    (weapon, order) (SplitMix64 finaliser): deterministic, no random state."""
    w = np.arange(n_w, dtype=np.uint64)[None, :]
    o = np.arange(n_orders, dtype=np.uint64)[:, None]
    with np.errstate(over="ignore"):
        x = w * np.uint64(0x9E3779B97F4A7C15) + o * np.uint64(0xD1B54A32D192ED03)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64)


def _exchange_by_assignment(
    a: np.ndarray, p, value, res: _Resolved, tol: float, n_orders: int, first_order: int = 0
) -> int:
    """One round of the assignment neighbourhood; ``a`` changed in place. Returns the ordering
    that improved, or -1 if none did (the orderings are tried from ``first_order`` on, cyclically).

    A *layer* is one weapon from every target (its weapon of rank ``k`` under one of
    ``n_orders`` orderings) together with every held weapon. The layer is re-placed by one
    linear assignment: each target receives at most one of its weapons, so the gain
    ``V_t S⁻_t p_wt`` (``S⁻`` the survival without the layer) is exact and the assignment is
    optimal over all such multi-exchanges (the cyclic and path exchanges of Ahuja et al.'s
    VLSN, here solved exactly per layer). The first improving layer is applied. Fire-channel
    limits are kept conservatively: a weapon of a unit at its target-channel limit goes only to
    targets its unit still engages or back to its own target, and held weapons of a unit fire
    only if its missile channels cover them all.
    """
    from scipy.optimize import linear_sum_assignment

    n_w, n_t = p.shape
    q = 1.0 - p
    on = a >= 0
    idx = np.flatnonzero(on)
    held = np.flatnonzero(~on)
    n_u = res.cap_ut.shape[0]
    pairs = np.zeros((n_u, n_t), dtype=np.int64)
    np.add.at(pairs, (res.unit[idx], a[idx]), 1)
    at_target_cap = (pairs > 0).sum(axis=1) >= res.cap_ut  # (U,)
    n_uw = pairs.sum(axis=1)
    held_per_unit = np.bincount(res.unit[held], minlength=n_u)
    may_fire = n_uw + held_per_unit <= res.cap_uw  # (U,)
    any_unit_cap = bool(np.any(res.cap_ut < n_t) or np.any(res.cap_uw < n_w))
    s_all = np.ones(n_t)
    np.multiply.at(s_all, a[idx], q[idx, a[idx]])
    f_cur = float(value @ s_all)
    keys = _order_keys(n_w, n_orders)
    keys[0] = p[np.arange(n_w), np.maximum(a, 0)]
    if n_orders > 1:
        keys[1] = -keys[0]
    seen: set[bytes] = set()
    for i in range(n_orders):
        o = (first_order + i) % n_orders
        order = idx[np.lexsort((keys[o, idx], a[idx]))]
        tgt = a[order]
        first = np.r_[0, np.flatnonzero(np.diff(tgt)) + 1] if order.size else np.zeros(0, int)
        rank = np.arange(order.size) - np.repeat(first, np.diff(np.r_[first, order.size]))
        for k in range(int(rank.max()) + 1 if rank.size else 1):
            removed = np.sort(order[rank == k])
            tag = removed.tobytes()
            if tag in seen:
                continue
            seen.add(tag)
            rows = np.concatenate([removed, held])
            if rows.size == 0:
                continue
            keep = on.copy()
            keep[removed] = False
            kept = np.flatnonzero(keep)
            s_minus = np.ones(n_t)
            np.multiply.at(s_minus, a[kept], q[kept, a[kept]])
            count_minus = np.bincount(a[kept], minlength=n_t)
            cost = -(value * s_minus) * p[rows]
            ok = res.allowed[rows] & (count_minus < res.cap_t)
            if any_unit_cap:
                row_unit = res.unit[rows]
                if np.any(at_target_cap[row_unit]):
                    engaged = np.zeros((n_u, n_t), dtype=np.bool_)
                    engaged[res.unit[kept], a[kept]] = True
                    reach = engaged[row_unit]
                    own = a[rows] >= 0
                    reach[np.flatnonzero(own), a[rows][own]] = True
                    ok &= reach | ~at_target_cap[row_unit][:, None]
                ok[removed.size :] &= may_fire[row_unit[removed.size :]][:, None]
            cost[~ok] = np.inf
            if not res.assign_all:
                cost = np.concatenate([cost, np.zeros((rows.size, rows.size))], axis=1)
            try:
                r, c = linear_sum_assignment(cost)
            except ValueError:  # no feasible re-placement of this layer
                continue
            total = cost[r, c].sum()
            if not np.isfinite(total):
                continue
            # each target receives at most one weapon of the layer: the objective is exact
            f_new = float(value @ s_minus + total)
            if f_new >= f_cur - tol:
                continue
            new = a.copy()
            new[rows[r]] = np.where(c < n_t, c, HELD)
            if any_unit_cap and not _feasible(new, res, n_t):
                continue
            a[:] = new
            return o
    return -1


def assign_weapons(
    p,
    value,
    limits: Limits | None = None,
    *,
    layers: int = 4,
    max_rounds: int = 1000,
) -> Assignment:
    """The fast heuristic: :func:`greedy_assignment`, then :func:`improve_assignment`.

    ``p`` ``(W, T)`` [-], ``value`` ``(T,)`` [value units], ``limits`` a :class:`Limits`;
    ``layers``, ``max_rounds`` as :func:`improve_assignment`. Deterministic.
    Returns an :class:`Assignment`.

    Examples
    --------
    >>> res = assign_weapons([[0.9, 0.5], [0.8, 0.6]], [10.0, 8.0])
    >>> res.target.tolist(), round(res.surviving_value, 6)
    ([0, 1], 4.2)
    """
    p, value = _instance(p, value)
    res = _resolve(limits, *p.shape)
    a = _greedy_kernel(
        p, value, res.allowed, res.cap_t, res.unit, res.cap_ut, res.cap_uw, res.assign_all
    )
    _check_all_assigned(a, res, "assign_weapons")
    _improve(a, p, value, res, layers=layers, max_rounds=max_rounds)
    return _result(a, p, value)


def _improve(a, p, value, res: _Resolved, *, layers: int, max_rounds: int) -> None:
    """Local search of :func:`improve_assignment` on ``a`` in place."""
    tol = 1e-12 * max(float(value.sum()), 1e-300)
    args = (p, value, res.allowed, res.cap_t, res.unit, res.cap_ut, res.cap_uw)
    _local_search_kernel(*args, a, tol, 100_000)
    o = 0
    for _ in range(max_rounds if layers > 0 else 0):
        o = _exchange_by_assignment(a, p, value, res, tol, layers, o)
        if o < 0:
            break
        o = (o + 1) % layers  # next round starts at the next ordering
        _local_search_kernel(*args, a, tol, 100_000)


# ---------------------------------------------------------------------------------------------
# References: brute force and OR-Tools
# ---------------------------------------------------------------------------------------------


def brute_force_assignment(
    p, value, limits: Limits | None = None, *, max_candidates: int = 5_000_000
) -> Assignment:
    """The optimum by enumerating every assignment (tiny instances only).

    Enumerates all ``T^W`` (``assign_all``) or ``(T+1)^W`` assignments in blocks, drops those
    that break ``limits`` and keeps the lowest surviving value (first found on ties). Shares no
    code with the heuristic: feasibility and objective are plain numpy over the whole block.

    Raises ``ValueError`` when the count exceeds ``max_candidates`` or nothing is feasible.
    """
    p, value = _instance(p, value)
    n_w, n_t = p.shape
    res = _resolve(limits, n_w, n_t)
    choices = np.arange(n_t) if res.assign_all else np.arange(-1, n_t)
    total = len(choices) ** n_w
    if total > max_candidates:
        raise ValueError(f"{total} candidate assignments exceed max_candidates={max_candidates}")
    best_val = math.inf
    best = None
    combos = itertools.product(choices.tolist(), repeat=n_w)
    block = 65_536
    n_u = res.cap_ut.shape[0]
    unit_onehot = res.unit[:, None] == np.arange(n_u)  # (W, U)
    while True:
        chunk = np.array(list(itertools.islice(combos, block)), dtype=np.int64).reshape(-1, n_w)
        if chunk.shape[0] == 0:
            break
        on = chunk >= 0
        col = np.where(on, chunk, 0)
        ok = np.all(res.allowed[np.arange(n_w), col] | ~on, axis=1)
        hit = (chunk[..., None] == np.arange(n_t)) & on[..., None]  # (N, W, T)
        ok &= np.all(hit.sum(axis=1) <= res.cap_t, axis=1)
        per_unit = np.einsum("nwt,wu->nut", hit.astype(np.int64), unit_onehot.astype(np.int64))
        ok &= np.all((per_unit > 0).sum(axis=2) <= res.cap_ut, axis=1)
        ok &= np.all(per_unit.sum(axis=2) <= res.cap_uw, axis=1)
        if not np.any(ok):
            continue
        cand = chunk[ok]
        vals = surviving_value(cand, p, value)
        i = int(np.argmin(vals))
        if vals[i] < best_val:
            best_val = float(vals[i])
            best = cand[i].copy()
    if best is None:
        raise ValueError("brute_force_assignment: no assignment satisfies the limits")
    return _result(best, p, value)


def exact_assignment(
    p,
    value,
    limits: Limits | None = None,
    *,
    time_limit_s: float = 60.0,
    rel_gap: float = 1e-6,
    solver: str = "SCIP",
    start=None,
    threads: int = 1,
) -> ExactAssignment:
    """Proven optimum (or best assignment and proven lower bound) with OR-Tools.

    Method: outer approximation (Kelley's cutting planes, as in Duran & Grossmann 1986) of the
    convex form ``F = Σ_t V_t exp(s_t)``, ``s_t = Σ_w x_wt ln(1 − p_wt)``, which is exact
    because ``x`` is binary. Each round solves the MILP

        min Σ_t z_t   s.t. the assignment and limit constraints on binary x,
                           z_t ≥ V_t (1 − Σ_w p_wt x_wt)                 (Weierstrass product
                                                                           inequality; tight
                                                                           for 0 or 1 weapon)
                           z_t ≥ V_t e^{σ} (1 + s_t − σ)   for each cut point σ of target t
                                                                          (tangents of exp)

    whose optimum (or the solver's best bound, if a round stops on the time limit) is a valid
    lower bound on min F, since every cut underestimates ``V_t exp(s_t)``. The round's solution
    is evaluated exactly (an upper bound) and tangents at its ``s_t`` are added where the
    model underestimates it. Rounds stop when upper and lower bound agree to ``rel_gap`` (proven
    optimal), when no cut is violated, or at the time limit (then the result carries the proven
    gap). Initial cuts: tangents at the heuristic's solution (:func:`assign_weapons`, also the
    first incumbent) and at ``k`` average shots, k = 2 … 6. Kill probabilities are clipped to
    ``≤ 1 − 1e-12`` in the logarithm only (certain kills: the bound then holds to 1e-12 of the
    target's value).

    Parameters
    ----------
    p, value, limits
        As :func:`greedy_assignment`.
    time_limit_s
        Wall-clock budget [s] for all rounds together.
    rel_gap
        Relative optimality tolerance [-] on ``(upper − lower) / upper``.
    solver
        OR-Tools ``pywraplp`` MILP backend: ``"SCIP"`` (default) or ``"HIGHS"`` (no warm start:
        its ``SetHint`` crashes in OR-Tools 9.15). CP-SAT (which declared a feasible model of
        this form infeasible in a trial) and CBC (which overran its time limit) are not offered.
    start
        ``(W,)`` feasible assignment to start from; default :func:`assign_weapons`'s.
    threads
        Solver threads.
    """
    from ortools.linear_solver import pywraplp

    t0 = time.perf_counter()
    p, value = _instance(p, value)
    n_w, n_t = p.shape
    res = _resolve(limits, n_w, n_t)
    choices = ("SCIP", "HIGHS")
    if solver not in choices:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(choices)}")
    if start is None:
        start = assign_weapons(p, value, limits).target
    start = np.asarray(start, dtype=np.int64)
    if start.shape != (n_w,) or not _feasible(start, res, n_t):
        raise ValueError("start must be a feasible (W,) assignment")

    lnq = np.log(np.clip(1.0 - p, 1e-12, 1.0))
    m = pywraplp.Solver.CreateSolver(solver)
    if m is None:  # pragma: no cover - bundled with the ortools wheel
        raise RuntimeError(f"OR-Tools solver {solver} is not available")
    m.SetNumThreads(int(threads))
    pairs = [(w, t) for w in range(n_w) for t in range(n_t) if res.allowed[w, t]]
    x = {(w, t): m.BoolVar(f"x_{w}_{t}") for (w, t) in pairs}
    by_w: list[list[int]] = [[] for _ in range(n_w)]
    by_t: list[list[int]] = [[] for _ in range(n_t)]
    for w, t in pairs:
        by_w[w].append(t)
        by_t[t].append(w)
    for w in range(n_w):
        terms = [x[w, t] for t in by_w[w]]
        if res.assign_all:
            m.Add(m.Sum(terms) == 1)
        elif terms:
            m.Add(m.Sum(terms) <= 1)
    for t in range(n_t):
        if res.cap_t[t] < len(by_t[t]):
            m.Add(m.Sum([x[w, t] for w in by_t[t]]) <= int(res.cap_t[t]))
    for u in range(res.cap_ut.shape[0]):
        mine = [(w, t) for (w, t) in pairs if res.unit[w] == u]
        if res.cap_uw[u] < len({w for w, _ in mine}):
            m.Add(m.Sum([x[k] for k in mine]) <= int(res.cap_uw[u]))
        touched = sorted({t for _, t in mine})
        if res.cap_ut[u] < len(touched):
            # continuous y suffices: y >= x forces 1 wherever x is 1
            y = {t: m.NumVar(0.0, 1.0, f"y_{u}_{t}") for t in touched}
            for w, t in mine:
                m.Add(y[t] >= x[w, t])
            m.Add(m.Sum(list(y.values())) <= int(res.cap_ut[u]))
    z = [m.NumVar(0.0, float(value[t]), f"z_{t}") for t in range(n_t)]
    s_expr = [m.Sum([float(lnq[w, t]) * x[w, t] for w in by_t[t]]) for t in range(n_t)]

    def tangent(t: int, sigma: float) -> None:
        e = float(value[t]) * math.exp(sigma)
        m.Add(z[t] >= e * (1.0 - sigma) + e * s_expr[t])

    for t in range(n_t):
        if not by_t[t]:
            m.Add(z[t] >= float(value[t]))
            continue
        m.Add(z[t] >= float(value[t]) * (1.0 - m.Sum([float(p[w, t]) * x[w, t] for w in by_t[t]])))
        mean = float(np.mean(lnq[by_t[t], t]))
        for k in range(2, 7):
            tangent(t, k * mean)
    m.Minimize(m.Sum(z))

    def s_of(a: np.ndarray) -> np.ndarray:
        on = a >= 0
        return np.bincount(a[on], weights=lnq[np.flatnonzero(on), a[on]], minlength=n_t)

    best = start.copy()
    upper = float(surviving_value(best, p, value))
    s0 = s_of(best)
    for t in range(n_t):
        if by_t[t] and s0[t] < 0.0:
            tangent(t, float(s0[t]))
    lower = 0.0
    iterations = 0
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, rel_gap / 10)
    while True:
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0.05:
            break
        m.SetTimeLimit(max(int(left * 1000), 50))
        if solver != "HIGHS":  # pywraplp 9.15's HiGHS interface crashes on SetHint
            m.SetHint([x[w, t] for (w, t) in pairs], [float(best[w] == t) for (w, t) in pairs])
        status = m.Solve(params)
        iterations += 1
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            if status == pywraplp.Solver.INFEASIBLE:
                raise ValueError("exact_assignment: no assignment satisfies the limits")
            break
        lower = max(lower, m.Objective().BestBound())
        a = np.full(n_w, HELD, dtype=np.int64)
        for (w, t), var in x.items():
            if var.solution_value() > 0.5:
                a[w] = t
        f = float(surviving_value(a, p, value))
        if f < upper and _feasible(a, res, n_t):
            upper, best = f, a
        if upper - lower <= rel_gap * upper:
            break
        s = s_of(a)
        zv = np.array([v.solution_value() for v in z])
        exact_t = value * np.exp(s)
        cut = np.flatnonzero(exact_t - zv > 1e-9 * max(upper, 1e-300))
        if cut.size == 0:
            break  # the relaxation is exact at its own solution: nothing left to cut
        for t in cut:
            tangent(int(t), float(s[t]))
    out = _result(best, p, value)
    lower = min(lower, out.surviving_value)
    return ExactAssignment(
        out.target,
        out.surviving_value,
        out.destroyed_value,
        out.kill,
        bound=float(lower),
        optimal=bool(out.surviving_value - lower <= rel_gap * out.surviving_value),
        iterations=iterations,
        wall_s=time.perf_counter() - t0,
    )


# ---------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------


def ahuja_instance(
    n_weapons: int, n_targets: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random instance as in Ahuja et al. (2007): ``V_t ~ U[25, 100]``, ``p_wt ~ U[0.60, 0.90]``.

    These ranges are the ones attributed to Ahuja et al.'s random test problems (target values
    uniform in [25, 100], kill probabilities uniform in [0.60, 0.90], independent); the paper's
    own text could not be consulted here to confirm them. Weapons are all distinct (each has
    its own row of ``p``).

    Parameters
    ----------
    n_weapons, n_targets
        W and T.
    rng
        The component's ``Generator`` (:func:`iads.rng.component_rng`).

    Returns
    -------
    ``(p, value)``: ``(W, T)`` kill probabilities [-] and ``(T,)`` target values [value units];
    the values are drawn first, then ``p`` row by row.
    """
    value = rng.uniform(25.0, 100.0, n_targets)
    p = rng.uniform(0.60, 0.90, (n_weapons, n_targets))
    return p, value
