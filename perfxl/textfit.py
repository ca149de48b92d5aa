"""How tall a row must be to show wrapped text: spreadsheet apps do not work it out for us.

Neither Excel nor LibreOffice grows a row for wrapped text in merged cells, and LibreOffice
grows no row at all when it opens an .xlsx written by openpyxl or xlsxwriter. So the writers
set row heights from the text: a column width is counted in characters of the default font;
a CJK (or full-width) character takes two of them at 10.5 pt, a Latin one one; a line is about
1.33 times the font size high. Pure: no I/O library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

BASE_SIZE = 10.5  # pt: two width units per CJK character at this size
LINE = 14.0  # pt: the height of a 10.5 pt line
MAX_HEIGHT = 409.0  # pt: Excel's largest row
_NARROW = re.compile("[\x00-\u2e7f]+")


def display_width(text: str) -> int:
    """Width units of ``text`` at 10.5 pt: 2 for each CJK or full-width character, else 1."""
    if text.isascii():
        return len(text)
    return len(text) + len(_NARROW.sub("", text))


def lines(text: str, width: float, size: float = BASE_SIZE) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (newlines included)."""
    scale = size / BASE_SIZE
    per_line = max(int((width - 1) / scale), 1)
    return sum(max(1, -(-display_width(part) // per_line)) for part in text.split("\n"))


def lines_height(n: int, size: float = BASE_SIZE) -> float:
    """The height (points) of ``n`` lines of text at ``size``, with the cell's padding."""
    return min(MAX_HEIGHT, LINE * size / BASE_SIZE * n + 6)


def row_height(
    texts: Iterable[tuple[Any, float]], *, minimum: float = 30, size: float = BASE_SIZE
) -> float:
    """A row height (points) showing every (text, column width) pair; non-texts are skipped."""
    n = 1
    for text, width in texts:
        if isinstance(text, str):
            n = max(n, lines(text, width, size))
    return min(MAX_HEIGHT, max(minimum, lines_height(n, size)))
