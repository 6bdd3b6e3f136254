"""Performance metrics of trackers and engagements.

* :mod:`~iads.metrics.gospa`: the GOSPA metric (α = 2) with its localisation / missed / false
  decomposition.
"""

from .gospa import GOSPA, gospa

__all__ = ["GOSPA", "gospa"]
