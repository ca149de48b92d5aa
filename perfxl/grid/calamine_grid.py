"""Read a workbook into a Grid with python-calamine (fast; cached values, never formulas)."""

from __future__ import annotations

from pathlib import Path

from perfxl.errors import UnreadableWorkbookError
from perfxl.grid import Grid, Sheet, normalize_rows


def read_grid(path: str | Path) -> Grid:
    """Every sheet's values and merged ranges.

    Raises:
        UnreadableWorkbookError: the file cannot be opened as a workbook.
    """
    import python_calamine

    p = str(path)
    try:
        wb = python_calamine.CalamineWorkbook.from_path(p)
    except Exception as exc:  # calamine raises its own error types, not a documented tree
        raise UnreadableWorkbookError(f"无法作为工作簿打开：{exc}", path=p) from exc
    sheets: list[Sheet] = []
    try:
        for meta in wb.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sh = wb.get_sheet_by_name(meta.name)
            rows = normalize_rows(sh.to_python(skip_empty_area=False))
            merged = [
                (r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                for (r1, c1), (r2, c2) in (sh.merged_cell_ranges or [])
            ]
            sheets.append(
                Sheet(
                    name=meta.name,
                    rows=rows,
                    merged=merged,
                    visible="Visible" in str(meta.visible) and "Very" not in str(meta.visible),
                )
            )
    except Exception as exc:  # a corrupt part surfaces only when its sheet is read
        raise UnreadableWorkbookError(f"工作簿内容损坏，无法读取：{exc}", path=p) from exc
    finally:
        wb.close()
    return Grid(path=p, sheets=sheets)
