"""A workbook as plain cells: every reader (openpyxl, python-calamine, xlwings) yields a Grid.

The core turns a Grid into the model through the layout declaration, so all sources of cells
are read the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mypy_extensions import mypyc_attr


@mypyc_attr(serializable=True)
@dataclass
class Sheet:
    """The values of one sheet.

    Attributes:
        name: the sheet name.
        rows: values by row, row 1 first; ``None`` for an empty cell.
        merged: merged ranges as (min_row, min_col, max_row, max_col), 1-based, inclusive.
        visible: False for hidden and very hidden sheets.
        unsaved_tail: the row of the sheet's last formula when no value stands in that row or
            below (`perfxl.grid.tails.unsaved_tail`, noted by the preflight): rows of
            formulas without a saved result, which a reader of cached values leaves out of
            ``rows``; 0 for none (or a reader that cannot tell).
    """

    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    visible: bool = True
    unsaved_tail: int = 0
    _merge_map: dict[tuple[int, int], tuple[int, int]] | None = field(
        default=None, repr=False, compare=False
    )
    _asked: int = field(default=0, repr=False, compare=False)

    @property
    def nrows(self) -> int:
        """The number of rows held (the used range from A1)."""
        return len(self.rows)

    @property
    def ncols(self) -> int:
        """The width of the widest row held."""
        return max((len(r) for r in self.rows), default=0)

    def get(self, row: int, col: int) -> Any:
        """The value at (row, col), 1-based; None when empty or outside the used range."""
        if row < 1 or col < 1 or row > len(self.rows):
            return None
        r = self.rows[row - 1]
        if col > len(r):
            return None
        v = r[col - 1]
        return None if v == "" else v

    def merge_origin(self, row: int, col: int) -> tuple[int, int] | None:
        """The top-left cell of the merged range covering (row, col), if it is not itself.

        Where ranges overlap (a damaged file), the last one listed decides. The first few
        questions scan the ranges; a sheet asked more often gets a map of every merged cell.
        """
        if self._merge_map is None:
            self._asked += 1
            if self._asked <= _SCANS:
                for r1, c1, r2, c2 in reversed(self.merged):
                    if r1 <= row <= r2 and c1 <= col <= c2 and (row, col) != (r1, c1):
                        return (r1, c1)
                return None
            m: dict[tuple[int, int], tuple[int, int]] = {}
            for r1, c1, r2, c2 in self.merged:
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        if (r, c) != (r1, c1):
                            m[(r, c)] = (r1, c1)
            self._merge_map = m
        return self._merge_map.get((row, col))


_SCANS = 64  # merge_origin questions answered by a scan before the map is built


@mypyc_attr(serializable=True)
@dataclass
class Grid:
    """Every sheet of a workbook, in workbook order.

    ``core``: the file's ``docProps/core.xml`` when the reader already read it (the preflight
    of an .xlsx), for `perfxl.savedtime.saved_time`; None otherwise. ``sheet_xml``: the
    worksheet parts the preflight inflated, by zip name, when asked for (``read_grid``'s
    ``keep_sheets``: the write-back engine takes them instead of inflating them again).
    """

    path: str
    sheets: list[Sheet]
    core: bytes | None = None
    sheet_xml: dict[str, bytes] | None = None

    def names(self) -> list[str]:
        """Sheet names in workbook order."""
        return [s.name for s in self.sheets]


def normalize_rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """Rows with empty strings turned into None (readers differ on empty cells)."""
    return [[None if v == "" else v for v in r] for r in rows]
