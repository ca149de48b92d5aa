"""A1 notation, parsed and written in one place (pure; no spreadsheet library needed).

Every reader of a cell address in perfxl goes through :func:`parse_a1` or :func:`parse_range`:
the form's own addresses, a problem's cell, a cell a caller asks to write, and the ``r`` and
``ref`` attributes of a worksheet's XML (``strict=True``: there only ``B7`` itself is valid).
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_ROW = 1_048_576
MAX_COL = 16_384  # XFD

# Written by a person or a formula: `$` anchors, any case and surrounding blanks are accepted.
_A1 = re.compile(r"\s*\$?([A-Za-z]{1,3})\$?(\d+)\s*")
# As a worksheet's XML writes it.
_CANONICAL = re.compile(r"([A-Z]{1,3})(\d+)")


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
def parse_a1(ref: str, *, strict: bool = False) -> tuple[int, int]:
    """'C4' -> (row 4, column 3), both 1-based.

    Args:
        ref: one cell; ``$C$4`` and ``c4`` are read as ``C4``.
        strict: accept only ``C4`` itself, as a worksheet's XML writes it.

    Raises:
        ValueError: not one cell, or outside Excel's grid (row 0, column XFE, ...).
    """
    m = (_CANONICAL if strict else _A1).fullmatch(ref)
    if m is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    row, col = int(m.group(2)), col_index(m.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise ValueError(f"outside the sheet: {ref!r}")
    return row, col


def a1(row: int, col: int) -> str:
    """(4, 3) -> 'C4'."""
    return f"{col_letter(col)}{row}"


def shift(ref: str, rows: int = 0, cols: int = 0) -> str:
    """Move a reference by whole rows and columns."""
    r, c = parse_a1(ref)
    return a1(r + rows, c + cols)


def parse_range(ref: str, *, strict: bool = False) -> tuple[int, int, int, int]:
    """'B3:C3' -> (3, 2, 3, 3) as (min_row, min_col, max_row, max_col); a lone cell works too.

    Raises:
        ValueError: either end is not a cell (see :func:`parse_a1`).
    """
    first, _, last = ref.partition(":")
    r1, c1 = parse_a1(first, strict=strict)
    r2, c2 = parse_a1(last, strict=strict) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)
