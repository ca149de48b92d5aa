"""Turn an openpyxl workbook into a Grid (used when the workbook is already open for writing).

A file read here goes through ``perfxl.safety.preflight`` first; openpyxl itself parses XML
through defusedxml (installed with perfxl), so no entity is expanded either way. A legacy .xls
(which openpyxl cannot open) is read with python-calamine instead.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfxl import xstring
from perfxl.grid import Grid, Sheet
from perfxl.safety import DEFAULT_LIMITS, Limits, check_text, library_error, preflight

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

_MIDNIGHT = dt.time()


def grid_from_openpyxl(wb: Workbook, path: str) -> Grid:
    """The cells of a loaded (not read-only) openpyxl workbook.

    Formula cells hold their formula text in such a workbook; the reader treats those as the
    text typed, so load with ``data_only=True`` when cached values are wanted.
    """
    sheets: list[Sheet] = []
    for ws in wb.worksheets:
        # Only cells holding a value span the grid: formatting-only cells (Gnumeric writes them
        # out to XFD1048576) would make a dense walk of max_row x max_column endless.
        cells = [(rc, cell) for rc, cell in ws._cells.items() if cell.value is not None]
        nrows = max((r for (r, _), _ in cells), default=0)
        ncols = max((c for (_, c), _ in cells), default=0)
        rows: list[list[Any]] = [[None] * ncols for _ in range(nrows)]
        for (r, c), cell in cells:
            v = cell.value
            if isinstance(v, str):
                v = xstring.unescape(v)  # as Excel and calamine decode it
            elif type(v) is dt.datetime and v.tzinfo is None and v.time() == _MIDNIGHT:
                v = v.date()  # a date-formatted cell: calamine gives the date alone
            rows[r - 1][c - 1] = None if v == "" else v
        merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheets.append(
            Sheet(
                name=ws.title,
                rows=rows,
                merged=merged,
                visible=ws.sheet_state == "visible",
            )
        )
    return Grid(path=path, sheets=sheets)


def read_grid_openpyxl(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Grid:
    """Read a file with openpyxl (cached values).

    Cached errors come back as their text (``#DIV/0!``); formulas without a cached value as
    None. Macros are never run (openpyxl does not even load them without ``keep_vba``).

    Raises:
        UnreadableWorkbookError: the file cannot be opened as a workbook, or is refused
            (a subclass from ``perfxl.safety`` says why).
    """
    from openpyxl import load_workbook

    from perfxl.grid.calamine_grid import mark_unsaved_tails, read_grid

    p = str(path)
    pre = preflight(p, limits)
    if pre.kind != "xlsx":  # .xls and .ods: openpyxl cannot read them
        return read_grid(p, limits)
    try:
        with warnings.catch_warnings():  # "unknown extension" and similar chatter
            warnings.simplefilter("ignore")
            with open(p, "rb") as fh:  # openpyxl's own open takes the file name's suffix on trust
                wb = load_workbook(fh, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and ValueError variants
        raise library_error(exc, p) from exc
    grid = grid_from_openpyxl(wb, p)
    for sheet in grid.sheets:
        check_text(p, sheet, limits)
    mark_unsaved_tails(p, pre, grid.sheets)
    return grid
