"""Message delivery between radars and nodes, and the node's out-of-sequence buffer.

Links (:class:`iads.scenario.schema.Link`)
------------------------------------------
* **measurements**: every ``update_s`` (from t = 0) the link sends the plots of the radar's scans
  that ended since the last send, as :class:`ScanReport` s (plots plus the scan's window and the
  intervals the radar was on); they arrive ``latency_s`` later. A plot is therefore delayed by
  up to one scan + ``update_s`` + ``latency_s`` after its time stamp. An implicit network node
  (a network without links) gets each scan's report when the scan ends.
* **tracks**: every ``update_s`` the sending node's picture (:class:`iads.simulation.nodes.
  Picture`) is sent, arriving ``latency_s`` later; the receiver keeps the latest picture of each
  sender.

Out-of-sequence plots: a fixed-lag buffer with a watermark per input
-------------------------------------------------------------------
Radars reach a node with different scan lengths, update intervals and latencies, so plots arrive
out of time order. The node keeps them in an :class:`InputBuffer` and tracks only **in time-stamp
order**: every report carries the end of its scan window, so each input has a *watermark* (all
its plots up to that time have arrived, since a link delivers in order), and the node processes
plots up to the smallest watermark of its inputs (``horizon``). Plots are never processed out of
order and never reprocessed; a delayed report holds the node back instead of corrupting it, so
the node's tracks are exactly those of a run with no delays (tested), only later. The price is
the picture's age: at time t the picture is the tracks at the horizon predicted to t. A switched
off radar still reports its (empty) windows, so it does not hold the node back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plots import Plots

__all__ = ["ScanReport", "InputBuffer", "send_times", "on_intervals", "process_ready"]


@dataclass(frozen=True)
class ScanReport:
    """What a radar reports about one scan window [t0_s, t1_s).

    Attributes
    ----------
    radar
        Radar row.
    t0_s, t1_s
        The window [s].
    on
        Intervals ``(start, end)`` within the window when the radar was on [s].
    plots
        Its plots (converted measurements, time-sorted).
    """

    radar: int
    t0_s: float
    t1_s: float
    on: tuple[tuple[float, float], ...]
    plots: Plots


def send_times(update_s: float, t_end_s: float, t0_s: float = 0.0) -> np.ndarray:
    """Send ticks ``t0 + k·update_s`` in (t0, t_end] [s]."""
    k = np.arange(1, int(np.floor((t_end_s - t0_s) / update_s + 1e-9)) + 1)
    return t0_s + k * update_s


def on_intervals(switches, t0_s: float, t1_s: float, on_at_start: bool = True):
    """Intervals of [t0, t1) when a unit is on, from its ``(time, on)`` switches (time order).

    A switch at time t acts from t on (a radar switched off at t makes no look at t).
    """
    state = on_at_start
    for t, on in switches:
        if t <= t0_s:
            state = on
    out = []
    start = t0_s if state else None
    for t, on in switches:
        if not (t0_s < t < t1_s):
            continue
        if on and start is None:
            start = t
        elif not on and start is not None:
            if t > start:
                out.append((start, t))
            start = None
    if start is not None and t1_s > start:
        out.append((start, t1_s))
    return tuple(out)


class InputBuffer:
    """A node's plots waiting to be processed in time order (see the module docstring).

    Parameters
    ----------
    n_inputs
        Number of measurement inputs (watermarks).
    """

    def __init__(self, n_inputs: int):
        self.watermark = np.zeros(n_inputs)
        self._plots: list[Plots] = []
        self._on: dict[int, list[tuple[float, float]]] = {}
        self.received = 0

    def receive(self, input_index: int, reports) -> None:
        """Take the reports of one delivery of input ``input_index`` (in window order)."""
        for rep in reports:
            if len(rep.plots):
                self._plots.append(rep.plots)
                self.received += len(rep.plots)
            self._on.setdefault(rep.radar, []).extend(rep.on)
            self.watermark[input_index] = max(self.watermark[input_index], rep.t1_s)

    @property
    def horizon(self) -> float:
        """Time up to which every input's plots have arrived [s] (inf without inputs)."""
        return float(self.watermark.min()) if self.watermark.size else float("inf")

    def take(self, t0_s: float, t1_s: float) -> Plots:
        """Remove and return the plots with time stamps < ``t1_s``, time-sorted.

        (Plots before ``t0_s`` cannot be left over: chunks are taken in order.)
        """
        if not self._plots:
            return Plots.empty()
        allp = Plots.concatenate(self._plots)
        cut = int(np.searchsorted(allp.time_s, t1_s, side="left"))
        out = allp.take(slice(0, cut))  # views: the two parts share allp's arrays
        rest = allp.take(slice(cut, len(allp)))
        self._plots = [rest] if len(rest) else []
        return out

    def on(self, radar: int, t0_s: float, t1_s: float):
        """Intervals of [t0, t1) during which ``radar`` was on (as reported)."""
        out = []
        for a, b in self._on.get(radar, ()):
            lo, hi = max(a, t0_s), min(b, t1_s)
            if hi > lo:
                out.append((lo, hi))
        return out

    def forget_before(self, t_s: float) -> None:
        """Drop on-intervals that end before ``t_s`` (keeps the lists short)."""
        for r, iv in self._on.items():
            self._on[r] = [(a, b) for a, b in iv if b > t_s]

    def drop(self) -> None:
        """Discard every waiting plot (a node switched off)."""
        self._plots = []


def process_ready(buffer: InputBuffer, tracker, chunk: int, chunk_s: float, looks, now_s: float,
                  active: bool = True) -> int:
    """Track every whole chunk of plots below the buffer's horizon, in time order.

    Chunk ``k`` is [k·chunk_s, (k+1)·chunk_s); ``chunk`` is the first one not yet processed.
    A chunk is processed once all inputs have reported past its end, so plots are tracked in
    time-stamp order whatever order they arrived in. ``looks(pos, c0, c1, tentative)`` counts
    the node's looks (:meth:`iads.simulation.nodes.PlotTracker.process`); ``active`` False
    drops the plots (a node switched off). Returns the next chunk to process.
    """
    horizon = buffer.horizon
    while (chunk + 1) * chunk_s <= horizon + 1e-9:
        c0, c1 = chunk * chunk_s, (chunk + 1) * chunk_s
        plots = buffer.take(c0, c1)
        if active:
            tracker.process(plots, c0, c1, looks, now_s)
        chunk += 1
    buffer.forget_before(chunk * chunk_s)
    return chunk
