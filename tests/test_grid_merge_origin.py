"""Sheet.merge_origin answers the same by scanning the ranges as by its map of merged cells,
overlapping ranges (a damaged file) included: the last range listed decides."""

from __future__ import annotations

import random

from perfxl.grid import _SCANS, Sheet


def _by_map(merged: list[tuple[int, int, int, int]], row: int, col: int) -> tuple[int, int] | None:
    m: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in merged:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    m[(r, c)] = (r1, c1)
    return m.get((row, col))


def test_scan_and_map_agree_on_overlapping_ranges() -> None:
    rng = random.Random(17)
    for _ in range(40):
        merged = []
        for _ in range(rng.randint(0, 6)):
            r1, c1 = rng.randint(1, 6), rng.randint(1, 6)
            merged.append((r1, c1, r1 + rng.randint(0, 3), c1 + rng.randint(0, 3)))
        sheet = Sheet("s", rows=[], merged=merged)
        cells = [(r, c) for r in range(1, 11) for c in range(1, 11)]
        rng.shuffle(cells)
        answers = [sheet.merge_origin(r, c) for r, c in cells]  # scans, then the map
        assert answers == [_by_map(merged, r, c) for r, c in cells]
        assert len(cells) > _SCANS and sheet._merge_map is not None  # both ways were used
