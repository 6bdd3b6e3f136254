"""The project's one randomness policy.

Every stochastic component draws from its own :class:`numpy.random.Generator`, keyed by the run's
root seed and a *stable identifier* of the component (``"radar/91N6E-1"``, ``("rep", 17)``).
The key is hashed into a ``SeedSequence`` spawn key, so:

* the same root seed and identifier always give the same stream, whatever the number of workers
  or the order in which components are created;
* adding or removing a component never shifts the draws of another.

Nothing in iads uses a module-level RNG.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["spawn_key", "component_seed", "component_rng"]


def _words(part: str | int) -> tuple[int, ...]:
    if isinstance(part, bool) or not isinstance(part, int | str):
        raise TypeError(f"stream identifiers are str or int, got {type(part).__name__}")
    if isinstance(part, int):
        if part < 0:
            raise ValueError("integer stream identifiers must be >= 0")
        # type tag 0 for ints, then the value in 32-bit words (little end first)
        words = [0]
        v = part
        while True:
            words.append(v & 0xFFFFFFFF)
            v >>= 32
            if not v:
                break
        return tuple(words)
    digest = hashlib.blake2b(part.encode("utf-8"), digest_size=16).digest()
    return (1, *np.frombuffer(digest, dtype="<u4").tolist())


def spawn_key(*identifier: str | int) -> tuple[int, ...]:
    """Stable ``SeedSequence`` spawn key for a component identifier.

    Each part is tagged by its type, so ``("a", 1)`` and ``("a", "1")`` differ, and
    length-prefixed, so ``("ab",)`` and ``("a", "b")`` differ.
    """
    key: list[int] = []
    for part in identifier:
        w = _words(part)
        key.append(len(w))
        key.extend(w)
    return tuple(int(x) for x in key)


def component_seed(root_seed: int, *identifier: str | int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of a component under a root seed."""
    if isinstance(root_seed, bool) or not isinstance(root_seed, int | np.integer) or root_seed < 0:
        raise ValueError(f"root seed must be a non-negative integer, got {root_seed!r}")
    return np.random.SeedSequence(int(root_seed), spawn_key=spawn_key(*identifier))


def component_rng(root_seed: int, *identifier: str | int) -> np.random.Generator:
    """A fresh ``Generator`` (PCG64) for the component named by ``identifier``.

    Examples
    --------
    >>> g1 = component_rng(42, "radar", "91N6E-1")
    >>> g2 = component_rng(42, "radar", "91N6E-1")
    >>> float(g1.random()) == float(g2.random())
    True
    """
    return np.random.Generator(np.random.PCG64(component_seed(root_seed, *identifier)))
