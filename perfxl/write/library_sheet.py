"""The 指标库 sheet (openpyxl): the library written as a sheet, read back, and put into a
standard workbook with a dropdown of 三级指标 per 二级指标 on every project sheet.

The dropdown needs no Python and no macro: each 三级指标 cell's list is
``OFFSET(指标库 first 三级 cell, MATCH(二级 cell, 二级 column, 0) - 1, 0, COUNTIF(二级 column,
二级 cell), 1)``, the block of the library's rows under the 二级指标 chosen in the same row
(the library keeps each 二级's rows together). Excel, WPS and LibreOffice all evaluate an
OFFSET range as a list source. The list only suggests: anything else may still be typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import a1, col_letter
from perfxl.errors import PerfxlError
from perfxl.library import Entry, Library
from perfxl.numbers import whole
from perfxl.write import styles as S
from perfxl.write.sheets import quote_sheet, set_value, style_range

_WIDTHS = (12, 16, 28, 24, 18, 9, 18)
_L2, _L3 = C.LIBRARY_HEADERS.index("二级指标") + 1, C.LIBRARY_HEADERS.index("三级指标") + 1
_SEP = "\n"  # between the forms of 指标值 (and the 依据) in one cell


def draw_library(ws: Worksheet, lib: Library) -> None:
    """Write the library on ``ws``: a header row, then one row per indicator."""
    for c, (text, width) in enumerate(zip(C.LIBRARY_HEADERS, _WIDTHS, strict=True), start=1):
        ws.column_dimensions[col_letter(c)].width = width
        set_value(ws, a1(1, c), text)
    style_range(ws, f"{a1(1, 1)}:{a1(1, len(_WIDTHS))}", font=S.LABEL, fill=S.LABEL_FILL)
    for r, e in enumerate(lib.entries, start=2):
        row = (
            e.level1,
            e.level2,
            e.level3,
            _SEP.join(e.targets),
            _SEP.join(e.bases),
            e.count,
            "、".join(e.kinds),
        )
        for c, v in enumerate(row, start=1):
            set_value(ws, a1(r, c), v if v != "" else None)
    ws.freeze_panes = a1(2, 1)
    if lib.entries:
        ws.auto_filter.ref = f"{a1(1, 1)}:{a1(len(lib.entries) + 1, len(_WIDTHS))}"


def write_library(lib: Library, out: Path) -> None:
    """The library alone as a workbook (``perfxl library -o 指标库.xlsx``), written atomically."""
    from perfxl.write.fill import save

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = C.LIBRARY_SHEET
    draw_library(ws, lib)
    save(wb, out)


def read_library(path: str | Path) -> Library:
    """The library of a workbook's 指标库 sheet (its columns found by their headers).

    Raises:
        PerfxlError: the file cannot be read or has no 指标库 sheet.
    """
    from perfxl.grid.calamine_grid import read_grid

    grid = read_grid(path)
    sheet = next((s for s in grid.sheets if s.name == C.LIBRARY_SHEET), None)
    if sheet is None or not sheet.rows:
        raise PerfxlError(
            f"没有“{C.LIBRARY_SHEET}”工作表，不是指标库。请用 perfxl library 生成指标库。",
            path=str(path),
        )
    header = [str(v).strip() if v is not None else "" for v in sheet.rows[0]]
    missing = [h for h in C.LIBRARY_HEADERS[:3] if h not in header]
    if missing:
        raise PerfxlError(
            f"“{C.LIBRARY_SHEET}”工作表第一行缺少列标题：{'、'.join(missing)}。"
            "请用 perfxl library 重新生成指标库。",
            path=str(path),
        )
    pos = {h: header.index(h) for h in C.LIBRARY_HEADERS if h in header}

    def get(row: list[Any], h: str) -> Any:
        i = pos.get(h)
        return row[i] if i is not None and i < len(row) else None

    entries = []
    for row in sheet.rows[1:]:
        l2, l3 = get(row, "二级指标"), get(row, "三级指标")
        if l3 in (None, ""):
            continue
        count = get(row, "使用次数")
        entries.append(
            Entry(
                level1=_text(get(row, "一级指标")),
                level2=_text(l2) or "",
                level3=str(_text(l3)),
                targets=_lines(get(row, "指标值（常见写法）")),
                bases=_lines(get(row, "指标值确定依据")),
                count=int(count) if isinstance(count, int | float) else 0,
                kinds=[k for k in str(get(row, "项目类别") or "").split("、") if k],
            )
        )
    return Library(entries)


def add_library(wb: Workbook, lib: Library, *, layout: L.Layout = L.STANDARD) -> None:
    """Add the 指标库 sheet (last) and the 三级指标 dropdown to every project sheet of ``wb``."""
    from perfxl.grid.openpyxl_grid import grid_from_openpyxl
    from perfxl.read import classify
    from perfxl.write.sheets import indicator_last_row

    grid = grid_from_openpyxl(wb, "")
    projects = [s.name for s in grid.sheets if classify(s, layout)[0] == "project"]
    if C.LIBRARY_SHEET in wb.sheetnames:
        del wb[C.LIBRARY_SHEET]
    draw_library(wb.create_sheet(C.LIBRARY_SHEET), lib)
    for name in projects:
        ws = wb[name]
        add_dropdown(ws, indicator_last_row(ws, layout), layout)


def level3_formula(level2_cell: str) -> str:
    """The list source of a 三级指标 cell whose 二级指标 is ``level2_cell`` (no ``=``)."""
    sheet = quote_sheet(C.LIBRARY_SHEET)
    col2 = f"{sheet}!${col_letter(_L2)}:${col_letter(_L2)}"
    first3 = f"{sheet}!${col_letter(_L3)}$1"
    return f"OFFSET({first3},MATCH({level2_cell},{col2},0)-1,0,COUNTIF({col2},{level2_cell}),1)"


def add_dropdown(ws: Worksheet, last_row: int, layout: L.Layout = L.STANDARD) -> None:
    """The 三级指标 dropdown on every indicator row of a project sheet, down to ``last_row``."""
    form = layout.project
    first = form.indicator_first_row
    col2 = form.indicator_columns["level2"][0]
    col3 = form.indicator_columns["level3"][0]
    dv = DataValidation(
        type="list",
        formula1=level3_formula(f"${col_letter(col2)}{first}"),
        allow_blank=True,
        showErrorMessage=False,  # the library suggests; a new indicator may still be typed
        showInputMessage=True,
        promptTitle=C.LIBRARY_SHEET,
        prompt="先选二级指标，再从下拉列表中选历年用过的三级指标（见“指标库”工作表），也可直接填写。",
    )
    dv.add(f"{a1(first, col3)}:{a1(last_row, col3)}")
    ws.add_data_validation(dv)


def _text(v: Any) -> str | None:
    """A name cell as Excel shows it: a whole number typed there (read as 3.0) is ``3``."""
    return None if v in (None, "") else str(whole(v))


def _lines(v: Any) -> list[str]:
    return [x for x in str(v).split(_SEP) if x.strip()] if v not in (None, "") else []
