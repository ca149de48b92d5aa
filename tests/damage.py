"""Deterministic damage to a data document, for tests that compare a fast path with jsonschema."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any


def damaged(
    data: dict[str, Any],
    paths: Sequence[tuple[Any, ...]],
    bad: Sequence[Any],
    n: int,
    seed: int,
    how_many: Callable[[random.Random], int],
) -> Iterator[dict[str, Any]]:
    """``n`` copies of ``data``, each with ``how_many(rng)`` values at ``paths`` replaced by one
    of ``bad`` (or, one time in ten where the parent is a dict, the key removed); a path that
    an earlier change made unreachable is passed over."""
    rng = random.Random(seed)
    for _ in range(n):
        d = copy.deepcopy(data)
        for _ in range(how_many(rng)):
            path = rng.choice(paths)
            target: Any = d
            try:
                for k in path[:-1]:
                    target = target[k]
                if rng.random() < 0.1 and isinstance(target, dict):
                    del target[path[-1]]
                else:
                    target[path[-1]] = copy.deepcopy(rng.choice(bad))
            except (KeyError, IndexError, TypeError):
                pass
        yield d
