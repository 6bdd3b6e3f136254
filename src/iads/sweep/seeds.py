"""Seeds of a sweep: one integer per (grid point, replication), keyed, never counted.

A replication's seed comes from the study's root seed and a stable identifier,
``("sweep", point key, replication index)``, through :func:`iads.rng.component_seed`. The point
key is the canonical JSON text of the point's parameter values (:func:`point_key`), so

* adding grid points or replications changes no existing replication's seed;
* the order in which replications run, their grouping into tasks and the number of workers
  cannot change a result.

The seed handed to a model is a plain non-negative integer (63 bits drawn from that
``SeedSequence``): stored with the replication, it reproduces it alone, and the model derives its
own streams from it with :func:`iads.rng.component_rng` (``component_rng(seed, "radar", id)``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..rng import component_seed

__all__ = ["point_key", "replication_seed"]


def _plain(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def point_key(values: Mapping[str, Any]) -> str:
    """Canonical text of a grid point: JSON with sorted keys and no spaces.

    >>> point_key({"terrain.k_factor": 1.2, "coverage.pd": 0.5})
    '{"coverage.pd":0.5,"terrain.k_factor":1.2}'
    >>> point_key({})
    '{}'
    """
    return json.dumps(_plain(values), sort_keys=True, separators=(",", ":"), default=str,
                      ensure_ascii=False)


def replication_seed(root_seed: int, key: str, rep: int) -> int:
    """The integer seed [0, 2**63) of replication ``rep`` at the grid point with key ``key``.

    >>> replication_seed(7, "{}", 0) == replication_seed(7, "{}", 0)
    True
    >>> replication_seed(7, "{}", 0) != replication_seed(7, "{}", 1)
    True
    """
    state = component_seed(root_seed, "sweep", key, int(rep)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))
