"""The ribbon entry points, run on the Suying example through the adapter (no Excel here).

The book is a faithful fake of exactly the xlwings calls the adapter makes (listed in
perfxl/excel/adapter.py), backed by an openpyxl workbook so that what Excel would refuse is
refused here too: writing a locked cell or colouring a cell of a protected sheet raises, as
COM does. Values come from the file's cached values, as ``perfxl export`` (calamine) sees them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl.cells import a1, parse_a1, parse_range
from perfxl.excel import actions, annotate, entry
from perfxl.problems import Problem
from perfxl.read import read_workbook

ROOT = Path(__file__).resolve().parents[1]


# --- the fake ---------------------------------------------------------------------------------
class ComError(Exception):
    """What Excel raises when a protected sheet refuses a change."""


class FakeNote:
    def __init__(self, cell: Any) -> None:
        self.cell = cell

    @property
    def text(self) -> str:
        return str(self.cell.comment.text)

    @text.setter
    def text(self, value: str) -> None:
        self.cell.comment = Comment(value, "perfxl")


class FakeProtection:
    AllowFormattingColumns = True
    AllowFormattingRows = True


class FakeSheetApi:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.Protection = FakeProtection()

    @property
    def ProtectContents(self) -> bool:
        return bool(self.ws.protection.sheet)

    def Unprotect(self) -> None:
        self.ws.protection.sheet = False

    def Protect(self, **kwargs: Any) -> None:
        assert kwargs["AllowFormattingColumns"] is True
        self.ws.protection.sheet = True


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2

    @property
    def address(self) -> str:
        first = "$" + a1(self.r1, self.c1).replace(
            get_column_letter(self.c1), get_column_letter(self.c1) + "$", 1
        )
        if (self.r1, self.c1) == (self.r2, self.c2):
            return first
        last = "$" + a1(self.r2, self.c2).replace(
            get_column_letter(self.c2), get_column_letter(self.c2) + "$", 1
        )
        return f"{first}:{last}"

    @property
    def last_cell(self) -> Any:
        return type("Cell", (), {"row": self.r2, "column": self.c2})()

    def options(self, ndim: int) -> FakeRange:
        assert ndim == 2
        return self

    def _cells(self) -> list[Any]:
        ws = self.sheet.ws
        return [
            ws.cell(r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)
        ]

    def _check_unlocked(self, cells: list[Any]) -> None:
        if self.sheet.ws.protection.sheet and any(c.protection.locked for c in cells):
            raise ComError(f"locked cell on protected sheet {self.sheet.name}!{self.address}")

    @property
    def value(self) -> list[list[Any]]:
        self.sheet.book.reads += 1
        ws = self.sheet.ws
        return [
            [None if (v := ws.cell(r, c).value) == "" else v for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]

    @value.setter
    def value(self, rows: list[list[Any]]) -> None:
        self.sheet.book.writes += 1
        ws = self.sheet.ws
        targets = [
            ws.cell(self.r1 + i, self.c1 + j) for i, row in enumerate(rows) for j in range(len(row))
        ]
        self._check_unlocked(targets)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                ws.cell(self.r1 + i, self.c1 + j).value = v

    @property
    def merge_area(self) -> FakeRange:
        self.sheet.book.merge_calls += 1
        for m in self.sheet.ws.merged_cells.ranges:
            if m.min_row <= self.r1 <= m.max_row and m.min_col <= self.c1 <= m.max_col:
                return FakeRange(self.sheet, m.min_row, m.min_col, m.max_row, m.max_col)
        return FakeRange(self.sheet, self.r1, self.c1, self.r1, self.c1)

    @property
    def color(self) -> str | None:
        fill = self.sheet.ws.cell(self.r1, self.c1).fill
        return "#" + str(fill.fgColor.rgb)[-6:] if fill.fill_type == "solid" else None

    @color.setter
    def color(self, value: str) -> None:
        if self.sheet.ws.protection.sheet:
            raise ComError("cannot format cells on a protected sheet")
        for cell in self._cells():
            cell.fill = PatternFill("solid", fgColor=value.lstrip("#").upper())

    @property
    def note(self) -> FakeNote | None:
        cell = self.sheet.ws.cell(self.r1, self.c1)
        return FakeNote(cell) if cell.comment is not None else None

    def add_note(self, text: str) -> FakeNote:
        if self.sheet.ws.protection.sheet:
            raise ComError("cannot add a note on a protected sheet")
        cell = self.sheet.ws.cell(self.r1, self.c1)
        assert cell.comment is None, "add_note on a cell that has a note fails in Excel"
        cell.comment = Comment(text, "perfxl")
        return FakeNote(cell)

    def clear_contents(self) -> None:
        self._check_unlocked(self._cells())
        for cell in self._cells():
            if type(cell).__name__ != "MergedCell":
                cell.value = None


class FakeSheet:
    def __init__(self, ws: Worksheet, book: FakeBook) -> None:
        self.ws, self.book = ws, book
        self.api = FakeSheetApi(ws)

    @property
    def name(self) -> str:
        return self.ws.title

    @property
    def visible(self) -> bool:
        return self.ws.sheet_state == "visible"

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self, 1, 1, max(self.ws.max_row, 1), max(self.ws.max_column, 1))

    def range(self, arg1: Any, arg2: Any = None) -> FakeRange:
        def rc(x: Any) -> tuple[int, int]:
            return x if isinstance(x, tuple) else parse_a1(x)

        if isinstance(arg1, str) and ":" in arg1:
            r1, c1, r2, c2 = parse_range(arg1)
            return FakeRange(self, r1, c1, r2, c2)
        r1, c1 = rc(arg1)
        r2, c2 = rc(arg2) if arg2 is not None else (r1, c1)
        return FakeRange(self, r1, c1, r2, c2)

    def copy(self, after: FakeSheet, name: str) -> FakeSheet:
        wb = self.book.wb
        new = wb.copy_worksheet(self.ws)
        new.title = name
        new.protection.sheet = self.ws.protection.sheet
        wb.move_sheet(new, offset=wb.index(after.ws) + 1 - wb.index(new))
        return FakeSheet(new, self.book)

    def clear_contents(self) -> None:
        for row in self.ws.iter_rows():
            for cell in row:
                cell.value = None


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book

    def __iter__(self) -> Any:
        return iter(FakeSheet(ws, self.book) for ws in self.book.wb.worksheets)

    def __getitem__(self, name: str) -> FakeSheet:
        return FakeSheet(self.book.wb[name], self.book)

    def add(self, name: str, after: FakeSheet) -> FakeSheet:
        ws = self.book.wb.create_sheet(name, self.book.wb.index(after.ws) + 1)
        return FakeSheet(ws, self.book)


class FakeApp:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str]] = []

    def alert(self, prompt: str, title: str) -> None:
        self.alerts.append((prompt, title))


class FakeBook:
    def __init__(self, wb: Workbook, fullname: str) -> None:
        self.wb, self.fullname = wb, fullname
        self.app = FakeApp()
        self.reads = self.writes = self.merge_calls = 0

    @property
    def sheets(self) -> FakeSheets:
        return FakeSheets(self)


@pytest.fixture()
def book(example_book: Path, tmp_path: Path) -> FakeBook:
    """The Suying example open in the fake, saved under tmp_path."""
    path = tmp_path / "suying-2023.xlsx"
    path.write_bytes(example_book.read_bytes())
    return FakeBook(load_workbook(path, data_only=True), str(path))


# --- reading ----------------------------------------------------------------------------------
def test_export_json_equals_cli_export(book: FakeBook, tmp_path: Path) -> None:
    cli = tmp_path / "cli.json"
    subprocess.run(
        [sys.executable, "-m", "perfxl.cli", "export", book.fullname, "-o", str(cli)],
        check=True,
        capture_output=True,
    )
    message = entry.export_json(book)
    out = Path(book.fullname).with_suffix(".json")
    assert message == f"已导出：{out}"
    assert book.app.alerts == [(message, entry.TITLE)]
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        cli.read_text(encoding="utf-8")
    )


def test_read_is_one_value_call_per_sheet_and_few_merge_calls(book: FakeBook) -> None:
    res = actions.read_book(book)
    assert book.reads == len(book.wb.worksheets)
    assert len(res.targets.projects) == 19
    # one merge query per candidate run, not per cell (the seed has 114 indicator rows)
    assert book.merge_calls < 12 * 19
    ref = read_workbook(book.fullname)
    assert res.targets == ref.targets
    assert res.locations == ref.locations


# --- validate ---------------------------------------------------------------------------------
def _broken_book(book: FakeBook) -> FakeBook:
    ws = book.wb.worksheets[2]
    ws["C4"] = "八点三九"  # an amount that is not a number
    ws["B7"] = "2.10"  # an amount typed as text
    book.wb.worksheets[3]["A3"] = "编码"  # a label removed: the sheet is not read
    return book


def test_validate_marks_the_same_cells_the_cli_reports(book: FakeBook, tmp_path: Path) -> None:
    _broken_book(book)
    saved = tmp_path / "broken.xlsx"
    book.wb.save(saved)
    from perfxl.validate import validate_file

    problems: list[Problem] = validate_file(saved).problems
    book.fullname = str(saved)
    message = entry.validate(book)
    assert message.startswith("校验完成：")
    expected = annotate.marks(problems)
    assert expected, "the broken book must have cell problems"
    for m in expected:
        cell = book.wb[m.sheet][m.cell]
        assert cell.comment is not None and cell.comment.text == m.note
        if m.color:
            assert str(cell.fill.fgColor.rgb)[-6:] == m.color.lstrip("#")
    assert all(ws.protection.sheet for ws in book.wb.worksheets[2:-1]), "protection restored"
    results = book.wb[C.RESULTS_SHEET]
    assert book.wb.sheetnames[-1] == C.RESULTS_SHEET
    rows = [list(r) for r in results.iter_rows(values_only=True)]
    assert rows == annotate.result_rows(problems)


def test_validate_twice_replaces_notes_and_results(book: FakeBook) -> None:
    _broken_book(book)
    entry.validate(book)
    first = [list(r) for r in book.wb[C.RESULTS_SHEET].iter_rows(values_only=True)]
    entry.validate(book)
    again = [list(r) for r in book.wb[C.RESULTS_SHEET].iter_rows(values_only=True)]
    assert again == first
    assert book.wb.sheetnames.count(C.RESULTS_SHEET) == 1
    assert "意外错误" not in book.app.alerts[-1][0]


# --- compute ----------------------------------------------------------------------------------
def test_compute_writes_the_seed_percentages_in_one_write_per_sheet(book: FakeBook) -> None:
    message = entry.compute(book)
    assert message.startswith("已写入 19 个项目的累计进度")
    assert book.writes == 19
    p1 = book.wb.worksheets[2]
    assert [p1[c].value for c in ("B8", "C8", "D8", "E8")] == [0.2503, 0.4994, 0.7497, 1.0]
    p7 = book.wb.worksheets[8]
    assert p7.title.startswith("7.")
    assert [p7[c].value for c in ("B8", "C8", "D8", "E8")] == [0.0, 0.5, 0.5, 1.0]
    assert p1.protection.sheet is True


# --- add project ------------------------------------------------------------------------------
def test_add_project_copies_a_blank_sheet_named_after_the_project(book: FakeBook) -> None:
    message = entry.add_project(book, name="村道维修")
    assert "已新增项目表“20.村道维修”" in message
    names = book.wb.sheetnames
    assert names.index("20.村道维修") == names.index("19.综合服务中心建设经费") + 1
    ws = book.wb["20.村道维修"]
    assert ws["E3"].value == "村道维修"
    assert ws["B3"].value is None and ws["C4"].value is None and ws["B7"].value is None
    assert all(ws.cell(r, 3).value is None for r in range(11, ws.max_row + 1))
    assert ws["A10"].value == "一级指标"
    res = actions.read_book(book)
    assert len(res.targets.projects) == 20
    assert res.targets.projects[-1].name == "村道维修"
    assert res.targets.projects[-1].indicators == []


# --- errors become messages -------------------------------------------------------------------
def test_errors_are_messages_never_tracebacks(tmp_path: Path) -> None:
    from openpyxl import Workbook as NewWorkbook

    wb = NewWorkbook()
    assert wb.active is not None
    wb.active["A1"] = "随便什么"
    empty = FakeBook(wb, "工作簿1")
    msg = entry.add_project(empty, name=None)
    assert msg.startswith("新增项目未完成：") and "perfxl template" in msg
    msg = entry.export_json(empty)
    assert msg.startswith("导出 JSON未完成：") and "请先保存工作簿" in msg

    class Exploding(FakeBook):
        @property
        def sheets(self) -> FakeSheets:
            raise RuntimeError("COM 服务器无响应")

    boom = Exploding(wb, "x.xlsx")
    msg = entry.compute(boom)
    assert msg.startswith("计算进度时发生意外错误：RuntimeError: COM 服务器无响应")
    assert "Traceback" not in msg and str(entry.LOG_FILE) in msg


def test_help_lists_every_button(book: FakeBook) -> None:
    text = entry.help(book)
    for label in ("校验", "计算进度", "新增项目", "导出 JSON"):
        assert label in text


def test_package_imports_without_xlwings_and_hints_install() -> None:
    code = (
        "import sys; sys.modules['xlwings'] = None\n"
        "import perfxl.excel.entry as e\n"
        "try:\n    e.validate()\nexcept ImportError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "perfxl[xlwings]"' in out.stdout
