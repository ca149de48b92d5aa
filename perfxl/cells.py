"""A1-notation helpers (pure; no spreadsheet library needed)."""

from __future__ import annotations

import re
from functools import lru_cache

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def col_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    if col < 1:
        raise ValueError(f"column index must be >= 1, got {col}")
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """A -> 1, AA -> 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@lru_cache(maxsize=65536)  # the form's few hundred addresses are parsed for every sheet
def parse_a1(ref: str) -> tuple[int, int]:
    """'C4' -> (row 4, column 3), both 1-based."""
    m = _A1.match(ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_index(m.group(1))


def a1(row: int, col: int) -> str:
    """(4, 3) -> 'C4'."""
    return f"{col_letter(col)}{row}"


def shift(ref: str, rows: int = 0, cols: int = 0) -> str:
    """Move a reference by whole rows and columns."""
    r, c = parse_a1(ref)
    return a1(r + rows, c + cols)


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'B3:C3' -> (3, 2, 3, 3) as (min_row, min_col, max_row, max_col); a lone cell works too."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_a1(first)
    r2, c2 = parse_a1(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)
