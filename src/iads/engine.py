"""The simulation core: a heap of timed events, nothing more (after SimPy's ``Environment``).

Events are ``(time, priority, seq, handler, payload)``; the heap pops them in time order, then by
priority (lower first), then in the order they were scheduled, so a run is deterministic. A
handler is a plain callable ``handler(engine, time, payload)`` that may schedule more events.
Handlers do the work vectorised over all objects (a radar scan handles every air object at once),
so the heap holds few, coarse events: scans, message deliveries, scenario events.

Time is continuous [s]; nothing is sampled on a fixed step.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Engine", "Priority"]


class Priority:
    """Tie-breaking order of events at the same instant (lower runs first)."""

    SCENARIO = 0  #: timed scenario events (a radar switched off acts before it scans)
    SENSOR = 10  #: sensor dwells and scans
    MESSAGE = 20  #: network deliveries
    DECISION = 30  #: identification, fire control
    METRIC = 40  #: sampling of metrics


Handler = Callable[["Engine", float, Any], None]


@dataclass
class Engine:
    """A deterministic discrete-event loop.

    Examples
    --------
    >>> log = []
    >>> eng = Engine()
    >>> eng.schedule(2.0, Priority.SENSOR, lambda e, t, p: log.append((t, p)), "b")
    >>> eng.schedule(1.0, Priority.SENSOR, lambda e, t, p: log.append((t, p)), "a")
    >>> eng.run(until=10.0)
    >>> log
    [(1.0, 'a'), (2.0, 'b')]
    """

    now: float = 0.0
    _heap: list = field(default_factory=list)
    _seq: int = 0
    processed: int = 0

    def schedule(self, time: float, priority: int, handler: Handler, payload: Any = None) -> None:
        """Schedule ``handler(engine, time, payload)`` at ``time`` [s] (not before ``now``)."""
        if time < self.now:
            raise ValueError(f"cannot schedule at t={time} before now={self.now}")
        heapq.heappush(self._heap, (float(time), int(priority), self._seq, handler, payload))
        self._seq += 1

    def peek(self) -> float:
        """Time of the next event [s], ``inf`` when none is left."""
        return self._heap[0][0] if self._heap else float("inf")

    def step(self) -> None:
        """Process the next event."""
        time, _, _, handler, payload = heapq.heappop(self._heap)
        self.now = time
        handler(self, time, payload)
        self.processed += 1

    def run(self, until: float) -> None:
        """Process every event up to and including time ``until`` [s]; ``now`` ends there."""
        while self._heap and self._heap[0][0] <= until:
            self.step()
        self.now = max(self.now, until)
