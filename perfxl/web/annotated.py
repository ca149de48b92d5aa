"""The annotated copy of an upload: its problems marked in the workbook (a job of the pool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfxl.web.staging import config_from_text, display_name, staged, user_errors


def annotated_copy(path: Path, original_name: str, config_text: str | None, out: Path) -> Path:
    """The upload with its problems marked as ``perfxl validate --annotate`` marks them
    (`perfxl.services.annotate`: a fill and a comment on each problem cell, the 校验结果
    sheet), written atomically; the round-level ``web.`` problems are not marked (they are
    about the round, not a cell's content).

    An .xlsx or .xlsm upload keeps its format: the copy is ``out`` with that suffix. The
    write-back engine edits OOXML only, so an .xls or .ods upload is first rewritten as an
    .xlsx holding its sheets' values and merged ranges (formatting is not carried), and the
    copy is ``out`` with the suffix .xlsx.

    Args:
        path: the stored upload.
        original_name: the uploader's file name.
        config_text: the round's config text (None: the shipped defaults).
        out: where to write (its suffix is replaced as above).

    Returns:
        The path written.

    Raises:
        PerfxlError: the upload cannot be read or is not a perfxl workbook (the message names
            ``original_name``), or ``out`` cannot be written.
    """
    from perfxl.errors import NotAPerfxlWorkbookError, PerfxlError
    from perfxl.services import annotate, validate_files

    name = display_name(original_name)
    config = config_from_text(config_text)
    with (
        staged(Path(path), original_name) as tmp,
        user_errors(name, tmp.parent, Path(out).parent),
    ):
        report = validate_files([tmp], config).reports[0]
        if report.read is None:
            if report.not_perfxl:
                raise NotAPerfxlWorkbookError()
            detail = report.problems[0].message if report.problems else "无法读取。"
            raise PerfxlError(detail)
        if tmp.suffix.lower() in (".xlsx", ".xlsm"):
            target = Path(out).with_suffix(tmp.suffix.lower())
            annotate(report, target)
            return target
        target = Path(out).with_suffix(".xlsx")
        book = tmp.with_suffix(".converted.xlsx")
        _grid_to_xlsx(tmp, book)
        report.path = str(book)
        annotate(report, target)
        return target


def _grid_to_xlsx(src: Path, dest: Path) -> None:
    """An .xls/.ods workbook's sheets (values, merged ranges, hidden state) as an .xlsx."""
    from openpyxl import Workbook

    from perfxl.grid.calamine_grid import read_grid

    grid = read_grid(src)
    wb = Workbook()
    for blank in list(wb.worksheets):
        wb.remove(blank)
    for sheet in grid.sheets:
        ws = wb.create_sheet(sheet.name[:31])
        for row in sheet.rows:
            ws.append([_xlsx_value(v) for v in row])
        for r1, c1, r2, c2 in sheet.merged:
            if (r1, c1) != (r2, c2):
                ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        if not sheet.visible:
            ws.sheet_state = "hidden"
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    wb.save(dest)


def _xlsx_value(v: Any) -> Any:
    """A grid value openpyxl writes as the same value (text starting with = stays text)."""
    if isinstance(v, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", v)
    return v
