"""Turn an openpyxl workbook into a Grid (used when the workbook is already open for writing)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfxl.errors import UnreadableWorkbookError
from perfxl.grid import Grid, Sheet

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook


def grid_from_openpyxl(wb: Workbook, path: str) -> Grid:
    """The cells of a loaded (not read-only) openpyxl workbook.

    Formula cells hold their formula text in such a workbook; the reader treats those as the
    text typed, so load with ``data_only=True`` when cached values are wanted.
    """
    sheets: list[Sheet] = []
    for ws in wb.worksheets:
        rows: list[list[Any]] = []
        fmts: dict[tuple[int, int], str] = {}
        for r, row in enumerate(ws.iter_rows(values_only=False), start=1):
            vals: list[Any] = []
            for c, cell in enumerate(row, start=1):
                v = cell.value
                vals.append(None if v == "" else v)
                if isinstance(v, int | float) and "%" in (cell.number_format or ""):
                    fmts[(r, c)] = cell.number_format
            rows.append(vals)
        merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheets.append(
            Sheet(
                name=ws.title,
                rows=rows,
                merged=merged,
                visible=ws.sheet_state == "visible",
                number_formats=fmts,
            )
        )
    return Grid(path=path, sheets=sheets)


def read_grid_openpyxl(path: str | Path) -> Grid:
    """Read a file with openpyxl (cached values, number formats known).

    Raises:
        UnreadableWorkbookError: the file cannot be opened as a workbook.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and ValueError variants
        raise UnreadableWorkbookError(f"无法作为工作簿打开：{exc}", path=str(path)) from exc
    return grid_from_openpyxl(wb, str(path))
