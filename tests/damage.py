"""Deterministic damage to a data document, for tests that compare a fast path with jsonschema."""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
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


def comparable(findings: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Findings as tuples that compare equal when the findings are the same, NaN values too.

    A damaged document may hold NaN (one of the ``bad`` values). Before Python 3.13 a dataclass
    compared its fields as one tuple, where the same NaN object equals itself. From 3.13 it
    compares them one by one with ``==``, where NaN never equals anything."""
    return [
        tuple(NAN if isinstance(v, float) and math.isnan(v) else v for v in astuple_shallow(f))
        for f in findings
    ]


class _Nan:
    """What `comparable` puts for a NaN: one object, equal only to itself (not the text NaN)."""

    def __repr__(self) -> str:
        return "NaN"


NAN = _Nan()


def astuple_shallow(record: Any) -> tuple[Any, ...]:
    """A dataclass record's fields, in order, not copied (`dataclasses.astuple` deep-copies)."""
    return tuple(getattr(record, f.name) for f in fields(record))
