"""Performance metrics of trackers, air pictures and engagements.

* :mod:`~iads.metrics.gospa`: the GOSPA metric (α = 2) with its localisation / missed / false
  decomposition;
* :mod:`~iads.metrics.picture`: track continuity (breaks, swaps) and time to a confirmed track;
* :mod:`~iads.metrics.identity`: identity matrices over time, engagement envelopes, minutes
  civil and allied aircraft spend labelled unknown or suspect inside them;
* :mod:`~iads.metrics.exposure`: an aircraft's exposure to a radar (time under detection,
  aspects seen, closest approach).
"""

from .gospa import GOSPA, gospa

__all__ = ["GOSPA", "gospa"]
