"""Summaries longer than a sheet holds: tables continued on further sheets, read back whole.

Excel's sheets hold 1,048,576 rows; `writer.SHEET_ROWS` is set small here so that the
example county's summary splits (its 校验问题 has some 2,500 rows) without generating
thousands of workbooks.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from books import sheets as _sheets
from conftest import ROOT, convert

from perfxl import constants as C
from perfxl import layout as L
from perfxl.consolidate import columns as K
from perfxl.consolidate import summary_xml, writer
from perfxl.consolidate.run import Options, consolidate
from perfxl.write.patch import CellWrite, WorkbookPatch

COUNTY = ROOT / "examples" / "county"
ROWS = 50  # rows per sheet, the header row included


def _table(sheets: dict[str, list[list[Any]]], name: str) -> list[list[Any]]:
    """A table's header and the rows of all its sheets (each sheet's header checked)."""
    header = sheets[name][0]
    rows = list(sheets[name][1:])
    i = 1
    while (more := sheets.get(K.continued(name, i))) is not None:
        assert more[0] == header
        rows.extend(more[1:])
        i += 1
    return [header, *rows]


def _sheet_xml(path: Path) -> dict[str, bytes]:
    """Every part but the volatile ones (docProps times, 说明's 生成时间 in sharedStrings)."""
    with zipfile.ZipFile(path) as z:
        return {
            n: z.read(n)
            for n in z.namelist()
            if n not in ("docProps/core.xml", "xl/sharedStrings.xml")
        }


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example county consolidated whole and split (in memory, and spilled on two
    workers: rows rendered by the workers, cut where a sheet ends)."""
    tmp = tmp_path_factory.mktemp("split")
    whole = consolidate([COUNTY], tmp / "whole.xlsx", Options(jobs=1))
    mp = pytest.MonkeyPatch()
    mp.setattr(writer, "SHEET_ROWS", ROWS)
    try:
        split = consolidate([COUNTY], tmp / "split.xlsx", Options(jobs=1))
        consolidate([COUNTY], tmp / "spilled.xlsx", Options(jobs=2, spill=2))
    finally:
        mp.undo()
    return {"tmp": tmp, "whole": whole, "split": split}


def test_long_tables_go_on_in_named_sheets_of_whole_rows(made: dict[str, Any]) -> None:
    tmp = made["tmp"]
    whole, split = _sheets(tmp / "whole.xlsx"), _sheets(tmp / "split.xlsx")
    assert len(whole[K.PROBLEMS.sheet]) > 20 * ROWS  # the example is long enough to split
    assert K.continued(K.PROBLEMS.sheet, 1) == "校验问题（续1）"
    assert "校验问题（续1）" not in whole
    for name in (K.SUMMARY.sheet, K.INDICATORS.sheet, K.PROBLEMS.sheet):
        assert K.continued(name, 1) in split
        assert _table(split, name) == whole[name]
        parts = [s for n, s in split.items() if n == name or n.startswith(f"{name}（续")]
        assert all(len(s) <= ROWS for s in parts)
        assert all(len(s) == ROWS for s in parts[:-1])  # every sheet full but the last
    # Continuations follow their table; short tables and the other sheets are as before.
    names = list(split)
    assert names.index("校验问题（续1）") == names.index(K.PROBLEMS.sheet) + 1
    for name in (K.UNITS.sheet, K.FILES.sheet, K.VERSION_CHANGES.sheet):
        assert split[name] == whole[name]
    assert all(len(n) <= 31 for n in names)
    readme = "".join(str(v) for row in split[K.README_SHEET] for v in row)
    assert "校验问题（续1）至校验问题（续" in readme and f"每个工作表最多 {ROWS:,} 行" in readme
    assert "续1" not in "".join(str(v) for row in whole[K.README_SHEET] for v in row)


def test_workers_rows_cut_at_a_sheet_end_are_the_rows_rendered_here(made: dict[str, Any]) -> None:
    tmp = made["tmp"]
    assert _sheet_xml(tmp / "spilled.xlsx") == _sheet_xml(tmp / "split.xlsx")


def test_a_continuation_sheet_is_drawn_as_its_table(made: dict[str, Any]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(made["tmp"] / "split.xlsx")
    first, more = wb[K.PROBLEMS.sheet], wb["校验问题（续2）"]
    for ws in (first, more):
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:L{ROWS}"
        assert ws.max_row == ROWS
        assert ws.print_title_rows == "$1:$1"
        assert ws.print_area is not None and f"$K${ROWS}" in ws.print_area
        assert ws.cell(1, 1).value == "单位编码" and ws.cell(1, 1).font.b
    assert more.column_dimensions["E"].width == first.column_dimensions["E"].width
    assert more.oddHeader.center.text == "校验问题（续2）"
    last = wb[K.continued(K.PROBLEMS.sheet, max(_counts(wb.sheetnames, K.PROBLEMS.sheet)))]
    assert last.auto_filter.ref == f"A1:L{last.max_row}" and 1 < last.max_row < ROWS
    assert wb[K.SUMMARY.sheet].freeze_panes == "D2" == wb["汇总（续1）"].freeze_panes


def _counts(names: list[str], table: str) -> list[int]:
    return [i for i in range(len(names)) if K.continued(table, i) in names]


def test_a_split_summary_reads_back_as_the_whole_one(made: dict[str, Any]) -> None:
    tmp = made["tmp"]
    again = consolidate([tmp / "whole.xlsx"], tmp / "from-whole.xlsx", Options(jobs=1))
    back = consolidate([tmp / "split.xlsx"], tmp / "from-split.xlsx", Options(jobs=1))
    for t in ("summary", "units", "indicators", "problems", "version_changes", "totals"):
        assert getattr(back, t) == getattr(again, t), t
    assert len(back.problems) == len(made["whole"].problems)
    # (提交情况 and 说明 name the summary read, and its time: they differ by design.)
    assert _long_sheets(tmp / "from-split.xlsx") == _long_sheets(tmp / "from-whole.xlsx")


def test_summary_of_summaries_is_the_same_whatever_the_split(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
    for p in sorted(COUNTY.glob("9*.xlsx")):
        shutil.copy2(p, (a if p.name < "910005" else b) / p.name)
    mp = pytest.MonkeyPatch()
    for rows in (None, 40, 120):
        if rows is not None:
            mp.setattr(writer, "SHEET_ROWS", rows)
        level = tmp_path / f"rows-{rows}"
        level.mkdir()
        try:
            for d in (a, b):
                consolidate([d], level / f"{d.name}.xlsx", Options(jobs=1))
        finally:
            mp.undo()
        consolidate([level / "a.xlsx", level / "b.xlsx"], level / "city.xlsx", Options(jobs=1))
    city = _long_sheets(tmp_path / "rows-None" / "city.xlsx")
    assert len(_sheets(tmp_path / "rows-40" / "a.xlsx")) > len(city) + 5  # split below
    assert _long_sheets(tmp_path / "rows-40" / "city.xlsx") == city
    assert _long_sheets(tmp_path / "rows-120" / "city.xlsx") == city


def _long_sheets(path: Path) -> dict[str, Any]:
    """The long tables of a summary, by sheet name: the values of each, and the XML of the
    sheets whose rows are streamed (inline strings: the XML of the others numbers its
    strings in a table that also holds the 说明 sheet's input names)."""
    sheets = _sheets(path)
    with zipfile.ZipFile(path) as z:
        xml = {
            n: z.read(f"xl/worksheets/sheet{i + 1}.xml")
            for i, n in enumerate(sheets)
            if n in {t.sheet for t in writer.STREAMED}
        }
    long = (K.SUMMARY, K.UNITS, K.INDICATORS, K.PROBLEMS, K.VERSION_CHANGES)
    return {"xml": xml, **{t.sheet: sheets.get(t.sheet) for t in long}}


def test_rows_cut_from_a_workers_xml_are_those_rows_rendered() -> None:
    styles: dict[str | None, list[int]] = {None: [1, 2, 3]}
    rows = [("a<row>", i, None if i % 3 else "x" * (i % 7)) for i in range(40)]
    done = summary_xml.deflated(summary_xml.render_rows(rows, styles))
    for lo, hi in ((0, 1), (3, 17), (17, 40), (39, 40)):
        assert summary_xml.rows_between(done, lo, hi) == b"".join(
            summary_xml.render_rows(rows[lo:hi], styles)
        )
    with pytest.raises(ValueError):
        summary_xml.rows_between(done, 0, 41)


def _copies(example: Path, folder: Path, codes: list[str]) -> None:
    data = example.read_bytes()
    cell = next(f.ref for f in L.COVER_FIELDS if f.key == "unit/code")
    folder.mkdir()
    for code in codes:
        patch = WorkbookPatch(data)
        patch.write_cells([CellWrite(C.COVER_SHEET, cell, code)])
        (folder / f"{code}.xlsx").write_bytes(patch.to_bytes())


@pytest.mark.parametrize(
    ("example", "tables"),
    [
        ("suying-2023-monitoring.xlsx", (K.MONITOR_SUMMARY.sheet, K.RECTIFY.sheet)),
        ("suying-2023-evaluation.xlsx", ("自评汇总",)),
    ],
)
def test_stage_summaries_go_on_in_further_sheets(
    example: str, tables: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copies(ROOT / "examples" / example, tmp_path / "in", [f"91000{i}" for i in range(1, 5)])
    consolidate([tmp_path / "in"], tmp_path / "whole.xlsx", Options(jobs=1))
    whole = _sheets(tmp_path / "whole.xlsx")
    rows = 4
    monkeypatch.setattr(writer, "SHEET_ROWS", rows)
    consolidate([tmp_path / "in"], tmp_path / "split.xlsx", Options(jobs=1))
    split = _sheets(tmp_path / "split.xlsx")
    for name in (*tables, K.FILES.sheet):
        assert len(whole[name]) > rows  # long enough to split
        assert K.continued(name, 1) in split
        assert _table(split, name) == whole[name]
        assert all(len(s) <= rows for n, s in split.items() if n.startswith(name))
    readme = "".join(str(v) for row in split[K.README_SHEET] for v in row)
    assert f"{K.continued(K.FILES.sheet, 1)}：接续“提交情况”的行" in readme


@pytest.mark.libreoffice
def test_a_split_summary_opens_in_libreoffice(made: dict[str, Any], tmp_path: Path) -> None:
    (pdf,) = convert([made["tmp"] / "split.xlsx"], "pdf", tmp_path)
    assert pdf.stat().st_size > 1000


CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.mark.libreoffice
def test_every_reader_reads_the_continuation_sheets_alike(
    made: dict[str, Any], tmp_path: Path
) -> None:
    import csv

    import openpyxl

    split = made["tmp"] / "split.xlsx"
    by_calamine = _sheets(split)
    wb = openpyxl.load_workbook(split, read_only=True)
    convert([split], CSV_ALL_SHEETS, tmp_path)
    for name in ("校验问题（续1）", "指标明细（续3）", "汇总（续1）"):
        rows = by_calamine[name]
        by_openpyxl = [list(r) for r in wb[name].iter_rows(values_only=True)]
        assert len(by_openpyxl) == len(rows) == ROWS
        with (tmp_path / f"split-{name}.csv").open(encoding="utf-8") as fh:
            by_lo = list(csv.reader(fh))
        assert len(by_lo) == ROWS
        for ours, theirs, lo in zip(rows, by_openpyxl, by_lo, strict=True):
            texts = [(i, v) for i, v in enumerate(ours) if isinstance(v, str) and v]  # "": empty
            assert texts and all(theirs[i] == v == lo[i] for i, v in texts)
            numbers = [(i, v) for i, v in enumerate(ours) if isinstance(v, float | int)]
            assert all(theirs[i] == v for i, v in numbers)
    wb.close()


def test_a_full_sheet_keeps_a_print_area_openpyxl_reads(tmp_path: Path) -> None:
    """A sheet filled to Excel's last row (a long table's first sheets) prints every row of
    its columns: the area is named by its cells, which openpyxl reads back without the
    warning "Print area cannot be set" (and without losing the sheet's print area)."""
    import warnings

    import openpyxl
    import xlsxwriter

    out = tmp_path / "full.xlsx"
    wb = xlsxwriter.Workbook(str(out))
    fmt = writer.Formats(wb)
    full = wb.add_worksheet(K.continued(K.PROBLEMS.sheet, 1))
    writer.draw_table(full, K.PROBLEMS, writer.EXCEL_ROWS - 1, fmt)  # header + every other row
    short = wb.add_worksheet(K.PROBLEMS.sheet)
    writer.draw_table(short, K.PROBLEMS, 9, fmt)
    wb.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = openpyxl.load_workbook(out)
    assert book[full.name].print_area == f"'{full.name}'!$A$1:$K${writer.EXCEL_ROWS}"
    assert book[short.name].print_area == f"'{short.name}'!$A$1:$K$10"
